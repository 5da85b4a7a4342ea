"""JSON Schemas from policies/: the authoritative 2020-12 validator, and a fast yes/no gate.

jsonschema (Draft 2020-12) is the authority and produces every finding. For large
runs, a fastjsonschema-compiled function first answers "is this document valid?" at
about a tenth of the cost; only documents it rejects go to jsonschema. fastjsonschema
implements drafts 4-7, so it is used only when every keyword in the schema means the
same in draft 7 and 2020-12 (no format, no unevaluated*, prefixItems, dependent*).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from ftgov.documents.errors import InputError
from ftgov.documents.paths import schema_path

# Keywords whose meaning is identical in draft 7 and 2020-12 (annotations included).
_SAME_IN_DRAFT7 = frozenset(
    {
        "$schema",
        "$id",
        "$ref",
        "$defs",
        "$comment",
        "title",
        "description",
        "examples",
        "default",
        "type",
        "enum",
        "const",
        "properties",
        "additionalProperties",
        "required",
        "items",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minProperties",
        "maxProperties",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",  # draft 7 introduced if/then/else with the meaning 2020-12 kept (the register schema uses them)
        "then",
        "else",
    }
)
_NAMED_CHILDREN = frozenset({"properties", "$defs", "patternProperties"})

Gate = Callable[[Any], bool]


@dataclass(frozen=True)
class Schema:
    validator: Draft202012Validator
    document: dict[str, Any]

    def fast_gate(self) -> Gate | None:
        """A compiled validity check equivalent to the validator, or None if none is safe."""
        if not _keywords(self.document) <= _SAME_IN_DRAFT7:
            return None
        try:
            import fastjsonschema
        except ImportError:  # optional speed-up; correctness never depends on it
            return None
        compiled = fastjsonschema.compile(self.document, use_default=False)

        def gate(instance: Any) -> bool:
            try:
                compiled(instance)
            except fastjsonschema.JsonSchemaException:
                return False
            return True

        return gate


def _keywords(node: Any, named: bool = False) -> set[str]:
    """Every keyword used anywhere in a schema (property names are not keywords)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if not named:
                found.add(key)
            if key in ("enum", "const", "required", "examples", "default"):
                continue
            found |= _keywords(value, named=not named and key in _NAMED_CHILDREN)
    elif isinstance(node, list):
        for item in node:
            found |= _keywords(item)
    return found


def load_schema(file: Path) -> Schema:
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise InputError(f"{file}: cannot read schema: {exc.strerror or exc}") from exc
    return schema_from_bytes(raw, str(file))


def schema_from_bytes(raw: bytes, label: str) -> Schema:
    try:
        document = json.loads(raw.decode("utf-8"))
        Draft202012Validator.check_schema(document)
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: schema is not UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{label}:{exc.lineno}:{exc.colno}: schema is not valid JSON: {exc.msg}") from exc
    except SchemaError as exc:
        raise InputError(f"{label}: not a valid JSON Schema 2020-12: {exc.message}") from exc
    if not isinstance(document, dict):
        raise InputError(f"{label}: a schema must be a JSON object")
    return Schema(Draft202012Validator(document, format_checker=Draft202012Validator.FORMAT_CHECKER), document)


def packaged_schema(name: str) -> bytes | None:
    """The schema this ftgov was released with (wheel), or the checkout's (editable install)."""
    file = packaged_schema_file(name)
    return file.read_bytes() if file is not None else None


def packaged_schema_file(name: str) -> Path | None:
    """Where the schema this ftgov was released with lies: ftgov/schemas/ in a wheel, policies/ in a checkout."""
    from importlib import resources

    bundled = resources.files("ftgov").joinpath("schemas", f"{name}.schema.json")
    # pip installs wheels unpacked, so the resource is a file on disk.
    if isinstance(bundled, Path) and bundled.is_file():
        return bundled
    source = Path(__file__).resolve().parents[3] / schema_path(name)
    return source if source.is_file() else None
