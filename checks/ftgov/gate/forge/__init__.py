"""Forges: where merge status, reviews and team membership come from.

Only this package talks to GitHub (through github3.py, in `github.py`) or reads a local
clone (`git.py`). Everything it returns is a plain value from this module, so the gate's
logic never sees a github3 object or an HTTP response.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Protocol

from ftgov.documents.errors import InputError, Undecided


class ForgeError(Undecided):
    """The forge could not answer (network, rate limit, 5xx, malformed reply): decide nothing."""


class UnknownRef(InputError):
    """The user named a branch (or repository) the forge does not have: a usage error, exit 2.

    Deliberately not a ForgeError: the gate's fail-closed paths turn a ForgeError into
    "could not decide" (exit 3), which would hide a typo behind an outage. The message
    is one sentence naming what was asked for and where.
    """


@dataclass(frozen=True)
class ForgeIdentity:
    """Which forge a decision was read from, as the attestation records it.

    kind "github": `url` is the API root asked (https://api.github.com, or an
    enterprise server's /api/v3) and `repository` is OWNER/NAME; kind "git": `path`
    is the local clone.
    """

    kind: str
    url: str | None = None
    repository: str | None = None
    path: str | None = None

    def to_json(self) -> dict[str, str]:
        fields = {"kind": self.kind, "url": self.url, "repository": self.repository, "path": self.path}
        return {name: value for name, value in fields.items() if value is not None}

    def __str__(self) -> str:
        if self.kind == "git":
            return f"git clone {self.path}"
        return f"{self.repository} on {self.url}"


@dataclass(frozen=True)
class PullRequest:
    number: int
    author: str
    base_ref: str
    base_sha: str  # the base branch's commit the PR was last compared with
    head_sha: str
    merged_at: dt.datetime | None
    merge_commit_sha: str | None
    state: str


@dataclass(frozen=True)
class Review:
    login: str | None  # None for a deleted ("ghost") account
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING
    commit_id: str | None
    submitted_at: dt.datetime | None


@dataclass(frozen=True)
class PullCommit:
    """One commit of a pull request, as far as the people behind it go.

    `author_login` / `committer_login` are the GitHub accounts the forge links the
    commit's emails to; None when no account is linked (the email is unknown to it).
    `message` carries any `Co-authored-by:` trailers.
    """

    sha: str
    author_login: str | None
    author_email: str
    committer_login: str | None
    committer_email: str
    message: str


@dataclass(frozen=True)
class CommitRange:
    """The commits a comparison lists, oldest first, and how many the forge says the range holds.

    Each commit is read as a PullCommit (the compare API serves the same commit objects).
    """

    commits: tuple[PullCommit, ...]
    total: int

    @property
    def complete(self) -> bool:
        """Every commit of the range was listed: the forge did not cut it short."""
        return len(self.commits) >= self.total


@dataclass(frozen=True)
class ForgeStats:
    """What a decision cost: HTTP requests made, and how many a cache answered."""

    requests: int
    not_modified: int
    served_from_cache: int


class TreeReader(Protocol):
    """Reading files at a pinned commit: what every forge, online or offline, can do."""

    def describe(self) -> ForgeIdentity: ...

    def stats(self) -> ForgeStats: ...

    def branch_head(self, branch: str) -> str: ...

    def tree(self, commit: str) -> dict[str, str]:
        """Every file path at the commit -> its git blob sha."""
        ...

    def blob(self, sha: str) -> bytes: ...


class Forge(TreeReader, Protocol):
    """The questions the gate asks of a code host, each pinned to a commit or PR."""

    def blob_sha_at(self, path: str, commit: str) -> str | None: ...

    def pulls_for_commit(self, commit: str) -> list[PullRequest]: ...

    def pull(self, number: int) -> PullRequest: ...

    def pull_commits(self, number: int) -> list[PullCommit]:
        """The PR's commits, oldest first (GitHub lists at most 250)."""
        ...

    def commit_parents(self, commit: str) -> tuple[str, ...]: ...

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """True when `ancestor` is `descendant` or one of its ancestors; False also when the forge has no such commit."""
        ...

    def reviews(self, number: int) -> list[Review]: ...

    def team_membership(self, team: str, login: str) -> str | None:
        """'active', 'pending', or None when the login is not a member of team (org/slug)."""
        ...


def parse_time(value: str | None) -> dt.datetime | None:
    """A server timestamp as an aware UTC datetime."""
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ForgeError(f"timestamp without a time zone: {value}")
    return parsed.astimezone(dt.UTC)


def git_blob_sha(content: bytes) -> str:
    """The sha git (and GitHub) names a file's content by."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()
