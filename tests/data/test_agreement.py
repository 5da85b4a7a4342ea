"""Krippendorff's alpha of labelled records: the published example, the package's other code path, both label shapes, bad input.

The published example is Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability",
section C (4 observers, 12 units, missing values; also Krippendorff, Content Analysis, 4th ed.,
p. 290): alpha is 0.743 nominal, 0.815 ordinal, 0.849 interval and 0.797 ratio. The
`krippendorff` package's docstring and tests hold the same matrix with 0.743, 0.815 and 0.797;
the R package icr's tests (krippendorff-2018-p290) hold all four. Unit 12 has a single value
(observer B in the package's copy, C in icr's): it is not pairable, so where it sits changes nothing.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import krippendorff
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ftgov.data.agreement import LEVELS, Level, measure_agreement
from ftgov.data.readers import Record, read_records
from ftgov.documents.errors import USAGE, InputError

# Rows are observers A-D, columns units 1-12; None: the observer did not code the unit.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
PUBLISHED = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}


def _units(matrix: list[list[int | None]]) -> list[list[int | None]]:
    """Observers × units → one list of labels per unit, position i = observer i."""
    return [list(column) for column in zip(*matrix, strict=True)]


def _jsonl(path: Path, labels: list[object], field: str = "labels") -> Path:
    lines = (json.dumps({"text": f"item {i}", field: value}) for i, value in enumerate(labels))
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _records(labels: list[object]) -> list[Record]:
    return [Record(None, f"item {i}", {"labels": value}, f"mem:{i + 1}") for i, value in enumerate(labels)]


def _refused(records: list[Record], level: str = "nominal") -> str:
    with pytest.raises(InputError) as caught:
        measure_agreement(records, level=level)
    message = str(caught.value)
    assert "\n" not in message and caught.value.exit_code == USAGE
    return message


def _package(matrix: np.ndarray, level: Level) -> float:
    """The package's reliability-data path: its own value domain and counts, not the value_counts this module builds."""
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))


@pytest.mark.parametrize("level", LEVELS)
def test_the_published_example_read_from_a_jsonl_file(tmp_path: Path, level: Level) -> None:
    path = _jsonl(tmp_path / "coded.jsonl", list(_units(KRIPPENDORFF_2011)))
    measured = measure_agreement(read_records(path, "text"), level=level)
    assert measured is not None
    assert round(measured.alpha, 3) == PUBLISHED[level]
    assert (measured.level, measured.items, measured.annotators) == (level, 11, 4)  # unit 12 has one value: not pairable
    as_reliability_data = np.array([[math.nan if v is None else v for v in row] for row in KRIPPENDORFF_2011], dtype=float)
    assert measured.alpha == pytest.approx(_package(as_reliability_data, level), rel=1e-12)


def test_perfect_agreement_is_one_at_every_level() -> None:
    labels: list[object] = [[1, 1, None], [2, 2, 2], [3, None, 3], [7, 7, 7]]
    for level in LEVELS:
        measured = measure_agreement(_records(labels), level=level)
        assert measured is not None and measured.alpha == 1.0


@pytest.mark.parametrize("level", LEVELS)
def test_random_labels_with_missing_values_match_the_packages_reliability_data_path(level: Level) -> None:
    rng = np.random.default_rng(18)
    coders, units = 5, 300
    # Agreement above chance: each unit has a true value, and each coder copies it 60% of the time.
    truth = rng.integers(1, 7, size=units)
    matrix = np.where(rng.random((coders, units)) < 0.6, truth, rng.integers(1, 7, size=(coders, units))).astype(float)
    matrix[rng.random((coders, units)) < 0.35] = math.nan
    labels: list[object] = [[None if math.isnan(v) else int(v) for v in matrix[:, u]] for u in range(units)]
    measured = measure_agreement(_records(labels), level=level)
    assert measured is not None
    pairable = int((np.sum(~np.isnan(matrix), axis=0) >= 2).sum())
    assert 0 < pairable < units and measured.items == pairable  # some units have fewer than two labels
    assert measured.annotators == coders
    assert measured.alpha == pytest.approx(_package(matrix, level), rel=1e-9)
    assert 0.2 < measured.alpha < 0.9


def test_mapping_labels_measure_what_list_labels_measure(tmp_path: Path) -> None:
    names = ("ana", "bo", "cy", "dee")
    as_lists = _units(KRIPPENDORFF_2011)
    as_mappings: list[object] = [{name: label for name, label in zip(names, unit, strict=True) if label is not None} for unit in as_lists]
    listed = measure_agreement(read_records(_jsonl(tmp_path / "lists.jsonl", list(as_lists)), "text"), level="interval")
    mapped = measure_agreement(read_records(_jsonl(tmp_path / "maps.jsonl", as_mappings), "text"), level="interval")
    assert listed is not None and mapped is not None
    assert mapped == listed


def test_parquet_list_and_struct_columns(tmp_path: Path) -> None:
    """A list<string> column is list labels; a struct column (one field per annotator) reads as mapping labels."""
    units: list[list[str | None]] = [
        ["spam", "spam", None],
        ["ham", "ham", "ham"],
        ["spam", "ham", "spam"],
        [None, "ham", "ham"],
        ["ham", None, None],
    ]
    table = pa.table(
        {
            "text": [f"message {i}" for i in range(len(units))],
            "labels": pa.array(units, type=pa.list_(pa.string())),
            "by_name": pa.array(
                [dict(zip(("ana", "bo", "cy"), unit, strict=True)) for unit in units],
                type=pa.struct([("ana", pa.string()), ("bo", pa.string()), ("cy", pa.string())]),
            ),
        }
    )
    path = tmp_path / "labelled.parquet"
    pq.write_table(table, path)
    listed = measure_agreement(read_records(path, "text"))
    mapped = measure_agreement(read_records(path, "text"), label_field="by_name")
    reference = _package(np.array([[{"spam": 1.0, "ham": 2.0}.get(u[c] or "", math.nan) for u in units] for c in range(3)]), "nominal")
    assert listed is not None and mapped is not None
    assert (listed.items, listed.annotators) == (4, 3)
    assert listed.alpha == mapped.alpha == pytest.approx(reference, rel=1e-12)


def test_string_labels_and_which_labels_count_as_the_same_value() -> None:
    words = measure_agreement(_records([["pos", "pos"], ["neg", "neg"], ["neu", "pos"]]))
    assert words is not None and words.alpha == pytest.approx(_package(np.array([[1, 2, 3], [1, 2, 1]], dtype=float), "nominal"))
    same = measure_agreement(_records([[1, 1.0], [2, 2]]))  # JSON's 1 and 1.0 are one number
    assert same is not None and same.alpha == 1.0
    apart = measure_agreement(_records([[True, 1], [2, 2], [True, True]]))  # true is a category, not the number 1
    assert apart is not None and apart.alpha < 1.0


def test_null_and_nan_labels_are_missing(tmp_path: Path) -> None:
    path = tmp_path / "coded.jsonl"
    path.write_text(
        '{"text": "a", "labels": [1, NaN, 1]}\n{"text": "b", "labels": [2, null, 2]}\n{"text": "c", "labels": [NaN, 2, 1]}\n',
        encoding="utf-8",
    )
    with_nan = measure_agreement(read_records(path, "text"))
    with_null = measure_agreement(_records([[1, None, 1], [2, None, 2], [None, 2, 1]]))
    assert with_nan is not None and with_nan == with_null


def test_no_labelled_record_is_not_measured(tmp_path: Path) -> None:
    path = tmp_path / "plain.jsonl"
    path.write_text('{"text": "a"}\n{"text": "b", "labels": null}\n', encoding="utf-8")
    assert measure_agreement(read_records(path, "text")) is None
    assert measure_agreement([]) is None


def test_a_label_field_that_is_not_a_list_or_mapping_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "coded.csv"  # CSV has no lists: a labels column holds strings
    path.write_text('text,labels\nfirst,"[""a"", ""b""]"\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        measure_agreement(read_records(path, "text"))
    assert str(caught.value) == (
        f"{path}:2: the label field 'labels' is a string, not a list (one label per annotator) or a mapping (annotator → label)"
    )


def test_bad_labels_name_the_record_and_the_annotator() -> None:
    assert _refused(_records([["a", "b"], ["a", ["b", "c"]]])) == "mem:2: position 1's label is a list, not a single value"
    assert _refused(_records([{"ana": 1, "bo": {"x": 2}}])) == "mem:1: annotator 'bo''s label is a mapping, not a single value"
    assert _refused(_records([[1, 2], [3, "4"]]), level="interval").startswith(
        "mem:2: position 1's label '4' is not a number; interval agreement measures distances between numbers"
    )
    assert _refused(_records([[True, False]]), level="ordinal").startswith("mem:1: position 0's label True is not a number")
    assert _refused(_records([[1, 2], [0, -1]]), level="ratio") == (
        "mem:2: position 1's label is -1; a ratio scale starts at zero, so its labels are not negative"
    )
    assert (
        _refused(_records([[1, 2], [1, math.inf]]), level="interval")
        == "mem:2: position 1's label is inf; interval agreement needs finite numbers"
    )
    assert _refused(_records([[1, 2], {"ana": 1, "bo": 1}])) == (
        "mem:2: the label field 'labels' is a mapping here but a list at mem:1; label every record of a file the same way"
    )


def test_when_alpha_is_undefined_it_says_so_and_names_the_file(tmp_path: Path) -> None:
    one_item = _jsonl(tmp_path / "one.jsonl", [["a", "b"], ["a", None], [None, None]])
    with pytest.raises(InputError) as caught:
        measure_agreement(read_records(one_item, "text"))
    assert str(caught.value) == (
        f"{one_item}: alpha is undefined: it needs at least 2 items labelled by 2 or more annotators in 'labels', and 1 is"
    )
    assert _refused(_records([["x"], ["y"]])).endswith("and 0 are")
    # A value seen only on an unpaired item does not rescue the coefficient: the paired labels are all "a".
    assert _refused(_records([["a", "a"], ["a", "a", "a"], ["b", None]])) == (
        "mem: alpha is undefined: every paired label in 'labels' is the same value ('a'),"
        " so there is no disagreement to compare with chance"
    )
    assert _refused(_records([[1e200, -1e200], [-1e200, 1e200]]), level="interval") == (
        "mem: alpha is undefined: the interval differences between the labels in 'labels' overflow"
    )
    assert (
        _refused(_records([[1, 2]]), level="circular")
        == "agreement: unknown level of measurement 'circular' (one of nominal, ordinal, interval, ratio)"
    )
