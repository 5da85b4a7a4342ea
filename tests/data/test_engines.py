"""The overlap engines on files written here: the local engine, and ray (Ray Data) giving the local engine's result field for field.

The training side is a JSONL file (with blank lines), a Parquet file in small row groups, a
CSV file with a quoted value spanning lines and a saved dataset directory of two Arrow streams;
the validation side a JSONL file with document ids. Planted in the training files: exact copies,
near-duplicates, reordered sentences, and records that share a validation record's document id
with a different text. The ray engine runs with slices far smaller than its defaults, so each
file is cut into several slices whose line and row numbers the driver must join up.

The ray tests start small local Ray instances (2 CPUs, no dashboard). pytest-xdist may run them
on two workers at once: each instance has its own session directory (`_ray_temp_dir`), so two
instances never meet.
"""

from __future__ import annotations

import csv
import itertools
import json
import logging
import os
import pickle
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc
import pyarrow.parquet as pq
import pytest
import ray
from ray._private.authentication_test_utils import reset_auth_token_state

import ftgov.data
from ftgov.data import engines, ray_engine
from ftgov.data.engines import DataFile, measure_between
from ftgov.data.overlap import OverlapResult, OverlapSettings
from ftgov.documents.errors import InputError

from .test_overlap import _change_words, _corpus

SETTINGS = OverlapSettings(max_examples=100)


def _write_jsonl(path: Path, rows: list[dict[str, str]], blank_every: int = 0) -> Path:
    lines = []
    for number, row in enumerate(rows, start=1):
        lines.append(json.dumps(row) + "\n")
        if blank_every and number % blank_every == 0:
            lines.append("\n")  # blank lines count as lines: `where` must still be the file's line
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _write_arrow_dataset(path: Path, shards: list[dict[str, list[str]]]) -> Path:
    """The layout `datasets.save_to_disk` writes: data-0000i-of-0000n.arrow files in the IPC streaming format."""
    path.mkdir()
    for number, columns in enumerate(shards):
        table = pa.table(columns)
        with (
            pa.OSFile(str(path / f"data-{number:05d}-of-{len(shards):05d}.arrow"), "wb") as sink,
            pyarrow.ipc.new_stream(sink, table.schema) as writer,
        ):
            for batch in table.to_batches(max_chunksize=11):
                writer.write_batch(batch)
    return path


def _planted(directory: Path, id_field: str | None = "doc") -> tuple[list[DataFile], DataFile]:
    """Training files in four formats with known contamination of a 60-record validation set."""
    sentences = _corpus(20, 60)
    validation = [" ".join(r) for r in sentences]
    validation[50] = validation[0]  # one text twice in the validation set: one training copy contaminates both
    other = _write_jsonl(directory / "validation.jsonl", [{"doc": f"doc-{i}", "text": t} for i, t in enumerate(validation)])

    jsonl = [{"doc": f"j-{i}", "text": " ".join(r)} for i, r in enumerate(_corpus(21, 240))]
    jsonl[30]["text"] = validation[0].upper()  # exact, to validation records 0 and 50
    jsonl[75]["text"] = _change_words(validation[1], [10, 40, 75])  # near
    jsonl[120]["text"] = " ".join(reversed(sentences[2]))  # near: the sentences reordered
    jsonl[160]["doc"] = "doc-3"  # the validation record's document, its text not shared
    jsonl[200]["text"] = "..."  # no words: skipped
    parquet = [" ".join(r) for r in _corpus(22, 150)]
    parquet[40] = validation[4]  # exact
    parquet[90] = _change_words(validation[5], [3, 33, 63])  # near
    parquet_ids = [f"p-{i}" for i in range(150)]
    parquet_ids[149] = "doc-6"  # shared id, last row of the file
    csv_rows = [{"doc": f"c-{i}", "text": " ".join(r)} for i, r in enumerate(_corpus(23, 40))]
    csv_rows[10]["text"] = "\n".join(sentences[7])  # exact after whitespace is collapsed; the quoted value spans six lines
    arrow = [" ".join(r) for r in _corpus(24, 60)]
    arrow[35] = _change_words(validation[8], [20, 50])  # near, in the second shard

    train_jsonl = _write_jsonl(directory / "train.jsonl", jsonl, blank_every=50)
    train_parquet = directory / "train.parquet"
    pq.write_table(pa.table({"doc": parquet_ids, "text": parquet}), train_parquet, row_group_size=37)
    train_csv = directory / "train.csv"
    with train_csv.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=["doc", "text"])
        writer.writeheader()
        writer.writerows(csv_rows)
    ids = [f"a-{i}" for i in range(60)]
    shards = [{"doc": ids[:30], "text": arrow[:30]}, {"doc": ids[30:], "text": arrow[30:]}]
    train_arrow = _write_arrow_dataset(directory / "train-saved", shards)
    training = [DataFile(path, id_field=id_field) for path in (train_jsonl, train_parquet, train_csv, train_arrow)]
    return training, DataFile(other, id_field=id_field)


def _assert_planted(result: OverlapResult, training: list[DataFile]) -> None:
    """What was planted, found: the local engine's answer, which the ray engine must repeat."""
    jsonl, parquet, train_csv, arrow = (f.path for f in training)
    assert (result.training_records, result.validation_records) == (490, 60)
    assert (result.exact_matches, result.near_matches, result.contaminated_validation) == (3, 4, 8)
    assert (result.skipped, result.shared_ids) == (1, 2)
    found = [(pair.kind, pair.training.where, pair.validation.id) for pair in result.examples]
    assert found == [
        ("exact", f"{jsonl}:31", "doc-0"),  # no blank line before line 31
        ("near", f"{jsonl}:77", "doc-1"),  # one blank line after record 50
        ("near", f"{jsonl}:123", "doc-2"),
        ("exact", f"{parquet}:row 41", "doc-4"),
        ("near", f"{parquet}:row 91", "doc-5"),
        ("exact", f"{train_csv}:17", "doc-7"),  # header, ten one-line rows, then the six lines of row eleven
        ("near", f"{arrow}:row 36", "doc-8"),
    ]


@pytest.fixture
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Slices of a few dozen records: every training file here is cut into several."""
    monkeypatch.setattr(ray_engine, "SLICE_BYTES", 16 * 1024)
    monkeypatch.setattr(ray_engine, "SLICE_ROWS", 50)


def _ray_temp_dir() -> Path:
    """A fresh directory for one Ray instance's session files, removed by its caller.

    In the system's temporary directory, not under tmp_path: Ray puts Unix sockets in it, whose
    paths may not exceed 107 bytes, and tmp_path under pytest-xdist is already half of that.
    """
    return Path(tempfile.mkdtemp(prefix="ftgov-ray-"))


def test_the_ray_engine_starts_a_local_instance_when_none_is_running_and_stops_it(tmp_path: Path) -> None:
    """`ray.init()` as the engine calls it, in a process of its own as the CLI runs it: no RAY_ADDRESS and no `ray start`
    cluster, so a local instance, shut down afterwards; and nothing of Ray's on stderr, where the CLI's progress bar is.

    A process of its own also because starting Ray leaves state in the process that started it (RAY_AUTH_MODE set in
    os.environ, the auth token of that day's HOME cached) that a second start under another test's HOME trips on.
    """
    training, other = _planted(tmp_path)
    session = _ray_temp_dir()
    environment = {name: value for name, value in os.environ.items() if name not in ("RAY_ADDRESS", "RAY_AUTH_MODE")}
    environment["RAY_TMPDIR"] = str(session)  # where ray.init() starts a local instance, and looks for a `ray start` cluster
    saved = tmp_path / "ray-result.pickle"
    script = (
        "import pickle, sys, ray\n"
        "from ftgov.data import ray_engine\n"
        "from ftgov.data.engines import measure_between\n"
        "from ftgov.data.overlap import OverlapSettings\n"
        "ray_engine.SLICE_BYTES, ray_engine.SLICE_ROWS = 16 * 1024, 50\n"
        "training, other, saved = pickle.loads(bytes.fromhex(sys.argv[1]))\n"
        "result = measure_between(training, other, OverlapSettings(max_examples=100), engine='ray')\n"
        "assert not ray.is_initialized()\n"
        "saved.write_bytes(pickle.dumps(result))\n"
    )
    try:
        run = subprocess.run(
            [sys.executable, "-c", script, pickle.dumps((training, other, saved)).hex()],
            env=environment, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert any(session.glob("ray/session_*")), "the local instance's session files are in RAY_TMPDIR"
    finally:
        shutil.rmtree(session, ignore_errors=True)
    assert (run.returncode, run.stderr, run.stdout) == (0, "", "")
    ray_result: OverlapResult = pickle.loads(saved.read_bytes())
    _assert_planted(ray_result, training)
    assert ray_result == measure_between(training, other, SETTINGS)


@pytest.fixture(scope="module")
def ray_instance() -> Iterator[None]:
    """A local Ray instance of two CPUs for the module's engine comparisons; the engine uses it and leaves it running.

    Token authentication with a token of its own in the environment, read afresh (Ray's own tests' reset): Ray caches
    the mode and the token per process, and would otherwise look for the token of a HOME an earlier test confined.
    """
    session = _ray_temp_dir()
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("RAY_AUTH_MODE", "token")
        environment.setenv("RAY_AUTH_TOKEN", secrets.token_hex(32))
        environment.delenv("RAY_AUTH_TOKEN_PATH", raising=False)
        environment.delenv("RAY_ADDRESS", raising=False)
        reset_auth_token_state()
        try:
            ray.init(
                address="local",
                num_cpus=2,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.ERROR,
                _temp_dir=str(session),
            )
            yield
        finally:
            ray.shutdown()
            shutil.rmtree(session, ignore_errors=True)
    reset_auth_token_state()  # the environment as it was again: a later start in this process reads it


@pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")  # Ray Data copying its own context
def test_the_ray_engine_gives_the_local_engines_result(ray_instance: None, tmp_path: Path, small_slices: None) -> None:
    """Planted contamination, a capped list of examples, a clean split and a bad line: the same answers from both engines.

    One test for all of them, so that one worker's Ray instance serves every comparison.
    """
    training, other = _planted(tmp_path)
    reported: dict[str, list[int]] = {"local": [], "ray": []}
    local = measure_between(training, other, SETTINGS, progress=reported["local"].append)
    _assert_planted(local, training)
    remote = measure_between(training, other, SETTINGS, engine="ray", progress=reported["ray"].append)
    assert remote == local
    assert sum(reported["ray"]) == sum(reported["local"]) == 490
    assert len(reported["ray"]) > len(training), "several slices per file"
    assert ray.is_initialized(), "the caller's Ray is left running"

    # The first examples in training-stream order, whichever slice finishes first.
    capped = OverlapSettings(max_examples=2)
    assert measure_between(training[::-1], other, capped, engine="ray") == measure_between(training[::-1], other, capped)

    clean_dir = tmp_path / "clean"
    clean_dir.mkdir()
    clean_training = [DataFile(_write_jsonl(clean_dir / "train.jsonl", [{"text": " ".join(r)} for r in _corpus(30, 300)]))]
    clean_other = DataFile(_write_jsonl(clean_dir / "validation.jsonl", [{"text": " ".join(r)} for r in _corpus(31, 40)]))
    clean = measure_between(clean_training, clean_other, SETTINGS, engine="ray")
    assert clean == measure_between(clean_training, clean_other, SETTINGS)
    assert (clean.training_records, clean.contaminated_validation, clean.shared_ids, clean.examples) == (300, 0, None, ())

    # A bad line deep in the second slice of the JSONL file: named by its line in the file, as the local reader names it.
    lines = training[0].path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[199] = '{"doc": "j-x", "text": "cut off\n'
    training[0].path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as local_error:
        measure_between(training, other, SETTINGS)
    with pytest.raises(InputError) as ray_error:
        measure_between(training, other, SETTINGS, engine="ray")
    assert str(ray_error.value) == str(local_error.value)
    assert str(ray_error.value).startswith(f"{training[0].path}:200: not JSON")


def test_the_local_engine_reports_progress_in_steps_summing_to_the_training_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engines, "PROGRESS_EVERY", 100)
    training, other = _planted(tmp_path)
    reported: list[int] = []
    _assert_planted(measure_between(training, other, SETTINGS, progress=reported.append), training)
    assert reported == [100, 100, 100, 100, 90]


def test_without_an_id_field_shared_ids_is_unknown_not_zero(tmp_path: Path) -> None:
    training, other = _planted(tmp_path, id_field=None)
    result = measure_between(training, other, SETTINGS)
    assert result.shared_ids is None
    assert (result.exact_matches, result.near_matches, result.contaminated_validation) == (3, 4, 8)


def test_ids_compared_need_an_id_field_on_every_training_file(tmp_path: Path) -> None:
    training, other = _planted(tmp_path)
    without = DataFile(training[1].path)
    with pytest.raises(InputError, match=f"^{training[1].path}: no id field given"):
        measure_between([training[0], without], other, SETTINGS)


def test_a_missing_training_file_is_refused_before_any_record_is_hashed(tmp_path: Path) -> None:
    training, other = _planted(tmp_path)
    reported: list[int] = []
    missing = DataFile(tmp_path / "gone.jsonl", id_field="doc")
    with pytest.raises(InputError, match=f"^{missing.path}: no such file$"):
        measure_between([*training, missing], other, SETTINGS, progress=reported.append)
    assert reported == []


def test_an_unknown_engine_is_refused(tmp_path: Path) -> None:
    training, other = _planted(tmp_path)
    with pytest.raises(InputError, match=r"^unknown engine 'spark' \(ftgov runs local or ray\)$"):
        measure_between(training, other, SETTINGS, engine="spark")


def test_the_ray_engine_without_ray_installed_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    training, other = _planted(tmp_path)
    # As on a machine without the extra: `import ray` fails, and the engine module has never been imported.
    monkeypatch.setitem(sys.modules, "ray", None)
    monkeypatch.delitem(sys.modules, "ftgov.data.ray_engine")
    monkeypatch.delattr(ftgov.data, "ray_engine")
    with pytest.raises(InputError) as refused:
        measure_between(training, other, SETTINGS, engine="ray")
    assert str(refused.value) == "--engine ray needs the ray extra: pip install 'ftgov[ray]'"
    assert refused.value.__cause__ is None and (refused.value.__context__ is None or refused.value.__suppress_context__)


def test_jsonl_slices_cover_the_file_and_start_at_line_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut points are found by a seek and one line read each; a line longer than a slice holds several guesses."""
    monkeypatch.setattr(ray_engine, "SLICE_BYTES", 100)
    path = tmp_path / "train.jsonl"
    path.write_bytes(b"".join(json.dumps({"text": "w " * n}).encode() + b"\n" for n in (3, 40, 200, 1, 1, 90, 5)) + b'{"text": "end"}')
    content = path.read_bytes()
    ranges = ray_engine._line_ranges(path)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(content)
    assert all(end == start for (_, end), (start, _) in itertools.pairwise(ranges))
    assert all(content[start - 1 : start] == b"\n" for start, _ in ranges[1:])
    # Lines start at 0, 19, 112, 525, 540, 555, 748 and 771: the guess at 100 moves to 112, the one at 200 to 525,
    # those at 300 to 500 fall in the slice already begun at 525, the one at 600 moves to 748, the one at 700 falls in it.
    assert [start for start, _ in ranges] == [0, 112, 525, 748]
