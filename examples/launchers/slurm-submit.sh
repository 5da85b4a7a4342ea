#!/bin/bash
# Gate, train on Slurm, record the run, open the register PR. Run on the login node:
#
#   export FTGOV_REPO=OWNER/NAME FTGOV_OBJECTIVE=ID FTGOV_CHECKPOINT=s3://...@sha256:... \
#          FTGOV_CHECKOUT=$HOME/governance TRAIN_COMMAND="python train.py ..."
#   GITHUB_TOKEN=... examples/launchers/slurm-submit.sh [sbatch options...]
#
# Every name comes from the environment, none is written here; a missing one stops the
# script (exit 2) naming it. The gate runs here, before any GPU is allocated: login nodes
# usually reach GitHub, compute nodes often do not, and a denied objective must not hold
# GPUs while it is being refused. Then the job runs TRAIN_COMMAND (slurm-train.sbatch) and
# this script waits for it (sbatch --wait: run it under tmux or nohup), records the run
# with the files the trainer wrote into $FTGOV_CONFIG_DIR and opens the register PR
# (record-and-open-pr.sh). FTGOV_TRUST_ROOT (the commit that installed the reviewed policy)
# comes from the login node's environment module the platform team owns, never from the
# governance repository.
#
# Exit codes: 1 denied, 2 misconfigured, 3 GitHub could not answer (nothing submitted);
# 4 the training job failed (nothing recorded); 5 the run could not be recorded.
#
# The token never reaches the job: sbatch copies the submitting environment into it, so it
# is removed from sbatch's environment, and slurm-train.sbatch unsets it again.
set -euo pipefail

for name in FTGOV_REPO FTGOV_OBJECTIVE FTGOV_CHECKPOINT FTGOV_CHECKOUT TRAIN_COMMAND; do
  if [ -z "${!name:-}" ]; then
    echo "slurm-submit.sh: $name is not set. Set FTGOV_REPO (the governance repository OWNER/NAME), FTGOV_OBJECTIVE (the objective id), FTGOV_CHECKPOINT (where the weights go), FTGOV_CHECKOUT (a clone of the governance repository) and TRAIN_COMMAND (the trainer)" >&2
    exit 2
  fi
done
objective=$FTGOV_OBJECTIVE
here=$(cd "$(dirname "$0")" && pwd)
# On a file system the compute nodes see too (the job reads the attestation and writes its configuration there).
FTGOV_RUN_DIR="$PWD/runs/$objective-$(date -u +%Y%m%dT%H%M%SZ)"
export FTGOV_RUN_DIR
mkdir -p "$FTGOV_RUN_DIR/config"
attestation="$FTGOV_RUN_DIR/ftgov-attestation.json"

status=0
ftgov gate "$objective" --repo "$FTGOV_REPO" \
  --started-at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --format json --out "$attestation" || status=$?
if [ "$status" -ne 0 ]; then
  echo "not submitted: ftgov gate exited $status for $objective (1 denied, 2 misconfigured, 3 GitHub could not answer); see $attestation" >&2
  exit "$status"
fi
"$here/governance-checkout.sh"

status=0
env -u GITHUB_TOKEN -u GH_TOKEN \
  sbatch --wait --job-name "train-$objective" --output "$FTGOV_RUN_DIR/slurm-%j.out" "$@" \
  "$here/slurm-train.sbatch" "$objective" "$attestation" || status=$?
if [ "$status" -ne 0 ]; then
  echo "the training job for $objective failed (sbatch exited $status): nothing recorded; see $FTGOV_RUN_DIR" >&2
  exit 4
fi
"$here/record-and-open-pr.sh"
