"""A register round as its readers use it: the recorded values with the round's `corrections` applied.

A decided round is sealed and every round is append-only, so a mistyped value is never
edited: `ftgov correct` appends `{field, was, value, reason, at}` to the round's
`corrections`, and everything that reads a round (the register rules' timeline, `evaluate`,
`register show`, the gate) reads it through `corrected`. Later corrections of the same field
win, so a correction of a correction is one more entry.

Pure data, no ftgov imports: the rules, the commands and the gate all import it.
"""

from __future__ import annotations

import copy
from typing import Any

# The fields a correction may change, and the kind of value each holds. Pins (sha256s, the
# report, evidence), the status, the verdict and the measured values are not here: they are
# checked against files or the status machine, and a wrong one is a new record, not a typo.
CORRECTABLE: dict[str, str] = {
    "approval.pull_request": "pull_request",
    "approval.merged_at": "time",
    "approval.commit": "commit",
    "run.started_at": "time",
    "run.finished_at": "time",
    "run.checkpoint": "text",
    "evaluation.evaluated_at": "time",
    "decision.by": "login",
    "decision.at": "time",
    "decision.reason": "text",
    "withdrawal.by": "login",
    "withdrawal.at": "time",
    "withdrawal.reason": "text",
}


def corrections(entry: Any) -> list[tuple[int, str, Any]]:
    """(index in `corrections`, field, value) of each well-formed correction of a correctable field, in order."""
    found = entry.get("corrections") if isinstance(entry, dict) else None
    out: list[tuple[int, str, Any]] = []
    for k, item in enumerate(found if isinstance(found, list) else []):
        if isinstance(item, dict) and isinstance(item.get("field"), str) and item["field"] in CORRECTABLE and "value" in item:
            out.append((k, item["field"], item["value"]))
    return out


def corrected(entry: dict[str, Any]) -> dict[str, Any]:
    """The round with its corrections applied (the last correction of a field wins); `entry` itself is not changed.

    A correction of a field the round does not record changes nothing: a correction fixes a
    value, it never adds one.
    """
    applied = corrections(entry)
    if not applied:
        return entry
    out = copy.deepcopy(entry)
    for _, field, value in applied:
        section, key = field.split(".", 1)
        holder = out.get(section)
        if isinstance(holder, dict) and key in holder:
            holder[key] = value
    return out


def last_correction(entry: Any, field: str) -> int | None:
    """The index in `corrections` of the correction that sets `field`, or None: where a finding about it points."""
    found = [k for k, name, _ in corrections(entry) if name == field]
    return found[-1] if found else None
