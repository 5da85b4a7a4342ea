#!/bin/bash
# The deploy gate as a pipeline step: run it right before the rollout, and roll out only on exit 0.
#
#   FTGOV_OBJECTIVE=ID FTGOV_CHECKPOINT=URI FTGOV_STATEMENTS=DIR FTGOV_TRUSTED_IDENTITY=WORKFLOW_REF \
#     examples/launchers/deploy-gate.sh [--out FILE] && kubectl set image ...
#
# Offline (FTGOV_STATEMENTS): the round's signed chain, DIR/ID.approval.*.json, ID.run.*.json,
# ID.evaluation.*.json and ID.decision.*.json (the approval kept with the run, the statements
# record-run, evaluate --record and decide wrote with --statement-out), verified by
# `ftgov gate ID --stage deploy --checkpoint URI --attestation ...` with no token and no
# request: the approval and the decision signed by the governance signer FTGOV_TRUSTED_IDENTITY
# (or FTGOV_TRUSTED_KEY) names, the run and the evaluation by it or by a pipeline signer
# (FTGOV_TRUSTED_PIPELINE_KEY / FTGOV_TRUSTED_PIPELINE_IDENTITY), each pointing at the one before, the run trained exactly URI, the evaluation passed,
# the decision is a deploy signed no more than --max-age (7 days) ago. A rollback decided
# after that deploy is invisible unless it is the decision handed here: hand the newest.
#
# Online (FTGOV_GATE=online, with FTGOV_REPO and GITHUB_TOKEN): `ftgov gate ID --repo
# OWNER/NAME --stage deploy --checkpoint URI` reads the register at the head of the default
# branch, so a rollback merged a minute ago denies; FTGOV_TRUST_ROOT comes from the pipeline's
# protected configuration, never from the governance repository. Neither configured is exit
# 2: nothing is deployed on a gate nobody chose. Exit codes are the gate's: 0 allow, 1 deny,
# 2 misconfigured, 3 could not decide (treat it as deny).
set -euo pipefail

for name in FTGOV_OBJECTIVE FTGOV_CHECKPOINT; do
  if [ -z "${!name:-}" ]; then
    echo "deploy-gate.sh: $name is not set (FTGOV_OBJECTIVE: the round; FTGOV_CHECKPOINT: the checkpoint to deploy)" >&2
    exit 2
  fi
done
out=ftgov-deploy-attestation.json
if [ "${1:-}" = --out ] && [ -n "${2:-}" ]; then
  out=$2
fi

if [ -n "${FTGOV_STATEMENTS:-}" ]; then
  statements=()
  for link in approval run evaluation decision; do
    for file in "$FTGOV_STATEMENTS/$FTGOV_OBJECTIVE.$link".*.json; do
      if [ -f "$file" ]; then
        statements+=(--attestation "$file")
      fi
    done
  done
  if [ "${#statements[@]}" -eq 0 ]; then
    echo "not deploying $FTGOV_CHECKPOINT: $FTGOV_STATEMENTS holds no signed statement of $FTGOV_OBJECTIVE ($FTGOV_OBJECTIVE.approval.*.json, .run, .evaluation, .decision)" >&2
    exit 1
  fi
  gate=(ftgov gate "$FTGOV_OBJECTIVE" --stage deploy --checkpoint "$FTGOV_CHECKPOINT" "${statements[@]}")
elif [ "${FTGOV_GATE:-}" = online ]; then
  if [ -z "${FTGOV_REPO:-}" ]; then
    echo "deploy-gate.sh: FTGOV_GATE=online asks GitHub: set FTGOV_REPO (the governance repository OWNER/NAME) and GITHUB_TOKEN" >&2
    exit 2
  fi
  gate=(ftgov gate "$FTGOV_OBJECTIVE" --repo "$FTGOV_REPO" --stage deploy --checkpoint "$FTGOV_CHECKPOINT")
else
  echo "deploy-gate.sh: no gate configured: set FTGOV_STATEMENTS to the directory holding the round's signed statements (offline, docs/attestations.md), or FTGOV_GATE=online with FTGOV_REPO and GITHUB_TOKEN to ask GitHub" >&2
  exit 2
fi

status=0
"${gate[@]}" --format json --out "$out" || status=$?
if [ "$status" -ne 0 ]; then
  echo "not deploying $FTGOV_CHECKPOINT: ftgov gate --stage deploy exited $status for $FTGOV_OBJECTIVE (1 denied, 2 misconfigured, 3 could not decide); see $out" >&2
  exit "$status"
fi
echo "deploy allowed: $FTGOV_OBJECTIVE at $FTGOV_CHECKPOINT ($out)"
