"""`ftgov data check` as text, JSON or markdown: renderers of a DataReport, nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ftgov.data.check import Contamination, Evidence
from ftgov.documents.findings import Finding, Severity
from ftgov.render.register import share


@dataclass(frozen=True)
class DataReport:
    """The measurements, the findings the FTG5xx rules make of them, and where they were recorded (if they were)."""

    evidence: Evidence
    findings: tuple[Finding, ...]
    waived: tuple[Finding, ...] = ()
    recorded_in: str | None = None

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)

    @property
    def result(self) -> str:
        return "fail" if self.errors else "pass"


def _examples(contamination: Contamination) -> list[dict[str, Any]]:
    return [
        {
            "kind": pair.kind,
            "similarity": round(pair.similarity, 3),
            "training": {"id": pair.training.id, "where": pair.training.where},
            "other": {"id": pair.validation.id, "where": pair.validation.where},
        }
        for pair in contamination.result.examples
    ]


def _finding_json(finding: Finding) -> dict[str, Any]:
    return {"rule": finding.rule, "severity": finding.severity.value, "message": " ".join(finding.message.split())}


def render_json(report: DataReport) -> str:
    evidence = report.evidence
    examples = {}
    if evidence.train_validation is not None:
        examples["train_validation"] = _examples(evidence.train_validation)
    for contamination in evidence.train_eval:
        examples[f"train_eval/{contamination.name}"] = _examples(contamination)
    body = {
        "objective": evidence.objective_id,
        "model": evidence.model,
        "result": report.result,
        "data": evidence.recorded(),
        "examples": examples,
        "not_given": list(evidence.not_given),
        "boundary": None if evidence.boundary is None else {"what": evidence.boundary[0], "at": evidence.boundary[1].isoformat()},
        "before_boundary": {name: d.before_boundary for name, d in evidence.dates if d.before_boundary is not None},
        "findings": [_finding_json(f) for f in report.findings],
        "waived": [_finding_json(f) for f in report.waived],
        "summary": {"errors": report.errors, "warnings": report.warnings, "waived": len(report.waived)},
        "recorded_in": report.recorded_in,
    }
    return json.dumps(body, indent=2) + "\n"


def _file_lines(evidence: Evidence) -> list[str]:
    lines = []
    for f in evidence.files:
        declared = ""
        if f.declared is not None:
            off = (f.records - f.declared) / f.declared if f.declared else 0.0
            declared = f" (declared {f.declared:,}" + (f", {off:+.1%})" if f.records != f.declared else ")")
        lines.append(f"  {f.name:<32} {f.role:<10} {f.records:>12,} records{declared}")
        lines.append(f"      {f.path}  sha256 {f.sha256[:16]}…")
    lines.extend(f"  {name:<32} not given: declared by the objective, not measured" for name in evidence.not_given)
    return lines


def _overlap_lines(contamination: Contamination, against: str) -> list[str]:
    r = contamination.result
    lines = [
        f"  training -> {contamination.name} ({against}): {share(r.contaminated_validation, r.validation_records)} records have a copy "
        f"in training ({r.exact_matches:,} exact and {r.near_matches:,} near copies among {r.training_records:,} training records)"
    ]
    if r.shared_ids is not None:
        lines.append(f"      document ids also in training: {share(r.shared_ids, r.validation_records)}")
    for pair in r.examples[:5]:
        lines.append(f"      e.g. {pair.kind} ({pair.similarity:.2f}): {pair.training.where} ~ {pair.validation.where}")
    return lines


def render_text(report: DataReport) -> str:
    evidence = report.evidence
    s = evidence.settings
    lines = [
        f"{evidence.objective_id}: data evidence, measured {evidence.measured_at.isoformat()} with the {evidence.engine} engine",
        f"near copies: MinHash over {s.ngram}-word shingles, Jaccard >= {s.threshold:g}, {s.num_perm} permutations, seed {s.seed}, "
        f"of field {evidence.fields.text!r}",
        "",
        "files:",
        *_file_lines(evidence),
    ]
    if evidence.train_validation is not None or evidence.train_eval:
        lines += ["", "overlap:"]
        if evidence.train_validation is not None:
            lines += _overlap_lines(evidence.train_validation, "validation")
        for contamination in evidence.train_eval:
            lines += _overlap_lines(contamination, "evaluation set")
    if evidence.agreement:
        lines += ["", "label agreement (Krippendorff's alpha):"]
        lines += [f"  {name:<32} {a.alpha:.3f} ({a.level}; {a.items:,} items, {a.annotators} annotators)" for name, a in evidence.agreement]
    if evidence.dates:
        lines += ["", "collection dates:"]
        for name, d in evidence.dates:
            span = f"{d.earliest.date()} .. {d.latest.date()}" if d.earliest and d.latest else "no dated record"
            before = ""
            if d.before_boundary is not None and evidence.boundary is not None:
                before = (
                    f"; {share(d.before_boundary, d.dated)} dated records before {evidence.boundary[0]} ({evidence.boundary[1].date()})"
                )
            lines.append(f"  {name:<32} {d.field}: {span}, {d.undated:,} undated{before}")
    lines += ["", "findings:" if report.findings else "findings: none"]
    lines += [f"  {f.severity.value} {f.rule} {' '.join(f.message.split())}" for f in report.findings]
    lines += [f"  waived {f.rule} {' '.join(f.message.split())}" for f in report.waived]
    lines += ["", f"result: {report.result} ({report.errors} errors, {report.warnings} warnings)"]
    if report.recorded_in is not None:
        lines.append(f"recorded in {report.recorded_in}")
    return "\n".join(lines) + "\n"


def _md_overlap(contamination: Contamination, against: str) -> str:
    r = contamination.result
    ids = "-" if r.shared_ids is None else share(r.shared_ids, r.validation_records)
    return (
        f"| training → `{contamination.name}` ({against}) | {share(r.contaminated_validation, r.validation_records)} | "
        f"{r.exact_matches:,} | {r.near_matches:,} | {ids} |"
    )


def render_markdown(report: DataReport) -> str:
    evidence = report.evidence
    s = evidence.settings
    icon = "❌" if report.errors else "✅"
    lines = [f"### {icon} Data evidence for `{evidence.objective_id}`: {report.result}", ""]
    lines += ["| source | role | records | declared | sha256 |", "|---|---|---:|---:|---|"]
    for f in evidence.files:
        declared = "" if f.declared is None else f"{f.declared:,}"
        lines.append(f"| `{f.name}` | {f.role} | {f.records:,} | {declared} | `{f.sha256[:12]}` |")
    lines += [f"| `{name}` | not given | | | |" for name in evidence.not_given]
    if evidence.train_validation is not None or evidence.train_eval:
        lines += ["", f"Overlap (MinHash, {s.ngram}-word shingles, Jaccard ≥ {s.threshold:g}, field `{evidence.fields.text}`):", ""]
        lines += ["| between | contaminated | exact | near | shared document ids |", "|---|---:|---:|---:|---:|"]
        if evidence.train_validation is not None:
            lines.append(_md_overlap(evidence.train_validation, "validation"))
        lines += [_md_overlap(c, "evaluation") for c in evidence.train_eval]
    if evidence.agreement:
        lines += ["", "| labels in | Krippendorff's alpha | items | annotators |", "|---|---:|---:|---:|"]
        lines += [f"| `{name}` | {a.alpha:.3f} ({a.level}) | {a.items:,} | {a.annotators} |" for name, a in evidence.agreement]
    if evidence.dates:
        lines += ["", "| dates in | field | earliest | latest | undated |", "|---|---|---|---|---:|"]
        for name, d in evidence.dates:
            earliest = d.earliest.date().isoformat() if d.earliest else "-"
            latest = d.latest.date().isoformat() if d.latest else "-"
            lines.append(f"| `{name}` | {d.field} | {earliest} | {latest} | {d.undated:,} |")
    if report.findings or report.waived:
        lines += [""]
        lines += [f"- **{f.severity.value}** {f.rule}: {' '.join(f.message.split())}" for f in report.findings]
        lines += [f"- waived {f.rule}: {' '.join(f.message.split())}" for f in report.waived]
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[DataReport], str]] = {"text": render_text, "json": render_json, "markdown": render_markdown}
