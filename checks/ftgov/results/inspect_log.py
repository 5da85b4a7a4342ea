"""Inspect AI evaluation logs: `.json` (one document) and `.eval` (a zip archive).

Aggregates come from `results.scores[]` (one entry per scorer, each with its metrics;
`stderr` is attached to the scorer's other metrics rather than listed as a metric), the
per-item values from `reductions` (already numeric, one per sample id after epochs are
reduced). The scorer is the filter; the headline scorer is the variant a bare metric
name means. A log whose status is not `success`, or that was invalidated, is refused:
an unfinished run is not a measurement.

Current `.eval` archives compress every member with Zstandard (zip method 93), which
Python's zipfile reads only from 3.14 on; before that the `zstandard` package does
(`pip install 'ftgov[inspect]'`).
"""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ftgov.results.lmeval import read_json
from ftgov.results.table import Items, Measurement, MetricTable, Provenance, ResultsError, Settings, mark_primary, number, sha256_of

SUITE = "inspect"
FORMAT = "inspect"
_ZSTD = 93
_MEAN_METRICS = frozenset({"accuracy", "mean"})
_LETTERS = {"C": 1.0, "I": 0.0, "P": 0.5, "N": 0.0}  # inspect_ai.scorer.value_to_float
MISSING_ZSTD = "is a Zstandard-compressed Inspect log; install the reader with: pip install 'ftgov[inspect]'"


def looks_like(data: Mapping[str, Any]) -> bool:
    return isinstance(data.get("eval"), Mapping) and "version" in data and "status" in data


def load(path: Path) -> MetricTable:
    if path.suffix == ".eval":
        header, reductions = _read_eval(path)
    else:
        data = read_json(path)
        if not isinstance(data, dict) or not looks_like(data):
            raise ResultsError(path, "not an Inspect log (no 'eval', 'version' and 'status')")
        header, reductions = data, data.get("reductions")
    provenance = Provenance(str(path), sha256_of(path), FORMAT)
    return MetricTable(tuple(_measurements(path, header, reductions, provenance)), (provenance,))


def _measurements(path: Path, header: Mapping[str, Any], reductions: Any, provenance: Provenance) -> list[Measurement]:
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
    per_scorer = _reduced_items(path, reductions)
    measurements = []
    for score in results["scores"]:
        if not isinstance(score, Mapping) or not isinstance(score.get("metrics"), Mapping):
            raise ResultsError(path, "an entry of results.scores has no metrics")
        scorer = str(score.get("name") or score.get("scorer") or "")
        metrics = score["metrics"]
        stderr = number(_metric_value(metrics.get("stderr")))
        scored = score.get("scored_samples")
        for name, metric in metrics.items():
            if name == "stderr":
                continue
            value = number(_metric_value(metric))
            if value is None:
                raise ResultsError(path, f"scorer {scorer}: metric {name} has no numeric value")
            items = per_scorer.get(scorer) if name in _MEAN_METRICS else None
            measurements.append(
                Measurement(
                    suite=SUITE,
                    task=task,
                    metric=str(name),
                    filter=scorer,
                    value=value,
                    stderr=stderr,
                    n=scored if isinstance(scored, int) and not isinstance(scored, bool) else None,
                    higher_is_better=None,  # Inspect does not record a direction: the objective's applies
                    settings=settings,
                    provenance=provenance,
                    items=items,
                )
            )
    headline = results.get("headline")
    preferred: dict[tuple[str, str | None], str] = {}
    if isinstance(headline, Mapping):
        preferred[(SUITE, task)] = str(headline.get("scorer"))
    if not preferred and results["scores"] and isinstance(results["scores"][0], Mapping):
        preferred[(SUITE, task)] = str(results["scores"][0].get("name"))  # Inspect's own default headline
    return mark_primary(measurements, preferred)


def _metric_value(metric: Any) -> Any:
    return metric.get("value") if isinstance(metric, Mapping) else None


def _limit(raw: Any) -> float | None:
    if isinstance(raw, list) and len(raw) == 2:  # a [start, end] range: its length is the subset size
        first, last = number(raw[0]), number(raw[1])
        return None if first is None or last is None else last - first
    return number(raw)


def _reduced_items(path: Path, reductions: Any) -> dict[str, Items]:
    found: dict[str, Items] = {}
    for reduction in reductions if isinstance(reductions, list) else []:
        if not isinstance(reduction, Mapping) or not isinstance(reduction.get("samples"), list):
            continue
        ids: list[str] = []
        values: list[float] = []
        for sample in reduction["samples"]:
            value = sample.get("value") if isinstance(sample, Mapping) else None
            numeric = _LETTERS.get(value) if isinstance(value, str) else number(value)
            if numeric is None:
                break  # dict-valued or unscored samples: no per-item series for this scorer
            ids.append(str(sample.get("sample_id")))
            values.append(numeric)
        else:
            if ids:
                found[str(reduction.get("scorer"))] = Items.build(ids, values)
    return found


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
