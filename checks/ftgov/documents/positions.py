"""The slow path: ruamel.yaml round-trip parsing, for line and column of every node."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ftgov.documents.findings import Finding, Pointer
from ftgov.documents.loader import compose_for_positions, plain_key
from ftgov.documents.roundtrip import load_round_trip
from ftgov.documents.rules import document as R

Place = tuple[int, int]


class _Step(NamedTuple):
    """One step down a document: where the key and the value start, and the child."""

    key: Place
    value: Place
    child: Any
    collection: bool


class _Index:
    """Answers 'where in the file is this pointer?'; subclasses read one kind of node tree."""

    def __init__(self, root: Any) -> None:
        self._root = root

    def _first_key(self) -> Place:
        raise NotImplementedError

    def _step(self, node: Any, part: str | int) -> _Step | None:
        raise NotImplementedError

    def locate(self, pointer: Pointer, *, at_key: bool = False) -> Place:
        """1-based (line, column) of the value at pointer, or of its key when at_key.

        A pointer that runs past what exists (a missing field) lands on the deepest
        node that does exist, which is where the user has to add it. A step into a
        mapping or sequence that is not the last lands on its key, the line a reader
        looks for. An empty value (`key:` with nothing after it) has no text of its
        own: parsers place it at the next token, which ruamel puts lines below and
        libyaml just after the colon, so both indexes place it at its key.
        """
        position = self._first_key()
        node = self._root
        for depth, part in enumerate(pointer):
            last = depth == len(pointer) - 1
            step = self._step(node, part)
            if step is None:
                return position
            position = step.key if (at_key and last) or (step.collection and not last) else step.value
            node = step.child
        return position


# What an explicit null looks like where ruamel places a None value; anything else there is the next token.
_EXPLICIT_NULL = re.compile(r"(?:~|null|Null|NULL)(?=[ \t,\]}#]|$)")
# The line breaks ruamel counts lines by.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


class PositionIndex(_Index):
    """Positions from ruamel's round-trip parse (the authority).

    ruamel keeps no node for a null value, so the text tells an empty value from `~` or `null`.
    """

    def __init__(self, root: Any, text: str) -> None:
        super().__init__(root)
        self._text = text
        self._lines: list[str] | None = None

    def _written_null(self, line: int, column: int) -> bool:
        """Whether `~` or `null` is written at this 0-based place, rather than nothing."""
        if self._lines is None:
            self._lines = _LINE_BREAK.split(self._text)
        return line < len(self._lines) and _EXPLICIT_NULL.match(self._lines[line], column) is not None

    def _first_key(self) -> Place:
        root = self._root
        if isinstance(root, CommentedMap) and root:
            # Comments before the first key would put the root mapping above it.
            line, column = root.lc.key(next(iter(root)))
            return line + 1, column + 1
        if isinstance(root, CommentedSeq):
            return root.lc.line + 1, root.lc.col + 1
        return 1, 1

    def _step(self, node: Any, part: str | int) -> _Step | None:
        if isinstance(node, CommentedMap):
            key = _match_key(node, part)
            if key is None:
                return None
            (key_line, key_col), (line, col) = node.lc.key(key), node.lc.value(key)
            child = node[key]
            at_key = (key_line + 1, key_col + 1)
            empty = child is None and not self._written_null(line, col)
            return _Step(at_key, at_key if empty else (line + 1, col + 1), child, isinstance(child, (CommentedMap, CommentedSeq)))
        if isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line, col = node.lc.item(part)
            return _Step((line + 1, col + 1), (line + 1, col + 1), node[part], False)
        return None


def _match_key(mapping: CommentedMap, part: str | int) -> Any:
    if part in mapping:
        return part
    for key in mapping:
        if str(key) == str(part):
            return key
    return None


def index_for(text: str, path: str) -> PositionIndex | NodePositionIndex | Finding:
    if len(text) > LARGE_TEXT:
        return node_index_for(text, path)
    root = load_round_trip(text, path)
    if isinstance(root, Finding):
        return root
    return PositionIndex(root, text)


class NodePositionIndex(_Index):
    """The same answers as PositionIndex, from libyaml's composed nodes.

    Used for large files, where a round-trip parse would take seconds: libyaml marks the
    start of every key and value just as ruamel does (a test compares the two on every
    pointer of every document in the repository and its fixtures).
    """

    @staticmethod
    def _at(node: Any) -> Place:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def _first_key(self) -> Place:
        import yaml

        root = self._root
        if isinstance(root, yaml.MappingNode) and root.value:
            return self._at(root.value[0][0])
        if isinstance(root, yaml.SequenceNode):
            return self._at(root)
        return 1, 1

    def _step(self, node: Any, part: str | int) -> _Step | None:
        import yaml

        if isinstance(node, yaml.MappingNode):
            pair = next((p for p in node.value if isinstance(p[0], yaml.ScalarNode) and _key_text(p[0]) == str(part)), None)
            if pair is None:
                return None
            key, value = pair
            # An empty plain scalar is the empty value; libyaml marks it just after the colon.
            empty = isinstance(value, yaml.ScalarNode) and value.value == "" and not value.style
            place = self._at(value if not empty else key)
            return _Step(self._at(key), place, value, isinstance(value, (yaml.MappingNode, yaml.SequenceNode)))
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            item = node.value[part]
            return _Step(self._at(item), self._at(item), item, False)
        return None


def _key_text(node: Any) -> str:
    """A key as the loader names it: plain keys resolved (true -> True), quoted keys as written."""
    return plain_key(node)


# Above this size a round-trip parse costs over a second; libyaml's marks answer in milliseconds.
LARGE_TEXT = 64 * 1024


def node_index_for(text: str, path: str) -> NodePositionIndex | Finding:
    import yaml

    try:
        return NodePositionIndex(compose_for_positions(text))
    except yaml.YAMLError:
        return R.SYNTAX.at_line(path, 1, 1, "YAML syntax error")
