"""The statements after the approval: run → evaluation → decision, each pointing at the one before.

record-run signs a run statement whose `previous` is the approval statement's digest,
`evaluate --record` an in-toto Test Result whose configuration names the run statement, and
`decide` a decision statement naming the evaluation statement. The deploy gate verifies the
four offline and follows the digests; a statement pointing anywhere else breaks the chain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ftgov.attest.statement import APPROVAL, DECISION, RUN, TEST_RESULT, Statement, Subject

PREVIOUS = "previous"  # the configuration entry (Test Result) or predicate key naming the statement before


def previous(predicate_type: str, digest: str) -> dict[str, Any]:
    return {"predicateType": predicate_type, "digest": {"sha256": digest}}


def run_statement(
    objective_id: str, objective: Subject, run: Mapping[str, Any], configs: Sequence[Subject], approval_digest: str
) -> Statement:
    """The run: which objective trained, when, from which configuration files, into which checkpoint."""
    predicate = {"objective": objective_id, "run": dict(run), PREVIOUS: previous(APPROVAL, approval_digest)}
    return Statement((objective, *configs), RUN, predicate)


def evaluation_statement(
    objective_id: str,
    verdict: str,
    criteria: Mapping[str, str],  # criterion id -> pass | fail | inconclusive | missing
    results: Sequence[Subject],
    run_digest: str,
    report: Subject | None = None,
) -> Statement:
    """The evaluation as an in-toto Test Result (v0.1): each criterion a test, the run statement in its configuration."""
    predicate = {
        "result": {"pass": "PASSED", "fail": "FAILED"}.get(verdict, "WARNED"),
        "configuration": [
            {"name": PREVIOUS, "digest": {"sha256": run_digest}, "annotations": {"predicateType": RUN}},
            {"name": "objective", "annotations": {"objective": objective_id, "verdict": verdict}},
        ],
        "passedTests": sorted(c for c, status in criteria.items() if status == "pass"),
        "warnedTests": sorted(c for c, status in criteria.items() if status in ("inconclusive", "missing")),
        "failedTests": sorted(c for c, status in criteria.items() if status == "fail"),
    }
    subjects = (*results, report) if report is not None else tuple(results)
    return Statement(tuple(subjects), TEST_RESULT, predicate)


def decision_statement(objective_id: str, objective: Subject, decision: Mapping[str, Any], evaluation_digest: str | None) -> Statement:
    """The decision on the round; `evaluation_digest` None for a decision that needs no evaluation (reject, abandon)."""
    predicate: dict[str, Any] = {"objective": objective_id, "decision": dict(decision)}
    if evaluation_digest is not None:
        predicate[PREVIOUS] = previous(TEST_RESULT, evaluation_digest)
    return Statement((objective,), DECISION, predicate)


def previous_digest(statement: Statement) -> str | None:
    """The digest a chain statement points back at, wherever its predicate type keeps it."""
    if statement.predicate_type == TEST_RESULT:
        for item in statement.predicate.get("configuration") or []:
            if isinstance(item, dict) and item.get("name") == PREVIOUS:
                return _sha(item)
        return None
    link = statement.predicate.get(PREVIOUS)
    return _sha(link) if isinstance(link, dict) else None


def _sha(item: Mapping[str, Any]) -> str | None:
    digest = item.get("digest")
    value = digest.get("sha256") if isinstance(digest, dict) else None
    return value if isinstance(value, str) else None
