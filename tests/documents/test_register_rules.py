"""FTG9xx: each register rule on a small self-contained repository (tests/fixtures/register), at exact positions.

The fixture is model `ledger`: three objectives, a register recording r1 deployed, r2
evaluated and r3 approved, and the two report files it pins. Each case edits one thing and
asserts every finding (code, line, column) the whole-repository check reports.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from ftgov.documents.repository import Repository
from ftgov.documents.rules import register
from ftgov.documents.validate import validate

from ..conftest import FIXTURES
from ..repository import build_ledger_repo

REGISTER = "registers/ledger.yaml"
R1, R2, R3 = (f"objectives/ledger/ledger-r{i}.yaml" for i in (1, 2, 3))
_FIXTURE_REGISTER = (FIXTURES / "register" / REGISTER).read_text()
R2_ROUND = _FIXTURE_REGISTER[_FIXTURE_REGISTER.index("  - objective: ledger-r2\n") : _FIXTURE_REGISTER.index("  - objective: ledger-r3\n")]


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return build_ledger_repo(tmp_path)


MOVE, DELETE = "<move to>", "<delete>"
R2_REPORT = "registers/ledger/ledger-r2.evaluation.json"
_FIXTURE_R2_REPORT = (FIXTURES / "register" / R2_REPORT).read_text()


def r2_report_says(old: str, new: str) -> list[tuple[str, str, str]]:
    """Edits that change r2's report and pin the changed bytes in the register, as someone editing both would."""
    pinned = hashlib.sha256(_FIXTURE_R2_REPORT.encode()).hexdigest()
    changed = hashlib.sha256(_FIXTURE_R2_REPORT.replace(old, new).encode()).hexdigest()
    return [(R2_REPORT, old, new), (REGISTER, pinned, changed)]


def edit(repo: Path, relative: str, old: str, new: str) -> None:
    file = repo / relative
    if old == MOVE:
        file.rename(repo / new)
        return
    if old == DELETE:
        file.unlink()
        return
    text = file.read_text()
    assert text.count(old) == 1, f"{old!r} is not once in {relative}"
    file.write_text(text.replace(old, new))


def found(repo: Path) -> list[tuple[str, str, int, int]]:
    result = validate(Repository(repo), jobs=1)
    return sorted((f.rule, f.path, f.line or 0, f.column or 0) for f in result.findings)


def test_fixture_is_clean(ledger: Path) -> None:
    assert found(ledger) == []


CASES: list[tuple[str, list[tuple[str, str, str]], list[tuple[str, str, int, int]]]] = [
    # (case, [(file, old, new)], expected findings)
    (
        "FTG901 register not at registers/<model>.yaml",
        [(REGISTER, MOVE, "registers/ledger-v2.yaml")],
        [("FTG901", "registers/ledger-v2.yaml", 3, 8)],
    ),
    (
        "FTG902 round objective missing",
        [(REGISTER, "  - objective: ledger-r3", "  - objective: ledger-r4")],
        [("FTG902", REGISTER, 66, 16)],
    ),
    (
        "FTG902 round objective has another id",
        [(R3, "id: ledger-r3", "id: ledger-r5")],
        [("FTG402", R3, 3, 5), ("FTG902", REGISTER, 66, 16), ("FTG905", REGISTER, 67, 23)],
    ),
    (
        "FTG903 register base differs",
        [(REGISTER, "base: example-org/base-model@0a1b2c3", "base: example-org/base-model@ffff000")],
        [("FTG903", REGISTER, 6, 16), ("FTG903", REGISTER, 36, 16), ("FTG903", REGISTER, 66, 16)],
    ),
    ("FTG904 round missing from the chain", [(REGISTER, R2_ROUND, "")], [("FTG904", REGISTER, 36, 16)]),
    (
        "FTG904 round listed twice",
        [(REGISTER, "  - objective: ledger-r3\n", "  - objective: ledger-r1\n")],
        [("FTG904", REGISTER, 66, 16), ("FTG905", REGISTER, 67, 23)],
    ),
    ("FTG905 approved objective edited", [(R1, "by hand because", "by hand, because")], [("FTG905", REGISTER, 7, 23)]),
    (
        "FTG905 approved round pins nothing",
        [(REGISTER, "    objective_sha256: c1f598b08b7ba056ba1e3ec6c3ad3d98bf919e863c59bda8048794d357ea6f41\n", "")],
        [("FTG905", REGISTER, 67, 13)],
    ),
    (
        "FTG906 decision on an evaluated round",
        [(REGISTER, "    status: deployed\n", "    status: evaluated\n")],
        [("FTG906", REGISTER, 35, 5)],
    ),
    (
        "FTG906 deployed with verdict fail",
        [
            (
                REGISTER,
                "      verdict: pass\n      measured:\n        lm-eval/reconcile/acc: {base: 0.60, candidate: 0.70}",
                "      verdict: fail\n      measured:\n        lm-eval/reconcile/acc: {base: 0.60, candidate: 0.70}",
            )
        ],
        [("FTG906", REGISTER, 30, 16), ("FTG915", REGISTER, 30, 16)],  # and the pinned report still says pass
    ),
    (
        "FTG906 run on an approved round",
        [
            (
                REGISTER,
                "    status: approved\n",
                "    status: approved\n    run: {started_at: 2026-03-01T08:00:00Z,"
                " configuration: {method: lora, learning_rate: 1.0e-4, epochs: 2, batch_size: 32}}\n",
            )
        ],
        [("FTG906", REGISTER, 69, 5)],
    ),
    (
        "FTG906 evaluated round without evaluation",
        [(REGISTER, "    status: approved\n", "    status: evaluated\n")],
        [("FTG906", REGISTER, 68, 13)],
    ),
    (
        "FTG907 round builds on a rejected round",
        [
            (
                REGISTER,
                "    status: evaluated\n",
                "    status: rejected\n    decision: {action: reject, by: raj-risk, at: 2026-02-05T09:00:00Z, reason: too casual still}\n",
            )
        ],
        [("FTG907", REGISTER, 67, 16)],
    ),
    (
        "FTG908 evaluated before training finished",
        [(REGISTER, "evaluated_at: 2026-02-04T09:00:00Z", "evaluated_at: 2026-02-03T11:00:00Z")],
        [("FTG908", REGISTER, 58, 21)],
    ),
    (
        "FTG908 trained before the parent finished",
        [
            (REGISTER, "merged_at: 2026-02-02T10:00:00Z", "merged_at: 2026-01-06T09:00:00Z"),
            (REGISTER, "started_at: 2026-02-03T08:00:00Z", "started_at: 2026-01-06T10:00:00+01:00"),
        ],
        [("FTG908", REGISTER, 44, 19)],
    ),
    (
        "FTG909 report changed",
        [("registers/ledger/ledger-r1.evaluation.json", '"verdict": "pass"', '"verdict": "fail"')],
        [("FTG909", REGISTER, 28, 22)],
    ),
    ("FTG909 report missing", [("registers/ledger/ledger-r2.evaluation.json", DELETE, "")], [("FTG909", REGISTER, 56, 15)]),
    (
        "FTG910 retired criterion never existed",
        [
            (
                REGISTER,
                "    retired_criteria: []",
                "    retired_criteria:\n      - {criterion: ledger-r1/reconcil, rationale: superseded, approved_by: risk}",
            )
        ],
        [("FTG910", REGISTER, 66, 21)],
    ),
    (
        "FTG910 retiring the round's own criterion",
        [
            (
                REGISTER,
                "    retired_criteria: []",
                "    retired_criteria:\n      - {criterion: ledger-r2/tone, rationale: superseded, approved_by: risk}",
            )
        ],
        [("FTG910", REGISTER, 66, 21)],
    ),
    (
        "FTG920 retirement approved by no policy role",
        [
            (
                REGISTER,
                "    retired_criteria: []",
                "    retired_criteria:\n      - {criterion: ledger-r1/reconcile, rationale: moved to another system, approved_by: cfo}",
            )
        ],
        [("FTG920", REGISTER, 66, 91)],
    ),
    (
        "FTG911 unlisted deviation",
        [
            (
                REGISTER,
                "learning_rate: 1.0e-4\n        epochs: 2\n",
                "learning_rate: 1.0e-4\n        epochs: 3\n",
            )
        ],
        [("FTG911", REGISTER, 20, 17)],
    ),
    (
        "FTG911 listed deviation that did not happen",
        [(REGISTER, "      deviations: []", "      deviations: [{field: lora.rank, planned: 8, actual: 8}]")],
        [("FTG911", REGISTER, 25, 20)],
    ),
    (
        "FTG911 listed deviation with other values",
        [(REGISTER, "actual: 8.0e-5, reason", "actual: 9.0e-5, reason")],
        [("FTG911", REGISTER, 54, 11)],
    ),
    (
        "FTG912 inherited metric not measured",
        [(REGISTER, "        lm-eval/reconcile/acc: {base: 0.60, parent: 0.70, candidate: 0.695}\n", "")],
        [("FTG912", REGISTER, 60, 7), ("FTG916", REGISTER, 60, 7)],  # the pinned report measured it
    ),
    (
        "FTG913 drift below round 1's achieved value",
        [(REGISTER, "candidate: 0.695}", "candidate: 0.685}"), *r2_report_says("\"candidate\": 0.695", "\"candidate\": 0.685")],
        [("FTG913", REGISTER, 59, 16)],
    ),
    (
        "FTG915 verdict differs from the pinned report",
        [(REGISTER, "verdict: pass\n      measured:\n        lm-eval/tone", "verdict: fail\n      measured:\n        lm-eval/tone")],
        [("FTG915", REGISTER, 59, 16)],
    ),
    (
        "FTG916 measured value differs from the pinned report",
        [(REGISTER, "parent: 0.95, candidate: 0.948}", "parent: 0.95, candidate: 0.95}")],
        [("FTG916", REGISTER, 64, 68)],
    ),
    (
        "FTG917 pinned report of another objective",
        r2_report_says("\"objective\": \"ledger-r2\"", "\"objective\": \"ledger-r1\""),
        [("FTG917", REGISTER, 56, 15)],
    ),
    (
        "FTG914 deviation beyond the tolerance, not acknowledged",
        [(REGISTER, "learning_rate: 8.0e-5", "learning_rate: 3.0e-4"), (REGISTER, "actual: 8.0e-5", "actual: 3.0e-4")],
        [("FTG914", REGISTER, 54, 11)],
    ),
    (
        "FTG925 round approved unreviewed (local sandbox)",
        [(REGISTER, "      pull_request: 7\n", "      unreviewed: true\n      forge: git\n")],
        [("FTG925", REGISTER, 40, 19)],
    ),
    (
        "FTG926 unreviewed round recorded deployed",
        [(REGISTER, "      pull_request: 3\n", "      unreviewed: true\n      forge: git\n")],
        [("FTG925", REGISTER, 10, 19), ("FTG926", REGISTER, 8, 13)],
    ),
]


@pytest.mark.parametrize(("case", "edits", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rule_case(ledger: Path, case: str, edits: list[tuple[str, str, str]], expected: list[tuple[str, str, int, int]]) -> None:
    for relative, old, new in edits:
        edit(ledger, relative, old, new)
    assert found(ledger) == sorted(expected)
    assert case.split()[0] in {code for code, *_ in expected}


def test_every_register_rule_has_a_case() -> None:
    covered = {case.split()[0] for case, _, _ in CASES}
    assert {rule.code for rule in register.RULES} <= covered


def test_a_reviewed_retirement_removes_the_criterion_from_the_stack(ledger: Path) -> None:
    # r2 falls more than inherited_max_drop below what r1 achieved on reconcile (FTG913 case),
    # but retires r1's criterion with a rationale and a policy role: nothing is left to fail.
    edit(ledger, REGISTER, "candidate: 0.695}", "candidate: 0.685}")
    for relative, old, new in r2_report_says('"candidate": 0.695', '"candidate": 0.685'):  # the report measured it too
        edit(ledger, relative, old, new)
    edit(
        ledger,
        REGISTER,
        "    retired_criteria: []",
        "    retired_criteria:\n      - {criterion: ledger-r1/reconcile, rationale: moved to the new ledger system, approved_by: risk}",
    )
    assert found(ledger) == []


def _repin(repo: Path, relative: str, old_sha: str) -> None:
    new_sha = hashlib.sha256((repo / relative).read_bytes()).hexdigest()
    edit(repo, REGISTER, old_sha, new_sha)


R3_SHA = "c1f598b08b7ba056ba1e3ec6c3ad3d98bf919e863c59bda8048794d357ea6f41"


def test_the_chain_skips_a_rejected_round(ledger: Path) -> None:
    edit(
        ledger,
        REGISTER,
        "    status: evaluated\n",
        "    status: rejected\n    decision: {action: reject, by: raj-risk, at: 2026-02-05T09:00:00Z, reason: tone still casual}\n",
    )
    edit(ledger, R3, "  parent: ledger-r2", "  parent: ledger-r1")
    _repin(ledger, R3, R3_SHA)
    assert found(ledger) == []


def test_the_chain_may_not_skip_a_live_round(ledger: Path) -> None:
    edit(ledger, R3, "  parent: ledger-r2", "  parent: ledger-r1")
    _repin(ledger, R3, R3_SHA)
    assert found(ledger) == [("FTG904", REGISTER, 66, 16)]


def test_a_proposed_round_may_follow_an_unevaluated_one(ledger: Path) -> None:
    # Scaffolding the next round early is fine; approving it needs the parent's evaluation.
    edit(ledger, REGISTER, "    status: approved\n", "    status: proposed\n")
    assert found(ledger) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("    status: approved\n", "    status: launched\n", [("FTG103", REGISTER, 68, 13)]),
        ("evaluated_at: 2026-02-04T09:00:00Z", "evaluated_at: 2026-02-04T09:00:00", [("FTG103", REGISTER, 58, 21)]),
        (
            "      evidence: [{path: adapter_config.json, sha256: ",
            "      evidence: [{path: adapter_config.json, sha: ",
            [("FTG101", REGISTER, 24, 46), ("FTG102", REGISTER, 24, 18)],
        ),
    ],
    ids=["unknown status", "time without a zone", "evidence without sha256"],
)
def test_register_schema(ledger: Path, old: str, new: str, expected: list[tuple[str, str, int, int]]) -> None:
    edit(ledger, REGISTER, old, new)
    assert found(ledger) == expected


def test_a_register_that_is_not_a_mapping_is_an_input_error(ledger: Path) -> None:
    (ledger / REGISTER).write_text("- objective: ledger-r1\n")
    result = validate(Repository(ledger), jobs=1)
    assert [(f.rule, f.path) for f in result.findings] == [("FTG008", REGISTER)]
    assert result.exit_code == 2


def test_a_report_path_outside_the_repository_is_not_read(ledger: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside") / "report.json"
    shutil.copy(ledger / "registers/ledger/ledger-r2.evaluation.json", outside)
    (ledger / "registers/ledger/link.json").symlink_to(outside)
    edit(ledger, REGISTER, "report: registers/ledger/ledger-r2.evaluation.json", "report: registers/ledger/link.json")
    assert found(ledger) == [("FTG909", REGISTER, 56, 15)]


def test_rollback_to_base_is_accepted(ledger: Path) -> None:
    # ledger-r1 rolls back to `base`, as compare_to names the base checkpoint (DESIGN: rollback.to).
    assert "  to: base\n" in (ledger / R1).read_text()
    assert found(ledger) == []
    edit(ledger, R1, "  to: base\n", "  to: basis\n")
    _repin(ledger, R1, "ae653905670f23a04b33c5d3faf9560ca977a90a0d6c77138aaeb0a96fbba44e")
    # r1's report judged the objective as it was before the edit (FTG917).
    assert found(ledger) == [("FTG405", R1, 42, 7), ("FTG917", REGISTER, 27, 15)]
