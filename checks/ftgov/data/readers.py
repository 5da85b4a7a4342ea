"""Stream the records of a data file: JSONL, CSV, Parquet or Arrow IPC, one `Record` at a time.

Every reader is a generator that holds at most one line (JSONL, CSV) or one record batch
(Parquet, Arrow) in memory, so a file of any length is read in bounded memory. A record is
its text (the `text_field`), its id (the `id_field`, when given) and all its fields.

A saved Hugging Face dataset (`datasets.save_to_disk`) is a directory of `*.arrow` files in
the Arrow IPC streaming format; `read_records` reads such a directory (its `*.arrow` files in
name order) with pyarrow alone, without the `datasets` package. It does not read the
dataset's `state.json` or apply an index mapping left by `select`/`shuffle` without flattening.

Bad input is an `InputError` whose one-line message names the file and, where there is one,
the line (JSONL, CSV) or row (Parquet, Arrow): never a traceback.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

from ftgov.documents.errors import InputError

# The suffix a data file is known by → the reader for it.
FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet", ".arrow": "arrow"}
# Rows per Parquet batch: a few MB of short texts, far below any machine's memory, large enough
# that pyarrow's per-batch overhead is negligible.
BATCH_ROWS = 8192


@dataclass(frozen=True)
class Record:
    """One record of a data file; `where` says where it came from (`file:line` or `file:row N`)."""

    id: str | None
    text: str
    fields: Mapping[str, object] = field(default_factory=dict)
    where: str = ""


def detect_format(path: Path) -> str:
    """The format of `path` from its suffix, or `arrow` for a directory holding `*.arrow` files."""
    if path.is_dir():
        if any(path.glob("*.arrow")):
            return "arrow"
        raise InputError(f"{path}: a directory without *.arrow files is not a data source (give a .jsonl, .csv, .parquet or .arrow file)")
    if path.exists() and not path.is_file():  # a FIFO or a device would be read forever, and twice (pin, records) differently
        raise InputError(f"{path}: not a regular file (a FIFO, socket or device is not a data source)")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise InputError(f"{path}: unknown data format {path.suffix or '(no suffix)'!r} (ftgov reads {known})")
    return fmt


def read_records(
    path: Path, text_field: str, id_field: str | None = None, *, fmt: str | None = None, batch_rows: int = BATCH_ROWS
) -> Iterator[Record]:
    """Stream the records of `path`, refusing a missing file, an unknown format or a missing field."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    chosen = fmt or detect_format(path)
    if chosen == "jsonl":
        return _jsonl(path, text_field, id_field)
    if chosen == "csv":
        return _csv(path, text_field, id_field)
    if chosen == "parquet":
        return _batched(path, _parquet_batches(path, batch_rows), text_field, id_field)
    if chosen == "arrow":
        return _batched(path, _arrow_batches(path), text_field, id_field)
    raise InputError(f"{path}: unknown data format {chosen!r} (ftgov reads jsonl, csv, parquet, arrow)")


def _record(fields: Mapping[str, object], text_field: str, id_field: str | None, where: str) -> Record:
    if text_field not in fields:
        raise InputError(f"{where}: no text field {text_field!r} (fields: {', '.join(map(str, fields)) or 'none'})")
    text = fields[text_field]
    if not isinstance(text, str):
        raise InputError(f"{where}: text field {text_field!r} is {type(text).__name__}, not a string")
    ident: str | None = None
    if id_field is not None:
        if id_field not in fields or fields[id_field] is None:
            raise InputError(f"{where}: no id field {id_field!r}")
        ident = str(fields[id_field])
    return Record(id=ident, text=text, fields=fields, where=where)


def _jsonl(path: Path, text_field: str, id_field: str | None) -> Iterator[Record]:
    # Bytes, decoded line by line: a text stream decodes ahead in blocks and would blame the wrong line for a bad byte.
    with path.open("rb") as stream:
        for line_number, raw in enumerate(stream, start=1):
            record = jsonl_record(raw, f"{path}:{line_number}", text_field, id_field)
            if record is not None:
                yield record


def jsonl_record(raw: bytes, where: str, text_field: str, id_field: str | None) -> Record | None:
    """One JSONL line as a record (None for a blank line): every engine reads a line with these checks and messages."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{where}: not UTF-8 text") from None
    if not line.strip():
        return None
    try:
        fields = json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(f"{where}: not JSON ({error.msg} at column {error.colno})") from None
    except RecursionError:
        raise InputError(f"{where}: not a record ftgov reads (JSON nested too deeply)") from None
    except ValueError:  # JSON's only other refusal: an integer of more digits than Python converts
        limit = sys.get_int_max_str_digits()
        raise InputError(f"{where}: not a record ftgov reads (a number of more than {limit:,} digits)") from None
    if not isinstance(fields, dict):
        raise InputError(f"{where}: a JSONL record is a JSON object, not {type(fields).__name__}")
    return _record(fields, text_field, id_field, where)


def _csv(path: Path, text_field: str, id_field: str | None) -> Iterator[Record]:
    try:
        # utf-8-sig: spreadsheet exports begin with a byte-order mark that would otherwise join the first header.
        with path.open(encoding="utf-8-sig", newline="") as stream:
            # strict: an unclosed quote is an error, not the rest of the file read as one value of one record.
            reader = csv.DictReader(stream, strict=True)
            read = 0  # the last line of the header or record last read: an error is in what follows it
            try:
                header = reader.fieldnames or []
                read = reader.line_num
                for name in (text_field, id_field):
                    if name is not None and name not in header:
                        raise InputError(f"{path}:1: the header has no column {name!r} (columns: {', '.join(header) or 'none'})")
                for row in reader:
                    where = f"{path}:{reader.line_num}"  # the row's last line: a quoted value may span several
                    if None in row:
                        raise InputError(f"{where}: more values than the header's {len(header)} columns")
                    read = reader.line_num
                    yield _record(row, text_field, id_field, where)
            except csv.Error as error:
                raise InputError(f"{path}:{read + 1}: not CSV ({error})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None


def _parquet_batches(path: Path, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """The file's record batches of at most `batch_rows` rows: only one is in memory at a time."""
    # pyarrow is imported here, not with the module: 30 MiB that a JSONL or CSV run never needs.
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with pq.ParquetFile(path) as parquet:
            yield from parquet.iter_batches(batch_size=batch_rows)
    except (pa.ArrowInvalid, OSError) as error:
        raise InputError(f"{path}: not a Parquet file ({_first_line(error)})") from None


def _arrow_batches(path: Path) -> Iterator[pa.RecordBatch]:
    """The record batches of an Arrow IPC stream or file, or of every `*.arrow` file of a saved dataset directory."""
    import pyarrow as pa
    import pyarrow.ipc

    for part in sorted(path.glob("*.arrow")) if path.is_dir() else [path]:
        try:
            with pa.OSFile(str(part), "rb") as source:
                try:
                    stream = pyarrow.ipc.open_stream(source)
                except pa.ArrowInvalid:
                    stream = None
                if stream is not None:
                    yield from stream
                    continue
            # Not the streaming format: the random-access file format, read batch by batch from a memory map.
            with pa.memory_map(str(part), "rb") as mapped:
                random_access = pyarrow.ipc.open_file(mapped)
                for index in range(random_access.num_record_batches):
                    yield random_access.get_batch(index)
        except (pa.ArrowInvalid, OSError) as error:
            raise InputError(f"{part}: not an Arrow IPC file ({_first_line(error)})") from None


def _batched(path: Path, batches: Iterator[pa.RecordBatch], text_field: str, id_field: str | None) -> Iterator[Record]:
    row = 0
    checked = False
    for batch in batches:
        if not checked:
            for name in (text_field, id_field):
                if name is not None and name not in batch.schema.names:
                    raise InputError(f"{path}: no column {name!r} (columns: {', '.join(batch.schema.names) or 'none'})")
            checked = True
        for fields in batch.to_pylist():
            row += 1
            yield _record(fields, text_field, id_field, f"{path}:row {row}")


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
