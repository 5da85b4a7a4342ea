"""Which criterion statuses fail a verdict: one rule for `evaluate`, the register's check of a pinned report and the renderers.

Kept apart from compare.py so that `ftgov check` can apply it without loading the statistics.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def blocks(status: str, safety: bool, inconclusive: str) -> bool:
    """fail and missing always block; inconclusive blocks under `inconclusive: block`, and on a safety boundary always."""
    return status in ("fail", "missing") or (status == "inconclusive" and (safety or inconclusive == "block"))


def blocking_criteria(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The criteria of a report (as evaluate writes it) that fail its verdict."""
    method = report.get("method")
    mode = method.get("inconclusive", "block") if isinstance(method, Mapping) else "block"
    criteria = report.get("criteria")
    return [
        c
        for c in (criteria if isinstance(criteria, list) else [])
        if isinstance(c, Mapping) and blocks(str(c.get("status")), c.get("safety") is True, str(mode))
    ]
