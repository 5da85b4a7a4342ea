"""The `ftgov/approvals` status check: may this open pull request merge?

Required roles come from the policy on the PR's *base* branch (a PR cannot relax the
rules it is judged by) and from the risk tier of every objective it changes, at its head
and at its base (lowering an objective's tier in the same PR does not lower the bar).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ftgov.approvals import ApprovalCount, count_approvals
from ftgov.forge import PullRequest
from ftgov.gate import TIERS, Denied, parse_blob, policy_at, risk_tier
from ftgov.policy import Policy

CONTEXT = "ftgov/approvals"
# Files that decide what the gate enforces: changing any of them needs the highest tier's roles.
_GOVERNED = (
    "registers/",
    "policies/",
    "checks/",
    ".github/",
    "CODEOWNERS",
    "docs/CODEOWNERS",
    ".pre-commit-config.yaml",
    ".pre-commit-hooks.yaml",
)


@dataclass(frozen=True)
class ApprovalsReport:
    pull_request: int
    head_sha: str
    objectives: tuple[tuple[str, str], ...]  # (path, tier used)
    roles: tuple[str, ...]
    count: ApprovalCount | None
    reasons: tuple[str, ...]

    @property
    def state(self) -> str:
        return "success" if not self.reasons else "failure"

    @property
    def description(self) -> str:
        if self.count is None:
            return self.reasons[0] if self.reasons else "no governed document changed"
        if self.state == "success":
            return "approved: " + ", ".join(f"{a.role} by {a.login}" for a in self.count.approvals)
        return f"missing approval for {', '.join(self.count.missing) or 'required roles'}"

    def to_json(self) -> dict[str, Any]:
        return {
            "pull_request": self.pull_request,
            "head_sha": self.head_sha,
            "state": self.state,
            "description": self.description,
            "objectives": [{"path": p, "risk_tier": t} for p, t in self.objectives],
            "required_roles": list(self.roles),
            "approvals": [{"login": a.login, "role": a.role, "team": a.team} for a in (self.count.approvals if self.count else ())],
            "reasons": list(self.reasons),
        }


def _tier_of(forge: Any, tree: dict[str, str], path: str) -> str | None:
    if path not in tree:
        return None
    try:
        document, _ = parse_blob(forge, path, tree[path])
    except Denied:
        return "high"  # an unreadable objective is judged at the strictest tier
    return risk_tier(document)


def check_pull_request(forge: Any, number: int) -> ApprovalsReport:
    pr: PullRequest = forge.pull(number)
    base_head = forge.branch_head(pr.base_ref)
    base_tree = forge.tree(base_head)
    try:
        policy, _ = policy_at(forge, base_tree, f"{pr.base_ref} at {base_head[:12]}")
    except Denied as denied:
        return ApprovalsReport(pr.number, pr.head_sha, (), (), None, denied.reasons)
    files = forge.pull_files(number)
    objectives = sorted({f for f in files if f.startswith("objectives/") and PurePosixPath(f).suffix in (".yaml", ".yml")})
    head_tree = forge.tree(pr.head_sha) if objectives else {}
    tiers: list[tuple[str, str]] = []
    for path in objectives:
        found = [t for t in (_tier_of(forge, head_tree, path), _tier_of(forge, base_tree, path)) if t is not None]
        tiers.append((path, max(found, key=TIERS.index) if found else "high"))
    judged = [tier for _, tier in tiers]
    if any(f.startswith(_GOVERNED) for f in files):
        judged.append("high")  # policies, registers, the checks and their owners change what every objective means
    if not judged:
        return ApprovalsReport(pr.number, pr.head_sha, tuple(tiers), (), None, ())
    roles = _roles(policy, judged)
    if not roles:
        return ApprovalsReport(pr.number, pr.head_sha, tuple(tiers), (), None, ("the base policy requires no role for these changes",))
    count = count_approvals(pr, forge.reviews(number), roles, policy.teams, forge.team_membership)
    return ApprovalsReport(pr.number, pr.head_sha, tuple(tiers), roles, count, count.reasons)


def _roles(policy: Policy, tiers: list[str]) -> tuple[str, ...]:
    roles: list[str] = []
    for tier in tiers:
        for role in policy.required.get(tier, ()):
            if role not in roles:
                roles.append(role)
    return tuple(roles)
