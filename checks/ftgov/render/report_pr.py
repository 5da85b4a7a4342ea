"""`ftgov report pr` as markdown (the PR comment and the job summary) or JSON: renderers of a PrReport, nothing else.

What weakens the stack comes first, since that is what a reviewer must not miss; the
recorded evaluation reports are rendered by the evaluation's own markdown renderer.
"""

from __future__ import annotations

import json
from typing import Any

from ftgov.documents.findings import Severity
from ftgov.register.pr_report import PrReport, RoundStack, summary_counts
from ftgov.render import verdict_markdown
from ftgov.render.register import _number, _threshold, data_facts

SECTIONS = ("What this PR weakens or adds", "Rounds touched", "Semantic diff", "Cumulative stack", "Recorded evaluations", "Findings")
_ICON = {"loosened": "⚠️", "retired": "🗑️", "added": "➕", "changed": "✏️", "tightened": "🔒"}
_CHANGE = {"A": "added", "M": "modified", "D": "removed"}


def render_json(report: PrReport) -> str:
    return json.dumps(report.to_json(), indent=2) + "\n"


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _code(value: Any) -> str:
    return "`" + str(value).replace("`", "'") + "`"


def _demoted(markdown: str, levels: int) -> str:
    """Another renderer's headings nested under ours."""
    return "\n".join(("#" * levels + line) if line.startswith("#") else line for line in markdown.splitlines())


def render_markdown(report: PrReport) -> str:
    counts = summary_counts(report)
    errors = sum(1 for f in report.findings.findings if f.severity is Severity.ERROR)
    weakened = ", ".join(f"{counts[k]} {k}" for k in ("loosened", "retired", "added", "changed", "tightened") if k in counts)
    out = ["## ftgov: what this pull request changes", ""]
    out.append(
        f"Against {_code(report.base_ref)} ({_code(report.base_commit[:12])}): {len(report.changed)} file(s) changed under "
        f"objectives/, registers/ and policies/; criteria and rules: {weakened or 'none added, loosened or retired'}; "
        f"`ftgov check --base`: {errors} error(s)."
    )
    out.append("")
    out += _callouts(report)
    out += _rounds(report)
    out += _diffs(report)
    out += _stacks(report)
    out += _evaluations(report)
    out += _findings(report)
    if report.approvals is not None:
        a = report.approvals
        out += [f"### Approvals (PR #{a.pull_request})", "", f"**{a.state}**: {_cell(a.description)}", ""]
        out += [f"- {_cell(reason)}" for reason in a.reasons]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _callouts(report: PrReport) -> list[str]:
    out = [f"### {SECTIONS[0]}", ""]
    if not report.callouts:
        return [*out, "No criterion added, loosened, retired or changed.", ""]
    for c in report.callouts:
        out.append(f"- {_ICON.get(c.kind, '')} **{c.kind}** {_code(c.criterion)}: {_cell(c.detail)} ({_code(c.path)})")
    return [*out, ""]


def _rounds(report: PrReport) -> list[str]:
    out = [f"### {SECTIONS[1]}", ""]
    if not report.rounds:
        return [*out, "No register round added, removed or moved.", ""]
    out += ["| model | round | base | head |", "| --- | --- | --- | --- |"]
    for r in report.rounds:
        out.append(f"| {_cell(r.model)} | {_cell(r.objective)} | {_cell(r.before or '(new)')} | {_cell(r.after or '(removed)')} |")
    return [*out, ""]


def _diffs(report: PrReport) -> list[str]:
    out = [f"### {SECTIONS[2]}", ""]
    if not report.diffs:
        return [*out, "No objective, register or policy changed.", ""]
    for d in report.diffs:
        out.append(f"#### {_code(d.path)} ({_CHANGE.get(d.status, d.status)})")
        out.append("")
        out += [f"- {_code(line)}" if d.status == "M" and " was " in line else f"- {_cell(line)}" for line in d.fields]
        if d.more:
            out.append(f"- … and {d.more} more field change(s)")
        out.append("")
    return out


def _stacks(report: PrReport) -> list[str]:
    out = [f"### {SECTIONS[3]}", ""]
    if not report.stacks:
        return [*out, "No round touched.", ""]
    for s in report.stacks:
        out += _stack(s)
    return out


def _stack(s: RoundStack) -> list[str]:
    if s.view is None:
        return [f"#### {_code(s.objective)}", "", f"Not shown: {_cell(s.problem)}", ""]
    view = s.view
    out = [f"#### {_code(view.latest)} ({view.latest_status}): {len(view.criteria)} criteria", ""]
    out += [f"Chain {' → '.join(view.chain)}; register {_code(view.path)}.", ""]
    out += ["| criterion | kind | origin | metric | threshold now | achieved by origin |", "| --- | --- | --- | --- | --- | --- |"]
    for c in view.criteria:
        origin = c["origin"] + (" (inherited)" if c["inherited"] else "")
        row = (c["ref"], c["kind"], origin, _code(c["metric"]), _threshold(c), _number(c["achieved"]))
        out.append("| " + " | ".join(_cell(v) for v in row) + " |")
    if view.retired:
        out += ["", "Retired on the way:", ""]
        for r in view.retired:
            out.append(f"- {_code(r['criterion'])} in {r['retired_in']}, approved by {_cell(r['approved_by'])}: {_cell(r['rationale'])}")
    if view.missing_objectives:
        out += ["", f"Objectives missing (the chain stops there): {', '.join(view.missing_objectives)}."]
    data = next((r["data"] for r in view.rounds if r["objective"] == view.latest and r["data"]), None)
    if data is not None:
        out += ["", f"Data evidence, measured {_cell(data['measured_at'])} (`ftgov data check`):", ""]
        out += [f"- {_cell(fact)}" for fact in data_facts(data)]
    return [*out, ""]


def _evaluations(report: PrReport) -> list[str]:
    out = [f"### {SECTIONS[4]}", ""]
    if not report.evaluations:
        return [*out, "No evaluation report added or changed.", ""]
    for e in report.evaluations:
        pinned = f"pinned by {e.pinned_by}'s evaluation.report_sha256" if e.pinned_by else "pinned by no round of the register"
        out += [f"#### {_code(e.path)}", "", f"sha256 {_code(e.sha256)}, {pinned}.", ""]
        if e.report is None:
            out += [f"Not rendered: {_cell(e.problem)}.", ""]
        else:
            out += [_demoted(verdict_markdown.render(e.report), 2), ""]
    return out


def _findings(report: PrReport) -> list[str]:
    out = [f"### {SECTIONS[5]} (`ftgov check --base {report.base_ref}`)", ""]
    found = report.findings.findings
    if not found:
        return [*out, "None.", ""]
    for f in found:
        icon = "❌" if f.severity is Severity.ERROR else "⚠️"
        where = f"{f.path}:{f.line}" if f.line else f.path
        out.append(f"- {icon} {_code(where)} **{f.rule}** {_cell(f.message)}")
    return [*out, ""]


RENDERERS = {"markdown": render_markdown, "json": render_json}
