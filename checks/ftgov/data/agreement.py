"""Inter-annotator agreement of a labelled data file: Krippendorff's alpha over the labels each record carries.

Labels that annotators disagree on teach a model noise; a reviewer needs to know how far the
annotators agreed before the labels are trained on. A record carries its labels in one field
(`labels` by default), in either of two shapes, one shape per file:

- a list, position i holding annotator i's label, null where that annotator did not label it:
  `{"text": ..., "labels": ["spam", null, "ham"]}`;
- a mapping annotator → label: `{"text": ..., "labels": {"ana": "spam", "bo": "ham"}}`.

A record without the field (or with it null) is not labelled; a record with fewer than two
labels is not *pairable* and, as in Krippendorff's definition, does not count. Alpha is
computed from Krippendorff's coincidence matrix (Krippendorff 2011, "Computing Krippendorff's
Alpha-Reliability"), accumulated item by item as the records stream past: who gave a label does
not enter the coefficient, only how many labels of each value each item got. The tests check
every level against the `krippendorff` package on the same data and against the paper's
worked example. The package itself is not a runtime dependency: it is GPL-3.0 (ftgov is
Apache-2.0), and its 0.9.0 builds an items × values × values tensor, 0.94 GB for 10^5 items
over 20 values, where the matrix needs values² numbers whatever the number of items.

Levels of measurement are the package's: `nominal` takes any scalar label (strings, numbers,
booleans; `1` and `1.0` are one value, `true` and `1` are two); `ordinal`, `interval` and
`ratio` take numbers only (ratio: not negative, since a ratio scale starts at zero). A float NaN
is a missing label, as in the package's own reliability data.

Errors, each an `InputError` with a one-line message: a label field that is neither a list nor
a mapping, a file mixing the two shapes, a nested or non-numeric label where numbers are needed
(naming the record's `file:line`); fewer than two pairable items, or every paired label the same
value (alpha's expected disagreement is then zero and alpha is 0/0), or labels so large that the
squared differences overflow: alpha is undefined and saying so is better than a NaN in a register.

Memory model: the records are streamed; what is kept is the coincidence matrix (one float per
pair of distinct values that co-occur in an item) and the distinct values themselves, so memory
grows with the number of distinct labels squared, never with the number of items.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ftgov.data.readers import Record
from ftgov.documents.errors import InputError

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")
# A label quoted in a message is cut here so a stray document in a label field cannot flood the terminal.
QUOTE_LIMIT = 60


@dataclass(frozen=True)
class Agreement:
    """Krippendorff's alpha at `level` over `items` pairable items labelled by `annotators` distinct annotators."""

    level: str
    alpha: float
    items: int  # records with at least two labels: the units alpha pairs
    annotators: int  # distinct positions (list labels) or names (mapping labels) that gave at least one label


@dataclass
class LabelTally:
    """What the stream leaves behind: the sparse count table of pairable items and who labelled."""

    level: Level
    label_field: str
    columns: dict[Hashable, int] = field(default_factory=dict)  # a label's identity → its column
    values: list[object] = field(default_factory=list)  # column → the label as first seen
    # Krippendorff's coincidence matrix, (column, column) → pairable value pairs within items, each item weighted 1/(m-1)
    coincidences: dict[tuple[int, int], float] = field(default_factory=dict)
    items: int = 0
    annotators: set[Hashable] = field(default_factory=set)
    shape: str | None = None  # "list" or "mapping", fixed by the first labelled record
    shape_where: str = ""
    source: str = ""

    def add(self, record: Record) -> None:
        raw = record.fields.get(self.label_field)
        if raw is None:
            return
        if not self.source:
            self.source = _source(record.where) or f"label field {self.label_field!r}"
        shape, labelled = self._labels(raw, record.where)
        if self.shape is None:
            self.shape, self.shape_where = shape, record.where
        elif shape != self.shape:
            raise InputError(
                f"{record.where}: the label field {self.label_field!r} is a {shape} here but a {self.shape} at {self.shape_where};"
                " label every record of a file the same way"
            )
        item: Counter[Hashable] = Counter()
        first_seen: dict[Hashable, object] = {}
        for annotator, label in labelled:
            if label is None or (isinstance(label, float) and math.isnan(label)):
                continue
            key = _identity(label, self.level, record.where, annotator)
            item[key] += 1
            first_seen.setdefault(key, label)
            self.annotators.add(annotator)
        if item.total() < 2:
            return
        self.items += 1
        counted: list[tuple[int, int]] = []
        for key, count in item.items():
            column = self.columns.get(key)
            if column is None:
                column = self.columns[key] = len(self.values)
                self.values.append(first_seen[key])
            counted.append((column, count))
        # Every ordered pair of labels by different annotators of this item, weighted 1/(m-1) (Krippendorff 2011, eq. 2).
        weight = 1.0 / (item.total() - 1)
        for c, count_c in counted:
            for k, count_k in counted:
                pairs = count_c * (count_c - 1) if c == k else count_c * count_k
                if pairs:
                    self.coincidences[(c, k)] = self.coincidences.get((c, k), 0.0) + pairs * weight

    @classmethod
    def start(cls, label_field: str, level: str) -> LabelTally:
        """An empty tally, or an InputError for a level of measurement ftgov does not know."""
        chosen = next((known for known in LEVELS if known == level), None)
        if chosen is None:
            raise InputError(f"agreement: unknown level of measurement {level!r} (one of {', '.join(LEVELS)})")
        return cls(level=chosen, label_field=label_field)

    def result(self) -> Agreement | None:
        """Alpha of what was added, None when no record carried the field, or an InputError saying why alpha is undefined."""
        if self.shape is None:
            return None
        if self.items < 2:
            raise InputError(
                f"{self.source}: alpha is undefined: it needs at least 2 items labelled by 2 or more annotators"
                f" in {self.label_field!r}, and {self.items} {'is' if self.items == 1 else 'are'}"
            )
        if len(self.values) < 2:
            raise InputError(
                f"{self.source}: alpha is undefined: every paired label in {self.label_field!r} is the same value"
                f" ({_quote(self.values[0])}), so there is no disagreement to compare with chance"
            )
        alpha = _alpha(self)
        if not math.isfinite(alpha):
            raise InputError(
                f"{self.source}: alpha is undefined: the {self.level} differences between the labels in {self.label_field!r} overflow"
            )
        return Agreement(level=self.level, alpha=alpha, items=self.items, annotators=len(self.annotators))

    def _labels(self, raw: object, where: str) -> tuple[str, Iterable[tuple[str, object]]]:
        if isinstance(raw, list):
            return "list", ((f"position {position}", label) for position, label in enumerate(raw))
        if isinstance(raw, Mapping):
            return "mapping", ((f"annotator {name!r}", label) for name, label in raw.items())
        raise InputError(
            f"{where}: the label field {self.label_field!r} is {_kind(raw)}, not a list (one label per annotator)"
            " or a mapping (annotator → label)"
        )


def measure_agreement(records: Iterable[Record], label_field: str = "labels", level: str = "nominal") -> Agreement | None:
    """Krippendorff's alpha of the labels in `label_field`, or None when no record carries that field (nothing measured)."""
    tally = LabelTally.start(label_field, level)
    for record in records:
        tally.add(record)
    return tally.result()


def _alpha(tally: LabelTally) -> float:
    """1 - D_o / D_e from the coincidence matrix, with the level's difference function (Krippendorff 2011, sections B-E)."""
    size = len(tally.values)
    observed = np.zeros((size, size), dtype=np.float64)
    for (c, k), pairs in tally.coincidences.items():
        observed[c, k] = pairs
    with np.errstate(all="ignore"):  # an overflow shows as a non-finite alpha, refused by the caller
        if tally.level != "nominal":
            # At the ordered levels a label's identity is its number: put the values in ascending order.
            domain = np.array(list(tally.columns), dtype=np.float64)
            order = np.argsort(domain, kind="stable")
            observed, domain = observed[np.ix_(order, order)], domain[order]
        marginals = observed.sum(axis=1)
        total = marginals.sum()
        delta = _differences(tally.level, domain if tally.level != "nominal" else None, marginals)
        disagreement = float((observed * delta).sum())
        expected = float((np.outer(marginals, marginals) * delta).sum()) / (total - 1.0)
        return float(1.0 - disagreement / expected)


def _differences(level: Level, domain: np.ndarray | None, marginals: np.ndarray) -> np.ndarray:
    """The squared difference δ² between every two values at `level`."""
    size = len(marginals)
    if level == "nominal" or domain is None:
        return 1.0 - np.eye(size)
    if level == "interval":
        gaps: np.ndarray = np.subtract.outer(domain, domain)
        return gaps**2
    if level == "ratio":
        sums: np.ndarray = np.add.outer(domain, domain)
        relative: np.ndarray = np.where(sums == 0, 0.0, np.subtract.outer(domain, domain) / np.where(sums == 0, 1.0, sums))
        return relative**2
    # ordinal: the marginals between the two ranks, inclusive, less half of each end's own.
    cumulative = np.concatenate(([0.0], np.cumsum(marginals)))
    low, high = np.minimum.outer(np.arange(size), np.arange(size)), np.maximum.outer(np.arange(size), np.arange(size))
    between: np.ndarray = cumulative[high + 1] - cumulative[low] - (marginals[low] + marginals[high]) / 2.0
    return between**2


def _identity(label: object, level: str, where: str, annotator: str) -> Hashable:
    """The value a label stands for at `level`: what two labels must share to agree."""
    if isinstance(label, list | dict | tuple | set):
        raise InputError(f"{where}: {annotator}'s label is {_kind(label)}, not a single value")
    if level == "nominal":
        if isinstance(label, bool):
            return ("bool", label)  # apart from 1 and 0, which compare equal to True and False
        if isinstance(label, numbers.Number):
            return ("number", label)
        if not isinstance(label, Hashable):
            raise InputError(f"{where}: {annotator}'s label is {_kind(label)}, not a single value")
        return (type(label).__name__, label)
    if isinstance(label, bool) or not isinstance(label, numbers.Real):
        raise InputError(
            f"{where}: {annotator}'s label {_quote(label)} is not a number; {level} agreement measures distances between"
            " numbers (nominal agreement takes categories)"
        )
    number = float(label)
    if math.isinf(number):
        raise InputError(f"{where}: {annotator}'s label is {number}; {level} agreement needs finite numbers")
    if level == "ratio" and number < 0:
        raise InputError(f"{where}: {annotator}'s label is {label}; a ratio scale starts at zero, so its labels are not negative")
    return number


def _source(where: str) -> str:
    """The file of a `file:line` / `file:row N` location: errors about the whole stream name it."""
    return where.rsplit(":", 1)[0] if ":" in where else where


def _kind(value: object) -> str:
    names = {list: "a list", dict: "a mapping", str: "a string", int: "a number", float: "a number", bool: "a boolean"}
    return names.get(type(value), f"a {type(value).__name__}")


def _quote(value: object) -> str:
    text = repr(value)
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…"
