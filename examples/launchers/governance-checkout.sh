#!/bin/bash
# Check out, in a clone of the governance repository, the commit the approval bundle names.
#
#   FTGOV_REPO=OWNER/NAME FTGOV_OBJECTIVE=ID FTGOV_CHECKOUT=DIR FTGOV_RUN_DIR=DIR \
#   FTGOV_TRUSTED_IDENTITY=WORKFLOW_REF (or FTGOV_TRUSTED_KEY=PUB) governance-checkout.sh
#
# $FTGOV_ATTESTATION (default $FTGOV_RUN_DIR/ftgov-approval.json) is the run's copy of the
# approval bundle the attest workflow signed. The commit, branch and objective path come
# from the offline gate's answer on it (`ftgov gate --attestation`: signature by a trusted
# signer, objective, decision, age), never from a file read unverified. Clones the repository into $FTGOV_CHECKOUT with `gh` if
# it is not there yet, checks out that commit (detached), verifies that the objective there
# has the sha256 the bundle approved, and keeps the branch in the clone's configuration
# (ftgov.branch) for the register PR. record-and-open-pr.sh then runs record-run in this
# checkout, so the run is recorded against the approved bytes.
# Exit 1 when the bundle does not allow the objective; 2 when a variable is missing, the
# gate is misconfigured (no trusted signer) or the commit cannot be checked out.
set -euo pipefail

for name in FTGOV_REPO FTGOV_OBJECTIVE FTGOV_CHECKOUT FTGOV_RUN_DIR; do
  if [ -z "${!name:-}" ]; then
    echo "governance-checkout.sh: $name is not set (FTGOV_REPO: the governance repository OWNER/NAME; FTGOV_OBJECTIVE: the round; FTGOV_CHECKOUT: where its clone is or goes; FTGOV_RUN_DIR: the run's directory holding ftgov-approval.json, the bundle)" >&2
    exit 2
  fi
done
bundle=${FTGOV_ATTESTATION:-$FTGOV_RUN_DIR/ftgov-approval.json}

status=0
answer=$(ftgov gate "$FTGOV_OBJECTIVE" --attestation "$bundle" --format json) || status=$?
if [ "$status" -ne 0 ]; then
  echo "governance-checkout.sh: the offline gate does not allow $FTGOV_OBJECTIVE from $bundle (exit $status): nothing checked out" >&2
  printf '%s\n' "$answer" >&2
  exit "$status"
fi
# One field of the gate's verified answer; python3 is there wherever ftgov is installed.
field() {
  python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]] or "")' "$1" <<< "$answer"
}
head_sha=$(field head_sha)
branch=$(field branch)
objective_path=$(field objective_path)

if [ ! -d "$FTGOV_CHECKOUT/.git" ]; then
  gh repo clone "$FTGOV_REPO" "$FTGOV_CHECKOUT" -- --quiet
fi
git -C "$FTGOV_CHECKOUT" fetch --quiet origin "$branch" || true   # the approved commit may be newer than the clone
if ! git -C "$FTGOV_CHECKOUT" checkout --quiet --detach "$head_sha"; then
  echo "governance-checkout.sh: $FTGOV_CHECKOUT cannot check out $head_sha, the commit the bundle names" >&2
  exit 2
fi
if [ -n "$(git -C "$FTGOV_CHECKOUT" status --porcelain)" ]; then
  echo "governance-checkout.sh: $FTGOV_CHECKOUT has uncommitted changes: the register PR must carry the recorded run only" >&2
  exit 2
fi
if ! ftgov gate "$FTGOV_OBJECTIVE" --attestation "$bundle" --objective "$FTGOV_CHECKOUT/$objective_path" --format json > /dev/null; then
  echo "governance-checkout.sh: $objective_path at $head_sha is not the objective the bundle approved" >&2
  exit 2
fi
git -C "$FTGOV_CHECKOUT" config ftgov.branch "$branch"
