"""FTG8xx: ways around the gate that `ftgov audit-repo` finds in the repository's settings and history."""

from __future__ import annotations

from ftgov.documents.findings import Rule, Severity

E = Severity.ERROR

UNPROTECTED = Rule(
    "FTG801",
    "branch-unprotected",
    E,
    """
The default branch has no branch protection and no ruleset requiring pull requests.

Why this matters: merge status on the branch is the gate's authority; anyone with write
access could push an objective straight to it. (The gate would still deny a direct push,
but nothing stops the push, and every other check is advisory.)

Example: `GET /repos/{o}/{r}/branches/main/protection` answers 404 and no ruleset applies.

Fix: protect the branch (or add a ruleset) requiring pull requests, code-owner review
and the required checks below. If the token cannot read protection, run the audit with
an admin token.
""",
    waivable=False,
)

NO_CODEOWNER_REVIEW = Rule(
    "FTG802",
    "code-owner-review-not-required",
    E,
    """
Pull requests can merge without a review from the code owners.

Why this matters: CODEOWNERS only binds when "Require review from Code Owners" is on;
otherwise any approver with write access satisfies the review requirement.

Example: `required_pull_request_reviews.require_code_owner_reviews: false`.

Fix: enable "Require review from Code Owners" in branch protection or the ruleset's
pull_request rule (`require_code_owner_review`).
""",
    waivable=False,
)

STALE_REVIEWS = Rule(
    "FTG803",
    "stale-reviews-kept",
    E,
    """
Approvals survive new commits pushed to the pull request.

Why this matters: a reviewer approves one version of the objective and another merges.
The gate only counts approvals on the final head, but GitHub would still let the PR
merge on the stale approval.

Example: `dismiss_stale_reviews: false`.

Fix: enable "Dismiss stale pull request approvals when new commits are pushed".
""",
    waivable=False,
)

ADMINS_EXEMPT = Rule(
    "FTG804",
    "admins-bypass",
    E,
    """
Administrators are not bound by the branch protection.

Why this matters: an administrator can merge an unapproved objective, or push to the
branch, and the history looks like any other merge.

Example: `enforce_admins.enabled: false`.

Fix: enable "Do not allow bypassing the above settings" (include administrators). Keep
ruleset bypass lists empty for the governance repository too (ftgov does not read them yet).
""",
    waivable=False,
)

HISTORY_REWRITE = Rule(
    "FTG805",
    "force-push-or-deletion-allowed",
    E,
    """
The branch allows force pushes or deletion.

Why this matters: a force push can rewrite which commit last changed an objective and
drop the merge that carried its approvals; deletion removes the authority altogether.

Example: `allow_force_pushes.enabled: true`.

Fix: disable force pushes and deletions (or add non_fast_forward and deletion rules).
""",
    waivable=False,
)

CHECK_NOT_REQUIRED = Rule(
    "FTG806",
    "required-check-missing",
    E,
    """
A check the governance process depends on is not required before merging.

Why this matters: `ftgov/approvals` counts technical, risk and independent sign-off that
CODEOWNERS cannot express; `ftgov validate` keeps invalid objectives off the branch.
Checks that are not required are advisory.

Example: required status checks list only `build`.

Fix: add `ftgov/approvals` and `ftgov validate` to the required status checks.
""",
    waivable=False,
)

LAST_PUSH = Rule(
    "FTG807",
    "last-push-approval-off",
    E,
    """
The most recent push does not need approval from someone other than its pusher.

Why this matters: a reviewer with write access can push a change to an approved PR and
merge it on the earlier approvals of others.

Example: `require_last_push_approval: false`.

Fix: enable "Require approval of the most recent reviewable push".
""",
    waivable=False,
)

CODEOWNERS_GAP = Rule(
    "FTG808",
    "codeowners-gap",
    E,
    """
A governance path has no code owner, or CODEOWNERS has no catch-all owner.

Why this matters: objectives/, registers/, policies/, checks/, .github/ and CODEOWNERS
itself decide what the gate enforces; an unowned path can be changed with any approval,
including the gate's own code or the owners file. Every other path matters too: a PR
that changes only pyproject.toml or adds a package under tests/ can rebuild the `ftgov`
that CI and the training launchers install. `ftgov approvals` governs such paths by
default; code-owner review must cover them as well, so a catch-all line is required.

Example: no CODEOWNERS line matches `policies/policy.yaml`; or the file has no `*` line,
so `pyproject.toml` has no owner.

Fix: start CODEOWNERS with a catch-all line owned by the platform team (`* @acme/ml-platform`),
then add lines for every governance path, owned by the risk and platform teams (GitHub
uses the last matching line, so the specific lines come after the catch-all).
""",
    waivable=False,
)

CODEOWNERS_INVALID = Rule(
    "FTG809",
    "codeowners-invalid",
    E,
    """
CODEOWNERS is missing, or GitHub reports errors in it.

Why this matters: GitHub skips invalid lines (older versions ignore the whole file), so
the owners you read are not the owners GitHub enforces.

Example: a line naming `@acme/risk` when the team is `@acme/model-risk`.

Fix: correct the lines GitHub lists (`GET /repos/{o}/{r}/codeowners/errors`).
""",
    waivable=False,
)

CHECK_NOT_PINNED = Rule(
    "FTG810",
    "approvals-check-not-pinned",
    E,
    """
The required `ftgov/approvals` status check is not pinned to the GitHub App that sets it.

Why this matters: a commit status is just a POST to `/repos/{o}/{r}/statuses/{sha}`.
Unless the requirement names an app, GitHub accepts the status from any source: anyone
with push access (or any workflow, with a token holding `statuses: write`) can post
`ftgov/approvals: success` on their own PR and merge it without the roles the policy
asks for. Pinning to GitHub Actions (app 15368) is not enough either, because a workflow
a PR adds or changes posts as GitHub Actions too.

Example: branch protection answers
`required_status_checks.checks: [{"context": "ftgov/approvals", "app_id": null}]` (or
`-1`, or only the deprecated `contexts` list); or a ruleset's `required_status_checks`
rule lists `{"context": "ftgov/approvals"}` without an `integration_id`.

Fix: let a dedicated GitHub App set the status (the `ftgov approvals` workflow mints its
token from the app's key, kept in the `governance` environment), then pin the check to
that app: in branch protection choose the app as the check's source (REST:
`checks: [{"context": "ftgov/approvals", "app_id": <app id>}]`), or in the ruleset set
`integration_id` to the app's id.
""",
    waivable=False,
)

OWNER_GONE = Rule(
    "FTG811",
    "deployed-owner-not-member",
    E,
    """
A deployed round's objective names an owner who is no longer an active member of the organisation.

Why this matters: AG-341 4.5 requires the documents of a deployed model to outlive the
people who wrote them, and 4.7 that someone is accountable for it now. A deployed model
whose technical lead or risk reviewer has left is an orphan nobody answers for; the audit
finds it before an auditor does (docs/why.md#undocumented-fine-tunes).

Example: registers/support-agent.yaml has support-agent-r2 `deployed`, and its objective
says `owners: {technical_lead: ana-ml, ...}` while `GET /orgs/acme/memberships/ana-ml`
answers 404 (or `state: pending`).

Fix: hand the model over in a reviewed change: a new round (`ftgov new MODEL`) or an
amendment (`supersedes:`) naming current owners, or retire the round
(`ftgov decide ID --action retire`). The approved objective itself is never edited.
""",
    waivable=False,
)

DIRECT_PUSH = Rule(
    "FTG812",
    "direct-push-after-trust-root",
    E,
    """
A commit reached the branch after the operator's trust root without a merged pull request.

Why this matters: the gate (`ftgov gate --trust-root SHA`, or FTGOV_TRUST_ROOT) accepts
the history at or before the trust root as given, and everything after it must have come
through approved pull requests. A commit pushed straight to the branch (by an
administrator, through a ruleset bypass, or while protection was off) was reviewed by
nobody. When it touches an objective, the policy, a schema or a register, the gate
denies every launch that depends on it, and until then nothing says it is there. The
audit lists these commits first, so the operator finds them before a training run does.
It also reports here when it cannot list them: a trust root that is not on the branch
(the gate denies every objective then), or more commits after the root than GitHub's
compare API lists (10,000).

Example: `ftgov audit-repo --repo acme/governance --trust-root 3f2a...` reports
`commit 9c41d07e5b2a (Relax the policy, by mallory) reached main after the trust root
without a merged pull request`: `GET /repos/{o}/{r}/commits/9c41d07e.../pulls` lists no
merged pull request into main.

Fix: find out who pushed the commit and why, carry what should stay through a pull
request the roles the policy requires approve (or revert it in one), and close the way it
came in (FTG801, FTG804, FTG805). The commit itself stays in the history the gate judges:
once what it changed has been reviewed, the operator may pin a later trust root past it.
A trust root not on the branch: pin a commit the branch contains. Too long a history:
review the commits in a clone (`git log ROOT..main`) and pin a later root.
""",
    waivable=False,
)

RULES = (
    UNPROTECTED,
    NO_CODEOWNER_REVIEW,
    STALE_REVIEWS,
    ADMINS_EXEMPT,
    HISTORY_REWRITE,
    CHECK_NOT_REQUIRED,
    LAST_PUSH,
    CODEOWNERS_GAP,
    CODEOWNERS_INVALID,
    CHECK_NOT_PINNED,
    OWNER_GONE,
    DIRECT_PUSH,
)
