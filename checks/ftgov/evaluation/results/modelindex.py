"""Hugging Face `model-index` in a model card (README.md) YAML front matter.

Each result names a task, a dataset and metrics; ftgov reads them as suite `model-index`,
task = the dataset's `type` (a Hub dataset id such as `cais/mmlu`), metric = the metric's
`type`. The dataset's fields are settings, so two cards are compared only where they
agree: `args.num_few_shot` is the n-shot, `split` the split, `config` the dataset config,
`revision` the version. A Trainer-written `split: None` (Python's None as text) counts as
not recorded. A metric's `verified: true` (the Hub ran the evaluation) is carried along.

One measurement of a metric type on a dataset is its only variant (filter "none", and a
bare metric name means it). Several of one type on one dataset (validation and test, two
configs) are variants, none of which a bare name means; each variant's filter is
  1. its split, when every one has a split and the splits differ; else
  2. config:split (the parts given), when those differ; else
  3. the metric's `name`, when every one has a name and the names differ;
otherwise the card is refused. So a criterion names e.g. `acc,test` or
`acc_norm,ARC-Challenge:test`.

Values may be written "65.1 ± 1.2": the number after ± is read as the stderr. A value of a
proportion metric (accuracy, acc, acc_norm, exact_match, em, f1, precision, recall,
pass@k, mc1, mc2, and any type containing "accuracy") is read by one rule: 0 to 1 is a
fraction, above 1 up to 100 is a percentage and is divided (with its stderr) by 100, and
below 0 or above 100 is an error. The table's notes say when a card's values were read as
percentages. Other metrics (wer, bleu, rouge, perplexity) are read as written. A value
written as .nan or .inf is set aside as unusable: an error only if a criterion needs it.
The format records no n and no direction.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ftgov.evaluation.results.table import (
    NO_FILTER,
    Measurement,
    MetricTable,
    Provenance,
    ResultsError,
    ResultsFormat,
    Settings,
    Unusable,
    number,
    sha256_of,
)

SUITE = "model-index"
FORMAT = "model-index"
_NUMBER = r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
_PLUS_MINUS = re.compile(rf"^\s*({_NUMBER})\s*(?:±|\+/-)\s*({_NUMBER})\s*$")
PROPORTIONS = frozenset({"accuracy", "acc", "acc_norm", "exact_match", "em", "f1", "precision", "recall", "mc1", "mc2"})
_PASS_AT = re.compile(r"^pass@[0-9]+$")
_NOT_RECORDED = frozenset({"", "None"})  # transformers' Trainer writes `split: None` when it knows no split


def is_proportion(metric_type: str) -> bool:
    """A metric whose values are proportions, so that 1 < v <= 100 can only be a percentage."""
    kind = metric_type.strip().lower()
    return kind in PROPORTIONS or bool(_PASS_AT.match(kind)) or "accuracy" in kind


@dataclass(frozen=True)
class _Entry:
    """One metric of one result, before its filter is known."""

    where: str  # model-index[m].results[r].metrics[k], for errors
    model: str
    task: str
    metric: str
    name: str | None
    settings: Settings
    value: float | None  # None: non-finite, see raw
    stderr: float | None
    raw: str
    verified: bool | None
    percent: bool  # read as a percentage and divided by 100


def front_matter(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ResultsError(path, f"cannot be read: {getattr(error, 'strerror', None) or error}") from None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ResultsError(path, "has no YAML front matter (a model card starts with a '---' line)")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ResultsError(path, "the front matter is not closed by a '---' line; truncated?") from None
    try:
        return yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        raise ResultsError(path, f"the front matter is not valid YAML{where}") from None


def detect(path: Path, content: Any) -> bool:
    """A model card: Markdown, whose front matter load reads."""
    return path.is_file() and path.suffix.lower() == ".md"


def load(path: Path, content: Any = None) -> MetricTable:
    """The card's model-index; `content` is unused, a card being Markdown rather than the JSON the dispatch parses."""
    meta = front_matter(path)
    index = meta.get("model-index") if isinstance(meta, Mapping) else None
    if not isinstance(index, list) or not index:
        raise ResultsError(path, "the model card's front matter has no model-index")
    provenance = Provenance(str(path), sha256_of(path), FORMAT)
    entries = [entry for m, model in enumerate(index) for entry in _model_entries(path, m, model)]
    groups: dict[tuple[str, str], list[_Entry]] = {}
    for entry in entries:
        groups.setdefault((entry.task, entry.metric), []).append(entry)
    measurements: list[Measurement] = []
    unusable: list[Unusable] = []
    for group in groups.values():
        for entry, filter_ in zip(group, _filters(path, group), strict=True):
            if entry.value is None:
                unusable.append(Unusable(SUITE, entry.task, entry.metric, filter_, str(path), entry.raw))
                continue
            measurements.append(
                Measurement(
                    suite=SUITE,
                    task=entry.task,
                    metric=entry.metric,
                    filter=filter_,
                    value=entry.value,
                    stderr=entry.stderr,
                    n=None,
                    higher_is_better=None,
                    settings=entry.settings,
                    provenance=provenance,
                    primary=len(group) == 1,
                    verified=entry.verified,
                )
            )
    return MetricTable(tuple(measurements), (provenance,), tuple(unusable), _notes(path, entries))


def _model_entries(path: Path, m: int, model: Any) -> list[_Entry]:
    results = model.get("results") if isinstance(model, Mapping) else None
    if not isinstance(results, list):
        raise ResultsError(path, f"model-index[{m}] has no results list")
    model_name = str(model.get("name") or f"model-index[{m}]")
    entries = []
    for r, result in enumerate(results):
        where = f"model-index[{m}].results[{r}]"
        dataset = result.get("dataset") if isinstance(result, Mapping) else None
        if not isinstance(dataset, Mapping) or not dataset.get("type"):
            raise ResultsError(path, f"{where} has no dataset.type")
        metrics = result.get("metrics")
        if not isinstance(metrics, list):
            raise ResultsError(path, f"{where} has no metrics list")
        settings = _settings(path, where, dataset)
        for k, metric in enumerate(metrics):
            if not isinstance(metric, Mapping) or not metric.get("type"):
                raise ResultsError(path, f"{where}.metrics[{k}] has no type")
            entries.append(_entry(path, f"{where}.metrics[{k}]", model_name, str(dataset["type"]), metric, settings))
    return entries


def _settings(path: Path, where: str, dataset: Mapping[str, Any]) -> Settings:
    args = dataset.get("args")  # a mapping per the spec; the Trainer writes one string ('config: hi, split: test'), which says no n-shot
    shots = args.get("num_few_shot") if isinstance(args, Mapping) else None
    if shots is not None and (isinstance(shots, bool) or not isinstance(shots, int) or shots < 0):
        raise ResultsError(path, f"{where}.dataset.args.num_few_shot {shots!r} is not a whole number")
    return Settings(
        n_shot=shots, version=_text(dataset.get("revision")), split=_text(dataset.get("split")), config=_text(dataset.get("config"))
    )


def _text(raw: Any) -> str | None:
    if raw is None:
        return None
    text = str(raw).strip()
    return None if text in _NOT_RECORDED else text


def _entry(path: Path, where: str, model: str, task: str, metric: Mapping[str, Any], settings: Settings) -> _Entry:
    kind = str(metric["type"])
    raw = metric.get("value")
    value, stderr = _value(raw)
    if value is None:
        raise ResultsError(path, f"{where}.value {raw!r} is not a number")
    verified = metric.get("verified")
    if verified is not None and not isinstance(verified, bool):
        raise ResultsError(path, f"{where}.verified {verified!r} is not true or false")
    name = _text(metric.get("name"))
    if not math.isfinite(value):
        return _Entry(where, model, task, kind, name, settings, None, None, _written(raw, value), verified, False)
    percent = False
    if is_proportion(kind):
        if value < 0:
            raise ResultsError(path, f"{where}: {kind} {value:g} is below 0, so neither a fraction (0 to 1) nor a percentage (1 to 100)")
        if value > 100:
            raise ResultsError(path, f"{where}: {kind} {value:g} is above 100, so neither a fraction (0 to 1) nor a percentage (1 to 100)")
        if value > 1:
            percent = True
            value, stderr = value / 100, None if stderr is None else stderr / 100
    return _Entry(where, model, task, kind, name, settings, value, stderr, _written(raw, value), verified, percent)


def _value(raw: Any) -> tuple[float | None, float | None]:
    """The value and its ± stderr; non-finite values come back as such (the caller sets them aside)."""
    if isinstance(raw, str):
        match = _PLUS_MINUS.match(raw)
        if match:
            return float(match.group(1)), float(match.group(2))
        try:
            return float(raw), None  # also 'NaN' and 'inf' as text: non-finite, set aside like .nan
        except ValueError:
            return None, None
    if isinstance(raw, float) and not math.isfinite(raw):
        return raw, None
    return number(raw), None


def _written(raw: Any, value: float) -> str:
    """The value as the card wrote it: the text, or YAML's spelling of a non-finite number."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, float) and math.isnan(raw):
        return ".nan"
    if isinstance(raw, float) and math.isinf(raw):
        return ".inf" if raw > 0 else "-.inf"
    return f"{value:g}" if raw is None else str(raw)


def _filters(path: Path, group: list[_Entry]) -> list[str]:
    """The variants' filters by the rule in the module docstring: split, else config:split, else the metric's name."""
    if len(group) == 1:
        return [NO_FILTER]
    first = group[0]
    models = sorted({e.model for e in group})
    if len(models) > 1:
        raise ResultsError(
            path,
            f"{first.where}: model-index lists several models ({', '.join(models)}) with {first.metric} on {first.task}; "
            "ftgov reads one model's results from a card",
        )
    splits = [e.settings.split for e in group]
    both = [":".join(p for p in (e.settings.config, e.settings.split) if p) for e in group]
    names = [e.name for e in group]
    for labels in (splits, both, names):
        if all(labels) and len(set(labels)) == len(labels):
            return [str(label) for label in labels]
    raise ResultsError(
        path,
        f"{first.where}: {first.metric} on {first.task} is given {len(group)} times with nothing to tell them apart "
        "(the same split, config and metric name); give each once",
    )


def _notes(path: Path, entries: list[_Entry]) -> tuple[str, ...]:
    """What the report must say about how the card's numbers were read."""
    percent = [e for e in entries if e.percent]
    if not percent:
        return ()
    kinds = ", ".join(sorted({e.metric for e in percent}))
    example = percent[0]
    notes = [f"model card {path}: {kinds} values read as percentages ({example.raw} → {example.value:g})"]
    fractions = [e for e in entries if e.value is not None and not e.percent and is_proportion(e.metric) and 0 < e.value <= 1]
    if fractions:  # one card writing both scales: a percentage of 1 or less would have been read as a fraction
        shown = ", ".join(f"{e.metric} {e.raw}" for e in fractions)
        notes.append(f"model card {path}: {shown} read as fractions while other values were percentages; check the card")
    return tuple(notes)


RESULTS_FORMAT = ResultsFormat(FORMAT, detect, load)
