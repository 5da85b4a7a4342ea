"""The loader: hostile inputs end fast with a finding; fast and slow paths agree."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ftgov.findings import Finding
from ftgov.loader import MAX_DEPTH, load_document, load_values, needs_hazard_scan, scan_hazards
from ftgov.positions import PositionIndex, load_round_trip, plain

from .conftest import FIXTURES, ROOT, run_ftgov


def _laugh(level: int) -> bytes:
    previous, current = chr(97 + level), chr(98 + level)
    return f"{current}: &{current} [{', '.join([f'*{previous}'] * 9)}]\n".encode()


HOSTILE: dict[str, bytes] = {
    "invalid-utf8": b"apiVersion: ftgov/v1\nrationale: caf\xe9\n",
    "duplicate-key": b"apiVersion: ftgov/v1\nkind: FineTuneObjective\nkind: Policy\n",
    "billion-laughs": b"a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(_laugh(i) for i in range(9)),
    "python-tag": b"kind: FineTuneObjective\nx: !!python/object/apply:os.system ['echo pwned']\n",
    "yaml11-directive": b"%YAML 1.1\n---\nkind: FineTuneObjective\n",
    "depth-65": b"kind: FineTuneObjective\nx: " + b"[" * 65 + b"]" * 65 + b"\n",
    "depth-5000-flow": b"x: " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "depth-1000-block": "".join(" " * i + f"k{i}:\n" for i in range(1000)).encode() + b" " * 1000 + b"v\n",
    "depth-deep-compact": b"x:\n" + b"- " * 3000 + b"v\n",
    "not-a-mapping": b"- just\n- a list\n",
    "empty": b"",
    "unknown-kind": b"apiVersion: ftgov/v1\nkind: Pipeline\n",
    "two-documents": b"kind: Policy\n---\nkind: Policy\n",
    "nul-byte": b"kind: Policy\nx: \x00\n",
}


def _run_cli(args: list[str], cwd: Path, timeout: float = 20) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.perf_counter()
    done = run_ftgov(*args, cwd=cwd, timeout=timeout)
    return done, time.perf_counter() - start


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_a_finding_not_a_crash(governance_repo: Path, name: str) -> None:
    target = governance_repo / "objectives" / f"{name}.yaml"
    target.write_bytes(HOSTILE[name])
    loaded = load_document(target, name)
    assert isinstance(loaded, Finding), loaded
    assert loaded.rule.startswith("FTG0")


@pytest.mark.parametrize(
    "name", ["billion-laughs", "depth-5000-flow", "depth-1000-block", "python-tag", "invalid-utf8", "big-50mb", "duplicate-key"]
)
def test_hostile_input_through_the_cli(governance_repo: Path, name: str) -> None:
    target = governance_repo / "objectives" / f"{name}.yaml"
    if name == "big-50mb":
        with target.open("wb") as handle:
            handle.write(b"kind: FineTuneObjective\nrationale: ")
            handle.truncate(50 * 1024 * 1024)
    else:
        target.write_bytes(HOSTILE[name])
    done, elapsed = _run_cli(["validate", str(target)], governance_repo)
    # The bound is for the work, measured with interpreter start-up included.
    assert elapsed < 2.0 + _startup_allowance()
    assert done.returncode in (1, 2)
    assert "Traceback" not in done.stderr + done.stdout
    finding_lines = [line for line in done.stdout.splitlines() if line.startswith("objectives/")]
    assert len(finding_lines) == 1
    assert finding_lines[0].startswith(f"objectives/{name}.yaml:")


def _startup_allowance() -> float:
    # Shared CI machines can be slow to start Python; allow for it explicitly, not silently.
    return float(os.environ.get("FTGOV_TEST_STARTUP_ALLOWANCE", "0"))


def test_large_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    start = time.perf_counter()
    loaded = load_document(big, "big.yaml")
    assert isinstance(loaded, Finding) and (loaded.rule, loaded.line, loaded.column) == ("FTG007", 1, 1)
    assert time.perf_counter() - start < 0.5


def test_positions_are_one_based_for_keys_and_values() -> None:
    text = "# comment\napiVersion: ftgov/v1\nmodel:\n  name: x\n  tiers: [a, b]\n"
    index = load_round_trip(text, "t.yaml")
    positions = PositionIndex(index)
    assert positions.locate(()) == (2, 1)
    assert positions.locate(("model", "name")) == (4, 9)
    assert positions.locate(("model", "name"), at_key=True) == (4, 3)
    assert positions.locate(("model", "tiers", 1)) == (5, 14)
    # A missing field lands on the deepest node that exists.
    assert positions.locate(("model", "base"), at_key=True) == (3, 1)


SCALARS = [
    "0123",
    "0o17",
    "0x1F",
    "1_000",
    "1e10",
    "2.0e-4",
    "-5",
    "+5",
    ".5",
    "5.",
    ".inf",
    "-.inf",
    ".nan",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "~",
    "null",
    "Null",
    "true",
    "False",
    "2026-03-01",
    "2026-03-01T10:00:00Z",
    "1:30",
    "3.11.7",
    "5206a32",
    "1e",
    "e10",
    "0",
    "-0",
    "0.0",
    "1_0.5",
    "'0123'",
    '"1e10"',
    "TRUE",
    "NULL",
    "07",
    "0b101",
    "+.5",
    "-.5e3",
    "12:30:45",
    "v1.2",
]


@pytest.mark.parametrize("scalar", SCALARS)
def test_fast_and_round_trip_loaders_agree_on_scalars(scalar: str) -> None:
    text = f"value: {scalar}\nlist: [{scalar}, x]\n"
    fast = load_values(text, "t.yaml")
    slow = plain(load_round_trip(text, "t.yaml"))
    _assert_same(fast, slow)


def _assert_same(fast: Any, slow: Any) -> None:
    assert fast == slow or (repr(fast) == repr(slow))  # nan != nan
    assert _types(fast) == _types(slow)


def _types(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__


def _both_paths() -> Iterator[tuple[str, str, Any, Any]]:
    """Every safe YAML document of the repository and its fixtures, read by both paths."""
    files = [*ROOT.glob("objectives/**/*.yaml"), ROOT / "policies" / "policy.yaml", *FIXTURES.glob("**/*.yaml")]
    for file in files:
        text = file.read_bytes().decode("utf-8", errors="replace")
        if needs_hazard_scan(text) and scan_hazards(text, file.name) is not None:
            continue
        yield file.name, text, load_values(text, file.name), load_round_trip(text, file.name)


def test_fast_and_round_trip_loaders_agree_on_every_document_in_the_repository() -> None:
    compared = 0
    for name, _, fast, slow in _both_paths():
        if isinstance(fast, Finding) or isinstance(slow, Finding):
            assert isinstance(fast, Finding) and isinstance(slow, Finding), name
            continue
        _assert_same(fast, plain(slow))
        compared += 1
    assert compared > 30


@pytest.mark.parametrize(
    "text",
    [
        "x: " + "[" * 70 + "]" * 70,
        "x: " + "{a: " * 70 + "1" + "}" * 70,
        "".join("  " * i + f"k{i}:\n" for i in range(70)) + "  " * 70 + "v\n",
        "x:\n" + "- " * 70 + "v\n",
        "x:\n" + "".join("  " * i + "- k:\n" for i in range(40)) + "  " * 40 + "v\n",
        "? " * 70 + "k\n",
        *[brk.join([" " * i + "k:" for i in range(70)] + [" " * 70 + "v"]) for brk in ("\r", "\r\n", "\x85", "\u2028", "\u2029")],
    ],
)
def test_depth_prefilter_never_skips_a_deep_document(text: str) -> None:
    hazard = scan_hazards(text, "t.yaml")
    assert hazard is not None and hazard.rule in ("FTG006", "FTG002"), hazard
    assert needs_hazard_scan(text)


def test_prefilter_skips_ordinary_documents() -> None:
    for name in ("support-agent-r1", "support-agent-r2", "support-agent-r3"):
        text = (ROOT / "objectives" / "support-agent" / f"{name}.yaml").read_text()
        # the worked example has no anchors, tags or deep nesting: the scan is provably unnecessary
        assert not needs_hazard_scan(text.replace("---", ""))
    assert MAX_DEPTH == 64


def _pointers(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _pointers(item, (*prefix, key))
            yield (*prefix, key, "missing-field")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _pointers(item, (*prefix, i))


def test_libyaml_positions_equal_round_trip_positions() -> None:
    """Large files are located with libyaml's marks: they must answer as ruamel does."""
    from ftgov.loader import compose_for_positions
    from ftgov.positions import NodePositionIndex

    compared = 0
    for name, text, values, slow in _both_paths():
        if isinstance(values, Finding) or isinstance(slow, Finding):
            continue
        fast_index, slow_index = NodePositionIndex(compose_for_positions(text)), PositionIndex(slow)
        for pointer in _pointers(values):
            for at_key in (False, True):
                assert fast_index.locate(pointer, at_key=at_key) == slow_index.locate(pointer, at_key=at_key), (name, pointer, at_key)
                compared += 1
    assert compared > 5000


def test_a_large_file_full_of_errors_is_reported_fast_and_capped(governance_repo: Path) -> None:
    target = governance_repo / "objectives" / "support-agent" / "support-agent-r9.yaml"
    gains = "".join(f"  - TODO {i}\n" for i in range(40000))
    text = (FIXTURES / "valid" / "support-agent-r4.yaml").read_text().replace("id: support-agent-r4", "id: support-agent-r9")
    text = text.replace("expected_gains:\n  - fee questions about 2027 products answered correctly\n", "expected_gains:\n" + gains)
    target.write_text(text)
    assert 64 * 1024 < len(text.encode()) < 1024 * 1024
    done, elapsed = _run_cli(["validate", "--format", "json", str(target)], governance_repo)
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)["findings"]
    assert len(findings) == 100
    assert sum("more than 100 findings" in f["message"] for f in findings) == 1
    first = min((f["line"], f["column"]) for f in findings if "TODO 0" in f["message"])
    assert first == (15, 5)  # "- TODO 0" under expected_gains (line 14), placed from libyaml's marks
    assert elapsed < 2.0 + _startup_allowance()


# Reproducers from the adversarial review: each must end in a finding, never a traceback.
REVIEW_CASES = {
    "huge-integer": ("apiVersion: ftgov/v1\nkind: FineTuneObjective\nrecords: 1" + "0" * 5000 + "\n", "FTG002", (3, 10)),
    "merge-key": ("a: 1\n<<: {b: 2}\n", "FTG004", (2, 1)),
    "merge-key-after-ambiguous": ("x: 0o17\n<<: {b: 2}\n", "FTG004", (2, 1)),
    "int-and-string-key": ('1: a\n"1": b\n', "FTG003", (2, 1)),
    "null-and-None-key": ('null: a\n"None": b\n', "FTG003", (2, 1)),
    "int-and-float-key": ("1: a\n1.0: b\n", "FTG003", (2, 1)),
    "bool-and-int-key": ("true: a\n1: b\n", "FTG003", (2, 1)),
    "zero-and-negative-zero": ("0.0: a\n-0.0: b\n", "FTG003", (2, 1)),
    "collision-after-ambiguous": ('x: 0o17\n1: a\n"1": b\n', "FTG003", (3, 1)),
    "sequence-key-after-ambiguous": ("x: 0o17\n[a]: 1\n", "FTG002", (2, 1)),
    "too-many-values": ("x: [" + "0," * 60000 + "0]\n", "FTG007", None),
}


@pytest.mark.parametrize("name", sorted(REVIEW_CASES))
def test_review_reproducers_end_in_findings(name: str) -> None:
    text, rule, place = REVIEW_CASES[name]
    hazard = scan_hazards(text, "t.yaml") if needs_hazard_scan(text) else None
    found = hazard or load_values(text, "t.yaml")
    assert isinstance(found, Finding), found
    assert found.rule == rule, found
    if place is not None:
        assert (found.line, found.column) == place, found


def test_ambiguous_scalars_do_not_send_a_large_file_to_ruamel(governance_repo: Path) -> None:
    source = (ROOT / "objectives" / "support-agent" / "support-agent-r3.yaml").read_text()
    padding = "".join(f"  - criterion {i} must hold on the production shadow set\n" for i in range(14000))
    text = source.replace("records: 12000", "records: 12_000").replace("  criteria:\n", "  criteria:\n" + padding)
    target = governance_repo / "objectives" / "support-agent" / "support-agent-r3.yaml"
    target.write_text(text)
    assert 512 * 1024 < len(text) < 1024 * 1024
    done, elapsed = _run_cli(["validate", str(target)], governance_repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert elapsed < 2.0 + _startup_allowance()


def test_cr_only_line_endings_keep_positions(tmp_path: Path) -> None:
    raw = (FIXTURES / "rules" / "FTG001.yaml").read_bytes().replace(b"\n", b"\r")
    target = tmp_path / "cr.yaml"
    target.write_bytes(raw)
    found = load_document(target, "cr.yaml")
    assert isinstance(found, Finding) and (found.rule, found.line, found.column) == ("FTG001", 12, 24)


def test_a_tab_ruamel_refuses_still_gets_positions(governance_repo: Path) -> None:
    from ftgov.repo import Repository
    from ftgov.validate import validate

    raw = (FIXTURES / "rules" / "FTG305.yaml").read_text().replace("id: support-agent-r4", "id:\tsupport-agent-r4")
    target = governance_repo / "objectives" / "support-agent" / "support-agent-r4.yaml"
    target.write_text(raw)
    result = validate(Repository(governance_repo), [target])
    assert [(f.rule, f.line, f.column) for f in result.findings] == [("FTG305", 32, 15)]
