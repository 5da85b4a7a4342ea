"""What every results adapter produces: one table of measurements.

An adapter reads one tool's files and returns a `MetricTable`; comparison never looks at
a file again. Measurements are keyed by (suite, task, metric, filter), never by position,
so a base and a candidate run match only where they measured the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ftgov.documents.digests import file_sha256
from ftgov.documents.errors import InputError

FloatArray = npt.NDArray[np.float64]
StrArray = npt.NDArray[np.str_]

NO_FILTER = "none"  # lm-eval's name for "no filter"; other adapters use it for their only variant


class ResultsError(InputError):
    """A results file or directory that cannot be read: the CLI maps it to exit 2, one line, no traceback."""

    def __init__(self, path: str | Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)


class DuplicateItems(ValueError):
    """Item ids that are distinct as text but the same as stored; `results.load` names the file."""


@dataclass(frozen=True)
class Provenance:
    path: str
    sha256: str
    format: str  # lm-eval | inspect | generic | model-index


@dataclass(frozen=True)
class Settings:
    """What must be equal for two runs of a task to be comparable (None: not recorded).

    `split` and `config` are the dataset's split and configuration (subset) where the tool
    records them (model cards do); `version` is the task's version or the dataset's revision.
    """

    n_shot: int | None = None
    version: str | None = None
    task_hash: str | None = None
    limit: float | None = None  # lm-eval --limit / Inspect limit: a subset of the items
    split: str | None = None
    config: str | None = None

    def differences(self, other: Settings) -> list[str]:
        """The settings in which two runs differ, as phrases for a reason.

        Present and equal, or absent from both: a setting one run recorded and the other did
        not is a difference, since nothing shows the other run used the same value (a limit
        absent from both means the whole set in both).
        """
        found: list[str] = []
        for label, mine, theirs in (
            ("n-shot", self.n_shot, other.n_shot),
            ("task version", self.version, other.version),
            ("task hash", self.task_hash, other.task_hash),
            ("limit", self.limit, other.limit),
            ("split", self.split, other.split),
            ("dataset config", self.config, other.config),
        ):
            if mine != theirs:
                absent = "none" if label == "limit" else "not recorded"  # no limit is itself a statement: the whole set
                found.append(f"{label} {_shown(mine, absent)} vs {_shown(theirs, absent)}")
        return found


def _shown(value: float | int | str | None, absent: str) -> str:
    if value is None:
        return absent
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Items:
    """Per-item values of one measurement, sorted by item id.

    `hashes` (lm-eval's prompt_hash) proves that two runs' item 17 is the same prompt;
    `confidences` is the model's probability for the answer it gave, where the tool logs one.
    """

    ids: StrArray
    values: FloatArray
    confidences: FloatArray | None = None
    hashes: StrArray | None = None

    @classmethod
    def build(
        cls,
        ids: Iterable[str],
        values: Iterable[float],
        confidences: Iterable[float] | None = None,
        hashes: Iterable[str] | None = None,
    ) -> Items:
        listed = list(ids)
        id_array = np.asarray(listed, dtype=np.str_)
        repeated = len(listed) - int(np.unique(id_array).shape[0])
        if repeated:
            # NumPy drops trailing NUL characters, so "q1" and "q1\0" would become one item
            # twice: the adapters' checks on the text cannot see it; this one sees what is kept.
            raise DuplicateItems(f"{repeated} item ids repeat once stored (NUL characters are not part of an id)")
        order = np.argsort(id_array, kind="stable")
        value_array = np.asarray(list(values), dtype=np.float64)[order]
        conf_array = None if confidences is None else np.asarray(list(confidences), dtype=np.float64)[order]
        hash_array = None if hashes is None else np.asarray(list(hashes), dtype=np.str_)[order]
        return cls(id_array[order], value_array, conf_array, hash_array)

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def binary(self) -> bool:
        return bool(np.all((self.values == 0.0) | (self.values == 1.0)))

    @property
    def within_unit(self) -> bool:
        """Every value in [0, 1]: a mean of such items varies at most as a proportion does."""
        return bool(np.all((self.values >= 0.0) & (self.values <= 1.0)))


@dataclass(frozen=True)
class Measurement:
    suite: str
    task: str | None
    metric: str
    filter: str
    value: float
    stderr: float | None
    n: int | None  # the number of items the value is the mean of; None when it is no such mean (corpus F1, BLEU) or unknown
    higher_is_better: bool | None
    settings: Settings
    provenance: Provenance
    items: Items | None = None
    primary: bool = True  # the variant a criterion naming no filter means: lm-eval's 'none', or the only one
    verified: bool | None = None  # a model card's `verified: true` (the Hub re-ran it); None where the format has no such flag

    @property
    def key(self) -> str:
        """suite/task/metric as criteria and the register name it; the filter only when it is not the primary one."""
        name = self.metric if self.primary else f"{self.metric},{self.filter}"
        return "/".join(part for part in (self.suite, self.task, name) if part)


@dataclass(frozen=True)
class Unusable:
    """A metric the tool wrote as a non-finite number (Infinity, NaN): an error only if a criterion needs it."""

    suite: str
    task: str | None
    metric: str
    filter: str
    path: str
    raw: str  # as the file wrote it

    @property
    def key(self) -> str:
        return "/".join(part for part in (self.suite, self.task, self.metric) if part)


@dataclass(frozen=True)
class MetricTable:
    measurements: tuple[Measurement, ...]
    sources: tuple[Provenance, ...]
    unusable: tuple[Unusable, ...] = ()
    notes: tuple[str, ...] = ()  # what the adapter noticed and the report must say (a group compared unpaired, ...)
    # (group task, every task under it, nested groups included): lm-eval's group_subtasks, so a
    # group's calibration is judged once over its items rather than once per subtask.
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    _index: dict[tuple[str, str | None, str, str], Measurement] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for m in self.measurements:
            where = (m.suite, m.task, m.metric, m.filter)
            if where in self._index:
                first = self._index[where].provenance.path
                raise ResultsError(
                    m.provenance.path,
                    f"{m.key} (filter {m.filter}) is already measured in {first}; give each measurement once",
                )
            self._index[where] = m

    def __iter__(self) -> Iterator[Measurement]:
        return iter(self.measurements)

    def __len__(self) -> int:
        return len(self.measurements)

    @classmethod
    def merge(cls, tables: Iterable[MetricTable]) -> MetricTable:
        tables = list(tables)
        return cls(
            tuple(m for t in tables for m in t),
            tuple(s for t in tables for s in t.sources),
            tuple(u for t in tables for u in t.unusable),
            tuple(n for t in tables for n in t.notes),
            tuple(g for t in tables for g in t.groups),
        )

    def unusable_for(self, suite: str, task: str | None, name: str) -> Unusable | None:
        """The non-finite value a criterion's metric names, when the table holds no finite one for it."""
        if self.find(suite, task, name)[0] is not None:
            return None
        metric, _, wanted = name.partition(",")
        return next(
            (u for u in self.unusable if (u.suite, u.task, u.metric) == (suite, task, metric) and (not wanted or u.filter == wanted)),
            None,
        )

    def find(self, suite: str, task: str | None, name: str) -> tuple[Measurement | None, str]:
        """The measurement a criterion's metric names, or None and why not.

        `name` may carry a filter ("exact_match,strict-match"); without one it means the
        primary variant, or the only one.
        """
        metric, _, wanted = name.partition(",")
        candidates = [m for (s, t, n, _f), m in self._index.items() if s == suite and t == task and n == metric]
        if wanted:
            candidates = [m for m in candidates if m.filter == wanted]
        elif len(candidates) > 1:
            candidates = [m for m in candidates if m.primary] or candidates
        where = "/".join(p for p in (suite, task, name) if p)
        if not candidates:
            return None, f"{where} is not in the results"
        if len(candidates) > 1:
            filters = ", ".join(sorted(m.filter for m in candidates))
            return None, f"{where} is measured with several filters ({filters}); name one as {metric},<filter>"
        return candidates[0], ""


@dataclass(frozen=True)
class ResultsFormat:
    """One results format ftgov reads, as `results.FORMATS` lists them in order of precedence.

    `detect(path, content)` says whether the path is in this format; `content` is the parsed
    JSON of a `.json` file (read once, however many formats look at it), else None. `load`
    gets the same two and reads the path into a table, raising ResultsError when it cannot.
    """

    name: str  # what `results.load(path, format=...)` and Provenance.format call it
    detect: Callable[[Path, Any], bool]
    load: Callable[[Path, Any], MetricTable]


def sha256_of(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError as error:  # a directory named like a results file, a file without read permission
        raise ResultsError(path, f"cannot be read: {error.strerror or type(error).__name__}") from None


def number(value: object) -> float | None:
    """A JSON number as float; anything else (including the string 'N/A' and booleans) is None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    result = float(value)
    return result if np.isfinite(result) else None


def mark_primary(measurements: Iterable[Measurement], preferred: Mapping[tuple[str, str | None], str] | None = None) -> list[Measurement]:
    """Set `primary` on the variant a bare metric name means: the preferred filter, else 'none', else the only one."""
    listed = list(measurements)
    groups: dict[tuple[str, str | None, str], list[Measurement]] = {}
    for m in listed:
        groups.setdefault((m.suite, m.task, m.metric), []).append(m)
    chosen: set[int] = set()
    for (suite, task, _metric), group in groups.items():
        want = (preferred or {}).get((suite, task))
        pick = [m for m in group if m.filter == want] or [m for m in group if m.filter == NO_FILTER]
        if not pick and len(group) == 1:
            pick = group
        chosen.update(id(m) for m in pick[:1])
    return [replace(m, primary=id(m) in chosen) for m in listed]
