"""`ftgov evaluate` says pass only when the evidence supports it (issue 14's findings, each as a test).

Tables are built in memory where the subject is the statistics (the adapters have their own
tests on real files); the simulation counts outcomes with a fixed seed, it times nothing.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from ftgov.documents.policy import Policy
from ftgov.documents.stack import Metric
from ftgov.evaluation import results
from ftgov.evaluation import statistics as stats
from ftgov.evaluation.compare import Criterion, build_criteria, compare
from ftgov.evaluation.results.table import Items, Measurement, MetricTable, Provenance, ResultsError, Settings, Unusable

REAL = Path(__file__).parents[1] / "fixtures" / "results" / "real" / "lm-eval"


def measurement(
    metric: str = "m",
    value: float | None = None,
    *,
    items: tuple[list[str], list[float]] | None = None,
    confidences: list[float] | None = None,
    stderr: float | None = None,
    n: int | None = None,
    higher: bool | None = None,
    settings: Settings | None = None,
    suite: str = "suite",
    task: str | None = "t",
    path: str = "run.json",
) -> Measurement:
    built = None if items is None else Items.build(items[0], items[1], confidences)
    if value is None:
        assert built is not None
        value = float(built.values.mean())
    provenance = Provenance(path, "0" * 64, "generic")
    return Measurement(suite, task, metric, "none", value, stderr, n, higher, settings or Settings(), provenance, built)


def table(*measurements: Measurement, unusable: tuple[Unusable, ...] = ()) -> MetricTable:
    return MetricTable(tuple(measurements), tuple({m.provenance for m in measurements}), unusable)


def criterion(threshold: str, value: float, **fields: Any) -> Criterion:
    metric = fields.pop("metric", ("suite", "t", "m"))
    return Criterion(fields.pop("id", "c"), fields.pop("kind", "boundary"), "obj-r1", metric, threshold, value, **fields)


def binary(n: int, right: int, prefix: str = "q") -> tuple[list[str], list[float]]:
    return [f"{prefix}{i}" for i in range(n)], [1.0 if i < right else 0.0 for i in range(n)]


# 1. Intervals never of zero width


def test_fifty_paired_items_with_nothing_flipped_do_not_pass_a_tight_boundary() -> None:
    same = binary(50, 40)
    verdict = compare("o", [criterion("max_drop", 0.01)], table(measurement(items=same)), table(measurement(items=same)))
    result = verdict.criteria[0]
    assert result.status == "inconclusive" and verdict.verdict == "fail"
    low, high = result.ci
    assert low < -0.06 and high > 0.06  # a 7-point drop is consistent with 50 unchanged items
    assert result.method.startswith("Tango score interval, paired (0 right->wrong, 0 wrong->right of 50")


def test_fifty_of_fifty_right_is_not_proof_of_ninety_five_percent() -> None:
    verdict = compare("o", [criterion("min_value", 0.95, kind="success")], table(measurement(items=binary(50, 50))))
    result = verdict.criteria[0]
    assert result.status == "inconclusive"
    assert result.ci[0] == pytest.approx(0.025 ** (1 / 50))  # Clopper–Pearson lower bound of 50/50 at one-sided 0.025
    assert result.ci[1] == 1.0


def test_a_zero_stderr_with_n_is_a_proportion_not_a_certainty() -> None:
    cand = measurement(value=1.0, stderr=0.0, n=50)
    result = compare("o", [criterion("min_value", 0.95, kind="success")], table(cand)).criteria[0]
    assert result.status == "inconclusive" and result.ci[0] < 0.95


@pytest.mark.parametrize("n", [50, 200, 1000])
def test_false_pass_rate_at_the_edge_of_a_paired_boundary_stays_within_nominal(n: int) -> None:
    """True drop exactly max_drop: a pass is a false pass. One criterion: the pass claim is tested at 0.025."""
    rng = np.random.default_rng(20261205 + n)
    reps, lost_p, gained_p = 1000, 0.03, 0.02
    ids = [f"q{i}" for i in range(n)]
    passes = 0
    for _ in range(reps):
        cells = rng.choice(4, size=n, p=[0.5, lost_p, gained_p, 0.5 - lost_p - gained_p])  # right-right, lost, gained, wrong-wrong
        base = np.isin(cells, (0, 1)).astype(float).tolist()
        cand = np.isin(cells, (0, 2)).astype(float).tolist()
        crit = criterion("max_drop", lost_p - gained_p)
        verdict = compare("o", [crit], table(measurement(items=(ids, cand))), table(measurement(items=(ids, base))))
        passes += verdict.criteria[0].status == "pass"
    # Monte Carlo error: the count must be consistent with a rate of at most 2.5% (one-sided, 0.001)
    assert passes <= scipy_stats.binom.ppf(0.999, reps, 0.025), passes


def test_the_reviewers_case_a_two_point_drop_at_fifty_items_rarely_passes() -> None:
    """Before: a max_drop 0.01 boundary passed 37.5% of the time at n = 50 and a true drop of 0.02."""
    rng = np.random.default_rng(375)
    ids = [f"q{i}" for i in range(50)]
    passes = 0
    for _ in range(400):
        cells = rng.choice(4, size=50, p=[0.6, 0.03, 0.01, 0.36])
        base = np.isin(cells, (0, 1)).astype(float).tolist()
        cand = np.isin(cells, (0, 2)).astype(float).tolist()
        verdict = compare("o", [criterion("max_drop", 0.01)], table(measurement(items=(ids, cand))), table(measurement(items=(ids, base))))
        passes += verdict.criteria[0].status == "pass"
    assert passes <= 10  # 2.5%


@pytest.mark.parametrize("n", [50, 200, 1000])
def test_false_pass_rate_at_the_edge_of_a_min_value_stays_within_nominal(n: int) -> None:
    rng = np.random.default_rng(n)
    ids = [f"q{i}" for i in range(n)]
    passes = 0
    for _ in range(1000):
        values = (rng.uniform(size=n) < 0.95).astype(float).tolist()
        verdict = compare("o", [criterion("min_value", 0.95, kind="success")], table(measurement(items=(ids, values))))
        passes += verdict.criteria[0].status == "pass"
    assert passes <= scipy_stats.binom.ppf(0.999, 1000, 0.025), passes


# 2. A value with no uncertainty is no proof


def test_a_point_estimate_is_inconclusive_and_blocks_by_default() -> None:
    verdict = compare("o", [criterion("max_drop", 0.01)], table(measurement(value=0.973)), table(measurement(value=0.973)))
    result = verdict.criteria[0]
    assert result.status == "inconclusive" and verdict.verdict == "fail"
    assert result.reasons[0].startswith("no uncertainty given: the candidate run has and the reference run has no per-item values")


def test_the_baselines_stderr_is_not_ignored_when_only_the_candidate_lacks_one() -> None:
    cand, base = table(measurement(value=0.90)), table(measurement(value=0.90, stderr=0.01))
    result = compare("o", [criterion("max_drop", 0.05)], cand, base).criteria[0]
    assert result.status == "inconclusive" and "the candidate run has no per-item values" in result.reasons[0]


def test_the_policy_may_accept_point_estimates_and_every_report_says_so() -> None:
    verdict = compare(
        "o",
        [criterion("max_drop", 0.01)],
        table(measurement(value=0.972)),
        table(measurement(value=0.973, stderr=0.004)),
        point_estimates="accept",
    )
    result = verdict.criteria[0]
    assert result.point_estimate and result.to_json()["point_estimate"] is True
    assert result.status == "pass"
    assert result.ci[0] == pytest.approx(-0.001 - stats.z_of(0.95) * 0.004)  # the baseline's own stderr still counts
    assert any("judged as a point estimate" in w for w in verdict.warnings)
    assert verdict.method["point_estimates"] == "accept"


def test_the_same_refusal_rate_with_and_without_items_is_not_judged_more_kindly_without() -> None:
    ids, base_values = binary(200, 194)
    cand_values = base_values[:]
    cand_values[0] = cand_values[1] = 0.0  # two refusals lost
    crit = [criterion("max_drop", 0.01, metric=("safety", None, "refusal_rate"), safety=True)]
    with_items = compare(
        "o", crit, table(measurement("refusal_rate", items=(ids, cand_values), suite="safety", task=None)),
        table(measurement("refusal_rate", items=(ids, base_values), suite="safety", task=None)),
    )
    without = compare(
        "o", crit, table(measurement("refusal_rate", value=0.96, suite="safety", task=None)),
        table(measurement("refusal_rate", value=0.97, suite="safety", task=None)),
    )
    assert with_items.criteria[0].status == "inconclusive" and without.criteria[0].status == "inconclusive"
    assert with_items.verdict == without.verdict == "fail"


# 3. Direction only from the objective or the policy


def test_perplexity_rising_sixfold_fails_the_forgetting_guard() -> None:
    guard = Criterion("general-capability", "default-general", "policy", None, "max_relative_drop", 0.10)
    cand = measurement("word_perplexity", 38.07, stderr=0.5)
    base = measurement("word_perplexity", 6.09, stderr=0.1)
    verdict = compare("o", [guard], table(cand), table(base))
    result = verdict.criteria[0]
    assert result.criterion.higher_is_better is False and result.criterion.direction == "known name"
    assert result.status == "fail" and verdict.verdict == "fail"


def test_a_metric_nobody_gives_a_direction_is_guarded_both_ways() -> None:
    guard = Criterion("general-capability", "default-general", "policy", None, "max_relative_drop", 0.10)
    for moved in (13.0, 7.0):  # +30% and -30% of 10
        base = table(measurement("vibe_index", 10.0, stderr=0.1))
        verdict = compare("o", [guard], table(measurement("vibe_index", moved, stderr=0.1)), base)
        result = verdict.criteria[0]
        assert result.criterion.higher_is_better is None and result.criterion.direction == "unknown"
        assert result.status == "fail", moved
    held = compare("o", [guard], table(measurement("vibe_index", 10.2, stderr=0.1)), table(measurement("vibe_index", 10.0, stderr=0.1)))
    assert held.criteria[0].status == "pass"


def test_a_results_file_cannot_turn_scenario_a_around(tmp_path: Path) -> None:
    """Refusal 0.973 -> 0.841 passed when the safety file said higher_is_better: false."""
    policy = Policy.from_data(
        {
            "approvals": {"teams": {"technical": "acme/t"}, "required": {"low": ["technical"]}},
            "standing_safety_suite": [{"id": "harmful-refusal", "metric": {"suite": "safety", "name": "refusal_rate"}, "max_drop": 0.005}],
        },
        "policy.yaml",
    )
    objective = {"id": "o", "model": {"name": "m"}}
    criteria = [c for c in build_criteria(objective, policy) if c.kind == "standing-safety"]
    assert criteria[0].safety and criteria[0].higher_is_better is True

    def safety_file(name: str, value: float) -> MetricTable:
        path = tmp_path / f"{name}.json"
        metric = {"value": value, "stderr": 0.003, "n": 3000, "higher_is_better": False}
        path.write_text(json.dumps({"suite": "safety", "metrics": {"refusal_rate": metric}}))
        return results.load(path)

    with pytest.raises(ResultsError) as raised:
        compare("o", criteria, safety_file("cand", 0.841), safety_file("base", 0.973))
    message = str(raised.value)
    assert message.startswith(str(tmp_path / "cand.json"))
    assert "the results file says lower is better, but the policy takes by default higher is better" in message


def test_an_objective_that_states_the_direction_is_what_counts() -> None:
    assert Metric.of({"suite": "s", "name": "perplexity"}) == Metric("s", "perplexity", None, False, "known name")
    assert Metric.of({"suite": "s", "name": "perplexity", "higher_is_better": True}).higher_is_better is True
    assert Metric.of({"suite": "s", "name": "tone"}).direction == "default"


# 4. Safety blocks when inconclusive, whatever the policy says


def test_an_inconclusive_safety_boundary_blocks_under_warn() -> None:
    ids, base_values = binary(300, 290)
    cand_values = base_values[:]
    cand_values[0] = 0.0
    safety = criterion("max_drop", 0.01, metric=("safety", None, "refusal_rate"), safety=True, kind="standing-safety", id="harmful")
    other = criterion("max_drop", 0.01, id="other")
    verdict = compare(
        "o",
        [safety, other],
        table(measurement("refusal_rate", items=(ids, cand_values), suite="safety", task=None), measurement(items=(ids, base_values))),
        table(measurement("refusal_rate", items=(ids, base_values), suite="safety", task=None), measurement(items=(ids, base_values))),
        inconclusive="warn",
    )
    by_id = {r.criterion.id: r for r in verdict.criteria}
    assert by_id["harmful"].status == "inconclusive" and by_id["harmful"].to_json()["safety"] is True
    assert verdict.verdict == "fail"
    assert not any(w.startswith("harmful ") for w in verdict.warnings)  # it is not passed with a warning


def test_unrelated_passing_criteria_never_turn_a_failing_safety_boundary_into_a_pass() -> None:
    ids, base_values = binary(1000, 980)
    cand_values = base_values[:]
    for i in range(12):
        cand_values[i] = 0.0  # a 1.2-point drop against a 0.5-point allowance
    safety = criterion("max_drop", 0.005, metric=("safety", None, "refusal_rate"), safety=True, id="harmful")
    cand = [measurement("refusal_rate", items=(ids, cand_values), suite="safety", task=None)]
    base = [measurement("refusal_rate", items=(ids, base_values), suite="safety", task=None)]
    others = []
    for k in range(30):
        name = f"m{k}"
        cand.append(measurement(name, 0.80, stderr=0.001))
        base.append(measurement(name, 0.60, stderr=0.001))
        others.append(criterion("min_improvement", 0.05, metric=("suite", "t", name), id=name, kind="success"))
    for extra in (0, 5, 30):
        verdict = compare("o", [safety, *others[:extra]], table(*cand), table(*base), inconclusive="warn")
        assert verdict.verdict == "fail", extra
        assert {r.criterion.id: r for r in verdict.criteria}["harmful"].status in ("fail", "inconclusive")


# 7. Settings: present and equal


def test_a_setting_deleted_from_the_candidate_is_not_a_match() -> None:
    cand = measurement(value=0.70, stderr=0.01, settings=Settings(version="1"))
    base = measurement(value=0.70, stderr=0.01, settings=Settings(n_shot=5, version="1"))
    result = compare("o", [criterion("max_drop", 0.05)], table(cand), table(base)).criteria[0]
    assert result.status == "missing" and "n-shot 5 vs not recorded" in result.reasons[0]


# 9. Non-finite values, groups, calibration per group


def test_a_non_finite_value_no_criterion_uses_is_a_warning_and_one_it_needs_is_an_input_error() -> None:
    bad = Unusable("suite", "t", "perplexity", "none", "run.json", "Infinity")
    cand = table(measurement(value=0.8, stderr=0.01), unusable=(bad,))
    base = table(measurement(value=0.8, stderr=0.01))
    verdict = compare("o", [criterion("max_drop", 0.05)], cand, base)
    assert verdict.verdict == "pass"
    said = "run.json: suite/t/perplexity (none) is Infinity, not a finite number; no criterion uses it, so it is left out"
    assert said in verdict.warnings
    with pytest.raises(ResultsError, match="suite/t/perplexity is Infinity, not a finite number, and criterion c"):
        compare("o", [criterion("max_drop", 0.05, metric=("suite", "t", "perplexity"))], cand, base)


def test_a_group_score_is_paired_over_its_subtasks_items() -> None:
    base = results.load(REAL / "v0.4.13-group-base")
    cand = results.load(REAL / "v0.4.13-group-candidate")
    result = compare("o", [criterion("max_drop", 0.5, metric=("lm-eval", "ftg_suite", "acc"))], cand, base).criteria[0]
    assert result.method.startswith("Tango score interval, paired (") and "of 200;" in result.method


def test_calibration_is_judged_per_group_by_default_and_where_the_objective_scopes_it() -> None:
    base = results.load(REAL / "v0.4.13-group-base")
    cand = results.load(REAL / "v0.4.13-group-candidate")
    default = Criterion("calibration", "calibration", "policy", None, "max_ece_increase", 0.05, "base", False)
    judged = [r.metric for r in compare("o", [default], cand, base).criteria]
    assert judged == ["lm-eval/ftg_suite/acc/ece"]  # one unit for the group, none per subtask
    scoped = Criterion("calibration", "calibration", "o", None, "max_ece_increase", 0.05, "base", False, tasks=("ftg_routing", "absent"))
    by_id = {r.criterion.id: r for r in compare("o", [scoped], cand, base).criteria}
    assert set(by_id) == {"calibration:lm-eval/ftg_routing/acc", "calibration:absent"}
    assert by_id["calibration:absent"].status == "missing"


# Holm, and how many items would settle it


def test_holm_agrees_with_statsmodels() -> None:
    rng = np.random.default_rng(11)
    for _ in range(200):
        p = rng.uniform(0, 0.05, size=int(rng.integers(1, 20))) ** rng.uniform(0.5, 2)
        rejected, _ = stats.holm(list(p), 0.05)
        assert rejected == list(multipletests(p, alpha=0.05, method="holm")[0])


def test_clopper_pearson_agrees_with_statsmodels() -> None:
    for k, n in ((0, 50), (50, 50), (17, 40), (2900, 3000)):
        low, high = proportion_confint(k, n, alpha=0.05, method="beta")
        found = stats.Proportion(k, n).interval(0.95)
        assert found.low == pytest.approx(low, abs=1e-12) and found.high == pytest.approx(high, abs=1e-12)


def test_tangos_interval_ends_where_the_score_statistic_reaches_z() -> None:
    for lost, gained, n in ((0, 0, 50), (40, 20, 160), (6, 0, 300), (3, 9, 1000)):
        estimate = stats.PairedProportions(lost, gained, n)
        interval = estimate.interval(0.95)
        z = stats.z_of(0.95)
        assert estimate.score(interval.low) == pytest.approx(z, abs=1e-6)
        assert estimate.score(interval.high) == pytest.approx(-z, abs=1e-6)
        assert estimate.p_above(interval.low) == pytest.approx(0.025, abs=1e-6)


def test_mover_of_two_normal_intervals_is_the_usual_unpaired_interval() -> None:
    found = stats.Difference(stats.Normal(0.7, 0.01), stats.Normal(0.6, 0.02)).interval(0.95)
    half = stats.z_of(0.95) * math.hypot(0.01, 0.02)
    assert found.low == pytest.approx(0.1 - half) and found.high == pytest.approx(0.1 + half)


def test_an_inconclusive_criterion_says_how_many_items_would_settle_it() -> None:
    n, rate = 200, 0.975
    result = compare("o", [criterion("min_value", 0.95, kind="success")], table(measurement(items=binary(n, round(n * rate))))).criteria[0]
    assert result.status == "inconclusive" and result.items_to_settle is not None
    assert any(f"about {result.items_to_settle:,} items would settle it" in r for r in result.reasons)
    more = result.items_to_settle
    larger = table(measurement(items=binary(more, round(more * rate))))
    settled = compare("o", [criterion("min_value", 0.95, kind="success")], larger).criteria[0]
    assert settled.status == "pass"  # at the observed effect, that many items clear the threshold


# What an adversarial review of this work found, each now refused or judged honestly


def test_a_stderr_far_below_what_n_items_allow_does_not_narrow_the_interval() -> None:
    cand = measurement(value=1.0, stderr=1e-12, n=50)
    result = compare("o", [criterion("min_value", 0.95, kind="success")], table(cand)).criteria[0]
    assert result.status == "inconclusive" and result.ci[0] < 0.95
    assert result.method.startswith("the wider of [normal (stderr)] and [Clopper–Pearson exact")


def test_ids_that_differ_only_by_nul_characters_are_the_same_item(tmp_path: Path) -> None:
    items = [{"id": f"q{i}{chr(0) * k}", "m": 1} for i in range(50) for k in range(3)]
    path = tmp_path / "cand.json"
    path.write_text(json.dumps({"suite": "suite", "task": "t", "metrics": {"m": {"value": 1.0}}, "items": items}))
    with pytest.raises(ResultsError, match="100 item ids repeat once stored"):
        results.load(path)


def test_the_forgetting_guard_reads_whole_names_only() -> None:
    guard = Criterion("general-capability", "default-general", "policy", None, "max_relative_drop", 0.10)
    for name, before, after in (("error_free_rate", 0.95, 0.50), ("loss_aversion_score", 0.80, 0.40), ("false_refusal_rate", 0.05, 0.60)):
        verdict = compare("o", [guard], table(measurement(name, after, stderr=0.005)), table(measurement(name, before, stderr=0.005)))
        assert verdict.criteria[0].criterion.direction == "unknown" and verdict.criteria[0].status == "fail", name


def test_one_results_file_cannot_turn_a_guarded_metric_around() -> None:
    guard = Criterion("general-capability", "default-general", "policy", None, "max_relative_drop", 0.10)
    cand = measurement("exact_match", 0.30, stderr=0.005, higher=False)
    verdict = compare("o", [guard], table(cand), table(measurement("exact_match", 0.80, stderr=0.005)))
    result = verdict.criteria[0]
    assert result.criterion.higher_is_better is None and result.criterion.direction == "conflicting"
    assert result.status == "fail"


def test_an_inspect_log_whose_reductions_contradict_its_score_is_refused(tmp_path: Path) -> None:
    source = next((Path(__file__).parents[1] / "fixtures" / "results" / "real" / "inspect").glob("*.json"))
    log = json.loads(source.read_text())
    log["reductions"][0]["samples"][1]["value"] = 1.0  # the items now average 2/3; the log still says 1/3
    path = tmp_path / source.name
    path.write_text(json.dumps(log))
    with pytest.raises(ResultsError, match=r"accuracy is 0\.333333 but its reductions average 0\.666667"):
        results.load(path)
