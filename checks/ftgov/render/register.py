"""`ftgov register show` as text, JSON or markdown: renderers of a RegisterView, nothing else."""

from __future__ import annotations

import json
from typing import Any

from ftgov.register.view import RegisterView


def render_json(view: RegisterView) -> str:
    return json.dumps(view.to_json(), indent=2) + "\n"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _threshold(criterion: dict[str, Any]) -> str:
    threshold = criterion["threshold"]
    if threshold is None:
        return "none"
    text = f"{threshold['kind']} {threshold['value']:g}"
    if threshold["kind"] != "min_value":
        text += f" vs {criterion['compare_to']}"
        if criterion["baseline"] is not None:
            text += f" ({criterion['baseline']:g})"
    if criterion["floor"] is not None:
        text += f"; floor {criterion['floor']:g} ({_number(criterion['achieved'])} - {criterion['tolerance']:g})"
    elif criterion["tolerance"] is not None:
        text += f"; floor unknown ({criterion['origin']} recorded no achieved value)"
    return text


def _header(view: RegisterView) -> list[str]:
    return [
        f"{view.model} ({view.path}), base {view.base}",
        f"latest round {view.latest} ({view.latest_status}); chain {' -> '.join(view.chain)}",
    ]


def render_text(view: RegisterView) -> str:
    lines = _header(view)
    lines.append("")
    lines.append("rounds:")
    for entry in view.rounds:
        extra = ", ".join(f"{k} {entry[k]}" for k in ("verdict", "decision", "withdrawal") if entry[k])
        lines.append(f"  {entry['objective']:<28} {entry['status']:<12} {extra}".rstrip())
    unverified = [entry for entry in view.rounds if entry["unverified"]]
    for entry in unverified:
        lines.append(f"  {entry['objective']}: unverified (no run file states it): {', '.join(entry['unverified'])}")
    for entry in view.rounds:
        if entry["data"]:
            lines.append(f"  {entry['objective']}: data measured {entry['data']['measured_at']}:")
            lines.extend(f"      {fact}" for fact in data_facts(entry["data"]))
    lines.append("")
    lines.append(f"criteria {view.latest} must meet ({len(view.criteria)}):")
    for c in view.criteria:
        origin = f"from {c['origin']}" if c["inherited"] else "own"
        lines.append(f"  {c['ref']:<40} {c['kind']:<8} {origin}")
        lines.append(f"      {c['metric']}: {_threshold(c)}; achieved by {c['origin']}: {_number(c['achieved'])}")
    if view.retired:
        lines.append("")
        lines.append("retired criteria:")
        for r in view.retired:
            lines.append(f"  {r['criterion']}: retired in {r['retired_in']}, approved by {r['approved_by']}: {r['rationale']}")
    if view.missing_objectives:
        lines.append("")
        lines.append(f"objectives missing (the chain stops there; `ftgov check`): {', '.join(view.missing_objectives)}")
    return "\n".join(lines) + "\n"


def share(part: Any, whole: Any) -> str:
    """'3 of 2,000 (0.15%)': below 1% with two decimals, so a small share is never printed as a rounder one."""
    if not isinstance(part, int) or not isinstance(whole, int):
        return f"{part} of {whole}"
    if not whole:
        return f"{part:,} of 0"
    percent = 100 * part / whole
    return f"{part:,} of {whole:,} ({percent:.2f}%)" if 0 < percent < 1 else f"{part:,} of {whole:,} ({percent:.1f}%)"


def data_facts(data: dict[str, Any]) -> list[str]:
    """One line per fact of a round's recorded data evidence (register show, report pr)."""
    facts = []
    for s in data["sources"]:
        declared = f" (declared {s['declared']:,})" if isinstance(s.get("declared"), int) else ""
        records = f"{s['records']:,}" if isinstance(s.get("records"), int) else str(s.get("records"))
        facts.append(f"{s['name']} ({s['role']}): {records} records{declared}")
    for o in data["overlap"]:
        ids = f", {share(o['shared_ids'], o['records'])} document ids shared" if o.get("shared_ids") is not None else ""
        facts.append(
            f"{o['against']} set {o['source']}: {share(o['contaminated'], o['records'])} records copied in training "
            f"({o['exact']} exact, {o['near']} near){ids}"
        )
    for a in data["agreement"]:
        items = f"{a['items']:,}" if isinstance(a.get("items"), int) else a.get("items")
        facts.append(f"labels of {a.get('source')}: Krippendorff's alpha {a.get('alpha')} ({a.get('level')}, {items} items)")
    for d in data["dates"]:
        facts.append(f"{d.get('source')} {d.get('field')}: {d.get('earliest', '-')} .. {d.get('latest', '-')}, {d.get('undated')} undated")
    return facts


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|")


def render_markdown(view: RegisterView) -> str:
    lines = [f"## {view.model}: the stack {view.latest} must meet", ""]
    lines.append(
        f"Register `{view.path}`, base `{view.base}`. "
        f"Latest round **{view.latest}** ({view.latest_status}); chain {' → '.join(view.chain)}."
    )
    lines += ["", "| criterion | kind | origin | metric | threshold now | achieved by origin |", "| --- | --- | --- | --- | --- | --- |"]
    for c in view.criteria:
        origin = c["origin"] + (" (inherited)" if c["inherited"] else "")
        row = (c["ref"], c["kind"], origin, f"`{c['metric']}`", _threshold(c), _number(c["achieved"]))
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    if view.retired:
        lines += ["", "### Retired criteria", "", "| criterion | retired in | approved by | rationale |", "| --- | --- | --- | --- |"]
        for r in view.retired:
            lines.append("| " + " | ".join(_cell(r[k]) for k in ("criterion", "retired_in", "approved_by", "rationale")) + " |")
    lines += ["", "### Rounds", "", "| round | status | verdict | decision |", "| --- | --- | --- | --- |"]
    for entry in view.rounds:
        decision = " / ".join(x for x in (entry["decision"], entry["withdrawal"]) if x) or "-"
        lines.append("| " + " | ".join(_cell(v) for v in (entry["objective"], entry["status"], entry["verdict"] or "-", decision)) + " |")
    unverified = [entry for entry in view.rounds if entry["unverified"]]
    if unverified:
        lines += ["", "### Unverified run fields", "", "Planned, but no configuration file of the run states them.", ""]
        lines += ["| round | fields |", "| --- | --- |"]
        for entry in unverified:
            lines.append(f"| {_cell(entry['objective'])} | " + ", ".join(f"`{_cell(name)}`" for name in entry["unverified"]) + " |")
    measured = [entry for entry in view.rounds if entry["data"]]
    if measured:
        lines += ["", "### Data evidence", "", "Measured from the files by `ftgov data check --record`.", ""]
        lines += ["| round | measured | facts |", "| --- | --- | --- |"]
        for entry in measured:
            facts = "<br>".join(_cell(fact) for fact in data_facts(entry["data"]))
            lines.append(f"| {_cell(entry['objective'])} | {_cell(entry['data']['measured_at'])} | {facts} |")
    if view.missing_objectives:
        lines += ["", f"Objectives missing (the chain stops there): {', '.join(view.missing_objectives)}."]
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}
