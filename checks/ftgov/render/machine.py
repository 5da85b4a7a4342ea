"""--format json: one JSON object on stdout: the findings, the waived ones with their waivers, and the summary (README, "Commands")."""

from __future__ import annotations

import json
from typing import Any

from ftgov.documents.findings import Finding
from ftgov.documents.validate import ValidationResult


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": f.severity.value,
        "path": f.path,
        "line": f.line,
        "column": f.column,
        "pointer": f.json_pointer,
        "message": f.message,
    }


def render(result: ValidationResult) -> str:
    payload = {
        "findings": [finding_json(f) for f in result.findings],
        "waived": [
            {**finding_json(f), "waiver": {"reason": w.reason, "approved_by": w.approved_by, "expires": w.expires.isoformat()}}
            for f, w in result.waived
        ],
        "summary": result.summary(),
    }
    return json.dumps(payload, indent=2) + "\n"
