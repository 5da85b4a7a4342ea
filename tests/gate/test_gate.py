"""`ftgov gate` against a loopback GitHub backed by a real git repository.

Each deny path of DESIGN.md's gate semantics has a scenario; every scenario ends in a
decision read through github3.py from the fake, never from a local checkout.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ftgov.gate.attestation import Attestation
from ftgov.gate.forge import git_blob_sha
from ftgov.gate.forge.github import GitHubForge
from ftgov.gate.gate import GateDenied, decide, require_approved

from ..conftest import FIXTURES, REPO_FIXTURE, ROOT, governance_files, run_ftgov
from ..fakegithub import FakeGitHub, PullRequest

TOKEN = "ghp_test_token_never_printed_0123456789"
R4 = "objectives/support-agent/support-agent-r4.yaml"
R4_TEXT = (FIXTURES / "valid" / "support-agent-r4.yaml").read_bytes()  # risk tier medium: technical + risk
R3 = "objectives/support-agent/support-agent-r3.yaml"  # risk tier high: technical + risk + independent


def _initial_files() -> dict[str, bytes]:
    """The tests' own policy and worked example (tests/fixtures/repo), never the organisation's: see repository.py."""
    return governance_files()


@pytest.fixture
def fake(tmp_path: Path) -> FakeGitHub:
    """acme/governance whose policy, schemas and example objectives arrived in PR #1, approved by every role.

    The gate checks how everything it trusts reached the branch, so the history starts
    the way a governed repository does: a README pushed, then the governance files merged
    through a reviewed pull request.
    """
    world = FakeGitHub(tmp_path / "github", repo="acme/governance", token=TOKEN)
    world.add_team("acme/ml-tech-leads", {"alice": "active", "tom": "active", "carol": "pending"})
    world.add_team("acme/model-risk", {"rita": "active"})
    world.add_team("acme/model-risk-emea", {"emil": "active"}, parent="acme/model-risk")
    world.add_team("acme/model-validation", {"ivan": "active"})
    world.commit("adopt-ftgov", _initial_files(), "Adopt ftgov: policy, schemas and the first objectives", author="bob")
    adopt = world.open_pr("adopt-ftgov", author_login="bob", title="Adopt ftgov")
    for login in ("alice", "rita", "ivan"):
        adopt.review(login)
    adopt.merge("squash")
    return world


@pytest.fixture
def url(fake: FakeGitHub) -> Iterator[str]:
    with fake.serve() as served:
        yield served


def forge(url: str, tmp_path: Path, **options: object) -> GitHubForge:
    return GitHubForge("acme/governance", TOKEN, github_url=url, cache_dir=tmp_path / "cache", backoff=0.01, **options)  # type: ignore[arg-type]


def propose(fake: FakeGitHub, path: str = R4, content: bytes = R4_TEXT, branch: str = "add-r4", author: str = "bob") -> PullRequest:
    fake.commit(branch, {path: content}, f"Propose {path}", author=author)
    return fake.open_pr(branch, author_login=author, title=f"Propose {path}")


def approved(fake: FakeGitHub, *reviewers: str, **kwargs: object) -> PullRequest:
    pr = propose(fake, **kwargs)  # type: ignore[arg-type]
    for login in reviewers or ("alice", "rita"):
        pr.review(login)
    return pr


def run(url: str, tmp_path: Path, objective: str = "support-agent-r4", **kwargs: object) -> Attestation:
    return decide(forge(url, tmp_path), objective, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["merge", "squash", "rebase"])
def test_allows_an_objective_merged_with_every_required_approval(fake: FakeGitHub, url: str, tmp_path: Path, method: str) -> None:
    pr = approved(fake)
    pr.merge(method)
    attestation = run(url, tmp_path)
    assert attestation.decision == "allow", attestation.reasons
    assert attestation.exit_code == 0
    assert attestation.pull_request == pr.number
    assert attestation.blob_sha == git_blob_sha(R4_TEXT)
    assert attestation.head_sha == fake.branch_sha("main")
    assert attestation.objective_path == R4
    assert {(a.login, a.role) for a in attestation.approvals} == {("alice", "technical"), ("rita", "risk")}
    payload = attestation.to_json()
    assert payload["merged_at"].endswith("Z") and payload["reasons"] == []
    assert payload["approvals"][0]["submitted_at"].endswith("Z")


def test_high_tier_needs_three_different_people(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    text = (REPO_FIXTURE / R3).read_bytes().replace(b"li-ml", b"dana-ml")
    pr = approved(fake, "alice", "rita", path=R3, content=text, branch="r3-owner")
    pr.merge("merge")
    denied = run(url, tmp_path, "support-agent-r3")
    assert denied.decision == "deny"
    assert any("role independent" in reason for reason in denied.reasons)
    # A later PR approved by all three does not launder the first one (issue 8, item 4).
    pr2 = approved(fake, "alice", "rita", "ivan", path=R3, content=text.replace(b"dana-ml", b"li-ml"), branch="r3-back")
    pr2.merge("squash")
    still = run(url, tmp_path, "support-agent-r3")
    assert still.decision == "deny" and still.pull_request == pr2.number
    assert any(r.startswith(f"{R3}: PR #{pr.number} (an earlier change) was approved by technical, risk only") for r in still.reasons)


def test_high_tier_allows_three_different_people(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    text = (REPO_FIXTURE / R3).read_bytes().replace(b"li-ml", b"dana-ml")
    approved(fake, "alice", "rita", "ivan", path=R3, content=text, branch="r3-owner").merge("squash")
    allowed = run(url, tmp_path, "support-agent-r3")
    assert allowed.decision == "allow", allowed.reasons
    assert sorted(a.role for a in allowed.approvals) == ["independent", "risk", "technical"]


def test_unknown_objective_is_a_deny_not_an_error(url: str, tmp_path: Path) -> None:
    attestation = run(url, tmp_path, "support-agent-r9")
    assert attestation.exit_code == 1
    assert "no objective support-agent-r9 on main" in attestation.reasons[0]


def test_objective_only_on_an_unmerged_branch_is_denied(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    approved(fake)  # approved but never merged
    attestation = run(url, tmp_path)
    assert attestation.exit_code == 1 and "no objective support-agent-r4 on main" in attestation.reasons[0]


def test_direct_push_is_denied(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    fake.commit("main", {R4: R4_TEXT}, "Add r4 without review", author="bob")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert "did not come from a pull request merged into main" in attestation.reasons[0]


def test_direct_push_after_the_merge_is_denied(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    approved(fake).merge("merge")
    fake.commit("main", {R4: R4_TEXT.replace(b"min_improvement: 0.2", b"min_improvement: 0.3")}, "tweak", author="bob")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert "direct push" in attestation.reasons[0]


def test_force_push_that_drops_the_merge_is_denied(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    before = fake.branch_sha("main")
    assert before is not None
    approved(fake).merge("merge")
    fake.force_branch("main", before)
    fake.commit("main", {R4: R4_TEXT}, "Re-add r4 on rewritten history", author="bob")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert "did not come from a pull request merged into main" in attestation.reasons[0]


def test_commits_of_a_closed_pr_pushed_directly_are_denied(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    pr = approved(fake)
    pr.close()
    fake.force_branch("main", pr.head_sha)  # fast-forward main to the closed PR's head
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"


def test_invalid_objective_is_denied_with_its_findings(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    looser = R4_TEXT.replace(b"    max_drop: 0.01\n    safety: true", b"    max_drop: 0.05\n    safety: true")
    approved(fake, content=looser).merge("merge")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert attestation.reasons[0] == "objective support-agent-r4 does not validate on main"
    assert attestation.reasons[1].startswith(f"{R4}:32:15: FTG305")


def test_stale_approval_on_an_earlier_commit_is_denied(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    pr = approved(fake)
    pr.commit({R4: R4_TEXT.replace(b"epochs: 2", b"epochs: 3")}, "more epochs")
    pr.review("rita")  # rita re-approves the new head; alice's approval is stale
    pr.merge("squash")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert any("alice approved" in r and "stale" in r for r in attestation.reasons)


def test_approval_after_the_merge_does_not_count(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    pr = approved(fake, "rita")
    pr.merge("merge")
    pr.review("alice")  # GitHub accepts reviews on merged PRs; they are after merged_at
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert any("alice approved after the merge" in r for r in attestation.reasons)


@pytest.mark.parametrize("withdrawal", ["CHANGES_REQUESTED", "DISMISSED"])
def test_withdrawn_approval_does_not_count(fake: FakeGitHub, url: str, tmp_path: Path, withdrawal: str) -> None:
    pr = approved(fake)
    if withdrawal == "DISMISSED":
        pr.reviews[0].dismiss()
    else:
        pr.review("alice", state="CHANGES_REQUESTED")
        pr.review("alice", state="COMMENTED")  # a later comment does not restore or replace anything
    pr.merge("merge")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert any(f"alice's latest review is {withdrawal}" in r for r in attestation.reasons)


def test_author_cannot_fill_a_role_and_non_members_do_not_count(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    # tom, an active tech lead, authors and approves his own PR: only alice can fill technical.
    pr = approved(fake, "rita", "carol", "mallory", author="tom")
    pr.review("tom")
    pr.merge("merge")
    denied = run(url, tmp_path)
    assert denied.decision == "deny"
    reasons = " ".join(denied.reasons)
    assert "tom is the PR author and cannot approve it" in reasons
    assert "not active members of acme/ml-tech-leads:" in reasons and "carol" in reasons and "mallory" in reasons
    assert "(invitation pending)" in reasons  # carol was invited, not yet a member


def test_an_author_in_a_role_team_leaves_the_role_to_another_member(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    fixed = approved(fake, "alice", "rita", "carol", author="tom")
    fixed.review("tom")
    fixed.merge("merge")
    allowed = run(url, tmp_path)
    assert allowed.decision == "allow", allowed.reasons
    assert {a.login for a in allowed.approvals} == {"alice", "rita"}


def test_one_person_cannot_fill_two_roles(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    fake.add_team("acme/model-risk", {"rita": "active", "alice": "active"})
    approved(fake, "alice").merge("merge")
    assert run(url, tmp_path).decision == "deny"


def test_the_matching_gives_each_person_the_role_only_they_can_fill(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    fake.add_team("acme/model-risk", {"rita": "active", "alice": "active"})
    # alice could fill either role, rita only risk: alice must take technical.
    approved(fake, "alice", "rita").merge("merge")
    allowed = run(url, tmp_path)
    assert allowed.decision == "allow", allowed.reasons
    assert {(a.login, a.role) for a in allowed.approvals} == {("alice", "technical"), ("rita", "risk")}


def test_child_team_members_count(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    approved(fake, "alice", "emil").merge("merge")
    attestation = run(url, tmp_path)
    assert attestation.decision == "allow", attestation.reasons
    assert ("emil", "risk") in {(a.login, a.role) for a in attestation.approvals}


def test_started_at_before_the_merge_is_denied(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    approved(fake).merge("merge")
    merged_at = run(url, tmp_path).merged_at
    assert merged_at is not None
    early = run(url, tmp_path, started_at=merged_at - dt.timedelta(seconds=1))
    assert early.decision == "deny" and "before the objective was merged" in early.reasons[0]
    assert run(url, tmp_path, started_at=merged_at).decision == "allow"


def test_a_later_unapproved_pr_touching_the_objective_is_the_one_judged(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    approved(fake).merge("merge")
    later = propose(fake, content=R4_TEXT.replace(b"epochs: 2", b"epochs: 6"), branch="quiet-change")
    later.merge("squash")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert attestation.pull_request == later.number


def test_policy_is_read_from_the_pinned_commit(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    policy = (
        (REPO_FIXTURE / "policies" / "policy.yaml")
        .read_bytes()
        .replace(b"medium: [technical, risk]", b"medium: [technical, risk, independent]")
    )
    fake.commit("main", {"policies/policy.yaml": policy}, "medium tier needs independent review")
    approved(fake).merge("merge")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert any("role independent" in r for r in attestation.reasons)
    assert attestation.policy_blob_sha == git_blob_sha(policy)


def test_require_approved_returns_or_raises(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    with pytest.raises(GateDenied) as denied:
        require_approved("support-agent-r4", repo="acme/governance", github_url=url, token=TOKEN, cache_dir=tmp_path / "c")
    assert denied.value.attestation.exit_code == 1
    approved(fake).merge("merge")
    attestation = require_approved("support-agent-r4", repo="acme/governance", github_url=url, token=TOKEN, cache_dir=tmp_path / "c")
    assert attestation.allowed


def test_cold_and_warm_call_counts(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    approved(fake).merge("merge")
    before = len(fake.requests)
    cold = run(url, tmp_path)
    cold_requests = len(fake.requests) - before
    assert cold.decision == "allow" and cold.stats is not None
    assert cold.stats.requests == cold_requests <= 22  # with provenance; test_gate_provenance measures 1 and 5 revisions
    before = len(fake.requests)
    warm = run(url, tmp_path)
    assert warm.decision == "allow" and warm.stats is not None
    warm_requests = len(fake.requests) - before
    assert warm.stats.requests == warm_requests < cold_requests
    assert warm.stats.served_from_cache >= 2  # the objective and policy blobs
    assert warm.stats.not_modified == warm_requests  # warm: only 304s
    print(f"\ncall counts: cold {cold_requests}, warm {warm_requests} ({warm.stats.not_modified} not modified)")


def _ftgov(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_ftgov(*args, env=env)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "xdg"), **extra}


def test_cli_exit_codes_and_no_token_leak(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    approved(fake).merge("merge")
    base = ["gate", "support-agent-r4", "--repo", "acme/governance", "--github-url", url]
    no_token = _ftgov([*base], _env(tmp_path))
    assert no_token.returncode == 2 and "GITHUB_TOKEN" in no_token.stderr and "Traceback" not in no_token.stderr
    naive = _ftgov([*base, "--started-at", "2026-11-22T09:30:00"], _env(tmp_path, GITHUB_TOKEN=TOKEN))
    assert naive.returncode == 2 and "time zone" in naive.stderr
    allowed = _ftgov([*base, "--format", "json", "--verbose"], _env(tmp_path, GITHUB_TOKEN=TOKEN))
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout)["decision"] == "allow"
    assert "request(s) to the forge" in allowed.stderr
    denied = _ftgov(["gate", "support-agent-r9", "--repo", "acme/governance", "--github-url", url], _env(tmp_path, GH_TOKEN=TOKEN))
    assert denied.returncode == 1 and denied.stdout.startswith("DENY")
    for done in (no_token, naive, allowed, denied):
        assert TOKEN not in done.stdout + done.stderr
    assert all(r.header("Authorization") == f"token {TOKEN}" for r in fake.requests)
    cache_files = list((tmp_path / "xdg" / "ftgov" / "github").iterdir())
    assert cache_files and all(TOKEN not in f.read_text() for f in cache_files)


def test_a_missing_parent_on_the_branch_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    orphan = R4_TEXT.replace(b"parent: support-agent-r3", b"parent: support-agent-r7")
    approved(fake, content=orphan).merge("merge")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert any("model.parent support-agent-r7" in r for r in attestation.reasons)


POLICY_TEXT = (REPO_FIXTURE / "policies" / "policy.yaml").read_bytes()
RELAXED = POLICY_TEXT.replace(b"medium: [technical, risk]", b"medium: [technical]")


def test_a_direct_push_relaxing_the_policy_after_the_merge_does_not_allow(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    approved(fake, "alice").merge("squash")  # medium tier needs technical and risk; only alice approved
    fake.commit("main", {"policies/policy.yaml": RELAXED}, "relax", author="mallory")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert attestation.required_roles == ("technical", "risk")


def test_relaxing_the_policy_in_the_objectives_own_pr_does_not_allow(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    fake.commit("add-r4", {"policies/policy.yaml": RELAXED}, "relax", author="bob")
    approved(fake, "alice").merge("merge")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny" and any("role risk" in r for r in attestation.reasons)


def test_lowering_the_risk_tier_in_the_pr_keeps_the_old_tier(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    lowered = (REPO_FIXTURE / R3).read_bytes().replace(b"risk_tier: high", b"risk_tier: low")
    approved(fake, "alice", path=R3, content=lowered, branch="lower").merge("squash")
    attestation = run(url, tmp_path, "support-agent-r3")
    assert attestation.decision == "deny"
    assert attestation.risk_tier == "high" and attestation.required_roles == ("technical", "risk", "independent")


def test_a_tier_the_policy_does_not_know_needs_approval_anyway(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    schema = json.loads((ROOT / "policies" / "objective.schema.json").read_text())
    schema["properties"]["model"]["properties"]["risk_tier"]["enum"].append("none")
    fake.commit("add-r4", {"policies/objective.schema.json": json.dumps(schema).encode()}, "new tier", author="bob")
    propose(fake, content=R4_TEXT.replace(b"risk_tier: medium", b"risk_tier: none")).merge("squash")  # no reviews at all
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert attestation.risk_tier == "high"


def test_a_token_with_a_trailing_newline_is_a_usage_error_that_quotes_nothing(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    done = _ftgov(
        ["gate", "support-agent-r4", "--repo", "acme/governance", "--github-url", url, "--format", "json"],
        _env(tmp_path, GITHUB_TOKEN=TOKEN + "\n"),
    )
    assert done.returncode == 2 and "whitespace or control characters" in done.stderr
    assert TOKEN not in done.stdout + done.stderr and fake.requests == []
