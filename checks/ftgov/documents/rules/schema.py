"""FTG1xx: the document does not match its JSON Schema (policies/*.schema.json)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from ftgov.documents.findings import Finding, Pointer, Rule, Severity, dotted

E = Severity.ERROR

UNKNOWN_KEY = Rule(
    "FTG101",
    "unknown-key",
    E,
    """
The document has a field its schema does not define.

Why this matters: a misspelt field is silently ignored by every consumer, so a
boundary written as `max_dorp: 0.01` protects nothing while looking reviewed.

Example:
    regression_boundaries:
      - id: structured-finance
        max_dorp: 0.01

Fix: correct the spelling (the message suggests the nearest known field) or remove
the field. The schema in policies/ lists every field with its description.
""",
)

MISSING_FIELD = Rule(
    "FTG102",
    "missing-field",
    E,
    """
A field the schema requires is missing.

Why this matters: AG-341 4.1 requires every objective to state its rationale,
hypothesis, gains, trade-offs, success criteria, regression boundaries, data,
configuration plan and rollback conditions before training starts.

Example: an objective without `rollback:`.

Fix: add the field named in the message at the place given; its description is in
the message and in policies/objective.schema.json.
""",
)

INVALID_VALUE = Rule(
    "FTG103",
    "invalid-value",
    E,
    """
A field has a value of the wrong type, outside its allowed set, or not matching its pattern.

Why this matters: a value the checks cannot interpret cannot be enforced; `max_drop: "1%"`
is a string, not a threshold.

Example: `risk_tier: critical` (allowed: low, medium, high).

Fix: use a value of the kind the message names. Values that must stay strings (a git
revision like 1e10, a version like 3.10) need quotes.
""",
)

RULES = (UNKNOWN_KEY, MISSING_FIELD, INVALID_VALUE)


def _pointer(error: ValidationError) -> Pointer:
    return tuple(p if isinstance(p, int) else str(p) for p in error.absolute_path)


def _describe(schema: Any, name: str) -> str:
    prop = schema.get("properties", {}).get(name, {}) if isinstance(schema, dict) else {}
    description = prop.get("description") if isinstance(prop, dict) else None
    return f" ({description})" if description else ""


def findings_for(path: str, data: Any, validator: Draft202012Validator) -> Iterator[Finding]:
    """Every schema error, each placed on the key or value that causes it."""
    for error in validator.iter_errors(data):
        pointer = _pointer(error)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = list(error.schema.get("properties", {}))
            for key in sorted(set(error.instance) - set(known)):
                hint = difflib.get_close_matches(key, known, n=1)
                suggestion = f"; did you mean '{hint[0]}'?" if hint else f"; allowed: {', '.join(known)}"
                yield UNKNOWN_KEY.at(path, (*pointer, key), f"unknown field '{dotted((*pointer, key))}'{suggestion}", at_key=True)
        elif error.validator == "required" and isinstance(error.instance, dict):
            for name in error.validator_value:
                if name not in error.instance:
                    where = f" in '{dotted(pointer)}'" if pointer else ""
                    yield MISSING_FIELD.at(
                        path,
                        pointer,
                        f"missing required field '{name}'{where}{_describe(error.schema, name)}",
                        at_key=True,
                    )
        elif "propertyNames" in error.schema_path and isinstance(error.instance, str):
            # jsonschema reports a bad key at its mapping; the key itself is what to fix.
            rule = f"must match the pattern {error.validator_value}" if error.validator == "pattern" else error.message
            message = f"{dotted(pointer)}: the name {error.instance!r} is not allowed; names {rule}"
            yield INVALID_VALUE.at(path, (*pointer, error.instance), message, at_key=True)
        else:
            if error.validator in ("anyOf", "oneOf") and error.context:
                error = best_match(error.context)
            # An empty value has no text of its own to point at (YAML places it at the next
            # token, often the following line), so the finding points at its key.
            empty = error.instance is None and bool(pointer) and isinstance(pointer[-1], str)
            yield INVALID_VALUE.at(path, pointer, _invalid_message(dotted(pointer), error), at_key=empty)


_TYPE_NAMES = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "empty",
}
_BOUNDS = {
    "minimum": "at least",
    "exclusiveMinimum": "greater than",
    "maximum": "at most",
    "exclusiveMaximum": "less than",
}
_SHOWN_CHARS = 60


def _shown(value: Any) -> str:
    """A value as the user wrote it in YAML, shortened when long."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    shown = repr(value)
    return shown if len(shown) <= _SHOWN_CHARS else shown[: _SHOWN_CHARS - 3] + "..."


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    return "a number" if isinstance(value, float) else "text"


# The schemas' RFC 3339 time pattern ends in this zone group; a regex is no message for a person.
_ZONE_SUFFIX = "(?:[Zz]|[+-][0-9]{2}:[0-9]{2})$"
_ZONELESS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?")
_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _time_message(field: str, found: str) -> str:
    value = found.strip()
    if _ZONELESS.fullmatch(value):
        return f"{field}: {value} has no time zone; add Z or an offset such as +01:00"
    if _DATE_ONLY.fullmatch(value):
        return f"{field}: {value} is a date without a time; write a time with a time zone, e.g. {value}T09:00:00Z"
    return f"{field} is {_shown(found)}; expected an RFC 3339 time with a time zone, e.g. 2026-03-02T10:04:11Z"


def _invalid_message(field: str, error: ValidationError) -> str:
    """jsonschema's message as a sentence: the field, the value found, what is expected."""
    found, expected = error.instance, error.validator_value
    if error.validator in _BOUNDS:
        return f"{field} is {_shown(found)}; it must be {_BOUNDS[str(error.validator)]} {_shown(expected)}"
    if error.validator == "const":
        return f"{field} is {_shown(found)}; expected {_shown(expected)}"
    if error.validator == "enum" and isinstance(expected, list):
        return f"{field} is {_shown(found)}; expected one of: {', '.join(_shown(v) for v in expected)}"
    if error.validator == "type":
        wanted = expected if isinstance(expected, list) else [expected]
        names = " or ".join(_TYPE_NAMES.get(str(w), str(w)) for w in wanted)
        described = found is None or isinstance(found, (dict, list))  # "empty", "a mapping": the kind is said
        message = f"{field} is {_shown(found)}" + ("" if described else f" ({_kind_of(found)})") + f"; expected {names}"
        if "string" in wanted and isinstance(found, (int, float)):
            message += "; quote the value if it is meant as text"
        return message
    if error.validator == "pattern" and isinstance(found, str) and _ZONE_SUFFIX in str(expected):
        return _time_message(field, found)
    if error.validator == "pattern":
        description = error.schema.get("description") if isinstance(error.schema, dict) else None
        said = f"{description.rstrip('.')}; " if isinstance(description, str) else ""
        return f"{field} is {_shown(found)}; {said}it must match the pattern {expected}"
    if error.validator in ("minLength", "minItems") and expected == 1:
        return f"{field} is empty; it must not be"
    return f"{field}: {error.message}"
