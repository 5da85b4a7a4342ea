#!/bin/bash
# Gate, train on Slurm, record the run, open the register PR. Run on the login node:
#
#   export FTGOV_REPO=OWNER/NAME FTGOV_OBJECTIVE=ID FTGOV_CHECKPOINT=s3://...@sha256:... \
#          FTGOV_CHECKOUT=$HOME/governance TRAIN_COMMAND="python train.py ..." \
#          FTGOV_ATTESTATION=approvals/ID.approval.sigstore.json
#   GITHUB_TOKEN=... examples/launchers/slurm-submit.sh [sbatch options...]
#
# Every name comes from the environment, none is written here; a missing one stops the
# script (exit 2) naming it. The gate is offline: `ftgov gate ID --attestation BUNDLE`
# verifies the approval bundle the attest workflow signed (fetched with `oras pull
# REGISTRY/ftgov-approvals:approvals -o approvals`, docs/attestations.md): its signature by
# the signer FTGOV_TRUSTED_IDENTITY (or FTGOV_TRUSTED_KEY) names, the objective, the
# decision and its age, with no request to GitHub. Those two come from the login node's
# environment module the platform team owns, never from the governance repository. It runs
# here, before any GPU is allocated, so a denied objective never holds GPUs; the job checks
# the same bundle again on its node when it starts (slurm-train.sbatch), which needs ftgov
# there too but no network. Then the job runs TRAIN_COMMAND and this script waits for it
# (sbatch --wait: run it under tmux or nohup), records the run with the files the trainer
# wrote into $FTGOV_CONFIG_DIR and opens the register PR (record-and-open-pr.sh). The token
# is for the checkout and the register PR only.
#
# Exit codes: 1 denied, 2 misconfigured (nothing submitted); 4 the training job failed
# (nothing recorded); 5 the run could not be recorded.
#
# The token never reaches the job: sbatch copies the submitting environment into it, so it
# is removed from sbatch's environment, and slurm-train.sbatch unsets it again.
set -euo pipefail

for name in FTGOV_REPO FTGOV_OBJECTIVE FTGOV_CHECKPOINT FTGOV_CHECKOUT TRAIN_COMMAND FTGOV_ATTESTATION; do
  if [ -z "${!name:-}" ]; then
    echo "slurm-submit.sh: $name is not set. Set FTGOV_REPO (the governance repository OWNER/NAME), FTGOV_OBJECTIVE (the objective id), FTGOV_CHECKPOINT (where the weights go), FTGOV_CHECKOUT (a clone of the governance repository), TRAIN_COMMAND (the trainer) and FTGOV_ATTESTATION (the approval bundle the attest workflow published for the objective)" >&2
    exit 2
  fi
done
if [ ! -f "$FTGOV_ATTESTATION" ]; then
  echo "slurm-submit.sh: FTGOV_ATTESTATION=$FTGOV_ATTESTATION is not a file: pull the approvals first (docs/attestations.md)" >&2
  exit 2
fi
objective=$FTGOV_OBJECTIVE
here=$(cd "$(dirname "$0")" && pwd)
# On a file system the compute nodes see too (the job reads the bundle and writes its configuration there).
FTGOV_RUN_DIR="$PWD/runs/$objective-$(date -u +%Y%m%dT%H%M%SZ)"
export FTGOV_RUN_DIR
mkdir -p "$FTGOV_RUN_DIR/config"
# The run's own copy of the bundle: the job, the checkout and record-run verify these bytes, whatever the next pull
# replaces (a bundle signed after the run started does not record it).
bundle="$FTGOV_RUN_DIR/ftgov-approval.json"
cp "$FTGOV_ATTESTATION" "$bundle"
export FTGOV_ATTESTATION="$bundle"
attestation="$FTGOV_RUN_DIR/ftgov-attestation.json"   # the gate's verified answer, kept with the run

status=0
ftgov gate "$objective" --attestation "$bundle" \
  --started-at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --format json --out "$attestation" || status=$?
if [ "$status" -ne 0 ]; then
  echo "not submitted: ftgov gate exited $status for $objective (1 denied, 2 misconfigured); see $attestation" >&2
  exit "$status"
fi
"$here/governance-checkout.sh"

status=0
env -u GITHUB_TOKEN -u GH_TOKEN \
  sbatch --wait --job-name "train-$objective" --output "$FTGOV_RUN_DIR/slurm-%j.out" "$@" \
  "$here/slurm-train.sbatch" "$objective" "$bundle" || status=$?
if [ "$status" -ne 0 ]; then
  echo "the training job for $objective failed (sbatch exited $status): nothing recorded; see $FTGOV_RUN_DIR" >&2
  exit 4
fi
"$here/record-and-open-pr.sh"
