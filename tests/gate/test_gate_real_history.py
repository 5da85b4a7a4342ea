"""Issue 12: the gate on a real repository's history, and four ways it allowed what it must not.

Every scenario runs in the loopback GitHub on real git history and ends in a decision read
through github3.py. Each attack is written as the writer (not a risk reviewer) would try it,
next to a control that shows the same history with what the rule asks is allowed.
"""

# ruff: noqa: F811 - the fake and url fixtures come from test_gate and are parameters here by design
from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from ftgov.gate.attestation import Attestation
from ftgov.gate.gate import GateDenied, GateUsageError, decide, require_approved

from ..conftest import REPO_FIXTURE, ROOT, run_ftgov
from ..fakegithub import FakeGitHub, PullRequest
from .test_gate import R4, R4_TEXT, TOKEN, approved, fake, forge, run, url  # noqa: F401 - pytest fixtures
from .test_gate_register import REGISTER, land, register_text

R1_FIXTURE = (REPO_FIXTURE / "objectives/support-agent/support-agent-r1.yaml").read_bytes()  # risk tier high
MODEL = "claims-triage"
NEW_ID = f"{MODEL}-r1"
NEW_OBJECTIVE = f"objectives/{MODEL}/{NEW_ID}.yaml"
NEW_TEXT = R1_FIXTURE.replace(b"id: support-agent-r1", f"id: {NEW_ID}".encode()).replace(
    b"name: support-agent\n", f"name: {MODEL}\n".encode()
)
NEW_REGISTER = f"registers/{MODEL}.yaml"
NEW_REGISTER_TEXT = (
    "apiVersion: ftgov/v1\nkind: CumulativeRegister\n"
    f"model: {MODEL}\nbase: meta-llama/Llama-3.1-8B-Instruct@5206a32\n"
    f"rounds:\n  - objective: {NEW_ID}\n    status: proposed\n"
).encode()
POLICY = "policies/policy.yaml"
EVERY_ROLE = ("alice", "rita", "ivan")
HINT = "came from no pull request; if they predate the repository's adoption of ftgov"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pr_of(fake: FakeGitHub, files: dict[str, bytes | None], branch: str, *reviewers: str, author: str = "bob") -> PullRequest:
    fake.commit(branch, files, f"Change {', '.join(files)}", author=author)
    pr = fake.open_pr(branch, author_login=author, title=f"Change {', '.join(files)}")
    for login in reviewers:
        pr.review(login)
    return pr


# -- the trust root: a repository made from this one's own history ----------------------------------


@pytest.fixture
def adopted(tmp_path: Path) -> FakeGitHub:
    """acme/governance whose main is a clone of this repository's own history: many direct commits, no PRs."""
    if not (ROOT / ".git").exists():
        pytest.fail(f"{ROOT} is not a git clone: this test needs the repository's own history (run the tests from a clone)")
    world = FakeGitHub(tmp_path / "github", repo="acme/governance", token=TOKEN)
    world.add_team("acme/ml-tech-leads", {"alice": "active"})
    world.add_team("acme/model-risk", {"rita": "active"})
    world.add_team("acme/model-validation", {"ivan": "active"})
    clone = tmp_path / "clone.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", "--no-local", str(ROOT), str(clone)], check=True, capture_output=True)
    world.git.git("fetch", "--quiet", "--no-tags", str(clone), "+HEAD:refs/heads/main")
    return world


def test_this_repositorys_history_with_its_trust_root_allows_one_approved_pr(adopted: FakeGitHub, tmp_path: Path) -> None:
    root = adopted.branch_sha("main")
    assert root is not None and len(adopted.git.rev_list(root)) > 50  # a real history, every commit pushed directly
    pr = pr_of(adopted, {NEW_OBJECTIVE: NEW_TEXT, NEW_REGISTER: NEW_REGISTER_TEXT}, "claims-triage-r1", *EVERY_ROLE)
    pr.merge("squash")
    with adopted.serve() as url:
        allowed = run(url, tmp_path, NEW_ID, trust_root=root)
        assert allowed.decision == "allow", allowed.reasons
        assert allowed.pull_request == pr.number and allowed.trust_root == root
        assert allowed.to_json()["trust_root"] == root and allowed.to_json()["stage"] == "train"
        # Without the root the whole history is judged: the direct pushes deny, and the deny names the way out.
        denied = run(url, tmp_path, NEW_ID)
        assert denied.decision == "deny"
        assert any("did not come from a pull request merged into main" in r for r in denied.reasons)
        assert HINT in denied.reasons[-1] and "--trust-root SHA or FTGOV_TRUST_ROOT" in denied.reasons[-1]
        # A root that is not on the branch is no root at all.
        side = adopted.commit("elsewhere", {"notes.md": b"not on main\n"}, "a commit off the branch", author="bob")
        stray = run(url, tmp_path, NEW_ID, trust_root=side)
        assert stray.decision == "deny" and stray.trust_root == side
        assert stray.reasons[0].startswith(f"trust root {side} is not main's head")


def test_after_the_trust_root_every_rule_still_holds(adopted: FakeGitHub, tmp_path: Path) -> None:
    """The root accepts the past, not what follows: a direct push after it, or a PR short of a role, denies."""
    root = adopted.branch_sha("main")
    pr_of(adopted, {NEW_OBJECTIVE: NEW_TEXT, NEW_REGISTER: NEW_REGISTER_TEXT}, "claims-triage-r1", "alice", "rita").merge("squash")
    pushed = adopted.commit("main", {POLICY: (ROOT / POLICY).read_bytes() + b"# tidy\n"}, "tidy the policy", author="bob")
    with adopted.serve() as url:
        denied = run(url, tmp_path, NEW_ID, trust_root=root)
    assert denied.decision == "deny"
    assert any(r.startswith(f"{NEW_OBJECTIVE}: PR #") and "needs technical, risk, independent" in r for r in denied.reasons)
    assert any(f"the last change to {POLICY} ({pushed[:12]}) did not come from a pull request" in r for r in denied.reasons)
    assert not any(HINT in r for r in denied.reasons)  # the operator already pinned a root


def test_the_trust_root_reaches_the_cli_and_require_approved(adopted: FakeGitHub, tmp_path: Path) -> None:
    root = adopted.branch_sha("main")
    assert root is not None
    pr_of(adopted, {NEW_OBJECTIVE: NEW_TEXT, NEW_REGISTER: NEW_REGISTER_TEXT}, "claims-triage-r1", *EVERY_ROLE).merge("merge")
    env = {"GITHUB_TOKEN": TOKEN, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    with adopted.serve() as url:
        base = ["gate", NEW_ID, "--repo", "acme/governance", "--github-url", url, "--format", "json"]
        assert run_ftgov(*base, env=env).returncode == 1
        by_flag = run_ftgov(*base, "--trust-root", root, env=env)
        assert by_flag.returncode == 0, by_flag.stdout + by_flag.stderr
        by_env = run_ftgov(*base, env={**env, "FTGOV_TRUST_ROOT": root})
        assert by_env.returncode == 0 and '"trust_root": "' + root in by_env.stdout
        short = run_ftgov(*base, "--trust-root", root[:12], env=env)
        assert short.returncode == 2 and "full 40-hex commit sha" in short.stderr and "Traceback" not in short.stderr
        attestation = require_approved(
            NEW_ID, repo="acme/governance", github_url=url, token=TOKEN, cache_dir=tmp_path / "c", trust_root=root
        )
        assert attestation.trust_root == root
        with pytest.raises(GateDenied):
            require_approved(NEW_ID, repo="acme/governance", github_url=url, token=TOKEN, cache_dir=tmp_path / "c")
        with pytest.raises(GateUsageError):
            require_approved(NEW_ID, repo="acme/governance", github_url=url, token=TOKEN, trust_root="main")


# -- lineage only through objectives ---------------------------------------------------------------


def test_files_named_for_the_id_elsewhere_are_not_the_objectives_history(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """A test fixture and an evaluation report named for the id, pushed directly, are not places the objective came from."""
    fake.commit(
        "main",
        {
            f"tests/fixtures/repo/objectives/support-agent/{R4.rsplit('/', 1)[1]}": R4_TEXT,
            "registers/support-agent/support-agent-r4.evaluation.json": b'{"verdict": "pass"}\n',
        },
        "fixtures and a report named for r4",
        author="bob",
    )
    approved(fake).merge("squash")  # adds objectives/support-agent/support-agent-r4.yaml with the same bytes as the fixture
    attestation = run(url, tmp_path)
    assert attestation.decision == "allow", attestation.reasons


# -- attack 1: a governance PR opened under a weaker policy, merged under a stronger one ----------------


def test_a_governance_pr_is_judged_under_the_policy_it_merged_into(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    strong = (REPO_FIXTURE / POLICY).read_bytes()
    weak = strong.replace(b"independent: acme/model-validation", b"independent: acme/ml-tech-leads")
    remapped = weak.replace(b"technical: acme/ml-tech-leads", b"technical: acme/mallory-crew")
    fake.add_team("acme/ml-tech-leads", {"alice": "active", "tom": "active"})
    fake.add_team("acme/mallory-crew", {"mel": "active"})
    pr_of(fake, {POLICY: weak}, "weaken", *EVERY_ROLE).merge("squash")
    # Mallory's PR opens while the policy is weak: tom counts as independent, so it is "fully approved".
    remap = pr_of(fake, {POLICY: remapped}, "remap-technical", "alice", "rita", "tom", author="mallory")
    pr_of(fake, {POLICY: strong}, "strengthen", "alice", "rita", "tom").merge("squash")
    remap.merge("squash")  # merged after the policy was strengthened; its recorded base.sha still names the weak one
    assert remap.base_sha != fake.git.git("rev-parse", f"{remap.merge_commit_sha}^")
    # A new objective approved through the team the writer now controls (mel as technical).
    added = approved(fake, "mel", "rita")
    added.merge("squash")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny" and attestation.pull_request == added.number
    assert [r for r in attestation.reasons if r.startswith(f"{POLICY}: PR #")] == [
        f"{POLICY}: PR #{remap.number} was approved by technical, risk only; a change to the policy or its "
        "schemas (risk tier high under the policy on main when it merged) needs technical, risk, independent"
    ]


@pytest.mark.parametrize("method", ["merge", "squash", "rebase"])
def test_the_policy_before_the_merge_is_found_for_every_merge_method(fake: FakeGitHub, url: str, tmp_path: Path, method: str) -> None:
    """Control: a governance PR approved by every role under the policy it merged into allows, however it merged."""
    tidy = (REPO_FIXTURE / POLICY).read_bytes() + b"# tidy\n"
    pr = pr_of(fake, {POLICY: tidy}, "tidy", *EVERY_ROLE)
    pr.commit({POLICY: tidy + b"# second commit\n"}, author="bob")
    for login in EVERY_ROLE:
        pr.review(login)
    pr.merge(method)
    approved(fake).merge("squash")
    attestation = run(url, tmp_path)
    assert attestation.decision == "allow", attestation.reasons


# -- attack 2: an approver who wrote the PR's commits ----------------------------------------------


def test_an_approver_who_authored_a_commit_of_the_pr_does_not_count(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    fake.commit("add-r4", {R4: R4_TEXT}, "Propose r4", author="alice")  # alice writes it ...
    pr = fake.open_pr("add-r4", author_login="bob", title="Propose r4")  # ... bob opens it ...
    pr.review("alice")  # ... and alice approves as technical
    pr.review("rita")
    pr.merge("squash")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert any(
        f"alice authored commit {fake.git.rev_list(pr.head_sha)[0][:12]} in the PR and cannot approve it" in r for r in attestation.reasons
    )


def test_a_committer_and_a_co_author_do_not_approve_either(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    tom_noreply = f"{fake.user('tom').id}+tom@users.noreply.github.com"
    fake.add_team("acme/ml-tech-leads", {"alice": "active", "tom": "active"})
    fake.commit("add-r4", {R4: R4_TEXT}, f"Propose r4\n\nCo-authored-by: Tom <{tom_noreply}>\n", author="bob", committer="alice")
    pr = fake.open_pr("add-r4", author_login="bob", title="Propose r4")
    for login in ("alice", "tom", "rita"):
        pr.review(login)
    pr.merge("merge")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert any("alice committed commit" in r for r in attestation.reasons) and any(
        "tom co-authored commit" in r for r in attestation.reasons
    )


@pytest.mark.parametrize(
    ("author", "message", "doubt"),
    [
        (("Someone", "someone@elsewhere.example"), "Propose r4", "which GitHub links to no account"),
        ("bob", "Propose r4\n\nCo-authored-by: Tom <tom.private@elsewhere.example>\n", "resolves to no GitHub login"),
    ],
)
def test_an_author_github_cannot_link_makes_independence_unprovable(
    fake: FakeGitHub, url: str, tmp_path: Path, author: object, message: str, doubt: str
) -> None:
    fake.commit("add-r4", {R4: R4_TEXT}, message, author=author)  # type: ignore[arg-type]
    pr = fake.open_pr("add-r4", author_login="bob", title="Propose r4")
    pr.review("alice")
    pr.review("rita")
    pr.merge("squash")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert any("that its approvers wrote none of it cannot be shown" in r for r in attestation.reasons), attestation.reasons
    assert any(doubt in r for r in attestation.reasons)


def test_co_authors_the_pr_links_do_not_block_approvers_who_wrote_nothing(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """Control: a co-author resolved to bob (the PR's own author) leaves alice and rita independent."""
    message = f"Propose r4\n\nCo-authored-by: Bob <{fake.user('bob').email}>\n"
    fake.commit("add-r4", {R4: R4_TEXT}, message, author="bob")
    pr = fake.open_pr("add-r4", author_login="bob", title="Propose r4")
    pr.review("alice")
    pr.review("rita")
    pr.merge("rebase")
    attestation = run(url, tmp_path)
    assert attestation.decision == "allow", attestation.reasons


# -- immutability without CI: a re-pin does not launder a changed objective --------------------------


def test_an_approved_objective_changed_with_a_re_pin_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    land(fake, register_text("approved"))
    approved_at = fake.branch_sha("main") or ""
    loosened = R4_TEXT.replace(b"epochs: 2", b"epochs: 3")
    repinned = register_text("approved", _sha256(loosened))
    pr_of(fake, {R4: loosened, REGISTER: repinned}, "loosen-and-repin", *EVERY_ROLE).merge("squash")
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert attestation.reasons == (
        f"{R4} has sha256 {_sha256(loosened)[:16]} at the pinned commit, but when {REGISTER} first recorded round support-agent-r4 "
        f"as approved ({approved_at[:12]}) it was its objective_sha256 there "
        f"({_sha256(R4_TEXT)[:16]}): an approved objective is immutable, even if a later change re-pinned objective_sha256; "
        "restore the approved file, or write the change as a new round (`ftgov new support-agent`)",
    )


def test_a_proposed_round_may_still_be_edited(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """Control: before approval the objective is a draft; editing it (and the pin) is the review working."""
    land(fake, register_text("proposed", None))
    edited = R4_TEXT.replace(b"epochs: 2", b"epochs: 3")
    pr_of(fake, {R4: edited, REGISTER: register_text("approved", _sha256(edited))}, "edit-then-approve", *EVERY_ROLE).merge("squash")
    attestation = run(url, tmp_path)
    assert attestation.decision == "allow", attestation.reasons


# -- attack 4: a line the reviewer's diff shows one way and the parser reads another -------------------


def test_a_register_line_hidden_behind_a_line_separator_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    hidden = register_text("approved").replace(b"\n    status: approved\n", "  # reviewed\u2028    status: approved\n".encode())
    land(fake, hidden)
    attestation: Attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert any(r.startswith(f"{REGISTER}:") and "FTG010" in r and "U+2028 LINE SEPARATOR" in r for r in attestation.reasons), (
        attestation.reasons
    )


def test_the_gate_api_refuses_a_malformed_root_without_asking(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    before = len(fake.requests)
    attestation = decide(forge(url, tmp_path), "support-agent-r4", trust_root="HEAD~3")
    assert attestation.decision == "deny" and "not a full commit sha" in attestation.reasons[0]
    assert len(fake.requests) == before
