"""The collection date range of JSONL, CSV and Parquet files written here: ISO strings, timestamp and date columns, bad values."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ftgov.data.dates import DateRange, measure_dates
from ftgov.data.readers import Record, read_records
from ftgov.documents.errors import USAGE, InputError


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps({"text": f"record {i}", **row}) + "\n" for i, row in enumerate(rows)), encoding="utf-8")
    return path


def _refused(path: Path, field: str = "collected_at") -> str:
    with pytest.raises(InputError) as caught:
        measure_dates(read_records(path, "text"), field)
    message = str(caught.value)
    assert "\n" not in message and caught.value.exit_code == USAGE
    return message


def test_iso_strings_in_a_jsonl_file(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "train.jsonl",
        [
            {"collected_at": "2026-03-01"},  # a date alone: midnight UTC
            {"collected_at": "2026-01-01T01:00:00+02:00"},  # the earliest: 2025-12-31T23:00Z
            {"collected_at": "2026-06-30T09:30:00"},  # naive: UTC
            {"collected_at": "2026-06-30T10:00:00Z"},  # the latest
            {"collected_at": None},
            {},
            {"collected_at": "  "},
        ],
    )
    measured = measure_dates(read_records(path, "text"), "collected_at")
    assert measured == DateRange(
        field="collected_at",
        earliest=datetime(2025, 12, 31, 23, 0, tzinfo=UTC),
        latest=datetime(2026, 6, 30, 10, 0, tzinfo=UTC),
        dated=4,
        undated=3,
        before_boundary=None,
    )
    assert measured.earliest is not None and measured.earliest.utcoffset() == timedelta(0)


def test_records_before_a_boundary_are_counted_in_the_same_pass(tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [{"collected_at": f"2026-0{month}-15"} for month in range(1, 7)]
    path = _jsonl(tmp_path / "train.jsonl", [*rows, {"collected_at": None}])
    at_approval = datetime(2026, 4, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))  # 2026-04-01T00:00Z
    measured = measure_dates(read_records(path, "text"), "collected_at", at_approval)
    assert measured is not None and measured.before_boundary == 3 and (measured.dated, measured.undated) == (6, 1)
    # A naive boundary is UTC, like a naive date in a file; a record exactly at the boundary is not before it.
    on_the_dot = measure_dates(read_records(path, "text"), "collected_at", datetime(2026, 3, 15))
    assert on_the_dot is not None and on_the_dot.before_boundary == 2


def test_csv_dates_and_empty_cells(tmp_path: Path) -> None:
    path = tmp_path / "validation.csv"
    path.write_text("text,collected_at\na,2026-05-02 08:00\nb,\nc,2026-05-01T23:59:59-01:00\n", encoding="utf-8")
    measured = measure_dates(read_records(path, "text"), "collected_at")
    assert measured is not None
    assert (measured.earliest, measured.latest) == (datetime(2026, 5, 2, 0, 59, 59, tzinfo=UTC), datetime(2026, 5, 2, 8, 0, tzinfo=UTC))
    assert (measured.dated, measured.undated) == (2, 1)


def test_parquet_timestamp_and_date_columns(tmp_path: Path) -> None:
    instants = [datetime(2026, 2, 1, 12, 0, tzinfo=UTC), None, datetime(2025, 11, 5, 6, 30, tzinfo=UTC)]
    table = pa.table(
        {
            "text": ["a", "b", "c"],
            "aware": pa.array(instants, type=pa.timestamp("us", tz="Europe/Paris")),
            "naive": pa.array([i.replace(tzinfo=None) if i else None for i in instants], type=pa.timestamp("ms")),
            "nanos": pa.array([1_770_000_000_123_456_789, None, 1_760_000_000_000_000_000], type=pa.timestamp("ns", tz="UTC")),
            "day": pa.array([date(2026, 2, 1), date(2025, 11, 5), None], type=pa.date32()),
        }
    )
    path = tmp_path / "train.parquet"
    pq.write_table(table, path)
    for column in ("aware", "naive"):
        measured = measure_dates(read_records(path, "text"), column)
        assert measured == DateRange(column, instants[2], instants[0], 2, 1)
    nanos = measure_dates(read_records(path, "text"), "nanos")
    assert nanos is not None and nanos.latest == datetime(2026, 2, 2, 2, 40, 0, 123456, tzinfo=UTC)  # cut to the microsecond
    assert type(nanos.latest) is datetime and type(nanos.earliest) is datetime  # not pandas.Timestamp
    day = measure_dates(read_records(path, "text"), "day", boundary=datetime(2026, 1, 1, tzinfo=UTC))
    assert day == DateRange("day", datetime(2025, 11, 5, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC), 2, 1, before_boundary=1)


def test_undated_files_and_empty_streams(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "train.jsonl", [{"other": "2026-01-01"}, {"collected_at": None}])
    # The field names nothing in this file: still measured, so the register shows every record undated.
    assert measure_dates(read_records(path, "text"), "collected_at", datetime(2026, 1, 1)) == DateRange("collected_at", None, None, 0, 2, 0)
    assert measure_dates(iter([]), "collected_at") is None
    assert measure_dates([Record(None, "x", {"collected_at": "2026-01-01"}, "mem:1")], "collected_at") == DateRange(
        "collected_at", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC), 1, 0
    )


def test_a_value_that_is_not_a_date_names_file_line_and_value(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "train.jsonl", [{"collected_at": "2026-01-01"}, {"collected_at": "01/02/2026"}])
    assert _refused(path) == f"{path}:2: 'collected_at' is '01/02/2026', not an ISO 8601 date or date-time"
    path = _jsonl(tmp_path / "train.jsonl", [{"collected_at": 1751328000}])
    assert _refused(path) == (
        f"{path}:1: 'collected_at' is int 1751328000, not a date (give an ISO 8601 string, or a date or timestamp column)"
    )
    path = _jsonl(tmp_path / "train.jsonl", [{"collected_at": True}])
    assert _refused(path).startswith(f"{path}:1: 'collected_at' is bool True, not a date")
    path = _jsonl(tmp_path / "train.jsonl", [{"collected_at": "0001-01-01T00:00:00+01:00"}])
    assert _refused(path) == f"{path}:1: 'collected_at' is 0001-01-01T00:00:00+01:00, outside the years 1-9999 in UTC"
    path = _jsonl(tmp_path / "train.jsonl", [{"collected_at": "x" * 500}])
    assert len(_refused(path)) < len(str(path)) + 140  # a long value is quoted cut short


def test_a_bad_csv_date_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "validation.csv"
    path.write_text("text,collected_at\na,2026-05-02\nb,yesterday\n", encoding="utf-8")
    assert _refused(path) == f"{path}:3: 'collected_at' is 'yesterday', not an ISO 8601 date or date-time"
