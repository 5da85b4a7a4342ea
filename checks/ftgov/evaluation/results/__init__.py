"""Evaluation results, from whichever tool wrote them, as one MetricTable.

`load(path)` recognises the format from the path and content, asking each of FORMATS in
turn: a directory or an lm-eval results JSON is lm-evaluation-harness; `.eval`, or JSON
with `eval`/`status`, is an Inspect log; `.md` is a model card with a model-index; YAML, or
JSON with `suite` and `metrics`, is ftgov's generic format (docs/results-format.md).
Anything unreadable raises ResultsError with one line naming the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ftgov.evaluation.results import generic, inspect_log, lmeval, modelindex
from ftgov.evaluation.results.table import (
    DuplicateItems,
    Items,
    Measurement,
    MetricTable,
    Provenance,
    ResultsError,
    ResultsFormat,
    Settings,
)

__all__ = ["FORMATS", "Items", "Measurement", "MetricTable", "Provenance", "ResultsError", "ResultsFormat", "Settings", "load", "load_all"]

# In order of precedence: the first whose detect accepts a path loads it. A directory is
# lm-eval's before anything else; JSON content decides between lm-eval, Inspect and generic.
FORMATS: tuple[ResultsFormat, ...] = (lmeval.RESULTS_FORMAT, inspect_log.RESULTS_FORMAT, modelindex.RESULTS_FORMAT, generic.RESULTS_FORMAT)


def load(path: str | Path, format: str | None = None) -> MetricTable:
    try:
        return _load(Path(path), format)
    except DuplicateItems as error:
        raise ResultsError(path, str(error)) from None


def _load(where: Path, format: str | None) -> MetricTable:
    names = ", ".join(known.name for known in FORMATS)
    chosen = [known for known in FORMATS if known.name == format]
    if format is not None and not chosen:
        raise ResultsError(where, f"unknown results format {format!r}; one of {names}")
    if not where.exists():
        raise ResultsError(where, "no such file or directory")
    if chosen:
        return chosen[0].load(where, None)
    # Parsed once here however many formats look at it; unreadable or invalid JSON is an error naming the file.
    content = lmeval.read_json(where) if where.is_file() and where.suffix.lower() == ".json" else None
    for known in FORMATS:
        if known.detect(where, content):
            return known.load(where, content)
    raise ResultsError(where, f"not a results file ftgov knows; tried {names} (docs/results-format.md)")


def load_all(paths: Iterable[str | Path]) -> MetricTable:
    """Several results files as one table; the same measurement in two files is an input error."""
    tables = [load(p) for p in paths]
    return MetricTable.merge(tables)
