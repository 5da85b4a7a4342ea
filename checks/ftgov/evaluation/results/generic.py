"""ftgov's own results format, for in-house harnesses, safety suites and LLM-judge scores.

Documented in docs/results-format.md. JSON or YAML:

    suite: safety                 # required
    task: jailbreak-v3            # optional
    settings: {n_shot: 0, version: "3", task_hash: ..., limit: null}   # optional
    metrics:
      refusal_rate: {value: 0.973, stderr: 0.005, n: 1000, higher_is_better: true}
    items:                        # optional: per-item values, for paired tests and ECE
      - {id: q1, refusal_rate: 1, confidence: 0.92}

A metric's items must average to its value; a file where they do not is refused, since
the paired test would otherwise judge a different number from the one reported. A value
written as a non-finite number (`.inf`, `.nan` in YAML; `Infinity`, `NaN` in JSON) is
carried as unusable: an error only if a criterion needs that metric.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ftgov.evaluation.results.lmeval import read_json
from ftgov.evaluation.results.table import (
    NO_FILTER,
    Items,
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

FORMAT = "generic"
MAX_BYTES = 256 << 20


def looks_like(data: Mapping[str, Any]) -> bool:
    return isinstance(data.get("suite"), str) and isinstance(data.get("metrics"), Mapping)


def detect(path: Path, content: Any) -> bool:
    """Any YAML file (load says what is missing from one), or JSON with `suite` and `metrics`."""
    return (path.is_file() and path.suffix.lower() in (".yaml", ".yml")) or (isinstance(content, Mapping) and looks_like(content))


def read(path: Path) -> Any:
    if path.suffix.lower() == ".json":
        return read_json(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ResultsError(path, f"is larger than {MAX_BYTES >> 20} MiB; use JSON for large item lists")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ResultsError(path, f"cannot be read: {getattr(error, 'strerror', None) or error}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise ResultsError(path, f"not valid YAML{where}: {getattr(error, 'problem', None) or error}") from None


def load(path: Path, content: Any = None) -> MetricTable:
    data = read(path) if content is None else content
    if not isinstance(data, Mapping) or not looks_like(data):
        raise ResultsError(path, "not an ftgov results file: needs 'suite' (text) and 'metrics' (a mapping); see docs/results-format.md")
    provenance = Provenance(str(path), sha256_of(path), FORMAT)
    suite = str(data["suite"])
    task = data.get("task")
    if task is not None and not isinstance(task, str):
        raise ResultsError(path, "'task' must be text")
    settings = _settings(path, data.get("settings"))
    unusable = [
        Unusable(suite, task, str(name), NO_FILTER, str(path), _spelled(path, entry["value"]))
        for name, entry in data["metrics"].items()
        if isinstance(entry, Mapping) and isinstance(entry.get("value"), float) and not math.isfinite(entry["value"])
    ]
    items = _items(path, data.get("items"), data["metrics"], {u.metric for u in unusable})
    measurements = []
    for name, entry in data["metrics"].items():
        if not isinstance(entry, Mapping):
            raise ResultsError(path, f"metrics.{name} must be a mapping with a value")
        if any(u.metric == str(name) for u in unusable):
            continue
        value = number(entry.get("value"))
        if value is None:
            raise ResultsError(path, f"metrics.{name}.value must be a number, got {entry.get('value')!r}")
        stderr = entry.get("stderr")
        if stderr is not None and (number(stderr) is None or number(stderr) < 0):  # type: ignore[operator]
            raise ResultsError(path, f"metrics.{name}.stderr must be a non-negative number, got {stderr!r}")
        n = entry.get("n")
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
            raise ResultsError(path, f"metrics.{name}.n must be a non-negative integer, got {n!r}")
        higher = entry.get("higher_is_better")
        if higher is not None and not isinstance(higher, bool):
            raise ResultsError(path, f"metrics.{name}.higher_is_better must be true or false")
        per_item = items.get(str(name))
        if per_item is not None:
            mean = float(per_item.values.mean())
            if not math.isclose(mean, value, rel_tol=1e-6, abs_tol=1e-6):
                raise ResultsError(path, f"metrics.{name}.value is {value:g} but its items average {mean:g}")
        measurements.append(
            Measurement(
                suite=suite,
                task=task,
                metric=str(name),
                filter=NO_FILTER,
                value=value,
                stderr=number(stderr),
                n=n if n is not None else (len(per_item) if per_item is not None else None),
                higher_is_better=higher,
                settings=settings,
                provenance=provenance,
                items=per_item,
            )
        )
    if not measurements and not unusable:
        raise ResultsError(path, "metrics is empty")
    return MetricTable(tuple(measurements), (provenance,), tuple(unusable))


def _spelled(path: Path, value: float) -> str:
    """A non-finite value as the file's language writes it (YAML's canonical spelling; JSON as Python's json reads it)."""
    yaml_file = path.suffix.lower() in (".yaml", ".yml")
    if math.isnan(value):
        return ".nan" if yaml_file else "NaN"
    if yaml_file:
        return ".inf" if value > 0 else "-.inf"
    return "Infinity" if value > 0 else "-Infinity"


def _settings(path: Path, raw: Any) -> Settings:
    if raw is None:
        return Settings()
    if not isinstance(raw, Mapping):
        raise ResultsError(path, "settings must be a mapping")
    unknown = set(raw) - {"n_shot", "version", "task_hash", "limit"}
    if unknown:
        raise ResultsError(path, f"settings has unknown keys: {', '.join(sorted(map(str, unknown)))}")
    n_shot = raw.get("n_shot")
    if n_shot is not None and (isinstance(n_shot, bool) or not isinstance(n_shot, int)):
        raise ResultsError(path, "settings.n_shot must be an integer")
    version, task_hash = raw.get("version"), raw.get("task_hash")
    return Settings(
        n_shot=n_shot,
        version=None if version is None else str(version),
        task_hash=None if task_hash is None else str(task_hash),
        limit=number(raw.get("limit")),
    )


def _items(path: Path, raw: Any, metrics: Mapping[str, Any], unusable: set[str]) -> dict[str, Items]:
    """Per metric its items; a metric whose value is unusable has none (its item values are not checked)."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise ResultsError(path, "items must be a list")
    columns: dict[str, tuple[list[str], list[float]]] = {}
    ids: list[str] = []
    confidences: list[float | None] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping) or item.get("id") is None:
            raise ResultsError(path, f"items[{i}] needs an id")
        ident = str(item["id"])
        if ident in seen:
            raise ResultsError(path, f"items[{i}]: id {ident!r} appears twice")
        seen.add(ident)
        ids.append(ident)
        confidence = item.get("confidence")
        if confidence is not None and (number(confidence) is None or not 0.0 <= float(confidence) <= 1.0):
            raise ResultsError(path, f"items[{i}].confidence must be a probability in [0, 1], got {confidence!r}")
        confidences.append(number(confidence))
        for name in metrics:
            if name in item and str(name) not in unusable:
                value = number(item[name])
                if value is None:
                    raise ResultsError(path, f"items[{i}].{name} must be a number, got {item[name]!r}")
                column = columns.setdefault(str(name), ([], []))
                column[0].append(ident)
                column[1].append(value)
    with_confidence = all(c is not None for c in confidences) and bool(confidences)
    found: dict[str, Items] = {}
    for name, (column_ids, values) in columns.items():
        if len(column_ids) != len(ids):
            raise ResultsError(path, f"metric {name} has a value in {len(column_ids)} of {len(ids)} items; give it in every item or none")
        # Confidences are the probability that the item's answer is right: they calibrate 0/1 metrics.
        binary = all(v in (0.0, 1.0) for v in values)
        conf = [float(c) for c in confidences if c is not None] if with_confidence and binary else None
        found[name] = Items.build(column_ids, values, conf)
    return found


RESULTS_FORMAT = ResultsFormat(FORMAT, detect, load)
