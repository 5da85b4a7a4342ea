"""GitHub Actions workflow commands: annotations on the PR diff at file, line and column."""

from __future__ import annotations

from ftgov.documents.findings import Severity
from ftgov.documents.validate import ValidationResult

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
# GitHub shows at most 10 annotations of each level per step; the rest only in the log.
_SHOWN_PER_LEVEL = 10


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def render(result: ValidationResult) -> str:
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    lines = []
    for f in sorted(result.findings, key=lambda f: (order[f.severity], f.sort_key())):
        props = f"file={_property(f.path)},line={f.line},col={f.column},title={_property(f.rule)}"
        lines.append(f"::{_COMMAND[f.severity]} {props}::{_data(f.message)}")
    errors = result.count(Severity.ERROR)
    if errors > _SHOWN_PER_LEVEL:
        lines.append(f"::notice::{errors} errors in all; GitHub shows the first {_SHOWN_PER_LEVEL}, see the job log for the rest")
    s = result.summary()
    lines.append(f"ftgov: {s['errors']} error(s), {s['warnings']} warning(s), {s['info']} info in {s['files']} file(s)")
    return "\n".join(lines) + "\n"
