"""What every verdict renderer shows the same way: numbers, thresholds, the blocking summary.

Renderers read the JSON report (`Evaluation.to_json()`), never the comparison's objects, so a
stored report renders exactly as the live one did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ftgov.documents.blocking import blocking_criteria

ORDER = ("fail", "missing", "inconclusive", "pass")  # what blocks first


def number(value: Any) -> str:
    if value is None:
        return "–"
    return f"{float(value):.4g}"


def signed(value: Any) -> str:
    if value is None:
        return "–"
    return f"{float(value):+.4g}"


def interval(ci: Any) -> str:
    if not isinstance(ci, Sequence) or len(ci) != 2:
        return "–"
    return f"[{signed(ci[0])}, {signed(ci[1])}]"


def threshold(criterion: Mapping[str, Any]) -> str:
    found = criterion.get("threshold")
    parts: list[str] = []
    if isinstance(found, Mapping):
        parts.extend(f"{name.replace('_', ' ')} {number(value)}" for name, value in found.items())
    if criterion.get("floor") is not None:
        parts.append(f"floor {number(criterion['floor'])}")
    return "; ".join(parts) or "–"


def origin(criterion: Mapping[str, Any], objective: str) -> str:
    own = criterion.get("origin")
    if own == objective:
        return "this round"
    if own == "policy":
        return "policy"
    return f"{own} (inherited)"


def blocking(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return blocking_criteria(report)


def summary(report: Mapping[str, Any]) -> str:
    """One sentence: the verdict and what decided it."""
    criteria = report.get("criteria", [])
    counts = {status: sum(1 for c in criteria if c.get("status") == status) for status in ORDER}
    parts = ", ".join(f"{counts[s]} {s}" for s in ORDER if counts[s])
    blocked = blocking(report)
    if report.get("verdict") == "pass":
        return f"{report.get('objective')} passes: all {len(criteria)} criteria met ({parts})."
    return f"{report.get('objective')} fails: {len(blocked)} of {len(criteria)} criteria block ({parts})."


def ordered(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return sorted(report.get("criteria", []), key=lambda c: ORDER.index(c.get("status", "pass")))
