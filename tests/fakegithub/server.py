"""A loopback fake of GitHub's REST v3 API (as GitHub Enterprise serves it, under ``/api/v3``).

State lives in :class:`FakeGitHub`: repositories backed by real git (:mod:`.gitrepo`), pull requests
and reviews, organizations and teams, branch protection, rules, CODEOWNERS errors and commit
statuses. ``with fake.serve() as url:`` runs a ``ThreadingHTTPServer`` on ``127.0.0.1`` (port 0)
that answers the routes in ``ROUTES`` with complete JSON objects (:mod:`.payloads`).

Behaviour that tests rely on:

* ``ETag`` on every 200, ``If-None-Match`` → 304 with an empty body.
* ``X-RateLimit-Limit/Remaining/Reset/Used/Resource`` on every answer; ``Remaining`` drops by one
  for each answer that is not a 304 (``/rate_limit`` is free, as on GitHub). At 0, requests get
  403 "API rate limit exceeded".
* 404 body ``{"message": "Not Found", "documentation_url": ...}``.
* ``Link`` pagination (``per_page`` default 30, max 100; ``page``).
* Fault injection with :meth:`FakeGitHub.inject` and its helpers.
* ``fake.requests``: every request as ``Request(method, path, query, headers)`` (``.body`` too),
  with ``path`` relative to ``/api/v3``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from . import payloads as P
from .gitrepo import GitRepo, Identity, parse_iso, to_iso

JSON = dict[str, Any]
API_PREFIX = "/api/v3"
GITHUB_IDENTITY: Identity = ("GitHub", "noreply@github.com")
REVIEW_STATES = ("APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING")
MERGE_METHODS = ("merge", "squash", "rebase")
STATUS_STATES = ("error", "failure", "pending", "success")


# =========================================================================== request log
class _RequestFields(NamedTuple):
    method: str
    path: str  # relative to /api/v3, percent-decoded, no query
    query: dict[str, str]
    headers: dict[str, str]


class Request(_RequestFields):
    """One logged request: a 4-tuple ``(method, path, query, headers)`` plus ``.body`` (bytes)."""

    body: bytes

    @classmethod
    def make(cls, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> Request:
        req = cls(method, path, query, headers)
        req.body = body
        return req

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup."""
        lname = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lname), None)


# =========================================================================== faults
@dataclass
class Fault:
    """A scripted answer for requests whose path matches ``pattern`` (``re.search``).

    ``status`` None (with ``body`` None) serves the normal answer, after ``delay`` seconds and with
    the dotted keys in ``drop`` removed (applied to every item of a list body). Otherwise the fault
    answers ``status`` (default 200 if only ``body`` is given) with ``body`` (bytes verbatim or a
    JSON-able object; default ``{"message": <reason>}``) and ``headers``. ``times`` None = forever.
    """

    pattern: re.Pattern[str]
    status: int | None = 500
    times: int | None = 1
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    method: str | None = None
    drop: tuple[str, ...] = ()
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return self.pattern.search(path) is not None


# =========================================================================== scenario objects
@dataclass
class User:
    login: str
    id: int
    type: str = "User"
    email: str = ""
    site_admin: bool = False

    @property
    def noreply(self) -> str:
        return f"{self.id}+{self.login}@users.noreply.github.com"

    @property
    def identity(self) -> Identity:
        return (self.login, self.email or self.noreply)


@dataclass
class Review:
    """A pull request review. Mutable on purpose: tests may set ``commit_id = None`` or ``state``."""

    id: int
    login: str | None  # None: a deleted account, served as "user": null
    state: str
    commit_id: str | None
    submitted_at: str | None
    body: str = ""

    def dismiss(self) -> None:
        """What GitHub does on dismissal: the review itself turns into DISMISSED."""
        self.state = "DISMISSED"


@dataclass
class Team:
    org: str
    slug: str
    name: str
    id: int
    members: dict[str, str]  # login -> "active" | "pending"
    maintainers: set[str]
    parent: Team | None
    description: str | None
    created_at: str

    def children(self, teams: Iterable[Team]) -> list[Team]:
        return [t for t in teams if t.parent is self]


class PullRequest:
    """A pull request of a :class:`FakeRepo`; create with :meth:`FakeRepo.open_pr`."""

    def __init__(
        self,
        repo: FakeRepo,
        number: int,
        pr_id: int,
        *,
        head_ref: str,
        base_ref: str,
        author: str,
        title: str,
        body: str | None,
        draft: bool,
        created_at: str,
    ) -> None:
        self.repo = repo
        self.number = number
        self.id = pr_id
        self.head_ref = head_ref
        self.base_ref = base_ref
        self.author = author
        self.title = title
        self.body = body
        self.draft = draft
        self.created_at = created_at
        self.updated_at = created_at
        self.state = "open"
        self.closed_at: str | None = None
        self.merged_at: str | None = None
        self.merged_by: str | None = None
        self.merge_commit_sha: str | None = None
        self.merge_method: str | None = None
        self.reviews: list[Review] = []
        self.rebased_commits: list[str] = []
        self._frozen_head: str | None = None
        self._frozen_base: str | None = None
        self._frozen_commits: list[str] | None = None
        self._last_head = repo.git.branch_sha(head_ref) or ""
        # GitHub records base.sha when the PR is opened or its head is pushed, and does not move it when the base moves.
        self._recorded_base = repo.git.branch_sha(base_ref) or ""

    # ---------------------------------------------------------------- derived state
    @property
    def head_sha(self) -> str:
        """The PR head: the head branch tip while open, frozen when merged or closed."""
        if self._frozen_head is not None:
            return self._frozen_head
        live = self.repo.git.branch_sha(self.head_ref)
        if live:
            self._last_head = live
        return self._last_head

    @property
    def base_sha(self) -> str:
        """``base.sha``: the base branch's tip when the PR was opened or its head last pushed, not moved with the branch."""
        if self._frozen_base is not None:
            return self._frozen_base
        return self._recorded_base or self.repo.git.branch_sha(self.base_ref) or ""

    def commit_shas(self) -> list[str]:
        """Commits of the PR (``base..head``), newest first."""
        if self._frozen_commits is not None:
            return list(self._frozen_commits)
        return self.repo.git.rev_list(self.head_sha, self._live_base())

    def _live_base(self) -> str:
        """The base branch's tip now: what GitHub compares the PR's commits and files against."""
        return self.repo.git.branch_sha(self.base_ref) or self.base_sha

    def associated_commits(self) -> set[str]:
        """Every commit ``GET commits/{sha}/pulls`` should map to this PR."""
        shas = set(self.commit_shas()) | set(self.rebased_commits)
        if self.merge_commit_sha:
            shas.add(self.merge_commit_sha)
        return shas

    # ---------------------------------------------------------------- scenario verbs
    def commit(self, files: Mapping[str, bytes | str | None], message: str | None = None, **kwargs: Any) -> str:
        """Push one more commit to the head branch (same arguments as :meth:`FakeRepo.commit`)."""
        sha = self.repo.commit(self.head_ref, files, message, **kwargs)
        self._recorded_base = self.repo.git.branch_sha(self.base_ref) or self._recorded_base
        return sha

    def review(
        self,
        login: str | None,
        state: str = "APPROVED",
        commit_id: str | None = None,
        submitted_at: str | None = None,
        body: str = "",
    ) -> Review:
        """Add a review (chronological = call order). ``commit_id`` defaults to the head now."""
        if state not in REVIEW_STATES:
            raise ValueError(f"review state must be one of {REVIEW_STATES}, not {state!r}")
        fake = self.repo.fake
        with fake.lock:
            if login is not None:
                fake.user(login)
            rev = Review(
                id=next(fake._review_ids),
                login=login,
                state=state,
                commit_id=commit_id if commit_id is not None else self.head_sha,
                submitted_at=None if state == "PENDING" else fake._stamp(submitted_at),
                body=body,
            )
            self.reviews.append(rev)
            self.updated_at = rev.submitted_at or self.updated_at
            return rev

    def _freeze(self, when: str) -> None:
        self._frozen_head = self.head_sha
        self._frozen_commits = self.repo.git.rev_list(self._frozen_head, self._live_base())
        self._frozen_base = self.base_sha
        self.repo.git.set_ref(f"refs/pull/{self.number}/head", self._frozen_head)
        self.state = "closed"
        self.closed_at = when
        self.updated_at = when

    def merge(self, method: str = "merge", merged_at: str | None = None, merged_by: str = "maint", message: str | None = None) -> str:
        """Merge with real git as GitHub does; returns ``merge_commit_sha``.

        ``merge``: a ``--no-ff`` merge commit authored by ``merged_by``. ``squash``: one new commit
        authored by the PR author. ``rebase``: the PR commits replayed on the base with new shas;
        ``merge_commit_sha`` is the last of them. The committer is always ``GitHub``.
        """
        if method not in MERGE_METHODS:
            raise ValueError(f"merge method must be one of {MERGE_METHODS}, not {method!r}")
        fake = self.repo.fake
        git = self.repo.git
        with fake.lock:
            if self.state != "open":
                raise RuntimeError(f"PR #{self.number} is {self.state}")
            when = fake._stamp(merged_at)
            merger = fake.user(merged_by)
            head, base = self.head_sha, git.branch_sha(self.base_ref) or ""  # GitHub merges onto the branch as it is now
            if not base:
                raise RuntimeError(f"base branch {self.base_ref!r} does not exist")
            if method == "merge":
                msg = message or f"Merge pull request #{self.number} from {self.repo.owner}/{self.head_ref}\n\n{self.title}"
                new = git.merge_no_ff(base, head, msg, author=merger.identity, committer=GITHUB_IDENTITY, date=when)
            elif method == "squash":
                subjects = [git.commit_info(s).message.splitlines()[0] for s in reversed(git.rev_list(head, base))]
                msg = message or f"{self.title} (#{self.number})\n\n" + "\n".join(f"* {s}" for s in subjects)
                author = fake.user(self.author).identity
                new = git.squash(base, head, msg, author=author, committer=GITHUB_IDENTITY, date=when)
            else:
                self.rebased_commits = git.rebase(base, head, committer=GITHUB_IDENTITY, date=when)
                new = self.rebased_commits[-1] if self.rebased_commits else base
            self._freeze(when)
            git.git("update-ref", f"refs/heads/{self.base_ref}", new, base)
            self.merged_at = when
            self.merged_by = merged_by
            self.merge_commit_sha = new
            self.merge_method = method
            self.repo.pushed_at = when
            return new

    def close(self, closed_at: str | None = None) -> None:
        """Close without merging."""
        with self.repo.fake.lock:
            if self.state != "open":
                raise RuntimeError(f"PR #{self.number} is already {self.state}")
            self._freeze(self.repo.fake._stamp(closed_at))

    def __repr__(self) -> str:
        return f"<PullRequest #{self.number} {self.head_ref}->{self.base_ref} {self.state}>"


class FakeRepo:
    """One repository ``owner/name`` backed by a bare git repository."""

    def __init__(self, fake: FakeGitHub, owner: str, name: str, repo_id: int, path: Path, default_branch: str) -> None:
        self.fake = fake
        self.owner = owner
        self.name = name
        self.id = repo_id
        self.default_branch = default_branch
        self.git = GitRepo(path, default_branch=default_branch)
        self.pulls: dict[int, PullRequest] = {}
        self.statuses: dict[str, list[JSON]] = {}
        self.protections: dict[str, JSON | None] = {default_branch: P.branch_protection()}
        self.rules: dict[str, list[JSON]] = {}
        self.codeowners_errors: list[JSON] | None = []
        # Conversation comments of a PR (GitHub's issue comments): id -> (PR number, payload with {api} placeholders).
        self.comments: dict[int, tuple[int, JSON]] = {}
        self.created_at = fake._stamp(None)
        self.pushed_at = self.created_at

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def protection(self) -> JSON | None:
        """Branch protection of the default branch (None → 404 "Branch not protected")."""
        return self.protections.get(self.default_branch)

    @protection.setter
    def protection(self, value: JSON | None) -> None:
        self.protections[self.default_branch] = value

    def branch_sha(self, branch: str) -> str | None:
        return self.git.branch_sha(branch)

    def commit(
        self,
        branch: str,
        files: Mapping[str, bytes | str | None],
        message: str | None = None,
        author: str | Identity = ("Fake Dev", "dev@example.com"),
        date: str | None = None,
        committer: str | Identity | None = None,
        committer_date: str | None = None,
    ) -> str:
        """Commit ``files`` (None deletes) on ``branch``, creating it from the default branch if missing.

        ``author``/``committer`` are ``(name, email)`` or a login (its user's email, so GitHub
        links the commit to the account). ``date`` is ISO 8601; default: the fake clock.
        """
        fake = self.fake
        with fake.lock:
            author_id = fake._identity(author)
            committer_id = fake._identity(committer) if committer is not None else author_id
            when = fake._stamp(date)
            sha = self.git.commit_files(
                branch,
                files,
                message or f"Update {', '.join(files)}",
                author=author_id,
                author_date=when,
                committer=committer_id,
                committer_date=committer_date or when,
            )
            self.pushed_at = when
            return sha

    def force_branch(self, branch: str, ref: str) -> str:
        """Force-push: point ``branch`` at ``ref`` (sha or branch name). Returns the sha."""
        with self.fake.lock:
            sha = self.git.resolve(ref)
            if sha is None:
                raise ValueError(f"unknown ref {ref!r}")
            self.git.set_ref(f"refs/heads/{branch}", sha)
            self.pushed_at = self.fake._stamp(None)
            return sha

    def delete_branch(self, branch: str) -> None:
        with self.fake.lock:
            self.git.delete_ref(f"refs/heads/{branch}")

    def comment(self, number: int, login: str, body: str) -> JSON:
        """A conversation comment by ``login`` on PR ``number`` (what ``POST /issues/{n}/comments`` stores)."""
        fake = self.fake
        with fake.lock:
            if number not in self.pulls:
                raise KeyError(f"no PR #{number}")
            comment_id = next(fake._comment_ids)
            when = fake._stamp(None)
            user = P.simple_user("{api}", "{web}", login, fake.user(login).id, user_type=fake.user(login).type)
            record = P.issue_comment(
                "{api}", "{web}", self.full_name, comment_id=comment_id, issue_number=number, body=body, user=user,
                created_at=when, updated_at=when, author_association=fake._association(self, login),
            )  # fmt: skip
            self.comments[comment_id] = (number, record)
            return record

    def open_pr(
        self,
        head_branch: str,
        base: str | None = None,
        author_login: str = "bob",
        title: str | None = None,
        body: str | None = "",
        draft: bool = False,
        created_at: str | None = None,
    ) -> PullRequest:
        """Open PR number 1, 2, ... from ``head_branch`` into ``base`` (default branch)."""
        fake = self.fake
        with fake.lock:
            base = base or self.default_branch
            for ref in (head_branch, base):
                if self.git.branch_sha(ref) is None:
                    raise ValueError(f"branch {ref!r} does not exist in {self.full_name}")
            fake.user(author_login)
            number = len(self.pulls) + 1
            pr = PullRequest(
                self,
                number,
                next(fake._pr_ids),
                head_ref=head_branch,
                base_ref=base,
                author=author_login,
                title=title or f"Update from {head_branch}",
                body=body,
                draft=draft,
                created_at=fake._stamp(created_at),
            )
            self.pulls[number] = pr
            return pr

    def pull(self, number: int) -> PullRequest:
        return self.pulls[number]


# =========================================================================== the fake
@dataclass
class _Resp:
    status: int
    body: Any = None  # JSON-able object, bytes, or None (no body)
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[["FakeGitHub", dict[str, str], dict[str, str], dict[str, str], bytes], _Resp]

_REPO = r"^/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
_ORG = r"^/orgs/(?P<org>[^/]+)"


class FakeGitHub:
    """Scenario state plus a loopback HTTP server. See ``tests/fakegithub/README.md``.

    ``FakeGitHub(tmp_path)`` creates repository ``acme/objectives`` (org ``acme``) with one commit on
    ``main``. The scenario verbs of that repository are available on the fake directly
    (``fake.commit``, ``fake.open_pr``, ``fake.force_branch``, ``fake.protection``, ...).
    """

    def __init__(
        self,
        tmp_path: Path | str,
        repo: str = "acme/objectives",
        *,
        default_branch: str = "main",
        initial_files: Mapping[str, bytes | str | None] | None = None,
        token: str | None = None,
        start: str = "2026-01-01T00:00:00Z",
        token_login: str = "ftgov-bot",
    ) -> None:
        self.root = Path(tmp_path)
        self.lock = threading.RLock()
        self.token = token  # if set, other Authorization values get 401 "Bad credentials"
        self.token_login = token_login  # the account the token belongs to (creator of statuses)
        self._clock = parse_iso(start)
        self._ids = {k: itertools.count(base) for k, base in (("user", 1001), ("team", 2001), ("repo", 3001))}
        self._pr_ids = itertools.count(4001)
        self._review_ids = itertools.count(5001)
        self._status_ids = itertools.count(6001)
        self._comment_ids = itertools.count(7001)
        self.users: dict[str, User] = {}
        self.orgs: dict[str, JSON] = {}  # login -> {"id", "created_at"}
        self.teams: dict[str, Team] = {}  # "org/slug" -> Team
        self.org_members: dict[str, dict[str, str]] = {}  # org -> login -> "active" | "pending" (set_org_membership)
        self.repos: dict[str, FakeRepo] = {}
        self.faults: list[Fault] = []
        self.requests: list[Request] = []
        self.rate_limit = 5000
        self.rate_remaining = 5000
        self.rate_reset = int(time.time()) + 3600
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.url = ""  # http://127.0.0.1:PORT while serving
        self.user("web-flow", email="noreply@github.com")
        self.user(token_login, user_type="Bot")
        if initial_files is None:
            initial_files = {"README.md": b"# objectives\n"}
        self.repo = self.add_repo(repo, default_branch=default_branch, initial_files=initial_files)

    # ------------------------------------------------------------------ identities and time
    def _stamp(self, when: str | None) -> str:
        """An explicit ISO time (normalised to Z), or the next tick (1 min) of the fake clock."""
        with self.lock:
            if when is not None:
                dt = parse_iso(when)
                self._clock = max(self._clock, dt)
                return to_iso(dt)
            self._clock += timedelta(minutes=1)
            return to_iso(self._clock)

    def now(self) -> str:
        """Advance the fake clock by one tick and return it."""
        return self._stamp(None)

    def user(self, login: str, *, email: str | None = None, user_type: str = "User", site_admin: bool = False) -> User:
        """Get or register an account. Its email defaults to ``<login>@example.com``."""
        with self.lock:
            u = self.users.get(login.lower())
            if u is None:
                u = User(login, next(self._ids["user"]), user_type, email or f"{login}@example.com", site_admin)
                self.users[login.lower()] = u
            return u

    def _identity(self, who: str | Identity) -> Identity:
        return self.user(who).identity if isinstance(who, str) else who

    def _user_by_email(self, email: str) -> User | None:
        low = email.lower()
        return next((u for u in self.users.values() if low in (u.email.lower(), u.noreply.lower())), None)

    # ------------------------------------------------------------------ orgs, teams, repos
    def add_org(self, login: str) -> None:
        with self.lock:
            if login.lower() not in self.orgs:
                self.user(login, user_type="Organization")
                self.orgs[login.lower()] = {"login": login, "id": self.users[login.lower()].id, "created_at": self._stamp(None)}

    def add_repo(
        self,
        full_name: str,
        *,
        default_branch: str = "main",
        initial_files: Mapping[str, bytes | str | None] | None = None,
        owner_type: str = "Organization",
    ) -> FakeRepo:
        """Add repository ``owner/name``; ``initial_files`` (if any) become its first commit."""
        owner, name = full_name.split("/", 1)
        with self.lock:
            if owner_type == "Organization":
                self.add_org(owner)
            else:
                self.user(owner)
            safe = full_name.replace("/", "__")
            repo = FakeRepo(self, owner, name, next(self._ids["repo"]), self.root / "fakegithub" / f"{safe}.git", default_branch)
            self.repos[full_name.lower()] = repo
            if initial_files:
                repo.commit(default_branch, initial_files, "Initial commit")
            return repo

    def add_team(
        self,
        name: str,
        members: Mapping[str, str] | Iterable[str] = (),
        *,
        parent: str | None = None,
        maintainers: Iterable[str] = (),
        description: str | None = None,
    ) -> Team:
        """Add team ``"org/slug"``; ``members`` maps login → ``"active"``/``"pending"`` (a list = all active).

        Membership lookups on a team also find members of its child teams, as on GitHub.
        """
        org, slug = name.split("/", 1)
        with self.lock:
            self.add_org(org)
            parent_team = self.teams[parent.lower()] if parent else None
            member_map = dict(members) if isinstance(members, Mapping) else {m: "active" for m in members}
            for login, state in member_map.items():
                if state not in ("active", "pending"):
                    raise ValueError(f"membership state must be active or pending, not {state!r}")
                self.user(login)
            team = Team(
                org=org,
                slug=slug,
                name=slug,
                id=next(self._ids["team"]),
                members=member_map,
                maintainers=set(maintainers),
                parent=parent_team,
                description=description,
                created_at=self._stamp(None),
            )
            self.teams[name.lower()] = team
            return team

    def set_org_membership(self, org: str, login: str, state: str | None) -> None:
        """Make ``login`` an ``"active"`` or ``"pending"`` member of ``org``, or remove them (None).

        Without an explicit state, the active members of the org's teams are its active members.
        """
        if state not in (None, "active", "pending"):
            raise ValueError(f"membership state must be active, pending or None, not {state!r}")
        with self.lock:
            self.add_org(org)
            self.user(login)
            members = self.org_members.setdefault(org.lower(), {})
            if state is None:
                members[login.lower()] = "removed"
            else:
                members[login.lower()] = state

    def org_membership(self, org: str, login: str) -> str | None:
        """``"active"``/``"pending"`` membership of ``login`` in ``org``, or None."""
        with self.lock:
            explicit = self.org_members.get(org.lower(), {}).get(login.lower())
            if explicit is not None:
                return None if explicit == "removed" else explicit
            teams = [t for t in self.teams.values() if t.org.lower() == org.lower()]
            return "active" if any(login in self._active_members(t) for t in teams) else None

    def membership(self, team: Team, login: str) -> tuple[str, str] | None:
        """``(role, state)`` of ``login`` in ``team`` counting child teams, or None."""
        with self.lock:
            state = team.members.get(login)
            if state is not None:
                return ("maintainer" if login in team.maintainers else "member", state)
            found = [m for child in team.children(self.teams.values()) if (m := self.membership(child, login))]
            if not found:
                return None
            return ("member", "active" if any(s == "active" for _, s in found) else "pending")

    def _active_members(self, team: Team) -> set[str]:
        logins = {u for u, s in team.members.items() if s == "active"}
        for child in team.children(self.teams.values()):
            logins |= self._active_members(child)
        return logins

    # ------------------------------------------------------------------ primary-repo shortcuts
    def commit(self, branch: str, files: Mapping[str, bytes | str | None], message: str | None = None, **kwargs: Any) -> str:
        return self.repo.commit(branch, files, message, **kwargs)

    def open_pr(
        self, head_branch: str, base: str | None = None, author_login: str = "bob", title: str | None = None, **kwargs: Any
    ) -> PullRequest:
        return self.repo.open_pr(head_branch, base, author_login, title, **kwargs)

    def force_branch(self, branch: str, ref: str) -> str:
        return self.repo.force_branch(branch, ref)

    def delete_branch(self, branch: str) -> None:
        self.repo.delete_branch(branch)

    def branch_sha(self, branch: str) -> str | None:
        return self.repo.branch_sha(branch)

    def pull(self, number: int) -> PullRequest:
        return self.repo.pull(number)

    @property
    def git(self) -> GitRepo:
        return self.repo.git

    @property
    def protection(self) -> JSON | None:
        return self.repo.protection

    @protection.setter
    def protection(self, value: JSON | None) -> None:
        self.repo.protection = value

    @property
    def rules(self) -> dict[str, list[JSON]]:
        return self.repo.rules

    @property
    def codeowners_errors(self) -> list[JSON] | None:
        return self.repo.codeowners_errors

    @codeowners_errors.setter
    def codeowners_errors(self, value: list[JSON] | None) -> None:
        self.repo.codeowners_errors = value

    @property
    def statuses(self) -> dict[str, list[JSON]]:
        return self.repo.statuses

    # ------------------------------------------------------------------ faults
    def inject(
        self,
        path_regex: str,
        status: int | None = 500,
        *,
        times: int | None = 1,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        method: str | None = None,
        drop: str | Iterable[str] = (),
    ) -> Fault:
        """Script the next ``times`` answers for paths (relative to ``/api/v3``) matching ``path_regex``."""
        fault = Fault(
            pattern=re.compile(path_regex),
            status=status,
            times=times,
            body=body,
            headers=dict(headers or {}),
            delay=delay,
            method=method,
            drop=(drop,) if isinstance(drop, str) else tuple(drop),
        )
        with self.lock:
            self.faults.append(fault)
        return fault

    def rate_limited(self, path_regex: str = ".*", status: int = 403, *, times: int | None = 1) -> Fault:
        """Primary (403) or secondary (429) rate limiting: ``X-RateLimit-Remaining: 0``."""
        headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(self.rate_reset)}
        if status == 429:
            headers["Retry-After"] = "60"
        return self.inject(path_regex, status, times=times, body=P.error("API rate limit exceeded for user ID 1001."), headers=headers)

    def malformed_json(self, path_regex: str, *, times: int | None = 1) -> Fault:
        """A 200 whose body is truncated JSON."""
        return self.inject(path_regex, 200, times=times, body=b'{"message": "truncated')

    def incomplete(self, path_regex: str, *keys: str, times: int | None = 1) -> Fault:
        """The normal answer with the dotted ``keys`` removed (e.g. ``"merged_at"``, ``"user.html_url"``)."""
        return self.inject(path_regex, None, times=times, drop=keys)

    def delayed(self, path_regex: str, seconds: float, *, times: int | None = 1) -> Fault:
        """The normal answer after ``seconds`` (for client timeouts)."""
        return self.inject(path_regex, None, times=times, delay=seconds)

    # ------------------------------------------------------------------ request log helpers
    def calls(self, method: str | None = None, path_regex: str = ".*") -> list[Request]:
        with self.lock:
            pat = re.compile(path_regex)
            return [r for r in self.requests if (method is None or r.method == method) and pat.search(r.path)]

    # ------------------------------------------------------------------ serving
    @property
    def api(self) -> str:
        return self.url + API_PREFIX

    def start(self) -> str:
        if self._server is not None:
            return self.url
        self._stop.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stop.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @contextlib.contextmanager
    def serve(self) -> Iterator[str]:
        """``with fake.serve() as url:`` — ``url`` is ``http://127.0.0.1:PORT`` (no ``/api/v3``)."""
        url = self.start()
        try:
            yield url
        finally:
            self.stop()

    # ------------------------------------------------------------------ HTTP core
    def _handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        split = urlsplit(raw_path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        full_path = unquote(split.path)
        in_api = full_path == API_PREFIX or full_path.startswith(API_PREFIX + "/")
        path = (full_path[len(API_PREFIX) :] or "/") if in_api else full_path
        lheaders = {k.lower(): v for k, v in headers.items()}
        with self.lock:
            self.requests.append(Request.make(method, path, query, dict(headers), body))
            fault = next((f for f in self.faults if f.matches(method, path)), None)
            if fault is not None:
                fault.hits += 1
        if fault is not None and fault.delay:
            self._stop.wait(fault.delay)
        with self.lock:
            counted = path.rstrip("/") != "/rate_limit"
            if fault is not None and (fault.status is not None or fault.body is not None):
                resp = self._fault_response(fault)
            elif self.token is not None and lheaders.get("authorization") not in (f"token {self.token}", f"Bearer {self.token}"):
                resp = _Resp(401, P.error("Bad credentials"))
            elif counted and self.rate_remaining <= 0:
                resp = _Resp(403, P.error("API rate limit exceeded for user ID 1001."))
            elif not in_api:
                resp = _Resp(404, P.not_found())
            else:
                resp = self._dispatch(method, path, query, lheaders, body)
                if fault is not None and fault.drop and resp.status < 300:
                    for key in fault.drop:
                        _drop(resp.body, key.split("."))
            return self._finish(resp, lheaders, counted)

    def _fault_response(self, fault: Fault) -> _Resp:
        status = fault.status if fault.status is not None else 200
        body = fault.body
        if body is None:
            body = P.error(HTTPStatus(status).phrase) if status >= 400 else {}
        return _Resp(status, body, dict(fault.headers))

    def _finish(self, resp: _Resp, lheaders: dict[str, str], counted: bool) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": "application/json; charset=utf-8", "X-GitHub-Media-Type": "github.v3; format=json"}
        if isinstance(resp.body, bytes):
            data = resp.body
        elif resp.body is None:
            data = b""
        else:
            data = json.dumps(resp.body, indent=None, separators=(",", ":")).encode()
        status = resp.status
        if status == 200:
            etag = resp.headers.pop("ETag", None) or f'W/"{_sha(data)}"'
            headers["ETag"] = etag
            inm = lheaders.get("if-none-match")
            if inm and (inm.strip() == "*" or etag in [t.strip() for t in inm.split(",")]):
                status, data = 304, b""
        if counted and status != 304 and self.rate_remaining > 0:
            self.rate_remaining -= 1
        headers.update(
            {
                "X-RateLimit-Limit": str(self.rate_limit),
                "X-RateLimit-Remaining": str(self.rate_remaining),
                "X-RateLimit-Reset": str(self.rate_reset),
                "X-RateLimit-Used": str(self.rate_limit - self.rate_remaining),
                "X-RateLimit-Resource": "core",
                "X-GitHub-Request-Id": f"FAKE:{len(self.requests):06d}",
            }
        )
        headers.update(resp.headers)
        return status, headers, data

    def _dispatch(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> _Resp:
        for route_method, pattern, handler in ROUTES:
            m = pattern.match(path)
            if m and route_method == method:
                return handler(self, m.groupdict(), query, headers, body)
        return _Resp(404, P.not_found())

    # ------------------------------------------------------------------ payload helpers
    @property
    def web(self) -> str:
        return self.url

    def _user_json(self, login: str | None) -> JSON | None:
        if login is None:
            return None
        u = self.user(login)
        return P.simple_user(self.api, self.web, u.login, u.id, user_type=u.type, site_admin=u.site_admin)

    def _git_user_json(self, email: str) -> JSON | None:
        u = self._user_by_email(email)
        return self._user_json(u.login) if u else None

    def _org_json(self, org: str) -> JSON:
        o = self.orgs[org.lower()]
        return P.organization_full(self.api, self.web, o["login"], o["id"], o["created_at"])

    def _repo_json(self, repo: FakeRepo) -> JSON:
        owner = self._user_json(repo.owner)
        assert owner is not None
        return P.repository(
            self.api,
            self.web,
            owner,
            repo.name,
            repo.id,
            default_branch=repo.default_branch,
            created_at=repo.created_at,
            pushed_at=repo.pushed_at,
        )

    def _commit_json(self, repo: FakeRepo, sha: str, *, with_files: bool = False) -> JSON:
        info = repo.git.commit_info(sha)
        files = None
        if with_files:
            parent = info.parents[0] if info.parents else None
            files = [P.diff_entry(self.api, self.web, repo.full_name, sha, c) for c in repo.git.changes(parent, sha)]
        return P.commit(
            self.api,
            self.web,
            repo.full_name,
            info,
            author=self._git_user_json(info.author_email),
            committer=self._git_user_json(info.committer_email),
            files=files,
        )

    def _association(self, repo: FakeRepo, login: str | None) -> str:
        if login is None:
            return "NONE"
        if login.lower() == repo.owner.lower():
            return "OWNER"
        if any(t.org.lower() == repo.owner.lower() and login in self._active_members(t) for t in self.teams.values()):
            return "MEMBER"
        return "CONTRIBUTOR"

    def _pr_json(self, repo: FakeRepo, pr: PullRequest, *, full: bool) -> JSON:
        extra: dict[str, Any] = {}
        if full:
            base = repo.git.merge_base(pr.base_sha, pr.head_sha) if pr.base_sha and pr.head_sha else None
            changes = repo.git.changes(base, pr.head_sha) if pr.head_sha else []
            extra = {
                "merged_by": self._user_json(pr.merged_by),
                "commits": len(pr.commit_shas()),
                "additions": sum(c.additions for c in changes),
                "deletions": sum(c.deletions for c in changes),
                "changed_files": len(changes),
            }
        user = self._user_json(pr.author)
        assert user is not None
        return P.pull_request(
            self.api,
            self.web,
            self._repo_json(repo),
            number=pr.number,
            pr_id=pr.id,
            title=pr.title,
            body=pr.body,
            user=user,
            state=pr.state,
            draft=pr.draft,
            created_at=pr.created_at,
            updated_at=pr.updated_at,
            closed_at=pr.closed_at,
            merged_at=pr.merged_at,
            merge_commit_sha=pr.merge_commit_sha,
            head_ref=pr.head_ref,
            head_sha=pr.head_sha,
            base_ref=pr.base_ref,
            base_sha=pr.base_sha,
            author_association=self._association(repo, pr.author),
            full=full,
            **extra,
        )

    def _paginate(self, items: list[Any], path: str, query: dict[str, str]) -> tuple[list[Any], dict[str, str]]:
        per_page = min(max(_int(query.get("per_page"), 30), 1), 100)
        page = max(_int(query.get("page"), 1), 1)
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page : page * per_page]

        def link(n: int, rel: str) -> str:
            q = dict(query)
            q["page"] = str(n)
            return f'<{self.api}{path}?{urlencode(q)}>; rel="{rel}"'

        links = []
        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        return chunk, ({"Link": ", ".join(links)} if links else {})

    def _fill(self, obj: Any, repo: FakeRepo, branch: str) -> Any:
        """Replace ``{api}``, ``{web}``, ``{owner}``, ``{repo}``, ``{branch}`` in a settable payload."""
        if isinstance(obj, dict):
            return {k: self._fill(v, repo, branch) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self._fill(v, repo, branch) for v in obj]
        if isinstance(obj, str):
            for key, value in (
                ("{api}", self.api),
                ("{web}", self.web),
                ("{owner}", repo.owner),
                ("{repo}", repo.name),
                ("{branch}", branch),
            ):
                obj = obj.replace(key, value)
        return obj


# =========================================================================== route handlers
def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _sha(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def _drop(body: Any, keys: list[str]) -> None:
    if isinstance(body, list):
        for item in body:
            _drop(item, keys)
        return
    if not isinstance(body, dict) or not keys:
        return
    if len(keys) == 1:
        body.pop(keys[0], None)
    else:
        _drop(body.get(keys[0]), keys[1:])


def _nf(message: str = "Not Found") -> _Resp:
    return _Resp(404, P.error(message))


def _repo_of(fake: FakeGitHub, m: dict[str, str]) -> FakeRepo | None:
    return fake.repos.get(f"{m['owner']}/{m['repo']}".lower())


def repo_route(fn: Callable[[FakeGitHub, FakeRepo, dict[str, str], dict[str, str], dict[str, str], bytes], _Resp]) -> Handler:
    def wrapper(fake: FakeGitHub, m: dict[str, str], q: dict[str, str], h: dict[str, str], body: bytes) -> _Resp:
        repo = _repo_of(fake, m)
        if repo is None:
            return _nf()
        return fn(fake, repo, m, q, h, body)

    wrapper.__name__ = fn.__name__
    return wrapper


@repo_route
def get_repo(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    return _Resp(200, fake._repo_json(repo))


@repo_route
def get_branch(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    branch = m["branch"]
    sha = repo.git.branch_sha(branch)
    if sha is None:
        return _nf("Branch not found")
    prot = repo.protections.get(branch)
    return _Resp(
        200,
        P.branch_with_protection(
            fake.api, fake.web, repo.full_name, branch, fake._commit_json(repo, sha), protection=fake._fill(prot, repo, branch)
        ),
    )


@repo_route
def get_protection(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    branch = m["branch"]
    if repo.git.branch_sha(branch) is None:
        return _nf("Branch not found")
    prot = repo.protections.get(branch)
    if prot is None:
        return _nf("Branch not protected")
    return _Resp(200, fake._fill(prot, repo, branch))


@repo_route
def list_commits(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    if not repo.git.branches():
        return _Resp(409, P.error("Git Repository is empty."))
    ref = q.get("sha") or repo.default_branch
    start = repo.git.resolve(ref)
    if start is None:
        return _nf(f"No commit found for SHA: {ref}")
    shas = repo.git.log(start, q.get("path") or None, since=q.get("since"), until=q.get("until"))
    author = q.get("author")
    if author:
        wanted = author.lower()
        infos = repo.git.commit_infos(shas)
        matched = []
        for info in infos:
            u = fake._user_by_email(info.author_email)
            if wanted in (info.author_email.lower(), (u.login.lower() if u else "")):
                matched.append(info.sha)
        shas = matched
    chunk, link = fake._paginate(shas, f"/repos/{repo.full_name}/commits", q)
    repo.git.commit_infos(chunk)
    return _Resp(200, [fake._commit_json(repo, s) for s in chunk], link)


def _accepts_sha(h: dict[str, str]) -> bool:
    accept = h.get("accept", "")
    return "vnd.github.v3.sha" in accept or "vnd.github.sha" in accept


@repo_route
def get_commit(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    sha = repo.git.resolve(m["ref"])
    if sha is None:
        return _Resp(422, P.error(f"No commit found for SHA: {m['ref']}"))
    if _accepts_sha(h):
        return _Resp(200, sha.encode(), {"Content-Type": "application/vnd.github.sha; charset=utf-8", "ETag": f'"{sha}"'})
    return _Resp(200, fake._commit_json(repo, sha, with_files=True))


@repo_route
def compare_commits(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    base_ref, sep, head_ref = m["basehead"].partition("...")
    base, head = (repo.git.resolve(base_ref), repo.git.resolve(head_ref)) if sep else (None, None)
    if base is None or head is None:
        return _nf()
    merge_base = repo.git.merge_base(base, head)
    if merge_base is None:
        return _Resp(404, P.error(f"No common ancestor between {base_ref} and {head_ref}."))
    ahead = repo.git.rev_list(head, base)
    behind = repo.git.rev_list(base, head)
    status = "identical" if base == head else "ahead" if not behind else "behind" if not ahead else "diverged"
    chunk, link = fake._paginate(list(reversed(ahead)), f"/repos/{repo.full_name}/compare/{m['basehead']}", q)  # oldest first
    body = P.comparison(
        fake.api,
        fake.web,
        repo.full_name,
        fake._commit_json(repo, base),
        fake._commit_json(repo, head),
        fake._commit_json(repo, merge_base),
        status,
        [fake._commit_json(repo, sha) for sha in chunk],
        len(behind),
    )
    body["ahead_by"], body["total_commits"] = len(ahead), len(ahead)
    return _Resp(200, body, link)


@repo_route
def list_commit_pulls(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    sha = repo.git.resolve(m["ref"])
    if sha is None:
        return _Resp(422, P.error(f"No commit found for SHA: {m['ref']}"))
    default_head = repo.git.branch_sha(repo.default_branch)
    in_default = bool(default_head) and repo.git.is_ancestor(sha, default_head or "")
    prs = [pr for pr in repo.pulls.values() if sha in pr.associated_commits()]
    # GitHub: "the merged pull request that introduced the commit"; if the commit is not on the
    # default branch, "merged and open pull requests associated with the commit".
    prs = [pr for pr in prs if pr.merged_at or (not in_default and pr.state == "open")]
    chunk, link = fake._paginate(prs, f"/repos/{repo.full_name}/commits/{m['ref']}/pulls", q)
    return _Resp(200, [fake._pr_json(repo, pr, full=False) for pr in chunk], link)


def _statuses_for(fake: FakeGitHub, repo: FakeRepo, ref: str) -> tuple[str, list[JSON]] | None:
    sha = repo.git.resolve(ref)
    if sha is None:
        return None
    return sha, [fake._fill(s, repo, "") for s in reversed(repo.statuses.get(sha, []))]


@repo_route
def get_combined_status(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    found = _statuses_for(fake, repo, m["ref"])
    if found is None:
        return _nf(f"No commit found for SHA: {m['ref']}")
    sha, newest_first = found
    latest: dict[str, JSON] = {}
    for s in newest_first:
        latest.setdefault(s["context"], s)
    return _Resp(200, P.combined_status(fake.api, repo.full_name, sha, list(latest.values()), fake._repo_json(repo)))


@repo_route
def list_statuses(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    found = _statuses_for(fake, repo, m["ref"])
    items = found[1] if found else []
    chunk, link = fake._paginate(items, f"/repos/{repo.full_name}/commits/{m['ref']}/statuses", q)
    return _Resp(200, chunk, link)


@repo_route
def create_status(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    try:
        data = json.loads(b or b"{}")
    except ValueError:
        return _Resp(400, P.error("Problems parsing JSON"))
    if not isinstance(data, dict) or data.get("state") not in STATUS_STATES:
        return _Resp(422, P.error("Validation Failed", errors=[{"resource": "Status", "field": "state", "code": "custom"}]))
    sha = repo.git.resolve(m["sha"])
    if sha is None or not sha.startswith(m["sha"]):
        return _Resp(422, P.error(f"No commit found for SHA: {m['sha']}"))
    # Stored with {api} placeholders so a record survives server restarts on another port.
    record = P.status(
        "{api}",
        repo.full_name,
        status_id=next(fake._status_ids),
        sha=sha,
        state=data["state"],
        target_url=data.get("target_url"),
        description=data.get("description"),
        context=data.get("context") or "default",
        created_at=fake._stamp(None),
        creator=P.simple_user("{api}", "{web}", fake.token_login, fake.user(fake.token_login).id, user_type="Bot"),
    )
    repo.statuses.setdefault(sha, []).append(record)
    filled = fake._fill(record, repo, "")
    return _Resp(201, filled, {"Location": filled["url"]})


def _json_object(b: bytes) -> JSON | None:
    try:
        data = json.loads(b or b"{}")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _invalid(resource: str, field_name: str, code: str = "missing_field") -> _Resp:
    return _Resp(422, P.error("Validation Failed", errors=[{"resource": resource, "field": field_name, "code": code}]))


@repo_route
def create_git_ref(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    """``POST /git/refs``: a new branch or tag at a commit the repository has (422 if the ref exists or the sha is unknown)."""
    data = _json_object(b)
    if data is None:
        return _Resp(400, P.error("Problems parsing JSON"))
    ref, sha = data.get("ref"), data.get("sha")
    if not isinstance(ref, str) or not ref.startswith("refs/") or ref.count("/") < 2:
        return _Resp(422, P.error("Reference name must start with 'refs/' and have at least two slashes."))
    if not isinstance(sha, str) or repo.git.object_type(sha) != "commit" or repo.git.resolve(sha) != sha:
        return _Resp(422, P.error("Object does not exist"))
    with fake.lock:
        if repo.git.resolve(ref) is not None:
            return _Resp(422, P.error("Reference already exists"))
        repo.git.set_ref(ref, sha)
    body = P.git_ref(fake.api, repo.full_name, ref, sha)
    return _Resp(201, body, {"Location": body["url"]})


@repo_route
def put_contents(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    """``PUT /contents/{path}``: one commit on ``branch`` writing the file; replacing one needs its blob ``sha`` (409 if stale)."""
    data = _json_object(b)
    if data is None:
        return _Resp(400, P.error("Problems parsing JSON"))
    path = (m.get("path") or "").strip("/")
    message, content = data.get("message"), data.get("content")
    if not isinstance(message, str) or not message:
        return _invalid("Contents", "message")
    if not isinstance(content, str):
        return _invalid("Contents", "content")
    try:
        raw = base64.b64decode(content, validate=True)
    except ValueError:
        return _Resp(422, P.error("content is not valid Base64"))
    branch = data.get("branch") or repo.default_branch
    with fake.lock:
        head = repo.git.branch_sha(branch)
        if head is None:
            return _nf(f"Branch {branch} not found")
        existing = repo.git.entry(head, path)
        if existing is not None and existing.type != "file":
            return _Resp(422, P.error(f"{path} is a directory"))
        if existing is not None and data.get("sha") is None:
            return _Resp(422, P.error('Invalid request.\n\n"sha" wasn\'t supplied.'))
        if existing is not None and data.get("sha") != existing.sha:
            return _Resp(409, P.error(f"{path} does not match {data.get('sha')}"))
        bot = fake.user(fake.token_login).identity
        author = data.get("author") if isinstance(data.get("author"), dict) else None
        identity: Identity = (author["name"], author["email"]) if author and author.get("name") and author.get("email") else bot
        sha = repo.commit(branch, {path: raw}, message, author=identity, committer=bot)
        entry = repo.git.entry(sha, path)
        assert entry is not None
        body = P.file_commit(fake.api, fake.web, repo.full_name, path, branch, entry.sha, len(raw), repo.git.commit_info(sha))
    return _Resp(200 if existing is not None else 201, body)


@repo_route
def create_pull(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    """``POST /pulls``: opened by the token's account; 422 for a missing branch, no commits, or an open PR for the same head."""
    data = _json_object(b)
    if data is None:
        return _Resp(400, P.error("Problems parsing JSON"))
    title, head, base = data.get("title"), data.get("head"), data.get("base")
    if not isinstance(title, str) or not title:
        return _invalid("PullRequest", "title")
    if not isinstance(base, str) or repo.git.branch_sha(base) is None:
        return _invalid("PullRequest", "base", "invalid")
    if not isinstance(head, str):
        return _invalid("PullRequest", "head")
    owner, sep, branch = head.rpartition(":")
    if (sep and owner.lower() != repo.owner.lower()) or repo.git.branch_sha(branch) is None:
        return _invalid("PullRequest", "head", "invalid")
    with fake.lock:
        if not repo.git.rev_list(repo.git.branch_sha(branch) or "", repo.git.branch_sha(base) or ""):
            error = {"resource": "PullRequest", "code": "custom", "message": f"No commits between {base} and {branch}"}
            return _Resp(422, P.error("Validation Failed", errors=[error]))
        if any(pr.state == "open" and pr.head_ref == branch and pr.base_ref == base for pr in repo.pulls.values()):
            message = f"A pull request already exists for {repo.owner}:{branch}."
            return _Resp(422, P.error("Validation Failed", errors=[{"resource": "PullRequest", "code": "custom", "message": message}]))
        body = data.get("body")
        text = body if isinstance(body, str) else None
        pr = repo.open_pr(branch, base, author_login=fake.token_login, title=title, body=text, draft=data.get("draft") is True)
    payload = fake._pr_json(repo, pr, full=True)
    return _Resp(201, payload, {"Location": payload["url"]})


def _pr_number_of(repo: FakeRepo, m: dict[str, str]) -> int | None:
    number = int(m["number"])
    return number if number in repo.pulls else None


@repo_route
def list_issue_comments(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    """``GET /issues/{n}/comments``: oldest first, paginated."""
    number = _pr_number_of(repo, m)
    if number is None:
        return _nf()
    items = [fake._fill(record, repo, "") for on, record in repo.comments.values() if on == number]
    chunk, link = fake._paginate(items, f"/repos/{repo.full_name}/issues/{number}/comments", q)
    return _Resp(200, chunk, link)


@repo_route
def create_issue_comment(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    """``POST /issues/{n}/comments``: written by the token's account; 422 without a body."""
    number = _pr_number_of(repo, m)
    if number is None:
        return _nf()
    data = _json_object(b)
    if data is None:
        return _Resp(400, P.error("Problems parsing JSON"))
    if not isinstance(data.get("body"), str) or not data["body"]:
        return _invalid("IssueComment", "body")
    filled = fake._fill(repo.comment(number, fake.token_login, data["body"]), repo, "")
    return _Resp(201, filled, {"Location": filled["url"]})


@repo_route
def update_issue_comment(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    """``PATCH /issues/comments/{id}``: a new body and updated_at; 403 for a comment another account wrote."""
    data = _json_object(b)
    if data is None:
        return _Resp(400, P.error("Problems parsing JSON"))
    with fake.lock:
        found = repo.comments.get(int(m["comment_id"]))
        if found is None:
            return _nf()
        number, record = found
        if (record.get("user") or {}).get("login") != fake.token_login:
            # GitHub lets a repository writer edit anyone's comment; the fake is stricter so a test sees a stray edit.
            return _Resp(403, P.error("Resource not accessible by integration"))
        if not isinstance(data.get("body"), str) or not data["body"]:
            return _invalid("IssueComment", "body")
        record = {**record, "body": data["body"], "updated_at": fake._stamp(None)}
        repo.comments[int(m["comment_id"])] = (number, record)
    return _Resp(200, fake._fill(record, repo, ""))


@repo_route
def get_contents(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    ref = q.get("ref") or repo.default_branch
    sha = repo.git.resolve(ref)
    if sha is None:
        return _nf(f"No commit found for the ref {ref}")
    path = (m.get("path") or "").strip("/")
    entry = repo.git.entry(sha, path)
    if entry is None:
        return _nf()
    if entry.type == "dir":
        items = repo.git.list_dir(sha, path)
        return _Resp(200, [P.content_entry(fake.api, fake.web, repo.full_name, e, ref) for e in items])
    data = repo.git.read_blob(entry.sha)
    return _Resp(200, P.content_file(fake.api, fake.web, repo.full_name, entry.path, ref, entry.sha, data))


@repo_route
def get_git_tree(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    # GitHub accepts a tree sha, a commit sha or a ref here; recursive=1 lists every level.
    sha = repo.git.resolve(m["sha"])
    if sha is None:
        return _nf()
    tree_sha = repo.git.git("rev-parse", f"{sha}^{{tree}}")
    entries = repo.git.tree_entries(sha)
    if q.get("recursive") in (None, "", "0", "false"):
        entries = [e for e in entries if "/" not in e.path]
    return _Resp(200, P.git_tree(fake.api, repo.full_name, tree_sha, entries))


@repo_route
def get_git_blob(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    if repo.git.object_type(m["sha"]) != "blob":
        return _nf()
    return _Resp(200, P.git_blob(fake.api, repo.full_name, m["sha"], repo.git.read_blob(m["sha"])))


def _pr_of(repo: FakeRepo, m: dict[str, str]) -> PullRequest | None:
    return repo.pulls.get(int(m["number"]))


@repo_route
def list_pulls(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    state = q.get("state", "open")
    prs = [pr for pr in repo.pulls.values() if state == "all" or pr.state == state]
    if q.get("base"):
        prs = [pr for pr in prs if pr.base_ref == q["base"]]
    if q.get("head"):
        prs = [pr for pr in prs if f"{repo.owner}:{pr.head_ref}" == q["head"]]
    prs.sort(key=lambda pr: pr.number, reverse=q.get("direction", "desc") == "desc")
    chunk, link = fake._paginate(prs, f"/repos/{repo.full_name}/pulls", q)
    return _Resp(200, [fake._pr_json(repo, pr, full=False) for pr in chunk], link)


@repo_route
def get_pull(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    pr = _pr_of(repo, m)
    return _Resp(200, fake._pr_json(repo, pr, full=True)) if pr else _nf()


@repo_route
def list_reviews(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    pr = _pr_of(repo, m)
    if pr is None:
        return _nf()
    chunk, link = fake._paginate(pr.reviews, f"/repos/{repo.full_name}/pulls/{pr.number}/reviews", q)
    items = [
        P.review(
            fake.api,
            fake.web,
            repo.full_name,
            number=pr.number,
            review_id=r.id,
            user=fake._user_json(r.login),
            state=r.state,
            commit_id=r.commit_id,
            submitted_at=r.submitted_at,
            body=r.body,
            author_association=fake._association(repo, r.login),
        )
        for r in chunk
    ]
    return _Resp(200, items, link)


@repo_route
def list_pull_files(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    pr = _pr_of(repo, m)
    if pr is None:
        return _nf()
    base = repo.git.merge_base(pr.base_sha, pr.head_sha)
    changes = repo.git.changes(base, pr.head_sha)
    chunk, link = fake._paginate(changes, f"/repos/{repo.full_name}/pulls/{pr.number}/files", q)
    return _Resp(200, [P.diff_entry(fake.api, fake.web, repo.full_name, pr.head_sha, c) for c in chunk], link)


@repo_route
def list_pull_commits(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    pr = _pr_of(repo, m)
    if pr is None:
        return _nf()
    shas = list(reversed(pr.commit_shas()))  # oldest first, as GitHub lists them
    chunk, link = fake._paginate(shas, f"/repos/{repo.full_name}/pulls/{pr.number}/commits", q)
    return _Resp(200, [fake._commit_json(repo, s) for s in chunk], link)


@repo_route
def check_merged(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    pr = _pr_of(repo, m)
    return _Resp(204) if pr is not None and pr.merged_at else _nf()


@repo_route
def get_branch_rules(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    branch = m["branch"]
    rules = fake._fill(repo.rules.get(branch, []), repo, branch)
    chunk, link = fake._paginate(rules, f"/repos/{repo.full_name}/rules/branches/{branch}", q)
    return _Resp(200, chunk, link)


@repo_route
def get_codeowners_errors(fake: FakeGitHub, repo: FakeRepo, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    if repo.codeowners_errors is None:
        return _nf()
    return _Resp(200, {"errors": fake._fill(repo.codeowners_errors, repo, "")})


def get_org(fake: FakeGitHub, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    if m["org"].lower() not in fake.orgs:
        return _nf()
    return _Resp(200, fake._org_json(m["org"]))


def _team_of(fake: FakeGitHub, m: dict[str, str]) -> Team | None:
    return fake.teams.get(f"{m['org']}/{m['slug']}".lower())


def _team_simple(fake: FakeGitHub, t: Team) -> JSON:
    return P.team_simple(fake.api, fake.web, t.org, t.id, t.slug, t.name, t.description)


def get_team(fake: FakeGitHub, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    team = _team_of(fake, m)
    if team is None:
        return _nf()
    return _Resp(
        200,
        P.team_full(
            fake.api,
            fake.web,
            fake._org_json(team.org),
            team_id=team.id,
            slug=team.slug,
            name=team.name,
            description=team.description,
            parent=_team_simple(fake, team.parent) if team.parent else None,
            members_count=len(fake._active_members(team)),
            repos_count=len(fake.repos),
            created_at=team.created_at,
        ),
    )


def list_team_members(fake: FakeGitHub, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    team = _team_of(fake, m)
    if team is None:
        return _nf()
    logins = sorted(fake._active_members(team), key=str.lower)
    chunk, link = fake._paginate(logins, f"/orgs/{team.org}/teams/{team.slug}/members", q)
    return _Resp(200, [fake._user_json(login) for login in chunk], link)


def get_team_membership(fake: FakeGitHub, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    team = _team_of(fake, m)
    if team is None:
        return _nf()
    found = fake.membership(team, m["user"])
    if found is None:
        return _nf()
    role, state = found
    return _Resp(200, P.team_membership(fake.api, team.org, team.slug, m["user"], role=role, state=state))


def get_org_membership(fake: FakeGitHub, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    if m["org"].lower() not in fake.orgs:
        return _nf()
    state = fake.org_membership(m["org"], m["user"])
    user = fake._user_json(m["user"]) if state is not None else None
    if user is None:
        return _nf()
    return _Resp(200, P.org_membership(fake.api, fake._org_json(m["org"]), user, role="member", state=state))


def get_rate_limit(fake: FakeGitHub, m: dict[str, str], q: dict[str, str], h: dict[str, str], b: bytes) -> _Resp:
    used = fake.rate_limit - fake.rate_remaining
    return _Resp(200, P.rate_limit(fake.rate_limit, fake.rate_remaining, fake.rate_reset, used))


#: (method, compiled path regex relative to /api/v3, handler). Order matters: first match wins.
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    (meth, re.compile(rx), fn)
    for meth, rx, fn in [
        ("GET", _REPO + r"/?$", get_repo),
        ("GET", _REPO + r"/branches/(?P<branch>.+)/protection$", get_protection),
        ("GET", _REPO + r"/branches/(?P<branch>.+)$", get_branch),
        ("GET", _REPO + r"/commits/?$", list_commits),
        ("GET", _REPO + r"/commits/(?P<ref>[^/]+)/pulls$", list_commit_pulls),
        ("GET", _REPO + r"/commits/(?P<ref>[^/]+)/status$", get_combined_status),
        ("GET", _REPO + r"/commits/(?P<ref>[^/]+)/statuses$", list_statuses),
        ("GET", _REPO + r"/commits/(?P<ref>.+)$", get_commit),
        ("GET", _REPO + r"/compare/(?P<basehead>[^/]+)$", compare_commits),
        ("GET", _REPO + r"/statuses/(?P<ref>[^/]+)$", list_statuses),  # legacy alias (github3 Repository.statuses)
        ("POST", _REPO + r"/statuses/(?P<sha>[^/]+)$", create_status),
        ("POST", _REPO + r"/git/refs$", create_git_ref),
        ("PUT", _REPO + r"/contents/(?P<path>.+)$", put_contents),
        ("POST", _REPO + r"/pulls$", create_pull),
        ("GET", _REPO + r"/issues/(?P<number>\d+)/comments$", list_issue_comments),
        ("POST", _REPO + r"/issues/(?P<number>\d+)/comments$", create_issue_comment),
        ("PATCH", _REPO + r"/issues/comments/(?P<comment_id>\d+)$", update_issue_comment),
        ("GET", _REPO + r"/contents(?:/(?P<path>.*))?$", get_contents),
        ("GET", _REPO + r"/git/trees/(?P<sha>[^/]+)$", get_git_tree),
        ("GET", _REPO + r"/git/blobs/(?P<sha>[0-9a-f]{40})$", get_git_blob),
        ("GET", _REPO + r"/pulls/?$", list_pulls),
        ("GET", _REPO + r"/pulls/(?P<number>\d+)$", get_pull),
        ("GET", _REPO + r"/pulls/(?P<number>\d+)/reviews$", list_reviews),
        ("GET", _REPO + r"/pulls/(?P<number>\d+)/files$", list_pull_files),
        ("GET", _REPO + r"/pulls/(?P<number>\d+)/commits$", list_pull_commits),
        ("GET", _REPO + r"/pulls/(?P<number>\d+)/merge$", check_merged),
        ("GET", _REPO + r"/rules/branches/(?P<branch>.+)$", get_branch_rules),
        ("GET", _REPO + r"/codeowners/errors$", get_codeowners_errors),
        ("GET", _ORG + r"$", get_org),
        ("GET", _ORG + r"/teams/(?P<slug>[^/]+)$", get_team),
        ("GET", _ORG + r"/teams/(?P<slug>[^/]+)/members$", list_team_members),
        ("GET", _ORG + r"/teams/(?P<slug>[^/]+)/memberships/(?P<user>[^/]+)$", get_team_membership),
        ("GET", _ORG + r"/memberships/(?P<user>[^/]+)$", get_org_membership),
        ("GET", r"^/rate_limit/?$", get_rate_limit),
    ]
]


# =========================================================================== HTTP plumbing
class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    fake: FakeGitHub

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()

    def track(self, conn: socket.socket, alive: bool) -> None:
        with self._conns_lock:
            (self._conns.add if alive else self._conns.discard)(conn)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client gave up (e.g. a test's read timeout on a delayed answer)."""
        if not isinstance(sys.exc_info()[1], ConnectionError | OSError):
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self._conns_lock:
            conns, self._conns = list(self._conns), set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without NODELAY, Nagle + delayed ACK add ~40 ms each.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.track(self.connection, False)

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, headers, data = self.server.fake._handle(self.command, self.path, dict(self.headers.items()), body)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any

    def log_message(self, format: str, *args: Any) -> None:
        pass
