"""FTG2xx: the objective is complete in substance, not just in shape (AG-341 4.1, test 8.1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ftgov.documents.document import Document
from ftgov.documents.findings import Finding, Pointer, Rule, Severity, dotted
from ftgov.documents.policy import Policy

PLACEHOLDER = Rule(
    "FTG201",
    "placeholder-text",
    Severity.ERROR,
    """
A statement is empty or placeholder text (TODO, TBD, n/a, -, lorem ipsum), or a data
source states 0 records. Every string of the objective counts, metric names included;
only ids and the header (apiVersion, kind) are left to the schema.

Why this matters: AG-341 test 8.1 checks that the objective is complete before
training. A template with `rationale: TODO` passes a schema but documents nothing, and
the question an auditor or regulator asks later ("what did this fine-tune intend?")
stays unanswerable (docs/why.md#undocumented-fine-tunes).

Example:
    hypothesis: TBD
    expected_gains: []
    metric: {suite: TODO, task: TBD, name: n/a}
    sources: [{name: claims, records: 0, split: train, rights: {status: cleared}}]

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
# Identifiers and the document header are checked by the schema; "todo-criterion" is a
# legitimate (if odd) id, while every other string -- metric names included -- is a statement.
_NOT_STATEMENTS = frozenset({"apiVersion", "kind", "id"})
# A source or holdout of zero records documents no data: the scaffold writes 0 until filled.
_RECORD_COUNTS: tuple[Pointer, ...] = (("dataset", "sources", "*", "records"), ("dataset", "validation", "records"))
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


def _strings(data: Any, prefix: Pointer = ()) -> Iterator[tuple[Pointer, str]]:
    """Every string value of the document with its pointer, except identifiers and the header."""
    if isinstance(data, dict):
        for key, item in data.items():
            if key not in _NOT_STATEMENTS:
                yield from _strings(item, (*prefix, key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _strings(item, (*prefix, i))
    elif isinstance(data, str):
        yield prefix, data


def is_placeholder(value: str) -> bool:
    stripped = value.strip()
    return stripped.lower() in _PLACEHOLDER_VALUES or bool(_PLACEHOLDER_WORDS.search(stripped))


def check(doc: Document, policy: Policy | None) -> Iterator[Finding]:
    data = doc.data
    for pointer, statement in _strings(data):
        if is_placeholder(statement):
            shown = statement.strip() or "empty"
            yield PLACEHOLDER.at(doc.path, pointer, f"{dotted(pointer)} is placeholder text ({shown!r}); state it")
    for pattern in _TEXT_FIELDS:
        for pointer, value in _expand(data, pattern):
            if value is None:
                yield PLACEHOLDER.at(doc.path, pointer, f"{dotted(pointer)} is empty; state it")
    for pattern in _RECORD_COUNTS:
        for pointer, count in _expand(data, pattern):
            if count == 0 and not isinstance(count, bool):
                yield PLACEHOLDER.at(doc.path, pointer, f"{dotted(pointer)} is 0; state how many records it holds")
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
