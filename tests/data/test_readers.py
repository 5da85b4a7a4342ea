"""The readers on files written here: JSONL, CSV, Parquet (in batches) and Arrow IPC; bad input is a one-line InputError naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc
import pyarrow.parquet as pq
import pytest

from ftgov.data.readers import Record, _parquet_batches, detect_format, read_records
from ftgov.documents.errors import USAGE, InputError


def _refused(path: Path, text_field: str = "text", id_field: str | None = None) -> InputError:
    with pytest.raises(InputError) as caught:
        list(read_records(path, text_field, id_field))
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and caught.value.exit_code == USAGE
    return caught.value


def test_jsonl_streams_records_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text('{"id": 7, "text": "first", "label": "a"}\n\n{"id": "x8", "text": "second"}\n', encoding="utf-8")
    records = list(read_records(path, "text", "id"))
    assert records == [
        Record("7", "first", {"id": 7, "text": "first", "label": "a"}, f"{path}:1"),
        Record("x8", "second", {"id": "x8", "text": "second"}, f"{path}:3"),
    ]
    assert [r.id for r in read_records(path, "text")] == [None, None]


def test_a_bad_jsonl_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text('{"text": "fine"}\n{"text": "also fine"}\n{"text": "cut off\n', encoding="utf-8")
    assert str(_refused(path)).startswith(f"{path}:3: not JSON")
    path.write_text('{"text": "fine"}\n["a list"]\n', encoding="utf-8")
    assert str(_refused(path)) == f"{path}:2: a JSONL record is a JSON object, not list"


def test_a_missing_text_or_id_field_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text('{"text": "fine"}\n{"body": "no text here"}\n', encoding="utf-8")
    assert str(_refused(path)) == f"{path}:2: no text field 'text' (fields: body)"
    path.write_text('{"text": 3}\n', encoding="utf-8")
    assert str(_refused(path)) == f"{path}:1: text field 'text' is int, not a string"
    path.write_text('{"text": "fine"}\n', encoding="utf-8")
    assert str(_refused(path, id_field="id")) == f"{path}:1: no id field 'id'"


def test_jsonl_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    # The bad byte sits past the first 8 KB: the line named is still the line holding it.
    path.write_bytes(b'{"text": "fine"}\n' * 1000 + b'{"text": "\xff\xfe"}\n')
    assert str(_refused(path)) == f"{path}:1001: not UTF-8 text"


def test_csv_reads_the_header_row_and_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "eval.csv"
    path.write_text('\ufeffid,text\n1,plain\n2,"two\nlines, with a comma"\n3,last\n', encoding="utf-8")
    records = list(read_records(path, "text", "id"))
    assert [(r.id, r.text) for r in records] == [("1", "plain"), ("2", "two\nlines, with a comma"), ("3", "last")]
    assert [r.where for r in records] == [f"{path}:2", f"{path}:4", f"{path}:5"]


def test_csv_without_the_column_or_with_a_ragged_row_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "eval.csv"
    path.write_text("id,body\n1,x\n", encoding="utf-8")
    assert str(_refused(path)) == f"{path}:1: the header has no column 'text' (columns: id, body)"
    path.write_text("id,text\n1,x\n2,y,surplus\n", encoding="utf-8")
    assert str(_refused(path)) == f"{path}:3: more values than the header's 2 columns"
    path.write_text("id,text\n1\n", encoding="utf-8")
    assert str(_refused(path)) == f"{path}:2: text field 'text' is NoneType, not a string"


def test_parquet_larger_than_one_batch_is_read_batch_by_batch(tmp_path: Path) -> None:
    path = tmp_path / "train.parquet"
    rows = 2500
    table = pa.table({"uid": list(range(rows)), "text": [f"record number {i}" for i in range(rows)]})
    pq.write_table(table, path, row_group_size=rows)  # one row group: the batches come from iter_batches, not the file layout
    assert [batch.num_rows for batch in _parquet_batches(path, 1000)] == [1000, 1000, 500]
    records = list(read_records(path, "text", "uid", batch_rows=1000))
    assert len(records) == rows
    assert [r.text for r in records] == [f"record number {i}" for i in range(rows)]
    assert (records[0].id, records[0].where) == ("0", f"{path}:row 1")
    assert (records[-1].id, records[-1].where) == ("2499", f"{path}:row 2500")
    assert records[1234].fields == {"uid": 1234, "text": "record number 1234"}


def test_parquet_without_the_column_or_not_parquet_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "train.parquet"
    pq.write_table(pa.table({"body": ["a", "b"]}), path)
    assert str(_refused(path)) == f"{path}: no column 'text' (columns: body)"
    pq.write_table(pa.table({"text": ["a", None]}), path)
    assert str(_refused(path)) == f"{path}:row 2: text field 'text' is NoneType, not a string"
    path.write_bytes(b"this is not parquet at all")
    assert str(_refused(path)).startswith(f"{path}: not a Parquet file (")


def test_a_saved_dataset_directory_of_arrow_streams_is_read_in_name_order(tmp_path: Path) -> None:
    """The layout `datasets.save_to_disk` writes: data-0000i-of-0000n.arrow files in the IPC streaming format."""
    saved = tmp_path / "validation"
    saved.mkdir()
    (saved / "state.json").write_text(json.dumps({"_data_files": []}), encoding="utf-8")
    schema = pa.schema([("text", pa.string()), ("n", pa.int64())])
    for shard, texts in enumerate([["a", "b", "c"], ["d", "e"]]):
        with pa.OSFile(str(saved / f"data-{shard:05d}-of-00002.arrow"), "wb") as sink, pyarrow.ipc.new_stream(sink, schema) as writer:
            for text in texts:  # one batch per row, so the reader must walk several batches per file
                writer.write_batch(pa.record_batch({"text": [text], "n": [ord(text)]}, schema=schema))
    assert detect_format(saved) == "arrow"
    records = list(read_records(saved, "text", "n"))
    assert [(r.text, r.id) for r in records] == [("a", "97"), ("b", "98"), ("c", "99"), ("d", "100"), ("e", "101")]
    assert records[4].where == f"{saved}:row 5"


def test_an_arrow_ipc_file_in_the_random_access_format(tmp_path: Path) -> None:
    path = tmp_path / "eval.arrow"
    table = pa.table({"text": ["x", "y", "z"]})
    with pa.OSFile(str(path), "wb") as sink, pyarrow.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=2)
    assert [r.text for r in read_records(path, "text")] == ["x", "y", "z"]
    path.write_bytes(b"garbage, not arrow")
    assert str(_refused(path)).startswith(f"{path}: not an Arrow IPC file (")


def test_unknown_formats_and_missing_files_are_refused(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n", encoding="utf-8")
    assert str(_refused(notes)) == f"{notes}: unknown data format '.txt' (ftgov reads .arrow, .csv, .jsonl, .ndjson, .parquet)"
    missing = tmp_path / "missing.jsonl"
    assert str(_refused(missing)) == f"{missing}: no such file"
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    assert "a directory without *.arrow files" in str(_refused(empty_dir))
