"""The chain's statements (run → evaluation → decision): what each says, and how a verifier reads it back.

Every statement is read back from its signed bytes (`parse`), as a verifier reads it, never
from the object that built it.
"""

from __future__ import annotations

from typing import Any

import pytest

from ftgov.attest import approval, chain
from ftgov.attest.statement import APPROVAL, DECISION, RUN, TEST_RESULT, Statement, Subject, parse, sha256

from ..signing import gate_answer

OBJECTIVE_ID = "ledger-r3"
OBJECTIVE_PATH = "objectives/ledger/ledger-r3.yaml"
OBJECTIVE_TEXT = b"apiVersion: ftgov/v1\nkind: FineTuneObjective\nid: ledger-r3\n"
OBJECTIVE = Subject(OBJECTIVE_PATH, sha256(OBJECTIVE_TEXT))
CHECKPOINT = "s3://models/ledger/r3@sha256:" + "9" * 64
APPROVAL_DIGEST = "a" * 64


def signed(statement: Statement) -> Statement:
    """The statement as a verifier gets it: parsed from the bytes that were signed."""
    return parse(statement.to_bytes())


def a_run(approval_digest: str = APPROVAL_DIGEST, objective: Subject = OBJECTIVE) -> Statement:
    run = {"started_at": "2026-03-03T08:00:00Z", "finished_at": "2026-03-03T12:00:00Z", "checkpoint": CHECKPOINT}
    config = Subject("registers/ledger/ledger-r3/adapter_config.json", "c" * 64)
    return signed(chain.run_statement(OBJECTIVE_ID, objective, run, (config,), approval_digest))


def an_evaluation(verdict: str = "pass", criteria: list[tuple[str, str]] | None = None, run_digest: str = "b" * 64) -> Statement:
    tests = criteria if criteria is not None else [("sc-accuracy", "pass"), ("rb-refusals", "pass")]
    results = (Subject("out/r3/results.json", "d" * 64),)
    report = Subject("registers/ledger/ledger-r3.evaluation.json", "e" * 64)
    built = chain.evaluation_statement(
        OBJECTIVE_ID, OBJECTIVE, verdict, tests, results, run_digest, reports=(report,), evaluated_at="2026-03-04T09:00:00Z"
    )
    return signed(built)


def a_decision(action: str = "deploy", evaluation_digest: str | None = "f" * 64) -> Statement:
    record = {"action": action, "by": "raj-risk", "at": "2026-03-05T10:00:00Z", "reason": "every criterion met"}
    return signed(chain.decision_statement(OBJECTIVE_ID, OBJECTIVE, record, evaluation_digest, issued_at="2026-03-05T10:01:00Z"))


def test_each_link_points_at_the_one_before_by_the_digest_given() -> None:
    run = a_run()
    evaluation = an_evaluation(run_digest=run.digest())
    decision = a_decision(evaluation_digest=evaluation.digest())

    assert [s.predicate_type for s in (run, evaluation, decision)] == [RUN, TEST_RESULT, DECISION]
    assert chain.previous_digest(run) == APPROVAL_DIGEST
    assert chain.previous_digest(evaluation) == run.digest()
    assert chain.previous_digest(decision) == evaluation.digest()
    # The link names the kind of statement it points at, for a reader; the gate follows the digest.
    assert run.predicate["previous"]["predicateType"] == APPROVAL
    assert decision.predicate["previous"]["predicateType"] == TEST_RESULT


def test_every_link_names_the_objective_by_id_and_by_the_sha256_of_its_file() -> None:
    approved = signed(approval.statement(gate_answer(OBJECTIVE_ID, OBJECTIVE_PATH), OBJECTIVE_PATH, {OBJECTIVE_PATH: OBJECTIVE_TEXT}))
    for statement in (approved, a_run(), an_evaluation(), a_decision()):
        assert chain.objective_of(statement) == OBJECTIVE_ID, statement.predicate_type
        assert chain.objective_digest(statement, OBJECTIVE_ID) == sha256(OBJECTIVE_TEXT), statement.predicate_type
    # The run and the decision find the objective among their subjects by its id: another id's file is not there.
    assert chain.objective_digest(a_run(), "ledger-r4") is None
    assert chain.objective_digest(a_decision(), "ledger-r4") is None


def test_the_evaluation_is_an_in_toto_test_result_each_criterion_a_test() -> None:
    criteria = [("sc-b", "pass"), ("sc-a", "pass"), ("rb-x", "inconclusive"), ("rb-y", "missing"), ("rb-z", "fail")]
    statement = an_evaluation("fail", criteria)

    predicate = statement.predicate
    assert predicate["result"] == "FAILED"
    assert (predicate["passedTests"], predicate["warnedTests"], predicate["failedTests"]) == (["sc-a", "sc-b"], ["rb-x", "rb-y"], ["rb-z"])
    assert [s.name for s in statement.subjects] == ["out/r3/results.json", "registers/ledger/ledger-r3.evaluation.json"]
    objective = next(item for item in predicate["configuration"] if item["name"] == "objective")
    assert objective["annotations"] == {
        "objective": OBJECTIVE_ID, "path": OBJECTIVE_PATH, "verdict": "fail", "evaluated_at": "2026-03-04T09:00:00Z",
    }  # fmt: skip


@pytest.mark.parametrize(("verdict", "result"), [("pass", "PASSED"), ("fail", "FAILED"), ("undecided", "WARNED")])
def test_the_result_is_the_verdict_the_register_records(verdict: str, result: str) -> None:
    """A pass with criteria that were inconclusive without blocking is still PASSED: the online deploy gate and
    `decide --action deploy` accept that verdict, and the signed result must say the same; they are listed as warned."""
    statement = an_evaluation(verdict, [("sc-a", "pass"), ("rb-x", "inconclusive")])
    assert chain.result_of(statement) == result
    assert statement.predicate["warnedTests"] == ["rb-x"]


def test_the_run_says_which_checkpoint_it_trained_and_the_decision_its_action() -> None:
    assert chain.checkpoint_of(a_run()) == CHECKPOINT
    assert chain.action_of(a_decision("rollback")) == "rollback"
    # Each accessor reads its own kind of statement only.
    assert chain.checkpoint_of(a_decision()) is None
    assert chain.action_of(an_evaluation()) is None
    assert chain.result_of(a_run()) is None


def test_a_decision_that_needs_no_evaluation_points_at_nothing_and_says_when_it_was_issued() -> None:
    decision = a_decision("reject", evaluation_digest=None)
    assert chain.previous_digest(decision) is None and "previous" not in decision.predicate
    assert decision.predicate["issued_at"] == "2026-03-05T10:01:00Z"
    assert decision.predicate["decision"]["at"] == "2026-03-05T10:00:00Z"


def _with_configuration(configuration: Any) -> Statement:
    base = an_evaluation()
    return Statement(base.subjects, TEST_RESULT, {**base.predicate, "configuration": configuration})


@pytest.mark.parametrize(
    "configuration",
    [
        "previous",  # not a list
        {"name": "previous", "digest": {"sha256": "b" * 64}},  # a mapping, not a list of them
        [{"name": "previous", "digest": {"sha256": "b" * 64}}, {"name": "previous", "digest": {"sha256": "c" * 64}}],
        [{"name": "previous", "digest": "b" * 64}],  # the digest not a mapping
        [],
    ],
)
def test_a_test_result_whose_previous_is_missing_malformed_or_doubled_points_at_nothing(configuration: Any) -> None:
    statement = _with_configuration(configuration)
    assert chain.previous_digest(statement) is None
    assert chain.objective_of(statement) is None


def test_two_different_digests_for_one_objective_name_nothing() -> None:
    other = Subject(OBJECTIVE_PATH, "0" * 64)
    run = Statement((OBJECTIVE, other), RUN, a_run().predicate)
    assert chain.objective_digest(run, OBJECTIVE_ID) is None


def test_link_reasons_name_the_wrong_kind_the_wrong_objective_and_the_wrong_bytes() -> None:
    run = a_run()
    assert chain.link_reasons(run, RUN, OBJECTIVE_ID, sha256(OBJECTIVE_TEXT)) == []
    assert chain.link_reasons(run, RUN, OBJECTIVE_ID, None) == []

    [kind] = chain.link_reasons(an_evaluation(), RUN, OBJECTIVE_ID, None)
    assert f"it is a {TEST_RESULT} statement, not the run statement ({RUN})" == kind

    [objective] = chain.link_reasons(run, RUN, "ledger-r4", None)
    assert objective == "the run statement is for objective 'ledger-r3', not ledger-r4"

    edited = sha256(OBJECTIVE_TEXT + b"# edited\n")
    [digest] = chain.link_reasons(a_run(objective=Subject(OBJECTIVE_PATH, edited)), RUN, OBJECTIVE_ID, sha256(OBJECTIVE_TEXT))
    assert digest == f"the run statement names objective sha256 {edited}, not {sha256(OBJECTIVE_TEXT)}"
