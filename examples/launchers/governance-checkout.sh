#!/bin/bash
# Check out, in a clone of the governance repository, the commit the gate judged.
#
#   FTGOV_REPO=OWNER/NAME FTGOV_CHECKOUT=DIR FTGOV_RUN_DIR=DIR governance-checkout.sh
#
# Reads $FTGOV_RUN_DIR/ftgov-attestation.json (what `ftgov gate --format json --out` wrote),
# clones the repository into $FTGOV_CHECKOUT with `gh` if it is not there yet, checks out the
# attestation's head_sha (detached), and copies the approved objective to
# $FTGOV_RUN_DIR/objective.yaml for the trainer (FTGOV_OBJECTIVE_FILE). record-and-open-pr.sh
# then runs record-run in this checkout, so the run is recorded against the approved bytes.
# Exit 2 when a variable is missing or the commit cannot be checked out.
set -euo pipefail

for name in FTGOV_REPO FTGOV_CHECKOUT FTGOV_RUN_DIR; do
  if [ -z "${!name:-}" ]; then
    echo "governance-checkout.sh: $name is not set (FTGOV_REPO: the governance repository OWNER/NAME; FTGOV_CHECKOUT: where its clone is or goes; FTGOV_RUN_DIR: the run's directory holding ftgov-attestation.json)" >&2
    exit 2
  fi
done
attestation="$FTGOV_RUN_DIR/ftgov-attestation.json"

# One field of the attestation; python3 is there wherever ftgov is installed.
field() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1], encoding="utf-8"))[sys.argv[2]] or "")' "$attestation" "$1"
}
head_sha=$(field head_sha)
branch=$(field branch)
objective_path=$(field objective_path)
if [ -z "$head_sha" ] || [ -z "$objective_path" ]; then
  echo "governance-checkout.sh: $attestation names no head_sha or objective_path: not an allow of the gate" >&2
  exit 2
fi

if [ ! -d "$FTGOV_CHECKOUT/.git" ]; then
  gh repo clone "$FTGOV_REPO" "$FTGOV_CHECKOUT" -- --quiet
fi
git -C "$FTGOV_CHECKOUT" fetch --quiet origin "$branch" || true   # the gate's commit may be newer than the clone
if ! git -C "$FTGOV_CHECKOUT" checkout --quiet --detach "$head_sha"; then
  echo "governance-checkout.sh: $FTGOV_CHECKOUT cannot check out $head_sha, the commit the gate pinned" >&2
  exit 2
fi
if [ -n "$(git -C "$FTGOV_CHECKOUT" status --porcelain)" ]; then
  echo "governance-checkout.sh: $FTGOV_CHECKOUT has uncommitted changes: the register PR must carry the recorded run only" >&2
  exit 2
fi
cp "$FTGOV_CHECKOUT/$objective_path" "$FTGOV_RUN_DIR/objective.yaml"
