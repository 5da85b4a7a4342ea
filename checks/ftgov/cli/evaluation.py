"""The evaluation's command: evaluate, results files against the objective and its whole history."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ftgov.cli.options import VERDICT, emit, format_option, out_option, repo_root_option
from ftgov.cli.register import refused
from ftgov.cli.statements import chain_signer, statement_options, write_statement
from ftgov.cli.statements import previous_statement as _previous
from ftgov.documents.errors import InputError


class _EvaluateProgress:
    """'read 3/20 files' then 'judged 12/40 criteria' on a terminal's stderr; silent when piped."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def __call__(self, what: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        unit = "files" if what == "read" else "criteria"
        click.echo(f"\r{what} {done}/{total} {unit}   ", err=True, nl=False)
        if done == total:
            click.echo("\r" + " " * 40 + "\r", err=True, nl=False)


@click.command()
@click.argument("objective_id")
@click.option(
    "--candidate",
    "candidate",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="The fine-tuned model's results (file or lm-eval output directory); repeat for several.",
)
@click.option(
    "--baseline",
    "baseline",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="The base model's results (criteria with compare_to: base). Default: the values the register recorded.",
)
@click.option(
    "--parent",
    "parent",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="The parent round's results (compare_to: parent). Default: the parent round's recorded values.",
)
@format_option(
    VERDICT,
    help="text: for a terminal; json: the report --record writes, for machines; markdown: a PR comment or "
    "job summary; html: one self-contained file with a chart.",
)
@out_option
@click.option(
    "--record",
    is_flag=True,
    help="Write the JSON report to registers/<model>/OBJECTIVE_ID.evaluation.json and pin it in the register round, "
    "moving it from trained to evaluated (any other status: exit 1, nothing written, the missing step named).",
)
@statement_options(
    "With --record: write the signed evaluation statement (an in-toto Test Result) here, after the register.",
    "The run statement `ftgov record-run --statement-out` signed for this round: verified, and the evaluation statement's `previous`.",
)
@repo_root_option
def evaluate(
    objective_id: str,
    candidate: tuple[Path, ...],
    baseline: tuple[Path, ...],
    parent: tuple[Path, ...],
    fmt: str,
    out: Path | None,
    record: bool,
    statement_out: Path | None,
    previous_statement: Path | None,
    signing_key: Path | None,
    keyless: bool,
    trusted_keys: tuple[Path, ...],
    trusted_identities: tuple[str, ...],
    oidc_issuer: str,
    sigstore_root: Path | None,
    repo_root: Path | None,
) -> None:
    """Judge a fine-tuned model's results against every criterion its round must meet.

    The criteria: the objective's success criteria and regression boundaries, those of
    every earlier round in the register (anchored where they were declared), the policy's
    standing safety suite and defaults (general capability, tail, calibration). Each gets a
    delta, a confidence interval (paired where both runs have per-item values; never of
    zero width) and a status: pass, fail, inconclusive (the interval straddles the
    threshold, or a value came with no items, stderr or n) or missing (absent, or a setting
    one run recorded differs or is absent in the other). Safety boundaries block when
    inconclusive; Holm's step-down corrects for the number of criteria. The README's
    "Statistical rules" section says each rule. Results: lm-eval output, Inspect logs,
    model cards, or ftgov's format (docs/results-format.md).

    \b
    Exit codes: 0 pass, 1 fail, 2 input error (an unknown objective, a results file that
    is malformed or truncated, an empty directory, duplicated items, a results file whose
    direction contradicts the objective, a non-finite value a criterion needs), naming
    the file in one line.

    \b
    The signed chain (with --record only: the statement mirrors what the register records):
    --statement-out FILE with --signing-key FILE or --keyless also signs the evaluation as
    an in-toto Test Result: result PASSED (verdict pass; criteria that were inconclusive
    without blocking are listed as warned tests), FAILED (verdict fail); each criterion a
    test; subjects the candidate's results files and the reports (the recorded JSON, and
    --out if written) by sha256; `previous` the run statement's sha256. --previous-statement
    RUN_BUNDLE (required with --statement-out) is verified under --trusted-key or
    --trusted-identity and must be the run statement of this round: for OBJECTIVE_ID, the
    objective bytes judged here, and the checkpoint the register's round records; else
    exit 2, nothing written. The statement is signed before and written after the register.

    \b
    Examples:
      ftgov evaluate support-agent-r3 --candidate out/r3/ --baseline out/base/ --parent out/r2/
      ftgov evaluate support-agent-r3 --candidate out/r3/ --format markdown >> "$GITHUB_STEP_SUMMARY"
      ftgov evaluate support-agent-r3 --candidate out/r3/ --format html --out r3.html
      ftgov evaluate support-agent-r3 --candidate out/r3/ --record
      ftgov evaluate support-agent-r3 --candidate out/r3/ --record --previous-statement r3.run.dsse.json \\
        --trusted-key org.pub --signing-key org.key --statement-out r3.evaluation.dsse.json
    """
    from ftgov.documents.repository import Repository
    from ftgov.documents.times import iso
    from ftgov.evaluation import evaluate as evaluation_module
    from ftgov.evaluation.statement import evaluation_statement
    from ftgov.register.ops import now
    from ftgov.render.verdict_formats import VERDICT_FORMATS

    if statement_out is not None and not record:
        raise InputError("--statement-out signs the evaluation --record records; add --record")
    signer = chain_signer(statement_out, signing_key, keyless, previous_statement)
    if signer is not None and previous_statement is None:
        raise InputError(
            f"--statement-out needs --previous-statement RUN_BUNDLE: the run statement `ftgov record-run {objective_id} "
            "--statement-out` signed, which the evaluation statement points at"
        )
    run = _previous(previous_statement, trusted_keys, trusted_identities, oidc_issuer, sigstore_root)
    repo = Repository.discover(repo_root)
    result = evaluation_module.evaluate(repo, objective_id, candidate, baseline, parent, progress=_EvaluateProgress())
    emit(VERDICT_FORMATS[fmt](result.to_json()), out)
    if record:
        evaluated_at = iso(now())
        signed = None
        if signer is not None and run is not None:
            # Signed before anything is written: a signer that fails (keyless, offline) leaves nothing half done.
            statement = evaluation_statement(repo, result, run, evaluated_at=evaluated_at, out=out)
            signed = signer.sign(statement), statement.digest()
        with refused():
            try:
                outcome = evaluation_module.record(repo, result, objective_id, at=evaluated_at)
            except InputError as exc:
                raise InputError(f"--record: {exc}") from exc
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                raise InputError(f"--record: {exc.filename or 'the register'}: cannot write ({reason})") from exc
        click.echo(f"ftgov: recorded {outcome.report} and pinned it in {outcome.register} ({objective_id} is now evaluated)", err=True)
        for line in outcome.findings:
            click.echo(f"ftgov: register now: {line}", err=True)
        if signed is not None and statement_out is not None and run is not None:
            write_statement(statement_out, signed[0])
            click.echo(f"ftgov: evaluation statement {statement_out} (sha256 {signed[1]}; previous: run statement {run.digest})", err=True)
    sys.exit(0 if result.passed else 1)


COMMANDS = (evaluate,)
