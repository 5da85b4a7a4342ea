"""lm-evaluation-harness 0.4 results: `results_<time>.json` and its `samples_<task>_<time>.jsonl`.

Accepts the results file itself or the `--output_path` directory (which holds one
`<model>/` subdirectory, or the files directly). Metric keys are `"<metric>,<filter>"`
(0.4) or bare `"acc"` (older files); a stderr of `"N/A"` means none was computed.
Per-item values come from the samples files, one line per document and filter; for
multiple-choice tasks the confidence is the softmax probability of the choice the model
picked, from the choices' log-likelihoods in `filtered_resps`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from ftgov.results.table import (
    NO_FILTER,
    Items,
    Measurement,
    MetricTable,
    Provenance,
    ResultsError,
    Settings,
    mark_primary,
    number,
    sha256_of,
)

SUITE = "lm-eval"
FORMAT = "lm-eval"
_NOT_METRICS = frozenset({"alias", "name", "sample_len", "sample_count", "samples"})
# Mean-aggregated metrics whose per-item values average to the reported value, when the
# task config does not say (older files carry no configs).
_MEAN_METRICS = frozenset({"acc", "acc_norm", "exact_match", "acc_mutual_info", "mc1", "mc2", "f1_abstain"})


def looks_like(data: Mapping[str, Any]) -> bool:
    return isinstance(data.get("results"), Mapping) and any(k in data for k in ("versions", "n-shot", "configs", "config"))


def load(path: Path) -> MetricTable:
    results_file = _results_file(path)
    data = read_json(results_file)
    if not isinstance(data, dict) or not looks_like(data):
        raise ResultsError(results_file, "not an lm-evaluation-harness results file (no 'results' with 'versions'/'n-shot'/'config')")
    provenance = Provenance(str(results_file), sha256_of(results_file), FORMAT)
    samples = _samples_files(results_file)
    sources = [provenance]
    items: dict[tuple[str, str, str], Items] = {}
    confidences_for: dict[tuple[str, str], Items] = {}
    configs = data.get("configs") if isinstance(data.get("configs"), Mapping) else {}
    for task, sample_path in samples.items():
        sources.append(Provenance(str(sample_path), sha256_of(sample_path), FORMAT + " samples"))
        config = configs.get(task) if isinstance(configs, Mapping) else None
        task_items, task_conf = _read_samples(sample_path, config if isinstance(config, Mapping) else {})
        for (filt, metric), value in task_items.items():
            items[(task, filt, metric)] = value
        confidences_for.update({(task, filt): conf for filt, conf in task_conf.items()})
    measurements = []
    sections: dict[str, Any] = {}
    for section in ("groups", "results"):  # a task in both: the results entry wins
        block = data.get(section)
        if isinstance(block, Mapping):
            sections.update(block)
    for task, metrics in sections.items():
        if not isinstance(metrics, Mapping):
            raise ResultsError(results_file, f"results[{task!r}] is not an object")
        for key, raw in metrics.items():
            measurement = _measurement(data, str(task), str(key), raw, metrics, provenance, items, confidences_for, configs)
            if measurement is not None:
                measurements.append(measurement)
    if not measurements:
        raise ResultsError(results_file, "holds no metric values")
    return MetricTable(tuple(mark_primary(measurements)), tuple(sources))


def _measurement(
    data: Mapping[str, Any],
    task: str,
    key: str,
    raw: Any,
    metrics: Mapping[str, Any],
    provenance: Provenance,
    items: Mapping[tuple[str, str, str], Items],
    confidences: Mapping[tuple[str, str], Items],
    configs: Any,
) -> Measurement | None:
    if key in _NOT_METRICS:
        return None
    metric, comma, filt = key.partition(",")
    if not comma:
        filt = NO_FILTER
    if metric.endswith("_stderr"):
        return None
    value = number(raw)
    if value is None:
        if isinstance(raw, str) and raw.strip().upper() in ("N/A", ""):
            return None  # a metric lm-eval could not compute
        raise ResultsError(provenance.path, f"results[{task!r}][{key!r}] is {raw!r}, not a number")
    stderr_key = f"{metric}_stderr,{filt}" if comma else f"{metric}_stderr"
    stderr = number(metrics.get(stderr_key))  # "N/A" -> None
    n_samples = _get(data, "n-samples", task)
    n = n_samples.get("effective") if isinstance(n_samples, Mapping) else None
    higher = _get(data, "higher_is_better", task)
    higher_is_better = higher.get(metric) if isinstance(higher, Mapping) else None
    per_item = items.get((task, filt, metric))
    if per_item is not None:
        mean = float(per_item.values.mean()) if len(per_item) else math.nan
        if not math.isclose(mean, value, rel_tol=1e-6, abs_tol=1e-6):
            raise ResultsError(
                provenance.path,
                f"{task} {key} is {value:g} but its samples file averages {mean:g}: results and samples are from different runs",
            )
        conf = confidences.get((task, filt))
        if metric == "acc" and conf is not None:
            per_item = Items(per_item.ids, per_item.values, conf.values, per_item.hashes)
    version = _get(data, "versions", task)
    n_shot = _get(data, "n-shot", task)
    task_hash = _get(data, "task_hashes", task)
    config = data.get("config")
    limit = number(config.get("limit")) if isinstance(config, Mapping) else None
    return Measurement(
        suite=SUITE,
        task=task,
        metric=metric,
        filter=filt,
        value=value,
        stderr=stderr,
        n=n if isinstance(n, int) and not isinstance(n, bool) else None,
        higher_is_better=higher_is_better if isinstance(higher_is_better, bool) else None,
        settings=Settings(
            n_shot=n_shot if isinstance(n_shot, int) and not isinstance(n_shot, bool) else None,
            version=None if version is None else str(version),
            task_hash=task_hash if isinstance(task_hash, str) and task_hash else None,
            limit=limit,
        ),
        provenance=provenance,
        items=per_item,
    )


def _get(data: Mapping[str, Any], section: str, task: str) -> Any:
    block = data.get(section)
    return block.get(task) if isinstance(block, Mapping) else None


def read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ResultsError(path, f"cannot be read: {getattr(error, 'strerror', None) or error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        truncated = " (truncated?)" if error.pos >= len(text.rstrip()) else ""
        raise ResultsError(path, f"not valid JSON at line {error.lineno} column {error.colno}: {error.msg}{truncated}") from None


def _results_file(path: Path) -> Path:
    if path.is_file():
        return path
    if not path.is_dir():
        raise ResultsError(path, "no such file or directory")
    found = sorted(path.glob("results_*.json"))
    if not found:
        holders = sorted(d for d in path.iterdir() if d.is_dir() and any(d.glob("results_*.json")))
        if len(holders) > 1:
            names = ", ".join(d.name for d in holders)
            raise ResultsError(path, f"holds results of several models ({names}); give one model's directory")
        if holders:
            found = sorted(holders[0].glob("results_*.json"))
    if not found:
        raise ResultsError(path, "holds no lm-eval results_*.json (here or in a model subdirectory)")
    if len(found) > 1:
        names = ", ".join(f.name for f in found)
        raise ResultsError(path, f"holds several results files ({names}); give the one to compare")
    return found[0]


def _samples_files(results_file: Path) -> dict[str, Path]:
    stem = results_file.stem
    if not stem.startswith("results_"):
        return {}
    stamp = stem.removeprefix("results_")
    suffix = f"_{stamp}.jsonl"
    found: dict[str, Path] = {}
    for candidate in sorted(results_file.parent.glob(f"samples_*{suffix}")):
        task = candidate.name.removeprefix("samples_").removesuffix(suffix)
        if task:
            found[task] = candidate
    return found


def _read_samples(path: Path, config: Mapping[str, Any]) -> tuple[dict[tuple[str, str], Items], dict[str, Items]]:
    """Per (filter, metric): the items; per filter: the multiple-choice confidences."""
    mean_metrics = set(_MEAN_METRICS)
    for entry in config.get("metric_list") or []:
        if isinstance(entry, Mapping) and isinstance(entry.get("metric"), str):
            (mean_metrics.add if entry.get("aggregation", "mean") == "mean" else mean_metrics.discard)(entry["metric"])
    multiple_choice = config.get("output_type", "multiple_choice") == "multiple_choice"
    columns: dict[tuple[str, str], tuple[list[str], list[float], list[str]]] = {}
    conf: dict[str, tuple[list[str], list[float]]] = {}
    try:
        handle = path.open(encoding="utf-8")
    except OSError as error:
        raise ResultsError(path, f"cannot be read: {error.strerror or error}") from None
    rows = 0
    with handle:
        for number_, line in _lines(handle, path):
            if not line.strip():
                continue
            rows += 1
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise ResultsError(path, f"line {number_} is not valid JSON ({error.msg}; truncated?)") from None
            if not isinstance(row, dict) or "doc_id" not in row:
                raise ResultsError(path, f"line {number_} is not an lm-eval sample (no doc_id)")
            doc = str(row["doc_id"])
            filt = str(row.get("filter", NO_FILTER))
            digest = str(row.get("prompt_hash") or row.get("doc_hash") or "")
            names = row.get("metrics")
            for metric in names if isinstance(names, list) else []:
                if metric not in mean_metrics:
                    continue
                value = number(row.get(metric))
                if value is None:
                    raise ResultsError(path, f"line {number_}: {metric} is {row.get(metric)!r}, not a number")
                ids, values, hashes = columns.setdefault((filt, str(metric)), ([], [], []))
                ids.append(doc)
                values.append(value)
                hashes.append(digest)
            if multiple_choice:
                confidence = _choice_confidence(row.get("filtered_resps"))
                if confidence is not None:
                    ids_c, values_c = conf.setdefault(filt, ([], []))
                    ids_c.append(doc)
                    values_c.append(confidence)
    if not rows:
        # An empty samples file is a run cut short, not a task without items: accepting it
        # would silently drop the per-item comparison (and the calibration) of its task.
        raise ResultsError(path, "empty samples file: no items (the run was cut short?); delete it or rerun the task")
    items = {key: Items.build(ids, values, hashes=hashes) for key, (ids, values, hashes) in columns.items()}
    confidences = {filt: Items.build(ids, values) for filt, (ids, values) in conf.items()}
    # Every acc item needs a confidence, or none of them counts: ECE over a subset is another number.
    return items, {filt: c for filt, c in confidences.items() if _same_ids(items.get((filt, "acc")), c)}


def _lines(handle: TextIO, path: Path) -> Iterator[tuple[int, str]]:
    """Numbered lines; a file that is not UTF-8 text (a binary file named like samples) is a ResultsError."""
    number_ = 0
    try:
        for number_, line in enumerate(handle, start=1):
            yield number_, line
    except UnicodeDecodeError:
        raise ResultsError(path, f"line {number_ + 1} is not UTF-8 text: not an lm-eval samples file") from None
    except OSError as error:
        raise ResultsError(path, f"cannot be read: {error.strerror or type(error).__name__}") from None


def _same_ids(a: Items | None, b: Items) -> bool:
    return a is not None and len(a) == len(b) and bool((a.ids == b.ids).all())


def _choice_confidence(resps: Any) -> float | None:
    """Softmax probability of the highest log-likelihood choice (the one `acc` counts)."""
    if not isinstance(resps, list) or len(resps) < 2:
        return None
    lls: list[float] = []
    for choice in resps:
        raw = choice[0] if isinstance(choice, list) and choice else choice
        try:
            lls.append(float(raw))
        except (TypeError, ValueError):
            return None
    top = max(lls)
    if not math.isfinite(top):
        return None
    return 1.0 / sum(math.exp(ll - top) for ll in lls)
