"""The README's `ftgov evaluate` demo on the support-agent example: the commands and the verdicts it shows.

This test is about the example content on purpose (the example is the product's demo): it
copies registers/, objectives/, policies/ and examples/evaluations/ into a tmp directory,
runs the README's commands there, and checks the verdicts the README describes: the
legitimate round 3 passes, scenario A (a helpfulness tune, refusals 97.3% -> 84.1%) fails on
the standing safety boundary, scenario B (round 1's gain eroded) fails on round 1's inherited
criterion. It also checks that the results are what make_results.py writes, byte for byte,
and that the reports the register pins are what `ftgov evaluate` produces from them.
"""

from __future__ import annotations

import filecmp
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ftgov.cli import main

ROOT = Path(__file__).resolve().parents[2]
RUNS = "examples/evaluations/support-agent"
REFERENCES = ["--baseline", f"{RUNS}/base", "--parent", f"{RUNS}/r2"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    for part in ("registers", "objectives", "policies", "examples/evaluations"):
        shutil.copytree(ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def run(demo: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.chdir(demo)  # the README's commands use paths relative to the repository root
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def evaluate(demo: Path, monkeypatch: pytest.MonkeyPatch, candidate: str, fmt: str = "json") -> tuple[int, dict[str, Any] | str]:
    code, output = run(
        demo, monkeypatch, "evaluate", "support-agent-r3", "--candidate", f"{RUNS}/{candidate}", *REFERENCES, "--format", fmt
    )
    return code, (json.loads(output) if fmt == "json" else output)


def find(report: dict[str, Any], criterion: str, origin: str) -> dict[str, Any]:
    matches = [c for c in report["criteria"] if c["id"] == criterion and c["origin"] == origin]
    assert len(matches) == 1, [(c["id"], c["origin"]) for c in report["criteria"]]
    return matches[0]


def test_the_legitimate_round_passes_every_criterion_of_its_stack(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, report = evaluate(demo, monkeypatch, "r3")
    assert isinstance(report, dict)
    assert code == 0 and report["verdict"] == "pass"
    assert report["stack"] == ["support-agent-r1", "support-agent-r2", "support-agent-r3"]
    assert {c["status"] for c in report["criteria"]} == {"pass"}
    assert {c["origin"] for c in report["criteria"]} >= {"support-agent-r1", "support-agent-r2", "support-agent-r3"}
    concise = find(report, "concise-answers", "support-agent-r3")
    assert (concise["baseline"], concise["candidate"]) == (0.38, 0.62)


def test_scenario_a_helpfulness_up_refusals_down_fails_on_the_standing_safety_boundary(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, report = evaluate(demo, monkeypatch, "r3-helpful")
    assert isinstance(report, dict)
    assert code == 1 and report["verdict"] == "fail"
    safety = find(report, "harmful-refusal", "support-agent-r3")
    assert safety["kind"] == "standing-safety" and safety["status"] == "fail"
    assert (safety["baseline"], safety["candidate"]) == (0.973, 0.841)
    assert safety["ci"][1] < -0.005  # the whole interval of the drop is beyond max_drop
    # What the tune was for did improve: the round fails on safety alone.
    assert find(report, "concise-answers", "support-agent-r3")["status"] == "pass"
    tone = find(report, "enterprise-tone", "support-agent-r3")
    assert tone["status"] == "pass" and tone["delta"] > 0
    assert {c["metric"] for c in report["criteria"] if c["status"] != "pass"} == {"safety/refusal_rate"}
    _, text = evaluate(demo, monkeypatch, "r3-helpful", "text")
    assert isinstance(text, str) and text.startswith("FAIL: support-agent-r3 fails")
    assert any(line.split()[:2] == ["fail", "harmful-refusal"] and "0.841" in line for line in text.splitlines())


def test_scenario_b_drift_fails_on_round_1s_inherited_criterion_while_round_3s_own_passes(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, report = evaluate(demo, monkeypatch, "r3-drift")
    assert isinstance(report, dict)
    assert code == 1 and report["verdict"] == "fail"
    inherited = find(report, "structured-finance", "support-agent-r1")
    assert inherited["kind"] == "inherited" and inherited["status"] == "fail"
    assert inherited["candidate"] == 0.772 and inherited["floor"] == pytest.approx(0.80)
    assert "floor" in inherited["reason"]
    own = find(report, "structured-finance", "support-agent-r3")  # r3 guards it against the base model only
    assert own["status"] == "pass"
    assert all(c["metric"] == "lm-eval/fin_struct/acc" for c in report["criteria"] if c["status"] != "pass")
    assert find(report, "concise-answers", "support-agent-r3")["status"] == "pass"


@pytest.mark.parametrize(
    ("objective", "args"),
    [
        ("support-agent-r1", ["--candidate", f"{RUNS}/r1", "--baseline", f"{RUNS}/base"]),
        ("support-agent-r2", ["--candidate", f"{RUNS}/r2", "--baseline", f"{RUNS}/base", "--parent", f"{RUNS}/r1"]),
    ],
)
def test_the_reports_the_register_pins_are_what_evaluate_writes_from_the_results(
    demo: Path, monkeypatch: pytest.MonkeyPatch, objective: str, args: list[str]
) -> None:
    """The pinned reports are sealed evidence (their rounds were decided), recorded by an earlier ftgov.

    Re-evaluating the same results today gives the same verdict, statuses and measured values;
    intervals, methods and warnings follow the current statistical rules and are not rewritten
    into a decided round (FTG957 would refuse it).
    """
    code, output = run(demo, monkeypatch, "evaluate", objective, *args, "--format", "json")
    assert code == 0
    today = json.loads(output)
    pinned = json.loads((demo / "registers" / "support-agent" / f"{objective}.evaluation.json").read_text())
    for key in ("objective", "objective_sha256", "verdict", "model", "stack", "references", "measured", "inputs"):
        assert today[key] == pinned[key], key

    def statuses(report: dict[str, Any]) -> set[tuple[str, str, str, str]]:
        return {(c["origin"], c["id"], c["metric"], c["status"]) for c in report["criteria"]}

    assert statuses(today) == statuses(pinned)
    assert run(demo, monkeypatch, "check")[0] == 0


def test_make_results_writes_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "examples/evaluations/make_results.py"), str(tmp_path / "out")], check=True, capture_output=True
    )
    committed = ROOT / RUNS
    written = sorted(p.relative_to(tmp_path / "out") for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    match, mismatch, errors = filecmp.cmpfiles(committed, tmp_path / "out", [str(p) for p in written], shallow=False)
    assert (mismatch, errors) == ([], []) and len(match) == len(written) > 20
