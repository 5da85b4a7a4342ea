"""The offline gate's judgement of one verified approval: each reason it denies for, from a statement really signed.

Every statement is built by `approval.statement` from a gate answer, signed with a key made
in the test, written to a file and verified by `verify_file` before `judge` sees it, as a
launcher does; only the field a test names differs from an allow.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from ftgov.attest import approval
from ftgov.attest.statement import DECISION, RUN, Statement, sha256
from ftgov.attest.verify import Verified, trusted_signers, verify_file
from ftgov.documents import times

from ..conftest import FIXTURES, REPO_FIXTURE
from ..signing import OrgKey, gate_answer, org_key, sign_approval

OBJECTIVE_ID = "support-agent-r4"
OBJECTIVE = f"objectives/support-agent/{OBJECTIVE_ID}.yaml"
OBJECTIVE_TEXT = (FIXTURES / "valid" / f"{OBJECTIVE_ID}.yaml").read_bytes()
FILES = {OBJECTIVE: OBJECTIVE_TEXT, "policies/policy.yaml": (REPO_FIXTURE / "policies" / "policy.yaml").read_bytes()}

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
CHECKED_AT = NOW - dt.timedelta(hours=1)
MERGED_AT = NOW - dt.timedelta(hours=3)
WEEK = dt.timedelta(days=7)


@pytest.fixture
def key(tmp_path: Path) -> OrgKey:
    return org_key(tmp_path / "keys")


def answer(objective_path: str = OBJECTIVE, **fields: Any) -> dict[str, Any]:
    """A gate allow checked an hour before NOW for a PR merged three hours before; `fields` override any key."""
    fixed: dict[str, Any] = {"checked_at": times.iso(CHECKED_AT), "merged_at": times.iso(MERGED_AT)}
    return gate_answer(OBJECTIVE_ID, objective_path, **{**fixed, **fields})


def signed(key: OrgKey, tmp_path: Path, gate: dict[str, Any] | None = None, objective_path: str = OBJECTIVE) -> Verified:
    files = FILES if objective_path == OBJECTIVE else {objective_path: OBJECTIVE_TEXT}
    path = sign_approval(key, tmp_path / "approval.dsse.json", gate or answer(), objective_path, files)
    return verify_file(path, trusted_signers(trusted_keys=(key.public,)))


def signed_statement(key: OrgKey, tmp_path: Path, statement: Statement) -> Verified:
    path = key.sign(statement, tmp_path / "statement.dsse.json")
    return verify_file(path, trusted_signers(trusted_keys=(key.public,)))


def judge(verified: Verified, **options: Any) -> approval.Judgement:
    settings: dict[str, Any] = {"now": NOW, "max_age": WEEK, "objective_bytes": OBJECTIVE_TEXT}
    settings.update(options)
    return approval.judge(verified, OBJECTIVE_ID, **settings)


def denied(judgement: approval.Judgement) -> tuple[str, ...]:
    assert not judgement.allowed
    assert judgement.objective_bytes is None  # a denied approval hands the launcher nothing to train from
    return judgement.reasons


# --- allow ----------------------------------------------------------------------------------------------------


def test_an_approval_for_the_objective_about_to_be_trained_allows(key: OrgKey, tmp_path: Path) -> None:
    verified = signed(key, tmp_path)
    judgement = judge(verified, started_at=NOW)
    assert judgement.allowed and judgement.reasons == ()
    assert judgement.objective_bytes == OBJECTIVE_TEXT
    assert judgement.signed_at == CHECKED_AT  # a key signature carries no time of its own: the gate's checked_at is the claim


def test_without_the_file_the_carried_text_is_what_was_approved(key: OrgKey, tmp_path: Path) -> None:
    judgement = judge(signed(key, tmp_path), objective_bytes=None)
    assert judgement.allowed
    assert judgement.objective_bytes == OBJECTIVE_TEXT


def test_the_statement_pins_every_file_the_gate_judged(key: OrgKey, tmp_path: Path) -> None:
    statement = signed(key, tmp_path).statement
    assert [(s.name, s.sha256) for s in statement.subjects] == [(path, sha256(data)) for path, data in FILES.items()]
    assert "api_calls" not in statement.predicate


# --- deny -----------------------------------------------------------------------------------------------------


def test_an_approval_for_another_objective_is_refused(key: OrgKey, tmp_path: Path) -> None:
    reasons = denied(approval.judge(signed(key, tmp_path), "support-agent-r3", now=NOW, max_age=WEEK, objective_bytes=OBJECTIVE_TEXT))
    assert f"the approval is for objective '{OBJECTIVE_ID}', not support-agent-r3" in reasons
    assert f"the approval names objective path '{OBJECTIVE}', not objectives/<model>/support-agent-r3.yaml" in reasons


def test_a_signed_deny_is_refused(key: OrgKey, tmp_path: Path) -> None:
    reasons = denied(judge(signed(key, tmp_path, answer(decision="deny", reasons=["the risk role has not approved"]))))
    assert reasons == ("the signed gate answer is 'deny', not allow",)


@pytest.mark.parametrize(("signed_for", "asked"), [("deploy", "train"), ("train", "deploy")])
def test_an_approval_for_another_stage_is_refused(key: OrgKey, tmp_path: Path, signed_for: str, asked: str) -> None:
    reasons = denied(judge(signed(key, tmp_path, answer(stage=signed_for)), stage=asked))
    assert reasons == (f"the approval is for stage '{signed_for}', not {asked}",)


def test_an_approval_for_the_stage_asked_allows(key: OrgKey, tmp_path: Path) -> None:
    assert judge(signed(key, tmp_path, answer(stage="deploy", checkpoint="step-1000")), stage="deploy").allowed


def test_an_answer_from_a_local_clone_never_allows(key: OrgKey, tmp_path: Path) -> None:
    reasons = denied(judge(signed(key, tmp_path, answer(approvals="unverified"))))
    assert reasons == ("the signed answer came from a local clone (approvals unverified): it never allows a launch",)


def test_an_objective_file_edited_after_the_approval_is_refused(key: OrgKey, tmp_path: Path) -> None:
    edited = OBJECTIVE_TEXT + b"# one more line after the approval\n"
    reasons = denied(judge(signed(key, tmp_path), objective_bytes=edited))
    assert reasons == (
        f"the objective to train has sha256 {sha256(edited)}, but the approval is for {OBJECTIVE} with sha256 {sha256(OBJECTIVE_TEXT)}",
    )


@pytest.mark.parametrize("with_file", [True, False], ids=["file given", "no file"])
def test_carried_text_that_is_not_the_approved_file_is_refused(key: OrgKey, tmp_path: Path, with_file: bool) -> None:
    """The signer's own bug or a tampered signing job: the text no longer has the subject's digest, so it is not what was approved."""
    honest = approval.statement(answer(), OBJECTIVE, FILES)
    tampered_text = OBJECTIVE_TEXT.decode() + "# added before signing\n"
    tampered = dataclasses.replace(honest, predicate={**honest.predicate, approval.OBJECTIVE_TEXT: tampered_text})
    verified = signed_statement(key, tmp_path, tampered)

    reasons = denied(judge(verified, objective_bytes=OBJECTIVE_TEXT if with_file else None))

    assert reasons == (f"the objective text the approval carries does not have its subject's sha256 ({sha256(OBJECTIVE_TEXT)})",)


def test_an_approval_carrying_no_text_needs_the_file(key: OrgKey, tmp_path: Path) -> None:
    honest = approval.statement(answer(), OBJECTIVE, FILES)
    textless = dataclasses.replace(honest, predicate={k: v for k, v in honest.predicate.items() if k != approval.OBJECTIVE_TEXT})
    verified = signed_statement(key, tmp_path, textless)
    assert denied(judge(verified, objective_bytes=None)) == (
        f"the approval carries no objective text, and no objective file was given to compare with {OBJECTIVE}",
    )
    allowed = judge(verified)  # with the file, its digest is checked against the subject
    assert allowed.allowed and allowed.objective_bytes == OBJECTIVE_TEXT


@pytest.mark.parametrize(
    "objective_path",
    [
        "objectives/support-agent/support-agent-r3.yaml",
        "objectives/support-agent-r4.yaml",
        "README.md",
        "objectives/support-agent/support-agent-r4.yml",
    ],
    ids=["another id", "no model folder", "not an objective", "yml"],
)
def test_an_objective_path_that_does_not_name_the_id_is_refused(key: OrgKey, tmp_path: Path, objective_path: str) -> None:
    reasons = denied(judge(signed(key, tmp_path, answer(objective_path=objective_path), objective_path=objective_path)))
    assert reasons == (f"the approval names objective path {objective_path!r}, not objectives/<model>/{OBJECTIVE_ID}.yaml",)


def test_an_objective_path_with_no_subject_is_refused(key: OrgKey, tmp_path: Path) -> None:
    """The gate answer names one file, the statement pins another: nothing pins the file the answer approved."""
    elsewhere = f"objectives/other-model/{OBJECTIVE_ID}.yaml"
    reasons = denied(judge(signed(key, tmp_path, answer(), objective_path=elsewhere)))
    assert reasons == (f"the approval's subjects do not include {OBJECTIVE}",)


def test_an_approval_older_than_max_age_is_refused(key: OrgKey, tmp_path: Path) -> None:
    old = NOW - dt.timedelta(days=8)
    verified = signed(key, tmp_path, answer(checked_at=times.iso(old), merged_at=times.iso(old - dt.timedelta(hours=1))))
    reasons = denied(judge(verified))
    assert reasons == (f"the approval was signed at {times.iso(old)}, more than 7 days ago; fetch the latest bundle",)
    assert judge(verified, max_age=dt.timedelta(days=9)).allowed  # the same statement within a longer --max-age


def test_an_approval_with_no_time_cannot_be_bounded(key: OrgKey, tmp_path: Path) -> None:
    reasons = denied(judge(signed(key, tmp_path, answer(checked_at=None))))
    assert reasons == ("the approval carries no signing time, so its age cannot be bounded",)


def test_training_that_starts_before_the_objective_merged_is_refused(key: OrgKey, tmp_path: Path) -> None:
    started = MERGED_AT - dt.timedelta(minutes=1)
    reasons = denied(judge(signed(key, tmp_path), started_at=started))
    assert reasons == (f"training starts at {times.iso(started)}, before the objective's PR merged ({times.iso(MERGED_AT)})",)
    assert judge(signed(key, tmp_path), started_at=MERGED_AT).allowed


@pytest.mark.parametrize("predicate_type", [RUN, DECISION, "https://slsa.dev/provenance/v1"])
def test_a_statement_of_another_predicate_type_is_not_an_approval(key: OrgKey, tmp_path: Path, predicate_type: str) -> None:
    """A run or decision statement signed by the same key, carrying an allow-shaped predicate, still approves nothing."""
    honest = approval.statement(answer(), OBJECTIVE, FILES)
    other = dataclasses.replace(honest, predicate_type=predicate_type)
    verified = signed_statement(key, tmp_path, other)
    reasons = denied(judge(verified))
    assert reasons == (
        f"{verified.path} is a {predicate_type} statement, not an ftgov approval (https://ftgov.dev/attestation/approval/v1)",
    )


def test_every_reason_is_given_at_once(key: OrgKey, tmp_path: Path) -> None:
    """A launcher's operator fixes all of them in one round, not one per attempt."""
    verified = signed(key, tmp_path, answer(decision="deny", stage="deploy", approvals="unverified"))
    reasons = denied(judge(verified, objective_bytes=b"other\n", now=NOW + dt.timedelta(days=30)))
    assert len(reasons) == 5
