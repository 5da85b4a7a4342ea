"""`ftgov approvals` is governed by default: what a PR changes outside objectives/ and registers/
needs the highest tier's roles unless the BASE policy lists it as ungoverned."""

from __future__ import annotations

import pytest

from ftgov.gate.approvals import ApprovalsReport, check_pull_request
from ftgov.gate.forge.github import GitHubAdmin

from ..conftest import REPO_FIXTURE
from ..fakegithub import FakeGitHub, PullRequest
from .test_gate import R3, R4_TEXT, TOKEN, fake, url  # noqa: F401 - pytest fixtures

pytestmark = pytest.mark.usefixtures("url")

HIGH = ("technical", "risk", "independent")
POLICY = "policies/policy.yaml"
POLICY_TEXT = (REPO_FIXTURE / POLICY).read_bytes()


def _check(url: str, number: int) -> ApprovalsReport:  # noqa: F811
    return check_pull_request(GitHubAdmin("acme/governance", TOKEN, github_url=url, cache_dir=None, backoff=0.01), number)


def _policy_with_ungoverned(*patterns: str) -> bytes:
    listed = ", ".join(f'"{p}"' for p in patterns)
    return POLICY_TEXT.replace(b"approvals:\n", f"approvals:\n  ungoverned_paths: [{listed}]\n".encode(), 1)


def _open(fake: FakeGitHub, branch: str, files: dict[str, bytes | None]) -> PullRequest:  # noqa: F811
    fake.commit(branch, files, f"change {', '.join(files)}", author="bob")
    return fake.open_pr(branch, author_login="bob")


def _pr(fake: FakeGitHub, branch: str, files: dict[str, bytes | None]) -> int:  # noqa: F811
    return _open(fake, branch, files).number


def test_build_configuration_and_a_new_test_package_need_the_highest_tier(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    # The review's case: an always-allow copy of ftgov rebuilt from pyproject.toml and tests/.
    pr = _open(fake, "build", {"pyproject.toml": b"[project]\nname = 'ftgov'\n", "tests/evil/__init__.py": b"ALLOW = True\n"})
    report = _check(url, pr.number)
    assert report.state == "failure"
    assert report.roles == HIGH
    assert {(j.path, j.tier, j.why) for j in report.judged} == {
        ("pyproject.toml", "high", "governed by default"),
        ("tests/evil/__init__.py", "high", "governed by default"),
    }
    pr.review("alice")
    pr.review("rita")
    assert _check(url, pr.number).state == "failure"  # two of three roles are not enough
    pr.review("ivan")
    assert _check(url, pr.number).state == "success"


def test_paths_the_base_policy_lists_as_ungoverned_need_no_role(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    fake.commit("main", {POLICY: _policy_with_ungoverned("docs/**")}, "docs are ungoverned")
    number = _pr(fake, "docs", {"docs/guide.md": b"# guide\n", "docs/img/flow.svg": b"<svg/>"})
    report = _check(url, number)
    assert report.state == "success" and report.roles == () and report.judged == ()
    assert report.ungoverned == ("docs/guide.md", "docs/img/flow.svg")
    assert "ungoverned" in report.description


def test_a_pr_cannot_mark_its_own_changes_ungoverned(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    number = _pr(fake, "docs-and-policy", {"docs/guide.md": b"# guide\n", POLICY: _policy_with_ungoverned("docs/**")})
    report = _check(url, number)
    assert report.state == "failure" and report.roles == HIGH
    assert {j.path for j in report.judged} == {"docs/guide.md", POLICY}
    assert report.ungoverned == ()


def test_the_governance_core_stays_governed_whatever_the_policy_lists(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    fake.commit("main", {POLICY: _policy_with_ungoverned("**")}, "everything ungoverned")
    number = _pr(
        fake,
        "core",
        {"README.md": b"# hi\n", ".github/workflows/x.yaml": b"on: push\n", "CODEOWNERS": b"* @acme/anyone\n", "policies/x.json": b"{}"},
    )
    report = _check(url, number)
    assert report.roles == HIGH
    assert {j.path for j in report.judged} == {".github/workflows/x.yaml", "CODEOWNERS", "policies/x.json"}
    assert report.ungoverned == ("README.md",)


def test_a_register_change_needs_its_models_highest_tier(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    low = R4_TEXT.replace(b"risk_tier: medium", b"risk_tier: low")
    fake.commit("main", {"objectives/tiny/tiny-r1.yaml": low}, "a low-tier model")
    only_register = _pr(fake, "reg", {"registers/tiny.yaml": b"model: tiny\n", "registers/tiny/tiny-r1.evaluation.json": b"{}"})
    report = _check(url, only_register)
    assert report.roles == ("technical",)
    assert {j.why for j in report.judged} == {"register of model tiny"}
    # An objective of the same model raised to medium at head raises what its register needs.
    raised = _pr(fake, "reg2", {"registers/tiny.yaml": b"model: tiny\n", "objectives/tiny/tiny-r2.yaml": R4_TEXT})
    assert _check(url, raised).roles == ("technical", "risk")
    # The support-agent model has high-tier rounds.
    assert _check(url, _pr(fake, "reg3", {"registers/support-agent.yaml": b"model: support-agent\n"})).roles == HIGH
    # A register of a model without any objective is judged at the highest tier.
    assert _check(url, _pr(fake, "reg4", {"registers/ghost.yaml": b"model: ghost\n"})).roles == HIGH


def test_deleting_or_moving_an_objective_needs_its_tier_at_base(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    deleted = _check(url, _pr(fake, "delete-r3", {R3: None}))
    assert deleted.objectives == ((R3, "high"),) and deleted.roles == HIGH
    lowered = (REPO_FIXTURE / R3).read_bytes().replace(b"risk_tier: high", b"risk_tier: low")
    moved = _check(url, _pr(fake, "move-r3", {R3: None, "objectives/support-agent-v2/support-agent-r3.yaml": lowered}))
    assert dict(moved.objectives) == {R3: "high", "objectives/support-agent-v2/support-agent-r3.yaml": "low"}
    assert moved.roles == HIGH


def test_a_file_under_objectives_that_is_not_an_objective_is_governed(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    lowered = (REPO_FIXTURE / R3).read_bytes().replace(b"risk_tier: high", b"risk_tier: low")
    report = _check(url, _pr(fake, "yml", {"objectives/support-agent/support-agent-r9.yml": lowered}))
    assert report.objectives == () and report.roles == HIGH
    assert [j.why for j in report.judged] == ["governed by default"]
