"""`ftgov evaluate` fails closed: what it cannot compare is `missing`, what it cannot read is exit 2.

Each test copies the repository's policy, objectives and register and the worked example's
results into tmp_path, changes one thing there (a deleted or empty samples file, a changed
n-shot, a binary file, a register that is a directory, a round that has not been trained),
and runs the real command. The example content is only ever read, never changed in place.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from ..conftest import ROOT, run_ftgov

RUNS = ROOT / "examples" / "evaluations" / "support-agent"
R3 = "support-agent-r3"
REGISTER = "registers/support-agent.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for part in ("registers", "objectives", "policies"):
        shutil.copytree(ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def copy_run(tmp_path: Path, name: str) -> Path:
    target = tmp_path / "runs" / name
    shutil.copytree(RUNS / name, target)
    return target


def lm_eval_file(run: Path, prefix: str) -> Path:
    (found,) = sorted((run / "lm-eval").glob(f"{prefix}*"))
    return found


def evaluate(repo: Path, candidate: Path, *extra: str, parent: Path | None = RUNS / "r2"):
    args = ["evaluate", R3, "--candidate", str(candidate), "--baseline", str(RUNS / "base"), "--repo-root", str(repo)]
    if parent is not None:
        args += ["--parent", str(parent)]
    return run_ftgov(*args, *extra)


def report(repo: Path, candidate: Path) -> dict[str, Any]:
    done = evaluate(repo, candidate, "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def statuses(found: dict[str, Any]) -> dict[tuple[str, str, str], str]:
    return {(c["id"], c["origin"], c["metric"]): c["status"] for c in found["criteria"]}


def one_line_naming(done: Any, name: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0], done.stderr


# 1. A deleted samples file does not make a declared calibration criterion disappear


def test_the_full_copy_judges_calibration_on_fin_struct(repo: Path, tmp_path: Path) -> None:
    found = report(repo, copy_run(tmp_path, "r3"))
    assert found["verdict"] == "pass"
    assert statuses(found)[("calibration:lm-eval/fin_struct/acc", R3, "lm-eval/fin_struct/acc/ece")] == "pass"


def test_a_deleted_samples_file_leaves_the_calibration_criterion_missing(repo: Path, tmp_path: Path) -> None:
    run = copy_run(tmp_path, "r3")
    lm_eval_file(run, "samples_fin_struct_2").unlink()
    done = evaluate(repo, run, "--format", "json")
    assert done.returncode == 1, done.stderr
    found = json.loads(done.stdout)
    calibration = [c for c in found["criteria"] if c["id"] == "calibration:lm-eval/fin_struct/acc"]
    assert len(calibration) == 1 and calibration[0]["status"] == "missing"
    assert "candidate" in calibration[0]["reason"] and "confidences" in calibration[0]["reason"]
    assert found["verdict"] == "fail"


def test_a_base_run_without_confidences_leaves_calibration_missing_too(repo: Path, tmp_path: Path) -> None:
    base = copy_run(tmp_path, "base")
    lm_eval_file(base, "samples_fin_struct_2").unlink()
    run = copy_run(tmp_path, "r3")
    done = run_ftgov(
        "evaluate", R3, "--candidate", str(run), "--baseline", str(base), "--parent", str(RUNS / "r2"),
        "--repo-root", str(repo), "--format", "json",
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    found = json.loads(done.stdout)
    assert statuses(found)[("calibration:lm-eval/fin_struct/acc", R3, "lm-eval/fin_struct/acc/ece")] == "missing"


def test_an_empty_samples_file_is_an_input_error_naming_it(repo: Path, tmp_path: Path) -> None:
    run = copy_run(tmp_path, "r3")
    samples = lm_eval_file(run, "samples_fin_struct_2")
    samples.write_text("")
    one_line_naming(evaluate(repo, run), samples.name)


# 2. Inherited criteria compare settings too


def test_a_changed_n_shot_is_missing_for_inherited_criteria_on_the_same_metric(repo: Path, tmp_path: Path) -> None:
    run = copy_run(tmp_path, "r3")
    results = lm_eval_file(run, "results_")
    data = json.loads(results.read_text())
    data["n-shot"]["fin_struct"] = 5
    results.write_text(json.dumps(data, indent=2))
    done = evaluate(repo, run, "--format", "json")
    assert done.returncode == 1, done.stderr
    found = json.loads(done.stdout)
    on_fin_struct = [c for c in found["criteria"] if c["metric"] == "lm-eval/fin_struct/acc"]
    assert {c["origin"] for c in on_fin_struct} >= {"support-agent-r1", "support-agent-r2", R3}
    assert {c["status"] for c in on_fin_struct} == {"missing"}, [(c["id"], c["origin"], c["status"]) for c in on_fin_struct]
    assert all("n-shot" in c["reason"] for c in on_fin_struct)


def test_the_register_records_the_settings_of_each_measured_value(repo: Path) -> None:
    data = yaml.safe_load((repo / REGISTER).read_text())
    measured = data["rounds"][1]["evaluation"]["measured"]["lm-eval/fin_struct/acc"]
    assert measured["settings"]["n_shot"] == 0 and measured["settings"]["task_hash"]
    assert run_ftgov("check", "--repo-root", str(repo)).returncode == 0


def test_values_recorded_without_settings_are_vouched_for_by_the_base_run_or_missing(repo: Path, tmp_path: Path) -> None:
    register = repo / REGISTER
    register.write_text(re.sub(r", settings: \{[^}]*\}", "", register.read_text()))  # a register from before settings were kept
    assert "settings" not in register.read_text()
    run = copy_run(tmp_path, "r3")
    with_base = report(repo, run)
    assert with_base["verdict"] == "pass"  # the given base run measured fin_struct with the candidate's settings
    done = run_ftgov(
        "evaluate", R3, "--candidate", str(run), "--parent", str(RUNS / "r2"), "--repo-root", str(repo), "--format", "json"
    )
    assert done.returncode == 1, done.stderr
    inherited = [c for c in json.loads(done.stdout)["criteria"] if c["kind"] == "inherited"]
    assert inherited and {c["status"] for c in inherited} == {"missing"}
    assert all("recorded no settings" in c["reason"] or "no base" in c["reason"] for c in inherited), inherited


# 3. What cannot be read is exit 2, one line naming it


def test_a_binary_samples_file_is_an_input_error_naming_it(repo: Path, tmp_path: Path) -> None:
    run = copy_run(tmp_path, "r3")
    samples = lm_eval_file(run, "samples_fin_struct_2")
    samples.write_bytes(b"\xff\xfe\x00\x9c binary \x80\x81")
    one_line_naming(evaluate(repo, run), samples.name)


def test_a_directory_named_like_a_samples_file_is_an_input_error_naming_it(repo: Path, tmp_path: Path) -> None:
    run = copy_run(tmp_path, "r3")
    samples = lm_eval_file(run, "samples_fin_struct_2")
    samples.unlink()
    samples.mkdir()
    one_line_naming(evaluate(repo, run), samples.name)


def test_record_into_a_register_that_is_a_directory_writes_nothing(repo: Path, tmp_path: Path) -> None:
    (repo / REGISTER).unlink()
    (repo / REGISTER).mkdir()
    shutil.rmtree(repo / "registers" / "support-agent")
    done = evaluate(repo, copy_run(tmp_path, "r3"), "--record")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "support-agent.yaml" in done.stderr.strip().splitlines()[-1]
    assert list((repo / REGISTER).iterdir()) == []
    assert not (repo / "registers" / "support-agent").exists()


# 4. --record moves only a trained round to evaluated


def test_record_refuses_an_approved_round_and_names_the_missing_step(repo: Path, tmp_path: Path) -> None:
    before = (repo / REGISTER).read_bytes()
    done = evaluate(repo, copy_run(tmp_path, "r3"), "--record")
    assert done.returncode == 1, done.stderr
    assert "ftgov record-run" in done.stderr and "approved" in done.stderr
    assert (repo / REGISTER).read_bytes() == before
    assert not (repo / "registers" / "support-agent" / f"{R3}.evaluation.json").exists()
    assert run_ftgov("check", "--repo-root", str(repo)).returncode == 0


def test_record_refuses_a_round_the_register_lacks_and_lists_the_steps(repo: Path, tmp_path: Path) -> None:
    register = repo / REGISTER
    text = register.read_text()
    register.write_text(text[: text.index(f"  - objective: {R3}\n")])
    before = register.read_bytes()
    out = tmp_path / "r3.evaluation.json"
    done = evaluate(repo, copy_run(tmp_path, "r3"), "--record", "--out", str(out))
    assert done.returncode == 1, done.stderr
    assert "approval" in done.stderr and "ftgov record-run" in done.stderr
    assert register.read_bytes() == before
    assert not (repo / "registers" / "support-agent" / f"{R3}.evaluation.json").exists()
    assert out.is_file()  # the report the user asked for with --out is still written


RUN_CONFIG = """method: dpo
learning_rate: 5.0e-6
epochs: 1
batch_size: 32
lora: {rank: 16, alpha: 32, dropout: 0.05}
regularisation: [beta=0.1, weight_decay=0.01]
"""


def test_record_on_a_trained_round_passes_check(repo: Path, tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text(RUN_CONFIG)
    trained = run_ftgov(
        "record-run", R3, "--config", str(config), "--started-at", "2026-10-13T08:00:00Z",
        "--finished-at", "2026-10-13T16:00:00Z", "--repo-root", str(repo),
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    done = evaluate(repo, copy_run(tmp_path, "r3"), "--record")
    assert done.returncode == 0, done.stderr
    data = yaml.safe_load((repo / REGISTER).read_text())
    assert data["rounds"][2]["status"] == "evaluated"
    assert data["rounds"][2]["evaluation"]["measured"]["lm-eval/fin_struct/acc"]["settings"]["n_shot"] == 0
    checked = run_ftgov("check", "--repo-root", str(repo))
    assert checked.returncode == 0, checked.stdout
