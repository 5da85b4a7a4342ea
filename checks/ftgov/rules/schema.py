"""FTG1xx: the document does not match its JSON Schema (policies/*.schema.json)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from ftgov.findings import Finding, Pointer, Rule, Severity, dotted

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
        else:
            if error.validator in ("anyOf", "oneOf") and error.context:
                error = best_match(error.context)
            message = error.message
            expects_string = error.validator == "type" and error.validator_value == "string"
            if expects_string and isinstance(error.instance, (int, float)):
                message += "; quote the value if it is meant as text"
            yield INVALID_VALUE.at(path, pointer, f"{dotted(pointer)}: {message}")
