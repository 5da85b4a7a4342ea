"""lm-evaluation-harness 0.4 results: `results_<time>.json` and its `samples_<task>_<time>.jsonl`.

Accepts the results file itself or the `--output_path` directory (which holds one
`<model>/` subdirectory, or the files directly). Metric keys are `"<metric>,<filter>"`
(0.4) or bare `"acc"` (0.3-era files); a stderr of `"N/A"` means none was computed.
Per-item values come from the samples files, one line per document and filter; for
multiple-choice tasks the confidence is the softmax probability of the choice the model
picked, from the choices' log-likelihoods in `filtered_resps` (or `resps`).

What the files say is checked, not assumed: every document is one item (a doc_id once
per filter and metric), as many items as `n-samples` says were scored, a per-item value
for every mean the results file reports, and items that average to the reported value.
A group (MMLU) is paired over its subtasks' items only where its value is their pooled mean.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

import numpy as np

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
    mark_primary,
    number,
    sha256_of,
)

SUITE = "lm-eval"
FORMAT = "lm-eval"
_NOT_METRICS = frozenset({"alias", "name", "sample_len", "sample_count", "samples"})
# Mean-aggregated metrics whose per-item values average to the reported value, when the
# task config does not say (0.3-era files carry no configs; a metric_list entry may omit
# its aggregation). lm-eval's registry (lm_eval/api/metrics.py) aggregates these by mean;
# f1, mcc, bleu, chrf, ter and the perplexities are corpus-level or weighted aggregates.
_MEAN_METRICS = frozenset({"acc", "acc_norm", "exact_match", "acc_mutual_info", "mc1", "mc2", "f1_abstain"})
# lm-eval 0.4.12 made weight_by_size and filter_list=None (every filter) the group defaults
# (lm_eval/config/group.py); 0.4.4 to 0.4.11 defaulted to weight_by_size False and filter "none".
_NEW_GROUP_DEFAULTS = (0, 4, 12)
_TOLERANCE = {"rel_tol": 1e-6, "abs_tol": 1e-6}

Key = tuple[str, str, str]  # task, filter, metric


def looks_like(data: Mapping[str, Any]) -> bool:
    return isinstance(data.get("results"), Mapping) and any(k in data for k in ("versions", "n-shot", "configs", "config"))


def detect(path: Path, content: Any) -> bool:
    """An output directory (whatever it holds: load names what is wrong with it), or a results JSON."""
    return path.is_dir() or (isinstance(content, Mapping) and looks_like(content))


@dataclass(frozen=True)
class _Reported:
    """One metric value in the results file."""

    task: str
    key: str  # as written: "acc,none" or bare "acc"
    metric: str
    filter: str
    raw: Any
    mean: bool  # the value is the mean of per-item values


@dataclass(frozen=True)
class _Run:
    """The parts of a results file every task reads."""

    path: Path
    data: Mapping[str, Any]
    configs: Mapping[str, Any]
    subtasks: Mapping[str, list[str]]  # group -> its direct children (group_subtasks, lm-eval 0.4.2+)

    def config(self, task: str) -> Mapping[str, Any]:
        found = self.configs.get(task)
        return found if isinstance(found, Mapping) else {}

    def effective(self, task: str) -> int | None:
        """How many items lm-eval scored for the task (n-samples, 0.4.3+); None when not recorded as a count."""
        counts = _get(self.data, "n-samples", task)
        value = counts.get("effective") if isinstance(counts, Mapping) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def version(self) -> tuple[int, ...]:
        """lm_eval_version (written since 0.4.9); (0,) when absent."""
        parts = []
        for part in str(self.data.get("lm_eval_version") or "0").split("."):
            digits = "".join(c for c in part if c.isdigit())
            if not digits:
                break
            parts.append(int(digits))
        return tuple(parts) or (0,)


def load(path: Path, content: Any = None) -> MetricTable:
    results_file = _results_file(path)
    data = read_json(results_file) if content is None else content
    if not isinstance(data, dict) or not looks_like(data):
        raise ResultsError(results_file, "not an lm-evaluation-harness results file (no 'results' with 'versions'/'n-shot'/'config')")
    provenance = Provenance(str(results_file), sha256_of(results_file), FORMAT)
    configs = data.get("configs")
    raw_subtasks = data.get("group_subtasks")
    subtasks = {
        str(group): [str(child) for child in children]
        for group, children in (raw_subtasks.items() if isinstance(raw_subtasks, Mapping) else ())
        if isinstance(children, list) and children
    }
    run = _Run(results_file, data, configs if isinstance(configs, Mapping) else {}, subtasks)
    sections: dict[str, Any] = {}
    for section in ("groups", "results"):  # a task in both: the results entry wins
        block = data.get(section)
        if isinstance(block, Mapping):
            sections.update(block)
    reported: dict[str, list[_Reported]] = {}
    for task, metrics in sections.items():
        if not isinstance(metrics, Mapping):
            raise ResultsError(results_file, f"results[{task!r}] is not an object")
        reported[str(task)] = list(_reported(run, str(task), metrics))

    samples = _samples_files(results_file)
    sources = [provenance]
    items: dict[Key, Items] = {}
    for task, sample_path in samples.items():
        sources.append(Provenance(str(sample_path), sha256_of(sample_path), FORMAT + " samples"))
        task_items = _read_samples(sample_path, task, run, reported.get(task, []))
        items.update({(task, filt, metric): value for (filt, metric), value in task_items.items()})

    measurements: list[Measurement] = []
    unusable: list[Unusable] = []
    notes: list[str] = []
    for task, entries in reported.items():
        for entry in entries:
            stderr = number(sections[task].get(_stderr_key(entry)))  # "N/A", NaN -> None
            made = _measurement(run, entry, stderr, provenance, items)
            if isinstance(made, Unusable):
                unusable.append(made)
            elif made is not None:
                measurements.append(made)
    # Without samples nothing is paired, so a note that a group is compared unpaired says nothing.
    said = notes if samples else None
    measurements = [_paired_group(run, m, items, sections, said) if m.task in run.subtasks else m for m in measurements]
    if samples:
        groups_section = data.get("groups")
        for group in groups_section if isinstance(groups_section, Mapping) else ():
            if group not in run.subtasks:
                notes.append(
                    f"{results_file}: lm-eval group {group}: the file lists no subtasks for it (group_subtasks, written since "
                    "lm-eval 0.4.2), so nothing shows which items it holds: compared unpaired"
                )
    if not measurements and not unusable:
        raise ResultsError(results_file, "holds no metric values")
    groups = tuple((group, tuple(sorted(_descendants(run.subtasks, group)))) for group in run.subtasks)
    return MetricTable(tuple(mark_primary(measurements)), tuple(sources), tuple(unusable), tuple(notes), groups)


def _reported(run: _Run, task: str, metrics: Mapping[str, Any]) -> Iterator[_Reported]:
    config = run.config(task)
    for key, raw in metrics.items():
        key = str(key)
        if key in _NOT_METRICS:
            continue
        metric, comma, filt = key.partition(",")
        if metric.endswith("_stderr"):
            continue
        yield _Reported(task, key, metric, filt if comma else NO_FILTER, raw, _is_mean(config, metric))


def _stderr_key(entry: _Reported) -> str:
    return f"{entry.metric}_stderr,{entry.filter}" if "," in entry.key else f"{entry.metric}_stderr"


def _is_mean(config: Mapping[str, Any], metric: str) -> bool:
    """Whether the task reports `metric` as the mean of its per-item values."""
    for entry in config.get("metric_list") or []:
        if isinstance(entry, Mapping) and entry.get("metric") == metric and entry.get("aggregation") is not None:
            return entry.get("aggregation") == "mean"
    return metric in _MEAN_METRICS


def _measurement(
    run: _Run, entry: _Reported, stderr: float | None, provenance: Provenance, items: Mapping[Key, Items]
) -> Measurement | Unusable | None:
    raw, task = entry.raw, entry.task
    if isinstance(raw, float) and not math.isfinite(raw):
        # Python's json reads NaN/Infinity as floats: unusable, an error only if a criterion needs it.
        written = "NaN" if math.isnan(raw) else ("Infinity" if raw > 0 else "-Infinity")
        return Unusable(SUITE, task, entry.metric, entry.filter, str(run.path), written)
    value = number(raw)
    if value is None:
        if isinstance(raw, str) and raw.strip().upper() in ("N/A", ""):
            return None  # a metric lm-eval could not compute (or 0.4.4's " " placeholder of a group without aggregation)
        raise ResultsError(provenance.path, f"results[{task!r}][{entry.key!r}] is {raw!r}, not a number")
    per_item = items.get((task, entry.filter, entry.metric))
    if per_item is not None:
        mean = float(per_item.values.mean()) if len(per_item) else math.nan
        if not math.isfinite(mean):
            raise ResultsError(provenance.path, f"{task} {entry.key} is {value:g} but its samples file holds non-finite per-item values")
        if not math.isclose(mean, value, **_TOLERANCE):
            raise ResultsError(
                provenance.path,
                f"{task} {entry.key} is {value:g} but its samples file averages {mean:g}: results and samples are from different runs",
            )
    n = None
    if entry.mean:
        effective = run.effective(task)
        n = effective if effective is not None else (len(per_item) if per_item is not None else None)
    higher = _get(run.data, "higher_is_better", task)
    higher_is_better = higher.get(entry.metric) if isinstance(higher, Mapping) else None
    version = _get(run.data, "versions", task)
    n_shot = _get(run.data, "n-shot", task) if "n-shot" in run.data else _run_num_fewshot(run.data)
    task_hash = _get(run.data, "task_hashes", task)
    config = run.data.get("config")
    limit = number(config.get("limit")) if isinstance(config, Mapping) else None
    return Measurement(
        suite=SUITE,
        task=task,
        metric=entry.metric,
        filter=entry.filter,
        value=value,
        stderr=stderr,
        n=n,
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


# Groups


def _descendants(subtasks: Mapping[str, list[str]], group: str) -> set[str]:
    """Every task and group under `group`, nested groups included."""
    found: set[str] = set()
    pending = list(subtasks.get(group, []))
    while pending:
        child = pending.pop()
        if child not in found and child != group:
            found.add(child)
            pending.extend(subtasks.get(child, []))
    return found


def _leaves(subtasks: Mapping[str, list[str]], group: str) -> list[str]:
    return sorted(t for t in _descendants(subtasks, group) if t not in subtasks)


def _size_weighted(run: _Run, group: str, metric: str, filt: str) -> bool | None:
    """What the group's config says of its aggregation: True size-weighted, False a macro mean, None not said.

    lm-eval 0.4.0 to 0.4.3 always weighted a group's subtasks by size (v0.4.0 evaluator.py pools
    them inline; v0.4.2/0.4.3 call aggregate_subtask_metrics, whose weight_by_size defaults to
    True). From 0.4.4 a group's `aggregate_metric_list` decides, but no 0.4.x release writes
    group configs into the results file (`configs` holds task configs only): most files say
    nothing, and the pooled mean is then checked against the group's value instead.
    """
    entries = run.config(group).get("aggregate_metric_list")
    if isinstance(entries, Mapping):
        entries = [entries]
    if not isinstance(entries, list):
        return None
    new_defaults = run.version >= _NEW_GROUP_DEFAULTS
    for entry in entries:
        if not isinstance(entry, Mapping) or entry.get("metric") != metric:
            continue
        filters = entry.get("filter_list", None if new_defaults else NO_FILTER)
        if isinstance(filters, str):
            filters = [filters]
        if isinstance(filters, list) and filt not in filters:
            continue
        return bool(entry.get("weight_by_size", new_defaults))
    return None


def _paired_group(
    run: _Run, group: Measurement, items: Mapping[Key, Items], sections: Mapping[str, Any], notes: list[str] | None
) -> Measurement:
    """The group's measurement with its subtasks' items pooled, where its value is their pooled mean.

    With size weights a group's value is the mean over every item of its leaf subtasks that
    report the metric (lm-eval skips the others), so the pooled items (ids `<subtask>/<doc_id>`)
    pair base and candidate item by item. A macro mean weighs a small subtask's item more than
    a large one's: no item list averages to it. `n` is set where the value is a mean over items.
    """
    name = group.task or ""
    label = f"{run.path}: lm-eval group {name} {group.metric},{group.filter}"
    leaves = [leaf for leaf in _leaves(run.subtasks, name) if _leaf_value(sections, leaf, group.metric, group.filter) is not _ABSENT]
    weighted = _size_weighted(run, name, group.metric, group.filter)
    if weighted is False:
        _note(notes, f"{label} averages its subtasks without size weights: compared unpaired")
        return replace(group, n=None)
    n = _pooled_count(run, group, leaves, sections)
    parts = [items.get((leaf, group.filter, group.metric)) for leaf in leaves]
    missing = [leaf for leaf, part in zip(leaves, parts, strict=True) if part is None]
    if not leaves or len(missing) == len(leaves):
        return replace(group, n=n)
    if missing:
        _note(notes, f"{label}: subtasks {', '.join(missing)} have no per-item values: compared unpaired")
        return replace(group, n=n)
    present = [part for part in parts if part is not None]
    ids = np.concatenate([np.char.add(f"{leaf}/", part.ids) for leaf, part in zip(leaves, present, strict=True)])
    values = np.concatenate([part.values for part in present])
    mean = float(values.mean()) if len(values) else math.nan
    if not math.isclose(mean, group.value, **_TOLERANCE):
        _note(
            notes,
            f"{label} is {group.value:g} but the pooled mean of its subtasks' {len(values)} items is {mean:g}, so it is not their "
            "size-weighted mean (a group may average its subtasks without size weights; the results file does not say): "
            "compared unpaired",
        )
        return replace(group, n=None)
    confidences = [part.confidences for part in present]
    hashes = [part.hashes for part in present]
    pooled = Items.build(
        ids.tolist(),
        values.tolist(),
        np.concatenate(confidences).tolist() if all(c is not None for c in confidences) else None,  # type: ignore[arg-type]
        np.concatenate(hashes).tolist() if all(h is not None for h in hashes) else None,  # type: ignore[arg-type]
    )
    return replace(group, items=pooled, n=len(pooled))


def _pooled_count(run: _Run, group: Measurement, leaves: list[str], sections: Mapping[str, Any]) -> int | None:
    """Σ n of the leaves when the group's value is their size-weighted mean (so a mean over that many items), else None."""
    total, weighted = 0, 0.0
    for leaf in leaves:
        effective = run.effective(leaf)
        value = number(_leaf_value(sections, leaf, group.metric, group.filter))
        if effective is None or value is None or not _is_mean(run.config(leaf), group.metric):
            return None
        total += effective
        weighted += value * effective
    if not total or not math.isclose(weighted / total, group.value, **_TOLERANCE):
        return None
    return total


_ABSENT = object()


def _leaf_value(sections: Mapping[str, Any], task: str, metric: str, filt: str) -> Any:
    """The value a task reports for (metric, filter), as written; _ABSENT when it reports none."""
    metrics = sections.get(task)
    if not isinstance(metrics, Mapping):
        return _ABSENT
    key = f"{metric},{filt}"
    if key not in metrics and filt == NO_FILTER:
        key = metric
    return metrics.get(key, _ABSENT)


def _note(notes: list[str] | None, note: str) -> None:
    if notes is not None:
        notes.append(note)


# Files


def _run_num_fewshot(data: Mapping[str, Any]) -> Any:
    """0.3-era files record no per-task `n-shot`: the run's one `config.num_fewshot` (v0.3.0 evaluator.py) held for every task."""
    config = data.get("config")
    return config.get("num_fewshot") if isinstance(config, Mapping) else None


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


# Samples


def _filter_order(path: Path, task: str, config: Mapping[str, Any], reported: list[_Reported]) -> list[str]:
    """The filters a line without a `filter` key can belong to, in the order lm-eval wrote them.

    Before 0.4.7 a samples line named neither its filter nor its metrics; lm-eval wrote one
    line per document for each filter in turn, in the order of the task's filter_list
    (v0.4.6 evaluator.py: `for filter_key in task.instances[0].filtered_resps.keys()`, filled
    by the task's filters in filter_list order). Across GPUs the ranks' blocks are
    concatenated, so a document's k-th line is still the k-th filter's.
    """
    listed = config.get("filter_list")
    names = [f.get("name") for f in listed] if isinstance(listed, list) and all(isinstance(f, Mapping) for f in listed) else []
    if names and all(isinstance(name, str) for name in names):
        return [str(name) for name in names]
    filters = sorted({entry.filter for entry in reported})
    if len(filters) > 1:
        raise ResultsError(
            path,
            f"task {task}: lines name no filter (lm-eval before 0.4.7) and the task reports filters {', '.join(filters)}; "
            "its config lists no filter order to tell the lines apart: delete this samples file to compare the task unpaired",
        )
    return filters or [NO_FILTER]


def _item_value(path: Path, line: int, metric: str, raw: Any) -> float:
    if isinstance(raw, bool):  # ifeval's prompt-level accuracies are true/false per item
        return 1.0 if raw else 0.0
    if isinstance(raw, (int, float)):
        return float(raw)
    raise ResultsError(path, f"line {line}: {metric} is {raw!r}, not a number")


_Columns = dict[tuple[str, str], tuple[list[str], list[float], list[str]]]  # (filter, metric) -> doc ids, values, hashes


@dataclass
class _SamplesRead:
    """A samples file's lines as read so far: per filter its documents and confidences, per (filter, metric) its values."""

    docs: dict[str, list[str]] = field(default_factory=dict)
    columns: _Columns = field(default_factory=dict)
    confidences: dict[str, tuple[list[str], list[float]]] = field(default_factory=dict)
    # Lines that name no filter (before 0.4.7): the filters in the order lm-eval wrote them, and each document's lines so far.
    old_filters: list[str] | None = None
    seen_old: dict[str, int] = field(default_factory=dict)


def _read_samples(path: Path, task: str, run: _Run, reported: list[_Reported]) -> dict[tuple[str, str], Items]:
    """Per (filter, metric): the items of the mean-aggregated metrics; `acc` with the multiple-choice confidences."""
    config = run.config(task)
    mean_of: dict[str, bool] = {}
    reported_means = _reported_means(reported)
    multiple_choice = config.get("output_type", "multiple_choice") == "multiple_choice"
    read = _SamplesRead()
    try:
        handle = path.open(encoding="utf-8")
    except OSError as error:
        raise ResultsError(path, f"cannot be read: {error.strerror or error}") from None
    with handle:
        for number_, row in _sample_rows(handle, path):
            doc = str(row["doc_id"])
            filt = _line_filter(path, task, config, reported, read, row, doc)
            read.docs.setdefault(filt, []).append(doc)
            digest = str(row.get("prompt_hash") or row.get("doc_hash") or "")
            for metric in _item_metrics(config, row, filt, mean_of, reported_means):
                if metric not in row:
                    raise ResultsError(path, f"line {number_}: lists metric {metric} but gives no value for it")
                ids, values, hashes = read.columns.setdefault((filt, metric), ([], [], []))
                ids.append(doc)
                values.append(_item_value(path, number_, metric, row[metric]))
                hashes.append(digest)
            if multiple_choice:
                _add_confidence(read, row, filt, doc)
    _check_counts(path, task, run.effective(task), read.docs, read.columns, read.old_filters)
    _check_reported(path, task, reported, read.columns)
    return _items_with_confidences(read)


def _reported_means(reported: list[_Reported]) -> dict[str, list[str]]:
    """Per filter, the metrics the results file reports as means over items."""
    means: dict[str, list[str]] = {}
    for entry in reported:
        if entry.mean:
            means.setdefault(entry.filter, []).append(entry.metric)
    return means


def _sample_rows(handle: TextIO, path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The numbered samples of the file, each a JSON object with a doc_id; blank lines skipped, an empty file refused."""
    rows = 0
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
        yield number_, row
    if not rows:
        # An empty samples file is a run cut short, not a task without items: accepting it
        # would silently drop the per-item comparison (and the calibration) of its task.
        raise ResultsError(path, "empty samples file: no items (the run was cut short?); delete it or rerun the task")


def _line_filter(
    path: Path, task: str, config: Mapping[str, Any], reported: list[_Reported], read: _SamplesRead, row: dict[str, Any], doc: str
) -> str:
    """The filter a line belongs to: the one it names, else (before 0.4.7) its place among its document's lines."""
    filt = row.get("filter")
    if filt is None:
        if read.old_filters is None:
            read.old_filters = _filter_order(path, task, config, reported)
        occurrence = read.seen_old.get(doc, 0)
        read.seen_old[doc] = occurrence + 1
        # A document seen more often than there are filters is a repeat, caught by _check_counts.
        filt = read.old_filters[occurrence % len(read.old_filters)]
    return str(filt)


def _item_metrics(
    config: Mapping[str, Any], row: dict[str, Any], filt: str, mean_of: dict[str, bool], reported_means: Mapping[str, list[str]]
) -> list[str]:
    """The mean-aggregated metrics a line gives per-item values of; `mean_of` remembers each metric's aggregation."""
    names = row.get("metrics")
    if not isinstance(names, list):  # before 0.4.7: the values are top-level keys named like the results file's metrics
        return [m for m in reported_means.get(filt, ()) if m in row]
    wanted = []
    for name in names:
        metric = str(name)
        if metric not in mean_of:
            mean_of[metric] = _is_mean(config, metric)
        if mean_of[metric]:
            wanted.append(metric)
    return wanted


def _add_confidence(read: _SamplesRead, row: dict[str, Any], filt: str, doc: str) -> None:
    """A multiple-choice line's confidence in the choice it picked, when its responses give one."""
    confidence = _choice_confidence(row.get("filtered_resps"), nested=False)
    if confidence is None:
        confidence = _choice_confidence(row.get("resps"), nested=True)
    if confidence is not None:
        ids_c, values_c = read.confidences.setdefault(filt, ([], []))
        ids_c.append(doc)
        values_c.append(confidence)


def _items_with_confidences(read: _SamplesRead) -> dict[tuple[str, str], Items]:
    """The items per (filter, metric); a filter's `acc` carries the confidences when every one of its items has one."""
    items = {key: Items.build(ids, values, hashes=hashes) for key, (ids, values, hashes) in read.columns.items()}
    for filt, (ids_c, values_c) in read.confidences.items():
        acc = items.get((filt, "acc"))
        confidences = Items.build(ids_c, values_c)
        # Every acc item needs a confidence, or none of them counts: ECE over a subset is another number.
        if acc is not None and len(acc) == len(confidences) and bool((acc.ids == confidences.ids).all()):
            items[(filt, "acc")] = Items(acc.ids, acc.values, confidences.values, acc.hashes)
    return items


def _check_counts(
    path: Path,
    task: str,
    effective: int | None,
    docs: Mapping[str, list[str]],
    columns: Mapping[tuple[str, str], tuple[list[str], list[float], list[str]]],
    old_filters: list[str] | None,
) -> None:
    """Each document once per filter, as many documents as lm-eval scored, a value on every line."""
    for filt, ids in docs.items():
        distinct = set(ids)
        if len(distinct) != len(ids):
            counts: dict[str, int] = {}
            for doc in ids:
                counts[doc] = counts.get(doc, 0) + 1
            doc, times = max(counts.items(), key=lambda pair: pair[1])
            layout = f" (lines without a filter name are read as the filters {', '.join(old_filters)} in turn)" if old_filters else ""
            raise ResultsError(
                path,
                f"task {task}: {len(ids)} lines for filter {filt} but {len(distinct)} distinct doc_ids (doc_id {doc} appears {times} times)"
                f"{layout}; each document is one item: lines repeated would narrow every interval",
            )
        if effective is not None and len(distinct) != effective:
            raise ResultsError(
                path,
                f"task {task}: {len(distinct)} items for filter {filt} but the results file's n-samples effective is {effective}: "
                "the samples and the results disagree on how many items were scored",
            )
    for (filt, metric), (ids, _, _) in columns.items():
        if len(ids) != len(docs[filt]):
            raise ResultsError(
                path, f"task {task}: {metric} has a per-item value on {len(ids)} of the {len(docs[filt])} lines for filter {filt}"
            )


def _check_reported(
    path: Path, task: str, reported: list[_Reported], columns: Mapping[tuple[str, str], tuple[list[str], list[float], list[str]]]
) -> None:
    """A mean the results file reports has its per-item values here: dropping them would compare the task unpaired unseen."""
    for entry in reported:
        finite = isinstance(entry.raw, (int, float)) and not isinstance(entry.raw, bool) and math.isfinite(entry.raw)
        if entry.mean and finite and (entry.filter, entry.metric) not in columns:
            raise ResultsError(
                path,
                f"task {task}: the results file reports {entry.metric} (filter {entry.filter}) as a mean over items, "
                f"but this samples file gives no per-item {entry.metric} for that filter",
            )


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


def _choice_confidence(resps: Any, nested: bool) -> float | None:
    """Softmax probability of the highest log-likelihood choice (the one `acc` counts).

    `filtered_resps` holds one `[log-likelihood, is_greedy]` per choice (strings since 0.4.3's
    sanitize_list, floats before); `resps` holds the same one list deeper (per repeat).
    """
    if not isinstance(resps, list) or len(resps) < 2:
        return None
    lls: list[float] = []
    for choice in resps:
        if nested:
            if not isinstance(choice, list) or len(choice) != 1:
                return None
            choice = choice[0]
        raw = choice[0] if isinstance(choice, list) and choice else choice
        if isinstance(raw, bool):
            return None
        try:
            lls.append(float(raw))
        except (TypeError, ValueError):
            return None
    top = max(lls)
    if not math.isfinite(top):
        return None
    return 1.0 / sum(math.exp(ll - top) for ll in lls)


RESULTS_FORMAT = ResultsFormat(FORMAT, detect, load)
