"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers."""

from __future__ import annotations

import hashlib
import json

from ftgov import __version__
from ftgov.documents.findings import Severity
from ftgov.documents.rules import ALL_RULES
from ftgov.documents.validate import ValidationResult

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(result: ValidationResult) -> str:
    index = {rule.code: i for i, rule in enumerate(ALL_RULES)}
    rules = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.doc.strip()},
            "help": {"text": rule.doc.strip(), "markdown": rule.doc.strip()},
            "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        }
        for rule in ALL_RULES
    ]
    results = []
    for f in result.findings:
        # A fingerprint from the rule, file and place in the document survives lines moving.
        fingerprint = hashlib.sha256(f"{f.rule}\0{f.path}\0{f.json_pointer}".encode()).hexdigest()
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": _LEVEL[f.severity],
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                            "region": {"startLine": f.line or 1, "startColumn": f.column or 1},
                        }
                    }
                ],
                "partialFingerprints": {"ftgovFinding/v1": fingerprint},
            }
        )
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "ftgov", "version": __version__, "rules": rules}},
                "results": results,
                "invocations": [{"executionSuccessful": True, "exitCode": result.exit_code}],
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
