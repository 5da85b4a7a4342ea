"""One parse per document per run (issue 16).

`ftgov check` used to parse every objective twice when registers exist: once for the file
checks, again when the register rules read the objectives a register names. Both now read
through one DocumentCache per run. These tests count the real YAML parses (every document
read goes through loader.load_values) by wrapping it in-process; the counter appends to a
file so that parses in forked workers of a parallel run are counted too.
"""

from __future__ import annotations

import collections
import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest

import ftgov.documents.loader as loader
from ftgov.documents.repository import DocumentCache, Repository
from ftgov.documents.validate import PARALLEL_FROM, RegisterFiles, validate

from ..repository import FIXTURES, build_ledger_repo, documents

LEDGER = FIXTURES / "register"


def _count_parses(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """Record the path of every document parsed, from this process and from forked workers alike."""
    real = loader.load_values

    def counted(text: str, path: str) -> Any:
        with log.open("a", encoding="utf-8") as out:  # one short append per parse: whole lines even from two workers
            out.write(path + "\n")
        return real(text, path)

    monkeypatch.setattr(loader, "load_values", counted)


def _parsed(log: Path) -> collections.Counter[str]:
    return collections.Counter(log.read_text(encoding="utf-8").splitlines()) if log.exists() else collections.Counter()


def _sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _add_model(root: Path, name: str) -> None:
    """A copy of the ledger model (three rounds, a register, two reports) named `name`, its hashes bound again."""
    swaps: dict[str, str] = {}
    (root / "objectives" / name).mkdir(parents=True)
    for source in sorted((LEDGER / "objectives" / "ledger").glob("*.yaml")):
        raw = source.read_bytes()
        renamed = raw.replace(b"ledger", name.encode())
        (root / "objectives" / name / source.name.replace("ledger", name)).write_bytes(renamed)
        swaps[_sha(raw)] = _sha(renamed)
    (root / "registers" / name).mkdir(parents=True)
    for source in sorted((LEDGER / "registers" / "ledger").glob("*.json")):
        raw = source.read_bytes()
        renamed = raw.replace(b"ledger", name.encode())
        for old, new in swaps.items():
            renamed = renamed.replace(old.encode(), new.encode())
        (root / "registers" / name / source.name.replace("ledger", name)).write_bytes(renamed)
        swaps[_sha(raw)] = _sha(renamed)
    register = (LEDGER / "registers" / "ledger.yaml").read_text(encoding="utf-8").replace("ledger", name)
    for old, new in swaps.items():
        register = register.replace(old, new)
    (root / "registers" / f"{name}.yaml").write_text(register, encoding="utf-8")


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return build_ledger_repo(tmp_path / "governance")


def test_check_with_a_register_parses_each_document_once(ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "parses.log"
    _count_parses(monkeypatch, log)
    result = validate(Repository(ledger), jobs=1)
    assert result.findings == ()
    parsed = _parsed(log)
    # The register names all three objectives; each is still parsed once, as are the register and the policy.
    assert parsed == collections.Counter({ledger_path: 1 for ledger_path in result.paths})
    assert set(parsed) == {path.relative_to(ledger).as_posix() for path in documents(ledger)}


def test_the_register_rules_still_judge_the_objective_they_were_handed(
    ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An objective edited after its round was approved: the register rules must see these bytes
    # (from the cache) and report the mismatch, with no second parse.
    objective = ledger / "objectives" / "ledger" / "ledger-r3.yaml"
    objective.write_text(objective.read_text(encoding="utf-8") + "# edited after approval\n", encoding="utf-8")
    log = tmp_path / "parses.log"
    _count_parses(monkeypatch, log)
    result = validate(Repository(ledger), jobs=1)
    assert any(f.path == "registers/ledger.yaml" and "the register pinned" in f.message for f in result.findings), result.findings
    assert max(_parsed(log).values()) == 1


def test_a_parallel_run_parses_each_document_once_and_agrees_with_a_serial_one(
    ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(PARALLEL_FROM // 4 + 1):  # four documents a model: enough files for the process pool
        _add_model(ledger, f"model{n:02d}")
    expected = collections.Counter({path.relative_to(ledger).as_posix(): 1 for path in documents(ledger)})
    assert len(expected) > PARALLEL_FROM

    serial_log, parallel_log = tmp_path / "serial.log", tmp_path / "parallel.log"
    _count_parses(monkeypatch, serial_log)
    serial = validate(Repository(ledger), jobs=1)
    monkeypatch.undo()
    _count_parses(monkeypatch, parallel_log)
    parallel = validate(Repository(ledger), jobs=2)

    assert serial.findings == parallel.findings == ()
    assert serial.paths == parallel.paths
    assert _parsed(serial_log) == expected
    assert _parsed(parallel_log) == expected


def test_a_misplaced_register_still_reads_its_objectives(ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # registers/archive/ledger.yaml is not grouped with objectives/ledger/: its rules read them on their own (a second
    # parse, the one case allowed), and still judge them: the only finding is that it is misplaced.
    (ledger / "registers" / "archive").mkdir()
    shutil.move(ledger / "registers" / "ledger.yaml", ledger / "registers" / "archive" / "ledger.yaml")
    log = tmp_path / "parses.log"
    _count_parses(monkeypatch, log)
    result = validate(Repository(ledger), jobs=1)
    assert {(f.rule, f.path) for f in result.findings} == {("FTG901", "registers/archive/ledger.yaml")}, result.findings
    parsed = _parsed(log)
    assert parsed["registers/archive/ledger.yaml"] == parsed["policies/policy.yaml"] == 1
    assert {parsed[f"objectives/ledger/ledger-r{k}.yaml"] for k in (1, 2, 3)} == {2}


def test_the_cache_stays_within_its_bounds_and_never_hands_out_a_document_of_other_bytes(ledger: Path) -> None:
    files = sorted((ledger / "objectives" / "ledger").glob("*.yaml"))
    cache = DocumentCache(Repository(ledger), max_documents=2)
    paths = [f"objectives/ledger/{file.name}" for file in files]
    for file, path in zip(files, paths, strict=True):
        cache.load(file, path)
    assert len(cache) == 2  # the oldest went
    assert cache.read_bytes(paths[0]) == files[0].read_bytes()  # dropped: read from disk again

    raw = files[2].read_bytes()
    kept = cache.parse(raw, paths[2])
    assert cache.parse(raw, paths[2]) is kept
    other = cache.parse(raw.replace(b"ledger-r3", b"ledger-rX", 1), paths[2])
    assert other is not kept and other != kept

    by_bytes = DocumentCache(Repository(ledger), max_bytes=len(raw) + 1)
    by_bytes.parse(raw, paths[2])
    by_bytes.parse(files[1].read_bytes(), paths[1])
    assert len(by_bytes) == 1
    by_bytes.clear()
    assert len(by_bytes) == 0


def test_register_files_refuse_a_cached_path_that_climbs_out(ledger: Path) -> None:
    outside = ledger.parent / "outside.yaml"
    outside.write_text("apiVersion: ftgov/v1\nkind: Policy\n", encoding="utf-8")
    files = RegisterFiles(Repository(ledger))
    files.documents.load(outside, outside.as_posix())  # what `ftgov validate /elsewhere.yaml` would load
    assert len(files.documents) == 1
    assert files.read_bytes(outside.as_posix()) is None
    assert files.read_bytes("../outside.yaml") is None
