"""Count approvals per policy role, as the gate and the `ftgov/approvals` check both need.

CODEOWNERS cannot require two teams (several owners on a line mean any one of them, and
an author in the owning team approves implicitly), so ftgov counts itself: each required
role needs a different person who is not the PR author, whose latest non-comment review
is APPROVED, made on the PR's final head, (for merged PRs) no later than the merge, and
who is an active member of the role's team when the count runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ftgov.forge import PullRequest, Review

Membership = Callable[[str, str], "str | None"]  # (org/team, login) -> active | pending | None
_DECIDING = ("APPROVED", "CHANGES_REQUESTED", "DISMISSED")


@dataclass(frozen=True)
class Approval:
    login: str
    role: str
    team: str
    submitted_at: dt.datetime


@dataclass(frozen=True)
class ApprovalCount:
    approvals: tuple[Approval, ...]
    missing: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def satisfied(self) -> bool:
        return not self.missing


def _short(sha: str | None) -> str:
    return sha[:12] if sha else "an unknown commit"


def count_approvals(
    pr: PullRequest,
    reviews: Sequence[Review],
    roles: Sequence[str],
    teams: Mapping[str, str],
    membership: Membership,
) -> ApprovalCount:
    latest: dict[str, Review] = {}
    notes: list[str] = []
    for review in reviews:  # GitHub lists reviews oldest first: the last one per person wins
        if review.state not in _DECIDING:
            continue
        if review.login is None:
            notes.append("a review by a deleted account does not count")
            continue
        latest[review.login] = review

    eligible: list[Review] = []
    for login, review in latest.items():
        if review.state != "APPROVED":
            notes.append(f"{login}'s latest review is {review.state}")
        elif login == pr.author:
            notes.append(f"{login} is the PR author and cannot approve it")
        elif review.commit_id != pr.head_sha:
            notes.append(f"{login} approved {_short(review.commit_id)}, not the final head {_short(pr.head_sha)} (stale)")
        elif review.submitted_at is None:
            notes.append(f"{login}'s approval has no submission time")
        elif pr.merged_at is not None and review.submitted_at > pr.merged_at:
            notes.append(f"{login} approved after the merge")
        else:
            eligible.append(review)

    checked: dict[tuple[str, str], str | None] = {}

    def is_member(team: str, login: str) -> bool:
        if (team, login) not in checked:
            checked[(team, login)] = membership(team, login)
        return checked[(team, login)] == "active"

    # Assign a different person to each role (bipartite matching with augmenting paths),
    # asking about membership only when an assignment needs the answer.
    holder: dict[str, str] = {}  # login -> role
    by_role: dict[str, Review] = {}

    def assign(role: str, tried: set[str]) -> bool:
        team = teams.get(role)
        if team is None:
            return False
        # People without a role first: re-routing someone costs membership look-ups.
        for review in sorted(eligible, key=lambda r: (r.login or "") in holder):
            login = review.login or ""
            if login in tried or not is_member(team, login):
                continue
            tried.add(login)
            previous = holder.get(login)
            if previous is None or assign(previous, tried):
                holder[login] = role
                by_role[role] = review
                return True
        return False

    missing: list[str] = []
    for role in roles:
        if not assign(role, set()):
            missing.append(role)

    reasons: list[str] = []
    for role in missing:
        team = teams.get(role)
        if team is None:
            reasons.append(f"role {role} has no team in the policy")
            continue
        outsiders = [login for (t, login), state in checked.items() if t == team and state != "active"]
        pending = [login for (t, login), state in checked.items() if t == team and state == "pending"]
        detail = []
        if outsiders:
            hint = " (invitation pending)" if pending else " (if they are members, the token cannot see the team: it needs members:read)"
            detail.append(f"not active members of {team}: {', '.join(sorted(outsiders))}{hint}")
        detail.extend(notes)
        reasons.append(f"no valid approval for role {role} (team {team})" + (f": {'; '.join(detail)}" if detail else ""))
    approvals = tuple(
        Approval(login=review.login or "", role=role, team=teams[role], submitted_at=review.submitted_at or dt.datetime.min)
        for role, review in ((role, by_role[role]) for role in roles if role in by_role)
    )
    return ApprovalCount(approvals, tuple(missing), tuple(reasons))
