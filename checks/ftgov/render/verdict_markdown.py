"""An evaluation report as a PR comment or job summary (GitHub-flavoured markdown).

The verdict comes first, then the blocking criteria, then every criterion in one table;
what a reviewer needs only sometimes (moves outside the objective, flipped items, the
method and the inputs' sha256) is collapsed in <details>.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ftgov.render.verdict_common import blocking, interval, number, ordered, origin, signed, summary, threshold

_ICON = {"pass": "✅", "fail": "❌", "inconclusive": "⚠️", "missing": "❔"}


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def render(report: Mapping[str, Any]) -> str:
    objective = str(report.get("objective"))
    verdict = str(report.get("verdict"))
    out = [f"## {_ICON.get(verdict, '')} `{objective}`: **{verdict}**", "", summary(report), ""]
    blocked = blocking(report)
    if blocked:
        out.append("**What blocks:**")
        out.extend(
            f"- {_ICON[c['status']]} **{_cell(c['id'])}** ({_cell(origin(c, objective))}, `{_cell(c['metric'])}`): "
            f"{c['status']}: {_cell(c.get('reason') or 'no reason recorded')}"
            for c in blocked
        )
        out.append("")
    stack = report.get("stack") or []
    if len(stack) > 1:
        out.append("Stack: " + " → ".join(f"`{s}`" for s in stack) + "  ")
    for role, source in (report.get("references") or {}).items():
        out.append(f"{role.capitalize()}: {_cell(source)}  ")
    out.append("")
    out.append("| | criterion | origin | metric | baseline | candidate | Δ | interval | threshold |")
    out.append("|---|---|---|---|--:|--:|--:|---|---|")
    for c in ordered(report):
        out.append(
            f"| {_ICON.get(c['status'], '')} {c['status']} | {_cell(c['id'])} | {_cell(origin(c, objective))} | `{_cell(c['metric'])}` "
            f"| {number(c.get('baseline'))} | {number(c.get('candidate'))} | {signed(c.get('delta'))} | {interval(c.get('ci'))} "
            f"| {_cell(threshold(c))} |"
        )
    out.append("")
    warnings = report.get("warnings") or []
    if warnings:
        out.append("**Warnings:**")
        out.extend(f"- {_cell(w)}" for w in warnings)
        out.append("")
    moved = report.get("moved") or []
    if moved:
        out.extend([f"<details><summary>Everything that moved ({len(moved)} comparisons)</summary>", ""])
        out.append("| metric | vs | baseline | candidate | Δ | interval | in objective | warning |")
        out.append("|---|---|--:|--:|--:|---|---|---|")
        for m in moved:
            out.append(
                f"| `{_cell(m['metric'])}` | {m['reference']} | {number(m['baseline'])} | {number(m['candidate'])} | {signed(m['delta'])} "
                f"| {interval(m.get('ci'))} | {'yes' if m.get('in_objective') else 'no'} | {_cell(m.get('warning') or '')} |"
            )
        out.extend(["", "</details>", ""])
    flips = [c for c in ordered(report) if (c.get("flipped_right_to_wrong") or {}).get("count")]
    if flips:
        out.extend(["<details><summary>Items right before and wrong now</summary>", ""])
        for c in flips:
            f = c["flipped_right_to_wrong"]
            out.append(f"- `{_cell(c['metric'])}` ({f['count']}): " + ", ".join(f"`{_cell(i)}`" for i in f.get("items", [])))
        out.extend(["", "</details>", ""])
    method = report.get("method") or {}
    out.extend(["<details><summary>Method and inputs</summary>", ""])
    if report.get("objective_sha256"):
        out.append(f"- objective: `{_cell(objective)}` sha256 `{_cell(report['objective_sha256'])}`")
    out.extend(f"- {name}: {_cell(value)}" for name, value in method.items())
    out.append("")
    out.append("| role | file | format | sha256 |")
    out.append("|---|---|---|---|")
    for source in report.get("inputs") or []:
        out.append(f"| {source['role']} | `{_cell(source['path'])}` | {source['format']} | `{source['sha256']}` |")
    out.extend(["", "</details>", ""])
    return "\n".join(out)
