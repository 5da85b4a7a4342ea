"""`ftgov audit-repo --trust-root SHA` (FTG812): after the operator's trust root, every commit came through a merged PR.

The gate accepts the history at or before the trust root as given and judges everything
after it; the audit lists what it would find there before a launcher is refused. The
loopback GitHub serves acme/governance with real git history (tests/test_gate.py's
`fake`: a README pushed, then the governance files squash-merged through PR #1); the
compare API lists the commits after the root, `commits/{sha}/pulls` the PRs each came in.
"""

from __future__ import annotations

import json
import math
import subprocess
from dataclasses import dataclass

import pytest
import requests

from ftgov.documents.findings import Finding, Severity
from ftgov.gate.audit import MAX_LISTED_PUSHES, audit
from ftgov.gate.forge.github import GitHubAdmin

from ..conftest import run_ftgov
from ..fakegithub import FakeGitHub
from .test_gate import TOKEN, fake, url  # noqa: F401 - pytest fixtures

pytestmark = pytest.mark.usefixtures("url")

CODE = "FTG812"
PULLS = r"/commits/[0-9a-f]{40}/pulls$"
COMPARE = r"/compare/"


@dataclass(frozen=True)
class History:
    """main's history: direct pushes on either side of the root, PRs merged every way after it."""

    before: str  # pushed straight to main before the root
    root: str  # the adoption commit the operator pins
    direct: str  # pushed straight to main after the root
    head: str


def admin(url: str) -> GitHubAdmin:  # noqa: F811
    return GitHubAdmin("acme/governance", TOKEN, github_url=url, cache_dir=None, backoff=0.01)


def merged_pr(fake: FakeGitHub, branch: str, method: str, commits: int = 1) -> str:  # noqa: F811
    """A PR of `commits` commits by bob, merged into main with `method`; its merge commit sha."""
    for part in range(commits):
        fake.commit(branch, {f"notes/{branch}-{part}.md": f"{branch} {part}\n".encode()}, f"{branch}: part {part}", author="bob")
    pr = fake.open_pr(branch, author_login="bob", title=branch)
    pr.review("alice")
    return pr.merge(method)


def build(fake: FakeGitHub) -> History:  # noqa: F811
    before = fake.commit("main", {"NOTES.md": b"before ftgov\n"}, "Pushed before ftgov was adopted", author="bob")
    root = merged_pr(fake, "adopt-reviewed-policy", "squash")
    merged_pr(fake, "by-merge", "merge", commits=2)
    merged_pr(fake, "by-squash", "squash", commits=2)
    merged_pr(fake, "by-rebase", "rebase", commits=2)
    direct = fake.commit("main", {"policies/policy.yaml": b"relaxed\n"}, "Relax the policy\n\nNobody reviews this.", author="mallory")
    head = merged_pr(fake, "after-the-push", "merge")
    return History(before, root, direct, head)


def pushes(findings: tuple[Finding, ...]) -> list[str]:
    return [f.message for f in findings if f.rule == CODE]


def after_root(fake: FakeGitHub, history: History) -> list[str]:  # noqa: F811
    return fake.repo.git.rev_list(history.head, history.root)


def message(sha: str, subject: str, who: str) -> str:
    return f"commit {sha[:12]} ({subject}, by {who}) reached main after the trust root without a merged pull request"


def test_only_a_commit_pushed_after_the_root_without_a_merged_pr_is_reported(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    history = build(fake)
    result = audit(admin(url), trust_root=history.root)
    assert pushes(result.findings) == [message(history.direct, "Relax the policy", "mallory")]
    # The README and the push before the root are given; merge, squash and rebase merges came through PRs.
    assert all(history.before[:12] not in m and history.root[:12] not in m for m in pushes(result.findings))
    assert {f.severity for f in result.findings if f.rule == CODE} == {Severity.ERROR}
    assert result.exit_code == 1
    assert "github:history/main" in result.paths
    # The cost: the ancestry check and one page of the comparison, then one PR lookup per commit after the root.
    assert len(fake.calls("GET", COMPARE)) == 2
    assert len(fake.calls("GET", PULLS)) == len(after_root(fake, history))


def test_an_author_without_an_account_is_named_by_email_and_only_the_first_line_is_quoted(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    root = merged_pr(fake, "adopt-reviewed-policy", "squash")
    subject = "Tweak\x1b the register " + "x" * 200  # a terminal escape, and longer than any subject line should be
    direct = fake.commit("main", {"registers/m.yaml": b"rounds: []\n"}, f"{subject}\n\nsecond line", author=("Eve", "eve@example.org"))
    [found] = pushes(audit(admin(url), trust_root=root).findings)
    assert found.startswith(f"commit {direct[:12]} (Tweak the register xxx")
    assert found.endswith("…, by eve@example.org) reached main after the trust root without a merged pull request")
    assert "\x1b" not in found and "second line" not in found and len(found) < 200


def test_a_pr_merged_into_another_branch_does_not_vouch_for_main(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    root = merged_pr(fake, "adopt-reviewed-policy", "squash")
    fake.commit("develop", {"objectives/m/m-r1.yaml": b"x\n"}, "Base develop on main", author="bob")
    fake.commit("feature", {"objectives/m/m-r2.yaml": b"y\n"}, "Add m-r2", author="bob")
    pr = fake.open_pr("feature", base="develop", author_login="bob", title="into develop")
    pr.merge("squash")
    develop = fake.repo.git.branch_sha("develop")
    assert develop is not None
    fake.force_branch("main", develop)  # develop fast-forwarded onto main: no PR into main
    found = pushes(audit(admin(url), trust_root=root).findings)
    assert [m.split(" (")[0] for m in found] == [f"commit {sha[:12]}" for sha in reversed(fake.repo.git.rev_list(develop, root))]


@pytest.mark.parametrize("where", ["unmerged-branch", "unknown-to-github"])
def test_a_root_that_is_not_on_the_branch_is_one_error_finding(fake: FakeGitHub, url: str, where: str) -> None:  # noqa: F811
    history = build(fake)
    root = fake.commit("elsewhere", {"x.md": b"x\n"}, "Not on main", author="bob") if where == "unmerged-branch" else "deadbeef" * 5
    found = [f for f in audit(admin(url), trust_root=root).findings if f.rule == CODE]
    assert [(f.severity, f.path) for f in found] == [(Severity.ERROR, "github:history/main")]
    assert found[0].message.startswith(f"trust root {root} is not main's head {history.head[:12]} nor one of its ancestors")
    assert fake.calls("GET", PULLS) == []


def test_a_root_at_the_head_leaves_nothing_to_list(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    head = merged_pr(fake, "adopt-reviewed-policy", "squash")
    assert pushes(audit(admin(url), trust_root=head).findings) == []
    assert fake.calls("GET", COMPARE) == [] and fake.calls("GET", PULLS) == []


def test_without_a_trust_root_no_history_is_read(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    build(fake)
    result = audit(admin(url))
    assert pushes(result.findings) == []
    assert "github:history/main" not in result.paths
    assert fake.calls("GET", COMPARE) == [] and fake.calls("GET", PULLS) == []


def test_more_direct_pushes_than_are_listed_are_counted(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    root = merged_pr(fake, "adopt-reviewed-policy", "squash")
    shas = [fake.commit("main", {"NOTES.md": f"{n}\n".encode()}, f"push {n}", author="mallory") for n in range(MAX_LISTED_PUSHES + 3)]
    found = pushes(audit(admin(url), trust_root=root).findings)
    assert found[:MAX_LISTED_PUSHES] == [message(sha, f"push {n}", "mallory") for n, sha in enumerate(shas[:MAX_LISTED_PUSHES])]
    assert found[MAX_LISTED_PUSHES:] == [
        f"... and 3 more commit(s) reached main after the trust root without a merged pull request "
        f"(the first {MAX_LISTED_PUSHES} are listed above, oldest first)"
    ]


def test_commits_between_reads_every_page_oldest_first(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    history = build(fake)
    listed = admin(url).commits_between(history.root, history.head, per_page=2)
    expected = list(reversed(after_root(fake, history)))
    assert [c.sha for c in listed.commits] == expected
    assert listed.total == len(expected) and listed.complete
    assert len(fake.calls("GET", COMPARE)) == math.ceil(len(expected) / 2)
    direct = next(c for c in listed.commits if c.sha == history.direct)
    assert (direct.author_login, direct.message) == ("mallory", "Relax the policy\n\nNobody reviews this.")
    cut = admin(url).commits_between(history.root, history.head, per_page=2, max_pages=2)
    assert len(cut.commits) == 4 and cut.total == len(expected) and not cut.complete


def test_a_comparison_github_cuts_short_is_an_error_not_a_partial_audit(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    history = build(fake)
    headers = {"Authorization": f"token {TOKEN}", "Accept": "application/vnd.github+json"}
    served = f"{fake.api}/repos/acme/governance/compare/{history.root}...{history.head}"
    body = requests.get(served, params={"per_page": 100}, headers=headers, timeout=10).json()
    body["total_commits"] = 10_500  # GitHub lists at most 10,000 commits of a comparison
    fake.inject(COMPARE, 200, times=None, body=body, method="GET")
    found = pushes(audit(admin(url), trust_root=history.root).findings)
    listed = len(after_root(fake, history))
    assert found == [
        f"GitHub's compare API listed {listed} of the 10500 commits on main after the trust root {history.root[:12]}; "
        "the audit judges none of them rather than a part as the whole (list them with "
        f"`git log {history.root[:12]}..main` in a clone, or pin a trust root nearer the head after reviewing them)"
    ]
    assert fake.calls("GET", PULLS) == []


# -- the command line ---------------------------------------------------------------------------


def _cli(url: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:  # noqa: F811
    return run_ftgov("audit-repo", "--repo", "acme/governance", "--github-url", url, *args, env={"GITHUB_TOKEN": TOKEN, **(env or {})})


@pytest.mark.parametrize("given", ["flag", "environment"])
def test_audit_repo_reports_the_direct_push_with_the_flag_or_the_variable(fake: FakeGitHub, url: str, given: str) -> None:  # noqa: F811
    history = build(fake)
    if given == "flag":
        done = _cli(url, "--format", "json", "--trust-root", history.root.upper())
    else:
        done = _cli(url, "--format", "json", env={"FTGOV_TRUST_ROOT": history.root})
    assert done.returncode == 1, done.stderr
    found = [f for f in json.loads(done.stdout)["findings"] if f["rule"] == CODE]
    assert [(f["message"], f["severity"], f["path"]) for f in found] == [
        (message(history.direct, "Relax the policy", "mallory"), "error", "github:history/main")
    ]
    assert "--trust-root" not in done.stderr  # pinned: no advice to pin


def test_without_a_trust_root_the_cli_says_the_whole_history_is_judged(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    build(fake)
    done = _cli(url, "--format", "json")
    assert done.returncode == 1, done.stderr  # the fake's repository has no CODEOWNERS and no required checks
    assert CODE not in {f["rule"] for f in json.loads(done.stdout)["findings"]}
    [note] = done.stderr.splitlines()
    assert note.startswith("ftgov: note: no trust root pinned: the gate judges main's whole history")
    assert "--trust-root SHA" in note and "FTGOV_TRUST_ROOT" in note


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (("--trust-root", "abc123"), {}, "--trust-root"),
        (("--trust-root", "g" * 40), {}, "--trust-root"),
        ((), {"FTGOV_TRUST_ROOT": "main"}, "FTGOV_TRUST_ROOT"),
    ],
    ids=["short", "not-hex", "variable"],
)
def test_a_malformed_trust_root_is_a_usage_error(
    fake: FakeGitHub,  # noqa: F811
    url: str,  # noqa: F811
    args: tuple[str, ...],
    env: dict[str, str],
    named: str,
) -> None:
    done = _cli(url, *args, env=env)
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"ftgov: error: {named} must be a full 40-hex commit sha")
    assert "Traceback" not in done.stderr
    assert fake.requests == []  # refused before asking GitHub anything


def test_help_names_the_trust_root_its_variable_and_the_rule() -> None:
    done = run_ftgov("audit-repo", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "--trust-root SHA" in text and "FTGOV_TRUST_ROOT" in text and CODE in text
