"""Every rule has a fixture that triggers it; each asserts code, line and column exactly."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ftgov.documents.findings import Severity
from ftgov.documents.repository import Repository
from ftgov.documents.rules import ALL_RULES
from ftgov.documents.validate import validate

from ..conftest import FIXTURES, ROOT
from ..repository import documents

RULE_FIXTURES = sorted((FIXTURES / "rules").glob("*.yaml"))
# Rules whose trigger is built in a test rather than kept as a file: a >1 MiB file
# (test_loader), repository settings read from GitHub (test_audit), and register rules,
# which need objectives and reports beside the register (test_register_rules).
# FTG508 needs an objective that supersedes another and FTG509 a policy with data.required: tests/documents/test_data_rules.py.
GENERATED = {"FTG007", "FTG508", "FTG509"} | {rule.code for rule in ALL_RULES if rule.code.startswith(("FTG8", "FTG9"))}


def _header(raw: bytes) -> tuple[str, set[tuple[str, int, int]]]:
    path = re.search(rb"^# path: (\S+)$", raw, re.MULTILINE)
    expect = re.search(rb"^# expect:(.*)$", raw, re.MULTILINE)
    assert path and expect, "fixture needs '# path:' and '# expect:' lines"
    expected = set()
    for item in expect.group(1).decode().split():
        code, place = item.split("@")
        line, column = place.split(":")
        expected.add((code, int(line), int(column)))
    return path.group(1).decode(), expected


def _place(repo: Path, fixture: Path) -> tuple[Path, set[tuple[str, int, int]]]:
    raw = fixture.read_bytes()
    relative, expected = _header(raw)
    target = repo / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(raw)
    return target, expected


@pytest.mark.parametrize("fixture", RULE_FIXTURES, ids=[f.stem for f in RULE_FIXTURES])
def test_fixture_triggers_exactly_its_findings(governance_repo: Path, fixture: Path) -> None:
    target, expected = _place(governance_repo, fixture)
    repo = Repository(governance_repo)
    # Policy fixtures need the whole repository (unused waivers are judged on full runs).
    result = validate(repo, None if target.name == "policy.yaml" else [target])
    found = {(f.rule, f.line, f.column) for f in result.findings}
    assert found == expected
    assert fixture.stem in {code for code, _, _ in found}


def test_every_rule_has_a_fixture() -> None:
    covered = {f.stem for f in RULE_FIXTURES} | GENERATED
    assert {rule.code for rule in ALL_RULES} <= covered


def test_rule_codes_are_unique_and_documented() -> None:
    codes = [rule.code for rule in ALL_RULES]
    assert len(codes) == len(set(codes))
    for rule in ALL_RULES:
        assert re.fullmatch(r"FTG\d{3}", rule.code)
        for section in ("Why this matters:", "Example", "Fix:"):
            assert section in rule.doc, f"{rule.code} doc lacks {section!r}"


def test_valid_fixture_and_worked_example_are_clean(governance_repo: Path) -> None:
    shutil.copy(FIXTURES / "valid" / "support-agent-r4.yaml", governance_repo / "objectives" / "support-agent")
    result = validate(Repository(governance_repo))
    assert result.findings == ()
    assert result.exit_code == 0
    assert sorted(result.paths) == [d.relative_to(governance_repo).as_posix() for d in documents(governance_repo)]


def test_repository_itself_passes_check() -> None:
    """The organisation's own documents may carry info and warning findings; never an error."""
    result = validate(Repository(ROOT))
    assert [f for f in result.findings if f.severity is Severity.ERROR] == []
    assert result.exit_code == 0


def _waive(repo: Path, rule: str, path: str, expires: str) -> None:
    policy = repo / "policies" / "policy.yaml"
    waiver = (
        f"waivers:\n  - rule: {rule}\n    path: {path}\n"
        "    reason: the forgetting default is the boundary we want\n"
        f"    approved_by: raj-risk\n    expires: {expires}\n"
    )
    policy.write_text(policy.read_text().replace("waivers: []", waiver))


def test_waiver_suppresses_matching_finding_and_is_reported(governance_repo: Path) -> None:
    _place(governance_repo, FIXTURES / "rules" / "FTG306.yaml")
    _waive(governance_repo, "FTG306", "objectives/support-agent/support-agent-r4.yaml", "2099-12-31")
    result = validate(Repository(governance_repo))
    assert result.findings == ()
    assert [(f.rule, f.path) for f, _ in result.waived] == [("FTG306", "objectives/support-agent/support-agent-r4.yaml")]
    assert result.waived[0][1].approved_by == "raj-risk"


def test_expired_waiver_stops_applying(governance_repo: Path) -> None:
    _place(governance_repo, FIXTURES / "rules" / "FTG306.yaml")
    _waive(governance_repo, "FTG306", "objectives/support-agent/*.yaml", "2020-01-01")
    result = validate(Repository(governance_repo))
    assert {f.rule for f in result.findings} == {"FTG701", "FTG306"}
    assert result.exit_code == 1


def test_subset_run_finds_duplicates_and_parents_without_reading_everything(governance_repo: Path) -> None:
    # A named file is checked against the rest of the repository: its parent r3 exists.
    target, _ = _place(governance_repo, FIXTURES / "valid" / "support-agent-r4.yaml")
    assert validate(Repository(governance_repo), [target]).findings == ()
    (governance_repo / "objectives" / "support-agent" / "support-agent-r3.yaml").unlink()
    result = validate(Repository(governance_repo), [target])
    assert {f.rule for f in result.findings} == {"FTG403", "FTG405"}


def test_parallel_and_serial_runs_agree(governance_repo: Path) -> None:
    source = (governance_repo / "objectives" / "support-agent" / "support-agent-r2.yaml").read_text()
    for i in range(80):
        folder = governance_repo / "objectives" / f"m{i}"
        folder.mkdir()
        text = source.replace("support-agent-r2", f"m{i}-r2").replace("name: support-agent", f"name: m{i}")
        if i % 7 == 0:
            text = text.replace("risk_tier: high", "risk_tier: urgent")
        (folder / f"m{i}-r2.yaml").write_text(text)
    repo = Repository(governance_repo)
    serial = validate(repo, jobs=1)
    parallel = validate(repo, jobs=2)
    assert serial.findings == parallel.findings
    # m{i}-r2 names support-agent-r1 as parent: another model's round.
    assert {f.rule for f in serial.findings} == {"FTG103", "FTG404", "FTG405"}
    assert sum(1 for f in serial.findings if f.rule == "FTG103") == len(range(0, 80, 7))


def test_an_integer_beyond_any_float_is_a_finding_not_a_crash(governance_repo: Path) -> None:
    target, _ = _place(governance_repo, FIXTURES / "valid" / "support-agent-r4.yaml")
    target.write_text(target.read_text().replace("replay_fraction: 0.1", "replay_fraction: 1" + "0" * 309))
    result = validate(Repository(governance_repo), [target])
    assert [f.rule for f in result.findings] == ["FTG503"]
