"""The data pillar's command: `ftgov data check`, the data files measured against what the objective declared."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from ftgov.cli.options import emit, out_option, repo_root_option
from ftgov.cli.register import refused


class _DataProgress:
    """'reading support-transcripts-2026: 1,230,000 records (41,000/s)' on a terminal's stderr, 4 times a second; silent when piped."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.what = ""
        self.done = 0
        self.started = time.monotonic()
        self.shown = 0.0

    def __call__(self, what: str, records: int) -> None:
        if not self.enabled:
            return
        if what != self.what:
            self.what, self.done, self.started = what, 0, time.monotonic()
        self.done += records
        now = time.monotonic()
        if now - self.shown >= 0.25:
            self.shown = now
            rate = self.done / max(now - self.started, 1e-9)
            click.echo(f"\r{what}: {self.done:,} records ({rate:,.0f}/s)   ", err=True, nl=False)

    def clear(self) -> None:
        if self.enabled and self.done:
            click.echo("\r" + " " * 100 + "\r", err=True, nl=False)


@click.group("data")
def data() -> None:
    """Measure a round's data files: volume, contamination, agreement, dates."""


@data.command("check")
@click.argument("objective_id")
@click.option(
    "--source",
    "sources",
    multiple=True,
    required=True,
    metavar="NAME=PATH",
    help="A file of a source the objective declares (dataset.sources or dataset.validation.source); repeat for each, "
    "and for each shard of a source.",
)
@click.option(
    "--eval",
    "evals",
    multiple=True,
    metavar="NAME=PATH",
    help="An evaluation set the criteria are measured on: checked for copies in the training data; repeat for each.",
)
@click.option("--text-field", default="text", show_default=True, help="The field holding a record's text.")
@click.option("--id-field", default=None, help="The field holding a record's document id: enables document-level separation.")
@click.option("--label-field", default="labels", show_default=True, help="The field holding several annotators' labels of a record.")
@click.option(
    "--label-level",
    type=click.Choice(("nominal", "ordinal", "interval", "ratio")),
    default="nominal",
    show_default=True,
    help="Krippendorff's level of measurement of the labels.",
)
@click.option("--date-field", default=None, help="The field holding when a record was collected: enables the date range.")
@click.option(
    "--engine",
    type=click.Choice(("local", "ray")),
    default="local",
    show_default=True,
    help="local: this machine, streaming, bounded memory. ray: Ray Data, for corpora beyond one machine (pip install 'ftgov[ray]').",
)
@click.option("--format", "fmt", type=click.Choice(("text", "json", "markdown")), default="text", show_default=True)
@click.option("--record", is_flag=True, help="Append the measurements to the round's `data` in registers/<model>.yaml.")
@out_option
@repo_root_option
def check(
    objective_id: str,
    sources: tuple[str, ...],
    evals: tuple[str, ...],
    text_field: str,
    id_field: str | None,
    label_field: str,
    label_level: str,
    date_field: str | None,
    engine: str,
    fmt: str,
    record: bool,
    out: Path | None,
    repo_root: Path | None,
) -> None:
    """Measure OBJECTIVE_ID's data files against what its objective declared, before the PR.

    Reads JSONL, CSV, Parquet and saved Hugging Face datasets (a directory of *.arrow
    files), streaming, and measures: records per source against the declared count;
    exact and near copies (MinHash over word n-grams, LSH) of the validation records and
    of each --eval set among all training records; with --id-field, validation documents
    that also occur in training; with several labels per record, Krippendorff's alpha;
    with --date-field, the collection dates against the task definition in force. The
    near-copy settings and the thresholds are the policy's `data` section. Every file is
    pinned by its sha256.

    \b
    Example:
      ftgov data check support-agent-r3 \\
        --source support-transcripts-2026=data/train.jsonl \\
        --source production-sample-2026-10=data/validation.jsonl \\
        --eval enterprise-tone=data/tone-eval.parquet --id-field conversation_id --record

    Exit codes: 0 the data meets the policy; 1 it does not (contamination above the
    policy's threshold: FTG504/FTG505), or --record was refused; 2 usage or input error
    (a source the objective does not declare, an unreadable or malformed file).
    """
    from ftgov.data.check import Fields, judge, measure, parse_given
    from ftgov.documents.repository import Repository
    from ftgov.render.data import RENDERERS, DataReport

    repo = Repository.discover(repo_root)
    given_sources = parse_given(sources, "--source")
    given_evals = parse_given(evals, "--eval")
    fields = Fields(text=text_field, id=id_field, labels=label_field, label_level=label_level, date=date_field)
    progress = _DataProgress()
    try:
        evidence = measure(repo, objective_id, given_sources, given_evals, fields, engine, progress)
    finally:
        progress.clear()
    findings, waived = judge(repo, evidence)
    recorded_in = None
    if record:
        from ftgov.data.record import record as record_data
        from ftgov.register.ops import write_register

        with refused():
            change = record_data(repo, evidence)
        write_register(repo.root / change.path, change.path, change.before, change.file_text)
        recorded_in = change.path
    report = DataReport(evidence, tuple(findings), tuple(waived), recorded_in)
    emit(RENDERERS[fmt](report), out)
    sys.exit(1 if report.errors else 0)


COMMANDS = (data,)
