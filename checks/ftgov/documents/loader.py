"""Read one YAML file into a Document, refusing anything hostile.

Two parsers, one meaning (YAML 1.2):
- the fast path builds plain values with libyaml (PyYAML's C parser) and a YAML 1.2
  core-schema resolver; any plain scalar whose 1.2 meaning is not obvious (0o17,
  1_000, .inf, 3.11.7 ...) sends the file to the slow path instead of guessing;
- the slow path is ruamel.yaml's round-trip loader, which keeps the line and column
  of every key and value. It runs only for files that have findings (to place them)
  or that the fast path refused.
Both paths see the same text and a fresh loader per file: a `%YAML 1.1` directive in
one file can never change how the next one is read. Before either, the text is screened
for characters that make it read differently in a diff than to the parser (FTG010).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ftgov.documents.document import Document
from ftgov.documents.findings import Finding
from ftgov.documents.rules import document as R

MAX_BYTES = 1 << 20
MAX_DEPTH = 64
MAX_NODES = 50_000  # an objective has a few hundred values; 50,000 is a generated file or an attack
_SCAN_ABOVE = 64 * 1024  # larger texts always get the event scan, which also counts values
KINDS = ("FineTuneObjective", "CumulativeRegister", "Policy")

try:  # libyaml ships inside PyYAML's wheels; the pure parser is a slower fallback.
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - only without libyaml
    _BaseLoader = yaml.SafeLoader


class _NeedsSlowPath(Exception):
    """A scalar whose YAML 1.2 meaning the fast path does not decide itself."""


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


_PLAIN = "ftgov:plain"  # a plain scalar, resolved by _scalar below
_STR = "tag:yaml.org,2002:str"


class _Composer(_BaseLoader):  # type: ignore[misc,valid-type]
    """libyaml's parser and composer, with PyYAML's YAML 1.1 resolution switched off.

    Resolution happens in _scalar under the YAML 1.2 core schema; composing in C and
    building values in one small function is about twice as fast as PyYAML's constructor.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            return _PLAIN
        return _STR if kind is yaml.ScalarNode else ""


_NULL = re.compile(r"~|null|Null|NULL|")
_BOOL = re.compile(r"true|True|TRUE|false|False|FALSE")
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?")
# Number-like shapes the YAML 1.2 loaders disagree about (octal, hex, underscores,
# leading zeros, infinities, dotted versions): ruamel decides those.
_AMBIGUOUS = re.compile(r"[-+]?[0-9._][0-9._]*(?:[eE][-+]?[0-9._]*)?|[-+]?0[xXoObB][0-9a-fA-F_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
_SPECIAL_START = frozenset("~nNtTfF-+.0123456789")


class _BadScalar(Exception):
    """A scalar no YAML 1.2 reader can turn into a value (e.g. an integer of 5,000 digits)."""

    def __init__(self, value: str, mark: Any = None) -> None:
        super().__init__(value)
        self.value = value
        self.mark = mark


class _MergeKey(Exception):
    def __init__(self, mark: Any) -> None:
        super().__init__("<<")
        self.mark = mark


def _scalar(value: str) -> Any:
    if not value:
        return None
    if value[0] not in _SPECIAL_START:
        return value
    try:
        if _NULL.fullmatch(value):
            return None
        if _BOOL.fullmatch(value):
            return value[0] in "tT"
        if _INT.fullmatch(value):
            return int(value)
        if _FLOAT.fullmatch(value):
            return float(value)
        if _AMBIGUOUS.fullmatch(value):
            # A plain scalar's YAML 1.2 meaning depends on its text alone: ask ruamel about
            # this one scalar instead of re-reading the whole document with it (ruamel is
            # imported only when needed: most documents never need it).
            from ftgov.documents.roundtrip import scalar_value

            return scalar_value(value)
    except (ValueError, OverflowError) as exc:
        raise _BadScalar(value) from exc
    return value


def _build(node: yaml.Node) -> Any:
    """Plain values from a composed node; depth is already bounded by MAX_DEPTH."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _PLAIN:
            try:
                return _scalar(node.value)
            except _BadScalar as exc:
                raise _BadScalar(node.value, node.start_mark) from exc
        if node.tag == _STR:
            return node.value
        raise _NeedsSlowPath(node.tag)
    if isinstance(node, yaml.SequenceNode):
        return [_build(item) for item in node.value]
    out: dict[str, Any] = {}
    keys: set[Any] = set()
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.MarkedYAMLError(problem="mapping keys must be plain scalars", problem_mark=key_node.start_mark)
        if key_node.tag == _PLAIN and key_node.value == "<<":
            raise _MergeKey(key_node.start_mark)
        built = _build(key_node)
        key = str(built)
        # Keys collide as YAML readers see them (1, 1.0 and true are one key in most) and as
        # JSON sees them (1 and "1"): both would silently keep one value.
        if key in out or built in keys:
            raise _DuplicateKey(problem=f'duplicate key "{key}"', problem_mark=key_node.start_mark)
        keys.add(built)
        out[key] = _build(value_node)
    return out


def read_text(file: Path, path: str) -> str | Finding:
    """The file's text, or a finding if it is too large, unreadable or not UTF-8."""
    raw = read_raw(file, path)
    return raw if isinstance(raw, Finding) else decode(raw, path)


def read_raw(file: Path, path: str) -> bytes | Finding:
    """The file's bytes, or a finding if it is too large (checked before reading it) or unreadable."""
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            return R.TOO_LARGE.at_line(path, 1, 1, f"file is {size:,} bytes; documents are limited to {MAX_BYTES:,} bytes")
        return file.read_bytes()
    except OSError as exc:
        return R.UNREADABLE.at_line(path, 1, 1, f"cannot read file: {exc.strerror or exc}")


_BREAK = re.compile(rb"\r\n|\r|\n")


def _line_and_column(before: bytes) -> tuple[int, int]:
    """1-based position just after `before`, counting CRLF, CR and LF line breaks."""
    breaks = list(_BREAK.finditer(before))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, len(before) - start + 1


def decode(raw: bytes, path: str) -> str | Finding:
    """Bytes as UTF-8 text, refusing oversized or mis-encoded content."""
    if len(raw) > MAX_BYTES:
        return R.TOO_LARGE.at_line(path, 1, 1, f"file is {len(raw):,} bytes; documents are limited to {MAX_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_and_column(raw[: exc.start])
        return R.UNREADABLE.at_line(path, line, column, f"invalid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")
    return text.removeprefix("\ufeff")


# What reviewers see must be what the parser reads (FTG010). git, grep and diffs split lines
# at "\n" only; YAML also breaks them at these, and at a CR that no LF follows (CRLF is one
# break to both, so it stays accepted).
_YAML_ONLY_BREAKS = "\x85\u2028\u2029"
# Trojan Source (CVE-2021-42574): these reorder how the text around them is displayed.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Unicode category Cf (invisible format characters; the bidi controls are among them) as of
# Unicode 14 (Python 3.11). The ranges also cover code points still unassigned there (U+2065,
# U+13439-U+1343F, the rest of the tag block) so format characters a newer Unicode adds in
# them are refused too. Left out: U+200C ZWNJ and U+200D ZWJ, which Persian, Indic scripts
# and emoji sequences need in ordinary text and which neither break a line nor change
# direction. tests/test_invisible_characters.py compares this list with unicodedata.
_FORMAT_CHARACTERS = (
    "\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e007f"
)
HIDDEN_CHARACTERS = re.compile(f"[{_YAML_ONLY_BREAKS}{_FORMAT_CHARACTERS}]|\r(?!\n)")
# Of all the above only the CR is ASCII, and the full class costs ~20 ms per MiB against
# ~0.5 ms for this literal search: ASCII texts (str.isascii() is O(1)) need only this one.
_LONE_CR = re.compile("\r(?!\n)")
_UNNAMED = {"\r": "CARRIAGE RETURN", "\x85": "NEXT LINE (NEL)"}  # controls have no Unicode name


def find_hidden_character(text: str, path: str) -> Finding | None:
    """FTG010 at the first character that makes git and YAML read different documents.

    Placed as git counts lines, so the line a reviewer is sent to is the line the diff shows.
    """
    pattern = _LONE_CR if text.isascii() else HIDDEN_CHARACTERS
    found = pattern.search(text)
    if found is None:
        return None
    more = len(pattern.findall(text, found.end()))
    line, column = _git_line_and_column(text, found.start())
    return R.HIDDEN_CHARACTER.at_line(path, line, column, _hidden_message(found.group(), more))


def _git_line_and_column(text: str, index: int) -> tuple[int, int]:
    """1-based place of text[index] with lines split at "\n" only, as git, grep and diffs count them."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def _hidden_message(character: str, more: int) -> str:
    name = _UNNAMED.get(character) or unicodedata.name(character, "")
    described = f"U+{ord(character):04X} {name}".rstrip()
    if character == "\r":
        why = f"{described} without a line feed after it: git and diffs show this as one line, YAML reads two; remove it or make it CRLF"
    elif character in _YAML_ONLY_BREAKS:
        why = f"{described}: git and diffs show this as one line, YAML reads two; remove it"
    elif character in _BIDI_CONTROLS:
        why = (
            f"{described} reorders how the text around it is displayed, so a reviewer reads it in another order than the parser"
            " (Trojan Source, CVE-2021-42574); remove it"
        )
    elif character == "\ufeff":
        why = f"{described} (a byte order mark) is invisible here and only allowed as the file's first character; remove it"
    else:
        why = f"{described} is invisible in a diff but part of what the parser reads; remove it"
    return why + (f" ({more} more such character{'s' if more > 1 else ''} in this file)" if more else "")


def _mark(error: yaml.MarkedYAMLError) -> tuple[int, int]:
    mark = error.problem_mark or error.context_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _reader_finding(text: str, path: str, error: yaml.reader.ReaderError) -> Finding:
    line, column = _line_and_column(text[: error.position].encode("utf-8", "surrogatepass"))
    return R.SYNTAX.at_line(path, line, column, f"character {error.character!r} is not allowed in YAML; remove it")


def _syntax_message(error: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (error.context, error.problem) if p]
    return "YAML syntax error: " + ("; ".join(parts) or "cannot parse")


def _syntax_finding(text: str, path: str, error: yaml.MarkedYAMLError) -> Finding:
    """A parse error as a finding; a tab where indentation is read gets a plain explanation.

    libyaml reports such a tab as "found character that cannot start any token" (or as
    violating indentation) without saying which character; editors often hide tabs.
    """
    mark = error.problem_mark
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        line_start = max(text.rfind("\n", 0, mark.index), text.rfind("\r", 0, mark.index)) + 1
        if text[line_start : mark.index].strip(" \t-?:") == "":
            return R.SYNTAX.at_line(path, *_mark(error), "a tab indents this line; YAML cannot be indented with tabs, use spaces instead")
    return R.SYNTAX.at_line(path, *_mark(error), _syntax_message(error))


# Marks without which a document cannot hold an anchor, alias, tag, directive or second document.
_HAZARD_MARKS = re.compile(r"[&*!]|^(?:%|---|\.\.\.)", re.MULTILINE)
# The indentation and block indicators ("- ", "? ", ": ") that open a line: a block
# collection can only start within them.
# The bound below reads lines split at "\n"; libyaml also breaks lines at these.
_OTHER_LINE_BREAKS = re.compile("[\r\x85\u2028\u2029]")
_BLOCK_PREFIX = re.compile(r"^(?:---[ ]+)?[ ]*(?:[-?:][ ]+)*", re.MULTILINE)


def needs_hazard_scan(text: str) -> bool:
    """False only when the text provably holds no hazard, so the event scan can be skipped.

    Depth bound: along any nesting path a block collection starts at a column beyond
    the one two levels up, and never beyond its line's block prefix; flow collections
    each need a bracket. So depth <= 2 * (longest block prefix + 1) + brackets.
    """
    if len(text) > _SCAN_ABOVE or _HAZARD_MARKS.search(text) or _OTHER_LINE_BREAKS.search(text):
        return True
    prefix = max((len(m.group()) for m in _BLOCK_PREFIX.finditer(text)), default=0)
    return 2 * (prefix + 1) + text.count("[") + text.count("{") > MAX_DEPTH


@dataclass
class _EventTally:
    """What the event scan has passed so far: the limits are on the whole stream, not one event."""

    nodes: int = 0
    documents: int = 0
    depth: int = 0


def scan_hazards(text: str, path: str) -> Finding | None:
    """Reject what a governance document never needs, before anything is built from it.

    Works on the event stream, so a billion-laughs file or 5,000 levels of nesting
    costs one linear pass and no memory.
    """
    tally = _EventTally()
    try:
        for event in yaml.parse(text, Loader=_BaseLoader):
            finding = _event_hazard(event, tally, path)
            if finding is not None:
                return finding
    except yaml.MarkedYAMLError as exc:
        return _syntax_finding(text, path, exc)
    except yaml.reader.ReaderError as exc:  # control characters, NUL bytes
        return _reader_finding(text, path, exc)
    return None


def _event_hazard(event: yaml.Event, tally: _EventTally, path: str) -> Finding | None:
    """The first hazard one event shows, counting it into `tally`; the value limit is checked before anything else."""
    mark = event.start_mark
    where = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    if isinstance(event, yaml.NodeEvent):
        tally.nodes += 1
        if tally.nodes > MAX_NODES:
            return R.TOO_LARGE.at_line(path, *where, f"document holds more than {MAX_NODES:,} values; governance documents are small")
    if isinstance(event, yaml.DocumentStartEvent):
        return _document_start_hazard(event, tally, where, path)
    if isinstance(event, yaml.AliasEvent):
        return R.ANCHOR_ALIAS.at_line(path, *where, f"alias *{event.anchor} is not allowed; write the value out in full")
    if isinstance(event, yaml.NodeEvent):
        return _node_hazard(event, tally, where, path)
    if isinstance(event, yaml.CollectionEndEvent):
        tally.depth -= 1
    return None


def _document_start_hazard(event: yaml.DocumentStartEvent, tally: _EventTally, where: tuple[int, int], path: str) -> Finding | None:
    """One document per file, and no directive that could change how it is read."""
    tally.documents += 1
    if tally.documents > 1:
        return R.NOT_A_MAPPING.at_line(path, *where, "file holds more than one YAML document; use one file per document")
    if event.version is not None or event.tags:
        return R.EXPLICIT_TAG.at_line(path, *where, "YAML directives (%YAML, %TAG) are not allowed; delete the directive line")
    return None


def _node_hazard(event: yaml.NodeEvent, tally: _EventTally, where: tuple[int, int], path: str) -> Finding | None:
    """A value written out in full: no anchor, no explicit tag, and nesting within MAX_DEPTH."""
    if event.anchor is not None:
        return R.ANCHOR_ALIAS.at_line(path, *where, f"anchor &{event.anchor} is not allowed; write each value out in full")
    tag = getattr(event, "tag", None)
    if tag is not None:
        return R.EXPLICIT_TAG.at_line(path, *where, f"explicit tag {tag} is not allowed; remove it and quote the value if needed")
    if isinstance(event, yaml.CollectionStartEvent):
        tally.depth += 1
        if tally.depth > MAX_DEPTH:
            return R.TOO_DEEP.at_line(path, *where, f"nesting deeper than {MAX_DEPTH} levels")
    return None


def plain_key(node: yaml.ScalarNode) -> str:
    """The name _build gives a scalar key."""
    try:
        return str(_scalar(node.value)) if node.tag == _PLAIN else str(node.value)
    except _BadScalar:
        return str(node.value)


def compose_for_positions(text: str) -> Any:
    """libyaml's node tree (marks on every key and value); the caller screened the text."""
    return yaml.compose(text, Loader=_Composer)


def load_values(text: str, path: str) -> Any | Finding:
    """The file's values as plain Python, or a finding. Assumes scan_hazards passed."""
    try:
        node = yaml.compose(text, Loader=_Composer)
        return None if node is None else _build(node)
    except _NeedsSlowPath:
        pass
    except _DuplicateKey as exc:
        return R.DUPLICATE_KEY.at_line(path, *_mark(exc), f"{exc.problem}; a second value would silently replace the first")
    except _MergeKey as exc:
        line, column = exc.mark.line + 1, exc.mark.column + 1
        return R.ANCHOR_ALIAS.at_line(path, line, column, "merge key << is not allowed; write the values out in full")
    except _BadScalar as exc:
        line, column = (exc.mark.line + 1, exc.mark.column + 1) if exc.mark is not None else (1, 1)
        return R.SYNTAX.at_line(path, line, column, f"{exc.value[:20]}... cannot be read as a number; quote it if it is text")
    except yaml.MarkedYAMLError as exc:
        return _syntax_finding(text, path, exc)
    except yaml.reader.ReaderError as exc:
        return _reader_finding(text, path, exc)
    from ftgov.documents.roundtrip import load_round_trip, plain

    loaded = load_round_trip(text, path)
    if isinstance(loaded, Finding):
        return loaded
    try:
        return plain(loaded)
    except ValueError as exc:
        return R.DUPLICATE_KEY.at_line(path, 1, 1, str(exc))


def load_document(file: Path, path: str) -> Document | Finding:
    """Read, screen and parse one file; identify which kind of document it is."""
    text = read_text(file, path)
    if isinstance(text, Finding):
        return text
    return parse_document(text, path)


def parse_document(text: str, path: str) -> Document | Finding:
    """Screen and parse a document's text (from disk or from a forge)."""
    hidden = find_hidden_character(text, path)
    if hidden is not None:
        return hidden
    hazard = scan_hazards(text, path) if needs_hazard_scan(text) else None
    if hazard is not None:
        return hazard
    data = load_values(text, path)
    if isinstance(data, Finding):
        return data
    if not isinstance(data, dict):
        shape = "empty" if data is None else f"a {type(data).__name__}"
        return R.NOT_A_MAPPING.at(path, (), f"document is {shape}; the top level must be a mapping with apiVersion and kind")
    kind = data.get("kind")
    if kind not in KINDS:
        return R.UNKNOWN_KIND.at(
            path,
            ("kind",) if "kind" in data else (),
            _unknown_kind_message(kind) if "kind" in data else f"document has no kind; add kind: one of {', '.join(KINDS)}",
            at_key="kind" not in data,
        )
    return Document(path=path, kind=str(kind), data=data)


def _unknown_kind_message(kind: Any) -> str:
    """Name the known kind a misspelt one was meant to be (case and small typos)."""
    message = f"kind {kind!r} is not one of {', '.join(KINDS)}"
    if not isinstance(kind, str):
        return message
    by_folded = {known.casefold(): known for known in KINDS}
    close = difflib.get_close_matches(kind.casefold(), list(by_folded), n=1, cutoff=0.6)
    return f"{message}; did you mean '{by_folded[close[0]]}'?" if close else message
