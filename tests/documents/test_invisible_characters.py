"""FTG010: what reviewers see is what the parser reads.

git, grep and a reviewer's diff split lines at "\\n" only; YAML (libyaml and ruamel alike) also
breaks lines at U+2028, U+2029, U+0085 and a lone carriage return. Bidirectional controls
reorder what a reviewer sees without changing what the parser reads, and invisible format
characters change a value no one can see. The loader refuses all of them, placed at the line
and column git counts, on every path that reads a document.
"""

from __future__ import annotations

import json
import subprocess
import unicodedata
from pathlib import Path

import pytest
import yaml

from ftgov.documents.document import Document
from ftgov.documents.findings import Finding
from ftgov.documents.loader import HIDDEN_CHARACTERS, compose_for_positions, decode, parse_document
from ftgov.documents.repository import Repository
from ftgov.documents.validate import validate
from ftgov.gate.gate import parse_bytes
from ftgov.gate.provenance import Denied

from ..conftest import FIXTURES, run_ftgov
from ..repository import build_ledger_repo

VALID = FIXTURES / "valid" / "support-agent-r4.yaml"
OBJECTIVE = "objectives/support-agent/support-agent-r4.yaml"
REGISTER = "registers/ledger.yaml"
ZWNJ, ZWJ = "\u200c", "\u200d"
LINE_BREAKS = ("\r", "\x85", "\u2028", "\u2029")

# name: (character, how the message names it, the text it is inserted after, its place as git counts)
# The places were counted on the fixture's lines: line 12 is `rationale: ...`, 17 the quoted
# description, 23 the line after `min_improvement: 0.2`, 44 the last line (`owners: {...}`).
CASES: dict[str, tuple[str, str, str, tuple[int, int]]] = {
    "line separator in a plain scalar": ("\u2028", "U+2028 LINE SEPARATOR", "rationale: Clients", (12, 19)),
    "line separator opening a line": ("\u2028", "U+2028 LINE SEPARATOR", "min_improvement: 0.2\n", (23, 1)),
    "paragraph separator in a key": ("\u2029", "U+2029 PARAGRAPH SEPARATOR", "hypo", (13, 5)),
    "next line at a line end": ("\x85", "U+0085 NEXT LINE", "raj-risk}", (44, 59)),
    "lone carriage return": ("\r", "U+000D CARRIAGE RETURN", "    max_drop: 0", (32, 16)),
    "right-to-left override in a quoted string": ("\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE", 'description: "old', (17, 53)),
    "left-to-right embedding": ("\u202a", "U+202A LEFT-TO-RIGHT EMBEDDING", "rationale: Clients", (12, 19)),
    "left-to-right isolate in a quoted string": ("\u2066", "U+2066 LEFT-TO-RIGHT ISOLATE", 'description: "old', (17, 53)),
    "pop directional isolate in a key": ("\u2069", "U+2069 POP DIRECTIONAL ISOLATE", "hypo", (13, 5)),
    "left-to-right mark": ("\u200e", "U+200E LEFT-TO-RIGHT MARK", "rationale: Clients", (12, 19)),
    "right-to-left mark": ("\u200f", "U+200F RIGHT-TO-LEFT MARK", "raj-risk}", (44, 59)),
    "arabic letter mark": ("\u061c", "U+061C ARABIC LETTER MARK", "rationale: Clients", (12, 19)),
    "zero width space in an id": ("\u200b", "U+200B ZERO WIDTH SPACE", "id: support-agent", (5, 18)),
    "word joiner in a quoted string": ("\u2060", "U+2060 WORD JOINER", 'description: "old', (17, 53)),
    "byte order mark inside the document": ("\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE", "rationale: Clients", (12, 19)),
    "soft hyphen in a key": ("\xad", "U+00AD SOFT HYPHEN", "hypo", (13, 5)),
    "tag character": ("\U000e0041", "U+E0041 TAG LATIN CAPITAL LETTER A", "raj-risk}", (44, 59)),
}
BREAK_CASES = [name for name, case in CASES.items() if case[0] in LINE_BREAKS]
BIDI_CASES = [name for name, case in CASES.items() if case[0] in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"]
# One of each class through the command line, where start-up makes every case cost a second.
CLI_CASES = [
    "line separator in a plain scalar",
    "lone carriage return",
    "right-to-left override in a quoted string",
    "zero width space in an id",
]


def _valid() -> str:
    return VALID.read_text(encoding="utf-8")


def _inject(text: str, after: str, character: str) -> str:
    assert text.count(after) == 1, after
    return text.replace(after, after + character)


def _case(name: str) -> tuple[str, str, tuple[int, int]]:
    character, named, after, place = CASES[name]
    return _inject(_valid(), after, character), named, place


def _refused(loaded: Document | Finding) -> Finding:
    assert isinstance(loaded, Finding), loaded
    assert loaded.rule == "FTG010", loaded
    return loaded


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_loader_refuses_each_hidden_character_where_git_counts_it(name: str) -> None:
    text, named, place = _case(name)
    found = _refused(parse_document(text, OBJECTIVE))
    assert (found.line, found.column) == place
    assert found.message.startswith(named), found.message
    assert "remove it" in found.message
    assert "more" not in found.message  # the only one in the file


@pytest.mark.parametrize("name", sorted(BREAK_CASES))
def test_a_line_break_message_says_git_shows_one_line_and_yaml_reads_two(name: str) -> None:
    found = _refused(parse_document(_case(name)[0], OBJECTIVE))
    assert "git and diffs show this as one line, YAML reads two" in found.message


@pytest.mark.parametrize("name", sorted(BIDI_CASES))
def test_a_bidirectional_control_message_names_trojan_source(name: str) -> None:
    found = _refused(parse_document(_case(name)[0], OBJECTIVE))
    assert "CVE-2021-42574" in found.message


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_gate_denies_a_hidden_character_naming_code_and_place(name: str) -> None:
    text, named, (line, column) = _case(name)
    with pytest.raises(Denied) as denied:
        parse_bytes(text.encode("utf-8"), OBJECTIVE)
    reasons = " ".join(denied.value.reasons)
    assert f"{OBJECTIVE}:{line}:{column}: FTG010 {named}" in reasons


@pytest.mark.parametrize("name", CLI_CASES)
def test_ftgov_validate_reports_a_hidden_character(governance_repo: Path, name: str) -> None:
    text, named, (line, column) = _case(name)
    target = governance_repo / OBJECTIVE
    target.write_bytes(text.encode("utf-8"))
    done = run_ftgov("validate", "--format", "json", str(target), cwd=governance_repo)
    assert done.returncode == 2, done.stdout + done.stderr  # 2, as for every file that cannot be read as a document
    findings = [(f["rule"], f["path"], f["line"], f["column"]) for f in json.loads(done.stdout)["findings"]]
    assert findings == [("FTG010", OBJECTIVE, line, column)]
    plain = run_ftgov("validate", str(target), cwd=governance_repo)
    assert f"{OBJECTIVE}:{line}:{column}: FTG010 {named}" in plain.stdout


def test_one_finding_for_the_first_and_a_count_of_the_others() -> None:
    text = _inject(_valid(), "hypo", "\u200b")
    text = _inject(text, "rationale: Clients", "\u2028")
    text = _inject(text, "raj-risk}", "\u202e\u202c")
    found = _refused(parse_document(text, OBJECTIVE))
    assert (found.line, found.column) == (12, 19)
    assert found.message.startswith("U+2028 LINE SEPARATOR")
    assert "3 more" in found.message


def test_a_crlf_document_loads_as_its_lf_twin(governance_repo: Path) -> None:
    lf = parse_document(_valid(), OBJECTIVE)
    crlf = parse_document(_valid().replace("\n", "\r\n"), OBJECTIVE)
    assert isinstance(lf, Document) and isinstance(crlf, Document)
    assert crlf.data == lf.data
    for document in sorted((governance_repo / "objectives").rglob("*.yaml")):
        document.write_bytes(document.read_bytes().replace(b"\n", b"\r\n"))
    assert validate(Repository(governance_repo)).findings == ()


def test_a_lone_carriage_return_in_a_crlf_document_is_placed_as_git_counts() -> None:
    # git counts the CRLF lines once each; the lone CR sits on line 32 of the file.
    text = _valid().replace("\n", "\r\n").replace("    max_drop: 0.01\r\n", "    max_drop: 0.01\r    safety: false\r\n")
    found = _refused(parse_document(text, OBJECTIVE))
    assert (found.line, found.column) == (32, 19)
    assert found.message.startswith("U+000D CARRIAGE RETURN")


def test_a_lone_carriage_return_in_a_non_ascii_document_is_refused() -> None:
    text = _valid().replace("fee schedule", "fee schedule (café)").replace("    max_drop: 0.01\n", "    max_drop: 0.01\r")
    found = _refused(parse_document(text, OBJECTIVE))
    assert (found.line, found.column) == (32, 19)


def test_a_file_with_old_mac_line_endings_is_one_line_to_git() -> None:
    text = _valid().replace("\n", "\r")
    found = _refused(parse_document(text, OBJECTIVE))
    first_line = _valid().split("\n", 1)[0]
    assert (found.line, found.column) == (1, len(first_line) + 1)


def test_a_carriage_return_ending_the_file_is_refused() -> None:
    found = _refused(parse_document(_valid() + "rationale_note: x\r", OBJECTIVE))
    assert (found.line, found.column) == (45, 18)


@pytest.mark.parametrize(
    "rationale",
    [
        "Clients write \U0001f469\u200d\U0001f4bb and \U0001f3f3\ufe0f\u200d\U0001f308 in tickets.",  # emoji ZWJ sequences
        "Clients write \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 in Persian tickets.",  # ZWNJ in Persian
        'Clients write "\u0915\u094d\u200d\u0937" in Hindi tickets.',  # ZWJ in Devanagari, quoted
    ],
)
def test_zwj_and_zwnj_in_ordinary_text_load(rationale: str) -> None:
    text = _valid().replace(
        "rationale: Clients ask about the 2027 fee schedule, which the model has never seen.", f"rationale: {rationale}"
    )
    loaded = parse_document(text, OBJECTIVE)
    assert isinstance(loaded, Document), loaded
    assert loaded.data["rationale"] == yaml.safe_load(f"r: {rationale}")["r"]


def test_a_leading_byte_order_mark_is_accepted_and_a_second_one_is_not() -> None:
    raw = _valid().encode("utf-8")
    once = decode(b"\xef\xbb\xbf" + raw, OBJECTIVE)
    assert isinstance(once, str) and isinstance(parse_document(once, OBJECTIVE), Document)
    twice = decode(b"\xef\xbb\xbf\xef\xbb\xbf" + raw, OBJECTIVE)
    assert isinstance(twice, str)
    found = _refused(parse_document(twice, OBJECTIVE))
    assert (found.line, found.column) == (1, 1)


def test_the_pattern_refuses_every_format_character_but_zwnj_and_zwj() -> None:
    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    matched = {m.group()[0] for m in HIDDEN_CHARACTERS.finditer(everything)}
    expected = {ch for ch in everything if unicodedata.category(ch) == "Cf"} - {ZWNJ, ZWJ} | set(LINE_BREAKS)
    assert expected <= matched, sorted(f"U+{ord(ch):04X}" for ch in expected - matched)
    # Beyond the list: only code points this Python's Unicode has not assigned yet (format
    # characters a newer Unicode added inside the ranges).
    assert {unicodedata.category(ch) for ch in matched - expected} <= {"Cn"}
    assert not matched & {ZWNJ, ZWJ, "\n", "\t", " "}
    assert HIDDEN_CHARACTERS.search("a: 1\r\nb: 2\r\n") is None


# --- The test: git and the gate read the same lines -------------------------------------------------------


def _git(repo: Path, *args: str) -> bytes:
    # Bytes, never text=True: universal newlines would turn a lone CR into "\n" and hide the difference.
    identity = ("-c", "user.name=Test Author", "-c", "user.email=author@example.com", "-c", "init.defaultBranch=main")
    done = subprocess.run(["git", *identity, "-C", str(repo), *args], capture_output=True, check=True)
    return done.stdout


def _committed(tmp_path: Path) -> Path:
    repo = build_ledger_repo(tmp_path / "governance")
    _git(repo, "init", "-q")
    _git(repo, "add", "objectives", "registers", "policies")
    _git(repo, "commit", "-q", "-m", "governance documents")
    return repo


def _git_lines(raw: bytes) -> list[str]:
    """The lines `git show` prints (and diff and grep count): split at "\\n" only."""
    lines = raw.decode("utf-8").split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def _plain_scalars(node: yaml.Node) -> list[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        # libyaml marks a plain scalar with style "", the pure-Python parser with None.
        return [node] if not node.style else []
    if isinstance(node, yaml.SequenceNode):
        return [scalar for item in node.value for scalar in _plain_scalars(item)]
    return [scalar for pair in node.value for item in pair for scalar in _plain_scalars(item)]


def _assert_parser_places_match_git(text: str, git_lines: list[str], path: str) -> int:
    """Every one-line plain scalar the parser reads starts at its line and column in git's lines."""
    checked = 0
    for scalar in _plain_scalars(compose_for_positions(text)):
        start, end = scalar.start_mark, scalar.end_mark
        if start.line != end.line:
            continue
        assert git_lines[start.line][start.column :].startswith(scalar.value), (path, start.line + 1, scalar.value)
        checked += 1
    return checked


def test_git_show_and_the_gate_read_the_same_lines_for_every_governed_document(tmp_path: Path) -> None:
    repo = _committed(tmp_path)
    paths = _git(repo, "ls-files", "-z").decode("utf-8").split("\0")[:-1]
    kinds = set()
    placed = 0
    for path in paths:
        raw = _git(repo, "show", f"HEAD:{path}")
        git_lines = _git_lines(raw)
        if path.endswith(".yaml"):
            document, text = parse_bytes(raw, path)
            kinds.add(document.kind)
            placed += _assert_parser_places_match_git(text, git_lines, path)
        else:
            text = decode(raw, path)
            assert isinstance(text, str), text
        # str.splitlines breaks where YAML does (and more): equal lists mean equal line structure.
        assert text.splitlines() == git_lines, path
    assert kinds == {"FineTuneObjective", "CumulativeRegister", "Policy"}
    assert any(p.endswith(".schema.json") for p in paths)
    assert placed > 200


def test_a_register_line_hidden_behind_a_line_separator_is_refused_not_read_differently(tmp_path: Path) -> None:
    repo = _committed(tmp_path)
    register = repo / REGISTER
    hidden = register.read_text(encoding="utf-8").replace(
        "    status: evaluated\n", "    # awaiting risk review\u2028    status: evaluated\n"
    )
    register.write_text(hidden, encoding="utf-8", newline="")
    _git(repo, "commit", "-q", "-am", "a reviewer sees a comment where YAML reads a status")
    raw = _git(repo, "show", f"HEAD:{REGISTER}")
    git_lines = _git_lines(raw)
    # The hazard is real: the parser's lines and git's differ for this very text.
    assert len(raw.decode("utf-8").splitlines()) == len(git_lines) + 1
    line = next(i for i, text in enumerate(git_lines, 1) if "\u2028" in text)
    column = git_lines[line - 1].index("\u2028") + 1
    with pytest.raises(Denied) as denied:
        parse_bytes(raw, REGISTER)
    assert f"{REGISTER}:{line}:{column}: FTG010 U+2028 LINE SEPARATOR" in " ".join(denied.value.reasons)
    done = run_ftgov("check", "--format", "json", cwd=repo)
    assert done.returncode == 2, done.stdout + done.stderr
    placed = {(f["rule"], f["path"], f["line"], f["column"]) for f in json.loads(done.stdout)["findings"]}
    assert ("FTG010", REGISTER, line, column) in placed
