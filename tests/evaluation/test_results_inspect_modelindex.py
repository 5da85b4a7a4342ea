"""Inspect AI logs and model-card model-index: no scorer or split chosen for the objective, items counted as the tool counts them,
percentages read by a stated rule, non-finite values set aside rather than compared.

Inspect cases are the real logs in tests/fixtures/results/real/inspect (PROVENANCE.md) or a changed copy of one; model cards are
the real ones in tests/fixtures/results/real/model-cards, and cards written in the shape of the Hub's model-index spec and the
Open LLM Leaderboard's blocks for what those do not show.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from ftgov.evaluation import results
from ftgov.evaluation.results import ResultsError
from ftgov.evaluation.results.table import NO_FILTER, MetricTable, Settings

REAL = Path(__file__).parents[1] / "fixtures" / "results" / "real"
INSPECT_JSON = next((REAL / "inspect").glob("*.json"))
INSPECT_EVAL = next((REAL / "inspect").glob("*.eval"))
TWO_SCORERS = sorted((REAL / "inspect").glob("two-scorers-*/*"))  # includes (lenient) listed first; epochs 1 and 2; a declared headline
EPOCHS2 = next((REAL / "inspect" / "two-scorers-epochs2").glob("*.json"))
CARDS = REAL / "model-cards"
LENER_BR = CARDS / "Luciano_bertimbau-base-lener-br-finetuned-lener-br_README.md"  # accuracy on train, test, validation; verified
SQUAD = CARDS / "Shobhank-iiitdwd_BERT-base-cased-squad2-QA_README.md"  # percentages, verified
LEADERBOARD = CARDS / "Mistral-7B-Instruct-v0.2-DARE" / "README.md"  # Open LLM Leaderboard block: percentages, num_few_shot


def one_line_error(excinfo: pytest.ExceptionInfo[ResultsError], path: Path) -> str:
    message = str(excinfo.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    return message


def real_log() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(INSPECT_JSON.read_text())
    return data


def write_log(tmp_path: Path, data: dict[str, Any], name: str = "log.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))  # NaN and Infinity as Inspect writes them (ser_json_inf_nan="constants")
    return path


def scorer_entry(data: dict[str, Any], scorer: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(s for s in data["results"]["scores"] if s["name"] == scorer)
    return entry


def reduction(data: dict[str, Any], scorer: str) -> list[dict[str, Any]]:
    samples: list[dict[str, Any]] = next(r for r in data["reductions"] if r["scorer"] == scorer)["samples"]
    return samples


def only_scorer(data: dict[str, Any], scorer: str) -> dict[str, Any]:
    data["results"]["scores"] = [scorer_entry(data, scorer)]
    data["reductions"] = [r for r in data["reductions"] if r["scorer"] == scorer]
    data["eval"]["scorers"] = [s for s in data["eval"]["scorers"] if s["name"] == scorer]
    data["results"]["headline"] = {"scorer": scorer, "score": scorer, "metric": "accuracy"}
    return data


# Inspect: no scorer chosen for the objective


@pytest.mark.parametrize("log", [INSPECT_JSON, INSPECT_EVAL], ids=["json", "eval"])
def test_several_scorers_none_is_the_bare_metric(log: Path) -> None:
    table = results.load(log)
    bare, reason = table.find("inspect", "tiny", "accuracy")
    assert bare is None
    assert "several filters (includes, match)" in reason and "accuracy,<filter>" in reason
    match, _ = table.find("inspect", "tiny", "accuracy,match")
    assert match is not None and not match.primary and match.key == "inspect/tiny/accuracy,match"
    assert match.value == pytest.approx(1 / 3) and match.n == 3


@pytest.mark.parametrize("log", TWO_SCORERS, ids=[p.parent.name + p.suffix for p in TWO_SCORERS])
def test_real_logs_with_the_lenient_scorer_first(log: Path) -> None:
    """Whatever the headline (Inspect's fallback to the first scorer, or the task's declared one), no scorer is chosen."""
    assert len(TWO_SCORERS) == 4
    table = results.load(log)
    bare, reason = table.find("inspect", "two_scorers", "accuracy")
    assert bare is None and "(includes, match)" in reason
    strict, _ = table.find("inspect", "two_scorers", "accuracy,match")
    lenient, _ = table.find("inspect", "two_scorers", "accuracy,includes")
    assert strict is not None and lenient is not None
    assert strict.value == 0.25 and lenient.value == 0.75 and strict.stderr == 0.25
    assert strict.n == 4 and strict.items is not None and len(strict.items) == 4  # four samples, with one epoch or two


def test_real_two_epoch_log_counts_samples_not_sample_epochs(tmp_path: Path) -> None:
    data: dict[str, Any] = json.loads(EPOCHS2.read_text())
    assert data["results"]["completed_samples"] == 8 and data["eval"]["config"]["epochs"] == 2
    for score in data["results"]["scores"]:
        del score["scored_samples"], score["unscored_samples"]
    table = results.load(write_log(tmp_path, data, "old-style.json"))  # 4 reduced samples account for 8 sample-epochs
    match, _ = table.find("inspect", "two_scorers", "accuracy,match")
    assert match is not None and match.n == 4

    samples = reduction(data, "match")
    samples.append(samples[0])
    path = write_log(tmp_path, data, "repeated.json")
    with pytest.raises(ResultsError) as excinfo:
        results.load(path)
    assert f"list sample {samples[0]['sample_id']} 2 times" in one_line_error(excinfo, path)


def test_a_lenient_scorer_listed_first_is_not_what_a_bare_name_means(tmp_path: Path) -> None:
    data = real_log()
    lenient = scorer_entry(data, "includes")
    lenient["metrics"]["accuracy"]["value"] = 1.0
    data["results"]["scores"].reverse()  # includes first, and the headline too: Inspect's default
    data["results"]["headline"] = {"scorer": "includes", "score": "includes", "metric": "accuracy"}
    for sample in reduction(data, "includes"):
        sample["value"] = 1.0
    table = results.load(write_log(tmp_path, data))
    assert table.find("inspect", "tiny", "accuracy")[0] is None
    strict, _ = table.find("inspect", "tiny", "accuracy,match")
    assert strict is not None and strict.value == pytest.approx(1 / 3)


def test_one_scorer_is_the_only_variant(tmp_path: Path) -> None:
    table = results.load(write_log(tmp_path, only_scorer(real_log(), "includes")))
    accuracy, reason = table.find("inspect", "tiny", "accuracy")
    assert accuracy is not None, reason
    assert accuracy.primary and accuracy.filter == "includes" and accuracy.key == "inspect/tiny/accuracy"


# Inspect: unique items, counted as the tool counts them


def test_a_sample_listed_twice_in_the_reductions_is_refused(tmp_path: Path) -> None:
    data = real_log()
    samples = reduction(data, "match")
    samples.append(dict(samples[1]))  # s2 again: it would be paired twice and narrow the interval
    path = write_log(tmp_path, data)
    with pytest.raises(ResultsError) as excinfo:
        results.load(path)
    message = one_line_error(excinfo, path)
    assert "scorer match" in message and "s2" in message and "2 times" in message


def test_reductions_fewer_than_scored_samples_are_refused(tmp_path: Path) -> None:
    data = real_log()
    del reduction(data, "match")[2]
    path = write_log(tmp_path, data)
    with pytest.raises(ResultsError) as excinfo:
        results.load(path)
    message = one_line_error(excinfo, path)
    assert "scorer match" in message and "2 scored samples" in message and "scored_samples 3" in message


def test_without_scored_samples_the_count_is_checked_against_completed_samples(tmp_path: Path) -> None:
    data = real_log()
    for score in data["results"]["scores"]:
        del score["scored_samples"], score["unscored_samples"]
    table = results.load(write_log(tmp_path, data, "complete.json"))
    match, _ = table.find("inspect", "tiny", "accuracy,match")
    assert match is not None and match.n == 3  # as many items as the reductions hold, within Inspect's counts

    data["results"]["completed_samples"] = data["results"]["total_samples"] = 4  # one sample's reduction went missing
    data["eval"]["dataset"]["samples"] = 4
    path = write_log(tmp_path, data, "short.json")
    with pytest.raises(ResultsError) as excinfo:
        results.load(path)
    message = one_line_error(excinfo, path)
    assert "3 samples" in message and "completed_samples 4" in message and "epochs 1" in message


def test_unscored_samples_are_not_items(tmp_path: Path) -> None:
    data = only_scorer(real_log(), "match")
    reduction(data, "match")[2]["value"] = math.nan  # Inspect's sentinel for a sample the scorer did not score
    entry = scorer_entry(data, "match")
    entry["scored_samples"], entry["unscored_samples"] = 2, 1
    entry["metrics"]["accuracy"]["value"] = 0.5
    table = results.load(write_log(tmp_path, data))
    accuracy, _ = table.find("inspect", "tiny", "accuracy")
    assert accuracy is not None and accuracy.n == 2
    assert accuracy.items is not None and list(accuracy.items.ids) == ["s1", "s2"]


def test_n_and_stderr_belong_to_means_only(tmp_path: Path) -> None:
    data = only_scorer(real_log(), "match")
    scorer_entry(data, "match")["metrics"]["std"] = {"name": "std", "value": 0.577, "params": {}}
    table = results.load(write_log(tmp_path, data))
    std, _ = table.find("inspect", "tiny", "std")
    assert std is not None and std.n is None and std.stderr is None and std.items is None
    accuracy, _ = table.find("inspect", "tiny", "accuracy")
    assert accuracy is not None and accuracy.n == 3 and accuracy.stderr == pytest.approx(1 / 3)


def test_two_reducers_of_one_scorer_are_two_variants(tmp_path: Path) -> None:
    data = only_scorer(real_log(), "match")
    data["eval"]["config"]["epochs"] = 2
    first = scorer_entry(data, "match")
    first["reducer"] = "mean"
    second = json.loads(json.dumps(first)) | {"reducer": "max"}
    second["metrics"]["accuracy"]["value"] = 2 / 3
    data["results"]["scores"].append(second)
    samples = reduction(data, "match")
    data["reductions"] = [
        {"scorer": "match", "reducer": "mean", "samples": samples},
        {"scorer": "match", "reducer": "max", "samples": [s | {"value": 1.0 if s["sample_id"] != "s3" else 0.0} for s in samples]},
    ]
    table = results.load(write_log(tmp_path, data))
    best, reason = table.find("inspect", "tiny", "accuracy,match/max")
    assert best is not None, reason
    assert best.value == pytest.approx(2 / 3) and best.items is not None and list(best.items.values) == [1.0, 1.0, 0.0]
    assert table.find("inspect", "tiny", "accuracy")[0] is None


# Inspect: non-finite metric values


def test_a_nan_metric_is_unusable_not_a_refused_log(tmp_path: Path) -> None:
    data = real_log()
    scorer_entry(data, "includes")["metrics"]["accuracy"]["value"] = math.nan
    path = write_log(tmp_path, data)
    assert "NaN" in path.read_text()
    table = results.load(path)
    assert table.find("inspect", "tiny", "accuracy,includes")[0] is None
    assert table.find("inspect", "tiny", "accuracy,match")[0] is not None
    unusable = table.unusable_for("inspect", "tiny", "accuracy,includes")
    assert unusable is not None and unusable.raw == "NaN" and unusable.filter == "includes" and unusable.path == str(path)


def test_an_infinite_metric_is_unusable(tmp_path: Path) -> None:
    data = only_scorer(real_log(), "match")
    scorer_entry(data, "match")["metrics"]["mean"] = {"name": "mean", "value": -math.inf, "params": {}}
    table = results.load(write_log(tmp_path, data))
    unusable = table.unusable_for("inspect", "tiny", "mean")
    assert unusable is not None and unusable.raw == "-Infinity"
    assert table.find("inspect", "tiny", "accuracy")[0] is not None


# Model cards (model-index)


def card(tmp_path: Path, results_yaml: str, name: str = "README.md") -> Path:
    path = tmp_path / name
    path.write_text("---\nlicense: apache-2.0\nmodel-index:\n- name: my-ft-model\n  results:\n" + results_yaml + "---\n# my-ft-model\n")
    return path


def result(dataset: str, metrics: str) -> str:
    """One entry of results[], in the block style the Open LLM Leaderboard's cards use."""
    return (
        "  - task:\n      type: text-generation\n      name: Text Generation\n"
        + "".join(f"    {line}\n" for line in dataset.strip().splitlines())
        + "    metrics:\n"
        + "".join(f"    {line}\n" for line in metrics.strip().splitlines())
    )


MMLU = """
dataset:
  name: MMLU (5-Shot)
  type: cais/mmlu
  config: all
  split: test
  revision: 7a00892cb0f1a1d6ed5b7b0e0d3b5c9b1f6f8c3a
  args:
    num_few_shot: 5
"""


def test_open_llm_leaderboard_card_settings_and_percentages(tmp_path: Path) -> None:
    path = card(tmp_path, result(MMLU, "- type: acc\n  value: 77.33\n  name: accuracy\n"))
    table = results.load(path)
    acc, reason = table.find("model-index", "cais/mmlu", "acc")
    assert acc is not None, reason
    assert acc.value == pytest.approx(0.7733) and acc.filter == NO_FILTER and acc.primary
    assert acc.settings.n_shot == 5 and acc.settings.split == "test" and acc.settings.config == "all"
    assert acc.settings.version == "7a00892cb0f1a1d6ed5b7b0e0d3b5c9b1f6f8c3a"
    assert acc.verified is None and acc.n is None
    assert table.notes == (f"model card {path}: acc values read as percentages (77.33 → 0.7733)",)


def test_a_different_few_shot_count_is_a_settings_difference(tmp_path: Path) -> None:
    five = results.load(card(tmp_path, result(MMLU, "- {type: acc, value: 0.6512}"), "five.md"))
    zero = results.load(
        card(tmp_path, result(MMLU.replace("num_few_shot: 5", "num_few_shot: 0"), "- {type: acc, value: 0.6512}"), "zero.md")
    )
    a, b = five.find("model-index", "cais/mmlu", "acc")[0], zero.find("model-index", "cais/mmlu", "acc")[0]
    assert a is not None and b is not None
    assert a.settings.differences(b.settings) == ["n-shot 5 vs 0"]
    assert five.notes == ()  # fractions: nothing to say


def test_validation_and_test_are_variants_none_primary(tmp_path: Path) -> None:
    entries = result(MMLU, "- {type: acc, value: 0.61}") + result(
        MMLU.replace("split: test", "split: validation"), "- {type: acc, value: 0.64}"
    )
    table = results.load(card(tmp_path, entries))
    bare, reason = table.find("model-index", "cais/mmlu", "acc")
    assert bare is None and "several filters (test, validation)" in reason
    test, _ = table.find("model-index", "cais/mmlu", "acc,test")
    assert test is not None and test.value == 0.61 and not test.primary and test.settings.split == "test"
    assert test.key == "model-index/cais/mmlu/acc,test"


def test_two_configs_on_one_split_are_config_colon_split(tmp_path: Path) -> None:
    arc = "dataset:\n  name: ARC\n  type: allenai/ai2_arc\n  config: {config}\n  split: test\n"
    entries = result(arc.format(config="ARC-Challenge"), "- {type: acc_norm, value: 0.55}") + result(
        arc.format(config="ARC-Easy"), "- {type: acc_norm, value: 0.81}"
    )
    table = results.load(card(tmp_path, entries))
    challenge, _ = table.find("model-index", "allenai/ai2_arc", "acc_norm,ARC-Challenge:test")
    assert challenge is not None and challenge.value == 0.55 and challenge.settings.config == "ARC-Challenge"
    assert table.find("model-index", "allenai/ai2_arc", "acc_norm")[0] is None


def test_metric_names_tell_apart_what_dataset_fields_do_not(tmp_path: Path) -> None:
    metrics = "- {type: f1, value: 0.71, name: f1 macro}\n- {type: f1, value: 0.78, name: f1 micro}\n"
    table = results.load(card(tmp_path, result(MMLU, metrics)))
    macro, _ = table.find("model-index", "cais/mmlu", "f1,f1 macro")
    assert macro is not None and macro.value == 0.71


def test_the_same_metric_twice_with_nothing_to_tell_them_apart_is_refused(tmp_path: Path) -> None:
    path = card(tmp_path, result(MMLU, "- {type: acc, value: 0.61}\n- {type: acc, value: 0.64}\n"))
    with pytest.raises(ResultsError) as excinfo:
        results.load(path)
    message = one_line_error(excinfo, path)
    assert "acc on cais/mmlu is given 2 times" in message and "split, config and metric name" in message


@pytest.mark.parametrize(
    ("value", "expected", "stderr"),
    [
        ("0.651", 0.651, None),  # a fraction
        ("1", 1.0, None),  # 1 is a fraction: all right
        ("65.1", 0.651, None),
        ("100", 1.0, None),
        ("'65.1 ± 1.2'", 0.651, 0.012),
        ("'0.651 ± 0.012'", 0.651, 0.012),
    ],
)
def test_percent_or_fraction_by_the_stated_rule(tmp_path: Path, value: str, expected: float, stderr: float | None) -> None:
    table = results.load(card(tmp_path, result(MMLU, f"- {{type: accuracy, value: {value}}}")))
    accuracy, _ = table.find("model-index", "cais/mmlu", "accuracy")
    assert accuracy is not None and accuracy.value == pytest.approx(expected)
    assert accuracy.stderr == (None if stderr is None else pytest.approx(stderr))


@pytest.mark.parametrize(
    "metric", ["acc", "acc_norm", "exact_match", "em", "f1", "precision", "recall", "pass@1", "pass@10", "mc1", "mc2", "balanced_accuracy"]
)
def test_every_proportion_metric_reads_percentages(tmp_path: Path, metric: str) -> None:
    table = results.load(card(tmp_path, result(MMLU, f"- {{type: '{metric}', value: 42.5}}")))
    found, _ = table.find("model-index", "cais/mmlu", metric)
    assert found is not None and found.value == pytest.approx(0.425)


def test_other_metrics_are_read_as_written(tmp_path: Path) -> None:
    table = results.load(card(tmp_path, result(MMLU, "- {type: wer, value: 12.3}\n- {type: bleu, value: 31.4}\n")))
    wer, _ = table.find("model-index", "cais/mmlu", "wer")
    assert wer is not None and wer.value == 12.3
    assert table.notes == ()


@pytest.mark.parametrize(("value", "expected"), [("100.5", "100.5 is above 100"), ("-0.2", "-0.2 is below 0")])
def test_a_proportion_outside_0_to_100_is_refused(tmp_path: Path, value: str, expected: str) -> None:
    path = card(tmp_path, result(MMLU, f"- {{type: acc, value: {value}}}"))
    with pytest.raises(ResultsError) as excinfo:
        results.load(path)
    message = one_line_error(excinfo, path)
    assert expected in message and "model-index[0].results[0].metrics[0]" in message


def test_a_card_on_both_scales_says_so(tmp_path: Path) -> None:
    path = card(tmp_path, result(MMLU, "- {type: acc, value: 61.2}\n- {type: mc2, value: 0.85}\n"))
    table = results.load(path)
    assert table.notes == (
        f"model card {path}: acc values read as percentages (61.2 → 0.612)",
        f"model card {path}: mc2 0.85 read as fractions while other values were percentages; check the card",
    )


def test_verified_is_carried(tmp_path: Path) -> None:
    metrics = "- {type: acc, value: 0.61, verified: true}\n- {type: f1, value: 0.5, verified: false}\n- {type: em, value: 0.4}\n"
    table = results.load(card(tmp_path, result(MMLU, metrics)))
    verified = {m.metric: m.verified for m in table}
    assert verified == {"acc": True, "f1": False, "em": None}


@pytest.mark.parametrize(("value", "raw"), [(".nan", ".nan"), (".inf", ".inf"), ("-.inf", "-.inf"), ("'NaN'", "NaN")])
def test_non_finite_card_values_are_unusable(tmp_path: Path, value: str, raw: str) -> None:
    metrics = f"- {{type: acc, value: {value}}}\n- {{type: f1, value: 0.5}}\n"
    path = card(tmp_path, result(MMLU, metrics))
    table = results.load(path)
    assert [m.metric for m in table] == ["f1"]
    unusable = table.unusable_for("model-index", "cais/mmlu", "acc")
    assert unusable is not None and unusable.raw == raw and unusable.filter == NO_FILTER and unusable.path == str(path)


def test_trainer_written_split_none_is_not_recorded(tmp_path: Path) -> None:
    """transformers' Trainer writes `split: None` (Python's None as text) and `args` as one string."""
    dataset = (
        "dataset:\n  name: Common Voice 11.0\n  type: mozilla-foundation/common_voice_11_0\n"
        "  config: null\n  split: None\n  args: 'config: hi, split: test'\n"
    )
    table = results.load(card(tmp_path, result(dataset, "- {type: wer, value: 32.4, name: Wer}")))
    wer, _ = table.find("model-index", "mozilla-foundation/common_voice_11_0", "wer")
    assert wer is not None and wer.settings.split is None and wer.settings.config is None and wer.settings.n_shot is None


def test_a_malformed_few_shot_count_is_refused(tmp_path: Path) -> None:
    path = card(tmp_path, result(MMLU.replace("num_few_shot: 5", "num_few_shot: five"), "- {type: acc, value: 0.6}"))
    with pytest.raises(ResultsError) as excinfo:
        results.load(path)
    assert "num_few_shot 'five' is not a whole number" in one_line_error(excinfo, path)


def test_merged_tables_keep_notes_and_unusable(tmp_path: Path) -> None:
    first = results.load(card(tmp_path, result(MMLU, "- {type: acc, value: 61.0}\n- {type: f1, value: .nan}\n"), "a.md"))
    merged = MetricTable.merge([first, results.load(INSPECT_JSON)])
    assert len(merged.notes) == 1 and len(merged.unusable) == 1


# Model cards copied from the Hub (PROVENANCE.md)


def test_real_card_with_train_test_and_validation() -> None:
    table = results.load(LENER_BR)
    bare, reason = table.find("model-index", "lener_br", "accuracy")
    assert bare is None and "several filters (test, train, validation)" in reason and "accuracy,<filter>" in reason
    test, _ = table.find("model-index", "lener_br", "accuracy,test")
    train, _ = table.find("model-index", "lener_br", "accuracy,train")
    assert test is not None and train is not None
    assert test.value == pytest.approx(0.981178408105048) and test.verified is True and train.verified is None
    assert test.settings.split == "test" and test.settings.config == "lener_br" and test.settings.n_shot is None
    assert table.notes == ()  # fractions as written


def test_real_card_in_percent_verified_by_the_hub() -> None:
    table = results.load(SQUAD)
    exact, _ = table.find("model-index", "squad_v2", "exact_match")
    f1, _ = table.find("model-index", "squad_v2", "f1")
    assert exact is not None and f1 is not None
    assert exact.value == pytest.approx(0.711517, abs=1e-6) and f1.value == pytest.approx(0.746714, abs=1e-6)
    assert exact.verified is True and exact.primary and exact.settings.split == "validation"
    assert table.notes == (f"model card {SQUAD}: exact_match, f1 values read as percentages (71.1517 → 0.711517)",)


def test_real_open_llm_leaderboard_card() -> None:
    table = results.load(LEADERBOARD)
    arc, _ = table.find("model-index", "ai2_arc", "acc_norm")
    mmlu, _ = table.find("model-index", "cais/mmlu", "acc")
    assert arc is not None and mmlu is not None
    assert arc.value == pytest.approx(0.6195) and arc.settings == Settings(n_shot=25, split="test", config="ARC-Challenge")
    assert mmlu.settings.n_shot == 5 and mmlu.settings.config == "all" and mmlu.verified is None
    assert all(0 <= m.value <= 1 for m in table) and len(table) == 6
    assert table.notes == (f"model card {LEADERBOARD}: acc, acc_norm, mc2 values read as percentages (61.95 → 0.6195)",)
