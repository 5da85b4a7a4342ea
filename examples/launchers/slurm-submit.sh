#!/bin/bash
# Submit a training job only if ftgov allows its objective. Run on the login node:
#
#   GITHUB_TOKEN=... examples/launchers/slurm-submit.sh support-agent-r3 [sbatch options...]
#
# The gate runs here, before any GPU is allocated: login nodes usually reach GitHub,
# compute nodes often do not, and a denied objective must not hold four GPUs while it
# is being refused. (If your login nodes cannot reach GitHub either, run this script as
# a CPU-only job, e.g. `sbatch --partition=cpu --wrap "examples/launchers/slurm-submit.sh ID"`.)
# Exit codes are the gate's: 1 denied, 2 misconfigured (no token, bad time), 3 GitHub
# could not answer; nothing is submitted then.
#
# The token never reaches the job: sbatch copies the submitting environment into it,
# so it is removed from sbatch's environment, and slurm-train.sbatch unsets it again.
set -euo pipefail

if [ "$#" -lt 1 ]; then
  echo "usage: $0 OBJECTIVE_ID [sbatch options...]" >&2
  exit 2
fi
objective=$1
shift

here=$(cd "$(dirname "$0")" && pwd)
# On a file system the compute nodes see too (the job reads the attestation there).
run_dir="$PWD/runs/$objective-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$run_dir"
attestation="$run_dir/ftgov-attestation.json"

# GITHUB_TOKEN (or GH_TOKEN) comes from the cluster's secret store, never from a script.
# FTGOV_TRUST_ROOT (the commit that installed the reviewed policy) comes from the login
# node's environment module the platform team owns, never from the governance repository.
status=0
ftgov gate "$objective" --repo acme/governance --branch main \
  --started-at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --format json --out "$attestation" || status=$?
if [ "$status" -ne 0 ]; then
  echo "not submitted: ftgov gate exited $status for $objective (1 denied, 2 misconfigured, 3 GitHub could not answer); see $attestation" >&2
  exit "$status"
fi

env -u GITHUB_TOKEN -u GH_TOKEN \
  sbatch --job-name "train-$objective" --output "$run_dir/slurm-%j.out" "$@" \
  "$here/slurm-train.sbatch" "$objective" "$attestation"
