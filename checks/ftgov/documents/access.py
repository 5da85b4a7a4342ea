"""Defensive reads of document values (mapping, sequence, text, times).

Rules, commands and the gate run even on documents with schema errors, so never trust a type.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ftgov.documents import times


def mapping(value: Any, key: str) -> dict[str, Any]:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, dict) else {}


def sequence(value: Any, key: str) -> list[Any]:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, list) else []


def number(value: Any, key: str) -> float | None:
    found = value.get(key) if isinstance(value, dict) else None
    if isinstance(found, bool) or not isinstance(found, (int, float)):
        return None
    try:
        return float(found)
    except OverflowError:  # an integer beyond any float: out of every sane range
        return float("inf") if found > 0 else float("-inf")


def text(value: Any, key: str) -> str | None:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


def zoned_time(value: Any) -> dt.datetime | None:
    """An ISO 8601 time with a zone, or None (no zone, not a time: the schema reports those); ftgov.times reads it."""
    return times.zoned(value)
