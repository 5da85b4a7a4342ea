"""How old a signed statement may be: the push model's answer goes stale, so every verifier bounds it.

A statement signed yesterday says the objective was approved yesterday; a withdrawal since
then is invisible offline. `--max-age` (default 7 days) bounds that window, and the signing
workflow re-signs on a schedule so a live approval never ages out.
"""

from __future__ import annotations

import datetime as dt
import re

from ftgov.documents import times
from ftgov.documents.errors import InputError

DEFAULT_MAX_AGE = "7d"
# Clocks of the signer and the launcher disagree a little; more than this is a statement from the future.
CLOCK_SKEW = dt.timedelta(minutes=5)

_DURATION = re.compile(r"(\d+)([wdhms])")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_duration(value: str, what: str = "--max-age") -> dt.timedelta:
    """`7d`, `12h`, `1w2d`, `90m`; anything else, or zero, is an InputError naming `what`."""
    text = value.strip().lower()
    parts = _DURATION.findall(text)
    if not text or not parts or "".join(n + u for n, u in parts) != text:
        raise InputError(f"{what} {value!r}: give a duration such as 7d, 12h, 90m or 1w2d")
    total = dt.timedelta()
    try:
        for number, unit in parts:
            total += dt.timedelta(**{_UNITS[unit]: int(number)})
    except OverflowError:
        raise InputError(f"{what} {value!r}: too long a duration") from None
    if total <= dt.timedelta():
        raise InputError(f"{what} {value!r}: must be longer than zero")
    return total


def age_reason(signed_at: dt.datetime | None, now: dt.datetime, max_age: dt.timedelta, what: str) -> str | None:
    """Why a statement signed at `signed_at` is not current at `now`, or None when it is."""
    if signed_at is None:
        return f"{what} carries no signing time, so its age cannot be bounded"
    if signed_at - now > CLOCK_SKEW:
        return f"{what} was signed at {times.iso(signed_at)}, after now ({times.iso(now)}): the signer's clock or the statement is wrong"
    if now - signed_at > max_age:
        return f"{what} was signed at {times.iso(signed_at)}, more than {_words(max_age)} ago; fetch the latest bundle"
    return None


def _words(span: dt.timedelta) -> str:
    seconds = int(span.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"
