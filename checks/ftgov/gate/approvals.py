"""The `ftgov/approvals` status check: may this open pull request merge?

Governed by default. Every changed path is judged by the policy on the PR's *base*
branch (a PR cannot relax the rules it is judged by, nor mark its own changes
ungoverned):

* an objective (`objectives/<model>/<id>.yaml`) needs the roles of its risk tier, the
  higher of head and base (lowering, moving or deleting an objective does not lower the bar);
* a register (`registers/<model>.yaml`, `registers/<model>/**`) needs the roles of its
  model's highest tier, over that model's objectives at base and head, as the gate asks;
* every other path needs the roles of the highest tier, unless it matches the base
  policy's `approvals.ungoverned_paths` (gitignore-style globs). The governance core
  (policies/, .github/, CODEOWNERS) stays governed whatever that list says.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import pathspec

from ftgov.documents.policy import Policy
from ftgov.gate.approval_count import ApprovalCount, count_approvals, independence_of
from ftgov.gate.forge import PullRequest
from ftgov.gate.gate import TIERS, Denied, parse_blob, policy_at, risk_tier

CONTEXT = "ftgov/approvals"
HIGHEST = TIERS[-1]
# What decides how everything else is judged; no ungoverned_paths entry can release these.
_ALWAYS_GOVERNED = ("policies/", ".github/", "CODEOWNERS", "docs/CODEOWNERS")


@dataclass(frozen=True)
class Judged:
    """One changed path and the risk tier whose roles it needs."""

    path: str
    tier: str
    why: str  # "objective", "register of model <m>", "governed by default"


@dataclass(frozen=True)
class ApprovalsReport:
    pull_request: int
    head_sha: str
    objectives: tuple[tuple[str, str], ...]  # (path, tier used)
    roles: tuple[str, ...]
    count: ApprovalCount | None
    reasons: tuple[str, ...]
    judged: tuple[Judged, ...] = ()
    ungoverned: tuple[str, ...] = ()

    @property
    def state(self) -> str:
        return "success" if not self.reasons else "failure"

    @property
    def description(self) -> str:
        if self.count is None:
            return self.reasons[0] if self.reasons else "only paths the base policy lists as ungoverned changed"
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
            "judged": [{"path": j.path, "risk_tier": j.tier, "why": j.why} for j in self.judged],
            "ungoverned": list(self.ungoverned),
            "required_roles": list(self.roles),
            "approvals": [{"login": a.login, "role": a.role, "team": a.team} for a in (self.count.approvals if self.count else ())],
            "reasons": list(self.reasons),
        }


def objective_model(path: str) -> str | None:
    """The model of an objective path, as `ftgov check` defines one: objectives/<model>/<id>.yaml."""
    parts = PurePosixPath(path).parts
    if len(parts) == 3 and parts[0] == "objectives" and parts[2].endswith(".yaml") and len(parts[2]) > len(".yaml"):
        return parts[1]
    return None


def register_model(path: str) -> str | None:
    """The model a register path belongs to: registers/<model>.yaml or registers/<model>/**."""
    parts = PurePosixPath(path).parts
    if len(parts) == 2 and parts[0] == "registers" and parts[1].endswith(".yaml") and len(parts[1]) > len(".yaml"):
        return parts[1][: -len(".yaml")]
    if len(parts) >= 3 and parts[0] == "registers":
        return parts[1]
    return None


class _Tiers:
    """Risk tiers read from the base and head trees, each blob parsed at most once."""

    def __init__(self, forge: Any, base_tree: dict[str, str], head_tree: dict[str, str]) -> None:
        self._forge = forge
        self._trees = (head_tree, base_tree)
        self._by_blob: dict[str, str] = {}

    def _of_blob(self, path: str, sha: str) -> str:
        if sha not in self._by_blob:
            try:
                document, _ = parse_blob(self._forge, path, sha)
            except Denied:
                self._by_blob[sha] = HIGHEST  # an unreadable objective is judged at the strictest tier
            else:
                self._by_blob[sha] = risk_tier(document)
        return self._by_blob[sha]

    def objective(self, path: str) -> str:
        """The higher tier of head and base; a path in neither (cannot happen for a listed change) is the highest."""
        found = [self._of_blob(path, tree[path]) for tree in self._trees if path in tree]
        return max(found, key=TIERS.index) if found else HIGHEST

    def model(self, model: str) -> str:
        """The highest tier of the model's objectives at head and base; a model without any is the highest."""
        found = [self._of_blob(p, tree[p]) for tree in self._trees for p in sorted(tree) if objective_model(p) == model]
        return max(found, key=TIERS.index) if found else HIGHEST


def check_pull_request(forge: Any, number: int) -> ApprovalsReport:
    pr: PullRequest = forge.pull(number)
    base_head = forge.branch_head(pr.base_ref)
    base_tree = forge.tree(base_head)
    try:
        policy, _ = policy_at(forge, base_tree, f"{pr.base_ref} at {base_head[:12]}")
    except Denied as denied:
        return ApprovalsReport(pr.number, pr.head_sha, (), (), None, denied.reasons)
    files = sorted(set(forge.pull_files(number)))
    ungoverned_spec = pathspec.GitIgnoreSpec.from_lines(policy.ungoverned_paths)
    needs_head = any(objective_model(f) or register_model(f) for f in files)
    tiers = _Tiers(forge, base_tree, forge.tree(pr.head_sha) if needs_head else {})
    judged: list[Judged] = []
    ungoverned: list[str] = []
    for path in files:
        if objective_model(path) is not None:
            judged.append(Judged(path, tiers.objective(path), "objective"))
        elif (model := register_model(path)) is not None:
            judged.append(Judged(path, tiers.model(model), f"register of model {model}"))
        elif path.startswith(_ALWAYS_GOVERNED) or not ungoverned_spec.match_file(path):
            judged.append(Judged(path, HIGHEST, "governed by default"))
        else:
            ungoverned.append(path)
    objectives = tuple((j.path, j.tier) for j in judged if j.why == "objective")

    def report(roles: tuple[str, ...], count: ApprovalCount | None, reasons: tuple[str, ...]) -> ApprovalsReport:
        return ApprovalsReport(pr.number, pr.head_sha, objectives, roles, count, reasons, tuple(judged), tuple(ungoverned))

    if not judged:
        return report((), None, ())
    roles = _roles(policy, [j.tier for j in judged])
    if not roles:
        return report((), None, ("the base policy requires no role for these changes; every tier must name at least one role",))
    # As the gate counts: nobody who wrote any commit of the PR approves it.
    independence = independence_of(pr, forge.pull_commits(number))
    count = count_approvals(pr, forge.reviews(number), roles, policy.teams, forge.team_membership, independence)
    return report(roles, count, count.reasons)


def _roles(policy: Policy, tiers: list[str]) -> tuple[str, ...]:
    roles: list[str] = []
    for tier in tiers:
        for role in policy.required.get(tier, ()):
            if role not in roles:
                roles.append(role)
    return tuple(roles)
