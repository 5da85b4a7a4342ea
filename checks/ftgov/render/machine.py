"""--format json: one JSON object on stdout: the findings, the waived ones with their waivers, and the summary (README, "Commands")."""

from __future__ import annotations

import json

from ftgov.documents.validate import ValidationResult


def render(result: ValidationResult) -> str:
    payload = {
        "findings": [f.to_json() for f in result.findings],
        "waived": [
            {**f.to_json(), "waiver": {"reason": w.reason, "approved_by": w.approved_by, "expires": w.expires.isoformat()}}
            for f, w in result.waived
        ],
        "summary": result.summary(),
    }
    return json.dumps(payload, indent=2) + "\n"
