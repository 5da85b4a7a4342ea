"""FTG2xx: the objective is complete in substance, not just in shape (AG-341 4.1, test 8.1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ftgov.document import Document
from ftgov.findings import Finding, Pointer, Rule, Severity, dotted
from ftgov.policy import Policy

PLACEHOLDER = Rule(
    "FTG201",
    "placeholder-text",
    Severity.ERROR,
    """
A required statement is empty or placeholder text (TODO, TBD, n/a, -, lorem ipsum).

Why this matters: AG-341 test 8.1 checks that the objective is complete before
training. A template with `rationale: TODO` passes a schema but documents nothing, and
the question an auditor or regulator asks later ("what did this fine-tune intend?")
stays unanswerable (docs/why.md#undocumented-fine-tunes).

Example:
    hypothesis: TBD
    expected_gains: []

Fix: write the statement. If a list such as accepted_tradeoffs really is empty, say
so in a sentence (e.g. capability: none, description: why nothing may degrade).
""",
)

TOO_SHORT = Rule(
    "FTG202",
    "statement-too-short",
    Severity.ERROR,
    """
The rationale or hypothesis is too short to state a reason (fewer than 5 words).

Why this matters: "better tone" is a wish, not a rationale; reviewers and auditors need
the business reason and the expected mechanism to judge the objective later.

Example: `rationale: improve tone`

Fix: say why the fine-tune is needed (who asked, what it costs today) and which
behaviour the data should change and why.
""",
)

RULES = (PLACEHOLDER, TOO_SHORT)

_PLACEHOLDER_VALUES = {
    "",
    "-",
    "--",
    "---",
    "n/a",
    "na",
    "n.a.",
    "tbd",
    "tba",
    "todo",
    "fixme",
    "?",
    "??",
    "...",
    "xxx",
    "placeholder",
    "lorem ipsum",
    "<tbd>",
    "<todo>",
}
_PLACEHOLDER_WORDS = re.compile(r"\b(?:TODO|TBD|FIXME|XXX)\b|lorem ipsum|<fill[^>]*>|\[insert[^\]]*\]", re.IGNORECASE)

# Free-text fields of AG-341 4.1 (and the data and assessment statements that back them).
_TEXT_FIELDS: tuple[Pointer, ...] = (
    ("rationale",),
    ("hypothesis",),
    ("expected_gains", "*"),
    ("accepted_tradeoffs", "*", "capability"),
    ("accepted_tradeoffs", "*", "description"),
    ("success_criteria", "*", "description"),
    ("regression_boundaries", "*", "capability"),
    ("dataset", "summary"),
    ("dataset", "validation", "distribution"),
    ("dataset", "preparation", "*"),
    ("dataset", "sources", "*", "rights", "reference"),
    ("configuration_plan", "compute_budget"),
    ("rollback", "to"),
    ("rollback", "criteria", "*"),
    ("assessments", "*", "summary"),
    ("assessments", "*", "reference"),
)
# Empty success_criteria / regression_boundaries have their own codes (FTG301, FTG302).
_REQUIRED_LISTS = ("expected_gains", "accepted_tradeoffs")
_MIN_WORDS = 5


def _expand(data: Any, pattern: Pointer, prefix: Pointer = ()) -> Iterator[tuple[Pointer, Any]]:
    if not pattern:
        yield prefix, data
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if isinstance(data, list):
            for i, item in enumerate(data):
                yield from _expand(item, rest, (*prefix, i))
        elif isinstance(data, dict):
            for key, item in data.items():
                yield from _expand(item, rest, (*prefix, key))
    elif isinstance(data, dict) and head in data:
        yield from _expand(data[head], rest, (*prefix, head))


def is_placeholder(value: str) -> bool:
    stripped = value.strip()
    return stripped.lower() in _PLACEHOLDER_VALUES or bool(_PLACEHOLDER_WORDS.search(stripped))


def check(doc: Document, policy: Policy | None) -> Iterator[Finding]:
    data = doc.data
    for pattern in _TEXT_FIELDS:
        for pointer, value in _expand(data, pattern):
            if isinstance(value, str) and is_placeholder(value):
                shown = value.strip() or "empty"
                yield PLACEHOLDER.at(doc.path, pointer, f"{dotted(pointer)} is placeholder text ({shown!r}); state it")
            elif value is None:
                yield PLACEHOLDER.at(doc.path, pointer, f"{dotted(pointer)} is empty; state it")
    for name in _REQUIRED_LISTS:
        if isinstance(data.get(name), list) and not data[name]:
            yield PLACEHOLDER.at(doc.path, (name,), f"{name} is an empty list; AG-341 4.1 requires it to be stated")
    for name in ("rationale", "hypothesis"):
        value = data.get(name)
        if isinstance(value, str) and not is_placeholder(value) and len(value.split()) < _MIN_WORDS:
            yield TOO_SHORT.at(doc.path, (name,), f"{name} has {len(value.split())} words; explain it in at least {_MIN_WORDS}")
    rollback = data.get("rollback")
    if isinstance(rollback, dict) and rollback.get("criteria") == []:
        yield PLACEHOLDER.at(doc.path, ("rollback", "criteria"), "rollback.criteria is an empty list; state when to roll back")
