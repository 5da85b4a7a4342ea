"""The shared currency of every check: a Finding, and the Rule that produces it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

# A path into a document: mapping keys and sequence indices from the root.
Pointer = tuple[str | int, ...]


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Rule:
    """A stable rule code with its documentation.

    `doc` is the rule's page: first line is the one-line summary, then
    "Why this matters", "Example" and "Fix" sections (printed by `ftgov rules CODE`).
    Codes never change meaning; retired codes stay reserved.
    """

    code: str
    name: str
    severity: Severity
    doc: str
    waivable: bool = True

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0]

    def at(self, path: str, pointer: Pointer, message: str, *, at_key: bool = False) -> Finding:
        """A finding of this rule at a place in a document, to be located later."""
        return Finding(
            rule=self.code,
            severity=self.severity,
            path=path,
            line=None,
            column=None,
            pointer=pointer,
            message=message,
            at_key=at_key,
        )

    def at_line(self, path: str, line: int, column: int, message: str) -> Finding:
        """A finding whose position is already known (parse errors, hazards)."""
        return Finding(self.code, self.severity, path, line, column, (), message)


@dataclass(frozen=True)
class Finding:
    """One problem in one file. line and column are 1-based once located."""

    rule: str
    severity: Severity
    path: str
    line: int | None
    column: int | None
    pointer: Pointer
    message: str
    # Point at the key itself (an unknown key, a missing field's parent) rather than its value.
    at_key: bool = field(default=False, compare=False)

    @property
    def json_pointer(self) -> str:
        return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in self.pointer)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line or 0, self.column or 0, self.rule)

    def to_json(self) -> dict[str, Any]:
        """The finding as every JSON output shows it (`--format json`, `report pr --format json`)."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "pointer": self.json_pointer,
            "message": self.message,
        }


def dotted(pointer: Pointer) -> str:
    """A pointer as users write it: model.parent, success_criteria[0].metric."""
    out = ""
    for part in pointer:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "(document)"
