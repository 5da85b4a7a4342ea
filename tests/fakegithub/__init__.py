"""A loopback fake GitHub (REST v3, GitHub Enterprise layout) for tests. See README.md here."""

from . import payloads
from .gitrepo import GitError, GitRepo, blob_sha
from .server import API_PREFIX, FakeGitHub, FakeRepo, Fault, PullRequest, Request, Review, Team, User

__all__ = [
    "API_PREFIX",
    "FakeGitHub",
    "FakeRepo",
    "Fault",
    "GitError",
    "GitRepo",
    "PullRequest",
    "Request",
    "Review",
    "Team",
    "User",
    "blob_sha",
    "payloads",
]
