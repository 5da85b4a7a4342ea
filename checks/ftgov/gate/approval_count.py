"""Count approvals per policy role, as the gate and the `ftgov/approvals` check both need.

CODEOWNERS cannot require two teams (several owners on a line mean any one of them, and
an author in the owning team approves implicitly), so ftgov counts itself: each required
role needs a different person who is not the PR author, whose latest non-comment review
is APPROVED, made on the PR's final head, (for merged PRs) no later than the merge, and
who is an active member of the role's team when the count runs.

Independence: nobody approves their own work. Besides the PR's opener, the GitHub
account of every commit's author and committer in the PR, and every `Co-authored-by:`
trailer that resolves to a login, is excluded. A commit whose author or committer
GitHub links to no account (or a co-author trailer whose email resolves to no login)
makes independence unprovable, and then no count is satisfied: the email could be any
approver's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ftgov.gate.forge import PullCommit, PullRequest, Review

Membership = Callable[[str, str], "str | None"]  # (org/team, login) -> active | pending | None
_DECIDING = ("APPROVED", "CHANGES_REQUESTED", "DISMISSED")
_CO_AUTHOR = re.compile(r"^[ \t]*co-authored-by:[ \t]*(?P<name>[^<\n]*?)[ \t]*<(?P<email>[^<>\s]+)>[ \t]*$", re.IGNORECASE | re.MULTILINE)
# GitHub's noreply addresses name the account: 12345+login@… (and the older login@…).
_NOREPLY = re.compile(r"(?:\d+\+)?(?P<login>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\[bot\])?)@users\.noreply\.github\.com", re.IGNORECASE)
_GITHUB_COMMITTER = "noreply@github.com"  # GitHub's own web-flow identity on merges, rebases and web edits
MAX_LISTED_COMMITS = 250  # GitHub lists no more of a PR's commits


@dataclass(frozen=True)
class Independence:
    """Who may not approve a PR (login, lower-cased -> why), and what makes that unprovable."""

    excluded: Mapping[str, str]
    doubts: tuple[str, ...] = ()


def independence_of(pr: PullRequest, commits: Sequence[PullCommit]) -> Independence:
    """Everyone who wrote any of the PR, from its commits as the forge links them to accounts."""
    excluded: dict[str, str] = {pr.author.lower(): "is the PR author"}
    doubts: list[str] = []
    linked = {
        email.lower(): login
        for commit in commits
        for login, email in ((commit.author_login, commit.author_email), (commit.committer_login, commit.committer_email))
        if login and email
    }
    if len(commits) >= MAX_LISTED_COMMITS:
        doubts.append(f"PR #{pr.number} has {MAX_LISTED_COMMITS} commits or more and GitHub lists no more: who wrote the rest is unknown")
    for commit in commits:
        short = commit.sha[:12]
        people = (("authored", commit.author_login, commit.author_email), ("committed", commit.committer_login, commit.committer_email))
        for did, login, email in people:
            if login:
                excluded.setdefault(login.lower(), f"{did} commit {short}")
            elif did == "committed" and email.lower() == _GITHUB_COMMITTER:
                continue  # GitHub itself committed it (a web edit, merge or rebase); the author is what counts
            else:
                doubts.append(
                    f"commit {short} of PR #{pr.number} was {did} as <{email or 'no email'}>, which GitHub links to no account: "
                    "whether an approver wrote it cannot be shown (link that email to its GitHub account, or re-author the commit)"
                )
        for match in _CO_AUTHOR.finditer(commit.message):
            email = match.group("email")
            noreply = _NOREPLY.fullmatch(email)
            login = noreply.group("login") if noreply else linked.get(email.lower())
            if login:
                excluded.setdefault(login.lower(), f"co-authored commit {short}")
            else:
                doubts.append(
                    f"commit {short} of PR #{pr.number} names co-author {match.group('name') or email} <{email}>, an email that resolves "
                    "to no GitHub login here: whether an approver co-wrote it cannot be shown (use the co-author's "
                    "ID+login@users.noreply.github.com address in the trailer)"
                )
    return Independence(excluded, tuple(dict.fromkeys(doubts)))


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
    doubts: tuple[str, ...] = ()  # why independence is unprovable: no role counts as filled

    @property
    def satisfied(self) -> bool:
        return not self.missing and not self.doubts


def _short(sha: str | None) -> str:
    return sha[:12] if sha else "an unknown commit"


def count_approvals(
    pr: PullRequest,
    reviews: Sequence[Review],
    roles: Sequence[str],
    teams: Mapping[str, str],
    membership: Membership,
    independence: Independence | None = None,
) -> ApprovalCount:
    excluded = independence.excluded if independence is not None else {pr.author.lower(): "is the PR author"}
    latest, latest_notes = _latest_reviews(reviews)
    eligible, eligibility_notes = _eligible_approvals(pr, latest, excluded)
    notes = [*latest_notes, *eligibility_notes]
    match = _assign_roles(roles, teams, membership, eligible)
    reasons = _missing_role_reasons(match, teams, notes)
    approvals = tuple(
        Approval(login=review.login or "", role=role, team=teams[role], submitted_at=review.submitted_at or dt.datetime.min)
        for role, review in ((role, match.by_role[role]) for role in roles if role in match.by_role)
    )
    doubts = independence.doubts if independence is not None else ()
    return ApprovalCount(approvals, tuple(match.missing), (*reasons, *doubts), doubts)


def _latest_reviews(reviews: Sequence[Review]) -> tuple[dict[str, Review], list[str]]:
    """Each reviewer's latest deciding review (comments decide nothing), and why some reviews do not count."""
    latest: dict[str, Review] = {}
    notes: list[str] = []
    for review in reviews:  # GitHub lists reviews oldest first: the last one per person wins
        if review.state not in _DECIDING:
            continue
        if review.login is None:
            notes.append("a review by a deleted account does not count")
            continue
        latest[review.login] = review
    return latest, notes


def _eligible_approvals(pr: PullRequest, latest: Mapping[str, Review], excluded: Mapping[str, str]) -> tuple[list[Review], list[str]]:
    """The approvals that may fill a role: by someone independent of the PR, on its final head, before the merge."""
    eligible: list[Review] = []
    notes: list[str] = []
    for login, review in latest.items():
        if review.state != "APPROVED":
            notes.append(f"{login}'s latest review is {review.state}")
        elif login.lower() in excluded:
            why = excluded[login.lower()]
            notes.append(
                f"{login} {why} and cannot approve it" if why == "is the PR author" else f"{login} {why} in the PR and cannot approve it"
            )
        elif review.commit_id != pr.head_sha:
            notes.append(f"{login} approved {_short(review.commit_id)}, not the final head {_short(pr.head_sha)} (stale)")
        elif review.submitted_at is None:
            notes.append(f"{login}'s approval has no submission time")
        elif pr.merged_at is not None and review.submitted_at > pr.merged_at:
            notes.append(f"{login} approved after the merge")
        else:
            eligible.append(review)
    return eligible, notes


@dataclass(frozen=True)
class _RoleMatch:
    """Which approval fills each role, the roles none could, and every team membership the matching asked about."""

    by_role: dict[str, Review]
    missing: list[str]
    checked: dict[tuple[str, str], str | None]  # (org/team, login) -> active | pending | None


def _assign_roles(roles: Sequence[str], teams: Mapping[str, str], membership: Membership, eligible: list[Review]) -> _RoleMatch:
    """A different approver for each role, each an active member of the role's team."""
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
    return _RoleMatch(by_role, missing, checked)


def _missing_role_reasons(match: _RoleMatch, teams: Mapping[str, str], notes: list[str]) -> list[str]:
    """Why each unfilled role is unfilled: no team, approvers outside the team, and every review that did not count."""
    reasons: list[str] = []
    for role in match.missing:
        team = teams.get(role)
        if team is None:
            reasons.append(f"role {role} has no team in the policy")
            continue
        outsiders = [login for (t, login), state in match.checked.items() if t == team and state != "active"]
        pending = [login for (t, login), state in match.checked.items() if t == team and state == "pending"]
        detail = []
        if outsiders:
            hint = " (invitation pending)" if pending else " (if they are members, the token cannot see the team: it needs members:read)"
            detail.append(f"not active members of {team}: {', '.join(sorted(outsiders))}{hint}")
        detail.extend(notes)
        reasons.append(f"no valid approval for role {role} (team {team})" + (f": {'; '.join(detail)}" if detail else ""))
    return reasons
