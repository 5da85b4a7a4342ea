#!/bin/bash
# After training: record the run in the register and open the register PR with `gh`.
#
#   FTGOV_REPO=OWNER/NAME FTGOV_OBJECTIVE=ID FTGOV_CHECKPOINT=URI FTGOV_CHECKOUT=DIR \
#   FTGOV_RUN_DIR=DIR GH_TOKEN=... record-and-open-pr.sh
#
# $FTGOV_RUN_DIR holds what the earlier steps wrote: ftgov-attestation.json (the gate),
# started-at and finished-at (the training job), config/ (the files the trainer was
# configured with), and ftgov-approval.json, the run's copy of the signed approval statement
# the gate verified (ID.approval.dsse.json or .sigstore.json as `ftgov attest` published it;
# $FTGOV_ATTESTATION names another path, as for launch.py). record-run verifies it again under
# FTGOV_TRUSTED_KEY or FTGOV_TRUSTED_IDENTITY; an unsigned gate answer is refused. With
# FTGOV_SIGNING_KEY or FTGOV_SIGNING_KEY_FILE set (the cluster's pipeline key, never the key
# that signs approvals: docs/attestations.md), it also signs the run statement into
# $FTGOV_RUN_DIR/$FTGOV_OBJECTIVE.run.dsse.json. $FTGOV_CHECKOUT is the clone
# governance-checkout.sh put at the gate's commit. Runs `ftgov record-run`, commits what it
# changed on a new branch, pushes it and opens the PR into the gate's branch; its reviewers
# check the run against the plan and the approval's signer in the comment above it.
# Exit 2 when a variable or file is missing; 5 when record-run refused (nothing recorded).
set -euo pipefail

for name in FTGOV_REPO FTGOV_OBJECTIVE FTGOV_CHECKPOINT FTGOV_CHECKOUT FTGOV_RUN_DIR; do
  if [ -z "${!name:-}" ]; then
    echo "record-and-open-pr.sh: $name is not set (the governance repository, objective, checkpoint URI, checkout and run directory are all needed)" >&2
    exit 2
  fi
done
run=$FTGOV_RUN_DIR
for file in ftgov-attestation.json started-at finished-at; do
  if [ ! -s "$run/$file" ]; then
    echo "record-and-open-pr.sh: $run/$file is missing: run the gate and the training job first" >&2
    exit 2
  fi
done
# The branch governance-checkout.sh took from the verified bundle and kept in the clone (never read from the run's files).
base=$(git -C "$FTGOV_CHECKOUT" config ftgov.branch || true)
if [ -z "$base" ]; then
  echo "record-and-open-pr.sh: $FTGOV_CHECKOUT names no approved branch (ftgov.branch): run governance-checkout.sh first" >&2
  exit 2
fi
bundle=${FTGOV_ATTESTATION:-$run/ftgov-approval.json}
if [ ! -s "$bundle" ]; then
  echo "record-and-open-pr.sh: $bundle is missing: record-run needs the signed approval statement \`ftgov attest\` published (or set FTGOV_ATTESTATION)" >&2
  exit 2
fi
statement=()
if [ -n "${FTGOV_SIGNING_KEY:-}${FTGOV_SIGNING_KEY_FILE:-}" ]; then
  statement=(--statement-out "$run/$FTGOV_OBJECTIVE.run.dsse.json")
fi

configs=()
while IFS= read -r -d '' file; do
  configs+=(--config "$file")
done < <(find "$run/config" -type f -print0 2>/dev/null | sort -z)
if [ "${#configs[@]}" -eq 0 ]; then
  echo "record-and-open-pr.sh: the trainer wrote no configuration into $run/config: nothing to record" >&2
  exit 5
fi

status=0
ftgov record-run "$FTGOV_OBJECTIVE" "${configs[@]}" \
  --started-at "$(cat "$run/started-at")" --finished-at "$(cat "$run/finished-at")" \
  --checkpoint "$FTGOV_CHECKPOINT" --gate-attestation "$bundle" "${statement[@]}" \
  --repo-root "$FTGOV_CHECKOUT" > "$run/record-run.log" 2>&1 || status=$?
cat "$run/record-run.log" >&2
if [ -z "$(git -C "$FTGOV_CHECKOUT" status --porcelain)" ]; then
  echo "record-and-open-pr.sh: ftgov record-run refused (exit $status): nothing recorded" >&2
  exit 5
fi
note=""
if [ "$status" -eq 1 ]; then
  note=" A deviation beyond the policy's tolerance needs acknowledged_by in this PR (FTG914)."
fi

branch="ftgov/run/$FTGOV_OBJECTIVE-$(date -u +%Y%m%dT%H%M%SZ)"
git -C "$FTGOV_CHECKOUT" switch --quiet -c "$branch"
git -C "$FTGOV_CHECKOUT" add -A
git -C "$FTGOV_CHECKOUT" -c user.name="${GIT_AUTHOR_NAME:-ftgov launcher}" -c user.email="${GIT_AUTHOR_EMAIL:-ftgov-launcher@users.noreply.github.com}" \
  commit --quiet -m "$FTGOV_OBJECTIVE: record the run (ftgov record-run)"
gh auth setup-git   # git pushes with the token gh holds
git -C "$FTGOV_CHECKOUT" push --quiet origin "HEAD:refs/heads/$branch"
gh pr create --repo "$FTGOV_REPO" --base "$base" --head "$branch" \
  --title "$FTGOV_OBJECTIVE: record the run" \
  --body "The run of \`$FTGOV_OBJECTIVE\`, recorded by \`ftgov record-run\` (exit $status) after the gate allowed it; checkpoint \`$FTGOV_CHECKPOINT\`.$note The approval comes from the signed approval statement named, with its signer, in the comment above it. This PR needs the model's highest risk tier."
