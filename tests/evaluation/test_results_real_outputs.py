"""The results adapters on outputs nobody here wrote (issue 14; tests/fixtures/results/real/PROVENANCE.md).

Each test reads the raw file itself and derives what `ftgov.results.load` must report from
it: values, stderr, n, settings, number of items. The fixtures are lm-eval 0.4.5 samples
(written before lm-eval added the `metrics` key), lm-eval 0.4.13 groups with subtasks,
results files from the harness's own repository history (0.3 era, MMLU groups, Infinity,
"N/A"), Inspect logs with two scorers, and Hugging Face model cards.
"""

from __future__ import annotations

import json
import math
import struct
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
import zstandard

from ftgov.evaluation import results
from ftgov.evaluation.results import Measurement, MetricTable

REAL = Path(__file__).parents[1] / "fixtures" / "results" / "real"
LMEVAL = REAL / "lm-eval"
OLD = LMEVAL / "v0.4.5-dummy"
GROUP_BASE = LMEVAL / "v0.4.13-group-base"
GROUP_CANDIDATE = LMEVAL / "v0.4.13-group-candidate"
GROUP_UNWEIGHTED = LMEVAL / "v0.4.13-group-unweighted"
HISTORY = LMEVAL / "harness-history"
V03 = HISTORY / "v0.3-bloom-1b1" / "bloom-1b1_common_sense_reasoning_0-shot.json"
MMLU = HISTORY / "mmlu-group-mamba-130m"
NON_FINITE = HISTORY / "infinity-nan-materials"
NA_STDERR = HISTORY / "na-stderr-group-negotiationtom"
INSPECT = REAL / "inspect"
INSPECT_EPOCHS1_JSON = next((INSPECT / "two-scorers-epochs1").glob("*.json"))
INSPECT_EPOCHS1_EVAL = next((INSPECT / "two-scorers-epochs1").glob("*.eval"))
INSPECT_EPOCHS2 = next((INSPECT / "two-scorers-epochs2").glob("*.json"))
INSPECT_HEADLINE = next((INSPECT / "two-scorers-headline-match").glob("*.json"))
CARDS = REAL / "model-cards"
CARD_SPLITS = CARDS / "Luciano_bertimbau-base-lener-br-finetuned-lener-br_README.md"
CARD_PERCENT_VERIFIED = CARDS / "Shobhank-iiitdwd_BERT-base-cased-squad2-QA_README.md"
CARD_LEADERBOARD = CARDS / "Mistral-7B-Instruct-v0.2-DARE" / "README.md"

# Model-card metrics that are proportions, so a value in (1, 100] is a percentage.
PROPORTIONS = frozenset({"accuracy", "acc", "acc_norm", "exact_match", "f1"})
# Every run this file checks that has samples files beside its results.
RUNS_WITH_SAMPLES = [OLD, GROUP_BASE, GROUP_CANDIDATE, GROUP_UNWEIGHTED, LMEVAL / "dummy-base", LMEVAL / "dummy-candidate"]


# Reading the raw files, as the tools wrote them


def results_file(directory: Path) -> Path:
    (found,) = directory.glob("results_*.json")
    return found


def raw_results(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((results_file(path) if path.is_dir() else path).read_text(encoding="utf-8"))
    return data


def samples(directory: Path, task: str) -> list[dict[str, Any]]:
    (path,) = directory.glob(f"samples_{task}_*.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def metric_keys(metrics: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(key, metric, filter) of every value in one task's results entry; stderr and bookkeeping left out."""
    for key in metrics:
        if key in ("alias", "name", "sample_len", "sample_count", "samples"):
            continue
        metric, comma, filt = key.partition(",")
        if metric.endswith("_stderr"):
            continue
        yield key, metric, filt if comma else "none"


def stderr_of(metrics: Mapping[str, Any], metric: str, filt: str, bare: bool) -> float | None:
    raw = metrics.get(f"{metric}_stderr" if bare else f"{metric}_stderr,{filt}")
    return float(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw) else None


def found(table: MetricTable, suite: str, task: str | None, name: str) -> Measurement:
    measurement, why = table.find(suite, task, name)
    assert measurement is not None, why
    return measurement


def leaves(group_subtasks: Mapping[str, list[str]], group: str) -> list[str]:
    """The tasks under a group that are not groups themselves (MMLU nests subgroups)."""
    out: list[str] = []
    for task in group_subtasks.get(group, []):
        out.extend(leaves(group_subtasks, task) if group_subtasks.get(task) else [task])
    return out


def under(group_subtasks: Mapping[str, list[str]], group: str) -> set[str]:
    """Every task under a group, nested groups included."""
    out: set[str] = set()
    for task in group_subtasks.get(group, []):
        out |= {task} | under(group_subtasks, task)
    return out


def front_matter(path: Path) -> dict[str, Any]:
    lines = path.read_text(encoding="utf-8").splitlines()
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    meta: dict[str, Any] = yaml.safe_load("\n".join(lines[1:end]))
    return meta


def card_results(path: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(dataset, metric) for every metric of every result in a card's model-index."""
    return [
        (result["dataset"], metric)
        for model in front_matter(path)["model-index"]
        for result in model["results"]
        for metric in result["metrics"]
    ]


def as_fraction(metric: str, value: float) -> float:
    return value / 100 if metric in PROPORTIONS and 1 < value <= 100 else value


# lm-eval 0.4.5: samples written before the `metrics` key


def test_old_samples_really_lack_the_metrics_and_filter_keys() -> None:
    data = raw_results(OLD)
    assert "lm_eval_version" not in data  # 0.4.5 did not record its own version
    for task in data["results"]:
        rows = samples(OLD, task)
        assert rows and all("metrics" not in row and "filter" not in row for row in rows)
        assert all(isinstance(row["acc"], float) for row in rows)


def test_old_results_values_stderr_n_and_settings() -> None:
    data = raw_results(OLD)
    table = results.load(OLD)
    expected = [(task, key, metric, filt) for task, block in data["results"].items() for key, metric, filt in metric_keys(block)]
    assert len(table) == len(expected) == 3
    for task, key, metric, filt in expected:
        block = data["results"][task]
        m = found(table, "lm-eval", task, metric)
        assert m.filter == filt
        assert m.value == pytest.approx(block[key])
        assert m.stderr == pytest.approx(stderr_of(block, metric, filt, bare=False))
        assert m.n == data["n-samples"][task]["effective"]
        assert m.higher_is_better is data["higher_is_better"][task][metric]
        assert m.settings.n_shot == data["n-shot"][task]
        assert m.settings.version == str(data["versions"][task])
        assert m.settings.task_hash == data["task_hashes"][task]
        assert m.settings.limit is None


def test_old_samples_are_read_as_items() -> None:
    """Before 0.4.7 a sample line carries its metrics as floats without naming them in `metrics`."""
    data = raw_results(OLD)
    table = results.load(OLD)
    for task, block in data["results"].items():
        rows = samples(OLD, task)
        for _key, metric, _filt in metric_keys(block):
            m = found(table, "lm-eval", task, metric)
            assert m.items is not None, f"{task} {metric}: the 0.4.5 samples file was not read"
            assert len(m.items) == data["n-samples"][task]["effective"] == len(rows)
            assert len(set(m.items.ids.tolist())) == len(m.items)
            assert sorted(m.items.ids.tolist()) == sorted(str(row["doc_id"]) for row in rows)
            assert m.items.values.mean() == pytest.approx(m.value)
            assert m.items.values.mean() == pytest.approx(np.mean([row[metric] for row in rows]))


def test_old_multiple_choice_confidence_is_the_softmax_of_the_top_choice() -> None:
    table = results.load(OLD)
    acc = found(table, "lm-eval", "claims_routing", "acc")
    assert acc.items is not None and acc.items.confidences is not None
    by_id = dict(zip(acc.items.ids.tolist(), acc.items.confidences.tolist(), strict=True))
    for row in samples(OLD, "claims_routing")[:25]:
        lls = np.array([float(choice[0]) for choice in row["filtered_resps"]])
        softmax = np.exp(lls - lls.max()) / np.exp(lls - lls.max()).sum()
        assert by_id[str(row["doc_id"])] == pytest.approx(softmax.max())


def test_old_and_current_release_items_pair_up() -> None:
    """0.4.5 and 0.4.13 ran the same local task: the same items, by id and by prompt hash."""
    old = found(results.load(OLD), "lm-eval", "claims_routing", "acc")
    current = found(results.load(LMEVAL / "dummy-base"), "lm-eval", "claims_routing", "acc")
    assert old.items is not None and current.items is not None
    assert old.items.ids.tolist() == current.items.ids.tolist()
    assert old.items.hashes is not None and current.items.hashes is not None
    assert old.items.hashes.tolist() == current.items.hashes.tolist()


@pytest.mark.parametrize("run", RUNS_WITH_SAMPLES, ids=lambda p: p.name)
def test_items_are_unique_and_as_many_as_the_effective_samples(run: Path) -> None:
    data = raw_results(run)
    table = results.load(run)
    checked = 0
    for m in table:
        if m.items is None:
            continue
        assert len(set(m.items.ids.tolist())) == len(m.items), f"{m.key} {m.filter}: item ids repeat"
        assert m.items.values.mean() == pytest.approx(m.value)
        counts = data["n-samples"].get(m.task)
        if counts is not None:
            assert len(m.items) == counts["effective"] == m.n
        checked += 1
    assert checked >= len(data["n-samples"])


# lm-eval 0.4.13: a group of three subtasks with a samples file each


@pytest.mark.parametrize("run", [GROUP_BASE, GROUP_CANDIDATE], ids=lambda p: p.name)
def test_group_weighted_by_size(run: Path) -> None:
    data = raw_results(run)
    table = results.load(run)
    (group,) = data["groups"]
    subtasks = data["group_subtasks"][group]
    assert len(subtasks) == 3
    sizes = {task: data["n-samples"][task]["effective"] for task in subtasks}
    weighted = sum(data["results"][task]["acc,none"] * sizes[task] for task in subtasks) / sum(sizes.values())
    assert data["groups"][group]["acc,none"] == pytest.approx(weighted)  # what weight_by_size: true wrote
    m = found(table, "lm-eval", group, "acc")
    assert m.value == pytest.approx(data["groups"][group]["acc,none"])
    assert m.stderr == pytest.approx(data["groups"][group]["acc_stderr,none"])
    assert m.n == data["groups"][group]["sample_count"]["acc,none"] == sum(sizes.values())
    assert m.higher_is_better is True
    assert m.settings.n_shot == data["n-shot"][group]
    if m.items is not None:  # the pooled items of its subtasks, each item once
        assert len(m.items) == sum(sizes.values()) == len(set(m.items.ids.tolist()))
        assert m.items.values.mean() == pytest.approx(m.value)
    for task in subtasks:
        sub = found(table, "lm-eval", task, "acc")
        rows = samples(run, task)
        assert sub.value == pytest.approx(data["results"][task]["acc,none"])
        assert sub.stderr == pytest.approx(data["results"][task]["acc_stderr,none"])
        assert sub.n == sizes[task] == len(rows)
        assert sub.settings.task_hash == data["task_hashes"][task]
        assert sub.items is not None and len(sub.items) == len(rows)
        assert sub.items.values.mean() == pytest.approx(np.mean([row["acc"] for row in rows]))
    assert set(dict(table.groups)[group]) == set(subtasks)
    assert len(table) == len(subtasks) + 1


def test_group_base_and_candidate_items_pair_up() -> None:
    base, candidate = results.load(GROUP_BASE), results.load(GROUP_CANDIDATE)
    for task in raw_results(GROUP_BASE)["group_subtasks"]["ftg_suite"]:
        mine, theirs = found(base, "lm-eval", task, "acc"), found(candidate, "lm-eval", task, "acc")
        assert mine.items is not None and theirs.items is not None
        assert mine.items.ids.tolist() == theirs.items.ids.tolist()
        assert mine.items.hashes is not None and theirs.items.hashes is not None
        assert mine.items.hashes.tolist() == theirs.items.hashes.tolist()
        assert mine.settings.differences(theirs.settings) == []


def test_group_not_weighted_by_size_is_not_a_mean_of_its_items() -> None:
    data = raw_results(GROUP_UNWEIGHTED)
    table = results.load(GROUP_UNWEIGHTED)
    (group,) = data["groups"]
    subtasks = data["group_subtasks"][group]
    plain = float(np.mean([data["results"][task]["acc,none"] for task in subtasks]))
    sizes = {task: data["n-samples"][task]["effective"] for task in subtasks}
    pooled = sum(data["results"][task]["acc,none"] * sizes[task] for task in subtasks) / sum(sizes.values())
    assert data["groups"][group]["acc,none"] == pytest.approx(plain) != pytest.approx(pooled)
    m = found(table, "lm-eval", group, "acc")
    assert m.value == pytest.approx(plain)
    assert m.stderr == pytest.approx(data["groups"][group]["acc_stderr,none"])
    # Its value is the mean of three subtask means, not of the 200 items: no n of 200, no items averaging elsewhere.
    assert m.n != sum(sizes.values())
    assert m.items is None or m.items.values.mean() == pytest.approx(m.value)
    for task in subtasks:  # the subtasks themselves read as in the weighted run
        assert found(table, "lm-eval", task, "acc").value == pytest.approx(data["results"][task]["acc,none"])


# lm-eval results from the harness's own repository history


def test_v03_bare_metric_keys() -> None:
    data = raw_results(V03)
    table = results.load(V03)
    expected = [(task, key, metric) for task, block in data["results"].items() for key, metric, _f in metric_keys(block)]
    assert len(table) == len(expected) == 20
    for task, key, metric in expected:
        block = data["results"][task]
        m = found(table, "lm-eval", task, metric)
        assert m.filter == "none"
        assert m.value == pytest.approx(block[key])
        stderr = stderr_of(block, metric, "", bare=True)
        assert m.stderr == (None if stderr is None else pytest.approx(stderr))
        assert m.n is None and m.items is None  # the 0.3 harness recorded no sample counts
        assert m.higher_is_better is None
        assert m.settings.version == str(data["versions"][task])
        assert m.settings.limit is None
    mc_taco = found(table, "lm-eval", "mc_taco", "f1")
    assert mc_taco.stderr is None and "f1_stderr" not in data["results"]["mc_taco"]


def test_v03_num_fewshot_of_the_run_is_each_tasks_n_shot() -> None:
    """0.3 wrote one `config.num_fewshot` for the whole run and no per-task `n-shot`."""
    data = raw_results(V03)
    assert "n-shot" not in data
    table = results.load(V03)
    assert {m.settings.n_shot for m in table} == {data["config"]["num_fewshot"]}


def test_mmlu_group_subgroups_and_subtasks() -> None:
    data = raw_results(MMLU)
    table = results.load(MMLU)
    tree = data["group_subtasks"]
    entries = {**data["results"], **data["groups"]}
    assert len(table) == sum(1 for block in entries.values() for _ in metric_keys(block)) == 62
    for task, block in entries.items():
        m = found(table, "lm-eval", task, "acc")
        assert m.value == pytest.approx(block["acc,none"])
        assert m.stderr == pytest.approx(block["acc_stderr,none"])
        assert m.higher_is_better is data["higher_is_better"][task]["acc"]
        assert m.settings.n_shot == data["n-shot"][task]
        version = data["versions"].get(task)
        assert m.settings.version == (None if version is None else str(version))
        leaf_tasks = leaves(tree, task) if task in data["groups"] else [task]
        assert m.n == sum(data["n-samples"][leaf]["effective"] for leaf in leaf_tasks)
    everything = leaves(tree, "mmlu")
    assert len(everything) == 57
    sizes = {leaf: data["n-samples"][leaf]["effective"] for leaf in everything}
    weighted = sum(data["results"][leaf]["acc,none"] * sizes[leaf] for leaf in everything) / sum(sizes.values())
    assert found(table, "lm-eval", "mmlu", "acc").value == pytest.approx(weighted)
    assert found(table, "lm-eval", "mmlu", "acc").n == 14042
    groups = dict(table.groups)
    assert set(groups) == {group for group, members in tree.items() if members}
    for group, members in groups.items():
        assert set(members) == under(tree, group)


def test_non_finite_metric_is_unusable_and_the_rest_is_read() -> None:
    """`"mae,none": Infinity` and `"mae_stderr,none": NaN`: an unusable value, not a refused run."""
    data = raw_results(NON_FINITE)
    table = results.load(NON_FINITE)
    finite = [
        (task, key, metric, filt)
        for task, block in data["results"].items()
        for key, metric, filt in metric_keys(block)
        if math.isfinite(block[key])
    ]
    assert len(table) == len(finite) == 11
    for task, key, metric, filt in finite:
        block = data["results"][task]
        m = found(table, "lm-eval", task, metric)  # the only filter, xml-extract or none, is the primary one
        assert m.filter == filt
        assert m.value == pytest.approx(block[key])
        assert m.stderr == pytest.approx(stderr_of(block, metric, filt, bare=False))
        assert m.n == data["n-samples"][task]["effective"]
        assert m.higher_is_better is data["higher_is_better"][task][metric]
        assert m.settings.limit == data["config"]["limit"]
    (unusable,) = table.unusable
    assert (unusable.suite, unusable.task, unusable.metric, unusable.filter) == ("lm-eval", "polymer_tg_prediction", "mae", "none")
    assert unusable.raw == "Infinity"
    assert table.find("lm-eval", "polymer_tg_prediction", "mae")[0] is None
    assert table.unusable_for("lm-eval", "polymer_tg_prediction", "mae") == unusable
    lattice = found(table, "lm-eval", "pxrd_lattice_prediction", "mae")
    assert lattice.higher_is_better is False and lattice.value == pytest.approx(3.9685864222222222)


def test_na_stderr_corpus_metrics_group_and_limit() -> None:
    data = raw_results(NA_STDERR)
    table = results.load(NA_STDERR)
    (group,) = data["groups"]
    aggregation = {entry["metric"]: entry["aggregation"] for config in data["configs"].values() for entry in config.get("metric_list", [])}
    entries = {**data["results"], **data["groups"]}
    assert len(table) == sum(1 for block in entries.values() for _ in metric_keys(block)) == 9
    for task, block in entries.items():
        for key, metric, filt in metric_keys(block):
            m = found(table, "lm-eval", task, metric)
            assert m.value == pytest.approx(block[key])
            stderr = block[f"{metric}_stderr,{filt}"]
            assert m.stderr == (None if stderr == "N/A" else pytest.approx(stderr))
            assert m.settings.limit == data["config"]["limit"] == 20.0
            assert m.settings.n_shot == data["n-shot"][task]
            if aggregation[metric] != "mean":  # micro/macro F1 over the items: a corpus metric, no mean of n items
                assert m.n is None and m.items is None
            elif task == group:
                assert m.n == block["sample_count"][key]
            else:
                assert m.n == data["n-samples"][task]["effective"] == 20
    assert found(table, "lm-eval", group, "micro_f1").stderr is None
    assert set(dict(table.groups)[group]) == set(data["group_subtasks"][group])


# Inspect AI: two scorers, the lenient one first


def eval_member(path: Path, name: str) -> Any:
    """One JSON member of a .eval archive; Inspect stores them Zstandard-compressed (zip method 93)."""
    with zipfile.ZipFile(path) as archive, path.open("rb") as handle:
        info = archive.getinfo(name)
        handle.seek(info.header_offset)
        local = handle.read(30)
        name_length, extra_length = struct.unpack("<HH", local[26:30])
        handle.seek(info.header_offset + 30 + name_length + extra_length)
        compressed = handle.read(info.compress_size)
    raw = zstandard.ZstdDecompressor().decompress(compressed, max_output_size=info.file_size) if info.compress_type == 93 else compressed
    return json.loads(raw)


def inspect_raw(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The log's header and its reductions, from a .json log or a .eval archive."""
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        return data, data["reductions"]
    return eval_member(path, "header.json"), eval_member(path, "reductions.json")


@pytest.mark.parametrize("log", [INSPECT_EPOCHS1_JSON, INSPECT_EPOCHS1_EVAL, INSPECT_EPOCHS2], ids=lambda p: f"{p.parent.name}{p.suffix}")
def test_inspect_each_scorer_is_read(log: Path) -> None:
    header, reductions = inspect_raw(log)
    table = results.load(log)
    task = header["eval"]["task"]
    scores = header["results"]["scores"]
    assert [score["name"] for score in scores] == ["includes", "match"]
    assert len(table) == sum(len([k for k in score["metrics"] if k != "stderr"]) for score in scores) == 2
    for score in scores:
        m = found(table, "inspect", task, f"accuracy,{score['name']}")
        assert m.value == pytest.approx(score["metrics"]["accuracy"]["value"])
        assert m.stderr == pytest.approx(score["metrics"]["stderr"]["value"])
        assert m.n == score["scored_samples"] == len(header["eval"]["dataset"]["sample_ids"])
        reduction = next(r for r in reductions if r["scorer"] == score["name"])
        assert m.items is not None
        assert sorted(m.items.ids.tolist()) == sorted(str(s["sample_id"]) for s in reduction["samples"])
        assert m.items.values.tolist() == [v for _id, v in sorted((str(s["sample_id"]), float(s["value"])) for s in reduction["samples"])]
        assert m.items.values.mean() == pytest.approx(m.value)


def test_inspect_epochs_two_items_are_one_per_sample() -> None:
    header, _ = inspect_raw(INSPECT_EPOCHS2)
    assert header["eval"]["config"]["epochs"] == 2 and header["results"]["total_samples"] == 8
    table = results.load(INSPECT_EPOCHS2)
    for m in table:
        assert m.items is not None and len(m.items) == len(set(m.items.ids.tolist())) == 4 == m.n


@pytest.mark.parametrize("log", [INSPECT_EPOCHS1_JSON, INSPECT_EPOCHS1_EVAL, INSPECT_EPOCHS2], ids=lambda p: f"{p.parent.name}{p.suffix}")
def test_inspect_several_scorers_without_a_declared_headline_are_ambiguous(log: Path) -> None:
    """The task named no headline; Inspect's fallback (the first, lenient scorer) is no choice anyone made."""
    header, _ = inspect_raw(log)
    assert "headline_metric" not in header["eval"] and header["results"]["headline"]["scorer"] == "includes"
    table = results.load(log)
    measurement, why = table.find("inspect", header["eval"]["task"], "accuracy")
    assert measurement is None
    assert "includes" in why and "match" in why
    assert found(table, "inspect", header["eval"]["task"], "accuracy,match").value == pytest.approx(0.25)
    assert found(table, "inspect", header["eval"]["task"], "accuracy,includes").value == pytest.approx(0.75)


def test_inspect_declared_headline_does_not_choose_for_the_objective() -> None:
    """Even a task's declared headline is not the objective's choice: with several scorers, the criterion names one."""
    header, _ = inspect_raw(INSPECT_HEADLINE)
    assert header["eval"]["headline_metric"]["scorer"] == "match"
    table = results.load(INSPECT_HEADLINE)
    bare, why = table.find("inspect", header["eval"]["task"], "accuracy")
    assert bare is None and "includes" in why and "match" in why
    headline = found(table, "inspect", header["eval"]["task"], "accuracy,match")
    match = next(score for score in header["results"]["scores"] if score["name"] == "match")
    assert headline.filter == "match" and headline.value == pytest.approx(match["metrics"]["accuracy"]["value"])


# Hugging Face model cards


def test_card_one_metric_on_three_splits_is_told_apart_by_split() -> None:
    table = results.load(CARD_SPLITS)
    entries = card_results(CARD_SPLITS)
    assert len(table) == len(entries) == 14
    accuracy = [(dataset, metric) for dataset, metric in entries if metric["type"] == "accuracy"]
    assert sorted(dataset["split"] for dataset, _ in accuracy) == ["test", "train", "validation"]
    for dataset, metric in accuracy:
        m = found(table, "model-index", dataset["type"], f"accuracy,{dataset['split']}")
        assert metric["value"] <= 1 and m.value == pytest.approx(metric["value"])  # the card writes fractions
        assert m.settings.split == dataset["split"] and m.settings.config == dataset["config"]
        assert (m.verified is True) == (metric.get("verified") is True)
        assert m.n is None and m.stderr is None
    measurement, why = table.find("model-index", "lener_br", "accuracy")
    assert measurement is None and all(split in why for split in ("test", "train", "validation"))


def test_card_percentages_verified_by_the_hub() -> None:
    table = results.load(CARD_PERCENT_VERIFIED)
    entries = card_results(CARD_PERCENT_VERIFIED)
    assert len(table) == len(entries) == 2
    for dataset, metric in entries:
        assert 1 < metric["value"] <= 100 and metric["verified"] is True
        m = found(table, "model-index", dataset["type"], metric["type"])  # one split: the bare name is enough
        assert m.value == pytest.approx(metric["value"] / 100)
        assert m.verified is True
        assert m.settings.split == dataset["split"] and m.settings.config == dataset["config"]


def test_card_open_llm_leaderboard_percentages_and_few_shot() -> None:
    table = results.load(CARD_LEADERBOARD)
    entries = card_results(CARD_LEADERBOARD)
    assert len(table) == len(entries) == 6
    for dataset, metric in entries:
        m = found(table, "model-index", dataset["type"], metric["type"])
        if metric["type"] in PROPORTIONS:
            assert 1 < metric["value"] <= 100
            assert m.value == pytest.approx(as_fraction(metric["type"], metric["value"])) == pytest.approx(metric["value"] / 100)
        assert m.settings.n_shot == dataset["args"]["num_few_shot"]
        assert m.settings.split == dataset["split"]
        assert m.settings.config == dataset.get("config")
        assert m.verified is not True and "verified" not in metric
    arc = found(table, "model-index", "ai2_arc", "acc_norm")
    assert arc.value == pytest.approx(0.6195) and arc.settings.n_shot == 25 and arc.settings.config == "ARC-Challenge"
