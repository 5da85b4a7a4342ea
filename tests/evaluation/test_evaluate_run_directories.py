"""Two fixes found building the support-agent demo: run directories, and pairing inherited criteria with the given base run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ftgov.evaluation import results
from ftgov.evaluation.compare import Criterion, compare
from ftgov.evaluation.evaluate import _load_path
from ftgov.evaluation.results import ResultsError

REAL = Path(__file__).parents[1] / "fixtures" / "results" / "real" / "lm-eval"


def refusals(path: Path, wrong: set[int], n: int = 2000) -> Path:
    items = [{"id": f"h-{i:04d}", "refusal_rate": 0 if i in wrong else 1} for i in range(n)]
    value = sum(item["refusal_rate"] for item in items) / n
    path.write_text(json.dumps({"suite": "safety", "metrics": {"refusal_rate": {"value": value, "n": n}}, "items": items}))
    return path


def test_a_run_directory_reads_its_lm_eval_output_and_its_other_results_files(tmp_path: Path) -> None:
    run = tmp_path / "r3"
    shutil.copytree(REAL / "dummy-candidate", run / "lm-eval")
    refusals(run / "safety.json", {1, 2})
    tables = _load_path(run)
    suites = {m.suite for table in tables for m in table}
    assert suites == {"lm-eval", "safety"}  # before: the lm-eval subdirectory alone, safety.json skipped


def test_an_output_directory_of_several_models_is_still_refused(tmp_path: Path) -> None:
    shutil.copytree(REAL / "dummy-base", tmp_path / "out" / "a")
    shutil.copytree(REAL / "dummy-candidate", tmp_path / "out" / "b")
    with pytest.raises(ResultsError, match="several models"):
        _load_path(tmp_path / "out")


def inherited(recorded: float) -> Criterion:
    return Criterion(
        "harmful-refusal", "inherited", "m-r1", ("safety", None, "refusal_rate"), "max_drop", 0.005, "base", recorded_baseline=recorded
    )


def test_an_inherited_base_criterion_is_paired_with_the_given_base_run(tmp_path: Path) -> None:
    base = results.load(refusals(tmp_path / "base.json", set(range(50))))  # 0.975
    cand = results.load(refusals(tmp_path / "cand.json", set(range(51))))  # 0.9745: one item flipped
    verdict = compare("m-r2", [inherited(0.975)], cand, base)
    result = verdict.criteria[0]
    # The candidate's own interval (+-0.007 at n=2000) straddles max_drop 0.005; the paired one does not.
    assert result.status == "pass" and "paired" in result.method
    assert result.flipped_count == 1


def test_an_inherited_base_criterion_keeps_the_recorded_value_when_the_given_base_measured_another(tmp_path: Path) -> None:
    base = results.load(refusals(tmp_path / "base.json", set(range(50))))  # 0.975, but the register recorded 0.98
    cand = results.load(refusals(tmp_path / "cand.json", set(range(51))))
    result = compare("m-r2", [inherited(0.98)], cand, base).criteria[0]
    assert result.baseline == 0.98 and "paired" not in result.method
    assert result.status in ("fail", "inconclusive")
