"""YAML 1.2 as ruamel.yaml reads it, round trip: the loader's fallback for what PyYAML reads differently, and the slow path of positions."""

from __future__ import annotations

import functools
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.reader import ReaderError

from ftgov.documents.findings import Finding
from ftgov.documents.rules import document as R


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that keeps dates and timestamps as the strings written.

    A subclass per module, not a patch of ruamel's class: ruamel keeps constructors in
    class-level tables, and changing RoundTripConstructor itself would leak into every
    other user of ruamel in the process.
    """


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)


def _new_yaml() -> YAML:
    loader = YAML(typ="rt")
    loader.Constructor = _Constructor
    loader.version = (1, 2)
    loader.allow_duplicate_keys = False
    return loader


def load_round_trip(text: str, path: str) -> Any | Finding:
    """Parse with a fresh round-trip loader; parse failures become findings."""
    try:
        return _new_yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        rule = R.DUPLICATE_KEY if "duplicate key" in str(exc.problem) else R.SYNTAX
        return rule.at_line(path, line, column, f"YAML error: {exc.problem}")
    except ReaderError as exc:
        return R.SYNTAX.at_line(path, 1, 1, f"character {exc.character!r} is not allowed in YAML; remove it")
    except RecursionError:
        return R.TOO_DEEP.at_line(path, 1, 1, "nesting is too deep to read")


def plain(node: Any) -> Any:
    """Round-trip values as plain dicts, lists, str, int, float, bool and None.

    Keys become strings, as in JSON; two keys that become the same string (1 and "1")
    are a duplicate, and a key that is not a scalar is refused.
    """
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if isinstance(key, (dict, list, tuple)):
                raise ValueError("mapping keys must be plain scalars")
            name = str(plain(key))
            if name in out:
                raise ValueError(f'duplicate key "{name}"; a second value would silently replace the first')
            out[name] = plain(value)
        return out
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return str(node)


@functools.lru_cache(maxsize=4096)
def scalar_value(text: str) -> Any:
    """What ruamel (YAML 1.2) makes of one plain scalar, read as a mapping value.

    A plain scalar's meaning depends on its text alone, but "..." alone on a line would end
    a document: as the value of a key it is read exactly as inside any document.
    """
    return plain(_new_yaml().load(f"v: {text}\n"))["v"]
