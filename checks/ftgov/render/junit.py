"""JUnit XML: one test case per file, failing with its errors, for CI test-report views."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from ftgov.documents.findings import Finding, Severity
from ftgov.documents.validate import ValidationResult


def render(result: ValidationResult) -> str:
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        by_path[f.path].append(f)
    paths = list(result.paths) + sorted(set(by_path) - set(result.paths))
    failures = sum(1 for p in paths if any(f.severity is Severity.ERROR for f in by_path[p]))
    suites = ET.Element("testsuites", name="ftgov", tests=str(len(paths)), failures=str(failures))
    suite = ET.SubElement(
        suites, "testsuite", name="ftgov validate", tests=str(len(paths)), failures=str(failures), errors="0", skipped="0"
    )
    for path in paths:
        case = ET.SubElement(suite, "testcase", classname="ftgov.validate", name=path)
        errors = [f for f in by_path[path] if f.severity is Severity.ERROR]
        others = [f for f in by_path[path] if f.severity is not Severity.ERROR]
        if errors:
            failure = ET.SubElement(case, "failure", type=errors[0].rule, message=f"{len(errors)} error(s): {errors[0].message}")
            failure.text = "\n".join(f"{f.path}:{f.line}:{f.column}: {f.rule} {f.message}" for f in errors)
        if others:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(f"{f.path}:{f.line}:{f.column}: {f.rule} ({f.severity.value}) {f.message}" for f in others)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
