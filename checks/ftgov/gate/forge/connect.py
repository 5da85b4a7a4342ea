"""Connecting to GitHub from what a user typed: a repository name, a server URL, the token and cache in the environment.

Every refusal is an InputError (exit 2) naming the option at fault, raised before github3 is
imported: a typo costs no import and no request.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal, overload
from urllib.parse import urlsplit, urlunsplit

from ftgov.documents.errors import InputError
from ftgov.gate.forge.cache import max_bytes_from_environment
from ftgov.gate.gate import GateUsageError, default_cache_dir, token_from_environment

if TYPE_CHECKING:
    from ftgov.gate.forge.github import GitHubAdmin, GitHubForge

REPOSITORY = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}"
"""OWNER/NAME as GitHub allows them."""


def check_repository(repo: str) -> None:
    """--repo must be OWNER/NAME."""
    if not re.fullmatch(REPOSITORY, repo):
        raise InputError(f"--repo must be OWNER/NAME, e.g. acme/governance; got {repo!r}")


def github_base_url(value: str) -> str | None:
    """--github-url as the base URL github3 expects (it appends /api/v3 itself); None for github.com."""
    hint = "give the server's base URL, e.g. https://github.example.com (or https://github.example.com/api/v3)"
    try:
        parts = urlsplit(value.strip())
        valid = parts.scheme in ("https", "http") and bool(parts.hostname) and not parts.query and not parts.fragment
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        valid = False
    if not valid:
        raise InputError(f"--github-url {value!r} is not a URL; {hint}")
    path = parts.path.rstrip("/")
    path = path.removesuffix("/api/v3")
    if parts.hostname in ("github.com", "api.github.com") and not path:
        return None
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


@overload
def connect(repo: str | None, github_url: str | None, cache_dir: Path | None, no_cache: bool, *, admin: Literal[True]) -> GitHubAdmin: ...


@overload
def connect(
    repo: str | None, github_url: str | None, cache_dir: Path | None, no_cache: bool, *, admin: Literal[False] = ...
) -> GitHubForge: ...


def connect(repo: str | None, github_url: str | None, cache_dir: Path | None, no_cache: bool, *, admin: bool = False) -> GitHubForge:
    """The GitHub forge for --repo (GitHubAdmin with admin: it also sets statuses and reads settings).

    The token comes from GITHUB_TOKEN or GH_TOKEN; the request cache is cache_dir, else the
    default shared one, unless no_cache.
    """
    if not repo:
        raise InputError("--repo OWNER/NAME is required")
    check_repository(repo)
    base_url = github_base_url(github_url) if github_url is not None else None
    token = token_from_environment()
    if not no_cache:
        try:
            max_bytes_from_environment()
        except ValueError as exc:
            raise GateUsageError(str(exc)) from None
    from ftgov.gate.forge.github import GitHubAdmin, GitHubForge  # github3: only once the arguments are known good

    kind = GitHubAdmin if admin else GitHubForge
    try:
        return kind(repo, token, github_url=base_url, cache_dir=None if no_cache else (cache_dir or default_cache_dir()))
    except ValueError as exc:
        raise InputError(str(exc)) from None
