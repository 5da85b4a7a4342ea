"""The evaluation statement `evaluate --record --statement-out` signs: the chain's link after the run.

An in-toto Test Result whose subjects are the candidate's results files and the reports, each
by sha256, whose tests are the criteria, and whose configuration names the run statement it
follows (by digest) and the objective judged. It is built only for an evaluation being
recorded: the statement mirrors what the register records, so there is never a signed
evaluation the register does not hold.

The run statement must be this round's run: for OBJECTIVE_ID, for the objective file just
judged (the same sha256), and of the checkpoint the register's round records. Anything else
is an InputError naming the file (exit 2), before a byte is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from ftgov.attest import chain
from ftgov.attest.statement import RUN, Statement, Subject, sha256
from ftgov.attest.verify import Verified
from ftgov.documents import paths
from ftgov.documents.access import mapping, text
from ftgov.documents.corrected import corrected
from ftgov.documents.errors import InputError
from ftgov.documents.repository import Repository
from ftgov.evaluation.compare import Result
from ftgov.evaluation.evaluate import Evaluation, portable
from ftgov.evaluation.results.table import sha256_of
from ftgov.register import ops as register_ops


def evaluation_statement(
    repo: Repository, evaluation: Evaluation, run: Verified, *, evaluated_at: str, out: Path | None = None
) -> Statement:
    """The Test Result for `evaluation`, following the verified run statement `run`; `out` the --out report, if written."""
    objective_id = evaluation.verdict.objective
    judged = evaluation.objective_sha256
    if judged is None:  # evaluate() always pins it; an Evaluation built elsewhere may not
        raise InputError(f"--statement-out: the evaluation of {objective_id} does not say which objective bytes it judged")
    reasons = chain.link_reasons(run.statement, RUN, objective_id, judged)
    if run.statement.predicate_type == RUN:
        reasons += _checkpoint_reasons(repo, evaluation.model, objective_id, run)
    if reasons:
        raise InputError(f"--previous-statement {run.path}: not the run of {objective_id} evaluated here: {'; '.join(reasons)}")
    results = [Subject(str(item["path"]), str(item["sha256"])) for item in evaluation.verdict.inputs if item.get("role") == "candidate"]
    report = evaluation.render_json().encode("utf-8")  # the bytes `record` pins, to the byte
    reports = [Subject(paths.report_path(evaluation.model, objective_id), sha256(report))]
    if out is not None:
        reports.append(Subject(portable(repo, out), sha256_of(out)))
    return chain.evaluation_statement(
        objective_id,
        Subject(paths.objective_path(evaluation.model, objective_id), judged),
        evaluation.verdict.verdict,
        tests(evaluation.verdict.criteria),
        results,
        run.digest,
        reports=reports,
        evaluated_at=evaluated_at,
    )


def tests(results: Sequence[Result]) -> list[tuple[str, str]]:
    """Each criterion as a test, named so that no two share a name: its id; where rounds of the stack share an id,
    the round that declared it first (`ledger-r1:general-knowledge`); where one criterion is judged on several
    metrics (a safety suite), the metric after it."""
    ids = Counter(r.criterion.id for r in results)
    declared = Counter((r.criterion.origin, r.criterion.id) for r in results)
    named = []
    for r in results:
        name = r.criterion.id if ids[r.criterion.id] == 1 else f"{r.criterion.origin}:{r.criterion.id}"
        if declared[(r.criterion.origin, r.criterion.id)] > 1:
            name += f" ({r.metric})"
        named.append((name, r.status))
    return named


def _checkpoint_reasons(repo: Repository, model: str, objective_id: str, run: Verified) -> list[str]:
    """The run statement's checkpoint is the one the register's round records (corrections applied).

    Where the register or the round is missing there is nothing to compare: `record` refuses
    that round with the step it lacks.
    """
    if not (repo.root / paths.register_path(model)).is_file():
        return []
    register = register_ops.load_register(repo, model)
    entry = next((corrected(r) for r in register.rounds if r.get("objective") == objective_id), None)
    if entry is None:
        return []
    recorded, signed = text(mapping(entry, "run"), "checkpoint"), chain.checkpoint_of(run.statement)
    if recorded == signed:
        return []
    return [f"the run statement records checkpoint {signed}, the register's round {recorded} ({register.path} run.checkpoint)"]
