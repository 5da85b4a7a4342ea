"""`ftgov correct`: fix a mistyped recorded value by appending a correction, never by an edit.

A round only ever grows, and a decided round is sealed (`check --base`, FTG957): a wrong
`run.finished_at` cannot be edited away. The fix is one more record, appended to the round:

    corrections:
      - {field: run.finished_at, was: 2026-12-06T12:00:00Z, value: 2026-12-05T12:00:00Z, reason: ..., at: ...}

Every reader uses the corrected value (`ftgov.corrected`), `check --base` accepts appended
corrections anywhere, and the PR that adds one is reviewed like any register change. A
second correction of the same field corrects the first: its `was` is the first one's value.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from ftgov.documents.access import sequence
from ftgov.documents.corrected import CORRECTABLE, corrected
from ftgov.documents.errors import InputError
from ftgov.documents.repository import Repository
from ftgov.register import ops
from ftgov.register.yaml_append import Flow, Time, add_keys, append_item

_COMMIT = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


@dataclass(frozen=True)
class Correction:
    path: str
    file_text: str
    summary: str


def correct(
    repo: Repository, objective_id: str, field: str, value: str, reason: str, at: dt.datetime | None
) -> tuple[ops.LoadedRegister, Correction]:
    """The register with `{field, was, value, reason, at}` appended to the round's corrections, checked, not yet written."""
    if field not in CORRECTABLE:
        raise InputError(f"--field {field!r} cannot be corrected; one of {', '.join(CORRECTABLE)}")
    reason = " ".join(reason.split())
    if not reason:
        raise InputError("--reason is empty; say why the recorded value was wrong, in a sentence")
    new_value = parse_value(field, value)
    moment = at or ops.now()
    ops.refuse_future(moment, "--at")
    model = ops.model_of(repo, objective_id)
    register = ops.load_register(repo, model)
    policy = ops.load_policy(repo)
    index, entry = register.round_of(objective_id)
    section, key = field.split(".", 1)
    current = corrected(entry).get(section)
    if not isinstance(current, dict) or key not in current:
        raise InputError(f"{objective_id} records no {field}; a correction fixes a recorded value, it never adds one")
    was = current[key]
    if str(was) == str(new_value):
        raise InputError(f"{objective_id}'s {field} is already {was}; nothing to correct")
    record = {"field": field, "was": _as_written(field, was), "value": new_value, "reason": reason, "at": Time(ops.iso(moment))}
    existing = sequence(entry, "corrections")
    if "corrections" in entry:
        new_text = append_item(register.text, ops.round_pointer(index, "corrections"), Flow(record))
    else:
        new_text = add_keys(register.text, ops.round_pointer(index), {"corrections": [Flow(record)]})
    plain = {k: str(v) if isinstance(v, Time) else v for k, v in record.items()}
    ops.expect_change(register, new_text, index, {**entry, "corrections": [*existing, plain]})
    fresh = ops.new_findings(register, new_text, policy)
    if fresh:
        raise ops.PolicyRefusal(
            "\n".join(["the correction would leave the register failing `ftgov check`; nothing was written:", *ops.finding_lines(fresh)])
        )
    summary = f"{objective_id}: {field} {was} -> {new_value} ({reason})"
    return register, Correction(register.path, new_text, summary)


def parse_value(field: str, value: str) -> Any:
    """--value as the field's type, or an InputError saying what the field takes."""
    kind = CORRECTABLE[field]
    raw = value.strip()
    if kind == "time":
        moment = ops.parse_time(raw, f"--value for {field}")
        ops.refuse_future(moment, f"--value for {field}")
        return Time(ops.iso(moment))
    if kind == "pull_request":
        if not raw.isdigit() or int(raw) < 1:
            raise InputError(f"--value {value!r}: {field} is a pull request number (1, 2, ...)")
        return int(raw)
    if kind == "commit":
        if not _COMMIT.fullmatch(raw):
            raise InputError(f"--value {value!r}: {field} is a full commit id (40 or 64 lower-case hex digits)")
        return raw
    if kind == "login":
        if not ops.LOGIN.fullmatch(raw):
            raise InputError(f"--value {value!r}: {field} is a GitHub login")
        return raw
    text = " ".join(raw.split())
    if not text:
        raise InputError(f"--value is empty; {field} needs a value")
    return text


def _as_written(field: str, was: Any) -> Any:
    """The value being replaced, as the register holds it: a time stays an unquoted time."""
    if CORRECTABLE[field] == "time" and isinstance(was, str):
        return Time(was)
    return was
