"""One reading of a zoned time for every time option and recorded field.

Options (`--started-at`, `--finished-at`, `--at`, `--evaluated-at`, correction values) take
any ISO 8601 time with a time zone (`2026-11-22T09:30:00Z`, `2026-11-22T09:30+01:00`);
what is recorded is written back in one form, UTC with seconds (`iso`), which is the
RFC 3339 shape the register schema checks. A time without a zone is refused: the same
digits name different moments on a laptop and on a cluster.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ftgov.documents.errors import InputError

EXAMPLE = "2026-11-22T09:30:00Z"


class TimeError(InputError, ValueError):
    """A time option that is not an ISO 8601 time with a zone; the message is one sentence."""


def zoned(value: Any) -> dt.datetime | None:
    """An ISO 8601 time with a zone, or None (not a string, not a time, no zone: the schema reports those)."""
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def parse_zoned(value: str, what: str) -> dt.datetime:
    """`value` as an aware time, or TimeError naming `what` (an option, a field) and the fix."""
    moment = zoned(value)
    if moment is not None:
        return moment
    try:
        dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise TimeError(f"{what} {value!r} is not an ISO 8601 time; give one with a time zone, e.g. {EXAMPLE}") from None
    raise TimeError(f"{what} {value!r} has no time zone; add Z or an offset such as +01:00 (e.g. {EXAMPLE})")


def iso(moment: dt.datetime) -> str:
    """The one recorded form: UTC, `Z`."""
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
