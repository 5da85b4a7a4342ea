"""Ways to launder a change only the technical reviewer approved past the gate, each denied.

Found by an adversarial review of the deploy gate after 90ca17c: a model renamed in one PR,
a later stricter round deleted, a withdrawn checkpoint respelled or recorded under another
model, and history simplification (a branch that merged the base back in hides the PR that
really changed the register or the policy). Histories are built in the loopback GitHub as in
tests/test_gate_deploy.py; the attacker is bob, with only alice's (technical) approval unless
a step says otherwise.
"""

# ruff: noqa: F811
from __future__ import annotations

from pathlib import Path

import pytest

from ftgov.gate.attestation import Attestation

from ..fakegithub import FakeGitHub
from .test_gate import R4, R4_TEXT, fake, run, url  # noqa: F401 - pytest fixtures
from .test_gate_deploy import (
    CHECKPOINT,
    EARLIER_REPORTS,
    ID,
    REPORT,
    REPORT_TEXT,
    _correction,
    deployed,
    earlier_rounds,
    lived,
    r4_round,
    register,
)
from .test_gate_provenance import EVERY_ROLE, change
from .test_gate_register import EARLIER, REGISTER, sha256

MODEL_DIR = "objectives/support-agent"


def deploy_decision(url: str, tmp_path: Path, objective: str = ID, checkpoint: str = CHECKPOINT) -> Attestation:
    return run(url, tmp_path, objective, stage="deploy", checkpoint=checkpoint)


# -- a world for another model, built from support-agent's by a byte transform -----------------


class World:
    """support-agent's fixture rewritten: objective texts by `objective`, everything by `names`, with every sha256 re-pinned."""

    def __init__(self, names: list[tuple[bytes, bytes]], tiers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        self.names = names
        self.tiers = tiers
        self.objectives: dict[str, bytes] = {}  # path -> bytes
        self.shas: dict[str, str] = {}  # old sha256 -> new
        originals = {f"{MODEL_DIR}/{i}.yaml": raw for i, raw in EARLIER.items()}
        originals[R4] = R4_TEXT
        for path, raw in originals.items():
            new = self.objective(raw)
            self.objectives[self.name(path.encode()).decode()] = new
            self.shas[sha256(raw)] = sha256(new)
        self.reports: dict[str, bytes] = {}
        for path, raw in {**EARLIER_REPORTS, REPORT: REPORT_TEXT}.items():
            new = self.resha(self.name(raw))
            self.reports[self.name(path.encode()).decode()] = new
            self.shas[sha256(raw)] = sha256(new)

    def name(self, raw: bytes) -> bytes:
        for old, new in self.names:
            raw = raw.replace(old, new)
        return raw

    def objective(self, raw: bytes) -> bytes:
        raw = self.name(raw)
        for old, new in self.tiers:
            raw = raw.replace(old, new)
        return raw

    def resha(self, raw: bytes) -> bytes:
        text = raw.decode()
        for old, new in self.shas.items():
            text = text.replace(old, new)
        return text.encode()

    def register(self, raw: bytes) -> bytes:
        return self.resha(self.name(raw))


# -- 1. renaming the model launders a technical-only change of the register -------------------


BAD = "s3://models/support-agent/r4-overfit@sha256:0000000000000000000000000000000000000000000000000000000000000bad"


def test_model_rename_launders_a_technical_only_checkpoint_swap(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """r4 deployed with CHECKPOINT. Bob swaps r4's run.checkpoint to BAD in a PR only alice approves (the gate
    denies then). Then a rename of the model (support-agent -> helpdesk-bot: git mv of the objectives and the
    register, model.name / model: and the re-pinned sha256s) that every role approves: GitHub shows it as
    renames with a few changed lines, the checkpoint line is not among them. The register's history restarts
    at the rename, so the technical-only PR that recorded BAD is never judged."""
    lived(fake)
    deployed(fake)
    swapped = register(r4_round("deployed", checkpoint=BAD))
    change(fake, {REGISTER: swapped}, "fix-checkpoint", "alice")
    before = deploy_decision(url, tmp_path, checkpoint=BAD)  # judged while the register is at its path
    assert before.decision == "deny" and any("was approved by technical only" in r for r in before.reasons), before.reasons
    world = World(names=[(b"  name: support-agent\n", b"  name: helpdesk-bot\n"), (b"model: support-agent\n", b"model: helpdesk-bot\n")])
    files: dict[str, bytes | None] = {}
    for path, raw in world.objectives.items():
        files[path.replace("objectives/support-agent/", "objectives/helpdesk-bot/")] = raw
        files[path] = None
    files.update(world.reports)  # same paths, re-pinned objective_sha256 inside
    files["registers/helpdesk-bot.yaml"] = world.register(swapped)
    files[REGISTER] = None
    change(fake, files, "rename-model", *EVERY_ROLE)
    attestation = deploy_decision(url, tmp_path, checkpoint=BAD)
    assert attestation.decision == "deny", "BAD deploys: the technical-only PR that recorded it was laundered by the rename"
    moved = "(moved from registers/support-agent.yaml, whose history is not judged as this register's)"
    assert any(moved in r for r in attestation.reasons), attestation.reasons


# -- 2. deleting a later high-tier round lowers the model's tier --------------------------------


def _low_world() -> World:
    return World(
        names=[(b"support-agent", b"helpdesk-bot")],
        tiers=((b"risk_tier: high", b"risk_tier: low"), (b"risk_tier: medium", b"risk_tier: low")),
    )


def test_deleting_a_later_high_round_lowers_the_bar_for_the_deploy_decision(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """helpdesk-bot's rounds r1..r4 are low; r5 is proposed at tier high, so the model's highest tier is high and the
    deploy decision of r4 needs technical, risk, independent. Bob deletes r5 (objective and round, a round after
    r4) in a PR only alice approves: neither change is judged (r5 is after r4, and only objectives still in the
    tree or the register count towards the model's tier), the model reads as low, and a deploy decision only the
    technical reviewer approved deploys r4."""
    world = _low_world()
    reg = "registers/helpdesk-bot.yaml"
    r4id = "helpdesk-bot-r4"
    checkpoint = world.name(CHECKPOINT.encode()).decode()

    def reg_with(step: str, extra: str = "") -> bytes:
        return world.register(register(r4_round(step))) + extra.encode()

    change(fake, {**world.objectives, reg: reg_with("approved"), **world.reports}, "new-round", *EVERY_ROLE)
    change(fake, {reg: reg_with("trained")}, "record-run", *EVERY_ROLE)
    change(fake, {reg: reg_with("evaluated")}, "evaluate", *EVERY_ROLE)
    r5 = (
        world.objectives["objectives/helpdesk-bot/helpdesk-bot-r4.yaml"]
        .replace(b"id: helpdesk-bot-r4", b"id: helpdesk-bot-r5")
        .replace(b"parent: helpdesk-bot-r3", b"parent: helpdesk-bot-r4")
        .replace(b"risk_tier: low", b"risk_tier: high")
    )
    r5_round = "  - objective: helpdesk-bot-r5\n    status: proposed\n"
    r5_path = "objectives/helpdesk-bot/helpdesk-bot-r5.yaml"
    change(fake, {r5_path: r5, reg: reg_with("evaluated", r5_round)}, "propose-r5", *EVERY_ROLE)
    change(fake, {reg: reg_with("deployed", r5_round)}, "decide", "alice")
    first = deploy_decision(url, tmp_path, r4id, checkpoint)
    assert first.decision == "deny", first.reasons  # the model is high: the decision needs risk and independent
    assert any("was approved by technical only; risk tier high" in r for r in first.reasons), first.reasons
    change(fake, {r5_path: None, reg: reg_with("deployed")}, "drop-r5", "alice")
    attestation = deploy_decision(url, tmp_path, r4id, checkpoint)
    assert attestation.decision == "deny", "r4 deploys on a decision only the technical reviewer approved"
    assert any("was approved by technical only; risk tier high" in r for r in attestation.reasons), attestation.reasons


# -- 3. a withdrawn checkpoint comes back under another spelling ---------------------------------


ROLLED = "s3://models/support-agent/r3"


@pytest.mark.parametrize(
    "spelling",
    ["S3://models/support-agent/r3", "s3://models/support-agent/r3/", "s3://models/support-agent/./r3", "s3://models//support-agent/r3"],
)
def test_a_rolled_back_checkpoint_respelled_denies(fake: FakeGitHub, url: str, tmp_path: Path, spelling: str) -> None:
    """The scenario of test_a_checkpoint_another_round_recorded_denies (fixed in 90ca17c), with r4 recording r3's
    rolled-back checkpoint under a spelling that names the same object (scheme case, trailing slash, dot segment,
    empty segment): the exact-string comparison misses it."""
    earlier = earlier_rounds(r3="rolled-back", r3_checkpoint=ROLLED)
    change(fake, {R4: R4_TEXT, REGISTER: register(r4_round("approved"), earlier), **EARLIER_REPORTS}, "new-round", *EVERY_ROLE)
    change(fake, {REGISTER: register(r4_round("trained", checkpoint=spelling), earlier)}, "record-run", *EVERY_ROLE)
    change(fake, {REPORT: REPORT_TEXT, REGISTER: register(r4_round("evaluated", checkpoint=spelling), earlier)}, "evaluate", *EVERY_ROLE)
    change(fake, {REGISTER: register(r4_round("deployed", checkpoint=spelling), earlier)}, "decide", *EVERY_ROLE)
    attestation = deploy_decision(url, tmp_path, checkpoint=spelling)
    assert attestation.decision == "deny", f"r3's rolled-back checkpoint deploys as {spelling}"
    assert any("for round support-agent-r3 too (rolled-back): a withdrawn checkpoint" in r for r in attestation.reasons)


# -- 4. a checkpoint rolled back in one model's register deploys under another model ------------------


SHARED = "s3://checkpoints/ft-run-0417@sha256:1111111111111111111111111111111111111111111111111111111111111111"


def test_a_checkpoint_rolled_back_under_another_model_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """support-agent's r3 trained SHARED and was rolled back for cause. helpdesk-bot's r4 records SHARED as its run
    (a pipeline that named the wrong run; every PR approved by every role, as in 90ca17c's hole 3): the
    "no other round recorded it" check reads only helpdesk-bot's register, so the withdrawn checkpoint deploys."""
    change(fake, {REGISTER: earlier_rounds(r3="rolled-back", r3_checkpoint=SHARED).encode(), **EARLIER_REPORTS}, "r1-r3", *EVERY_ROLE)
    world = World(names=[(b"support-agent", b"helpdesk-bot")])
    reg = "registers/helpdesk-bot.yaml"

    def reg_with(step: str) -> bytes:
        return world.register(register(r4_round(step, checkpoint=SHARED)))

    change(fake, {**world.objectives, reg: reg_with("approved"), **world.reports}, "new-round", *EVERY_ROLE)
    change(fake, {reg: reg_with("trained")}, "record-run", *EVERY_ROLE)
    change(fake, {reg: reg_with("evaluated")}, "evaluate", *EVERY_ROLE)
    change(fake, {reg: reg_with("deployed")}, "decide", *EVERY_ROLE)
    attestation = deploy_decision(url, tmp_path, "helpdesk-bot-r4", SHARED)
    assert attestation.decision == "deny", "support-agent's rolled-back checkpoint deploys as helpdesk-bot-r4"
    assert f"{REGISTER} records checkpoint {SHARED} for round support-agent-r3 (rolled-back): a withdrawn checkpoint" in " ".join(
        attestation.reasons
    )


# -- 5. git's history simplification hides the technical-only PR -------------------------------------


def test_history_simplification_hides_a_technical_only_register_change(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """The register's history is `git log -- path` (GitHub's commits?path=), which follows only the first TREESAME
    parent of a merge. Bob commits the bad change (run.checkpoint -> BAD, decision.reason re-decided so the
    decided-on check is met) on a branch `tidy` from main, then lands the same bytes through PR X that only alice
    approves. He merges main into `tidy` (no conflict: both sides hold the same bytes), adds a comment line, and
    opens PR W: its diff against main is the comment alone, and every role approves it. Merged (merge commit),
    the history of the register walks W's head, the branch merge's first parent (bob's commit, which belongs to W
    alone) and never lists X's squash commit: the technical-only PR that put BAD on main is never judged."""
    lived(fake)
    deployed(fake)
    redecided = (
        r4_round("deployed")
        + "    corrections:\n"
        + _correction("run.checkpoint", CHECKPOINT, BAD, "the pipeline named r4's first run")
        + _correction("decision.reason", "every criterion met", "every criterion met; decided again", "re-decided on the corrected run")
    )
    swapped = register(redecided)
    w1 = fake.commit("tidy", {REGISTER: swapped}, "Correct r4's checkpoint", author="bob")  # branched from main now
    x = change(fake, {REGISTER: swapped}, "fix-checkpoint", "alice")
    before = deploy_decision(url, tmp_path, checkpoint=BAD)
    assert before.decision == "deny" and any(f"PR #{x.number}" in r and "technical only" in r for r in before.reasons), before.reasons
    git = fake.repo.git
    bob = fake.user("bob").identity
    merged = git.merge_no_ff(
        w1, git.branch_sha("main") or "", "Merge branch 'main' into tidy", author=bob, committer=bob, date="2026-02-01T00:00:00Z"
    )
    git.set_ref("refs/heads/tidy", merged)
    fake.commit("tidy", {REGISTER: b"# the register of support-agent\n" + swapped}, "Add a header comment", author="bob")
    w = fake.open_pr("tidy", author_login="bob", title="Add a header comment to the register")
    for login in EVERY_ROLE:
        w.review(login)
    w.merge("merge")
    attestation = deploy_decision(url, tmp_path, checkpoint=BAD)
    assert attestation.decision == "deny", f"BAD deploys: PR #{x.number}, approved by technical only, is no longer judged"
    assert any(r.startswith(f"{REGISTER}: just before PR #{w.number} merged") for r in attestation.reasons), attestation.reasons


POLICY = "policies/policy.yaml"


def test_history_simplification_hides_a_technical_only_policy_relaxation(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """The same shape on the policy: PR X (alice only) relaxes `high` to [technical, independent] (FTG602 keeps
    independent); PR W (every role) adds a comment after merging main into a branch that already held the relaxed
    bytes. X's squash commit is never
    listed, W is judged under the relaxed policy it merged onto, and a deploy decision the risk role never approved deploys."""
    from .test_gate import POLICY_TEXT

    relaxed = POLICY_TEXT.replace(b"high: [technical, risk, independent]", b"high: [technical, independent]").replace(
        b"medium: [technical, risk]", b"medium: [technical]"
    )
    assert relaxed != POLICY_TEXT
    lived(fake)
    w1 = fake.commit("tidy-policy", {POLICY: relaxed}, "Relax", author="bob")
    x = change(fake, {POLICY: relaxed}, "relax", "alice")
    before = deploy_decision(url, tmp_path)
    assert before.decision == "deny" and any(f"PR #{x.number}" in r and "technical only" in r for r in before.reasons), before.reasons
    git = fake.repo.git
    bob = fake.user("bob").identity
    merged = git.merge_no_ff(
        w1, git.branch_sha("main") or "", "Merge branch 'main' into tidy-policy", author=bob, committer=bob, date="2026-02-01T00:00:00Z"
    )
    git.set_ref("refs/heads/tidy-policy", merged)
    fake.commit("tidy-policy", {POLICY: b"# reviewed\n" + relaxed}, "Comment", author="bob")
    w = fake.open_pr("tidy-policy", author_login="bob", title="Comment the policy")
    for login in EVERY_ROLE:
        w.review(login)
    w.merge("merge")
    deployed(fake, "alice", "ivan")
    attestation = deploy_decision(url, tmp_path)
    assert attestation.decision == "deny", f"deploys with no risk approval: PR #{x.number} relaxed the policy unjudged"
    assert any(r.startswith(f"{POLICY}: just before PR #{w.number} merged") for r in attestation.reasons), attestation.reasons
