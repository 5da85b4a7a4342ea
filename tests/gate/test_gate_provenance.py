"""Issue 8: the gate verifies how everything it relies on reached the branch.

Each attack from the independent review is a scenario built like tests/test_gate.py (real
commits and merges in the loopback GitHub, reviews, then a decision read through
github3.py), asserting deny with the reason that names the input and the PR. A control
next to most attacks shows the same history with the approvals it needs is allowed, so
the deny is about what the attack changed and nothing else.
"""

# ruff: noqa: F811 - the fake and url fixtures come from test_gate and are parameters here by design
from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ftgov.gate.attestation import Attestation

from ..conftest import REPO_FIXTURE, ROOT, copy_policies, run_ftgov
from ..fakegithub import FakeGitHub, PullRequest, payloads
from .test_gate import R4, R4_TEXT, TOKEN, approved, fake, forge, propose, run, url  # noqa: F401 - pytest fixtures

R1 = "objectives/support-agent/support-agent-r1.yaml"  # risk tier high, no parent: free to move
R1_TEXT = (REPO_FIXTURE / R1).read_bytes()
V2 = "objectives/support-agent-v2/support-agent-r1.yaml"
V2_TEXT = R1_TEXT.replace(b"name: support-agent\n", b"name: support-agent-v2\n").replace(b"risk_tier: high", b"risk_tier: low")
LOW = R1_TEXT.replace(b"risk_tier: high", b"risk_tier: low")
POLICY = "policies/policy.yaml"
POLICY_TEXT = (REPO_FIXTURE / POLICY).read_bytes()
EVERY_ROLE = ("alice", "rita", "ivan")
HIGH_ROLES = ("technical", "risk", "independent")


def change(fake: FakeGitHub, files: dict[str, bytes | None], branch: str, *reviewers: str, method: str = "squash") -> PullRequest:
    """One PR by bob changing files (None deletes), reviewed by reviewers, merged."""
    fake.commit(branch, files, f"Change {', '.join(files)}", author="bob")
    pr = fake.open_pr(branch, author_login="bob", title=f"Change {', '.join(files)}")
    for login in reviewers:
        pr.review(login)
    pr.merge(method)
    return pr


def r1(url: str, tmp_path: Path) -> Attestation:
    return run(url, tmp_path, "support-agent-r1")


# -- 1. moving an objective to another model directory --------------------------------


@pytest.mark.parametrize(("reviewers", "decision"), [(("alice",), "deny"), (EVERY_ROLE, "allow")])
def test_moving_to_another_model_keeps_the_highest_tier(
    fake: FakeGitHub, url: str, tmp_path: Path, reviewers: tuple[str, ...], decision: str
) -> None:
    moved = change(fake, {R1: None, V2: V2_TEXT}, "rename-model", *reviewers)
    attestation = r1(url, tmp_path)
    assert attestation.decision == decision, attestation.reasons
    assert attestation.objective_path == V2 and attestation.pull_request == moved.number
    assert attestation.risk_tier == "high" and attestation.required_roles == HIGH_ROLES
    if decision == "deny":
        assert attestation.reasons[0] == (
            f"{V2}: PR #{moved.number} was approved by technical only; risk tier high (its highest, at {R1}) "
            "needs technical, risk, independent"
        )


# -- 2. renaming to .yml: not an objective, for the gate as for `ftgov check` ----------


def test_a_yml_file_is_not_an_objective_for_the_gate_nor_for_check(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    yml = R1.replace(".yaml", ".yml")
    change(fake, {R1: None, yml: LOW}, "to-yml", *EVERY_ROLE)
    attestation = r1(url, tmp_path)
    assert attestation.decision == "deny" and attestation.exit_code == 1
    assert attestation.reasons[0].startswith("no objective support-agent-r1 on main")
    assert f"found {yml}, which ftgov check rejects (FTG402)" in attestation.reasons[0]
    # The validator agrees: the same file in a checkout is misplaced.
    checkout = tmp_path / "checkout"
    (checkout / "objectives" / "support-agent").mkdir(parents=True)
    copy_policies(checkout)
    (checkout / yml).write_bytes(LOW)
    checked = run_ftgov("check", "--repo-root", str(checkout))
    assert checked.returncode == 1 and "FTG402" in checked.stdout, checked.stdout + checked.stderr


def test_renaming_away_and_back_at_a_lower_tier_keeps_the_highest_tier(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    yml = R1.replace(".yaml", ".yml")
    change(fake, {R1: None, yml: R1_TEXT}, "to-yml", *EVERY_ROLE)
    back = change(fake, {yml: None, R1: LOW}, "back-to-yaml", "alice")
    attestation = r1(url, tmp_path)
    assert attestation.decision == "deny" and attestation.risk_tier == "high"
    assert attestation.reasons[0] == (
        f"{R1}: PR #{back.number} was approved by technical only; risk tier high (its highest, in an earlier version) "
        "needs technical, risk, independent"
    )


@pytest.mark.parametrize("twin", ["objectives/support-agent/archive/support-agent-r1.yaml", "objectives/other/support-agent-r1.yml"])
def test_a_twin_named_for_the_id_denies_as_check_does(fake: FakeGitHub, url: str, tmp_path: Path, twin: str) -> None:
    change(fake, {twin: LOW}, "twin", *EVERY_ROLE)
    attestation = r1(url, tmp_path)
    assert attestation.decision == "deny"
    assert attestation.reasons[0] == f"objective id support-agent-r1 is at several paths on main: {', '.join(sorted([R1, twin]))}"


def test_a_parent_link_only_a_yml_file_satisfies_is_missing(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    r3 = "objectives/support-agent/support-agent-r3.yaml"
    change(fake, {r3: None, r3.replace(".yaml", ".yml"): (REPO_FIXTURE / r3).read_bytes(), R4: R4_TEXT}, "r3-as-yml", *EVERY_ROLE)
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert any("model.parent support-agent-r3 is not an objective of model support-agent" in r for r in attestation.reasons)


# -- 3. deleting, then adding back lower ----------------------------------------------


@pytest.mark.parametrize("where", [R1, V2], ids=["same-path", "other-model-dir"])
def test_deleting_and_re_adding_lower_keeps_the_highest_tier(fake: FakeGitHub, url: str, tmp_path: Path, where: str) -> None:
    change(fake, {R1: None}, "delete-r1", "alice")
    re_added = change(fake, {where: LOW if where == R1 else V2_TEXT}, "re-add-r1", "alice")
    attestation = r1(url, tmp_path)
    assert attestation.decision == "deny" and attestation.risk_tier == "high"
    highest = "in an earlier version" if where == R1 else f"at {R1}"
    assert attestation.reasons[0] == (
        f"{where}: PR #{re_added.number} was approved by technical only; risk tier high (its highest, {highest}) "
        "needs technical, risk, independent"
    )


def test_re_adding_with_every_role_is_a_fresh_start(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    change(fake, {R1: None}, "delete-r1", "alice")
    change(fake, {V2: V2_TEXT}, "re-add-r1", *EVERY_ROLE)
    attestation = r1(url, tmp_path)
    assert attestation.decision == "allow", attestation.reasons


# -- 4. laundering an unapproved change through a later, fully approved one -----------


def test_a_later_fully_approved_pr_does_not_launder_an_earlier_one(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    approved(fake).merge("squash")  # r4 as it should be: technical and risk
    loosened = R4_TEXT.replace(b"max_relative_drop: 0.05", b"max_relative_drop: 0.09")
    loosen = change(fake, {R4: loosened}, "loosen", "alice")
    assert run(url, tmp_path).decision == "deny"
    typo = change(fake, {R4: loosened.replace(b"has never seen.", b"has never seen before.")}, "typo", "alice", "rita", "ivan")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert attestation.pull_request == typo.number and {a.role for a in attestation.approvals} == {"technical", "risk"}
    assert attestation.reasons[0] == (
        f"{R4}: PR #{loosen.number} (an earlier change) was approved by technical only; risk tier medium needs technical, risk"
    )


def test_an_earlier_direct_push_is_named(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    approved(fake).merge("squash")
    pushed = fake.commit("main", {R4: R4_TEXT.replace(b"epochs: 2", b"epochs: 3")}, "quick fix", author="bob")
    change(fake, {R4: R4_TEXT.replace(b"epochs: 2", b"epochs: 4")}, "tidy", "alice", "rita")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert attestation.reasons[0].startswith(f"an earlier change to {R4} ({pushed[:12]}) did not come from a pull request merged into main")


# -- 5. the policy: its provenance and its own checks ---------------------------------

ALL_TECH = POLICY_TEXT.replace(b"risk: acme/model-risk\n", b"risk: acme/ml-tech-leads\n").replace(
    b"independent: acme/model-validation\n", b"independent: acme/ml-tech-leads\n"
)
R4_HIGH = R4_TEXT.replace(b"risk_tier: medium", b"risk_tier: high")


@pytest.mark.parametrize("how", ["technical-only-pr", "direct-push"])
def test_a_policy_change_without_governance_approval_denies(fake: FakeGitHub, url: str, tmp_path: Path, how: str) -> None:
    assert ALL_TECH != POLICY_TEXT
    fake.add_team("acme/ml-tech-leads", {"alice": "active", "tom": "active", "tess": "active"})
    if how == "direct-push":
        pushed = fake.commit("main", {POLICY: ALL_TECH}, "every role is a tech lead", author="bob")
        expected = f"the last change to {POLICY} ({pushed[:12]}) did not come from a pull request merged into main"
    else:
        relax = change(fake, {POLICY: ALL_TECH}, "all-tech", "alice")
        expected = (
            f"{POLICY}: PR #{relax.number} was approved by technical only; a change to the policy or its schemas "
            "(risk tier high under the policy on main when it merged) needs technical, risk, independent"
        )
    objective = approved(fake, "alice", "tom", "tess", content=R4_HIGH, branch="r4-high")
    objective.merge("squash")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert attestation.risk_tier == "high" and {a.login for a in attestation.approvals} == {"alice", "tom", "tess"}
    assert [r for r in attestation.reasons if r.startswith(expected)], attestation.reasons


def test_a_policy_change_with_governance_approval_is_trusted(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    stricter = POLICY_TEXT.replace(b"low: [technical]", b"low: [technical, risk]")
    change(fake, {POLICY: stricter}, "stricter", *EVERY_ROLE)
    approved(fake).merge("squash")
    attestation = run(url, tmp_path)
    assert attestation.decision == "allow", attestation.reasons


def test_a_later_governance_pr_does_not_launder_a_relaxed_policy(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """Every PR in the policy's history is judged under the policy at its own base, not only the last one."""
    fake.add_team("acme/ml-tech-leads", {"alice": "active", "tom": "active", "tess": "active"})
    relax = change(fake, {POLICY: ALL_TECH}, "all-tech", "alice")
    tidy = change(fake, {POLICY: ALL_TECH + b"# tidy\n"}, "tidy", "alice", "tom", "tess")
    approved(fake, "alice", "tom", "tess", content=R4_HIGH, branch="r4-high").merge("squash")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert attestation.reasons[0] == (
        f"{POLICY}: PR #{relax.number} (an earlier change) was approved by technical only; a change to the policy or its schemas "
        "(risk tier high under the policy on main when it merged) needs technical, risk, independent"
    )
    assert tidy.number > relax.number


def test_an_approver_of_a_past_governance_pr_who_left_denies_naming_it(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """Membership is checked now, for every governance PR in the history: fail closed (README, the gate)."""
    approved(fake).merge("squash")
    assert run(url, tmp_path).decision == "allow"
    fake.add_team("acme/model-validation", {"ivan": "pending"})
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert attestation.reasons[0] == (
        f"{POLICY}: PR #1 (the first policy on main, judged under itself) was approved by technical, risk only; "
        "a change to the policy or its schemas (risk tier high under the policy it adds) needs technical, risk, independent"
    )


def test_a_policy_failing_its_own_checks_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    no_independent = POLICY_TEXT.replace(b"high: [technical, risk, independent]", b"high: [technical, risk]")
    change(fake, {POLICY: no_independent}, "drop-independent", *EVERY_ROLE)
    approved(fake).merge("squash")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert attestation.reasons[0].startswith("the policy on main at ") and attestation.reasons[0].endswith("does not validate")
    assert attestation.reasons[1].startswith(f"{POLICY}:") and "FTG602" in attestation.reasons[1]


def test_a_schema_pushed_directly_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    schema = "policies/objective.schema.json"
    pushed = fake.commit("main", {schema: (ROOT / schema).read_bytes() + b"\n"}, "reformat", author="bob")
    approved(fake).merge("squash")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert [r for r in attestation.reasons if r.startswith(f"the last change to {schema} ({pushed[:12]}) did not come from")]


# -- 8. pagination and redirects stay on the API's origin -----------------------------


class _Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None]]

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization")))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"[]")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def elsewhere() -> Iterator[tuple[str, list[tuple[str, str | None]]]]:
    """Another loopback origin that records whatever reaches it."""
    seen: list[tuple[str, str | None]] = []
    handler = type("Recorder", (_Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        with contextlib.suppress(OSError):
            server.server_close()


def test_a_next_link_to_another_origin_is_not_followed(
    fake: FakeGitHub, url: str, tmp_path: Path, elsewhere: tuple[str, list[tuple[str, str | None]]]
) -> None:
    other, seen = elsewhere
    approved(fake).merge("squash")
    link = f'<{other}/api/v3/repos/acme/governance/pulls/2/reviews?page=2>; rel="next"'
    fake.inject(r"/pulls/2/reviews$", 200, body=[], headers={"Link": link}, times=None)
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny" and attestation.exit_code == 3
    port = other.rsplit(":", 1)[1]
    assert (
        f"next-page link points to http://127.0.0.1:{port}, not http://127.0.0.1:{url.rsplit(':', 1)[1]}; not followed"
        in (attestation.reasons[0])
    )
    assert seen == []


def test_a_redirect_to_another_origin_is_refused_before_sending(
    fake: FakeGitHub, url: str, tmp_path: Path, elsewhere: tuple[str, list[tuple[str, str | None]]]
) -> None:
    other, seen = elsewhere
    approved(fake).merge("squash")
    fake.inject(r"/branches/main$", 302, body={}, headers={"Location": f"{other}/api/v3/repos/acme/governance/branches/main"})
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny" and attestation.exit_code == 3
    assert "refused to send a request to http://127.0.0.1:" in attestation.reasons[0]
    assert seen == []


def test_a_redirect_within_the_origin_is_followed(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    approved(fake).merge("squash")
    fake.inject(r"^/repos/acme/governance$", 301, body={}, headers={"Location": f"{url}/api/v3/repos/acme/governance?moved=1"})
    attestation = run(url, tmp_path)
    assert attestation.decision == "allow", attestation.reasons
    assert fake.calls("GET", r"^/repos/acme/governance$")[-1].header("Authorization") == f"token {TOKEN}"


# -- 9. the branch ----------------------------------------------------------------------


def _release_listed(fake: FakeGitHub) -> None:
    listed = POLICY_TEXT.replace(b"waivers: []", b"gate:\n  branches: [release]\nwaivers: []")
    assert listed != POLICY_TEXT
    change(fake, {POLICY: listed}, "list-release", *EVERY_ROLE)


def test_a_branch_other_than_the_default_is_refused_unless_listed(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    approved(fake).merge("squash")
    main = fake.branch_sha("main")
    assert main is not None
    fake.force_branch("release", main)
    fake.repo.protections["release"] = payloads.branch_protection()
    attestation = run(url, tmp_path, branch="release")
    assert attestation.decision == "deny"
    assert attestation.reasons == (
        "release is not the repository's default branch (main) and the policy on it does not list it under gate.branches",
    )


def test_a_listed_branch_must_also_be_protected(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    _release_listed(fake)
    approved(fake).merge("squash")
    main = fake.branch_sha("main")
    assert main is not None
    fake.force_branch("release", main)
    unprotected = run(url, tmp_path, branch="release")
    assert unprotected.decision == "deny"
    assert unprotected.reasons == ("release is listed under gate.branches but GitHub does not report it protected; protect it or use main",)
    fake.repo.protections["release"] = payloads.branch_protection()
    protected = run(url, tmp_path, branch="release")
    assert protected.decision == "allow", protected.reasons
    assert protected.branch == "release" and protected.head_sha == main


# -- the call budget ----------------------------------------------------------------------


def _counts(fake: FakeGitHub, url: str, tmp_path: Path) -> tuple[int, int, int]:
    before = len(fake.requests)
    cold = run(url, tmp_path)
    assert cold.decision == "allow", cold.reasons
    cold_requests = len(fake.requests) - before
    before = len(fake.requests)
    warm = run(url, tmp_path)
    assert warm.decision == "allow" and warm.stats is not None and cold.stats is not None
    assert cold.stats.requests == cold_requests
    return cold_requests, len(fake.requests) - before, warm.stats.not_modified


@pytest.mark.parametrize("method", ["merge", "squash", "rebase"])
@pytest.mark.parametrize("revisions", [1, 5])
def test_request_counts_per_decision(fake: FakeGitHub, url: str, tmp_path: Path, method: str, revisions: int) -> None:
    """Counts are a deterministic work bound (issue 8's budget), not a timing."""
    approved(fake).merge(method)
    for n in range(2, revisions + 1):
        text = R4_TEXT.replace(b"epochs: 2", f"epochs: {n + 1}".encode())
        pr = propose(fake, content=text, branch=f"r4-rev{n}")
        pr.review("alice")
        pr.review("rita")
        pr.merge(method)
    cold, warm, not_modified = _counts(fake, url, tmp_path)
    print(f"\n{method}, {revisions} revision(s): cold {cold}, warm {warm} ({not_modified} not modified)")
    # measured 22, and 50 (merge) / 46 (squash, rebase) with 5: each earlier PR also costs the trees just before and
    # after its merge, which show the history hides no change between the PRs (continuity_reasons)
    assert cold <= 22 + 7 * (revisions - 1)
    assert warm == not_modified  # warm: only revalidations that GitHub answers 304, free of rate limit
    assert warm <= 12 + 3 * (revisions - 1)  # per earlier revision: its PR list, its reviews and its commits


def test_request_counts_with_a_policy_history(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """Each later governance PR costs at most 7 cold (the policy at its commit and just before its merge, that commit's and
    its head's trees, its PR list, its reviews, its commits) and 3 revalidations warm."""
    stricter = POLICY_TEXT.replace(b"low: [technical]", b"low: [technical, risk]")
    change(fake, {POLICY: stricter}, "stricter", *EVERY_ROLE)
    change(fake, {POLICY: stricter + b"# tidy\n"}, "tidy", *EVERY_ROLE)
    approved(fake).merge("squash")
    cold, warm, not_modified = _counts(fake, url, tmp_path)
    print(f"\npolicy with 2 later governance PRs: cold {cold}, warm {warm}")
    assert warm == not_modified
    assert cold <= 22 + 2 * 7  # measured 36
    assert warm <= 12 + 2 * 3  # measured 18
