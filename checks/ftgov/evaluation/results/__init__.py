"""Evaluation results, from whichever tool wrote them, as one MetricTable.

`load(path)` recognises the format from the path and content: a directory or a
`results_*.json` is lm-evaluation-harness; `.eval`, or JSON with `eval`/`status`, is an
Inspect log; `.md` is a model card with a model-index; JSON or YAML with `suite` and
`metrics` is ftgov's generic format (docs/results-format.md). Anything unreadable raises
ResultsError with one line naming the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ftgov.evaluation.results import generic, inspect_log, lmeval, modelindex
from ftgov.evaluation.results.table import DuplicateItems, Items, Measurement, MetricTable, Provenance, ResultsError, Settings

__all__ = ["FORMATS", "Items", "Measurement", "MetricTable", "Provenance", "ResultsError", "Settings", "load", "load_all"]

FORMATS = ("lm-eval", "inspect", "generic", "model-index")


def load(path: str | Path, format: str | None = None) -> MetricTable:
    try:
        return _load(Path(path), format)
    except DuplicateItems as error:
        raise ResultsError(path, str(error)) from None


def _load(where: Path, format: str | None) -> MetricTable:
    if format is not None and format not in FORMATS:
        raise ResultsError(where, f"unknown results format {format!r}; one of {', '.join(FORMATS)}")
    if not where.exists():
        raise ResultsError(where, "no such file or directory")
    if format == "lm-eval" or (format is None and where.is_dir()):
        return lmeval.load(where)
    if format == "inspect" or (format is None and where.suffix == ".eval"):
        return inspect_log.load(where)
    if format == "model-index" or (format is None and where.suffix.lower() == ".md"):
        return modelindex.load(where)
    if format == "generic" or where.suffix.lower() in (".yaml", ".yml"):
        return generic.load(where)
    if where.suffix.lower() != ".json":
        raise ResultsError(where, "unknown results file type: give lm-eval or Inspect output, a model card (.md) or ftgov JSON/YAML")
    data = lmeval.read_json(where)
    if isinstance(data, dict):
        if lmeval.looks_like(data):
            return lmeval.load(where)
        if inspect_log.looks_like(data):
            return inspect_log.load(where)
        if generic.looks_like(data):
            return generic.load(where, data)
    raise ResultsError(where, "not a results file ftgov knows (lm-eval results, Inspect log, or ftgov's format: docs/results-format.md)")


def load_all(paths: Iterable[str | Path]) -> MetricTable:
    """Several results files as one table; the same measurement in two files is an input error."""
    tables = [load(p) for p in paths]
    return MetricTable.merge(tables)
