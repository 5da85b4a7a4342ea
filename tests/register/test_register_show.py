"""`ftgov register show`: the stack of the latest round, in text, JSON and markdown, through the real command.

Built on the tests' own register fixture (model `ledger`: r1 deployed, r2 evaluated, r3
approved), copied into a temporary repository.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..conftest import run_ftgov
from ..repository import build_ledger_repo

REGISTER = "registers/ledger.yaml"


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return build_ledger_repo(tmp_path)


def show(repo: Path, *args: str) -> tuple[int, str, str]:
    result = run_ftgov("register", "show", *args, "--repo-root", str(repo))
    return result.returncode, result.stdout, result.stderr


def test_json_lists_every_criterion_with_origin_achieved_threshold_and_floor(ledger: Path) -> None:
    code, out, err = show(ledger, "ledger", "--format", "json")
    assert (code, err) == (0, "")
    view = json.loads(out)
    assert view["latest"] == {"objective": "ledger-r3", "status": "approved"}
    assert view["chain"] == ["ledger-r1", "ledger-r2", "ledger-r3"]
    by_ref = {c["ref"]: c for c in view["criteria"]}
    reconcile = by_ref["ledger-r1/reconcile"]
    # Declared by r1, which achieved 0.70: r3 may fall at most 0.01 below it.
    assert reconcile["origin"] == "ledger-r1" and reconcile["inherited"] is True and reconcile["kind"] == "success"
    assert reconcile["achieved"] == 0.70 and reconcile["tolerance"] == 0.01 and reconcile["floor"] == 0.69
    assert reconcile["metric"] == "lm-eval/reconcile/acc"
    assert reconcile["threshold"]["kind"] in ("min_improvement", "min_value")
    # r3's own criteria are not inherited and have no floor.
    own = [c for c in view["criteria"] if c["origin"] == "ledger-r3"]
    assert own and all(not c["inherited"] and c["floor"] is None for c in own)
    # Boundaries never get a floor, only success criteria do.
    assert all(c["floor"] is None for c in view["criteria"] if c["kind"] == "boundary")
    assert [r["objective"] for r in view["rounds"]] == ["ledger-r1", "ledger-r2", "ledger-r3"]
    assert view["retired"] == []


def test_a_retired_criterion_leaves_the_stack_and_is_shown_with_rationale_and_role(ledger: Path) -> None:
    register = ledger / REGISTER
    text = register.read_text()
    retirement = (
        "    retired_criteria:\n"
        "      - {criterion: ledger-r1/reconcile, rationale: the desk moved to another ledger system, approved_by: risk}\n"
    )
    register.write_text(text.replace("    status: approved\n", "    status: approved\n" + retirement))
    code, out, _ = show(ledger, "ledger", "--format", "json")
    assert code == 0
    view = json.loads(out)
    assert "ledger-r1/reconcile" not in {c["ref"] for c in view["criteria"]}
    assert view["retired"] == [
        {
            "criterion": "ledger-r1/reconcile",
            "rationale": "the desk moved to another ledger system",
            "approved_by": "risk",
            "retired_in": "ledger-r3",
        }
    ]
    code, text_out, _ = show(ledger, "ledger")
    assert "ledger-r1/reconcile: retired in ledger-r3, approved by risk: the desk moved to another ledger system" in text_out


def test_text_and_markdown_name_origin_and_floor(ledger: Path) -> None:
    code, out, _ = show(ledger, "ledger")
    assert code == 0
    assert "latest round ledger-r3 (approved); chain ledger-r1 -> ledger-r2 -> ledger-r3" in out
    assert "floor 0.69 (0.7 - 0.01)" in out
    code, markdown, _ = show(ledger, "ledger", "--format", "markdown")
    assert code == 0
    assert markdown.startswith("## ledger: the stack ledger-r3 must meet")
    assert "| ledger-r1/reconcile | success | ledger-r1 (inherited) | `lm-eval/reconcile/acc` |" in markdown


def test_out_writes_the_report_atomically(ledger: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    target = tmp_path_factory.mktemp("out") / "stack.json"
    code, out, _ = show(ledger, "ledger", "--format", "json", "--out", str(target))
    assert (code, out) == (0, "")
    assert json.loads(target.read_text())["latest"]["objective"] == "ledger-r3"


@pytest.mark.parametrize(
    ("register_text", "model", "expected"),
    [
        (None, "nope", "registers/nope.yaml: no register for model nope"),
        (None, "../ledger", "is not a model name"),
        ("[1, 2]\n", "ledger", "registers/ledger.yaml"),
        (
            "apiVersion: ftgov/v1\nkind: CumulativeRegister\nmodel: ledger\nbase: a@b\n"
            "rounds:\n  - {objective: ledger-r1, status: shipped}\n",
            "ledger",
            "registers/ledger.yaml:6:",
        ),
        ("apiVersion: ftgov/v1\nkind: CumulativeRegister\nmodel: ledger\nbase: a@b\nrounds: []\n", "ledger", "records no rounds yet"),
    ],
    ids=["unknown model", "not a model name", "not a mapping", "unknown status", "no rounds"],
)
def test_bad_input_exits_2_in_one_line(ledger: Path, register_text: str | None, model: str, expected: str) -> None:
    if register_text is not None:
        (ledger / REGISTER).write_text(register_text)
    code, out, err = show(ledger, model)
    assert code == 2
    assert out == ""
    assert expected in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
