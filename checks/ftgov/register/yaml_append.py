"""Append to a YAML document without touching a byte of what is already there.

The register is append-only history that reviewers read in diffs, with comments and a key
order people chose. A full round-trip dump (even ruamel's) re-wraps flow mappings and
re-indents sequences; so changes are made as text instead: ruamel composes the document to
find where each node starts and ends, new keys are rendered by ruamel and inserted as whole
lines after a mapping's last value, and a scalar (a round's status) is replaced in place.
Everything outside the inserted lines and the replaced scalar stays byte for byte the same.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.scalarstring import SingleQuotedScalarString

from ftgov.documents.errors import InputError
from ftgov.documents.loader import HIDDEN_CHARACTERS

Pointer = tuple[str | int, ...]
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class EditError(InputError):
    """The document cannot be changed as asked (the message says where and why, in one line)."""


class Time(str):
    """An RFC 3339 time, written unquoted as the register's hand-written entries are."""


@dataclass(frozen=True)
class Flow:
    """A mapping or sequence to write on one line, as the register writes small records."""

    value: Mapping[str, Any] | Sequence[Any]


def compose(text: str) -> Node:
    try:
        node = YAML(typ="rt").compose(text)
    except YAMLError as exc:  # the loader has already accepted the text; this is defensive
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
        raise EditError(f"{where}cannot parse the document: {problem}") from exc
    if not isinstance(node, Node):
        raise EditError("the document is empty")
    return node


def node_at(root: Node, pointer: Pointer) -> Node:
    node = root
    for part in pointer:
        if isinstance(part, int) and isinstance(node, SequenceNode) and 0 <= part < len(node.value):
            node = node.value[part]
        elif isinstance(part, str) and isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.value == part:
                    node = value
                    break
            else:
                raise EditError(f"no {part!r} at {_dotted(pointer)}")
        else:
            raise EditError(f"no {part!r} at {_dotted(pointer)}")
    return node


def _dotted(pointer: Pointer) -> str:
    return ".".join(str(p) for p in pointer) or "(document)"


def _line_break(text: str) -> str:
    return "\r\n" if "\r\n" in text.split("\n", 1)[0] + "\n" else "\n"


def replace_scalar(text: str, pointer: Pointer, new: str) -> str:
    """Replace the plain scalar at `pointer` (on one line) with `new`, keeping anything after it (a comment)."""
    node = node_at(compose(text), pointer)
    if not isinstance(node, ScalarNode) or node.start_mark.line != node.end_mark.line:
        raise EditError(f"{_dotted(pointer)} is not a one-line scalar")
    lines = text.splitlines(keepends=True)
    line = lines[node.start_mark.line]
    start, end = node.start_mark.column, node.end_mark.column
    lines[node.start_mark.line] = line[:start] + new + line[end:]
    return "".join(lines)


def _last_line(node: Node | tuple[Node, Node]) -> int:
    """0-based index of the last line the node's text (or a mapping's key and value) occupies."""
    if isinstance(node, tuple):
        key, value = node
        # ruamel marks an empty value (`notes:`) where the next token starts, maybe in the next round
        empty = isinstance(value, ScalarNode) and value.value == "" and value.style is None
        return _last_line(key if empty else value)
    if isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
        return _last_line(node.value[-1])
    end = node.end_mark
    # A block scalar ends at the start of the line after it.
    line: int = end.line - 1 if end.column == 0 and end.line > node.start_mark.line else end.line
    return line


def add_keys(text: str, pointer: Pointer, entries: Mapping[str, Any], *, after: str | None = None) -> str:
    """Insert `entries` into the block mapping at `pointer`, after key `after` (default: after its last key)."""
    mapping = node_at(compose(text), pointer)
    if not isinstance(mapping, MappingNode) or not mapping.value:
        raise EditError(f"{_dotted(pointer)} is not a mapping with keys")
    if mapping.flow_style:
        line = mapping.start_mark.line + 1
        raise EditError(f"line {line}: {_dotted(pointer)} is written in flow style ({{...}}); write it as a block mapping to append to it")
    existing = {key.value for key, _ in mapping.value if isinstance(key, ScalarNode)}
    clash = sorted(set(entries) & existing)
    if clash:
        raise EditError(f"{_dotted(pointer)} already records {', '.join(clash)}")
    pairs = mapping.value
    if after is not None:
        index = next((i for i, (key, _) in enumerate(pairs) if isinstance(key, ScalarNode) and key.value == after), None)
        if index is None:
            raise EditError(f"no {after!r} in {_dotted(pointer)}")
        pairs = pairs[: index + 1]
    indent = mapping.value[0][0].start_mark.column
    insert_at = _last_line(pairs[-1]) + 1
    lines = text.splitlines(keepends=True)
    newline = _line_break(text)
    if insert_at > len(lines) - 1 and lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline  # the file ended without a line break; the inserted lines need one before them
    rendered = [" " * indent + line + newline for line in render(entries).splitlines()]
    return "".join(lines[:insert_at] + rendered + lines[insert_at:])


def render(entries: Mapping[str, Any]) -> str:
    """Block YAML for new keys, as ruamel writes it, with Flow values on one line."""
    yaml = YAML(typ="rt")
    yaml.version = None
    yaml.width = 4096  # a reason or a URI stays on its line
    yaml.indent(mapping=2, sequence=4, offset=2)
    # Tagged as the timestamp it looks like, so the emitter may leave it plain; every ftgov
    # reader takes it back as the string written (YAML 1.2 core schema).
    yaml.representer.add_representer(Time, lambda representer, data: representer.represent_scalar(_TIMESTAMP, str(data)))
    stream = io.StringIO()
    yaml.dump(_commented(entries), stream)
    rendered = stream.getvalue()
    # Written raw, these make the register unreadable (FTG010), and a line separator would be
    # split by the line-based insert, changing the value: refuse rather than write either.
    hidden = HIDDEN_CHARACTERS.search(rendered)
    if hidden is not None:
        character = hidden.group()[0]
        raise EditError(f"a value holds U+{ord(character):04X}, invisible in a diff, which a register never holds; remove it")
    return rendered


def _commented(value: Any, *, flow: bool = False) -> Any:
    if isinstance(value, Flow):
        inner = _commented(value.value, flow=True)
        inner.fa.set_flow_style()
        return inner
    if isinstance(value, Mapping):
        out = CommentedMap()
        for key, inner_value in value.items():
            out[_commented(key, flow=flow)] = _commented(inner_value, flow=flow)
        return out
    if isinstance(value, (list, tuple)):
        return CommentedSeq(_commented(item, flow=flow) for item in value)
    if flow and isinstance(value, str) and (value.startswith(("?", ":")) or ":?" in value):
        # ruamel writes these plain inside {...} and [...], where libyaml (ftgov's loader) cannot read them
        return SingleQuotedScalarString(value)
    return value


def append_item(text: str, pointer: Pointer, item: Any) -> str:
    """Append `item` to the block sequence at `pointer`, as a new `- ...` line after its last item."""
    root = compose(text)
    sequence = node_at(root, pointer)
    if not isinstance(sequence, SequenceNode):
        raise EditError(f"{_dotted(pointer)} is not a list")
    if not sequence.value:
        return _first_item(text, root, pointer, sequence, item)
    if sequence.flow_style:
        line = sequence.start_mark.line + 1
        raise EditError(f"line {line}: {_dotted(pointer)} is written in flow style ([...]); write it as a block list to append to it")
    lines = text.splitlines(keepends=True)
    first = sequence.value[0].start_mark
    dash = lines[first.line].rfind("-", 0, first.column)
    if dash < 0:
        raise EditError(f"{_dotted(pointer)}: cannot find where its items start")
    insert_at = _last_line(sequence.value[-1]) + 1
    newline = _line_break(text)
    if insert_at > len(lines) - 1 and lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    return "".join(lines[:insert_at] + _item_lines(item, dash, newline) + lines[insert_at:])


def _item_lines(item: Any, dash: int, newline: str) -> list[str]:
    rendered = render({"item": [item]}).splitlines()[1:]  # "item:" then "  - ...": keep the list's lines
    shift = len(rendered[0]) - len(rendered[0].lstrip(" "))
    return [" " * dash + line[shift:] + newline for line in rendered]


def _first_item(text: str, root: Node, pointer: Pointer, sequence: SequenceNode, item: Any) -> str:
    """`key: []` becomes `key:` and a block list holding `item`; a comment after the `[]` stays on the key's line."""
    parent = node_at(root, pointer[:-1]) if pointer else None
    key = next((k for k, v in parent.value if v is sequence), None) if isinstance(parent, MappingNode) and not parent.flow_style else None
    if key is None or key.start_mark.line != sequence.start_mark.line or sequence.end_mark.line != sequence.start_mark.line:
        raise EditError(
            f"line {sequence.start_mark.line + 1}: {_dotted(pointer)} is an empty list not written as `key: []`; cannot append to it"
        )
    lines = text.splitlines(keepends=True)
    line = lines[sequence.start_mark.line]
    comment = line[sequence.end_mark.column :].rstrip("\r\n")
    newline = _line_break(text)
    key_line = line[: sequence.start_mark.column].rstrip(" ") + comment + newline
    new_lines = _item_lines(item, key.start_mark.column + 2, newline)
    at = sequence.start_mark.line
    return "".join([*lines[:at], key_line, *new_lines, *lines[at + 1 :]])
