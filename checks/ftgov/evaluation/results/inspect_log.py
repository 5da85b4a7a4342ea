"""Inspect AI evaluation logs: `.json` (one document) and `.eval` (a zip archive).

Aggregates come from `results.scores[]` (one entry per scorer, each with its metrics;
`stderr` is attached to the scorer's other metrics rather than listed as a metric, and
ftgov attaches it to the means, accuracy and mean, only), the per-item values from
`reductions` (one per sample id after epochs are reduced). The scorer is the filter. A
log with one scorer has one variant, which a bare metric name means; with several, none
is preferred (not the headline, not the first listed: a lenient scorer is often first),
so a criterion names one as `accuracy,<scorer>`.

The items are the tool's: each scorer's reductions list every sample id once, and the
samples it scored (those whose value is not NaN, Inspect's mark for unscored) number its
`scored_samples`; logs without that count must fit `results.completed_samples`, which
counts sample-epochs. Anything else is refused, since a repeated or missing item would
make the interval claim more (or other) evidence than the run holds. `n` of a mean is
the number of scored samples; other metrics (std, var, custom ones) have none.

A metric written as NaN or Infinity is set aside in the table's `unusable`: the log is
still read, and it is an error only if a criterion needs that metric. A log whose status
is not `success`, or that was invalidated, is refused: an unfinished run is not a
measurement.

Current `.eval` archives compress every member with Zstandard (zip method 93), which
Python's zipfile reads only from 3.14 on; before that the `zstandard` package does
(`pip install 'ftgov[inspect]'`).
"""

from __future__ import annotations

import json
import math
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftgov.evaluation.results.lmeval import read_json
from ftgov.evaluation.results.table import (
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

SUITE = "inspect"
FORMAT = "inspect"
_ZSTD = 93
_MEAN_METRICS = frozenset({"accuracy", "mean"})
_LETTERS = {"C": 1.0, "I": 0.0, "P": 0.5, "N": 0.0}  # inspect_ai.scorer.value_to_float
MISSING_ZSTD = "is a Zstandard-compressed Inspect log; install the reader with: pip install 'ftgov[inspect]'"


def looks_like(data: Mapping[str, Any]) -> bool:
    return isinstance(data.get("eval"), Mapping) and "version" in data and "status" in data


def detect(path: Path, content: Any) -> bool:
    """A `.eval` archive, or a JSON log."""
    return (path.is_file() and path.suffix == ".eval") or (isinstance(content, Mapping) and looks_like(content))


def load(path: Path, content: Any = None) -> MetricTable:
    if path.suffix == ".eval":
        header, reductions = _read_eval(path)
    else:
        data = read_json(path) if content is None else content
        if not isinstance(data, dict) or not looks_like(data):
            raise ResultsError(path, "not an Inspect log (no 'eval', 'version' and 'status')")
        header, reductions = data, data.get("reductions")
    provenance = Provenance(str(path), sha256_of(path), FORMAT)
    measurements, unusable = _measurements(path, header, reductions, provenance)
    return MetricTable(tuple(measurements), (provenance,), tuple(unusable))


@dataclass(frozen=True)
class _Score:
    """One entry of results.scores: a scorer (or one key of a dict-valued scorer) after one reducer."""

    name: str  # the entry's name: the scorer's, or the key of its dict value
    scorer: str
    reducer: str | None
    metrics: Mapping[str, Any]
    scored_samples: int | None
    unscored_samples: int | None

    def value_of(self, sample_value: Any) -> Any:
        """The sample's value for this entry: a dict-valued scorer's entries each read their own key."""
        if self.name != self.scorer and isinstance(sample_value, Mapping):
            return sample_value.get(self.name, math.nan)
        return sample_value


def _measurements(
    path: Path, header: Mapping[str, Any], reductions: Any, provenance: Provenance
) -> tuple[list[Measurement], list[Unusable]]:
    status = header.get("status")
    if status != "success":
        raise ResultsError(path, f"the Inspect run's status is {status!r}, not 'success': an unfinished run is not a measurement")
    if header.get("invalidated") is True:
        raise ResultsError(path, "the Inspect log is marked invalidated")
    eval_: Mapping[str, Any] = header["eval"] if isinstance(header.get("eval"), Mapping) else {}
    results = header.get("results")
    if not isinstance(results, Mapping) or not isinstance(results.get("scores"), list):
        raise ResultsError(path, "the Inspect log has no results.scores")
    task = str(eval_.get("task") or "")
    if not task:
        raise ResultsError(path, "the Inspect log names no eval.task")
    config: Mapping[str, Any] = eval_["config"] if isinstance(eval_.get("config"), Mapping) else {}
    version = eval_.get("task_version")
    settings = Settings(version=None if version is None else str(version), limit=_limit(config.get("limit")))
    epochs = _count(config.get("epochs")) or 1
    scores = [_score(path, entry) for entry in results["scores"]]
    reduced = _reductions(path, reductions)
    filters = _filters(scores)
    offered: dict[str, set[str]] = {}  # metric -> the filters that give it: one means a bare metric name is unambiguous
    for score, filter_ in zip(scores, filters, strict=True):
        for name in score.metrics:
            offered.setdefault(str(name), set()).add(filter_)
    measurements: list[Measurement] = []
    unusable: list[Unusable] = []
    for score, filter_ in zip(scores, filters, strict=True):
        samples = reduced.get((score.scorer, score.reducer))
        if samples is not None:
            _check_count(path, filter_, score, samples, results, epochs)
        items = _items(score, samples)
        n = _items_counted(score, samples, epochs)
        stderr = number(_metric_value(score.metrics.get("stderr")))
        for name, metric in score.metrics.items():
            if name == "stderr":
                continue
            raw = _metric_value(metric)
            if isinstance(raw, float) and not math.isfinite(raw):
                unusable.append(Unusable(SUITE, task, str(name), filter_, str(path), _json_token(raw)))
                continue
            value = number(raw)
            if value is None:
                raise ResultsError(path, f"scorer {filter_}: metric {name} has no numeric value")
            mean = name in _MEAN_METRICS  # Inspect's stderr and the item count describe the mean over samples, not std or var
            if mean and items is not None and len(items):
                # As for lm-eval and ftgov's format: the paired test must judge the number the log reports.
                average = float(items.values.mean())
                if not math.isclose(average, value, rel_tol=1e-6, abs_tol=1e-6):
                    raise ResultsError(
                        path, f"scorer {filter_}: {name} is {value:g} but its reductions average {average:g}; the log contradicts itself"
                    )
            measurements.append(
                Measurement(
                    suite=SUITE,
                    task=task,
                    metric=str(name),
                    filter=filter_,
                    value=value,
                    stderr=stderr if mean else None,
                    n=n if mean else None,
                    higher_is_better=None,  # Inspect does not record a direction: the objective's applies
                    settings=settings,
                    provenance=provenance,
                    items=items if mean else None,
                    primary=len(offered[str(name)]) == 1,
                )
            )
    return measurements, unusable


def _score(path: Path, entry: Any) -> _Score:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("metrics"), Mapping):
        raise ResultsError(path, "an entry of results.scores has no metrics")
    scorer = str(entry.get("scorer") or entry.get("name") or "")
    reducer = entry.get("reducer")
    return _Score(
        name=str(entry.get("name") or scorer),
        scorer=scorer,
        reducer=None if reducer is None else str(reducer),
        metrics=entry["metrics"],
        scored_samples=_count(entry.get("scored_samples")),
        unscored_samples=_count(entry.get("unscored_samples")),
    )


def _filters(scores: list[_Score]) -> list[str]:
    """Each entry's filter: its name, and its reducer only where one name was reduced several ways."""
    reducers: dict[str, set[str | None]] = {}
    for score in scores:
        reducers.setdefault(score.name, set()).add(score.reducer)
    return [score.name if len(reducers[score.name]) == 1 else f"{score.name}/{score.reducer}" for score in scores]


def _count(raw: Any) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0 else None


def _metric_value(metric: Any) -> Any:
    return metric.get("value") if isinstance(metric, Mapping) else None


def _json_token(value: float) -> str:
    """A non-finite float as Inspect's JSON writes it."""
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _unscored(value: Any) -> bool:
    """Inspect's own test (results.py): a NaN value is a sample the scorer did not score, left out of the metrics."""
    return isinstance(value, float) and math.isnan(value)


def _limit(raw: Any) -> float | None:
    if isinstance(raw, list) and len(raw) == 2:  # a [start, end] range: its length is the subset size
        first, last = number(raw[0]), number(raw[1])
        return None if first is None or last is None else last - first
    return number(raw)


def _reductions(path: Path, reductions: Any) -> dict[tuple[str, str | None], list[Mapping[str, Any]]]:
    """The reduced samples per (scorer, reducer), each sample id once: a repeated id would be paired twice."""
    found: dict[tuple[str, str | None], list[Mapping[str, Any]]] = {}
    for reduction in reductions if isinstance(reductions, list) else []:
        if not isinstance(reduction, Mapping) or not isinstance(reduction.get("samples"), list):
            continue
        scorer = str(reduction.get("scorer"))
        samples = [s for s in reduction["samples"] if isinstance(s, Mapping)]
        seen = Counter(str(s.get("sample_id")) for s in samples)
        repeated = [(sample_id, times) for sample_id, times in seen.items() if times > 1]
        if repeated:
            sample_id, times = repeated[0]
            more = f" (and {len(repeated) - 1} more samples)" if len(repeated) > 1 else ""
            raise ResultsError(path, f"the reductions of scorer {scorer} list sample {sample_id} {times} times{more}; a sample is one item")
        reducer = reduction.get("reducer")
        found[(scorer, None if reducer is None else str(reducer))] = samples
    return found


def _check_count(
    path: Path, filter_: str, score: _Score, samples: list[Mapping[str, Any]], results: Mapping[str, Any], epochs: int
) -> None:
    """The reductions hold the samples the metrics were computed from, as many as Inspect says it scored."""
    scored = sum(1 for s in samples if not _unscored(score.value_of(s.get("value"))))
    if score.scored_samples is not None:
        if scored != score.scored_samples:
            raise ResultsError(
                path,
                f"scorer {filter_}: the reductions hold {scored} scored samples but results.scores gives scored_samples "
                f"{score.scored_samples}; the per-item values are not the ones the metrics were computed from",
            )
        if score.unscored_samples is not None and len(samples) != score.scored_samples + score.unscored_samples:
            raise ResultsError(
                path,
                f"scorer {filter_}: the reductions hold {len(samples)} samples but results.scores gives scored_samples "
                f"{score.scored_samples} and unscored_samples {score.unscored_samples}",
            )
        return
    # Older logs give no scored_samples. completed_samples counts sample-epochs run to the end (total_samples is the
    # dataset's samples times epochs), so n distinct reduced samples account for between n and n * epochs of them.
    completed = _count(results.get("completed_samples"))
    if completed is not None and not len(samples) <= completed <= len(samples) * epochs:
        raise ResultsError(
            path,
            f"scorer {filter_}: the reductions hold {len(samples)} samples but results.completed_samples {completed} "
            f"with epochs {epochs} needs between {math.ceil(completed / epochs)} and {completed}",
        )


def _items(score: _Score, samples: list[Mapping[str, Any]] | None) -> Items | None:
    """The scored samples' values, when every one is a number (or one of Inspect's letter grades)."""
    if samples is None:
        return None
    ids: list[str] = []
    values: list[float] = []
    for sample in samples:
        value = score.value_of(sample.get("value"))
        if _unscored(value):
            continue  # not in the mean the metrics report
        numeric = _LETTERS.get(value) if isinstance(value, str) else number(value)
        if numeric is None:
            return None  # dict-valued or otherwise non-numeric: no per-item series for this scorer
        ids.append(str(sample.get("sample_id")))
        values.append(numeric)
    return Items.build(ids, values) if ids else None


def _items_counted(score: _Score, samples: list[Mapping[str, Any]] | None, epochs: int) -> int | None:
    """How many items a mean metric averages: the reduced samples scored, one per sample whatever the epochs."""
    if samples is not None:
        return sum(1 for s in samples if not _unscored(score.value_of(s.get("value"))))
    if epochs == 1:
        return score.scored_samples
    return None  # metrics over unreduced sample-epochs: not that many independent items


def _read_eval(path: Path) -> tuple[dict[str, Any], Any]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "header.json" not in names:
                raise ResultsError(path, "the .eval archive has no header.json (the run did not finish, or this is not an Inspect log)")
            header = _member_json(path, archive, "header.json")
            reductions = _member_json(path, archive, "reductions.json") if "reductions.json" in names else None
    except (zipfile.BadZipFile, EOFError, struct.error):
        raise ResultsError(path, "not a readable .eval (zip) archive; truncated?") from None
    except OSError as error:
        raise ResultsError(path, f"cannot be read: {error.strerror or error}") from None
    if not isinstance(header, dict):
        raise ResultsError(path, "header.json is not an object")
    return header, reductions


def _member_json(path: Path, archive: zipfile.ZipFile, name: str) -> Any:
    info = archive.getinfo(name)
    raw = _zstd_member(path, archive, info) if info.compress_type == _ZSTD else archive.read(info)
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ResultsError(path, f"{name} in the archive is not valid JSON") from None


def _zstd_member(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member stored with zip method 93, decompressed by the first Zstandard reader available."""
    decompress = _zstd_decompressor(path)
    if archive.fp is None:
        raise ResultsError(path, "the archive is closed")
    archive.fp.seek(info.header_offset)
    local = archive.fp.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise ResultsError(path, f"{info.filename}: bad local header; truncated?")
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    archive.fp.seek(info.header_offset + 30 + name_length + extra_length)
    compressed = archive.fp.read(info.compress_size)
    if len(compressed) != info.compress_size:
        raise ResultsError(path, f"{info.filename} is cut short; truncated?")
    try:
        data: bytes = decompress(compressed, info.file_size)
    except Exception as error:  # each reader raises its own error type for corrupt frames
        raise ResultsError(path, f"{info.filename} does not decompress ({error}); truncated?") from None
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        raise ResultsError(path, f"{info.filename} fails its checksum; the archive is damaged")
    return data


def _zstd_decompressor(path: Path) -> Any:
    try:  # Python 3.14+
        from compression import zstd  # type: ignore[import-not-found,unused-ignore]

        return lambda data, size: zstd.decompress(data)
    except ImportError:
        pass
    try:
        import zstandard
    except ImportError:
        raise ResultsError(path, MISSING_ZSTD) from None
    return lambda data, size: zstandard.ZstdDecompressor().decompress(data, max_output_size=size)


RESULTS_FORMAT = ResultsFormat(FORMAT, detect, load)
