"""Every output format, from one validation run with findings of each severity."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from ftgov.documents.findings import Finding, Severity
from ftgov.documents.repository import Repository
from ftgov.documents.rules import ALL_RULES
from ftgov.documents.validate import ValidationResult, validate
from ftgov.render import FINDING_FORMATS, github

from ..conftest import FIXTURES

SARIF_SCHEMA = Path(__file__).parents[1] / "schemas" / "sarif-2.1.0-rtm.5.json"


@pytest.fixture
def result(governance_repo: Path) -> ValidationResult:
    for code in ("FTG101", "FTG306", "FTG502"):
        raw = (FIXTURES / "rules" / f"{code}.yaml").read_text(encoding="utf-8")
        name = f"support-agent-r{code[-1]}{code[-2]}.yaml"
        text = raw.replace("id: support-agent-r4", f"id: {name[:-5]}")
        (governance_repo / "objectives" / "support-agent" / name).write_text(text, encoding="utf-8")
    shutil.copy(FIXTURES / "rules" / "FTG702.yaml", governance_repo / "policies" / "policy.yaml")
    outcome = validate(Repository(governance_repo))
    assert {f.severity for f in outcome.findings} == {Severity.ERROR, Severity.WARNING, Severity.INFO}
    return outcome


def test_text_is_path_line_col_code_message(result: ValidationResult) -> None:
    lines = FINDING_FORMATS["text"](result).splitlines()
    pattern = re.compile(r"^[^:]+:\d+:\d+: FTG\d{3}( \((warning|info)\))? .+$")
    assert all(pattern.match(line) for line in lines[:-1]), lines
    assert lines[-1].endswith(f"in {len(result.paths)} file(s)")


def test_json_has_the_design_shape(result: ValidationResult) -> None:
    payload = json.loads(FINDING_FORMATS["json"](result))
    assert set(payload) == {"findings", "waived", "summary"}
    for item in payload["findings"]:
        assert {"rule", "severity", "path", "line", "column", "message"} <= set(item)
        assert item["line"] >= 1 and item["column"] >= 1
    assert payload["summary"]["errors"] == result.count(Severity.ERROR)
    assert payload["summary"]["exit_code"] == 1


def test_github_annotations_carry_file_line_col(result: ValidationResult) -> None:
    lines = FINDING_FORMATS["github"](result).splitlines()
    annotations = [line for line in lines if line.startswith("::")]
    assert len(annotations) == len(result.findings)
    assert annotations[0].startswith("::error file=objectives/")  # errors first
    assert any(line.startswith("::warning file=policies/policy.yaml,line=") for line in annotations)
    assert any(line.startswith("::notice file=") for line in annotations)


def test_github_escapes_untrusted_text() -> None:
    hostile = Finding("FTG201", Severity.ERROR, "objectives/a,b:c.yaml", 3, 4, (), "100% bad\n::error::forged")
    out = github.render(ValidationResult((hostile,), ("objectives/a,b:c.yaml",)))
    first = out.splitlines()[0]
    assert first == "::error file=objectives/a%2Cb%3Ac.yaml,line=3,col=4,title=FTG201::100%25 bad%0A::error::forged"
    assert len(out.splitlines()) == 2  # the forged command stays inside one annotation


def test_sarif_is_valid_sarif_2_1_0(result: ValidationResult) -> None:
    log = json.loads(FINDING_FORMATS["sarif"](result))
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(Draft4Validator(schema).iter_errors(log), key=str)
    assert errors == []
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [r.code for r in ALL_RULES]
    assert len(run["results"]) == len(result.findings)
    for finding, item in zip(result.findings, run["results"], strict=True):
        region = item["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (finding.line, finding.column)
        assert run["tool"]["driver"]["rules"][item["ruleIndex"]]["id"] == item["ruleId"] == finding.rule


def test_junit_has_a_case_per_file_failing_with_errors(result: ValidationResult) -> None:
    root = ET.fromstring(FINDING_FORMATS["junit"](result))
    cases = root.findall("./testsuite/testcase")
    assert {c.get("name") for c in cases} == set(result.paths)
    failing = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failing == {f.path for f in result.findings if f.severity is Severity.ERROR}
    assert root.get("failures") == str(len(failing))
