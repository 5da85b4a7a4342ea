"""The evaluation's command: evaluate, results files against the objective and its whole history."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ftgov.cli.options import VERDICT, emit, format_option, out_option, repo_root_option
from ftgov.cli.register import refused
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
@repo_root_option
def evaluate(
    objective_id: str,
    candidate: tuple[Path, ...],
    baseline: tuple[Path, ...],
    parent: tuple[Path, ...],
    fmt: str,
    out: Path | None,
    record: bool,
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
    Examples:
      ftgov evaluate support-agent-r3 --candidate out/r3/ --baseline out/base/ --parent out/r2/
      ftgov evaluate support-agent-r3 --candidate out/r3/ --format markdown >> "$GITHUB_STEP_SUMMARY"
      ftgov evaluate support-agent-r3 --candidate out/r3/ --format html --out r3.html
      ftgov evaluate support-agent-r3 --candidate out/r3/ --record
    """
    from ftgov.documents.repository import Repository
    from ftgov.evaluation import evaluate as evaluation_module
    from ftgov.render.verdict_formats import VERDICT_FORMATS

    repo = Repository.discover(repo_root)
    result = evaluation_module.evaluate(repo, objective_id, candidate, baseline, parent, progress=_EvaluateProgress())
    emit(VERDICT_FORMATS[fmt](result.to_json()), out)
    if record:
        with refused():
            try:
                outcome = evaluation_module.record(repo, result, objective_id)
            except InputError as exc:
                raise InputError(f"--record: {exc}") from exc
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                raise InputError(f"--record: {exc.filename or 'the register'}: cannot write ({reason})") from exc
        click.echo(f"ftgov: recorded {outcome.report} and pinned it in {outcome.register} ({objective_id} is now evaluated)", err=True)
        for line in outcome.findings:
            click.echo(f"ftgov: register now: {line}", err=True)
    sys.exit(0 if result.passed else 1)


COMMANDS = (evaluate,)
