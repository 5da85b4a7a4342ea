"""path:line:col: CODE message, one finding a line, as compilers and linters print."""

from __future__ import annotations

from ftgov.documents.findings import Severity
from ftgov.documents.validate import ValidationResult


def render(result: ValidationResult) -> str:
    lines = []
    for f in result.findings:
        label = "" if f.severity is Severity.ERROR else f" ({f.severity.value})"
        lines.append(f"{f.path}:{f.line}:{f.column}: {f.rule}{label} {f.message}")
    s = result.summary()
    counts = f"{s['errors']} error(s), {s['warnings']} warning(s), {s['info']} info"
    waived = f", {s['waived']} waived" if s["waived"] else ""
    lines.append(f"{counts}{waived} in {s['files']} file(s)")
    return "\n".join(lines) + "\n"
