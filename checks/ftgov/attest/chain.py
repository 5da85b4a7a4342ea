"""The statements after the approval: run → evaluation → decision, each pointing at the one before.

record-run signs a run statement whose `previous` is the approval statement's digest,
`evaluate --record` an in-toto Test Result whose configuration names the run statement, and
`decide` a decision statement naming the evaluation statement. The deploy gate verifies the
four offline and follows the digests; a statement pointing anywhere else breaks the chain.

Every statement of the chain names the objective it is for, by id and by the sha256 of its
file: the approval's subject digest is the chain's anchor, and each later link must repeat it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ftgov.attest.statement import APPROVAL, DECISION, RUN, TEST_RESULT, Statement, Subject
from ftgov.documents import paths

PREVIOUS = "previous"  # the configuration entry (Test Result) or predicate key naming the statement before
OBJECTIVE = "objective"  # the Test Result's configuration entry naming the objective evaluated

# The chain in order, and what each link is called in a reason a person reads.
CHAIN = (APPROVAL, RUN, TEST_RESULT, DECISION)
LINK = {APPROVAL: "approval", RUN: "run", TEST_RESULT: "evaluation", DECISION: "decision"}

# The in-toto Test Result's `result` for ftgov's verdict: the register's pass is PASSED even where
# criteria that do not block were inconclusive (they are listed in warnedTests), because the
# online deploy gate and `decide --action deploy` accept that verdict; WARNED is for anything else.
RESULTS = {"pass": "PASSED", "fail": "FAILED"}


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
    objective: Subject,
    verdict: str,
    criteria: Sequence[tuple[str, str]],  # (test name, status): pass | fail | inconclusive | missing
    results: Sequence[Subject],
    run_digest: str,
    *,
    reports: Sequence[Subject] = (),
    evaluated_at: str | None = None,
) -> Statement:
    """The evaluation as an in-toto Test Result (v0.1): each criterion a test, the run statement in its configuration.

    `results` are the candidate's results files and `reports` the reports written, each by
    sha256: the subjects. The objective evaluated (its file's sha256) is a configuration
    entry beside the run statement, so the statement says what was judged and against what.
    """
    annotations: dict[str, Any] = {"objective": objective_id, "path": objective.name, "verdict": verdict}
    if evaluated_at is not None:
        annotations["evaluated_at"] = evaluated_at
    predicate = {
        "result": RESULTS.get(verdict, "WARNED"),
        "configuration": [
            {"name": PREVIOUS, "digest": {"sha256": run_digest}, "annotations": {"predicateType": RUN}},
            {"name": OBJECTIVE, "digest": {"sha256": objective.sha256}, "annotations": annotations},
        ],
        "passedTests": sorted(name for name, status in criteria if status == "pass"),
        "warnedTests": sorted(name for name, status in criteria if status in ("inconclusive", "missing")),
        "failedTests": sorted(name for name, status in criteria if status == "fail"),
    }
    return Statement((*results, *reports), TEST_RESULT, predicate)


def decision_statement(
    objective_id: str, objective: Subject, decision: Mapping[str, Any], evaluation_digest: str | None, *, issued_at: str
) -> Statement:
    """The decision on the round; `evaluation_digest` None for a decision that needs no evaluation (reject, abandon).

    `issued_at` is when the statement was made (the decision's own `at` may be earlier): a
    verifier holding only a key-signed envelope bounds the statement's age by it.
    """
    predicate: dict[str, Any] = {"objective": objective_id, "decision": dict(decision), "issued_at": issued_at}
    if evaluation_digest is not None:
        predicate[PREVIOUS] = previous(TEST_RESULT, evaluation_digest)
    return Statement((objective,), DECISION, predicate)


def previous_digest(statement: Statement) -> str | None:
    """The digest a chain statement points back at, wherever its predicate type keeps it."""
    if statement.predicate_type == TEST_RESULT:
        item = _configuration(statement, PREVIOUS)
        return None if item is None else _sha(item)
    link = statement.predicate.get(PREVIOUS)
    return _sha(link) if isinstance(link, dict) else None


def objective_of(statement: Statement) -> str | None:
    """The objective id a statement of the chain is for."""
    if statement.predicate_type == TEST_RESULT:
        item = _configuration(statement, OBJECTIVE)
        annotations = item.get("annotations") if item is not None else None
        value = annotations.get("objective") if isinstance(annotations, dict) else None
    else:
        value = statement.predicate.get("objective")
    return value if isinstance(value, str) else None


def objective_digest(statement: Statement, objective_id: str) -> str | None:
    """The sha256 of the objective file a statement of the chain names for `objective_id`, or None when it names none.

    The approval, run and decision carry it as a subject (objectives/<model>/<id>.yaml); the
    Test Result as its `objective` configuration entry.
    """
    if statement.predicate_type == TEST_RESULT:
        item = _configuration(statement, OBJECTIVE)
        return None if item is None else _sha(item)
    if statement.predicate_type == APPROVAL:
        named = statement.predicate.get("objective_path")
        subject = statement.subject(named) if isinstance(named, str) else None
        return None if subject is None else subject.sha256
    found = {s.sha256 for s in statement.subjects if paths.is_objective_path(s.name) and s.name.endswith(f"/{objective_id}.yaml")}
    return found.pop() if len(found) == 1 else None  # two different digests for one objective name nothing


def result_of(statement: Statement) -> str | None:
    """A Test Result's PASSED | WARNED | FAILED."""
    value = statement.predicate.get("result") if statement.predicate_type == TEST_RESULT else None
    return value if isinstance(value, str) else None


def action_of(statement: Statement) -> str | None:
    """A decision statement's action: deploy, reject, abandon, rollback or retire."""
    decision = statement.predicate.get("decision") if statement.predicate_type == DECISION else None
    value = decision.get("action") if isinstance(decision, dict) else None
    return value if isinstance(value, str) else None


def checkpoint_of(statement: Statement) -> str | None:
    """The checkpoint a run statement says the run trained."""
    run = statement.predicate.get("run") if statement.predicate_type == RUN else None
    value = run.get("checkpoint") if isinstance(run, dict) else None
    return value if isinstance(value, str) else None


def link_reasons(statement: Statement, predicate_type: str, objective_id: str, objective_sha256: str | None) -> list[str]:
    """Why `statement` is not the `predicate_type` link of `objective_id`'s chain; none when it is.

    `objective_sha256` is the objective the chain is anchored to (the approval's subject, or the
    file here); None skips that comparison.
    """
    name = LINK.get(predicate_type, predicate_type)
    if statement.predicate_type != predicate_type:
        return [f"it is a {statement.predicate_type} statement, not the {name} statement ({predicate_type})"]
    reasons: list[str] = []
    if objective_of(statement) != objective_id:
        reasons.append(f"the {name} statement is for objective {objective_of(statement)!r}, not {objective_id}")
    found = objective_digest(statement, objective_id)
    if objective_sha256 is not None and found != objective_sha256:
        reasons.append(f"the {name} statement names objective sha256 {found}, not {objective_sha256}")
    return reasons


def _configuration(statement: Statement, name: str) -> dict[str, Any] | None:
    items = statement.predicate.get("configuration")
    found = [item for item in items if isinstance(item, dict) and item.get("name") == name] if isinstance(items, list) else []
    return found[0] if len(found) == 1 else None  # two entries of one name: neither is the statement's


def _sha(item: Mapping[str, Any]) -> str | None:
    digest = item.get("digest")
    value = digest.get("sha256") if isinstance(digest, dict) else None
    return value if isinstance(value, str) else None
