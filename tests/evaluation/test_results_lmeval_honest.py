"""The lm-evaluation-harness adapter says only what the files show (issue 14).

Each case starts from the real runs in tests/fixtures/results/real (see PROVENANCE.md) and
changes a copy in tmp_path: samples repeated or cut, the layout lm-eval wrote before 0.4.7,
non-finite values, metrics that are no mean, and groups over subtasks.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ftgov.evaluation import results
from ftgov.evaluation.results import ResultsError
from ftgov.evaluation.results.table import Items, Measurement, MetricTable

REAL = Path(__file__).parents[1] / "fixtures" / "results" / "real"
BASE = REAL / "lm-eval" / "dummy-base"
PUBLIC = REAL / "lm-eval" / "results_2025-01-21T00-40-03.356274.json"
V045 = REAL / "lm-eval" / "v0.4.5-dummy"  # samples without `filter` and `metrics`, as lm-eval wrote them before 0.4.7
GROUP_BASE = REAL / "lm-eval" / "v0.4.13-group-base"  # group ftg_suite, weight_by_size: true, over 40 + 60 + 100 items
GROUP_CANDIDATE = REAL / "lm-eval" / "v0.4.13-group-candidate"
GROUP_UNWEIGHTED = REAL / "lm-eval" / "v0.4.13-group-unweighted"  # ftg_suite_unweighted, weight_by_size: false

Row = dict[str, Any]


def copy_run(tmp_path: Path, source: Path = BASE, name: str = "run") -> Path:
    return Path(shutil.copytree(source, tmp_path / name))


def samples_of(run: Path, task: str) -> Path:
    return next(run.glob(f"samples_{task}_*.jsonl"))


def results_of(run: Path) -> Path:
    return next(run.glob("results_*.json"))


def rewrite_samples(run: Path, task: str, change: Callable[[Row], list[Row]]) -> Path:
    """Every line of a task's samples through `change`, which returns the lines to write in its place."""
    path = samples_of(run, task)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(new) + "\n" for row in rows for new in change(row)))
    return path


def rewrite_results(run: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    path = results_of(run)
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))  # json writes float('nan') as NaN, as lm-eval's json.dumps does
    return path


def old_layout(row: Row) -> list[Row]:
    """A samples line as lm-eval before 0.4.7 wrote it: no `filter`, no `metrics` list."""
    return [{k: v for k, v in row.items() if k not in ("filter", "metrics")}]


def error_of(path: Path) -> str:
    with pytest.raises(ResultsError) as excinfo:
        results.load(path)
    message = str(excinfo.value)
    assert "\n" not in message
    return message


def found(table: MetricTable, task: str, name: str) -> Measurement:
    measurement, why = table.find("lm-eval", task, name)
    assert measurement is not None, why
    return measurement


def items_of(measurement: Measurement) -> Items:
    assert measurement.items is not None, measurement.key
    return measurement.items


# 1. unique items, as many as the tool says


def test_every_samples_line_repeated_ten_times_is_refused(tmp_path: Path) -> None:
    run = copy_run(tmp_path)
    samples = rewrite_samples(run, "policy_refusal", lambda row: [row] * 10)
    message = error_of(run)
    assert message.startswith(str(samples))
    assert "policy_refusal" in message and "2000" in message and "200" in message


def test_one_repeated_line_is_refused_even_when_the_count_is_not_recorded(tmp_path: Path) -> None:
    run = copy_run(tmp_path)
    rewrite_results(run, lambda data: data.pop("n-samples"))
    samples = rewrite_samples(run, "policy_refusal", lambda row: [row, row] if row["doc_id"] == 7 else [row])
    message = error_of(run)
    assert message.startswith(str(samples)) and "doc_id 7" in message and "policy_refusal" in message


def test_items_must_number_n_samples_effective(tmp_path: Path) -> None:
    run = copy_run(tmp_path)
    rewrite_results(run, lambda data: data["n-samples"]["claims_routing"].update(effective=299))
    message = error_of(run)
    assert message.startswith(str(samples_of(run, "claims_routing")))
    assert "claims_routing" in message and "300" in message and "299" in message


def test_a_missing_line_is_refused_before_the_mean_is_compared(tmp_path: Path) -> None:
    run = copy_run(tmp_path)
    rewrite_samples(run, "policy_refusal", lambda row: [] if row["doc_id"] == 0 else [row])
    message = error_of(run)
    assert "199" in message and "200" in message and "n-samples" in message


# 2. samples written before lm-eval 0.4.7


def test_old_samples_layout_is_read_like_the_new_one(tmp_path: Path) -> None:
    run = copy_run(tmp_path)
    for task in ("claims_routing", "policy_refusal"):
        rewrite_samples(run, task, old_layout)
    old, new = results.load(run), results.load(BASE)
    for task, metric in (("claims_routing", "acc"), ("claims_routing", "acc_norm"), ("policy_refusal", "acc")):
        then, now = items_of(found(old, task, metric)), items_of(found(new, task, metric))
        assert list(then.ids) == list(now.ids) and list(then.values) == list(now.values)
        assert then.hashes is not None and now.hashes is not None and list(then.hashes) == list(now.hashes)
    acc = items_of(found(old, "claims_routing", "acc"))
    assert acc.confidences is not None
    assert np.allclose(acc.confidences, items_of(found(new, "claims_routing", "acc")).confidences)


def test_lm_eval_0_4_5_samples_are_read() -> None:
    table = results.load(V045)
    first = json.loads(samples_of(V045, "claims_routing").read_text().splitlines()[0])
    assert "metrics" not in first and "filter" not in first
    for task, metric, count in (("claims_routing", "acc", 300), ("claims_routing", "acc_norm", 300), ("policy_refusal", "acc", 200)):
        measurement = found(table, task, metric)
        per_item = items_of(measurement)
        assert measurement.filter == "none" and measurement.n == count and len(per_item) == count
        assert float(per_item.values.mean()) == pytest.approx(measurement.value)
        assert per_item.hashes is not None and all(len(h) == 64 for h in per_item.hashes)
    confidences = items_of(found(table, "policy_refusal", "acc")).confidences
    assert confidences is not None and len(confidences) == 200 and confidences.min() >= 0.5
    assert items_of(found(table, "claims_routing", "acc_norm")).confidences is None


def test_lm_eval_0_4_5_samples_repeated_are_refused(tmp_path: Path) -> None:
    run = copy_run(tmp_path, V045)
    samples = rewrite_samples(run, "claims_routing", lambda row: [row] * 10)
    message = error_of(run)
    assert message.startswith(str(samples)) and "claims_routing" in message and "3000" in message and "300" in message


def test_lm_eval_0_4_5_samples_without_acc_norm_are_refused(tmp_path: Path) -> None:
    run = copy_run(tmp_path, V045)
    samples = rewrite_samples(run, "claims_routing", lambda row: [{k: v for k, v in row.items() if k != "acc_norm"}])
    message = error_of(run)
    assert message.startswith(str(samples)) and "acc_norm" in message


def test_old_samples_without_a_reported_metric_are_refused(tmp_path: Path) -> None:
    run = copy_run(tmp_path)

    def without_acc_norm(row: Row) -> list[Row]:
        (line,) = old_layout(row)
        del line["acc_norm"]
        return [line]

    samples = rewrite_samples(run, "claims_routing", without_acc_norm)
    message = error_of(run)
    assert message.startswith(str(samples)) and "acc_norm" in message


def test_new_samples_without_a_reported_metric_are_refused(tmp_path: Path) -> None:
    run = copy_run(tmp_path)

    def acc_only(row: Row) -> list[Row]:
        del row["acc_norm"]
        return [{**row, "metrics": ["acc"]}]

    samples = rewrite_samples(run, "claims_routing", acc_only)
    message = error_of(run)
    assert message.startswith(str(samples)) and "acc_norm" in message


def test_old_samples_confidences_from_resps(tmp_path: Path) -> None:
    """Without `filtered_resps`, the log-likelihoods in `resps` (one list deeper) give the confidences."""
    run = copy_run(tmp_path)

    def resps_only(row: Row) -> list[Row]:
        (line,) = old_layout(row)
        del line["filtered_resps"]
        return [line]

    rewrite_samples(run, "claims_routing", resps_only)
    then = items_of(found(results.load(run), "claims_routing", "acc")).confidences
    now = items_of(found(results.load(BASE), "claims_routing", "acc")).confidences
    assert then is not None and now is not None and np.allclose(then, now)


def test_old_samples_with_float_log_likelihoods_give_confidences(tmp_path: Path) -> None:
    run = copy_run(tmp_path)

    def floats(row: Row) -> list[Row]:
        (line,) = old_layout(row)
        line["filtered_resps"] = [[float(ll), greedy == "True"] for ll, greedy in line["filtered_resps"]]
        return [line]

    rewrite_samples(run, "policy_refusal", floats)
    confidences = items_of(found(results.load(run), "policy_refusal", "acc")).confidences
    assert confidences is not None and confidences.min() >= 0.5 and confidences.max() <= 1.0


def _two_filter_run(tmp_path: Path, *, filter_list: bool, old: bool) -> tuple[Path, list[float], list[float]]:
    """A generation task scored with two filters, as lm-eval writes gsm8k: one samples line per document and filter."""
    run = tmp_path / "gen"
    run.mkdir()
    stamp = "2024-06-01T00-00-00.000000"
    strict = [1.0, 0.0, 0.0, 1.0, 0.0]
    flexible = [1.0, 1.0, 0.0, 1.0, 1.0]
    config: dict[str, Any] = {
        "task": "arith",
        "output_type": "generate_until",
        "metric_list": [{"metric": "exact_match", "aggregation": "mean", "higher_is_better": True}],
    }
    if filter_list:
        config["filter_list"] = [{"name": "strict-match", "filter": []}, {"name": "flexible-extract", "filter": []}]
    data = {
        "results": {
            "arith": {
                "alias": "arith",
                "exact_match,strict-match": sum(strict) / 5,
                "exact_match_stderr,strict-match": 0.2,
                "exact_match,flexible-extract": sum(flexible) / 5,
                "exact_match_stderr,flexible-extract": 0.2,
            }
        },
        "group_subtasks": {"arith": []},
        "configs": {"arith": config},
        "versions": {"arith": 3.0},
        "n-shot": {"arith": 5},
        "higher_is_better": {"arith": {"exact_match": True}},
        "n-samples": {"arith": {"original": 5, "effective": 5}},
        "config": {"model": "hf", "limit": None},
    }
    (run / f"results_{stamp}.json").write_text(json.dumps(data))
    lines = []
    for name, values in (("strict-match", strict), ("flexible-extract", flexible)):
        for doc, value in enumerate(values):
            row: Row = {"doc_id": doc, "doc": {"q": doc}, "target": "4", "resps": [["4"]], "filtered_resps": ["4"]}
            if not old:
                row |= {"filter": name, "metrics": ["exact_match"]}
            row |= {"prompt_hash": f"p{doc}", "exact_match": value}
            lines.append(json.dumps(row) + "\n")
    (run / f"samples_arith_{stamp}.jsonl").write_text("".join(lines))
    return run, strict, flexible


@pytest.mark.parametrize("old", [False, True], ids=["0.4.7+", "before-0.4.7"])
def test_samples_of_two_filters(tmp_path: Path, old: bool) -> None:
    run, strict, flexible = _two_filter_run(tmp_path, filter_list=True, old=old)
    table = results.load(run)
    assert list(items_of(found(table, "arith", "exact_match,strict-match")).values) == strict
    assert list(items_of(found(table, "arith", "exact_match,flexible-extract")).values) == flexible
    assert found(table, "arith", "exact_match,strict-match").n == 5


def test_old_samples_of_two_filters_without_their_order_are_refused(tmp_path: Path) -> None:
    run, _, _ = _two_filter_run(tmp_path, filter_list=False, old=True)
    message = error_of(run)
    assert "strict-match" in message and "flexible-extract" in message and "0.4.7" in message


# 3. non-finite values


@pytest.mark.parametrize(("value", "raw"), [(math.inf, "Infinity"), (-math.inf, "-Infinity"), (math.nan, "NaN")])
def test_a_non_finite_metric_is_unusable_not_fatal(tmp_path: Path, value: float, raw: str) -> None:
    data = json.loads(PUBLIC.read_text())
    data["results"]["mmlu_abstract_algebra"]["acc_norm,none"] = value
    data["results"]["mmlu_abstract_algebra"]["acc_norm_stderr,none"] = value
    path = tmp_path / PUBLIC.name
    path.write_text(json.dumps(data))
    assert raw in path.read_text()
    table = results.load(path)
    assert found(table, "mmlu_abstract_algebra", "acc").value == 0.34
    assert not any(m.metric == "acc_norm" for m in table)
    (unusable,) = table.unusable
    assert (unusable.suite, unusable.task, unusable.metric, unusable.filter) == ("lm-eval", "mmlu_abstract_algebra", "acc_norm", "none")
    assert unusable.raw == raw and unusable.path == str(path)
    assert table.unusable_for("lm-eval", "mmlu_abstract_algebra", "acc_norm") == unusable
    assert table.unusable_for("lm-eval", "mmlu_abstract_algebra", "acc") is None


def test_a_non_finite_metric_with_samples(tmp_path: Path) -> None:
    """The samples' per-item values of a metric reported as NaN are not checked against it, nor required."""
    run = copy_run(tmp_path)
    rewrite_results(run, lambda data: data["results"]["claims_routing"].update({"acc_norm,none": math.nan}))
    table = results.load(run)
    assert table.unusable_for("lm-eval", "claims_routing", "acc_norm") is not None
    assert items_of(found(table, "claims_routing", "acc")).confidences is not None


def test_only_non_finite_metrics_is_still_a_table(tmp_path: Path) -> None:
    data = json.loads(PUBLIC.read_text())
    data["results"]["mmlu_abstract_algebra"]["acc,none"] = math.nan
    path = tmp_path / PUBLIC.name
    path.write_text(json.dumps(data))
    table = results.load(path)
    assert len(table) == 0 and [u.metric for u in table.unusable] == ["acc"]


@pytest.mark.parametrize(
    ("name", "text", "raw"),
    [
        ("r.yaml", "suite: s\nmetrics:\n  loss: {value: .inf}\n  rate: {value: 0.5}\n", ".inf"),
        ("r.yaml", "suite: s\nmetrics:\n  loss: {value: -.inf}\n  rate: {value: 0.5}\n", "-.inf"),
        ("r.yaml", "suite: s\nmetrics:\n  loss: {value: .nan}\n  rate: {value: 0.5}\n", ".nan"),
        ("r.json", '{"suite": "s", "metrics": {"loss": {"value": NaN}, "rate": {"value": 0.5}}}', "NaN"),
        ("r.json", '{"suite": "s", "metrics": {"loss": {"value": -Infinity}, "rate": {"value": 0.5}}}', "-Infinity"),
    ],
)
def test_generic_non_finite_values_are_unusable(tmp_path: Path, name: str, text: str, raw: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    table = results.load(path)
    assert [m.metric for m in table] == ["rate"]
    (unusable,) = table.unusable
    assert (unusable.suite, unusable.task, unusable.metric, unusable.raw, unusable.path) == ("s", None, "loss", raw, str(path))
    assert table.unusable_for("s", None, "loss") == unusable


def test_generic_items_of_a_non_finite_metric_do_not_refuse_the_file(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "suite: s\nmetrics:\n  loss: {value: .nan}\n  rate: {value: 0.5}\n"
        "items:\n  - {id: a, rate: 1, loss: .nan}\n  - {id: b, rate: 0, loss: 2.0}\n"
    )
    table = results.load(path)
    rate, _ = table.find("s", None, "rate")
    assert rate is not None and rate.items is not None and list(rate.items.values) == [1.0, 0.0]
    assert table.unusable_for("s", None, "loss") is not None


# 4. n is the number of items a mean is over


def test_n_only_for_mean_metrics(tmp_path: Path) -> None:
    data = json.loads(PUBLIC.read_text())
    data["results"]["mmlu_abstract_algebra"] |= {"bleu,none": 12.5, "f1,none": 0.4, "word_perplexity,none": 20.1, "exact_match,none": 0.3}
    data["configs"]["mmlu_abstract_algebra"]["metric_list"] += [
        {"metric": "bleu", "aggregation": "bleu", "higher_is_better": True},
        {"metric": "exact_match", "aggregation": "mean", "higher_is_better": True},
    ]
    path = tmp_path / PUBLIC.name
    path.write_text(json.dumps(data))
    table = results.load(path)
    assert found(table, "mmlu_abstract_algebra", "acc").n == 100
    assert found(table, "mmlu_abstract_algebra", "exact_match").n == 100
    for metric in ("bleu", "f1", "word_perplexity"):
        assert found(table, "mmlu_abstract_algebra", metric).n is None, metric


def test_n_follows_the_task_configs_aggregation(tmp_path: Path) -> None:
    """A task whose config aggregates `acc` another way than the mean: its value is no mean over n items."""
    data = json.loads(PUBLIC.read_text())
    data["configs"]["mmlu_abstract_algebra"]["metric_list"][0]["aggregation"] = "median"
    path = tmp_path / PUBLIC.name
    path.write_text(json.dumps(data))
    assert found(results.load(path), "mmlu_abstract_algebra", "acc").n is None


def test_n_from_the_items_when_n_samples_is_absent(tmp_path: Path) -> None:
    run = copy_run(tmp_path)
    rewrite_results(run, lambda data: data.pop("n-samples"))
    assert found(results.load(run), "policy_refusal", "acc").n == 200


# 5. groups paired over their subtasks

ROUTING = 0.24333333333333335
REFUSAL = 0.495
POOLED = (ROUTING * 300 + REFUSAL * 200) / 500


def _grouped(tmp_path: Path, groups: dict[str, list[str]], values: dict[str, float], section: str = "groups", **extra: Any) -> Path:
    run = copy_run(tmp_path)

    def change(data: dict[str, Any]) -> None:
        data["group_subtasks"] = {**groups, "claims_routing": [], "policy_refusal": []}
        data.setdefault(section, {}).update(
            {name: {"alias": name, "acc,none": value, "acc_stderr,none": "N/A"} for name, value in values.items()}
        )
        data.update(extra)

    rewrite_results(run, change)
    return run


def test_a_real_size_weighted_group_pairs_over_its_subtasks() -> None:
    base, candidate = results.load(GROUP_BASE), results.load(GROUP_CANDIDATE)
    assert dict(base.groups) == {"ftg_suite": ("ftg_coverage", "ftg_routing", "ftg_severity")}
    suite, other = found(base, "ftg_suite", "acc"), found(candidate, "ftg_suite", "acc")
    mine, theirs = items_of(suite), items_of(other)
    assert suite.value == pytest.approx(0.34) and suite.n == 200 and len(mine) == 200
    assert float(mine.values.mean()) == pytest.approx(0.34) and float(theirs.values.mean()) == pytest.approx(0.375)
    assert list(mine.ids) == list(theirs.ids) and {i.split("/")[0] for i in mine.ids} == {"ftg_coverage", "ftg_routing", "ftg_severity"}
    assert mine.hashes is not None and theirs.hashes is not None and list(mine.hashes) == list(theirs.hashes)
    assert mine.confidences is not None and len(mine.confidences) == 200
    assert base.notes == ()


def test_a_real_group_without_size_weights_is_unpaired_with_a_note() -> None:
    table = results.load(GROUP_UNWEIGHTED)
    suite = found(table, "ftg_suite_unweighted", "acc")
    assert suite.value == pytest.approx(0.365) and suite.items is None and suite.n is None
    assert items_of(found(table, "ftg_routing", "acc")).confidences is not None  # the subtasks stay paired
    (note,) = table.notes
    assert "ftg_suite_unweighted" in note and "0.34" in note and "unpaired" in note


def test_a_real_group_missing_a_subtasks_samples(tmp_path: Path) -> None:
    run = copy_run(tmp_path, GROUP_BASE)
    samples_of(run, "ftg_severity").unlink()
    table = results.load(run)
    suite = found(table, "ftg_suite", "acc")
    assert suite.items is None and suite.n == 200
    (note,) = table.notes
    assert "ftg_severity" in note and "unpaired" in note


def test_a_size_weighted_group_is_paired_over_its_subtasks_items(tmp_path: Path) -> None:
    run = _grouped(tmp_path, {"ops": ["claims_routing", "policy_refusal"]}, {"ops": POOLED})
    table = results.load(run)
    ops = found(table, "ops", "acc")
    pooled = items_of(ops)
    assert len(pooled) == 500 and ops.n == 500
    assert float(pooled.values.mean()) == pytest.approx(POOLED)
    assert "claims_routing/0" in set(pooled.ids) and "policy_refusal/199" in set(pooled.ids)
    routing = items_of(found(table, "claims_routing", "acc"))
    position = int(np.flatnonzero(pooled.ids == "claims_routing/17")[0])
    mine = int(np.flatnonzero(routing.ids == "17")[0])
    assert pooled.values[position] == routing.values[mine]
    assert pooled.hashes is not None and routing.hashes is not None and pooled.hashes[position] == routing.hashes[mine]
    assert pooled.confidences is not None and routing.confidences is not None
    assert pooled.confidences[position] == routing.confidences[mine]
    assert dict(table.groups)["ops"] == ("claims_routing", "policy_refusal")
    assert table.notes == ()


def test_nested_groups_pool_their_leaves(tmp_path: Path) -> None:
    run = _grouped(
        tmp_path, {"all": ["ops"], "ops": ["claims_routing", "policy_refusal"]}, {"all": POOLED, "ops": POOLED}, section="results"
    )
    table = results.load(run)
    assert len(items_of(found(table, "all", "acc"))) == 500
    assert dict(table.groups)["all"] == ("claims_routing", "ops", "policy_refusal")


def test_a_group_whose_value_is_not_the_pooled_mean_is_unpaired_with_a_note(tmp_path: Path) -> None:
    macro = (ROUTING + REFUSAL) / 2
    run = _grouped(tmp_path, {"ops": ["claims_routing", "policy_refusal"]}, {"ops": macro})
    table = results.load(run)
    ops = found(table, "ops", "acc")
    assert ops.items is None and ops.value == macro and ops.n is None
    (note,) = table.notes
    assert "ops" in note and "unpaired" in note and f"{POOLED:g}" in note


def test_a_group_configured_without_size_weights_is_unpaired_with_a_note(tmp_path: Path) -> None:
    group_config = {
        "group": "ops",
        "task": ["claims_routing", "policy_refusal"],
        "aggregate_metric_list": [{"metric": "acc", "weight_by_size": False}],
    }
    run = copy_run(tmp_path)
    values = {"ops": (ROUTING + REFUSAL) / 2}

    def change(data: dict[str, Any]) -> None:
        data["group_subtasks"] = {"ops": ["claims_routing", "policy_refusal"], "claims_routing": [], "policy_refusal": []}
        data["groups"] = {"ops": {"alias": "ops", "acc,none": values["ops"], "acc_stderr,none": "N/A"}}
        data["configs"]["ops"] = group_config

    rewrite_results(run, change)
    table = results.load(run)
    assert found(table, "ops", "acc").items is None
    (note,) = table.notes
    assert "without size weights" in note and "unpaired" in note


def test_a_group_configured_with_size_weights_is_still_checked(tmp_path: Path) -> None:
    run = copy_run(tmp_path)

    def change(data: dict[str, Any]) -> None:
        data["group_subtasks"] = {"ops": ["claims_routing", "policy_refusal"], "claims_routing": [], "policy_refusal": []}
        data["groups"] = {"ops": {"alias": "ops", "acc,none": POOLED, "acc_stderr,none": "N/A"}}
        data["configs"]["ops"] = {
            "group": "ops",
            "aggregate_metric_list": [{"metric": "acc", "weight_by_size": True, "filter_list": ["none"]}],
        }

    rewrite_results(run, change)
    assert len(items_of(found(results.load(run), "ops", "acc"))) == 500


def test_a_group_with_a_subtask_without_items_is_unpaired_with_a_note(tmp_path: Path) -> None:
    run = _grouped(tmp_path, {"ops": ["claims_routing", "policy_refusal"]}, {"ops": POOLED})
    samples_of(run, "policy_refusal").unlink()
    table = results.load(run)
    assert found(table, "ops", "acc").items is None and found(table, "ops", "acc").n == 500
    (note,) = table.notes
    assert "policy_refusal" in note and "unpaired" in note


def test_groups_of_lm_eval_before_0_4_2_list_no_subtasks(tmp_path: Path) -> None:
    """lm-eval 0.4.0 and 0.4.1 wrote `groups` but no `group_subtasks`: nothing says which items a group holds."""
    run = copy_run(tmp_path)

    def change(data: dict[str, Any]) -> None:
        del data["group_subtasks"]
        data["groups"] = {"ops": {"alias": "ops", "acc,none": POOLED, "acc_stderr,none": 0.02}}

    rewrite_results(run, change)
    table = results.load(run)
    assert found(table, "ops", "acc").items is None
    (note,) = table.notes
    assert "ops" in note and "group_subtasks" in note


# 6. direction


def test_higher_is_better_is_read_when_the_file_says_it() -> None:
    assert found(results.load(PUBLIC), "mmlu_abstract_algebra", "acc").higher_is_better is True


def test_a_file_of_the_0_3_era_says_no_direction(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(
        json.dumps({"results": {"hellaswag": {"acc": 0.5, "acc_stderr": 0.005, "acc_norm": 0.6}}, "versions": {"hellaswag": 0}})
    )
    table = results.load(path)
    acc = found(table, "hellaswag", "acc")
    assert acc.higher_is_better is None and acc.n is None and acc.stderr == 0.005 and acc.filter == "none"
