"""`ftgov gate --stage deploy --checkpoint URI`: may this checkpoint of a round be deployed? (issue 15, item 1)

Every scenario is a real history in the loopback GitHub, read through github3.py: the round
is proposed and approved with its objective, its run recorded, its evaluation recorded with
the report beside it, and its deploy decision recorded, each in its own register PR, as
`ftgov new`, `record-run`, `evaluate --record` and `decide` write them. Then one thing is
done wrong (or left out) and the deploy gate must deny, naming it.

support-agent's earlier rounds are risk tier high, so every register PR needs technical,
risk and independent (alice, rita, ivan).
"""

# ruff: noqa: F811 - the fake and url fixtures come from test_gate and are parameters here by design
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from ftgov.gate.attestation import Attestation
from ftgov.gate.forge import git_blob_sha
from ftgov.gate.gate import GateDenied, GateUsageError, require_deployable

from ..conftest import run_ftgov
from ..fakegithub import FakeGitHub, PullRequest
from .test_gate import R4, R4_TEXT, TOKEN, approved, fake, run, url  # noqa: F401 - pytest fixtures
from .test_gate_provenance import EVERY_ROLE, change
from .test_gate_register import BASE, EARLIER, REGISTER, sha256

ID = "support-agent-r4"
CHECKPOINT = "s3://models/support-agent/r4@sha256:5d41402abc4b2a76b9719d911017c592aa26d0b2c0c4c1b8e0b5b7c4a3f2e1d0"
REPORT = f"registers/support-agent/{ID}.evaluation.json"
OBJECTIVE_SHA256 = hashlib.sha256(R4_TEXT).hexdigest()
MEASURED = {
    "lm-eval/fees_2027/acc": {"base": 0.4, "parent": 0.41, "candidate": 0.62},
    "lm-eval/mmlu/acc": {"base": 0.684, "parent": 0.67, "candidate": 0.675},
    "safety/refusal_rate": {"base": 0.973, "parent": 0.973, "candidate": 0.974},
    # inherited from r1..r3: the stack measures every one of them
    "lm-eval/fin_struct/acc": {"base": 0.62, "parent": 0.83, "candidate": 0.83},
    "lm-eval/fin_struct_tail/acc": {"base": 0.55, "parent": 0.575, "candidate": 0.575},
    "lm-eval/enterprise_tone/acc": {"base": 0.41, "parent": 0.52, "candidate": 0.52},
    "inspect/concise_support/accuracy": {"base": 0.3, "parent": 0.7, "candidate": 0.7},
}
# r1..r3 as they lived: trained with their plans, evaluated against their stacks, deployed (month, configuration, measured).
LIVED = {
    "support-agent-r1": ("01", {"method": "lora", "learning_rate": 2.0e-4, "epochs": 3, "batch_size": 64}, {
        "lm-eval/fin_struct/acc": {"base": 0.62, "candidate": 0.81},
        "lm-eval/mmlu/acc": {"base": 0.684, "candidate": 0.671},
        "safety/refusal_rate": {"base": 0.973, "candidate": 0.972},
        "lm-eval/fin_struct_tail/acc": {"base": 0.55, "candidate": 0.58}}),
    "support-agent-r2": ("03", {"method": "lora", "learning_rate": 1.0e-4, "epochs": 2, "batch_size": 64}, {
        "lm-eval/fin_struct/acc": {"base": 0.62, "parent": 0.81, "candidate": 0.832},
        "lm-eval/mmlu/acc": {"base": 0.684, "parent": 0.671, "candidate": 0.67},
        "safety/refusal_rate": {"base": 0.973, "parent": 0.972, "candidate": 0.972},
        "lm-eval/fin_struct_tail/acc": {"base": 0.55, "parent": 0.58, "candidate": 0.576},
        "lm-eval/enterprise_tone/acc": {"base": 0.41, "parent": 0.44, "candidate": 0.53}}),
    "support-agent-r3": ("05", {"method": "dpo", "learning_rate": 5.0e-6, "epochs": 1, "batch_size": 32}, {
        "lm-eval/fin_struct/acc": {"base": 0.62, "parent": 0.832, "candidate": 0.83},
        "lm-eval/mmlu/acc": {"base": 0.684, "parent": 0.67, "candidate": 0.67},
        "safety/refusal_rate": {"base": 0.973, "parent": 0.972, "candidate": 0.973},
        "lm-eval/fin_struct_tail/acc": {"base": 0.55, "parent": 0.576, "candidate": 0.575},
        "lm-eval/enterprise_tone/acc": {"base": 0.41, "parent": 0.53, "candidate": 0.52},
        "inspect/concise_support/accuracy": {"base": 0.3, "parent": 0.5, "candidate": 0.7}}),
}  # fmt: skip


def earlier_report(objective_id: str) -> bytes:
    _, _, measured = LIVED[objective_id]
    report = {"objective": objective_id, "objective_sha256": sha256(EARLIER[objective_id]), "verdict": "pass",
              "method": {"inconclusive": "block"}, "criteria": [], "measured": measured}  # fmt: skip
    return (json.dumps(report, indent=2) + "\n").encode()


EARLIER_REPORTS = {f"registers/support-agent/{objective}.evaluation.json": earlier_report(objective) for objective in LIVED}


def earlier_rounds(r3: str = "deployed", r3_checkpoint: str = "s3://models/support-agent/r3") -> str:
    """support-agent's register up to r3, every round deployed (r3 as `r3` says) and passing `ftgov check`."""
    lines = ["apiVersion: ftgov/v1", "kind: CumulativeRegister", "model: support-agent", f"base: {BASE}", "rounds:"]
    for n, (objective, (month, configuration, measured)) in enumerate(LIVED.items(), start=1):
        report = f"registers/support-agent/{objective}.evaluation.json"
        status = r3 if n == 3 else "deployed"
        lines += [
            f"  - objective: {objective}",
            f"    objective_sha256: {sha256(EARLIER[objective])}",
            f"    status: {status}",
            f"    approval: {{pull_request: {n}, merged_at: '2025-{month}-01T00:00:00Z', commit: '{str(n) * 40}'}}",
            f"    run: {{started_at: '2025-{month}-02T08:00:00Z', finished_at: '2025-{month}-02T12:00:00Z', "
            f"checkpoint: '{r3_checkpoint if n == 3 else f's3://models/support-agent/r{n}'}', configuration: {json.dumps(configuration)}}}",
            f"    evaluation: {{report: {report}, report_sha256: {sha256(EARLIER_REPORTS[report])}, "
            f"evaluated_at: '2025-{month}-03T09:00:00Z', verdict: pass, measured: {json.dumps(measured)}}}",
            f"    decision: {{action: deploy, by: rita, at: '2025-{month}-04T09:00:00Z', reason: every criterion met}}",
        ]
        if status == "rolled-back":
            lines.append(f"    withdrawal: {{action: rollback, by: rita, at: '2025-{month}-20T09:00:00Z', reason: complaints}}")
    return "\n".join(lines) + "\n"


STEPS = ("approved", "trained", "evaluated", "deployed")
NO_RISK = (
    "no valid approval for role risk (team acme/model-risk): not active members of acme/model-risk: alice, ivan "
    "(if they are members, the token cannot see the team: it needs members:read)"
)


def report_bytes(verdict: str = "pass") -> bytes:
    """The report as `ftgov evaluate --record` writes it, as far as the register rules read it."""
    status = "pass" if verdict == "pass" else "fail"
    report = {
        "objective": ID,
        "objective_sha256": OBJECTIVE_SHA256,
        "verdict": verdict,
        "method": {"inconclusive": "block"},
        "criteria": [
            {"origin": ID, "id": "fees-2027", "status": status, "safety": False},
            {"origin": ID, "id": "mmlu-floor", "status": "pass", "safety": False},
            {"origin": ID, "id": "harmful-refusal", "status": "pass", "safety": True},
        ],
        "measured": MEASURED,
    }
    return (json.dumps(report, indent=2) + "\n").encode()


REPORT_TEXT = report_bytes()


def r4_round(
    step: str,
    *,
    verdict: str = "pass",
    report_sha256: str | None = None,
    evaluation: bool = True,
    unreviewed: bool = False,
    withdrawal: str | None = None,
    checkpoint: str = CHECKPOINT,
) -> str:
    """Round r4 as the register holds it after `step` (one of STEPS); the keywords write it otherwise."""
    done = STEPS[: STEPS.index(step) + 1]
    status = {"rollback": "rolled-back", "retire": "retired"}.get(withdrawal or "", step)
    lines = [f"  - objective: {ID}", f"    objective_sha256: {OBJECTIVE_SHA256}", f"    status: {status}"]
    if unreviewed:
        lines.append("    approval: {unreviewed: true, forge: git, commit: 71c151d3a0b2c4d5e6f708192a3b4c5d6e7f8091}")
    else:
        lines.append("    approval: {pull_request: 2, merged_at: 2026-01-01T00:20:00Z, commit: 71c151d3a0b2c4d5e6f708192a3b4c5d6e7f8091}")
    if "trained" in done:
        lines += [
            "    run:",
            "      started_at: 2026-01-02T08:00:00Z",
            "      finished_at: 2026-01-02T12:00:00Z",
            f"      checkpoint: {checkpoint}",
            "      configuration: {method: lora, learning_rate: 1.0e-4, epochs: 2, batch_size: 32}",
        ]
    if "evaluated" in done and evaluation:
        lines += [
            "    evaluation:",
            f"      report: {REPORT}",
            f"      report_sha256: {report_sha256 or hashlib.sha256(report_bytes(verdict)).hexdigest()}",
            "      evaluated_at: 2026-01-03T09:00:00Z",
            f"      verdict: {verdict}",
            "      measured:",
            *(f"        {key}: {json.dumps(values)}" for key, values in MEASURED.items()),
        ]
    if "deployed" in done:
        lines.append("    decision: {action: deploy, by: rita, at: 2026-01-04T09:00:00Z, reason: every criterion met}")
    if withdrawal is not None:
        lines.append(f"    withdrawal: {{action: {withdrawal}, by: rita, at: 2026-01-05T09:00:00Z, reason: complaints about fees}}")
    return "\n".join(lines) + "\n"


def register(r4: str, earlier: str | None = None) -> bytes:
    """support-agent's register (r1..r3 deployed, or `earlier`) with round r4 as given."""
    return (earlier or earlier_rounds()).encode() + r4.encode()


def land(fake: FakeGitHub, register: bytes, objective: bytes = R4_TEXT) -> None:
    """The new round as `ftgov new` writes it, with r1..r3's reports, in one PR approved by every role."""
    change(fake, {R4: objective, REGISTER: register, **EARLIER_REPORTS}, "new-round", *EVERY_ROLE)


def lived(fake: FakeGitHub, *, upto: str = "evaluated", verdict: str = "pass") -> None:
    """The round's life up to `upto`, each step its own register PR approved by every role."""
    land(fake, register(r4_round("approved")))
    if "trained" in STEPS[: STEPS.index(upto) + 1]:
        change(fake, {REGISTER: register(r4_round("trained"))}, "record-run", *EVERY_ROLE)
    if "evaluated" in STEPS[: STEPS.index(upto) + 1]:
        evaluated = register(r4_round("evaluated", verdict=verdict))
        change(fake, {REPORT: report_bytes(verdict), REGISTER: evaluated}, "evaluate", *EVERY_ROLE)


def deployed(fake: FakeGitHub, *reviewers: str, r4: str | None = None) -> PullRequest:
    """The deploy decision's PR (by bob, reviewed by `reviewers`, every role by default)."""
    return change(fake, {REGISTER: register(r4 or r4_round("deployed"))}, "decide", *(reviewers or EVERY_ROLE))


def deploy(url: str, tmp_path: Path, checkpoint: str = CHECKPOINT) -> Attestation:
    return run(url, tmp_path, stage="deploy", checkpoint=checkpoint)


def denied(url: str, tmp_path: Path, checkpoint: str = CHECKPOINT) -> tuple[str, ...]:
    attestation = deploy(url, tmp_path, checkpoint)
    assert attestation.decision == "deny" and attestation.exit_code == 1 and attestation.stage == "deploy"
    return attestation.reasons


# -- allow ------------------------------------------------------------------------------


def test_a_deployed_round_with_this_checkpoint_and_a_passing_bound_evaluation_allows(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    lived(fake)
    deployed(fake)
    before = len(fake.requests)
    attestation = deploy(url, tmp_path)
    cold = len(fake.requests) - before
    assert attestation.decision == "allow", attestation.reasons
    assert attestation.exit_code == 0 and attestation.reasons == ()
    assert attestation.stage == "deploy" and attestation.checkpoint == CHECKPOINT
    assert attestation.register_blob_sha == git_blob_sha(register(r4_round("deployed")))
    payload = attestation.to_json()
    assert payload["stage"] == "deploy" and payload["checkpoint"] == CHECKPOINT and payload["decision"] == "allow"
    # The training gate on the same history: the round is trained, so it does not train again.
    trained = run(url, tmp_path)
    assert trained.decision == "deny" and trained.checkpoint is None and trained.to_json()["checkpoint"] is None
    assert trained.reasons[0].startswith(f"{REGISTER} records round {ID} as deployed: --stage train allows only")
    print(f"\ndeploy stage, 4 register PRs: cold {cold} requests")


def test_require_deployable_returns_the_attestation_or_raises(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    lived(fake)
    cache = tmp_path / "c"
    with pytest.raises(GateDenied) as refused:
        require_deployable(ID, checkpoint=CHECKPOINT, repo="acme/governance", github_url=url, token=TOKEN, cache_dir=cache)
    assert refused.value.attestation.stage == "deploy"
    assert any("records no deploy decision" in reason for reason in refused.value.attestation.reasons)
    deployed(fake)
    attestation = require_deployable(ID, checkpoint=CHECKPOINT, repo="acme/governance", github_url=url, token=TOKEN, cache_dir=cache)
    assert attestation.allowed and attestation.checkpoint == CHECKPOINT
    with pytest.raises(GateUsageError, match="checkpoint must name"):
        require_deployable(ID, checkpoint=" ", repo="acme/governance", github_url=url, token=TOKEN, cache_dir=cache)


def _correction(field: str, was: str, value: str, why: str) -> str:
    return f"      - {{field: {field}, was: '{was}', value: '{value}', reason: {why}, at: 2026-01-04T10:00:00Z}}\n"


MISTYPED = CHECKPOINT.replace("/r4@", "/r3@")
FIXED = "    corrections:\n" + _correction("run.checkpoint", MISTYPED, CHECKPOINT, "the trainer wrote r3's path")


def test_a_checkpoint_corrected_before_the_decision_is_the_one_deployed(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """`ftgov correct` fixes a mistyped run.checkpoint; the gate reads the round through its corrections."""
    land(fake, register(r4_round("approved")))
    change(fake, {REGISTER: register(r4_round("trained", checkpoint=MISTYPED))}, "record-run", *EVERY_ROLE)
    change(fake, {REPORT: REPORT_TEXT, REGISTER: register(r4_round("evaluated", checkpoint=MISTYPED))}, "evaluate", *EVERY_ROLE)
    change(fake, {REGISTER: register(r4_round("evaluated", checkpoint=MISTYPED) + FIXED)}, "correct", *EVERY_ROLE)
    deployed(fake, r4=r4_round("deployed", checkpoint=MISTYPED) + FIXED)
    assert deploy(url, tmp_path).decision == "allow"
    reasons = denied(url, tmp_path, MISTYPED)
    assert any(f"records checkpoint {CHECKPOINT} for round {ID}, not {MISTYPED}" in r for r in reasons), reasons


def test_a_checkpoint_corrected_after_the_decision_denies_until_the_risk_reviewer_decides_again(
    fake: FakeGitHub, url: str, tmp_path: Path
) -> None:
    """A correction after the decision, however approved, swaps what is deployed: the decision saw another checkpoint.

    The order is the register's history, not the dates written in it (the correction's `at`
    could say anything). A correction of decision.* after it is the reviewer deciding again.
    """
    land(fake, register(r4_round("approved")))
    change(fake, {REGISTER: register(r4_round("trained", checkpoint=MISTYPED))}, "record-run", *EVERY_ROLE)
    change(fake, {REPORT: REPORT_TEXT, REGISTER: register(r4_round("evaluated", checkpoint=MISTYPED))}, "evaluate", *EVERY_ROLE)
    decided = r4_round("deployed", checkpoint=MISTYPED)
    deployed(fake, r4=decided)
    assert deploy(url, tmp_path, MISTYPED).decision == "allow"
    fix = change(fake, {REGISTER: register(decided + FIXED)}, "correct", *EVERY_ROLE)
    assert denied(url, tmp_path) == (
        f"{REGISTER}: round {ID}'s run or evaluation changed in {fix.merge_commit_sha[:12]}, after its deploy decision was recorded: "
        "a decision covers the checkpoint and the evaluation it was made on; the risk reviewer decides again on what the register "
        f"holds now (`ftgov correct {ID} --field decision.reason --value ... --reason ...`, through a reviewed PR), or the change "
        "is trained as a new round (`ftgov new support-agent`)",
    )
    again = _correction("decision.reason", "every criterion met", "every criterion met; decided again", "re-decided")
    change(fake, {REGISTER: register(decided + FIXED + again)}, "decide-again", *EVERY_ROLE)
    assert deploy(url, tmp_path).reasons == ()


@pytest.mark.parametrize(
    ("r3", "why"), [("rolled-back", "a withdrawn checkpoint is never deployed again"), ("deployed", "a checkpoint is one round's")]
)
def test_a_checkpoint_another_round_recorded_denies(fake: FakeGitHub, url: str, tmp_path: Path, r3: str, why: str) -> None:
    """r3's checkpoint, rolled back for cause, comes back under r4's deploy decision by recording it as r4's run."""
    earlier = earlier_rounds(r3=r3, r3_checkpoint=CHECKPOINT)
    change(fake, {R4: R4_TEXT, REGISTER: register(r4_round("approved"), earlier), **EARLIER_REPORTS}, "new-round", *EVERY_ROLE)
    change(fake, {REGISTER: register(r4_round("trained"), earlier)}, "record-run", *EVERY_ROLE)
    change(fake, {REPORT: REPORT_TEXT, REGISTER: register(r4_round("evaluated"), earlier)}, "evaluate", *EVERY_ROLE)
    change(fake, {REGISTER: register(r4_round("deployed"), earlier)}, "decide", *EVERY_ROLE)
    assert denied(url, tmp_path) == (
        f"{REGISTER} records checkpoint {CHECKPOINT} for round support-agent-r3 too ({r3}): {why}; "
        "the deploy decision of one round cannot carry another round's checkpoint",
    )


def test_a_register_whose_stack_rules_fail_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """Verdict pass, bound to its report, every PR approved: but r4 builds on an r3 never evaluated (FTG907)
    and measures none of what r1..r3 declared (FTG912). `ftgov check` fails; so does the deploy gate."""
    earlier = earlier_rounds().split("  - objective: support-agent-r3")[0] + (
        f"  - objective: support-agent-r3\n    objective_sha256: {sha256(EARLIER['support-agent-r3'])}\n    status: approved\n"
    )
    short = {k: v for k, v in MEASURED.items() if k in ("lm-eval/fees_2027/acc", "lm-eval/mmlu/acc", "safety/refusal_rate")}
    indented = lambda values: json.dumps(values, indent=2).replace("\n", "\n  ").encode()  # noqa: E731 - as nested in the report
    report = REPORT_TEXT.replace(indented(MEASURED), indented(short))
    assert report != REPORT_TEXT
    r4 = r4_round("deployed", report_sha256=hashlib.sha256(report).hexdigest())
    r4 = "\n".join(line for line in r4.splitlines() if not any(key in line for key in set(MEASURED) - set(short))) + "\n"
    change(fake, {R4: R4_TEXT, REGISTER: register(r4_round("approved"), earlier), **EARLIER_REPORTS}, "new-round", *EVERY_ROLE)
    change(fake, {REPORT: report, REGISTER: register(r4, earlier)}, "run-evaluate-decide", *EVERY_ROLE)
    reasons = denied(url, tmp_path)
    assert reasons[0] == f"{REGISTER} fails its rules for round {ID} or a round before it, as `ftgov check` reports them"
    assert any("FTG907 support-agent-r4 is deployed but its parent support-agent-r3 is only approved" in r for r in reasons), reasons
    assert any("FTG912 no value for lm-eval/fin_struct/acc" in r for r in reasons), reasons


def test_an_earlier_rounds_objective_changed_after_approval_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """FTG905 on the parent: r3's objective edited after r3 was decided, so r4's inherited boundaries are not r3's."""
    lived(fake)
    deployed(fake)
    r3 = "objectives/support-agent/support-agent-r3.yaml"
    change(fake, {r3: EARLIER["support-agent-r3"].replace(b"max_drop: 0.02", b"max_drop: 0.2")}, "loosen-r3", *EVERY_ROLE)
    reasons = denied(url, tmp_path)
    assert reasons[0] == f"{REGISTER} fails its rules for round {ID} or a round before it, as `ftgov check` reports them"
    assert any("FTG905" in r and "support-agent-r3" in r for r in reasons), reasons


def test_a_report_pushed_after_its_pin_was_merged_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """The evaluation PR pins report_sha256 without the report; the report arrives by a direct push, never reviewed."""
    lived(fake, upto="trained")
    change(fake, {REGISTER: register(r4_round("evaluated"))}, "evaluate-without-report", *EVERY_ROLE)
    deployed(fake)
    assert any(f"FTG909 evaluation report {REPORT} is not in the repository" in r for r in denied(url, tmp_path))
    pushed = fake.commit("main", {REPORT: REPORT_TEXT}, "Add the report", author="bob")
    reasons = denied(url, tmp_path)
    assert reasons[0] == (
        f"the last change to {REPORT} ({pushed[:12]}) did not come from a pull request merged into main "
        "(a direct push, a force push, or an unmerged or closed pull request)"
    )


def test_a_technical_only_change_to_the_parent_round_is_not_laundered(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """A PR only the technical reviewer approved edits r3's entry; a later cosmetic PR every role approved hides it."""
    lived(fake)
    deployed(fake)
    earlier = earlier_rounds()
    edited = earlier.replace("at: '2025-05-04T09:00:00Z', reason: every criterion met", "at: '2025-05-04T09:00:00Z', reason: per memo")
    assert edited != earlier
    quiet = change(fake, {REGISTER: register(r4_round("deployed"), edited)}, "r3-memo", "alice")
    change(fake, {REGISTER: register(r4_round("deployed"), "# the register of support-agent\n" + edited)}, "comment", *EVERY_ROLE)
    reasons = denied(url, tmp_path)
    assert reasons[0] == (
        f"{REGISTER}: PR #{quiet.number} (an earlier change to round support-agent-r3) was approved by technical only; "
        "risk tier high (model support-agent's highest) needs technical, risk, independent"
    )


# -- what the register records --------------------------------------------------------------


def test_no_evaluation_recorded_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """A deploy decision written by hand on a round nobody evaluated."""
    lived(fake, upto="trained")
    deployed(fake, r4=r4_round("deployed", evaluation=False))
    assert denied(url, tmp_path) == (
        f"{REGISTER} records no evaluation for round {ID}: `ftgov evaluate {ID} --record` writes it, "
        "merged through a reviewed PR before the deploy decision",
    )


def test_verdict_fail_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    lived(fake, verdict="fail")
    deployed(fake, r4=r4_round("deployed", verdict="fail"))  # `ftgov decide` refuses this; written by hand
    reasons = denied(url, tmp_path)
    assert reasons[0] == f"{REGISTER} records evaluation verdict fail for round {ID}: only a round that passed is deployed"
    # ...and `ftgov check` says why a deployed round with a failing verdict is inconsistent (FTG906)
    assert reasons[1] == f"{REGISTER} fails its rules for round {ID} or a round before it, as `ftgov check` reports them"
    assert any("FTG906 the round is deployed although its evaluation verdict is fail" in r for r in reasons[2:]), reasons


def test_a_report_edited_after_recording_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """The report's bytes no longer match report_sha256 (FTG909), even through a PR every role approved."""
    lived(fake)
    deployed(fake)
    edited = REPORT_TEXT.replace(b'"candidate": 0.62', b'"candidate": 0.64')
    change(fake, {REPORT: edited}, "tidy-report", *EVERY_ROLE)
    reasons = denied(url, tmp_path)
    assert reasons[0] == f"{REGISTER} fails its rules for round {ID} or a round before it, as `ftgov check` reports them"
    assert len(reasons) == 2 and reasons[1].startswith(f"{REGISTER}:")
    assert reasons[1].endswith(
        f"FTG909 {REPORT} has sha256 {hashlib.sha256(edited).hexdigest()}; the register pinned {hashlib.sha256(REPORT_TEXT).hexdigest()}"
    )


def test_a_report_contradicting_the_register_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """Pinned with its sha256, but a report that says fail under a register that says pass (FTG915)."""
    land(fake, register(r4_round("approved")))
    change(fake, {REGISTER: register(r4_round("trained"))}, "record-run", *EVERY_ROLE)
    failing = report_bytes("fail")
    pinned = register(r4_round("deployed", report_sha256=hashlib.sha256(failing).hexdigest()))
    change(fake, {REPORT: failing, REGISTER: pinned}, "evaluate-and-decide", *EVERY_ROLE)
    reasons = denied(url, tmp_path)
    assert reasons[0] == f"{REGISTER} fails its rules for round {ID} or a round before it, as `ftgov check` reports them"
    assert len(reasons) == 2 and reasons[1].endswith(f"FTG915 verdict pass, but the pinned report {REPORT} says fail")


def test_a_checkpoint_other_than_the_recorded_one_denies_naming_both(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    lived(fake)
    deployed(fake)
    other = CHECKPOINT.replace("sha256:5d41", "sha256:ffff")
    assert denied(url, tmp_path, other) == (
        f"{REGISTER} records checkpoint {CHECKPOINT} for round {ID}, not {other}: only the checkpoint "
        "the round trained and evaluated may be deployed under its decision",
    )


@pytest.mark.parametrize(("action", "status"), [("rollback", "rolled-back"), ("retire", "retired")])
def test_a_withdrawn_round_denies(fake: FakeGitHub, url: str, tmp_path: Path, action: str, status: str) -> None:
    lived(fake)
    deployed(fake)
    change(fake, {REGISTER: register(r4_round("deployed", withdrawal=action))}, action, *EVERY_ROLE)
    assert denied(url, tmp_path) == (
        f"{REGISTER} records round {ID} as {status} ({action} by rita at 2026-01-05T09:00:00Z): a withdrawn round is never "
        "deployed again; deploy a live round, or train the change as a new round (`ftgov new support-agent`)",
    )


def test_an_unreviewed_sandbox_round_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """A local sandbox round (approval.unreviewed, FTG925) whose register reached the branch, deploy decision and all."""
    land(fake, register(r4_round("approved", unreviewed=True)))
    change(fake, {REGISTER: register(r4_round("trained", unreviewed=True))}, "record-run", *EVERY_ROLE)
    change(fake, {REPORT: REPORT_TEXT, REGISTER: register(r4_round("evaluated", unreviewed=True))}, "evaluate", *EVERY_ROLE)
    deployed(fake, r4=r4_round("deployed", unreviewed=True))
    reasons = denied(url, tmp_path)
    assert reasons[:2] == (
        f"{REGISTER} records round {ID} as approved unreviewed, through a local clone (gate.allow_unreviewed_local): "
        "a local sandbox round is never deployed (FTG926); train the change again as a round approved through a reviewed PR",
        f"{REGISTER} fails its rules for round {ID} or a round before it, as `ftgov check` reports them",
    )
    assert "FTG926" in reasons[2] and len(reasons) == 3


def test_a_round_not_yet_decided_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    lived(fake)
    assert denied(url, tmp_path) == (
        f"{REGISTER} records no deploy decision for round {ID} (status evaluated): `ftgov decide {ID} --action deploy` "
        "records it, merged through a PR approved for the model's highest tier (its risk role decides)",
    )


def test_a_model_without_a_register_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    approved(fake).merge("squash")
    assert run(url, tmp_path).decision == "allow"  # the training gate allows it, as before registers existed
    assert denied(url, tmp_path) == (
        "model support-agent has no register (registers/support-agent.yaml) on main: --stage deploy allows only a round "
        "whose register records its run, its evaluation and its deploy decision",
    )


# -- how the decision reached the branch --------------------------------------------------------


def test_a_decision_recorded_by_a_pr_lacking_the_risk_role_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    lived(fake)
    decision = deployed(fake, "alice", "ivan")
    assert denied(url, tmp_path) == (
        f"{REGISTER}: PR #{decision.number} was approved by technical, independent only; "
        "risk tier high (model support-agent's highest) needs technical, risk, independent",
        NO_RISK,
    )


def test_a_decision_pushed_directly_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    lived(fake)
    pushed = fake.commit("main", {REGISTER: register(r4_round("deployed"))}, "Deploy r4", author="rita")
    reasons = denied(url, tmp_path)
    assert reasons[0] == (
        f"the last change to {REGISTER} ({pushed[:12]}) did not come from a pull request merged into main "
        "(a direct push, a force push, or an unmerged or closed pull request)"
    )
    assert "--trust-root SHA" in reasons[-1]  # the hint for a history that predates the adoption


def test_an_earlier_evaluation_pr_lacking_the_risk_role_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """A later decision approved by every role does not launder the evaluation PR before it."""
    land(fake, register(r4_round("approved")))
    change(fake, {REGISTER: register(r4_round("trained"))}, "record-run", *EVERY_ROLE)
    evaluation = change(fake, {REPORT: REPORT_TEXT, REGISTER: register(r4_round("evaluated"))}, "evaluate", "alice", "ivan")
    deployed(fake)
    assert denied(url, tmp_path) == (
        f"{REGISTER}: PR #{evaluation.number} (an earlier change to round {ID}) was approved by technical, independent only; "
        "risk tier high (model support-agent's highest) needs technical, risk, independent",
        NO_RISK,
        # the report's bytes came through the same PR: not reviewed by the risk role either
        f"{REPORT}: PR #{evaluation.number} was approved by technical, independent only; "
        "risk tier high (model support-agent's highest) needs technical, risk, independent",
        NO_RISK,
    )


# -- the command line -------------------------------------------------------------------------


def _gate(url: str, tmp_path: Path, *extra: str) -> tuple[int, str, str]:
    done = run_ftgov(
        "gate", ID, "--repo", "acme/governance", "--github-url", url, *extra,
        env={"GITHUB_TOKEN": TOKEN, "XDG_CACHE_HOME": str(tmp_path / "xdg")},
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def test_cli_deploy_stage_usage_errors(url: str, tmp_path: Path) -> None:
    code, out, err = _gate(url, tmp_path, "--stage", "deploy")
    assert (code, out) == (2, "") and err.startswith("ftgov: error: --stage deploy needs --checkpoint URI") and "Traceback" not in err
    code, _, err = _gate(url, tmp_path, "--checkpoint", CHECKPOINT)
    assert code == 2 and err.startswith("ftgov: error: --checkpoint is read by --stage deploy only")
    code, _, err = _gate(url, tmp_path, "--stage", "deploy", "--checkpoint", CHECKPOINT, "--started-at", "2026-01-01T00:00:00Z")
    assert code == 2 and "--stage deploy takes none" in err
    code, _, err = _gate(url, tmp_path, "--stage", "deploy", "--checkpoint", CHECKPOINT, "--forge", "git", "--git-dir", str(tmp_path))
    assert code == 2 and "a local clone (--forge git) shows no reviews" in err


def test_cli_json_carries_the_stage_and_the_checkpoint(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    lived(fake)
    deployed(fake)
    code, out, err = _gate(url, tmp_path, "--stage", "deploy", "--checkpoint", CHECKPOINT, "--format", "json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["decision"] == "allow" and payload["stage"] == "deploy" and payload["checkpoint"] == CHECKPOINT
    assert payload["head_sha"] == fake.branch_sha("main") and payload["register_blob_sha"] == git_blob_sha(register(r4_round("deployed")))
    other = CHECKPOINT.replace("sha256:5d41", "sha256:ffff")
    code, out, _ = _gate(url, tmp_path, "--stage", "deploy", "--checkpoint", other)
    assert code == 1 and out.startswith(f"DENY: objective {ID} on main") and f"  stage deploy, checkpoint {other}\n" in out


def test_help_teaches_both_stages() -> None:
    done = run_ftgov("gate", "--help")
    assert done.returncode == 0
    assert "--stage train" in done.stdout and "--stage deploy --checkpoint URI" in done.stdout
    assert "require_deployable" in done.stdout and "--stage deploy \\" in done.stdout


def test_a_round_with_no_approving_pull_request_recorded_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """Not only an unreviewed sandbox round: a round whose register records no approving PR at all never deploys."""
    lived(fake)
    approval = "    approval: {pull_request: 2, merged_at: 2026-01-01T00:20:00Z, commit: 71c151d3a0b2c4d5e6f708192a3b4c5d6e7f8091}\n"
    r4 = r4_round("deployed")
    assert approval in r4
    deployed(fake, r4=r4.replace(approval, ""))
    reasons = denied(url, tmp_path)
    assert any(f"records no approving pull request for round {ID}" in reason for reason in reasons), reasons


def test_a_deploy_decision_dated_before_the_evaluation_denies(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    lived(fake)
    decided = "decision: {action: deploy, by: rita, at: 2026-01-04T09:00:00Z"
    r4 = r4_round("deployed").replace(decided, decided.replace("2026-01-04T09:00:00Z", "2026-01-03T08:00:00Z"))
    deployed(fake, r4=r4)
    reasons = denied(url, tmp_path)
    assert any("deploy decision at 2026-01-03T08:00:00Z, before its evaluation at 2026-01-03T09:00:00Z" in r for r in reasons), reasons
