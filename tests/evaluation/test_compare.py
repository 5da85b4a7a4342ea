"""Comparison: each status, paired against unpaired intervals on real lm-eval samples, ECE, determinism."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from ftgov.documents.policy import Policy
from ftgov.documents.stack import RecordedValues as Recorded
from ftgov.documents.stack import RoundRecord, build_stack
from ftgov.evaluation import results
from ftgov.evaluation import statistics as stats
from ftgov.evaluation.compare import Criterion, build_criteria, compare

REAL = Path(__file__).parents[1] / "fixtures" / "results" / "real" / "lm-eval"
BASE = REAL / "dummy-base"

POLICY = Policy.from_data(
    {
        "approvals": {"teams": {"technical": "acme/t"}, "required": {"low": ["technical"]}},
        "standing_safety_suite": [{"id": "harmful-refusal", "metric": {"suite": "safety", "name": "refusal_rate"}, "max_drop": 0.01}],
        "defaults": {"general_capability_max_relative_drop": 0.10, "tail_max_relative_drop": 0.15, "max_ece_increase": 0.05},
    },
    "policy.yaml",
)


def generic(tmp_path: Path, name: str, value: float, stderr: float | None = None, *, suite: str = "suite", **extra: Any) -> Path:
    metric: dict[str, Any] = {"value": value}
    if stderr is not None:
        metric["stderr"] = stderr
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"suite": suite, "task": "t", "metrics": {"m": metric}, **extra}))
    return path


def criterion(threshold: str, value: float, **fields: Any) -> Criterion:
    return Criterion("c", fields.pop("kind", "boundary"), "obj-r1", ("suite", "t", "m"), threshold, value, **fields)


def judge(tmp_path: Path, crit: Criterion, base: tuple[float, float | None], cand: tuple[float, float | None], **extra: Any) -> Any:
    (tmp_path / "b").mkdir(exist_ok=True)
    (tmp_path / "c").mkdir(exist_ok=True)
    base_table = results.load(generic(tmp_path / "b", "base", *base, **extra.get("base", {})))
    cand_table = results.load(generic(tmp_path / "c", "cand", *cand, **extra.get("cand", {})))
    verdict = compare("obj-r1", [crit], cand_table, base_table)
    return verdict.criteria[0], verdict


# Each status, from aggregates (unpaired normal interval, one comparison: 95%)


@pytest.mark.parametrize(
    ("crit", "base", "cand", "status"),
    [
        (criterion("min_improvement", 0.05, kind="success"), (0.60, 0.01), (0.70, 0.01), "pass"),  # gain [0.072, 0.128]
        (criterion("min_improvement", 0.05, kind="success"), (0.60, 0.01), (0.61, 0.01), "fail"),  # gain [-0.018, 0.038]
        (criterion("min_improvement", 0.05, kind="success"), (0.60, 0.01), (0.66, 0.01), "inconclusive"),
        (criterion("max_drop", 0.02), (0.80, 0.005), (0.80, 0.005), "pass"),  # [-0.014, 0.014]
        (criterion("max_drop", 0.02), (0.80, 0.005), (0.70, 0.005), "fail"),
        (criterion("max_drop", 0.02), (0.80, 0.01), (0.79, 0.01), "inconclusive"),  # [-0.038, 0.018]
        (criterion("max_relative_drop", 0.10), (0.50, 0.01), (0.49, 0.01), "pass"),  # allowed -0.05, interval [-0.038, 0.018]
        (criterion("max_relative_drop", 0.10), (0.50, 0.01), (0.40, 0.01), "fail"),
        (criterion("min_value", 0.80, kind="success"), (0.50, 0.01), (0.85, 0.01), "pass"),
        (criterion("min_value", 0.80, kind="success"), (0.50, 0.01), (0.70, 0.01), "fail"),
        (criterion("min_value", 0.80, kind="success"), (0.50, 0.01), (0.81, 0.01), "inconclusive"),
        # lower is better: a rise of the error rate is the drop
        (criterion("max_drop", 0.02, higher_is_better=False), (0.10, 0.002), (0.15, 0.002), "fail"),
        (criterion("max_drop", 0.02, higher_is_better=False), (0.10, 0.002), (0.05, 0.002), "pass"),
    ],
)
def test_each_status(tmp_path: Path, crit: Criterion, base: tuple[float, float], cand: tuple[float, float], status: str) -> None:
    result, verdict = judge(tmp_path, crit, base, cand)
    assert result.status == status, result
    mover = "unpaired difference (MOVER) of [normal (stderr)] and [normal (stderr)]"
    expected = "normal (stderr)" if crit.threshold == "min_value" else mover
    assert result.method == expected
    assert verdict.verdict == ("pass" if status == "pass" else "fail")
    assert result.delta == pytest.approx(cand[0] - base[0])
    low, high = result.ci
    assert low <= result.delta <= high


def test_interval_is_the_unpaired_normal_one(tmp_path: Path) -> None:
    result, _ = judge(tmp_path, criterion("max_drop", 0.02), (0.80, 0.01), (0.79, 0.01))
    half = 1.959963984540054 * math.hypot(0.01, 0.01)
    assert result.ci == pytest.approx((-0.01 - half, -0.01 + half))


def test_inconclusive_passes_with_a_warning_when_the_policy_says_warn(tmp_path: Path) -> None:
    base = results.load(generic(tmp_path, "base", 0.80, 0.01))
    (tmp_path / "c").mkdir()
    cand = results.load(generic(tmp_path / "c", "cand", 0.79, 0.01))
    verdict = compare("obj-r1", [criterion("max_drop", 0.02)], cand, base, inconclusive="warn")
    assert verdict.criteria[0].status == "inconclusive" and verdict.verdict == "pass"
    assert any("inconclusive" in w for w in verdict.warnings)


# missing: never a pass


def test_missing_metric_on_either_side(tmp_path: Path) -> None:
    base = results.load(generic(tmp_path, "base", 0.80, 0.01))
    (tmp_path / "c").mkdir()
    other = results.load(generic(tmp_path / "c", "cand", 0.80, 0.01, suite="elsewhere"))
    for cand_table, base_table, where in ((other, base, "candidate"), (base, other, "base")):
        verdict = compare("obj-r1", [criterion("max_drop", 0.02)], cand_table, base_table)
        result = verdict.criteria[0]
        assert result.status == "missing" and verdict.verdict == "fail"
        assert result.reasons[0].startswith(f"{where}: suite/t/m is not in the results")
    no_base = compare("obj-r1", [criterion("max_drop", 0.02)], base)
    assert no_base.criteria[0].status == "missing" and "no base results given" in no_base.criteria[0].reasons[0]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["n-shot"].update(claims_routing=5), "n-shot 0 vs 5"),
        (lambda d: d["versions"].update(claims_routing=2.0), "task version 1.0 vs 2.0"),
        (lambda d: d["task_hashes"].update(claims_routing="0" * 64), "task hash"),
        (lambda d: d["config"].update(limit=100), "limit none vs 100"),
    ],
    ids=["n-shot", "version", "task-hash", "limit"],
)
def test_runs_with_other_settings_are_missing(tmp_path: Path, change: Any, expected: str) -> None:
    source = next(BASE.glob("results_*.json"))
    data = json.loads(source.read_text())
    change(data)
    (tmp_path / "results_x.json").write_text(json.dumps(data))
    crit = Criterion("routing", "success", "obj-r1", ("lm-eval", "claims_routing", "acc"), "min_improvement", 0.0)
    verdict = compare("obj-r1", [crit], results.load(tmp_path / "results_x.json"), results.load(source))
    result = verdict.criteria[0]
    assert result.status == "missing" and verdict.verdict == "fail"
    assert expected in result.reasons[0]
    # and the move is not reported as if comparable
    assert not any(m.metric == "lm-eval/claims_routing/acc" for m in verdict.moves)


# Paired against unpaired, on the real dummy-base samples


def worse_copy(destination: Path, task: str, flips: int) -> Path:
    """dummy-base with `flips` right answers of `task` turned wrong: the same items, otherwise the same answers."""
    copy = shutil.copytree(BASE, destination)
    samples = next(copy.glob(f"samples_{task}_*.jsonl"))
    rows = [json.loads(line) for line in samples.read_text().splitlines()]
    right = [row for row in rows if row["acc"] == 1.0]
    for row in right[:flips]:
        row["acc"] = 0.0
    samples.write_text("".join(json.dumps(row) + "\n" for row in rows))
    results_file = next(copy.glob("results_*.json"))
    data = json.loads(results_file.read_text())
    values = np.array([row["acc"] for row in rows])
    data["results"][task]["acc,none"] = float(values.mean())
    data["results"][task]["acc_stderr,none"] = float(values.std(ddof=1) / math.sqrt(len(values)))  # lm-eval's mean_stderr
    results_file.write_text(json.dumps(data))
    return copy


def without_samples(directory: Path, destination: Path) -> Path:
    destination.mkdir()
    for results_file in directory.glob("results_*.json"):
        shutil.copy(results_file, destination / results_file.name)
    return destination


def test_paired_test_catches_a_two_point_drop_the_unpaired_interval_misses(tmp_path: Path) -> None:
    candidate_dir = worse_copy(tmp_path / "candidate", "claims_routing", 6)  # 6 of 300 items: 2 points
    crit = Criterion("routing-kept", "boundary", "obj-r1", ("lm-eval", "claims_routing", "acc"), "max_drop", 0.0)
    paired = compare("obj-r1", [crit], results.load(candidate_dir), results.load(BASE))
    result = paired.criteria[0]
    assert result.delta == pytest.approx(-0.02)
    # exact McNemar: 2 * 0.5**6 = 0.03125
    assert result.method == "Tango score interval, paired (6 right->wrong, 0 wrong->right of 300; McNemar exact p=0.0313)"
    assert result.ci[1] < 0 and result.status == "fail"
    assert result.flipped_count == 6 and len(result.flipped) == 6
    unpaired = compare(
        "obj-r1",
        [crit],
        results.load(without_samples(candidate_dir, tmp_path / "candidate-agg")),
        results.load(without_samples(BASE, tmp_path / "base-agg")),
    ).criteria[0]
    assert unpaired.delta == pytest.approx(-0.02)
    assert unpaired.method.startswith("unpaired difference (MOVER) of [the wider of [normal (stderr)]")
    assert unpaired.ci[0] < -0.06 and unpaired.ci[1] > 0.02  # sqrt(se^2 + se^2) ~ 0.035: +-0.069
    assert unpaired.status == "inconclusive"


def test_mcnemar_exact() -> None:
    assert stats.mcnemar_exact(6, 0) == pytest.approx(2 * 0.5**6)
    assert stats.mcnemar_exact(32, 12) == pytest.approx(0.0037, abs=5e-4)  # research note, section 6
    assert stats.mcnemar_exact(5, 5) == 1.0 and stats.mcnemar_exact(0, 0) == 1.0


def test_real_runs_flip_both_ways_and_every_move_is_reported() -> None:
    candidate = results.load(REAL / "dummy-candidate")
    verdict = compare("obj-r1", [], candidate, results.load(BASE))
    moved = {m.metric: m for m in verdict.moves}
    assert set(moved) == {"lm-eval/claims_routing/acc", "lm-eval/claims_routing/acc_norm", "lm-eval/policy_refusal/acc"}
    refusal = moved["lm-eval/policy_refusal/acc"]
    assert refusal.delta == pytest.approx(0.465 - 0.495) and refusal.flipped_count > 10
    assert refusal.method.startswith("Tango score interval, paired") and not refusal.named


def test_a_real_drop_outside_the_objective_is_a_warning(tmp_path: Path) -> None:
    candidate_dir = worse_copy(tmp_path / "candidate", "policy_refusal", 30)
    crit = Criterion("routing", "success", "obj-r1", ("lm-eval", "claims_routing", "acc"), "min_value", 0.0)
    verdict = compare("obj-r1", [crit], results.load(candidate_dir), results.load(BASE))
    assert verdict.criteria[0].status == "pass"
    assert [w for w in verdict.warnings if w.startswith("lm-eval/policy_refusal/acc vs base: worse by 0.15")]
    assert not any("claims_routing" in w for w in verdict.warnings)


def test_items_that_differ_are_not_paired(tmp_path: Path) -> None:
    base = generic(tmp_path, "base", 0.5, items=[{"id": "a", "m": 1}, {"id": "b", "m": 0}])
    (tmp_path / "c").mkdir()
    cand = generic(tmp_path / "c", "cand", 0.5, items=[{"id": "a", "m": 1}, {"id": "z", "m": 0}])
    result = compare("obj-r1", [criterion("max_drop", 0.1)], results.load(cand), results.load(base)).criteria[0]
    assert result.status == "missing" and "different items" in result.reasons[0]


# ECE


def test_ece_worked_example() -> None:
    # bins of width 1/15: 0.9 -> bin 13, 0.62 -> bin 9, 0.3 -> bin 4
    # bin 13: 2 items, accuracy 0.5, confidence 0.9  -> 2/5 * 0.40 = 0.160
    # bin 9:  2 items, accuracy 1.0, confidence 0.62 -> 2/5 * 0.38 = 0.152
    # bin 4:  1 item,  accuracy 0.0, confidence 0.3  -> 1/5 * 0.30 = 0.060
    confidence = np.array([0.9, 0.9, 0.62, 0.62, 0.3])
    correct = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    assert stats.ece(confidence, correct) == pytest.approx(0.372)
    assert stats.ece(np.array([1.0, 0.0]), np.array([1.0, 0.0])) == 0.0  # 1.0 falls in the last bin, 0.0 in the first


def calibration_run(directory: Path, confidence: float) -> Path:
    directory.mkdir()
    items = [{"id": f"q{i}", "m": int(i < 320), "confidence": confidence} for i in range(400)]
    return generic(directory, "run", 0.8, items=items)


def test_calibration_fails_when_the_candidate_is_overconfident(tmp_path: Path) -> None:
    base = results.load(calibration_run(tmp_path / "base", 0.8))  # ECE 0
    overconfident = results.load(calibration_run(tmp_path / "cand", 0.99))  # ECE 0.19
    crit = Criterion("calibration", "calibration", "policy", None, "max_ece_increase", 0.05, "base", False)
    verdict = compare("obj-r1", [crit], overconfident, base)
    result = verdict.criteria[0]
    assert result.criterion.id == "calibration:suite/t/m" and result.metric == "suite/t/m/ece"
    assert result.baseline == pytest.approx(0.0) and result.candidate == pytest.approx(0.19)
    assert result.ci[0] > 0.05 and result.status == "fail"
    same = compare("obj-r1", [crit], base, base).criteria[0]  # every resample of identical runs: the same ECE change
    assert same.status == "inconclusive" and "no uncertainty given" in same.reasons[0]


def test_declared_calibration_without_confidences_is_missing(tmp_path: Path) -> None:
    table = results.load(generic(tmp_path, "base", 0.8, 0.01))
    crit = Criterion("calibration", "calibration", "obj-r1", None, "max_ece_increase", 0.05, "base", False)
    verdict = compare("obj-r1", [crit], table, table)
    assert verdict.criteria[0].status == "missing" and "confidences" in verdict.criteria[0].reasons[0]
    assert verdict.verdict == "fail"


def test_the_policy_default_calibration_applies_only_where_confidences_exist(tmp_path: Path) -> None:
    table = results.load(generic(tmp_path, "base", 0.8, 0.01))
    crit = Criterion("calibration", "calibration", "policy", None, "max_ece_increase", 0.05, "base", False)
    boundary = criterion("max_drop", 0.05)
    verdict = compare("obj-r1", [crit, boundary], table, table)
    assert [r.criterion.id for r in verdict.criteria] == ["c"] and verdict.verdict == "pass"


# Determinism


def test_bootstrap_is_deterministic(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    scores = [{"id": f"q{i}", "m": round(float(v), 3)} for i, v in enumerate(rng.uniform(0, 1, 200))]
    moved = [{"id": item["id"], "m": round(min(1.0, float(item["m"]) + float(rng.uniform(-0.1, 0.05))), 3)} for item in scores]
    base = results.load(generic(tmp_path, "base", float(np.mean([s["m"] for s in scores])), items=scores))
    (tmp_path / "c").mkdir()
    candidate = results.load(generic(tmp_path / "c", "cand", float(np.mean([s["m"] for s in moved])), items=moved))
    crit = criterion("max_drop", 0.05)
    first = compare("obj-r1", [crit], candidate, base).criteria[0]
    again = compare("obj-r1", [crit], candidate, base).criteria[0]
    other_seed = compare("obj-r1", [crit], candidate, base, seed=7).criteria[0]
    assert first.method == "paired bootstrap"
    assert first.ci == again.ci
    assert first.ci != other_seed.ci
    values = np.linspace(0.0, 1.0, 50)
    twice = [stats.paired_mean(values, values[::-1], stats.rng_for("x")).interval(0.95) for _ in range(2)]
    assert twice[0] == twice[1]


def test_intervals_are_holm_corrected(tmp_path: Path) -> None:
    base = results.load(generic(tmp_path, "base", 0.80, 0.01))
    (tmp_path / "c").mkdir()
    cand = results.load(generic(tmp_path / "c", "cand", 0.80, 0.01))
    one = compare("o", [criterion("max_drop", 0.02)], cand, base)
    assert one.criteria[0].level == pytest.approx(0.95)  # two claims: the first at 0.05 / 2 one-sided
    five = compare("o", [criterion("max_drop", limit) for limit in (0.02, 0.021, 0.022, 0.023, 0.024)], cand, base)
    assert five.criteria[0].ci[1] > one.criteria[0].ci[1]
    assert "Holm step-down over 10 one-sided claims" in five.method["correction"]
    # the same claim restated (an inherited boundary and its copy) is one hypothesis, not five
    same = compare("o", [criterion("max_drop", 0.02)] * 5, cand, base)
    assert "over 2 one-sided claims" in same.method["correction"] and same.criteria[0].ci == one.criteria[0].ci


# Building the criteria


OBJECTIVE: dict[str, Any] = yaml.safe_load(
    """
id: claims-r1
model: {name: claims}
success_criteria:
  - {id: routing, metric: {suite: lm-eval, task: claims_routing, name: acc}, compare_to: base, min_improvement: 0.05}
regression_boundaries:
  - {id: harmful-refusal, metric: {suite: safety, name: refusal_rate}, compare_to: base, max_drop: 0.005, safety: true}
  - {id: general, metric: {suite: lm-eval, task: mmlu, name: acc}, max_relative_drop: 0.05, general_capability: true}
calibration: {max_ece_increase: 0.03}
"""
)


def test_criteria_from_objective_and_policy() -> None:
    criteria = {c.id: c for c in build_criteria(OBJECTIVE, POLICY)}
    assert criteria["routing"].kind == "success" and criteria["routing"].threshold == "min_improvement"
    # the objective is stricter than the standing suite: its own threshold stays
    assert criteria["harmful-refusal"].kind == "standing-safety" and criteria["harmful-refusal"].value == 0.005
    assert criteria["general"].kind == "boundary" and "general-capability" not in criteria
    assert criteria["calibration"].value == 0.03 and criteria["calibration"].origin == "claims-r1"


def test_policy_defaults_where_the_objective_is_silent() -> None:
    silent = {**OBJECTIVE, "regression_boundaries": OBJECTIVE["regression_boundaries"][1:], "calibration": None}
    criteria = {c.id: c for c in build_criteria(silent, POLICY)}
    assert criteria["harmful-refusal"].origin == "policy" and criteria["harmful-refusal"].value == 0.01
    assert criteria["calibration"].value == 0.05 and criteria["calibration"].origin == "policy"
    no_general = {**OBJECTIVE, "regression_boundaries": OBJECTIVE["regression_boundaries"][:1]}
    general = {c.id: c for c in build_criteria(no_general, POLICY)}["general-capability"]
    assert general.kind == "default-general" and general.value == 0.10 and general.metric is None


def test_default_general_guards_every_other_metric(tmp_path: Path) -> None:
    no_general = {**OBJECTIVE, "regression_boundaries": OBJECTIVE["regression_boundaries"][:1]}
    candidate_dir = worse_copy(tmp_path / "candidate", "policy_refusal", 30)  # 0.495 -> 0.345: a 30% relative drop
    verdict = compare("claims-r1", build_criteria(no_general, POLICY), results.load(candidate_dir), results.load(BASE))
    by_id = {r.criterion.id: r for r in verdict.criteria}
    assert by_id["general-capability:lm-eval/policy_refusal/acc"].status == "fail"
    assert by_id["general-capability:lm-eval/claims_routing/acc_norm"].status in ("pass", "inconclusive")
    assert "general-capability:lm-eval/claims_routing/acc" not in by_id  # named by 'routing'
    assert by_id["harmful-refusal"].status == "missing"  # the safety suite was not run
    assert verdict.verdict == "fail"
    shape = verdict.to_json()
    assert set(shape) >= {"objective", "verdict", "criteria", "inputs", "method", "moved"}
    assert {"id", "kind", "origin", "metric", "baseline", "candidate", "delta", "ci", "status"} <= set(shape["criteria"][0])
    assert shape["criteria"][0]["status"] == "fail"  # blocking criteria first
    assert {i["role"] for i in shape["inputs"]} == {"candidate", "base"} and all(len(i["sha256"]) == 64 for i in shape["inputs"])


def test_three_rounds_round_three_fails_round_ones_criterion(tmp_path: Path) -> None:
    """Scenario B: each round keeps its own criteria while round 1's gain erodes past its floor."""
    key = "lm-eval/claims_routing/acc"

    def objective(n: int, task: str) -> dict[str, Any]:
        return {
            "id": f"claims-r{n}",
            "model": {"name": "claims", **({"parent": f"claims-r{n - 1}"} if n > 1 else {})},
            "success_criteria": [{"id": f"goal-{n}", "metric": {"suite": "lm-eval", "task": task, "name": "acc"}, "min_value": 0.0}],
            "regression_boundaries": [],
        }

    rounds = [
        RoundRecord(
            "claims-r1",
            objective(1, "claims_routing"),
            {key: Recorded(base=0.20, candidate=0.35)},
        ),
        RoundRecord("claims-r2", objective(2, "policy_refusal"), {}),
        RoundRecord("claims-r3", objective(3, "policy_refusal"), {}),
    ]
    stack = build_stack(rounds, 0.01)
    criteria = [c for c in build_criteria(rounds[-1].objective, POLICY, stack) if c.kind in ("inherited", "success")]
    # round 3 measures claims_routing 0.243, well below the 0.35 round 1 achieved; the tolerance is 1 point
    verdict = compare("claims-r3", criteria, results.load(BASE), results.load(BASE))
    by_id = {r.criterion.id: r for r in verdict.criteria}
    inherited = by_id["goal-1"]
    assert inherited.criterion.kind == "inherited" and inherited.criterion.origin == "claims-r1"
    assert inherited.criterion.floor == pytest.approx(0.34)
    assert inherited.status == "fail" and verdict.verdict == "fail" and "floor 0.34" in inherited.reasons[0]
    assert by_id["goal-3"].status == "pass" and by_id["goal-2"].criterion.kind == "inherited"
