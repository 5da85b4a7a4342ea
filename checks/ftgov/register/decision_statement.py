"""The decision statement `decide --statement-out` signs: the chain's last link, after the evaluation.

Its subject is the objective file (sha256); its predicate the decision or withdrawal exactly
as the register records it, when the statement was issued, and `previous` the evaluation
statement's digest. A deploy needs that evaluation statement: it must be the Test Result of
this round's recorded evaluation (the report the register pins, by sha256), for this
objective's bytes, and PASSED. Any other action may name one, checked the same way but for
its result. A statement that is not that evaluation is an InputError (exit 2), before the
register is written.
"""

from __future__ import annotations

from collections.abc import Mapping

from ftgov.attest import chain
from ftgov.attest.statement import TEST_RESULT, Statement, Subject, sha256
from ftgov.attest.verify import Verified
from ftgov.documents import paths
from ftgov.documents.access import mapping, text
from ftgov.documents.corrected import corrected
from ftgov.documents.errors import InputError
from ftgov.documents.repository import Repository
from ftgov.register import ops


def decision_statement(
    repo: Repository, objective_id: str, action: str, record: Mapping[str, str], evaluation: Verified | None, *, issued_at: str
) -> Statement:
    """The decision statement for `record` (as decide appends it), following the verified evaluation statement, if any."""
    model = ops.model_of(repo, objective_id)
    objective_bytes, _ = ops.load_objective(repo, model, objective_id)
    objective = Subject(paths.objective_path(model, objective_id), sha256(objective_bytes))
    if evaluation is None and action == "deploy":
        raise InputError(
            "--statement-out with --action deploy needs --previous-statement EVAL_BUNDLE: the evaluation statement "
            f"`ftgov evaluate {objective_id} --record --statement-out` signed, which the decision points at"
        )
    if evaluation is not None:
        reasons = chain.link_reasons(evaluation.statement, TEST_RESULT, objective_id, objective.sha256)
        if evaluation.statement.predicate_type == TEST_RESULT:
            reasons += _evaluation_reasons(repo, model, objective_id, action, evaluation)
        if reasons:
            raise InputError(
                f"--previous-statement {evaluation.path}: not the evaluation of {objective_id} recorded here: {'; '.join(reasons)}"
            )
    return chain.decision_statement(
        objective_id, objective, record, evaluation.digest if evaluation is not None else None, issued_at=issued_at
    )


def _evaluation_reasons(repo: Repository, model: str, objective_id: str, action: str, evaluation: Verified) -> list[str]:
    """The statement is of the evaluation the register records (its report, by sha256), and PASSED for a deploy."""
    reasons = []
    result = chain.result_of(evaluation.statement)
    if action == "deploy" and result != "PASSED":
        reasons.append(f"its result is {result}, and a deploy decision follows only a PASSED evaluation")
    register = ops.load_register(repo, model)
    _, entry = register.round_of(objective_id)
    recorded = mapping(corrected(entry), "evaluation")
    report, report_sha256 = text(recorded, "report"), text(recorded, "report_sha256")
    if report is None or report_sha256 is None:
        reasons.append(f"{register.path} records no evaluation report for round {objective_id} to compare it with")
        return reasons
    subject = evaluation.statement.subject(report)
    if subject is None or subject.sha256 != report_sha256:
        signed = "no such subject" if subject is None else f"sha256 {subject.sha256}"
        reasons.append(f"{register.path} pins {report} with sha256 {report_sha256}; the statement names {signed}")
    return reasons
