"""A round's evaluation is bound to the report it pins (FTG915-917), and `decide` deploys no round `ftgov check` fails.

Each test starts from a round built by the commands on the tests' own register fixture
(model `ledger`, tests/fixtures/register): ledger-r3 is proposed with `ftgov new`, approved
and trained with `ftgov record-run --gate-attestation` (a signed approval statement), and evaluated with `ftgov evaluate
--record` on tests/fixtures/evaluate/results: its r3-drift candidate fails round 1's
inherited reconcile criterion, so the register records `verdict: fail`. The tests then
do what a reviewer found possible: edit the register, the report, or both.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from ..conftest import FIXTURES, run_ftgov
from ..repository import build_ledger_repo
from .test_record_run import _approval  # one builder of ledger-r3's signed approval statement

REGISTER = "registers/ledger.yaml"
REPORT = "registers/ledger/ledger-r3.evaluation.json"
R3 = "objectives/ledger/ledger-r3.yaml"
RESULTS = FIXTURES / "evaluate" / "results"
CONFIGS = FIXTURES / "runconfig"


def ftgov(repo: Path, *args: str | Path) -> tuple[int, str, str]:
    done = run_ftgov(*map(str, args), "--repo-root", str(repo))
    return done.returncode, done.stdout, done.stderr


def _trained_round(root: Path) -> Path:
    """ledger-r3 proposed by `ftgov new`, then approved and trained by `ftgov record-run`."""
    repo = build_ledger_repo(root / "repo")
    register = repo / REGISTER
    text = register.read_text()
    register.write_text(text[: text.index("  - objective: ledger-r3\n")])
    written = (repo / R3).read_bytes()  # the objective as its team wrote it
    (repo / R3).unlink()
    code, _, err = ftgov(repo, "new", "ledger")
    assert code == 0, err
    (repo / R3).write_bytes(written)  # the team replaces every TODO of the scaffold
    code, _, err = ftgov(
        repo,
        "record-run",
        "ledger-r3",
        "--config",
        CONFIGS / "axolotl.yaml",
        "--config",
        CONFIGS / "devices.yaml",
        *_approval(repo, root),
        "--started-at",
        "2026-02-10T08:00:00Z",
        "--finished-at",
        "2026-02-10T12:00:00Z",
    )
    assert code == 0, err
    return repo


@pytest.fixture(scope="module")
def evaluated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = _trained_round(tmp_path_factory.mktemp("evidence"))
    code, _, err = ftgov(
        repo,
        "evaluate",
        "ledger-r3",
        "--candidate",
        RESULTS / "r3-drift",
        "--baseline",
        RESULTS / "base",
        "--parent",
        RESULTS / "r2",
        "--record",
    )
    assert code == 1, err  # the verdict is fail; the report is recorded all the same
    assert "recorded registers/ledger/ledger-r3.evaluation.json" in err
    return repo


@pytest.fixture
def evaluated(evaluated_template: Path, tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(evaluated_template, repo)
    return repo


def replace_once(file: Path, old: str, new: str) -> None:
    text = file.read_text()
    assert text.count(old) == 1, f"{old!r} is not once in {file}"
    file.write_text(text.replace(old, new))


def r3_part(repo: Path) -> str:
    text = (repo / REGISTER).read_text()
    return text[text.index("  - objective: ledger-r3\n") :]


def position(repo: Path, needle: str, *, value: bool = False) -> tuple[int, int]:
    """1-based line and column of `needle` in round 3 of the register (of what follows it when `value`)."""
    text = (repo / REGISTER).read_text()
    start = text.index("  - objective: ledger-r3\n")
    at = text.index(needle, start) + (len(needle) if value else 0)
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rindex("\n", 0, at) + 1) + 1


def check(repo: Path) -> tuple[int, list[dict[str, Any]]]:
    code, out, err = ftgov(repo, "check", "--format", "json", "--jobs", "1")
    assert code in (0, 1), err
    return code, json.loads(out)["findings"]


def errors(findings: list[dict[str, Any]]) -> list[tuple[str, str, int, int]]:
    return sorted((f["rule"], f["path"], f["line"], f["column"]) for f in findings if f["severity"] == "error")


def repin(repo: Path) -> None:
    """Pin the report's current bytes in round 3, as someone editing both files would."""
    text = (repo / REGISTER).read_text()
    start = text.index("  - objective: ledger-r3\n")
    key = "      report_sha256: "
    at = text.index(key, start) + len(key)
    (repo / REGISTER).write_text(text[:at] + hashlib.sha256((repo / REPORT).read_bytes()).hexdigest() + text[at + 64 :])


def edit_report(repo: Path, change: Any) -> None:
    report = json.loads((repo / REPORT).read_text())
    change(report)
    (repo / REPORT).write_text(json.dumps(report, indent=2) + "\n")


# -- the round the commands build ---------------------------------------------------------------------


def test_the_commands_record_a_failing_round_that_check_accepts(evaluated: Path) -> None:
    assert "      verdict: fail\n" in r3_part(evaluated)
    report = json.loads((evaluated / REPORT).read_text())
    assert report["verdict"] == "fail" and report["objective"] == "ledger-r3"
    assert report["objective_sha256"] == hashlib.sha256((evaluated / R3).read_bytes()).hexdigest()
    assert f"objective_sha256: {report['objective_sha256']}" in r3_part(evaluated)
    assert check(evaluated) == (0, [])


# -- the register edited, the report not: FTG915, FTG916 ---------------------------------------------


def test_flipping_the_verdict_and_a_measured_value_fails_check_at_their_lines(evaluated: Path) -> None:
    register = evaluated / REGISTER
    replace_once(register, "      verdict: fail\n", "      verdict: pass\n")
    replace_once(register, "parent: 0.695, candidate: 0.66,", "parent: 0.695, candidate: 0.7,")
    code, findings = check(evaluated)
    assert code == 1
    assert errors(findings) == [
        ("FTG915", REGISTER, *position(evaluated, "      verdict: ", value=True)),
        ("FTG916", REGISTER, *position(evaluated, "parent: 0.695, candidate: ", value=True)),
    ]
    messages = {f["rule"]: f["message"] for f in findings}
    assert "the pinned report registers/ledger/ledger-r3.evaluation.json says fail" in messages["FTG915"]
    assert "lm-eval/reconcile/acc" in messages["FTG916"] and "0.66" in messages["FTG916"]


def test_a_measured_setting_or_metric_the_report_does_not_hold_is_ftg916(evaluated: Path) -> None:
    register = evaluated / REGISTER
    replace_once(register, "candidate: 0.66, settings: {n_shot: 0,", "candidate: 0.66, settings: {n_shot: 5,")
    replace_once(
        register,
        "        lm-eval/mmlu/acc: {base: 0.7, parent: 0.688",
        "        lm-eval/extra/acc: {candidate: 0.9}\n        lm-eval/mmlu/acc: {base: 0.7, parent: 0.688",
    )
    code, findings = check(evaluated)
    assert code == 1
    assert errors(findings) == sorted(
        [
            ("FTG916", REGISTER, *position(evaluated, "candidate: 0.66, settings: {n_shot: ", value=True)),
            ("FTG916", REGISTER, *position(evaluated, "lm-eval/extra/acc")),
        ]
    )


def test_a_metric_the_report_measured_and_the_register_dropped_is_ftg916(evaluated: Path) -> None:
    replace_once(
        evaluated / REGISTER,
        "        inspect/short/accuracy: {base: 0.3, parent: 0.3, candidate: 0.5, settings: {n_shot: 0, version: '1'}}\n",
        "",
    )
    code, findings = check(evaluated)
    assert code == 1
    found = [f for f in findings if f["rule"] == "FTG916"]
    assert [(f["line"], f["column"]) for f in found] == [position(evaluated, "measured:\n")]
    assert "inspect/short/accuracy" in found[0]["message"]


# -- the report edited -------------------------------------------------------------------------------


def test_editing_the_report_without_repinning_it_is_the_sha256_check(evaluated: Path) -> None:
    edit_report(evaluated, lambda r: r.update(verdict="pass"))
    code, findings = check(evaluated)
    assert code == 1
    assert errors(findings) == [("FTG909", REGISTER, *position(evaluated, "      report_sha256: ", value=True))]


def test_a_repinned_report_whose_verdict_contradicts_its_own_criteria_is_ftg915(evaluated: Path) -> None:
    edit_report(evaluated, lambda r: r.update(verdict="pass"))
    repin(evaluated)
    replace_once(evaluated / REGISTER, "      verdict: fail\n", "      verdict: pass\n")
    code, findings = check(evaluated)
    assert code == 1
    rules = errors(findings)
    assert ("FTG915", REGISTER, *position(evaluated, "      verdict: ", value=True)) in rules
    message = next(f["message"] for f in findings if f["rule"] == "FTG915")
    assert "reconcile" in message and "fail" in message


def test_a_pass_carried_by_an_inconclusive_safety_boundary_under_warn_is_ftg915(evaluated: Path) -> None:
    """`inconclusive: warn` lets ordinary criteria pass with a warning, never a safety boundary."""

    def waved_through(report: dict[str, Any]) -> None:
        report["verdict"] = "pass"
        report["method"]["inconclusive"] = "warn"
        for criterion in report["criteria"]:
            criterion["status"] = "inconclusive" if criterion["id"] == "harmful-refusal" else "pass"
            criterion["safety"] = criterion["id"] == "harmful-refusal"

    edit_report(evaluated, waved_through)
    repin(evaluated)
    replace_once(evaluated / REGISTER, "      verdict: fail\n", "      verdict: pass\n")
    code, findings = check(evaluated)
    assert code == 1
    message = next(f["message"] for f in findings if f["rule"] == "FTG915")
    assert "says pass, but its own criteria fail" in message and "harmful-refusal inconclusive" in message
    assert "reconcile" not in message


def _other_objective_sha(report: dict[str, Any]) -> None:
    report["objective_sha256"] = "0" * 64


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_other_objective_sha, "objective_sha256 0000000000000000000000000000000000000000000000000000000000000000"),
        (lambda r: r.pop("objective_sha256"), "names no objective_sha256"),
        (lambda r: r.update(objective="ledger-r2"), "is the report of ledger-r2"),
    ],
    ids=["another objective sha256", "no objective sha256", "another objective"],
)
def test_a_repinned_report_of_another_objective_is_ftg917(evaluated: Path, change: Any, expected: str) -> None:
    edit_report(evaluated, change)
    repin(evaluated)
    code, findings = check(evaluated)
    assert code == 1
    assert errors(findings) == [("FTG917", REGISTER, *position(evaluated, "      report: ", value=True))]
    assert expected in findings[0]["message"]


@pytest.mark.parametrize(
    "content", [b"not json {", b"[1, 2]", b"\xff\xfe", b'{"objective": "ledger-r3"}'], ids=["not json", "a list", "not utf-8", "no verdict"]
)
def test_a_repinned_report_that_is_not_an_evaluation_report_is_ftg917(evaluated: Path, content: bytes) -> None:
    (evaluated / REPORT).write_bytes(content)
    repin(evaluated)
    code, findings = check(evaluated)
    assert code == 1
    assert [f["rule"] for f in findings if f["severity"] == "error"] == ["FTG917"]
    assert "Traceback" not in json.dumps(findings)


# -- decide deploys nothing check fails --------------------------------------------------------------


def test_decide_refuses_to_deploy_a_round_whose_verdict_was_flipped(evaluated: Path) -> None:
    register = evaluated / REGISTER
    replace_once(register, "      verdict: fail\n", "      verdict: pass\n")
    before = register.read_bytes()
    code, out, err = ftgov(evaluated, "decide", "ledger-r3", "--action", "deploy", "--reason", "looks fine", "--by", "raj-risk")
    assert code == 1 and out == ""
    assert "ledger-r3 cannot be deployed" in err and "FTG915" in err
    assert f"{REGISTER}:{position(evaluated, '      verdict: ', value=True)[0]}:" in err
    assert register.read_bytes() == before


def test_decide_refuses_a_round_that_already_fails_check_not_only_new_findings(evaluated: Path) -> None:
    # A report forged consistently and re-pinned: everything bound, but the values fail the
    # stack (FTG913). That finding is there before the decision, and still refuses it.
    def forge(report: dict[str, Any]) -> None:
        report["verdict"] = "pass"
        for criterion in report["criteria"]:
            criterion["status"] = "pass"

    edit_report(evaluated, forge)
    repin(evaluated)
    replace_once(evaluated / REGISTER, "      verdict: fail\n", "      verdict: pass\n")
    assert [f["rule"] for f in check(evaluated)[1]] == ["FTG913"]
    before = (evaluated / REGISTER).read_bytes()
    code, _, err = ftgov(evaluated, "decide", "ledger-r3", "--action", "deploy", "--reason", "r", "--by", "raj-risk")
    assert code == 1
    assert "FTG913" in err and "nothing was written" in err
    assert (evaluated / REGISTER).read_bytes() == before


def test_reject_is_still_allowed_on_a_round_that_fails_check(evaluated: Path) -> None:
    replace_once(evaluated / REGISTER, "      verdict: fail\n", "      verdict: pass\n")
    code, _, err = ftgov(evaluated, "decide", "ledger-r3", "--action", "reject", "--reason", "r", "--by", "raj-risk")
    assert code == 0, err


# -- the report names its inputs portably ------------------------------------------------------------


def test_report_inputs_outside_the_repository_are_file_names_with_sha256(evaluated: Path, evaluated_template: Path) -> None:
    text = (evaluated / REPORT).read_text()
    assert str(RESULTS) not in text and str(evaluated_template) not in text
    report = json.loads(text)
    paths = {i["path"] for i in report["inputs"]}
    assert "lm-eval-reconcile.json" in paths and all("/" not in p for p in paths)
    for entry in report["inputs"]:
        assert (
            entry["sha256"]
            == hashlib.sha256(
                (RESULTS / {"candidate": "r3-drift", "base": "base", "parent": "r2"}[entry["role"]] / entry["path"]).read_bytes()
            ).hexdigest()
        )
    assert report["references"] == {"base": "given: base", "parent": "given: r2"}


def test_report_inputs_inside_the_repository_are_relative_to_its_root(tmp_path: Path) -> None:
    repo = _trained_round(tmp_path)
    for name in ("r3-good", "base", "r2"):
        shutil.copytree(RESULTS / name, repo / "evaluations" / name)
    code, _, err = ftgov(
        repo,
        "evaluate",
        "ledger-r3",
        "--candidate",
        repo / "evaluations" / "r3-good",
        "--baseline",
        repo / "evaluations" / "base",
        "--parent",
        repo / "evaluations" / "r2",
        "--record",
    )
    assert code == 0, err
    text = (repo / REPORT).read_text()
    assert str(tmp_path) not in text
    report = json.loads(text)
    assert {i["path"] for i in report["inputs"] if i["role"] == "candidate"} == {
        f"evaluations/r3-good/{p.name}" for p in (RESULTS / "r3-good").iterdir()
    }
    assert report["references"] == {"base": "given: evaluations/base", "parent": "given: evaluations/r2"}
    assert check(repo) == (0, [])
