#!/bin/bash
# The deploy gate as a pipeline step: run it right before the rollout, and roll out only on exit 0.
#
#   FTGOV_REPO=OWNER/NAME FTGOV_OBJECTIVE=ID FTGOV_CHECKPOINT=URI GITHUB_TOKEN=... \
#     examples/launchers/deploy-gate.sh [--out FILE] && kubectl set image ...
#
# `ftgov gate ID --stage deploy --checkpoint URI` allows only the checkpoint the register
# records for the round, evaluated with verdict pass and decided `deploy` (no withdrawal),
# each through a PR approved for the model's highest tier. FTGOV_TRUST_ROOT comes from the
# pipeline's protected configuration, never from the governance repository. Exit codes are
# the gate's: 0 allow, 1 deny, 2 misconfigured, 3 could not decide (treat it as deny).
set -euo pipefail

for name in FTGOV_REPO FTGOV_OBJECTIVE FTGOV_CHECKPOINT; do
  if [ -z "${!name:-}" ]; then
    echo "deploy-gate.sh: $name is not set (FTGOV_REPO: the governance repository OWNER/NAME; FTGOV_OBJECTIVE: the round; FTGOV_CHECKPOINT: the checkpoint to deploy)" >&2
    exit 2
  fi
done
out=ftgov-deploy-attestation.json
if [ "${1:-}" = --out ] && [ -n "${2:-}" ]; then
  out=$2
fi

status=0
ftgov gate "$FTGOV_OBJECTIVE" --repo "$FTGOV_REPO" --stage deploy --checkpoint "$FTGOV_CHECKPOINT" \
  --format json --out "$out" || status=$?
if [ "$status" -ne 0 ]; then
  echo "not deploying $FTGOV_CHECKPOINT: ftgov gate --stage deploy exited $status for $FTGOV_OBJECTIVE (1 denied, 2 misconfigured, 3 could not decide); see $out" >&2
  exit "$status"
fi
echo "deploy allowed: $FTGOV_OBJECTIVE at $FTGOV_CHECKPOINT ($out)"
