"""The loader: hostile inputs end fast with a finding; fast and slow paths agree."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from ftgov.documents.findings import Finding
from ftgov.documents.loader import MAX_DEPTH, find_hidden_character, load_document, load_values, needs_hazard_scan, scan_hazards
from ftgov.documents.positions import LARGE_TEXT, NodePositionIndex, PositionIndex, index_for
from ftgov.documents.roundtrip import load_round_trip, plain

from ..conftest import FIXTURES, REPO_FIXTURE, run_ftgov
from ..hostile_inputs import HOSTILE, THROUGH_THE_CLI, write_ambiguous_scalars_file, write_errors_file, write_hostile


def _run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # Generous: a bound on a hung process, not a time goal (those live in benchmarks/hostile_inputs_bench.py).
    return run_ftgov(*args, cwd=cwd)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_a_finding_not_a_crash(governance_repo: Path, name: str) -> None:
    target = write_hostile(governance_repo, name)
    loaded = load_document(target, name)
    assert isinstance(loaded, Finding), loaded
    assert loaded.rule.startswith("FTG0")


@pytest.mark.parametrize("name", THROUGH_THE_CLI)
def test_hostile_input_through_the_cli(governance_repo: Path, name: str) -> None:
    target = write_hostile(governance_repo, name)
    done = _run_cli(["validate", str(target)], governance_repo)
    assert done.returncode in (1, 2)
    assert "Traceback" not in done.stderr + done.stdout
    finding_lines = [line for line in done.stdout.splitlines() if line.startswith("objectives/")]
    assert len(finding_lines) == 1
    assert finding_lines[0].startswith(f"objectives/{name}.yaml:")


def test_large_file_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    # The work bound: the size alone refuses it; not one byte is read.
    monkeypatch.setattr(Path, "read_bytes", _no_reading)
    monkeypatch.setattr(Path, "open", _no_reading)
    loaded = load_document(big, "big.yaml")
    assert isinstance(loaded, Finding) and (loaded.rule, loaded.line, loaded.column) == ("FTG007", 1, 1)


def _no_reading(*args: object, **kwargs: object) -> NoReturn:
    raise AssertionError("an oversized document was read")


def test_positions_are_one_based_for_keys_and_values() -> None:
    text = "# comment\napiVersion: ftgov/v1\nmodel:\n  name: x\n  tiers: [a, b]\n"
    index = load_round_trip(text, "t.yaml")
    positions = PositionIndex(index, text)
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
    """Every safe YAML document of the fixtures (the tests' own repository among them), read by both paths."""
    files = sorted(FIXTURES.glob("**/*.yaml"))
    for file in files:
        text = file.read_bytes().decode("utf-8", errors="replace")
        # FTG010's screen comes first: on a line hidden behind U+2028 the two parsers even
        # disagree (libyaml reads the line, ruamel refuses it), so no reader sees such text.
        if find_hidden_character(text, file.name) is not None:
            continue
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
    examples = sorted((REPO_FIXTURE / "objectives").rglob("*.yaml"))
    assert examples
    for example in examples:
        # the worked example has no anchors, tags or deep nesting: the scan is provably unnecessary
        assert not needs_hazard_scan(example.read_text().replace("---", ""))
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
    from ftgov.documents.loader import compose_for_positions
    from ftgov.documents.positions import NodePositionIndex

    compared = 0
    for name, text, values, slow in _both_paths():
        if isinstance(values, Finding) or isinstance(slow, Finding):
            continue
        fast_index, slow_index = NodePositionIndex(compose_for_positions(text)), PositionIndex(slow, text)
        for pointer in _pointers(values):
            for at_key in (False, True):
                assert fast_index.locate(pointer, at_key=at_key) == slow_index.locate(pointer, at_key=at_key), (name, pointer, at_key)
                compared += 1
    assert compared > 5000


# An empty value has no text of its own: it is placed at its key (ruamel puts it at the next
# token, lines below; libyaml just after the colon). An empty sequence item stays on its dash's line.
EMPTY_VALUES = {
    "at the end of the file": ("a: 1\ndataset_prepared_path:\n", ("dataset_prepared_path",), (2, 1)),
    "at the end, no line break": ("a: 1\nepochs:", ("epochs",), (2, 1)),
    "mid-mapping, blank lines after": ("plan:\n  epochs:\n\n\n  batch_size: 8\n", ("plan", "epochs"), (2, 3)),
    "last in a nested mapping": ("plan:\n  epochs:\nowners: x\n", ("plan", "epochs"), (2, 3)),
    "followed by spaces and a comment": ("epochs:    # set later\nb: 1\n", ("epochs",), (1, 1)),
    "CRLF line breaks": ("a: 1\r\nepochs:\r\nb: 2\r\n", ("epochs",), (2, 1)),
    "in a flow mapping": ("plan: {epochs: , batch_size: 8}\n", ("plan", "epochs"), (1, 8)),
    "a key of a mapping in a sequence": ("items:\n  - name:\n    size: 1\n", ("items", 0, "name"), (2, 5)),
    "a sequence item": ("gains:\n  - one\n  -\n  - three\n", ("gains", 1), (3, 4)),
    "the last sequence item": ("gains:\n  - one\n  -\n", ("gains", 1), (3, 4)),
    "a written ~ keeps its own place": ("a: ~\nb: 1\n", ("a",), (1, 4)),
    "a written null on the next line keeps its own place": ("a:\n  null\nb: 1\n", ("a",), (2, 3)),
}


@pytest.mark.parametrize("name", sorted(EMPTY_VALUES))
def test_an_empty_value_is_placed_at_its_key_by_both_indexes(name: str) -> None:
    text, pointer, expected = EMPTY_VALUES[name]
    from ftgov.documents.loader import compose_for_positions

    slow = PositionIndex(load_round_trip(text, "t.yaml"), text)
    fast = NodePositionIndex(compose_for_positions(text))
    assert (slow.locate(pointer), fast.locate(pointer)) == (expected, expected)
    # Past a large file's threshold the libyaml index answers; one long comment line above shifts the line by one.
    large = "# " + "x" * LARGE_TEXT + "\n" + text
    index = index_for(large, "t.yaml")
    assert isinstance(index, NodePositionIndex)
    assert index.locate(pointer) == (expected[0] + 1, expected[1])


@pytest.mark.parametrize("size", ["small", "large"])
def test_a_finding_on_an_empty_value_names_its_key_line_in_small_and_large_files(governance_repo: Path, size: str) -> None:
    """FTG201 (a statement left empty) is not placed at_key by its rule: the index itself must place it."""
    target = governance_repo / "objectives" / "support-agent" / "support-agent-r3.yaml"
    text = target.read_text(encoding="utf-8")
    emptied = "  summary: 12k preference pairs from r2 shadow traffic, both answers correct, senior agents chose the shorter\n"
    assert text.count(emptied) == 1
    text = text.replace(emptied, "  summary:\n")
    target.write_text(text + ("# " + "x" * LARGE_TEXT + "\n" if size == "large" else ""), encoding="utf-8")
    line = text.splitlines().index("  summary:") + 1
    done = _run_cli(["validate", "--format", "json", str(target)], governance_repo)
    assert done.returncode == 1, done.stderr
    placed = {(f["rule"], f["line"], f["column"]) for f in json.loads(done.stdout)["findings"]}
    assert ("FTG201", line, 3) in placed, placed


def test_a_large_file_full_of_errors_is_reported_capped(governance_repo: Path) -> None:
    target = write_errors_file(governance_repo)
    assert 64 * 1024 < target.stat().st_size < 1024 * 1024
    done = _run_cli(["validate", "--format", "json", str(target)], governance_repo)
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)["findings"]
    assert len(findings) == 100
    assert sum("more than 100 findings" in f["message"] for f in findings) == 1
    first = min((f["line"], f["column"]) for f in findings if "TODO 0" in f["message"])
    assert first == (15, 5)  # "- TODO 0" under expected_gains (line 14), placed from libyaml's marks


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


def test_ambiguous_scalars_in_a_large_file_still_validate(governance_repo: Path) -> None:
    target = write_ambiguous_scalars_file(governance_repo)
    assert 512 * 1024 < target.stat().st_size < 1024 * 1024
    done = _run_cli(["validate", str(target)], governance_repo)
    assert done.returncode == 0, done.stdout + done.stderr


def test_cr_only_line_endings_keep_positions(tmp_path: Path) -> None:
    # Invalid UTF-8 is refused before any other screen, its place counted as an editor counts
    # CR-only lines; valid CR-only text is FTG010 at line 1 (tests/test_invisible_characters.py).
    raw = (FIXTURES / "rules" / "FTG001.yaml").read_bytes().replace(b"\n", b"\r")
    target = tmp_path / "cr.yaml"
    target.write_bytes(raw)
    found = load_document(target, "cr.yaml")
    assert isinstance(found, Finding) and (found.rule, found.line, found.column) == ("FTG001", 12, 24)


def test_a_tab_ruamel_refuses_still_gets_positions(governance_repo: Path) -> None:
    from ftgov.documents.repository import Repository
    from ftgov.documents.validate import validate

    raw = (FIXTURES / "rules" / "FTG305.yaml").read_text().replace("id: support-agent-r4", "id:\tsupport-agent-r4")
    target = governance_repo / "objectives" / "support-agent" / "support-agent-r4.yaml"
    target.write_text(raw)
    result = validate(Repository(governance_repo), [target])
    assert [(f.rule, f.line, f.column) for f in result.findings] == [("FTG305", 32, 15)]
