"""GitHub through github3.py: the only module that talks to GitHub.

Every failure that is not a definite "no" (a 404 where absence is the answer) becomes
ForgeError, which the gate turns into exit 3 and a deny. 5xx answers to GETs are retried
a bounded number of times with backoff; nothing else is retried.

Requests go to the API's own origin (scheme, host and port) and nowhere else: a
pagination link or a redirect to another origin is refused before anything is sent,
so the token never leaves for a host it was not meant for (exit 3, naming the origin).
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import github3
import requests
from github3 import exceptions as gh_errors
from requests.adapters import BaseAdapter
from urllib3.util.retry import Retry

from ftgov.gate.forge import (
    CommitRange,
    ForgeError,
    ForgeIdentity,
    ForgeStats,
    PullCommit,
    PullRequest,
    Review,
    UnknownRef,
    git_blob_sha,
    parse_time,
)
from ftgov.gate.forge.cache import CachingAdapter

T = TypeVar("T")
_RETRY_STATUSES = (500, 502, 503, 504)
# GitHub's compare API lists at most 10,000 commits: 100 pages of 100.
COMPARE_MAX_PAGES = 100


class NotFound(Exception):
    """GitHub answered 404 where the caller treats absence as an answer."""


class ForeignOrigin(requests.exceptions.InvalidURL):
    """A request to an origin other than the API's own was refused before it was sent."""


def origin(url: str) -> str:
    """scheme://host:port, with the scheme's default port spelled out, for comparing origins."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"https": 443, "http": 80}.get(scheme)
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


class _RefuseOtherOrigins(BaseAdapter):
    """Mounted for every URL the API adapter does not cover: sends nothing, ever."""

    def __init__(self, allowed: str) -> None:
        super().__init__()
        self._allowed = allowed

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        raise ForeignOrigin(f"refused to send a request to {origin(request.url or '')}: the only origin used is {self._allowed}")

    def close(self) -> None:
        pass


class GitHubForge:
    def __init__(
        self,
        repository: str,
        token: str,
        *,
        github_url: str | None = None,
        cache_dir: Path | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        owner, _, name = repository.partition("/")
        if not owner or not name or "/" in name:
            raise ValueError(f"--repo must be OWNER/NAME, got {repository!r}")
        self._owner, self._name = owner, name
        self._github_url = github_url
        session = github3.session.GitHubSession(default_connect_timeout=timeout, default_read_timeout=timeout)
        # Only 5xx answers to reads are retried: a refused connection or a timeout is
        # reported at once (exit 3) rather than stretching a launcher's start-up.
        retry = Retry(
            total=retries,
            connect=0,
            read=0,
            other=0,
            status=retries,
            status_forcelist=_RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            backoff_factor=backoff,
            raise_on_status=False,
            respect_retry_after_header=False,
        )
        self._adapter = CachingAdapter(cache_dir, token, max_retries=retry)
        if github_url:
            self._gh: Any = github3.GitHubEnterprise(github_url, token=token, session=session)
        else:
            self._gh = github3.GitHub(token=token, session=session)
        # Only the API's origin reaches the network; requests picks the longest matching prefix.
        self._origin = origin(str(self._gh.session.base_url))
        refuse = _RefuseOtherOrigins(self._origin)
        session.mount("https://", refuse)
        session.mount("http://", refuse)
        scheme, _, host_port = self._origin.partition("://")
        host, _, port = host_port.rpartition(":")
        host = f"[{host}]" if ":" in host else host  # an IPv6 literal, as URLs spell it
        session.mount(f"{scheme}://{host}:{port}/", self._adapter)
        if {"https": "443", "http": "80"}.get(scheme) == port:
            session.mount(f"{scheme}://{host}/", self._adapter)

    def describe(self) -> ForgeIdentity:
        return ForgeIdentity(kind="github", url=str(self._gh.session.base_url), repository=f"{self._owner}/{self._name}")

    def stats(self) -> ForgeStats:
        return ForgeStats(self._adapter.requests, self._adapter.not_modified, self._adapter.served_from_cache)

    # -- plumbing ---------------------------------------------------------------

    def _call(self, what: str, action: Callable[[], T]) -> T:
        try:
            return action()
        except gh_errors.NotFoundError as exc:
            raise NotFound(what) from exc
        except gh_errors.IncompleteResponse as exc:
            raise ForgeError(f"{what}: GitHub's response was incomplete ({exc})") from exc
        except gh_errors.UnexpectedResponse as exc:
            raise ForgeError(f"{what}: GitHub's response was not the JSON expected (HTTP {getattr(exc, 'code', '?')})") from exc
        except gh_errors.GitHubError as exc:
            raise ForgeError(f"{what}: {_describe_error(exc)}") from exc
        except gh_errors.TransportError as exc:
            if isinstance(getattr(exc, "exception", None), ForeignOrigin):
                raise ForgeError(f"{what}: {exc.exception}") from exc
            raise ForgeError(f"{what}: cannot reach GitHub ({type(getattr(exc, 'exception', exc)).__name__})") from exc
        except gh_errors.GitHubException as exc:
            raise ForgeError(f"{what}: {type(exc).__name__}") from exc
        except requests.Timeout as exc:
            raise ForgeError(f"{what}: GitHub did not answer in time") from exc
        except requests.RequestException as exc:
            raise ForgeError(f"{what}: cannot reach GitHub ({type(exc).__name__})") from exc
        except KeyError as exc:
            raise ForgeError(f"{what}: malformed response from GitHub (missing {exc})") from exc
        except (ValueError, TypeError, AttributeError, IndexError) as exc:
            # No message: a ValueError from requests can quote a header, and headers hold the token.
            raise ForgeError(f"{what}: malformed response or request ({type(exc).__name__})") from exc

    def _repo_url(self, *parts: str) -> str:
        return str(self._gh._build_url("repos", self._owner, self._name, *parts))

    def _get_json(self, what: str, url: str, params: dict[str, Any] | None = None) -> tuple[Any, Any]:
        def fetch() -> tuple[Any, Any]:
            response = self._gh._get(url, params=params)
            return self._gh._json(response, 200), response

        return self._call(what, fetch)

    def _object(self, what: str, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        data, _ = self._get_json(what, url, params)
        if not isinstance(data, dict):
            raise ForgeError(f"{what}: expected a JSON object from GitHub")
        return data

    def _each_page(self, what: str, url: str, params: dict[str, Any] | None, max_pages: int) -> Iterator[Any]:
        """Each page's parsed body, following GitHub's Link headers, for up to max_pages pages."""
        next_url: str | None = url
        query: dict[str, Any] | None = {"per_page": 100, **(params or {})}
        for _ in range(max_pages):
            if next_url is None:
                return
            data, response = self._get_json(what, next_url, query)
            next_url = response.links.get("next", {}).get("url")
            if next_url is not None and origin(next_url) != self._origin:
                # Checked here too, for the clearer message: the transport would refuse it anyway.
                raise ForgeError(f"{what}: GitHub's next-page link points to {origin(next_url)}, not {self._origin}; not followed")
            yield data
            query = None  # the next link carries the query

    def _pages(self, what: str, url: str, params: dict[str, Any] | None = None, max_pages: int = 100) -> list[Any]:
        """Every item of a paginated list, following GitHub's Link headers."""
        items: list[Any] = []
        pages = 0
        for data in self._each_page(what, url, params, max_pages):
            if not isinstance(data, list):
                raise ForgeError(f"{what}: expected a list from GitHub")
            items.extend(data)
            pages += 1
        if pages == max_pages:
            # A list that fills max_pages may be one GitHub cut short (it caps a PR's commits at 250): refused.
            raise ForgeError(f"{what}: more than {max_pages} pages")
        return items

    # -- the questions ------------------------------------------------------------
    # Raw routes on github3's session (auth, timeouts, error mapping): github3's models
    # would cost a repository fetch first, and crash on a deleted user (`"user": null`).

    def branch_head(self, branch: str) -> str:
        try:
            data = self._object(f"branch {branch}", self._repo_url("branches", branch))
        except NotFound:
            # The user's mistake (exit 2), not a doubt: say whether the branch or the repository is missing.
            self._repository()
            raise UnknownRef(f"branch {branch!r} does not exist in {self._where()}") from None
        return self._field(f"head of {branch}", lambda: _sha(data["commit"]["sha"], f"head of {branch}"))

    def tree(self, commit: str) -> dict[str, str]:
        what = f"tree of {commit[:12]}"
        data = self._object(what, self._repo_url("git", "trees", commit), {"recursive": "1"})
        if data.get("truncated") is not False:
            raise ForgeError(f"{what} is truncated by GitHub (or says nothing about it); cannot resolve objective ids")
        return self._field(what, lambda: {e["path"]: _sha(e["sha"], what) for e in data["tree"] if e["type"] == "blob"})

    def blob(self, sha: str) -> bytes:
        what = f"blob {sha[:12]}"
        data = self._object(what, self._repo_url("git", "blobs", sha))
        if data.get("encoding") != "base64":
            raise ForgeError(f"{what}: unexpected encoding {data.get('encoding')!r}")
        content = self._field(what, lambda: base64.b64decode(data["content"]))
        if git_blob_sha(content) != sha:
            raise ForgeError(f"{what}: content does not match its sha")
        return content

    def blob_sha_at(self, path: str, commit: str) -> str | None:
        what = f"{path} at {commit[:12]}"
        try:
            data, _ = self._get_json(what, self._repo_url("contents", path), {"ref": commit})
        except NotFound:
            return None
        if not isinstance(data, dict) or data.get("type") != "file":
            return None  # a directory, symlink or submodule is not the objective file
        return self._field(what, lambda: _sha(data["sha"], what))

    def history(self, path: str, commit: str) -> list[tuple[str, tuple[str, ...]]]:
        """Every commit below `commit` that changed `path`, newest first, with its parents.

        Pinned to a sha, so every page is cached for good after the first decision.
        """
        what = f"history of {path}"
        items = self._pages(what, self._repo_url("commits"), {"sha": commit, "path": path})

        def read() -> list[tuple[str, tuple[str, ...]]]:
            return [(_sha(i["sha"], what), tuple(_sha(p["sha"], what) for p in i["parents"])) for i in items]

        return self._field(what, read)

    def file_at(self, path: str, commit: str) -> tuple[str, bytes] | None:
        """The blob sha and content of `path` at `commit`; None when no file is there."""
        what = f"{path} at {commit[:12]}"
        try:
            data, _ = self._get_json(what, self._repo_url("contents", path), {"ref": commit})
        except NotFound:
            return None
        if not isinstance(data, dict) or data.get("type") != "file":
            return None  # a directory, symlink or submodule is not a document
        sha = self._field(what, lambda: _sha(data["sha"], what))
        if data.get("encoding") != "base64":  # GitHub leaves content out above 1 MB
            return sha, self.blob(sha)
        content = self._field(what, lambda: base64.b64decode(data["content"]))
        if git_blob_sha(content) != sha:
            raise ForgeError(f"{what}: content does not match its sha")
        return sha, content

    def _where(self) -> str:
        return f"{self._owner}/{self._name} on {self._gh.session.base_url}"

    def _repository(self) -> dict[str, Any]:
        """The repository object; a 404 is the user's mistake (UnknownRef, exit 2), not a doubt."""
        try:
            return self._object(f"repository {self._owner}/{self._name}", self._repo_url())
        except NotFound:
            where = self._where()
            raise UnknownRef(f"repository {where} does not exist, or the token cannot read it; check --repo and --github-url") from None

    def default_branch(self) -> str:
        data = self._repository()
        value = data.get("default_branch")
        if not isinstance(value, str) or not value:
            raise ForgeError(f"repository {self._owner}/{self._name}: GitHub did not name its default branch")
        return value

    def branch_protected(self, branch: str) -> bool:
        data = self._object(f"branch {branch}", self._repo_url("branches", branch))
        value = data.get("protected")
        if not isinstance(value, bool):
            raise ForgeError(f"branch {branch}: GitHub did not say whether it is protected")
        return value

    def pulls_for_commit(self, commit: str) -> list[PullRequest]:
        items = self._pages(f"pull requests of {commit[:12]}", self._repo_url("commits", commit, "pulls"))
        return [self._pull_from_json(item) for item in items]

    def pull(self, number: int) -> PullRequest:
        try:
            data = self._object(f"pull request #{number}", self._repo_url("pulls", str(number)))
        except NotFound:
            # Only `ftgov approvals --pr N` asks for a PR by number: a missing one is the user's mistake (exit 2).
            where = f"{self._owner}/{self._name}"
            raise UnknownRef(f"--pr {number}: pull request #{number} does not exist in {where} (or the token cannot read it)") from None
        return self._pull_from_json(data)

    def pull_commits(self, number: int) -> list[PullCommit]:
        """The PR's commits, oldest first; GitHub lists at most 250 (three pages of 100 are asked for)."""
        what = f"commits of #{number}"
        items = self._pages(what, self._repo_url("pulls", str(number), "commits"), max_pages=3)
        return self._field(what, lambda: [_pull_commit_from_json(item, what) for item in items])

    def commit_parents(self, commit: str) -> tuple[str, ...]:
        what = f"commit {commit[:12]}"
        data = self._object(what, self._repo_url("commits", commit))
        return self._field(what, lambda: tuple(_sha(p["sha"], what) for p in data["parents"]))

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """GitHub's compare API: `descendant` is ahead of or identical to `ancestor`.

        A 404 (no such commit, or no common history) is a definite no.
        """
        what = f"compare {ancestor[:12]}...{descendant[:12]}"
        try:
            data = self._object(what, self._repo_url("compare", f"{ancestor}...{descendant}"), {"per_page": 1})
        except NotFound:
            return False
        status = data.get("status")
        if status not in ("ahead", "identical", "behind", "diverged"):
            raise ForgeError(f"{what}: unexpected status {status!r}")
        return status in ("ahead", "identical")

    def reviews(self, number: int) -> list[Review]:
        """Every review in GitHub's (chronological) order, across pages."""
        return [_review_from_json(item) for item in self._pages(f"reviews of #{number}", self._repo_url("pulls", str(number), "reviews"))]

    def team_membership(self, team: str, login: str) -> str | None:
        org, _, slug = team.partition("/")
        return self._membership(f"membership of {login} in {team}", self._gh._build_url("orgs", org, "teams", slug, "memberships", login))

    def org_membership(self, org: str, login: str) -> str | None:
        """"active" or "pending" membership of login in org (GET /orgs/{org}/memberships/{username}); None if not a member."""
        return self._membership(f"membership of {login} in {org}", self._gh._build_url("orgs", org, "memberships", login))

    def _membership(self, what: str, url: str) -> str | None:
        """A membership's state, as team and organisation memberships both answer it; None when GitHub says 404."""
        try:
            data = self._object(what, url)
        except NotFound:
            return None
        state = data.get("state")
        if state not in ("active", "pending"):
            raise ForgeError(f"{what}: unexpected state {state!r}")
        return str(state)

    def _field(self, what: str, read: Callable[[], T]) -> T:
        """Read fields of a parsed response; a missing or mistyped field is a malformed response."""
        return self._call(what, read)

    @staticmethod
    def _pull_from_json(item: Any) -> PullRequest:
        try:
            return PullRequest(
                number=int(item["number"]),
                author=str(item["user"]["login"]),
                base_ref=str(item["base"]["ref"]),
                base_sha=_sha(item["base"]["sha"], "pull request base"),
                head_sha=_sha(item["head"]["sha"], "pull request head"),
                merged_at=parse_time(item.get("merged_at")),
                merge_commit_sha=item.get("merge_commit_sha"),
                state=str(item["state"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ForgeError(f"malformed pull request in GitHub's response ({type(exc).__name__}: {exc})") from exc


def _review_from_json(item: Any) -> Review:
    try:
        user = item.get("user")
        return Review(
            login=str(user["login"]) if isinstance(user, dict) else None,
            state=str(item["state"]),
            commit_id=item.get("commit_id"),
            submitted_at=parse_time(item.get("submitted_at")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ForgeError(f"malformed review in GitHub's response ({type(exc).__name__}: {exc})") from exc


def _pull_commit_from_json(item: Any, what: str) -> PullCommit:
    """A PR commit's people: the accounts GitHub links (null when none) and the git identities."""

    def login(user: Any) -> str | None:
        return str(user["login"]) if isinstance(user, dict) else None

    commit = item["commit"]
    return PullCommit(
        sha=_sha(item["sha"], what),
        author_login=login(item.get("author")),
        author_email=str((commit.get("author") or {}).get("email") or ""),
        committer_login=login(item.get("committer")),
        committer_email=str((commit.get("committer") or {}).get("email") or ""),
        message=str(commit.get("message") or ""),
    )


def _comparison_page(data: Any, what: str) -> CommitRange:
    """One page of a comparison whose head is `base` or ahead of it (anything else is not a range of the branch)."""
    if not isinstance(data, dict):
        raise ForgeError(f"{what}: expected a JSON object from GitHub")
    if data.get("status") not in ("ahead", "identical"):
        raise ForgeError(f"{what}: the head is not ahead of the base (status {data.get('status')!r})")
    total, items = data.get("total_commits"), data.get("commits")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0 or not isinstance(items, list):
        raise ForgeError(f"{what}: GitHub's comparison lacks total_commits or commits")
    try:
        return CommitRange(tuple(_pull_commit_from_json(item, what) for item in items), total)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ForgeError(f"{what}: malformed commit in GitHub's comparison ({type(exc).__name__})") from exc


def _sha(value: Any, what: str) -> str:
    if not isinstance(value, str) or len(value) != 40:
        raise ForgeError(f"{what}: not a commit or blob sha: {value!r}")
    return value


def _describe_error(exc: gh_errors.GitHubError) -> str:
    response = getattr(exc, "response", None)
    headers = response.headers if response is not None else {}
    code = getattr(exc, "code", None)
    if code in (403, 429) and (headers.get("X-RateLimit-Remaining") == "0" or "rate limit" in str(exc.msg).lower()):
        reset = str(headers.get("X-RateLimit-Reset", ""))
        when = dt.datetime.fromtimestamp(int(reset), dt.UTC).isoformat().replace("+00:00", "Z") if reset.isdigit() else "later"
        return f"rate limited by GitHub (HTTP {code}); the limit resets at {when}"
    return f"GitHub answered HTTP {code}: {getattr(exc, 'msg', type(exc).__name__)}"


class GitHubAdmin(GitHubForge):
    """The calls the `approvals` check and `audit-repo` add: PR files, statuses, protection."""

    def pull_files(self, number: int) -> list[str]:
        files: list[str] = []
        # GitHub lists at most 3,000 files of a PR: 30 pages of 100.
        for item in self._pages(f"files of #{number}", self._repo_url("pulls", str(number), "files"), max_pages=31):
            if not isinstance(item, dict) or not isinstance(item.get("filename"), str):
                raise ForgeError(f"files of #{number}: malformed entry")
            files.append(item["filename"])
            if isinstance(item.get("previous_filename"), str):
                files.append(item["previous_filename"])  # a rename moves an objective out of its old place
        if len(files) >= 3000:
            raise ForgeError(f"#{number} changes 3,000 files or more; GitHub cannot list them all")
        return files

    def set_status(self, sha: str, state: str, description: str, context: str, target_url: str | None = None) -> None:
        payload = {"state": state, "description": description[:140], "context": context}
        if target_url:
            payload["target_url"] = target_url
        url = self._repo_url("statuses", sha)
        self._call(f"status {context} on {sha[:12]}", lambda: self._gh._json(self._gh._post(url, data=payload), 201))

    def protection(self, branch: str) -> dict[str, Any] | None:
        try:
            return self._object(f"protection of {branch}", self._repo_url("branches", branch, "protection"))
        except NotFound:
            return None

    def branch_rules(self, branch: str) -> list[dict[str, Any]]:
        try:
            rules = self._pages(f"rules of {branch}", self._repo_url("rules", "branches", branch))
        except NotFound:
            return []
        return [rule for rule in rules if isinstance(rule, dict)]

    def commits_between(self, base: str, head: str, *, per_page: int = 100, max_pages: int = COMPARE_MAX_PAGES) -> CommitRange:
        """The commits on `head` after its ancestor `base` (`git log base..head`), oldest first: GitHub's compare API.

        Costs one request per `per_page` commits (at least one). Unpaged, GitHub stops at 250
        commits; paged (at most 100 a page) it lists 10,000 at most. `total` is its own count
        (`total_commits`), so a caller can tell a complete listing from a cut one.
        """
        what = f"commits {base[:12]}...{head[:12]}"
        commits: list[PullCommit] = []
        total: int | None = None
        try:
            for data in self._each_page(what, self._repo_url("compare", f"{base}...{head}"), {"per_page": per_page}, max_pages):
                page = _comparison_page(data, what)
                total = page.total if total is None else total
                commits.extend(page.commits)
        except NotFound:
            raise ForgeError(f"{what}: GitHub answered 404 (no such commit, or no common history)") from None
        return CommitRange(tuple(commits), total or 0)

    def codeowners_errors(self, ref: str) -> list[dict[str, Any]] | None:
        """GitHub's own parse errors of CODEOWNERS at ref; None when there is no CODEOWNERS file."""
        try:
            data = self._object("CODEOWNERS errors", self._repo_url("codeowners", "errors"), {"ref": ref})
        except NotFound:
            return None
        errors = data.get("errors")
        if not isinstance(errors, list):
            raise ForgeError("CODEOWNERS errors: expected an errors list")
        return [e for e in errors if isinstance(e, dict)]
