"""Hugging Face `model-index` in a model card (README.md) YAML front matter.

Each result names a task, a dataset and metrics; ftgov reads them as suite `model-index`,
task = the dataset's `type` (a Hub dataset id such as `cais/mmlu`), metric = the metric's
`type`, filter = the dataset `config` when given. Values may be written "65.1 ± 1.2": the
number after ± is read as the stderr. The format records no n and no direction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ftgov.results.table import NO_FILTER, Measurement, MetricTable, Provenance, ResultsError, Settings, mark_primary, number, sha256_of

SUITE = "model-index"
FORMAT = "model-index"
_PLUS_MINUS = re.compile(r"^\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(?:±|\+/-)\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*$")


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


def load(path: Path) -> MetricTable:
    meta = front_matter(path)
    index = meta.get("model-index") if isinstance(meta, Mapping) else None
    if not isinstance(index, list) or not index:
        raise ResultsError(path, "the model card's front matter has no model-index")
    provenance = Provenance(str(path), sha256_of(path), FORMAT)
    measurements = []
    for m, model in enumerate(index):
        results = model.get("results") if isinstance(model, Mapping) else None
        if not isinstance(results, list):
            raise ResultsError(path, f"model-index[{m}] has no results list")
        for r, result in enumerate(results):
            where = f"model-index[{m}].results[{r}]"
            dataset = result.get("dataset") if isinstance(result, Mapping) else None
            if not isinstance(dataset, Mapping) or not dataset.get("type"):
                raise ResultsError(path, f"{where} has no dataset.type")
            metrics = result.get("metrics")
            if not isinstance(metrics, list):
                raise ResultsError(path, f"{where} has no metrics list")
            for k, metric in enumerate(metrics):
                if not isinstance(metric, Mapping) or not metric.get("type"):
                    raise ResultsError(path, f"{where}.metrics[{k}] has no type")
                value, stderr = _value(metric.get("value"))
                if value is None:
                    raise ResultsError(path, f"{where}.metrics[{k}].value {metric.get('value')!r} is not a number")
                config = dataset.get("config")
                revision = dataset.get("revision")
                measurements.append(
                    Measurement(
                        suite=SUITE,
                        task=str(dataset["type"]),
                        metric=str(metric["type"]),
                        filter=str(config) if config else NO_FILTER,
                        value=value,
                        stderr=stderr,
                        n=None,
                        higher_is_better=None,
                        settings=Settings(version=None if revision is None else str(revision)),
                        provenance=provenance,
                    )
                )
    return MetricTable(tuple(mark_primary(measurements)), (provenance,))


def _value(raw: Any) -> tuple[float | None, float | None]:
    if isinstance(raw, str):
        match = _PLUS_MINUS.match(raw)
        if match:
            return float(match.group(1)), float(match.group(2))
        try:
            return float(raw), None
        except ValueError:
            return None, None
    return number(raw), None
