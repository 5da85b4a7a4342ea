"""GitHub through github3.py: the only module that talks to GitHub.

Every failure that is not a definite "no" (a 404 where absence is the answer) becomes
ForgeError, which the gate turns into exit 3 and a deny. 5xx answers to GETs are retried
a bounded number of times with backoff; nothing else is retried.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import github3
import requests
from github3 import exceptions as gh_errors
from urllib3.util.retry import Retry

from ftgov.forge import ForgeError, ForgeStats, PullRequest, Review, parse_time
from ftgov.forge.cache import CachingAdapter, git_blob_sha

T = TypeVar("T")
_RETRY_STATUSES = (500, 502, 503, 504)


class NotFound(Exception):
    """GitHub answered 404 where the caller treats absence as an answer."""


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
        session.mount("https://", self._adapter)
        session.mount("http://", self._adapter)
        if github_url:
            self._gh: Any = github3.GitHubEnterprise(github_url, token=token, session=session)
        else:
            self._gh = github3.GitHub(token=token, session=session)
        self._repo: Any = None

    def describe(self) -> str:
        host = self._github_url or "https://github.com"
        return f"{host} {self._owner}/{self._name}"

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
            raise ForgeError(f"{what}: GitHub's response was not the JSON expected (HTTP {exc.code})") from exc
        except gh_errors.GitHubError as exc:
            raise ForgeError(f"{what}: {_describe_error(exc)}") from exc
        except gh_errors.TransportError as exc:
            raise ForgeError(f"{what}: cannot reach GitHub ({type(getattr(exc, 'exception', exc)).__name__})") from exc
        except gh_errors.GitHubException as exc:
            raise ForgeError(f"{what}: {type(exc).__name__}") from exc
        except requests.Timeout as exc:
            raise ForgeError(f"{what}: GitHub did not answer in time") from exc
        except requests.RequestException as exc:
            raise ForgeError(f"{what}: cannot reach GitHub ({type(exc).__name__})") from exc
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ForgeError(f"{what}: malformed response from GitHub ({type(exc).__name__}: {exc})") from exc

    def _repository(self) -> Any:
        if self._repo is None:
            self._repo = self._call(f"repository {self._owner}/{self._name}", lambda: self._gh.repository(self._owner, self._name))
            if self._repo is None:
                raise ForgeError(f"repository {self._owner}/{self._name}: empty response")
        return self._repo

    def _get_json(self, what: str, url: str, params: dict[str, Any] | None = None) -> tuple[Any, Any]:
        def fetch() -> tuple[Any, Any]:
            response = self._gh._get(url, params=params)
            return self._gh._json(response, 200), response

        return self._call(what, fetch)

    # -- the questions ------------------------------------------------------------

    def branch_head(self, branch: str) -> str:
        repo = self._repository()
        found = self._call(f"branch {branch}", lambda: repo.branch(branch))
        return _sha(found.commit.sha, f"head of {branch}")

    def tree(self, commit: str) -> dict[str, str]:
        repo = self._repository()
        tree = self._call(f"tree of {commit[:12]}", lambda: repo.tree(commit, recursive=True))
        if tree.as_dict().get("truncated"):
            raise ForgeError(f"tree of {commit[:12]} is truncated by GitHub; the repository is too large to resolve ids")
        return {entry.path: entry.sha for entry in tree.tree or [] if entry.type == "blob"}

    def blob(self, sha: str) -> bytes:
        repo = self._repository()
        found = self._call(f"blob {sha[:12]}", lambda: repo.blob(sha))
        if found.encoding != "base64":
            raise ForgeError(f"blob {sha[:12]}: unexpected encoding {found.encoding!r}")
        content = base64.b64decode(found.content)
        if git_blob_sha(content) != sha:
            raise ForgeError(f"blob {sha[:12]}: content does not match its sha")
        return content

    def blob_sha_at(self, path: str, commit: str) -> str | None:
        repo = self._repository()
        try:
            found = self._call(f"{path} at {commit[:12]}", lambda: repo.file_contents(path, ref=commit))
        except NotFound:
            return None
        return _sha(found.sha, f"{path} at {commit[:12]}")

    def last_commit_touching(self, path: str, commit: str) -> str | None:
        repo = self._repository()
        found = self._call(f"history of {path}", lambda: list(repo.commits(sha=commit, path=path, number=1)))
        return _sha(found[0].sha, f"history of {path}") if found else None

    def pulls_for_commit(self, commit: str) -> list[PullRequest]:
        repo = self._repository()
        # github3 reaches this route only from a commit object; asking it directly saves fetching the commit.
        url = repo._build_url("commits", commit, "pulls", base_url=repo._api)
        data, _ = self._get_json(f"pull requests of {commit[:12]}", url, {"per_page": 100})
        if not isinstance(data, list):
            raise ForgeError(f"pull requests of {commit[:12]}: expected a list")
        return [self._pull_from_json(item) for item in data]

    def pull(self, number: int) -> PullRequest:
        repo = self._repository()
        try:
            found = self._call(f"pull request #{number}", lambda: repo.pull_request(number))
        except NotFound as exc:
            raise ForgeError(f"pull request #{number} does not exist") from exc
        return self._pull_from_json(found.as_dict())

    def reviews(self, number: int) -> list[Review]:
        """Every review in GitHub's (chronological) order, across pages.

        Read as JSON rather than as github3 models: github3 4.0.1 raises TypeError on a
        review by a deleted account (user: null), which must count as no approval, not
        as an outage.
        """
        repo = self._repository()
        url: str | None = repo._build_url("pulls", str(number), "reviews", base_url=repo._api)
        params: dict[str, Any] | None = {"per_page": 100}
        reviews: list[Review] = []
        pages = 0
        while url is not None:
            data, response = self._get_json(f"reviews of #{number}", url, params)
            if not isinstance(data, list):
                raise ForgeError(f"reviews of #{number}: expected a list")
            reviews.extend(_review_from_json(item) for item in data)
            url = response.links.get("next", {}).get("url")
            params = None
            pages += 1
            if pages > 100:
                raise ForgeError(f"reviews of #{number}: more than 100 pages")
        return reviews

    def team_membership(self, team: str, login: str) -> str | None:
        org, _, slug = team.partition("/")
        url = self._gh._build_url("orgs", org, "teams", slug, "memberships", login)
        try:
            data, _ = self._get_json(f"membership of {login} in {team}", url)
        except NotFound:
            return None
        state = data.get("state") if isinstance(data, dict) else None
        if state not in ("active", "pending"):
            raise ForgeError(f"membership of {login} in {team}: unexpected state {state!r}")
        return str(state)

    @staticmethod
    def _pull_from_json(item: Any) -> PullRequest:
        try:
            return PullRequest(
                number=int(item["number"]),
                author=str(item["user"]["login"]),
                base_ref=str(item["base"]["ref"]),
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


def _sha(value: Any, what: str) -> str:
    if not isinstance(value, str) or len(value) != 40:
        raise ForgeError(f"{what}: not a commit or blob sha: {value!r}")
    return value


def _describe_error(exc: gh_errors.GitHubError) -> str:
    response = getattr(exc, "response", None)
    headers = response.headers if response is not None else {}
    if exc.code in (403, 429) and (headers.get("X-RateLimit-Remaining") == "0" or "rate limit" in str(exc.msg).lower()):
        reset = str(headers.get("X-RateLimit-Reset", ""))
        when = dt.datetime.fromtimestamp(int(reset), dt.UTC).isoformat().replace("+00:00", "Z") if reset.isdigit() else "later"
        return f"rate limited by GitHub (HTTP {exc.code}); the limit resets at {when}"
    return f"GitHub answered HTTP {exc.code}: {exc.msg}"


class GitHubAdmin(GitHubForge):
    """The calls the `approvals` check and `audit-repo` add: PR files, statuses, protection."""

    def pull_files(self, number: int) -> list[str]:
        repo = self._repository()
        url: str | None = repo._build_url("pulls", str(number), "files", base_url=repo._api)
        params: dict[str, Any] | None = {"per_page": 100}
        files: list[str] = []
        while url is not None:
            data, response = self._get_json(f"files of #{number}", url, params)
            if not isinstance(data, list):
                raise ForgeError(f"files of #{number}: expected a list")
            for item in data:
                if not isinstance(item, dict) or not isinstance(item.get("filename"), str):
                    raise ForgeError(f"files of #{number}: malformed entry")
                files.append(item["filename"])
                if isinstance(item.get("previous_filename"), str):
                    files.append(item["previous_filename"])  # a rename moves an objective out of its old place
            url = response.links.get("next", {}).get("url")
            params = None
            if len(files) > 3000:  # GitHub lists at most 3,000 files; more cannot be judged
                raise ForgeError(f"#{number} changes more than 3,000 files; GitHub cannot list them all")
        return files

    def set_status(self, sha: str, state: str, description: str, context: str, target_url: str | None = None) -> None:
        repo = self._repository()
        self._call(
            f"status {context} on {sha[:12]}",
            lambda: repo.create_status(sha, state, target_url=target_url, description=description[:140], context=context),
        )

    def protection(self, branch: str) -> dict[str, Any] | None:
        repo = self._repository()
        url = repo._build_url("branches", branch, "protection", base_url=repo._api)
        try:
            data, _ = self._get_json(f"protection of {branch}", url)
        except NotFound:
            return None
        if not isinstance(data, dict):
            raise ForgeError(f"protection of {branch}: expected an object")
        return data

    def branch_rules(self, branch: str) -> list[dict[str, Any]]:
        repo = self._repository()
        url = repo._build_url("rules", "branches", branch, base_url=repo._api)
        try:
            data, _ = self._get_json(f"rules of {branch}", url, {"per_page": 100})
        except NotFound:
            return []
        if not isinstance(data, list):
            raise ForgeError(f"rules of {branch}: expected a list")
        return [rule for rule in data if isinstance(rule, dict)]

    def codeowners_errors(self, ref: str) -> list[dict[str, Any]] | None:
        """GitHub's own parse errors of CODEOWNERS at ref; None when there is no CODEOWNERS file."""
        repo = self._repository()
        url = repo._build_url("codeowners", "errors", base_url=repo._api)
        try:
            data, _ = self._get_json("CODEOWNERS errors", url, {"ref": ref})
        except NotFound:
            return None
        errors = data.get("errors") if isinstance(data, dict) else None
        if not isinstance(errors, list):
            raise ForgeError("CODEOWNERS errors: expected an errors list")
        return [e for e in errors if isinstance(e, dict)]
