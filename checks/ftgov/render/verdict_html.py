"""An evaluation report as one self-contained HTML file: inline CSS and SVG, nothing fetched.

The chart puts every criterion on one axis of change against its reference (in the metric's
units): a dot for the delta, a bar for its interval, a tick for the threshold, and the side
of the threshold that blocks shaded. Rows are coloured by status and blocking rows come
first, so the reason for a fail is the first thing on the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from ftgov.render.verdict_common import blocking, interval, number, ordered, origin, signed, summary, threshold

COLOURS = {"pass": "#1a7f37", "fail": "#cf222e", "inconclusive": "#9a6700", "missing": "#6e7781"}
_ROW = 34
_LABEL = 360
_PLOT = 620
_STATUS = 110
_WIDTH = _LABEL + _PLOT + _STATUS
_TOP = 34

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;margin:0;background:#f6f8fa}
main{max-width:1180px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:22px;margin:0 0 4px}
.verdict{display:inline-block;padding:2px 12px;border-radius:14px;color:#fff;font-weight:600;margin-right:8px}
.lede{font-size:15px;margin:6px 0 12px}
.meta{color:#57606a;font-size:13px;margin:2px 0}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:14px 16px;margin:16px 0}
h2{font-size:16px;margin:0 0 10px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.pill{display:inline-block;padding:0 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:600}
.why{color:#57606a;font-size:12px}
ul.blocks{margin:0;padding-left:18px}
details summary{cursor:pointer;font-weight:600}
svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
"""


def render(report: Mapping[str, Any]) -> str:
    objective = str(report.get("objective"))
    verdict = str(report.get("verdict"))
    colour = COLOURS["pass" if verdict == "pass" else "fail"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(objective)}: {escape(verdict)}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        f'<h1><span class="verdict" style="background:{colour}">{escape(verdict.upper())}</span>{escape(objective)}</h1>',
        f'<p class="lede">{escape(summary(report))}</p>',
    ]
    stack = report.get("stack") or []
    if len(stack) > 1:
        parts.append(f'<p class="meta">Stack: {escape(" → ".join(stack))}</p>')
    for role, source in (report.get("references") or {}).items():
        parts.append(f'<p class="meta">{escape(role.capitalize())}: {escape(str(source))}</p>')
    blocked = blocking(report)
    if blocked:
        parts.append('<section><h2>What blocks</h2><ul class="blocks">')
        for c in blocked:
            parts.append(
                f"<li>{_pill(c['status'])} <b>{escape(c['id'])}</b> ({escape(origin(c, objective))}, <code>{escape(c['metric'])}</code>): "
                f"{escape(c.get('reason') or '')}</li>"
            )
        parts.append("</ul></section>")
    parts.append("<section><h2>Every criterion: change against its reference</h2>")
    parts.append(chart(report))
    parts.append("</section>")
    parts.append(_table(report, objective))
    parts.append(_details(report))
    parts.append("</main></body></html>\n")
    return "\n".join(parts)


def _pill(status: str) -> str:
    return f'<span class="pill" style="background:{COLOURS.get(status, "#6e7781")}">{escape(status)}</span>'


def _bound(c: Mapping[str, Any]) -> tuple[float | None, int]:
    """The binding threshold as a change against the baseline, and which side blocks (-1: below it, +1: above it).

    An inherited success criterion has two limits (its threshold and the floor under what its
    round achieved); the chart shows the stricter, the one a fail is about.
    """
    found = c.get("threshold") or {}
    baseline = c.get("baseline")
    if _flipped(c):  # plotted as a decrease of ECE, so that right is better on every row
        value = found.get("max_ece_increase")
        return (-float(value), -1) if value is not None else (None, -1)
    limits: list[float] = []
    for name, value in found.items():
        if value is None:
            continue
        if name == "min_improvement":
            limits.append(float(value))
        elif name == "max_drop":
            limits.append(-float(value))
        elif name == "max_relative_drop" and baseline is not None:
            limits.append(-float(value) * abs(float(baseline)))
        elif name == "min_value" and baseline is not None:
            limits.append(float(value) - float(baseline))
    if c.get("floor") is not None and baseline is not None:
        limits.append(float(c["floor"]) - float(baseline))
    return (max(limits), -1) if limits else (None, -1)


def _flipped(c: Mapping[str, Any]) -> bool:
    """ECE is the one lower-is-better quantity the report plots; it is drawn negated."""
    return str(c.get("metric", "")).endswith("/ece")


def _oriented(c: Mapping[str, Any]) -> tuple[float | None, list[float] | None]:
    sign = -1.0 if _flipped(c) else 1.0
    delta = c.get("delta")
    ci = c.get("ci")
    shown = None if delta is None else sign * float(delta)
    bounds = sorted(sign * float(v) for v in ci) if isinstance(ci, list) and len(ci) == 2 else None
    return shown, bounds


def chart(report: Mapping[str, Any]) -> str:
    rows = ordered(report)
    values: list[float] = [0.0]
    for c in rows:
        shown, bounds = _oriented(c)
        if shown is not None:
            values.append(shown)
            values.extend(bounds or [])
        bound, _ = _bound(c)
        if bound is not None:
            values.append(bound)
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or 0.01
    low, high = low - pad, high + pad

    def x(value: float) -> float:
        return _LABEL + (value - low) / (high - low) * _PLOT

    height = _TOP + _ROW * len(rows) + 30
    out = [
        f'<svg viewBox="0 0 {_WIDTH} {height}" width="100%" role="img" aria-label="criteria chart">',
        f'<text x="{_LABEL}" y="14" fill="#57606a">worse ←</text>',
        f'<text x="{_LABEL + _PLOT}" y="14" fill="#57606a" text-anchor="end">→ better (change against the reference, metric units)</text>',
    ]
    for tick in _ticks(low, high):
        out.append(f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{_TOP - 6}" y2="{height - 26}" stroke="#eaeef2"/>')
        out.append(f'<text x="{x(tick):.1f}" y="{height - 10}" fill="#57606a" text-anchor="middle">{tick:+.3g}</text>')
    out.append(f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{_TOP - 6}" y2="{height - 26}" stroke="#8c959f" stroke-dasharray="3 3"/>')
    for index, c in enumerate(rows):
        top = _TOP + index * _ROW
        mid = top + _ROW / 2
        colour = COLOURS.get(c["status"], "#6e7781")
        out.append(f'<g class="row {escape(c["status"])}">')
        if index % 2 == 0:
            out.append(f'<rect x="0" y="{top}" width="{_WIDTH}" height="{_ROW}" fill="#f6f8fa"/>')
        label = f"{c['id']} · {origin(c, str(report.get('objective')))}"
        out.append(f'<text x="6" y="{mid - 2:.1f}" fill="#1f2328">{escape(_short(label, 48))}</text>')
        out.append(f'<text x="6" y="{mid + 12:.1f}" fill="#57606a">{escape(_short(str(c["metric"]), 52))}</text>')
        bound, blocks = _bound(c)
        if bound is not None:
            edge = x(bound)
            start, end = (x(low), edge) if blocks < 0 else (edge, x(high))
            out.append(
                f'<rect x="{start:.1f}" y="{top + 4}" width="{max(0.0, end - start):.1f}" height="{_ROW - 8}" '
                'fill="#cf222e" opacity="0.07"/>'
            )
            out.append(f'<line x1="{edge:.1f}" x2="{edge:.1f}" y1="{top + 3}" y2="{top + _ROW - 3}" stroke="#1f2328" stroke-width="2"/>')
        delta, ci = _oriented(c)
        if delta is not None and ci is not None:
            out.append(
                f'<line x1="{x(float(ci[0])):.1f}" x2="{x(float(ci[1])):.1f}" y1="{mid:.1f}" y2="{mid:.1f}" '
                f'stroke="{colour}" stroke-width="4" stroke-linecap="round"/>'
            )
        if delta is not None:
            out.append(f'<circle cx="{x(float(delta)):.1f}" cy="{mid:.1f}" r="5.5" fill="{colour}" stroke="#fff" stroke-width="1.5"/>')
            hover = f"{c['id']}: delta {signed(c.get('delta'))}, interval {interval(c.get('ci'))}, {threshold(c)}"
            out.append(f"<title>{escape(hover)}{' (ECE: drawn negated, right is better)' if _flipped(c) else ''}</title>")
        else:
            out.append(
                f'<text x="{_LABEL + 8}" y="{mid + 4:.1f}" fill="{colour}">'
                f"no comparison: {escape(_short(c.get('reason') or '', 80))}</text>"
            )
        out.append(f'<rect x="{_LABEL + _PLOT + 14}" y="{mid - 10:.1f}" width="{_STATUS - 20}" height="20" rx="10" fill="{colour}"/>')
        out.append(
            f'<text x="{_LABEL + _PLOT + 4 + _STATUS / 2:.1f}" y="{mid + 4:.1f}" fill="#fff" text-anchor="middle" '
            f'font-weight="600">{escape(c["status"])}</text>'
        )
        out.append("</g>")
    out.append("</svg>")
    out.append(
        '<p class="meta">Dot: the change; bar: its confidence interval; black tick: the threshold; shaded: the side that blocks.</p>'
    )
    return "\n".join(out)


def _ticks(low: float, high: float) -> list[float]:
    span = high - low
    step = 10 ** len(str(int(1 / span))) if span < 1 else 1.0
    for candidate in (1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001):
        if span / candidate >= 4:
            step = candidate
            break
    first = int(low / step) * step
    ticks = []
    value = first
    while value <= high:
        if value >= low:
            ticks.append(round(value, 10))
        value += step
    return ticks


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _table(report: Mapping[str, Any], objective: str) -> str:
    out = [
        "<section><h2>Criteria</h2><table><thead><tr><th>status</th><th>criterion</th><th>origin</th><th>metric</th>"
        "<th>baseline</th><th>candidate</th><th>Δ</th><th>interval</th><th>threshold</th></tr></thead><tbody>"
    ]
    for c in ordered(report):
        reason = f'<div class="why">{escape(c["reason"])}</div>' if c.get("reason") else ""
        out.append(
            f"<tr><td>{_pill(c['status'])}</td><td><b>{escape(c['id'])}</b>{reason}</td><td>{escape(origin(c, objective))}</td>"
            f"<td><code>{escape(c['metric'])}</code></td><td class=num>{number(c.get('baseline'))}</td>"
            f"<td class=num>{number(c.get('candidate'))}</td><td class=num>{signed(c.get('delta'))}</td>"
            f"<td class=num>{escape(interval(c.get('ci')))}</td><td>{escape(threshold(c))}</td></tr>"
        )
    out.append("</tbody></table></section>")
    return "\n".join(out)


def _details(report: Mapping[str, Any]) -> str:
    out = ["<section>"]
    warnings = report.get("warnings") or []
    if warnings:
        out.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{escape(w)}</li>" for w in warnings) + "</ul>")
    moved = report.get("moved") or []
    if moved:
        out.append(f"<details><summary>Everything that moved ({len(moved)} comparisons)</summary><table>")
        out.append("<tr><th>metric</th><th>vs</th><th>baseline</th><th>candidate</th><th>Δ</th><th>interval</th><th>warning</th></tr>")
        for m in moved:
            out.append(
                f"<tr><td><code>{escape(m['metric'])}</code></td><td>{escape(m['reference'])}</td>"
                f"<td class=num>{number(m['baseline'])}</td>"
                f"<td class=num>{number(m['candidate'])}</td><td class=num>{signed(m['delta'])}</td>"
                f"<td class=num>{escape(interval(m.get('ci')))}</td><td>{escape(m.get('warning') or '')}</td></tr>"
            )
        out.append("</table></details>")
    out.append("<details><summary>Method and inputs</summary><ul>")
    if report.get("objective_sha256"):
        named, sha = escape(str(report.get("objective"))), escape(str(report["objective_sha256"]))
        out.append(f"<li>objective: <code>{named}</code> sha256 <code>{sha}</code></li>")
    out.extend(f"<li>{escape(str(k))}: {escape(str(v))}</li>" for k, v in (report.get("method") or {}).items())
    out.append("</ul><table><tr><th>role</th><th>file</th><th>format</th><th>sha256</th></tr>")
    for s in report.get("inputs") or []:
        out.append(
            f"<tr><td>{escape(s['role'])}</td><td><code>{escape(s['path'])}</code></td><td>{escape(s['format'])}</td>"
            f"<td><code>{escape(s['sha256'])}</code></td></tr>"
        )
    out.append("</table></details></section>")
    return "\n".join(out)
