"""The fake GitHub, driven through github3.py 4.0.1 exactly as ``ftgov gate`` will drive real GitHub.

These tests pin both the fake's behaviour and the github3.py behaviour a gate relies on (what it
raises on 404, 5xx, rate limits, malformed or incomplete JSON, timeouts and ghost reviewers).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import github3
import pytest
import requests
from github3 import exceptions as gh_exc
from github3.pulls import PullRequest as GhPullRequest
from github3.repos.repo import Repository

from ..fakegithub import FakeGitHub, GitError, PullRequest, blob_sha, payloads

OBJ = "objectives/llm/ft-001.yaml"
TOKEN = "test-token"


@pytest.fixture
def fake(tmp_path: Path) -> FakeGitHub:
    f = FakeGitHub(tmp_path)
    f.add_team("acme/ml-tech-leads", {"alice": "active", "carol": "pending"})
    f.add_team("acme/risk-governance", {"rita": "active"})
    return f


@pytest.fixture
def url(fake: FakeGitHub) -> Iterator[str]:
    with fake.serve() as u:
        yield u


def client(url: str, **session_kw: Any) -> github3.GitHubEnterprise:
    session = github3.session.GitHubSession(**session_kw) if session_kw else None
    return github3.GitHubEnterprise(url, token=TOKEN, session=session)


def repo_of(url: str) -> Repository:
    repo = client(url).repository("acme", "objectives")
    assert repo is not None
    return repo


def approved_pr(fake: FakeGitHub, content: bytes = b"objective: 1\n", branch: str = "add-obj") -> PullRequest:
    fake.commit(branch, {OBJ: content}, "Add objective", author="bob")
    pr = fake.open_pr(branch, author_login="bob", title="Add objective")
    pr.review("alice")
    pr.review("rita")
    return pr


def membership(gh: github3.GitHubEnterprise, slug: str, login: str) -> dict[str, Any]:
    data: dict[str, Any] = gh._json(gh._get(gh._build_url("orgs", "acme", "teams", slug, "memberships", login)), 200)
    return data


def gate_facts(gh: github3.GitHubEnterprise, path: str = OBJ) -> dict[str, Any]:
    """The read-only half of the recommended gate (research notes §5), returning what it saw."""
    repo = gh.repository("acme", "objectives")
    head = repo.branch("main").commit.sha
    blob_main = repo.file_contents(path, ref=head).sha
    last = next(iter(repo.commits(sha=head, path=path, number=1)))
    prs = [p for p in last.associated_pull_requests() if p.merged_at and p.base.ref == "main"]
    facts: dict[str, Any] = {"head": head, "blob_main": blob_main, "last": last.sha, "prs": [p.number for p in prs]}
    if len(prs) == 1:
        pr = repo.pull_request(prs[0].number)
        facts.update(
            pr=pr,
            blob_head=repo.file_contents(path, ref=pr.head.sha).sha,
            reviews=[(r.user.login, r.state, r.commit_id) for r in pr.reviews()],
        )
    return facts


# --------------------------------------------------------------------------- merge methods
def test_merge_commit_flow_and_call_log(fake: FakeGitHub, url: str) -> None:
    pr = approved_pr(fake)
    merge_sha = pr.merge("merge", merged_by="maint")
    gh = client(url)
    facts = gate_facts(gh)
    assert facts["head"] == merge_sha == fake.branch_sha("main")
    assert facts["blob_main"] == facts["blob_head"] == blob_sha(b"objective: 1\n")
    # `git log main -- path` simplifies the merge away: the last commit is the PR's own commit.
    assert facts["last"] == pr.head_sha != merge_sha
    assert facts["prs"] == [1]
    full: GhPullRequest = facts["pr"]
    assert full.merged and full.merge_commit_sha == merge_sha and full.base.ref == "main"
    assert full.merged_by is not None and full.merged_by.login == "maint"
    assert full.user.login == "bob" and full.head.sha == pr.head_sha and full.merged_at is not None
    assert facts["reviews"] == [("alice", "APPROVED", pr.head_sha), ("rita", "APPROVED", pr.head_sha)]
    commit = gh.repository("acme", "objectives").commit(merge_sha)
    assert [p["sha"] for p in commit.parents] == [fake.git.commit_info(merge_sha).parents[0], pr.head_sha]
    # RepoCommit (repo.commit) leaves `commit`, `author` and `committer` as raw dicts.
    assert commit.commit["author"]["name"] == "maint" and commit.commit["committer"]["name"] == "GitHub"
    assert membership(gh, "ml-tech-leads", "alice")["state"] == "active"
    assert membership(gh, "risk-governance", "rita")["state"] == "active"

    paths = [r.path for r in fake.requests]
    assert paths == [
        "/repos/acme/objectives",
        "/repos/acme/objectives/branches/main",
        f"/repos/acme/objectives/contents/{OBJ}",
        "/repos/acme/objectives/commits",
        f"/repos/acme/objectives/commits/{pr.head_sha}/pulls",
        "/repos/acme/objectives/pulls/1",
        f"/repos/acme/objectives/contents/{OBJ}",
        "/repos/acme/objectives/pulls/1/reviews",
        "/repos/acme/objectives",
        f"/repos/acme/objectives/commits/{merge_sha}",
        "/orgs/acme/teams/ml-tech-leads/memberships/alice",
        "/orgs/acme/teams/risk-governance/memberships/rita",
    ]
    assert fake.requests[3].query == {"sha": merge_sha, "path": OBJ, "per_page": "1"}
    # The token is sent on every call and appears nowhere else.
    for req in fake.requests:
        assert req.header("authorization") == f"token {TOKEN}"
        assert TOKEN not in req.path and TOKEN not in str(req.query) and TOKEN.encode() not in req.body


def test_squash_merge(fake: FakeGitHub, url: str) -> None:
    fake.commit("add-obj", {OBJ: b"draft\n"}, "WIP", author="bob")
    pr = approved_pr(fake, b"objective: final\n")
    squash = pr.merge("squash")
    info = fake.git.commit_info(squash)
    assert len(info.parents) == 1 and info.message.startswith("Add objective (#1)")
    assert info.author_name == "bob" and info.committer_name == "GitHub"
    assert not fake.git.is_ancestor(pr.head_sha, squash)  # the reviewed head never lands on main
    facts = gate_facts(client(url))
    assert facts["last"] == squash and facts["prs"] == [1]
    assert facts["pr"].merge_commit_sha == squash
    assert facts["blob_main"] == facts["blob_head"] == blob_sha(b"objective: final\n")
    # The PR's own commits still map to it (not on main: merged + open PRs are listed).
    old = client(url).repository("acme", "objectives").commit(pr.head_sha)
    assert [p.number for p in old.associated_pull_requests()] == [1]


def test_rebase_merge_creates_new_commits(fake: FakeGitHub, url: str) -> None:
    fake.commit("add-obj", {"notes.md": b"n\n"}, "Notes", author="bob")
    pr = approved_pr(fake)
    originals = pr.commit_shas()
    new_head = pr.merge("rebase", merged_at="2026-03-01T12:00:00Z")
    assert len(pr.rebased_commits) == 2 and set(pr.rebased_commits).isdisjoint(originals)
    assert new_head == pr.rebased_commits[-1] == fake.branch_sha("main") == pr.merge_commit_sha
    gh = client(url)
    facts = gate_facts(gh)
    assert facts["last"] == new_head and facts["prs"] == [1]
    assert facts["pr"].merged_at.isoformat() == "2026-03-01T12:00:00+00:00"
    commit = gh.repository("acme", "objectives").commit(new_head)
    assert commit.commit["author"]["name"] == "bob" and commit.commit["committer"]["date"] == "2026-03-01T12:00:00Z"
    assert commit.committer["login"] == "web-flow"  # GitHub's committer account (a raw dict on RepoCommit)


def test_direct_push_after_merge_has_no_pr(fake: FakeGitHub, url: str) -> None:
    approved_pr(fake).merge("merge")
    direct = fake.commit("main", {OBJ: b"objective: sneaky\n"}, "Hotfix", author=("Mallory", "mallory@evil.example"))
    facts = gate_facts(client(url))
    assert facts["last"] == direct and facts["prs"] == []
    repo = repo_of(url)
    last = next(iter(repo.commits(sha=direct, path=OBJ, number=1)))
    assert last.author is None  # an email GitHub cannot link to an account → "author": null


def test_force_push_and_open_and_closed_prs(fake: FakeGitHub, url: str) -> None:
    before = fake.branch_sha("main")
    assert before is not None
    merged = approved_pr(fake)
    merged.merge("merge")
    fake.force_branch("main", before)  # history rewritten: the objective is gone from main
    repo = repo_of(url)
    with pytest.raises(gh_exc.NotFoundError):
        repo.file_contents(OBJ, ref="main")
    # Once not on the default branch, the merged PR is still listed for its commit.
    assert [p.number for p in repo.commit(merged.head_sha).associated_pull_requests()] == [1]

    fake.commit("wip", {"x.md": b"x\n"})
    open_pr = fake.open_pr("wip")
    fake.commit("abandoned", {"y.md": b"y\n"})
    closed = fake.open_pr("abandoned")
    closed.close()
    assert [p.state for p in repo.commit(open_pr.head_sha).associated_pull_requests()] == ["open"]
    assert list(repo.commit(closed.head_sha).associated_pull_requests()) == []
    full = repo.pull_request(closed.number)
    assert full is not None and full.state == "closed" and not full.merged and full.merged_at is None


def test_stale_and_odd_reviews(fake: FakeGitHub, url: str) -> None:
    pr = approved_pr(fake)
    reviewed = pr.head_sha
    pr.commit({OBJ: b"objective: changed after approval\n"}, author="bob")
    pr.review("carol", "CHANGES_REQUESTED")
    dismissed = pr.review("dave")
    dismissed.dismiss()
    pr.merge("squash", merged_at="2026-02-01T00:00:00Z")
    late = pr.review("erin", submitted_at="2026-02-02T00:00:00Z")
    repo = repo_of(url)
    gh_pr = repo.pull_request(1)
    assert gh_pr is not None
    reviews = [(r.user.login, r.state, r.commit_id, r.submitted_at) for r in gh_pr.reviews()]
    assert [r[:3] for r in reviews] == [
        ("alice", "APPROVED", reviewed),
        ("rita", "APPROVED", reviewed),
        ("carol", "CHANGES_REQUESTED", pr.head_sha),
        ("dave", "DISMISSED", pr.head_sha),
        ("erin", "APPROVED", pr.head_sha),
    ]
    assert reviewed != gh_pr.head.sha == pr.head_sha
    assert reviews[-1][3] is not None and reviews[-1][3] > gh_pr.merged_at
    assert late.submitted_at == "2026-02-02T00:00:00Z"
    # The blob at the reviewed commit differs from the blob on main: what a stale approval looks like.
    assert repo.file_contents(OBJ, ref=reviewed).sha != repo.file_contents(OBJ, ref="main").sha


def test_ghost_reviewer_crashes_github3_but_raw_json_works(fake: FakeGitHub, url: str) -> None:
    pr = approved_pr(fake)
    pr.review(None, "APPROVED")  # the reviewer's account was deleted
    pr.merge("merge")
    gh_pr = repo_of(url).pull_request(1)
    assert gh_pr is not None
    with pytest.raises(TypeError):  # github3 4.0.1: ShortUser(None) → TypeError, not IncompleteResponse
        list(gh_pr.reviews())
    raw = gh_pr._json(gh_pr._get(gh_pr._api + "/reviews", params={"per_page": 100}), 200)
    assert [r["user"] and r["user"]["login"] for r in raw] == ["alice", "rita", None]


def test_pr_files_commits_and_is_merged(fake: FakeGitHub, url: str) -> None:
    fake.commit("add-obj", {"old.md": b"a\n"}, "one")
    fake.commit("add-obj", {"old.md": None, OBJ: b"o\n"}, "two")
    pr = fake.open_pr("add-obj")
    gh_pr = repo_of(url).pull_request(1)
    assert gh_pr is not None and not gh_pr.is_merged() and gh_pr.mergeable
    assert [(f.filename, f.status, f.sha) for f in gh_pr.files()] == [(OBJ, "added", blob_sha(b"o\n"))]
    assert [c.sha for c in gh_pr.commits()] == list(reversed(pr.commit_shas()))
    pr.merge("merge")
    assert gh_pr.is_merged()


# --------------------------------------------------------------------------- teams
def test_team_membership(fake: FakeGitHub, url: str) -> None:
    fake.add_team("acme/sub-leads", {"sam": "active", "pat": "pending"}, parent="acme/ml-tech-leads")
    gh = client(url)
    assert membership(gh, "ml-tech-leads", "alice") | {"ETag": None, "Last-Modified": None} == {
        "url": f"{fake.api}/orgs/acme/teams/ml-tech-leads/memberships/alice",
        "role": "member",
        "state": "active",
        "ETag": None,
        "Last-Modified": None,
    }
    assert membership(gh, "ml-tech-leads", "carol")["state"] == "pending"
    assert membership(gh, "ml-tech-leads", "sam")["state"] == "active"  # child-team member counts
    assert membership(gh, "ml-tech-leads", "pat")["state"] == "pending"
    with pytest.raises(gh_exc.NotFoundError):
        membership(gh, "ml-tech-leads", "rita")
    with pytest.raises(gh_exc.NotFoundError):
        membership(gh, "sub-leads", "alice")  # parent membership does not flow down
    with pytest.raises(gh_exc.NotFoundError):
        membership(gh, "no-such-team", "alice")
    org = gh.organization("acme")
    team = org.team_by_name("sub-leads")
    assert team.slug == "sub-leads" and team.url == f"{fake.api}/orgs/acme/teams/sub-leads"
    assert team.membership_for("sam")["state"] == "active"
    assert sorted(u.login for u in gh.organization("acme").team_by_name("ml-tech-leads").members()) == ["alice", "sam"]


# --------------------------------------------------------------------------- protection, rules, statuses
def test_branch_protection(fake: FakeGitHub, url: str) -> None:
    repo = repo_of(url)
    branch = repo.branch("main")
    assert branch.protected
    prot = branch.protection()
    prr = prot.required_pull_request_reviews
    assert prr.required_approving_review_count == 2 and prr.dismiss_stale_reviews and prr.require_code_owner_reviews
    assert prr.as_dict()["require_last_push_approval"] is True  # not parsed by github3
    assert prot.enforce_admins.enabled and prot.required_status_checks.strict
    assert prot.allow_force_pushes.enabled is False
    assert prot.required_status_checks.original_contexts == ["objective-gate"]
    assert prot._api == f"{fake.api}/repos/acme/objectives/branches/main/protection"

    fake.protection = payloads.branch_protection(required_approving_review_count=1, allow_force_pushes=True)
    assert repo.branch("main").protection().allow_force_pushes.enabled is True
    fake.protection = None
    branch = repo.branch("main")
    assert not branch.protected
    with pytest.raises(gh_exc.NotFoundError) as err:
        branch.protection()
    assert err.value.msg == "Branch not protected"


def test_rules_and_codeowners_errors(fake: FakeGitHub, url: str) -> None:
    team_id = fake.teams["acme/ml-tech-leads"].id
    fake.rules["main"] = [payloads.pull_request_rule(required_reviewers=[payloads.required_reviewer(team_id, ["objectives/**"])])]
    fake.codeowners_errors = [payloads.codeowners_error(2, "Unknown owner", source="* @acme/ghosts")]
    repo = repo_of(url)
    rules = repo._json(repo._get(repo._build_url("rules", "branches", "main", base_url=repo._api)), 200)
    assert rules[0]["type"] == "pull_request" and rules[0]["ruleset_source"] == "acme/objectives"
    assert rules[0]["parameters"]["required_reviewers"][0]["reviewer"] == {"id": team_id, "type": "Team"}
    assert repo._json(repo._get(repo._build_url("rules", "branches", "dev", base_url=repo._api)), 200) == []
    errors = repo._json(repo._get(repo._build_url("codeowners", "errors", base_url=repo._api)), 200)
    assert errors["errors"][0]["line"] == 2 and errors["errors"][0]["kind"] == "Unknown owner"


def test_create_status_roundtrip(fake: FakeGitHub, url: str) -> None:
    head = fake.branch_sha("main")
    assert head is not None
    repo = repo_of(url)
    created = repo.create_status(head, "pending", context="objective-gate/ft-001", description="checking")
    assert created is not None and created.state == "pending" and created.creator.login == "ftgov-bot"
    repo.create_status(head, "success", target_url="https://ci.example/1", context="objective-gate/ft-001", description="allowed")
    assert [s["state"] for s in fake.statuses[head]] == ["pending", "success"]
    combined = repo.commit(head).status()
    assert combined.state == "success" and combined.total_count == 1
    assert [s.state for s in repo.statuses(head)] == ["success", "pending"]  # newest first
    with pytest.raises(gh_exc.UnprocessableEntity):
        repo.create_status(head, "bogus")
    with pytest.raises(gh_exc.UnprocessableEntity):
        repo.create_status("0" * 40, "success")
    post = fake.calls("POST")[0]
    assert post.path == f"/repos/acme/objectives/statuses/{head}" and b"objective-gate/ft-001" in post.body


# --------------------------------------------------------------------------- HTTP behaviour
def test_404s(fake: FakeGitHub, url: str) -> None:
    gh = client(url)
    with pytest.raises(gh_exc.NotFoundError) as err:
        gh.repository("acme", "nope")
    assert err.value.msg == "Not Found"
    assert err.value.response.json() == {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
    repo = gh.repository("acme", "objectives")
    with pytest.raises(gh_exc.NotFoundError):
        repo.file_contents("objectives/missing.yaml", ref="main")
    with pytest.raises(gh_exc.NotFoundError):
        repo.pull_request(42)
    with pytest.raises(gh_exc.NotFoundError):
        repo.branch("nope")
    assert requests.get(f"{url}/not-the-api", timeout=5).status_code == 404


def test_server_error_injection(fake: FakeGitHub, url: str) -> None:
    approved_pr(fake).merge("merge")
    fault = fake.inject(r"/pulls/1$", 502)
    repo = repo_of(url)
    with pytest.raises(gh_exc.ServerError) as err:
        repo.pull_request(1)
    assert err.value.code == 502 and fault.hits == 1
    assert repo.pull_request(1) is not None  # times=1: the next call succeeds
    fake.inject(r"/commits$", 500, times=None)
    for _ in range(2):
        with pytest.raises(gh_exc.ServerError):
            list(repo.commits(sha="main", path=OBJ, number=1))


def test_rate_limits(fake: FakeGitHub, url: str) -> None:
    repo = repo_of(url)
    remaining = fake.rate_remaining
    fake.rate_limited(r"/branches/main$")
    with pytest.raises(gh_exc.ForbiddenError) as err:
        repo.branch("main")
    assert "API rate limit exceeded" in err.value.msg
    assert err.value.response.headers["X-RateLimit-Remaining"] == "0"
    fake.rate_limited(r"/branches/main$", 429)
    with pytest.raises(gh_exc.ClientError) as err429:
        repo.branch("main")
    assert err429.value.code == 429 and err429.value.response.headers["Retry-After"] == "60"
    resp = repo.branch("main")
    assert resp is not None
    assert fake.rate_remaining == remaining - 3
    core = client(url).rate_limit()["resources"]["core"]
    assert core["remaining"] == fake.rate_remaining and core["used"] == 5000 - fake.rate_remaining
    fake.rate_remaining = 0
    with pytest.raises(gh_exc.ForbiddenError):
        repo.branch("main")


def test_etag_304_round_trip(fake: FakeGitHub, url: str) -> None:
    approved_pr(fake).merge("merge")
    repo = repo_of(url)
    it = repo.commits(sha="main", path=OBJ, number=1)
    first = list(it)
    assert len(first) == 1 and it.etag
    remaining = fake.rate_remaining
    again = repo.commits(sha="main", path=OBJ, number=1, etag=it.etag)
    assert list(again) == [] and again.last_status == 304  # 304: github3 yields nothing
    assert fake.rate_remaining == remaining  # 304s are free
    assert fake.requests[-1].header("If-None-Match") == it.etag
    raw = requests.get(f"{fake.api}/repos/acme/objectives", headers={"If-None-Match": repo.etag}, timeout=5)
    assert raw.status_code == 304 and raw.content == b"" and raw.headers["ETag"] == repo.etag
    fake.commit("main", {OBJ: b"changed\n"})
    assert list(repo.commits(sha="main", path=OBJ, number=1, etag=it.etag))  # changed → 200
    branch = repo.branch("main")
    assert branch.latest_sha() == branch.commit.sha
    assert branch.latest_sha(differs_from=branch.commit.sha) is None  # 304 → None


def test_review_pagination(fake: FakeGitHub, url: str) -> None:
    pr = approved_pr(fake)
    for i in range(118):
        pr.review(f"user{i % 7}", "COMMENTED")
    gh_pr = repo_of(url).pull_request(1)
    assert gh_pr is not None
    reviews = list(gh_pr.reviews())
    assert len(reviews) == 120 and [r.id for r in reviews] == sorted(r.id for r in reviews)
    pages = fake.calls("GET", r"/pulls/1/reviews$")
    assert [(r.query.get("per_page"), r.query.get("page")) for r in pages] == [("100", None), ("100", "2")]
    small = requests.get(f"{fake.api}/repos/acme/objectives/pulls/1/reviews?per_page=50&page=2", timeout=5)
    assert len(small.json()) == 50 and set(small.links) == {"next", "last", "prev", "first"}
    assert small.links["last"]["url"].endswith("page=3")


def test_commit_history_pagination_follows_git_log(fake: FakeGitHub, url: str) -> None:
    shas = [fake.commit("main", {OBJ: f"v{i}\n".encode()}) for i in range(5)]
    fake.commit("main", {"unrelated.md": b"u\n"})
    repo = repo_of(url)
    listed = [c.sha for c in repo.commits(sha="main", path=OBJ, per_page=2)]
    assert listed == list(reversed(shas)) == fake.git.log("main", OBJ)
    assert len(fake.calls("GET", r"/commits$")) == 3


def test_timeout_malformed_and_incomplete(fake: FakeGitHub, url: str) -> None:
    approved_pr(fake).merge("merge")
    fake.delayed(r"/pulls/1$", 1.0)
    slow = client(url, default_connect_timeout=1, default_read_timeout=0.2).repository("acme", "objectives")
    with pytest.raises(gh_exc.ConnectionError):  # requests' ReadTimeout, wrapped by github3
        slow.pull_request(1)
    repo = repo_of(url)
    fake.malformed_json(r"/pulls/1$")
    with pytest.raises(gh_exc.UnexpectedResponse):
        repo.pull_request(1)
    fake.incomplete(r"/pulls/1$", "merged_by")
    with pytest.raises(gh_exc.IncompleteResponse):
        repo.pull_request(1)
    fake.incomplete(r"/pulls/1/reviews$", "user.html_url")
    gh_pr = repo.pull_request(1)
    assert gh_pr is not None
    with pytest.raises(gh_exc.IncompleteResponse):
        list(gh_pr.reviews())
    assert len(list(gh_pr.reviews())) == 2  # faults are used up


def test_token_checked_when_configured(fake: FakeGitHub, url: str) -> None:
    fake.token = TOKEN
    assert repo_of(url).full_name == "acme/objectives"
    bad = github3.GitHubEnterprise(url, token="wrong")
    with pytest.raises(gh_exc.AuthenticationFailed):
        bad.repository("acme", "objectives")


def test_concurrent_requests(fake: FakeGitHub, url: str) -> None:
    results: list[int] = []

    def hit() -> None:
        results.append(requests.get(f"{fake.api}/repos/acme/objectives/branches/main", timeout=10).status_code)

    threads = [threading.Thread(target=hit) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 16 and len(fake.requests) == 16


def test_scenario_errors(fake: FakeGitHub) -> None:
    fake.commit("a", {OBJ: b"a\n"})
    fake.commit("b", {OBJ: b"b\n"})
    fake.open_pr("a").merge("merge")
    with pytest.raises(GitError):
        fake.open_pr("b").merge("merge")  # a real conflict
    with pytest.raises(ValueError):
        fake.open_pr("no-such-branch")
    with pytest.raises(RuntimeError):
        fake.pull(1).merge()
    with pytest.raises(ValueError):
        fake.pull(2).review("x", "LGTM")


def test_second_repository_and_other_default_branch(tmp_path: Path) -> None:
    fake = FakeGitHub(tmp_path, "acme/objectives", default_branch="trunk")
    other = fake.add_repo("bob/personal", owner_type="User", initial_files={"a.txt": "hi\n"})
    fake.commit("feature", {OBJ: b"x\n"})
    assert fake.open_pr("feature").base_ref == "trunk"
    with fake.serve() as url:
        gh = client(url)
        repo = gh.repository("acme", "objectives")
        assert repo.default_branch == "trunk" and repo.branch("trunk").commit.sha == fake.branch_sha("trunk")
        personal = gh.repository("bob", "personal")
        assert personal.owner.type == "User" and personal.file_contents("a.txt").decoded == b"hi\n"
        assert [c.sha for c in personal.commits()] == [other.branch_sha("main")]
        with pytest.raises(gh_exc.NotFoundError):
            gh.organization("bob")
