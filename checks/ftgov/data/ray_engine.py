"""The ray engine: the training side of the overlap measurement split into slices that Ray Data workers hash.

`import ray` happens here only, so ftgov runs without Ray until `--engine ray` is asked for
(`pip install 'ftgov[ray]'`).

How it runs:

1. The driver (this process) indexes the other side whole, exactly as the local engine does,
   and puts its `Matcher` (digests, LeanMinHash signatures, the LSH index and the other side's
   ids) in Ray's object store once.
2. It plans slices of the training files from their sizes and metadata, reading no record:
   JSONL in byte ranges of about `SLICE_BYTES`, cut at line starts; Parquet in row ranges of
   `SLICE_ROWS` (a worker reads only the row groups its range touches, and only the text and
   id columns); a saved dataset directory one `*.arrow` file per slice; a CSV file or a single
   Arrow file whole (a quoted CSV value may span lines, so a byte range could start inside one;
   an Arrow IPC stream is read from its start).
3. `ray.data.from_items(slices)` → `map_batches`: each worker reads its slice with ftgov's own
   record checks (`readers._record`: the same refusals, the same messages), normalises, hashes
   and queries every record, and returns a `Tally` (counts, contaminated positions, ids seen,
   its first `max_examples` hits). A worker fetches the Matcher once and keeps it for the
   slices that follow (see `_matcher`).
4. The driver merges the tallies in training-stream order (file, then slice), so the examples
   are the local engine's. A slice numbers its lines or rows from 1; the driver adds the lines
   or rows of the file's earlier slices, so `where` is the local engine's `file:line` /
   `file:row N` without any process counting the lines of a whole file. A bad record's
   `InputError` is renumbered the same way, and the first one in stream order is raised.

Ray itself is the caller's choice: when Ray is already initialised (`ray.init(...)` in the
caller's process) the engine uses that cluster and leaves it running. Otherwise it calls
`ray.init()`, which connects to `RAY_ADDRESS` when set, else to a cluster started with
`ray start` on this machine, else starts a local instance with every core; and it shuts down
what it started when the measurement ends. The workers import ftgov: on a cluster, install it
in the workers' image (or a `runtime_env`). The training files are read by the workers at the
paths given, so on a cluster they must be on storage every node mounts at the same path.

Memory: each worker holds one copy of the Matcher (about as much as the local engine's index,
see `ftgov.data.overlap`) and one slice's record at a time; the driver holds the index, the
plan (one small object per slice) and the tallies' contaminated positions and ids, which are
bounded by the other side's size.
"""

from __future__ import annotations

import functools
import logging
import os
import pickle
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import ray
import ray.data

from ftgov.data.overlap import DataFile, Matcher, OverlapResult, OverlapSettings, RecordRef, Tally, build_index, overlap_result
from ftgov.data.readers import BATCH_ROWS, Record, _arrow_batches, _first_line, _record, detect_format, jsonl_record, read_records
from ftgov.documents.errors import InputError

# A slice: from about a thousand records of a few hundred words to some 15,000 of a dozen, seconds of hashing
# at most: the progress bar moves every slice, and Ray's per-task overhead (milliseconds) stays negligible.
SLICE_BYTES = 2 * 2**20
SLICE_ROWS = BATCH_ROWS


@dataclass(frozen=True)
class _Slice:
    """A stretch of one training file that one worker reads: `start`/`end` are bytes (JSONL) or rows (Parquet)."""

    file: int  # the file's place among the training files
    number: int  # the slice's place among its file's slices
    kind: str  # "jsonl", "parquet", "arrow-part" or "whole"
    data_file: DataFile
    start: int = 0
    end: int = 0
    part: Path | None = None  # arrow-part: the *.arrow file of a saved dataset directory

    @property
    def numbered(self) -> str:
        """What precedes a line or row number in this slice's `where` (and in its errors)."""
        return f"{self.data_file.path}:row " if self.kind in ("parquet", "arrow-part") else f"{self.data_file.path}:"


@dataclass
class _SliceTally:
    file: int
    number: int
    units: int  # lines (JSONL) or rows the slice spans: the numbering of the file's next slice starts after them
    tally: Tally
    error: str | None = None  # the slice's first bad record, numbered from the slice's start
    numbered: str = ""


def measure_between(
    training: Sequence[DataFile],
    other: DataFile,
    settings: OverlapSettings,
    compare_ids: bool,
    progress: Callable[[int], None] | None = None,
) -> OverlapResult:
    """`ftgov.data.engines.measure_between` on Ray: the same result as the local engine."""
    index = build_index(other.records(), settings, compare_ids)
    slices: list[_Slice] = []
    refusal: InputError | None = None
    for position, data_file in enumerate(training):
        try:
            slices.extend(_plan(position, data_file))
        except InputError as error:
            # The local engine would reach this file only after reading the ones before it: they may hold an earlier error.
            refusal = error
            break
    tallies = _run(slices, index.matcher, progress) if slices else []
    total = Tally(settings.max_examples)
    bases: dict[int, int] = {}
    for part in sorted(tallies, key=lambda t: (t.file, t.number)):
        base = bases.get(part.file, 0)
        if part.error is not None:
            raise InputError(_renumber(part.error, part.numbered, base))
        part.tally.hits = [
            replace(hit, training=RecordRef(hit.training.id, _renumber(hit.training.where, part.numbered, base))) for hit in part.tally.hits
        ]
        total.merge(part.tally)
        bases[part.file] = base + part.units
    if refusal is not None:
        raise refusal
    return overlap_result(index, total, settings)


def _plan(position: int, data_file: DataFile) -> list[_Slice]:
    path = data_file.path
    fmt = data_file.fmt or detect_format(path)
    if fmt == "jsonl":
        return [_Slice(position, number, "jsonl", data_file, start, end) for number, (start, end) in enumerate(_line_ranges(path))]
    if fmt == "parquet":
        rows = _parquet_rows(data_file)
        return [
            _Slice(position, number, "parquet", data_file, start, min(start + SLICE_ROWS, rows))
            for number, start in enumerate(range(0, rows, SLICE_ROWS))
        ]
    if fmt == "arrow" and path.is_dir():
        return [_Slice(position, number, "arrow-part", data_file, part=part) for number, part in enumerate(sorted(path.glob("*.arrow")))]
    return [_Slice(position, 0, "whole", data_file)]


def _line_ranges(path: Path) -> list[tuple[int, int]]:
    """Byte ranges of about SLICE_BYTES, each starting at a line start: a seek and one line read per range."""
    size = path.stat().st_size
    starts = [0]
    with path.open("rb") as stream:
        for guess in range(SLICE_BYTES, size, SLICE_BYTES):
            if guess <= starts[-1]:
                continue  # a line longer than a slice: the previous start already lies past this guess
            # The line holding byte guess-1 ends at or after it; the next line starts a range.
            stream.seek(guess - 1)
            stream.readline()
            if stream.tell() < size:
                starts.append(stream.tell())
    return list(zip(starts, [*starts[1:], size], strict=True))


def _parquet_rows(data_file: DataFile) -> int:
    """The file's row count from its metadata; its text and id columns checked, as the local reader checks them."""
    path = data_file.path
    try:
        with pq.ParquetFile(path) as parquet:
            rows: int = parquet.metadata.num_rows
            names: list[str] = parquet.schema_arrow.names
    except (pa.ArrowInvalid, OSError) as error:
        raise InputError(f"{path}: not a Parquet file ({_first_line(error)})") from None
    for name in (data_file.text_field, data_file.id_field):
        if rows and name is not None and name not in names:
            raise InputError(f"{path}: no column {name!r} (columns: {', '.join(names) or 'none'})")
    return rows


def _renumber(text: str, numbered: str, base: int) -> str:
    """`text` (a `where`, or an error message starting with one) with the slice's line or row number moved on by `base`."""
    if not base or not numbered or not text.startswith(numbered):
        return text
    digits = re.match(r"\d+", text[len(numbered) :])
    if digits is None:
        return text
    return f"{numbered}{base + int(digits.group())}{text[len(numbered) + digits.end() :]}"


@dataclass
class _Quiet:
    """Ray Data's progress bars and INFO lines off while it runs ours, as they were after: the caller shows progress (`progress`)."""

    level: int = logging.NOTSET
    bars: bool = True

    def __enter__(self) -> None:
        context = ray.data.DataContext.get_current()
        self.bars = context.enable_progress_bars
        context.enable_progress_bars = False
        logger = logging.getLogger("ray.data")
        self.level = logger.level
        logger.setLevel(logging.ERROR)

    def __exit__(self, *_: object) -> None:
        ray.data.DataContext.get_current().enable_progress_bars = self.bars
        logging.getLogger("ray.data").setLevel(self.level)


def _run(slices: list[_Slice], matcher: Matcher, progress: Callable[[int], None] | None) -> list[_SliceTally]:
    started = _connect()
    try:
        shared = ray.put(matcher)
        with _Quiet():
            dataset = ray.data.from_items([{"slice": pickle.dumps(s)} for s in slices], override_num_blocks=len(slices))
            # One slice per task. The Matcher's reference travels inside a list, so Ray passes the reference and each
            # worker fetches the value once (_matcher), not once per task.
            measure = functools.partial(_measure_batch, shared=[shared])
            measured = dataset.map_batches(measure, batch_size=1, batch_format="pyarrow", num_cpus=1)
            tallies: list[_SliceTally] = []
            for row in measured.iter_rows():
                part: _SliceTally = pickle.loads(row["tally"])
                tallies.append(part)
                if progress is not None and part.tally.records:
                    progress(part.tally.records)
        return tallies
    finally:
        if started:
            ray.shutdown()


def _connect() -> bool:
    """Ray as the caller left it, or `ray.init()` (RAY_ADDRESS, a `ray start` cluster, else local): True when started here."""
    if ray.is_initialized():
        return False
    address = os.environ.get("RAY_ADDRESS")
    try:
        ray.init(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    except (ConnectionError, ValueError, RuntimeError) as error:
        raise InputError(f"ray: cannot connect to {address or 'a local Ray instance'} ({_first_line(error)})") from None
    return True


# A worker process's Matcher: (the object's id, the Matcher). Fetched and unpickled once per worker rather than
# once per slice; only the latest is kept, and the workers end with the job that started them.
_WORKER_MATCHER: tuple[str, Matcher] | None = None


def _matcher(shared: ray.ObjectRef[Matcher]) -> Matcher:
    global _WORKER_MATCHER
    key = shared.hex()
    if _WORKER_MATCHER is None or _WORKER_MATCHER[0] != key:
        _WORKER_MATCHER = (key, ray.get(shared))
    return _WORKER_MATCHER[1]


def _measure_batch(batch: pa.Table, shared: list[ray.ObjectRef[Matcher]]) -> pa.Table:
    matcher = _matcher(shared[0])
    measured = [pickle.dumps(_measure_slice(pickle.loads(blob), matcher)) for blob in batch.column("slice").to_pylist()]
    return pa.table({"tally": pa.array(measured, type=pa.binary())})


def _measure_slice(piece: _Slice, matcher: Matcher) -> _SliceTally:
    result = _SliceTally(piece.file, piece.number, 0, Tally(matcher.settings.max_examples), numbered=piece.numbered)
    try:
        for record in _records(piece, result):
            result.tally.add(record, matcher)
    except InputError as error:
        result.error = str(error)
    return result


def _records(piece: _Slice, counted: _SliceTally) -> Iterator[Record]:
    """The slice's records, `where` numbered from the slice's start; `counted.units` says how many lines or rows it spans."""
    data_file = piece.data_file
    if piece.kind == "jsonl":
        yield from _jsonl_range(piece, counted)
    elif piece.kind == "parquet":
        yield from _parquet_range(piece, counted)
    elif piece.kind == "arrow-part" and piece.part is not None:
        # The local reader checks the columns once, on the dataset's first batch: so does the first part's slice.
        for fields in _rows(_arrow_batches(piece.part), data_file if piece.number == 0 else None):
            counted.units += 1
            yield _record(fields, data_file.text_field, data_file.id_field, f"{piece.numbered}{counted.units}")
    else:
        yield from read_records(data_file.path, data_file.text_field, data_file.id_field, fmt=data_file.fmt)


def _jsonl_range(piece: _Slice, counted: _SliceTally) -> Iterator[Record]:
    # readers.jsonl_record, the local engine's checks and messages, over the lines starting in [start, end).
    data_file = piece.data_file
    with data_file.path.open("rb") as stream:
        stream.seek(piece.start)
        offset = piece.start
        while offset < piece.end:
            raw = stream.readline()
            if not raw:
                break
            offset += len(raw)
            counted.units += 1
            record = jsonl_record(raw, f"{piece.numbered}{counted.units}", data_file.text_field, data_file.id_field)
            if record is not None:
                yield record


def _parquet_range(piece: _Slice, counted: _SliceTally) -> Iterator[Record]:
    """Rows [start, end) of the file, reading only the row groups they lie in and only the text and id columns."""
    data_file = piece.data_file
    columns = list(dict.fromkeys(name for name in (data_file.text_field, data_file.id_field) if name is not None))
    with pq.ParquetFile(data_file.path) as parquet:
        groups: list[int] = []
        first = offset = 0
        for group in range(parquet.num_row_groups):
            rows = parquet.metadata.row_group(group).num_rows
            if offset < piece.end and offset + rows > piece.start:
                first = first if groups else offset
                groups.append(group)
            offset += rows
        row = first  # rows of the file before the batch at hand
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, row_groups=groups, columns=columns):
            skip = max(0, piece.start - row)
            wanted = batch.slice(skip, max(0, piece.end - row - skip))
            row += batch.num_rows
            for fields in wanted.to_pylist():
                counted.units += 1
                yield _record(fields, data_file.text_field, data_file.id_field, f"{piece.numbered}{counted.units}")
            if row >= piece.end:
                return


def _rows(batches: Iterator[pa.RecordBatch], checked: DataFile | None) -> Iterator[dict[str, object]]:
    for batch in batches:
        if checked is not None:
            for name in (checked.text_field, checked.id_field):
                if name is not None and name not in batch.schema.names:
                    raise InputError(f"{checked.path}: no column {name!r} (columns: {', '.join(batch.schema.names) or 'none'})")
            checked = None
        yield from batch.to_pylist()
