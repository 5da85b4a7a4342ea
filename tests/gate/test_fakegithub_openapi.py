"""Keep the fake GitHub honest: every response shape it serves must match GitHub's OpenAPI description.

The description comes from the npm package ``@octokit/openapi`` (``generated/api.github.com.json``,
about 13 MB, OpenAPI 3.0.3). Install it once with::

    npm install --prefix .cache/octokit-openapi @octokit/openapi@23.0.2

or point ``FTGOV_GITHUB_OPENAPI`` at the JSON file. The tests that need it carry the ``openapi``
marker: the README's ``pytest`` deselects them, ``.ci/run`` installs the package and runs
``pytest -m openapi``, and there a missing package is an error naming the command to fix it.
Each served route is requested for real and its body validated against the operation's response
schema for that status (``$ref``s resolved over the whole document, OAS 3.0 ``nullable`` honoured).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from ..fakegithub import FakeGitHub, payloads
from ..fakegithub.server import ROUTES

ROOT = Path(__file__).resolve().parents[2]
OPENAPI_VERSION = "23.0.2"
DEFAULT_SPEC = ROOT / ".cache" / "octokit-openapi" / "node_modules" / "@octokit" / "openapi" / "generated" / "api.github.com.json"
INSTALL_HINT = (
    f"GitHub's OpenAPI description is not installed; run "
    f"`npm install --prefix .cache/octokit-openapi @octokit/openapi@{OPENAPI_VERSION}` in the repository root "
    f"or set FTGOV_GITHUB_OPENAPI to generated/api.github.com.json"
)
SPEC_URI = "urn:github:api.github.com.json"
OBJ = "objectives/llm/ft-001.yaml"


def _spec_path() -> Path:
    env = os.environ.get("FTGOV_GITHUB_OPENAPI")
    return Path(env) if env else DEFAULT_SPEC


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    path = _spec_path()
    if not path.is_file():
        pytest.fail(f"{INSTALL_HINT} (looked for {path})", pytrace=False)
    data: dict[str, Any] = json.loads(path.read_bytes())
    assert data["openapi"].startswith("3.0"), f"expected an OpenAPI 3.0 description, got {data['openapi']}"
    return data


@pytest.fixture(scope="module")
def make_validator(spec: dict[str, Any]) -> Any:
    """A function (api path, method, status) → validator for that response's JSON schema."""
    import openapi_schema_validator as osv  # the test extra installs it
    from jsonschema.validators import extend
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    # openapi-schema-validator follows OAS 3.0.3 to the letter: `nullable` only counts next to
    # `type`. GitHub's description also writes `{"nullable": true, "oneOf": [...]}` (e.g. a commit's
    # `author`, null when the email matches no account) and means null is allowed, which is what
    # api.github.com returns. Honour `nullable` next to oneOf/anyOf/allOf too; nothing else is relaxed.
    def nullable_aware(keyword: str) -> Any:
        original = osv.OAS30Validator.VALIDATORS[keyword]

        def check(validator: Any, value: Any, instance: Any, schema: dict[str, Any]) -> Any:
            if instance is None and schema.get("nullable") is True:
                return iter(())
            return original(validator, value, instance, schema)

        return check

    validator_cls = extend(osv.OAS30Validator, {k: nullable_aware(k) for k in ("oneOf", "anyOf", "allOf")})  # type: ignore[no-untyped-call]
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT4))
    cache: dict[tuple[str, str, str, str | None], Any] = {}
    FORMAT_CHECKER = osv.OAS30Validator.FORMAT_CHECKER

    def pointer_escape(part: str) -> str:
        return part.replace("~", "~0").replace("/", "~1")

    def build(api_path: str, method: str, status: str, schema_ref: str | None = None) -> Any:
        """None when GitHub documents no JSON body for that status (e.g. some 404s)."""
        key = (api_path, method, status, schema_ref)
        if key not in cache and schema_ref is not None:
            cache[key] = validator_cls({"$ref": f"{SPEC_URI}#/{schema_ref}"}, registry=registry, format_checker=FORMAT_CHECKER)
        if key not in cache:
            responses = spec["paths"][api_path][method]["responses"]
            assert status in responses, f"{method.upper()} {api_path} documents no {status} response ({sorted(responses)})"
            pointer = ["paths", api_path, method, "responses", status]
            response = responses[status]
            if "$ref" in response:  # a shared response in components/responses
                pointer = response["$ref"].lstrip("#/").split("/")
                response = spec
                for part in pointer:
                    response = response[part]
            if "application/json" not in response.get("content", {}):
                cache[key] = None
            else:
                ref = "#/" + "/".join(pointer_escape(p) for p in [*pointer, "content", "application/json", "schema"])
                cache[key] = validator_cls({"$ref": SPEC_URI + ref}, registry=registry, format_checker=FORMAT_CHECKER)
        return cache[key]

    return build


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeGitHub, dict[str, str]]]:
    """One rich scenario (all merge methods, a direct push, odd reviews, teams, rules) being served."""
    fake = FakeGitHub(tmp_path_factory.mktemp("openapi"))
    fake.add_team("acme/ml-leads", {"alice": "active"})
    fake.add_team("acme/tech-leads", {"carol": "pending"}, parent="acme/ml-leads", maintainers=["carol"])
    fake.add_team("acme/risk", ["rita"])

    fake.commit("add-obj", {OBJ: b"objective: 1\n"}, "Add objective", author="bob")
    pr1 = fake.open_pr("add-obj", title="Add objective", body="Adds **it**")
    pr1.review("alice", "COMMENTED", body="looks fine")
    pr1.review("alice")
    pr1.review(None, "APPROVED")  # a deleted account: "user": null
    pr1.review("rita", "CHANGES_REQUESTED").dismiss()
    pr1.merge("merge")

    fake.commit("tweak", {OBJ: b"objective: 2\n", "notes.md": b"n\n"}, "Tweak objective", author="bob")
    fake.commit("tweak", {"notes.md": None}, "Drop notes", author="bob")
    pr2 = fake.open_pr("tweak")
    pr2.review("alice")
    pr2.merge("squash")

    fake.commit("again", {OBJ: b"objective: 3\n"}, author=("Someone", "someone@elsewhere.example"))
    pr3 = fake.open_pr("again")
    pr3.review("rita", "PENDING")
    pr3.merge("rebase")

    fake.commit("open", {"other.md": b"x\n"})
    pr4 = fake.open_pr("open", draft=True)
    fake.repo.comment(pr4.number, "alice", "Which suite is this?")  # 7001
    fake.repo.comment(pr4.number, fake.token_login, "<!-- ftgov:report -->\nthe report")  # 7002, edited below
    direct = fake.commit("main", {OBJ: b"objective: pushed\n"}, "Direct push")

    fake.rules["main"] = [
        payloads.pull_request_rule(required_reviewers=[payloads.required_reviewer(2001, ["objectives/**"])]),
        payloads.simple_rule("non_fast_forward"),
    ]
    fake.codeowners_errors = [payloads.codeowners_error(3, "Unknown owner", source="* @acme/nope")]

    with fake.serve() as url:
        requests.post(
            f"{fake.api}/repos/acme/objectives/statuses/{direct}",
            json={"state": "pending", "context": "objective-gate"},
            headers={"Authorization": "token t"},
            timeout=10,
        ).raise_for_status()
        refs = {
            "url": url,
            "pr1_merge": pr1.merge_commit_sha or "",
            "pr1_head": pr1.head_sha,
            "pr2_head": pr2.head_sha,
            "pr3_merge": pr3.merge_commit_sha or "",
            "pr4_head": pr4.head_sha,
            "direct": direct,
            "obj_blob": fake.git.entry(direct, OBJ).sha,  # type: ignore[union-attr]
        }
        yield fake, refs


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str  # request path relative to /api/v3; {placeholders} come from the scenario refs
    api_path: str  # the OpenAPI path template
    status: int = 200
    body: dict[str, Any] | None = None
    schema_ref: str | None = None  # validate against this component instead of the operation's schema

    def url_path(self, refs: dict[str, str]) -> str:
        return self.path.format(**refs)

    def request_body(self, refs: dict[str, str]) -> dict[str, Any] | None:
        """The body with scenario refs filled in its string values (a new ref's sha)."""
        if self.body is None:
            return None
        return {key: value.format(**refs) if isinstance(value, str) else value for key, value in self.body.items()}


REPO = "/repos/acme/objectives"
TPL = "/repos/{owner}/{repo}"
CASES = [
    Case("repo", "GET", REPO, TPL),
    Case("branch", "GET", REPO + "/branches/main", TPL + "/branches/{branch}"),
    Case("branch-protection", "GET", REPO + "/branches/main/protection", TPL + "/branches/{branch}/protection"),
    Case("branch-protection-404", "GET", REPO + "/branches/open/protection", TPL + "/branches/{branch}/protection", 404),
    Case("commits", "GET", REPO + "/commits?per_page=100", TPL + "/commits"),
    Case("commits-path", "GET", REPO + "/commits?sha=main&path=" + quote(OBJ) + "&per_page=1", TPL + "/commits"),
    Case("commit-merge", "GET", REPO + "/commits/{pr1_merge}", TPL + "/commits/{ref}"),
    Case("commit-branch", "GET", REPO + "/commits/main", TPL + "/commits/{ref}"),
    Case("commit-pulls-merge", "GET", REPO + "/commits/{pr1_head}/pulls", TPL + "/commits/{commit_sha}/pulls"),
    Case("commit-pulls-squash", "GET", REPO + "/commits/{pr2_head}/pulls", TPL + "/commits/{commit_sha}/pulls"),
    Case("commit-pulls-rebase", "GET", REPO + "/commits/{pr3_merge}/pulls", TPL + "/commits/{commit_sha}/pulls"),
    Case("commit-pulls-open", "GET", REPO + "/commits/{pr4_head}/pulls", TPL + "/commits/{commit_sha}/pulls"),
    Case("compare-ahead", "GET", REPO + "/compare/{direct}...{pr1_merge}?per_page=1", TPL + "/compare/{basehead}"),
    Case("compare-404", "GET", REPO + "/compare/" + "0" * 40 + "...main", TPL + "/compare/{basehead}", 404),
    Case("commit-status", "GET", REPO + "/commits/{direct}/status", TPL + "/commits/{ref}/status"),
    Case("commit-statuses", "GET", REPO + "/commits/{direct}/statuses", TPL + "/commits/{ref}/statuses"),
    Case("statuses-legacy", "GET", REPO + "/statuses/{direct}", TPL + "/commits/{ref}/statuses"),
    Case(
        "create-status",
        "POST",
        REPO + "/statuses/{direct}",
        TPL + "/statuses/{sha}",
        201,
        {"state": "success", "context": "objective-gate", "description": "ok", "target_url": "https://ci.example/1"},
    ),
    # Writes, as a launcher opening a register PR makes them: a branch, a file on it, the pull request.
    Case("create-ref", "POST", REPO + "/git/refs", TPL + "/git/refs", 201, {"ref": "refs/heads/openapi-write", "sha": "{direct}"}),
    Case("create-ref-exists", "POST", REPO + "/git/refs", TPL + "/git/refs", 422, {"ref": "refs/heads/main", "sha": "{direct}"}),
    Case(
        "put-contents-new",
        "PUT",
        REPO + "/contents/written/new.md",
        TPL + "/contents/{path}",
        201,
        {"message": "Add new.md", "content": "bmV3Cg==", "branch": "tweak"},
    ),
    # The 409 is a oneOf of basic-error and repository-rule-violation-error, which a plain error matches both of.
    Case(
        "put-contents-stale",
        "PUT",
        REPO + "/contents/other.md",
        TPL + "/contents/{path}",
        409,
        {"message": "Replace other.md", "content": "eQo=", "branch": "open", "sha": "0" * 40},
        schema_ref="components/schemas/basic-error",
    ),
    Case("create-pull", "POST", REPO + "/pulls", TPL + "/pulls", 201, {"title": "Record", "head": "tweak", "base": "main", "body": "b"}),
    Case("create-pull-no-branch", "POST", REPO + "/pulls", TPL + "/pulls", 422, {"title": "t", "head": "no-such-branch", "base": "main"}),
    Case("contents-file", "GET", REPO + "/contents/" + OBJ + "?ref={pr1_head}", TPL + "/contents/{path}"),
    # The operation's schema is a oneOf with a `type` discriminator, which cannot select the array
    # alternative (a directory listing); validate that alternative directly.
    Case("contents-dir", "GET", REPO + "/contents/objectives", TPL + "/contents/{path}", schema_ref="components/schemas/content-directory"),
    Case("contents-404", "GET", REPO + "/contents/nope.yaml", TPL + "/contents/{path}", 404),
    Case("git-tree-recursive", "GET", REPO + "/git/trees/{pr1_merge}?recursive=1", TPL + "/git/trees/{tree_sha}"),
    Case("git-tree-404", "GET", REPO + "/git/trees/" + "0" * 40, TPL + "/git/trees/{tree_sha}", 404),
    Case("git-blob", "GET", REPO + "/git/blobs/{obj_blob}", TPL + "/git/blobs/{file_sha}"),
    Case("pulls", "GET", REPO + "/pulls?state=all", TPL + "/pulls"),
    Case("pull-merged", "GET", REPO + "/pulls/1", TPL + "/pulls/{pull_number}"),
    Case("pull-squashed", "GET", REPO + "/pulls/2", TPL + "/pulls/{pull_number}"),
    Case("pull-open-draft", "GET", REPO + "/pulls/4", TPL + "/pulls/{pull_number}"),
    Case("pull-404", "GET", REPO + "/pulls/99", TPL + "/pulls/{pull_number}", 404),
    Case("pull-reviews", "GET", REPO + "/pulls/1/reviews", TPL + "/pulls/{pull_number}/reviews"),
    Case("pull-reviews-pending", "GET", REPO + "/pulls/3/reviews", TPL + "/pulls/{pull_number}/reviews"),
    Case("pull-files", "GET", REPO + "/pulls/2/files", TPL + "/pulls/{pull_number}/files"),
    Case("pull-commits", "GET", REPO + "/pulls/2/commits", TPL + "/pulls/{pull_number}/commits"),
    Case("pull-merged-check", "GET", REPO + "/pulls/1/merge", TPL + "/pulls/{pull_number}/merge", 204),
    Case("branch-rules", "GET", REPO + "/rules/branches/main", TPL + "/rules/branches/{branch}"),
    Case("codeowners-errors", "GET", REPO + "/codeowners/errors", TPL + "/codeowners/errors"),
    Case("org", "GET", "/orgs/acme", "/orgs/{org}"),
    Case("org-404", "GET", "/orgs/nobody", "/orgs/{org}", 404),
    Case("team", "GET", "/orgs/acme/teams/tech-leads", "/orgs/{org}/teams/{team_slug}"),
    Case("team-members", "GET", "/orgs/acme/teams/ml-leads/members", "/orgs/{org}/teams/{team_slug}/members"),
    Case("team-membership", "GET", "/orgs/acme/teams/ml-leads/memberships/alice", "/orgs/{org}/teams/{team_slug}/memberships/{username}"),
    Case(
        "team-membership-child-pending",
        "GET",
        "/orgs/acme/teams/ml-leads/memberships/carol",
        "/orgs/{org}/teams/{team_slug}/memberships/{username}",
    ),
    Case(
        "team-membership-404",
        "GET",
        "/orgs/acme/teams/risk/memberships/alice",
        "/orgs/{org}/teams/{team_slug}/memberships/{username}",
        404,
    ),
    Case("org-membership", "GET", "/orgs/acme/memberships/rita", "/orgs/{org}/memberships/{username}"),
    Case("org-membership-404", "GET", "/orgs/acme/memberships/nobody-here", "/orgs/{org}/memberships/{username}", 404),
    Case("rate-limit", "GET", "/rate_limit", "/rate_limit"),
    Case("issue-comments", "GET", REPO + "/issues/4/comments", TPL + "/issues/{issue_number}/comments"),
    Case("create-issue-comment", "POST", REPO + "/issues/4/comments", TPL + "/issues/{issue_number}/comments", 201, {"body": "hello"}),
    Case("create-issue-comment-404", "POST", REPO + "/issues/99/comments", TPL + "/issues/{issue_number}/comments", 404, {"body": "x"}),
    Case("create-issue-comment-empty", "POST", REPO + "/issues/4/comments", TPL + "/issues/{issue_number}/comments", 422, {"body": ""}),
    Case(
        "update-issue-comment",
        "PATCH",
        REPO + "/issues/comments/7002",
        TPL + "/issues/comments/{comment_id}",
        200,
        {"body": "<!-- ftgov:report -->\nthe new report"},
    ),
    Case("update-issue-comment-empty", "PATCH", REPO + "/issues/comments/7002", TPL + "/issues/comments/{comment_id}", 422, {"body": ""}),
]


@pytest.mark.openapi
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_response_matches_openapi(case: Case, served: tuple[FakeGitHub, dict[str, str]], make_validator: Any) -> None:
    fake, refs = served
    url = fake.api + case.url_path(refs)
    headers = {"Authorization": "token t", "Accept": "application/vnd.github+json"}
    resp = requests.request(case.method, url, json=case.request_body(refs), headers=headers, timeout=10)
    assert resp.status_code == case.status, resp.text
    if case.status == 204:
        assert resp.content == b""  # no schema to check; test_documented_statuses checks the status
        return
    data = resp.json()
    if case.status == 200 and isinstance(data, list):
        assert data, f"{case.name}: an empty list validates trivially; the scenario should make it non-empty"
    validator = make_validator(case.api_path, case.method.lower(), str(case.status), case.schema_ref)
    if validator is None:  # GitHub documents this status without a body; ours is the usual error object
        assert data == payloads.not_found()
        return
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:10])


@pytest.mark.openapi
def test_documented_statuses(spec: dict[str, Any]) -> None:
    """Every case (including 204s and 404s) uses a status GitHub documents for that operation."""
    for case in CASES:
        responses = spec["paths"][case.api_path][case.method.lower()]["responses"]
        assert str(case.status) in responses, f"{case.name}: {case.status} not in {sorted(responses)}"


def test_every_route_is_covered(served: tuple[FakeGitHub, dict[str, str]]) -> None:
    """Each route the fake serves is exercised by at least one case above."""
    _, refs = served
    covered = set()
    for case in CASES:
        path = case.url_path(refs).split("?", 1)[0]
        for method, pattern, handler in ROUTES:
            if method == case.method and pattern.match(path):
                covered.add(handler.__name__)
                break
    assert covered == {h.__name__ for _, _, h in ROUTES}


@pytest.mark.openapi
def test_validation_catches_an_incomplete_object(served: tuple[FakeGitHub, dict[str, str]], make_validator: Any) -> None:
    """The check has teeth: a pull request missing ``user.login`` or ``merged_at`` is rejected."""
    fake, _ = served
    fake.incomplete(r"^/repos/acme/objectives/pulls/1$", "user.login", "merged_at")
    data = requests.get(f"{fake.api}/repos/acme/objectives/pulls/1", timeout=10).json()
    errors = list(make_validator("/repos/{owner}/{repo}/pulls/{pull_number}", "get", "200").iter_errors(data))
    assert {e.message for e in errors} >= {"'login' is a required property", "'merged_at' is a required property"}
