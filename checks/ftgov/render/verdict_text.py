"""An evaluation report for a terminal: the verdict first, blocking criteria first, one line each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ftgov.render.verdict_common import interval, number, ordered, origin, signed, summary, threshold


def render(report: Mapping[str, Any]) -> str:
    objective = str(report.get("objective"))
    lines = [f"{str(report.get('verdict')).upper()}: {summary(report)}"]
    stack = report.get("stack") or []
    if len(stack) > 1:
        lines.append("stack: " + " -> ".join(stack))
    for role, source in (report.get("references") or {}).items():
        lines.append(f"{role}: {source}")
    lines.append("")
    rows = [("status", "criterion", "origin", "metric", "baseline", "candidate", "delta", "interval", "threshold")]
    for c in ordered(report):
        rows.append(
            (
                c["status"],
                c["id"],
                origin(c, objective),
                c["metric"],
                number(c.get("baseline")),
                number(c.get("candidate")),
                signed(c.get("delta")),
                interval(c.get("ci")),
                threshold(c),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if not index:
            continue
        c = ordered(report)[index - 1]
        if c.get("reason"):
            lines.append(" " * (widths[0] + 2) + "why: " + str(c["reason"]))
        flipped = c.get("flipped_right_to_wrong") or {}
        if flipped.get("count"):
            shown = ", ".join(flipped.get("items", [])[:10])
            more = f" (+{flipped['count'] - 10} more)" if flipped["count"] > 10 else ""
            lines.append(" " * (widths[0] + 2) + f"right before, wrong now: {flipped['count']} items: {shown}{more}")
    warnings = report.get("warnings") or []
    if warnings:
        lines.append("")
        lines.append("warnings:")
        lines.extend(f"  - {w}" for w in warnings)
    method = report.get("method") or {}
    if method:
        lines.append("")
        lines.append(f"intervals: {method.get('correction')}; seed {method.get('seed')}, {method.get('resamples')} resamples")
    return "\n".join(lines) + "\n"
