"""The results adapters on the real files the tools wrote (tests/fixtures/results/real, see PROVENANCE.md)."""

from __future__ import annotations

import json
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from ftgov.evaluation import results
from ftgov.evaluation.results import ResultsError, inspect_log

REAL = Path(__file__).parents[1] / "fixtures" / "results" / "real"
BASE = REAL / "lm-eval" / "dummy-base"
CANDIDATE = REAL / "lm-eval" / "dummy-candidate"
PUBLIC = REAL / "lm-eval" / "results_2025-01-21T00-40-03.356274.json"
INSPECT_JSON = next((REAL / "inspect").glob("*.json"))
INSPECT_EVAL = next((REAL / "inspect").glob("*.eval"))


def one_line_error(excinfo: pytest.ExceptionInfo[ResultsError], path: Path) -> str:
    message = str(excinfo.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    return message


# lm-evaluation-harness


def test_lmeval_directory_with_samples() -> None:
    table = results.load(BASE)
    acc, found = table.find("lm-eval", "claims_routing", "acc")
    assert acc is not None, found
    assert acc.value == pytest.approx(0.24333333333333335)
    assert acc.stderr == pytest.approx(0.02481518457232592)
    assert acc.n == 300 and acc.higher_is_better is True
    assert acc.settings.n_shot == 0 and acc.settings.version == "1.0" and acc.settings.limit is None
    assert acc.settings.task_hash == "23bf77038155d5fa413e69b0a392a5db1d21b6910c538c319291b49dbc1b5b04"
    assert acc.items is not None and len(acc.items) == 300 and acc.items.binary
    assert acc.items.values.mean() == pytest.approx(acc.value)
    assert acc.items.hashes is not None and all(len(h) == 64 for h in acc.items.hashes)
    # four choices: the softmax of the picked choice lies in [1/4, 1]
    confidences = acc.items.confidences
    assert confidences is not None and confidences.min() >= 0.25 and confidences.max() <= 1.0
    norm, _ = table.find("lm-eval", "claims_routing", "acc_norm")
    assert norm is not None and norm.items is not None and norm.items.confidences is None
    refusal, _ = table.find("lm-eval", "policy_refusal", "acc")
    assert refusal is not None and refusal.value == pytest.approx(0.495) and refusal.items is not None
    assert {p.format for p in table.sources} == {"lm-eval", "lm-eval samples"}
    assert all(len(p.sha256) == 64 for p in table.sources)
    assert table.unusable == () and table.notes == () and table.groups == ()  # two plain tasks, every value finite


def test_lmeval_confidence_is_softmax_of_the_top_choice() -> None:
    first = json.loads(next(BASE.glob("samples_claims_routing_*.jsonl")).read_text().splitlines()[0])
    lls = np.array([float(choice[0]) for choice in first["filtered_resps"]])
    expected = np.exp(lls).max() / np.exp(lls).sum()
    acc, _ = results.load(BASE).find("lm-eval", "claims_routing", "acc")
    assert acc is not None and acc.items is not None and acc.items.confidences is not None
    position = int(np.flatnonzero(acc.items.ids == str(first["doc_id"]))[0])
    assert acc.items.confidences[position] == pytest.approx(expected)


def test_lmeval_public_results_file_without_samples() -> None:
    table = results.load(PUBLIC)
    acc, _ = table.find("lm-eval", "mmlu_abstract_algebra", "acc")
    assert acc is not None and acc.value == 0.34 and acc.stderr == pytest.approx(0.047609522856952344)
    assert acc.items is None and acc.n == 100 and acc.key == "lm-eval/mmlu_abstract_algebra/acc"
    assert table.sources[0].sha256 == __import__("hashlib").sha256(PUBLIC.read_bytes()).hexdigest()


def test_lmeval_results_file_finds_its_samples() -> None:
    table = results.load(next(CANDIDATE.glob("results_*.json")))
    acc, _ = table.find("lm-eval", "policy_refusal", "acc")
    assert acc is not None and acc.value == pytest.approx(0.465) and acc.items is not None and len(acc.items) == 200


def test_lmeval_output_path_with_one_model_subdirectory(tmp_path: Path) -> None:
    shutil.copytree(BASE, tmp_path / "out" / "dummy-base")
    assert len(results.load(tmp_path / "out")) == 3


def test_lmeval_several_models_is_an_input_error(tmp_path: Path) -> None:
    shutil.copytree(BASE, tmp_path / "out" / "dummy-base")
    shutil.copytree(CANDIDATE, tmp_path / "out" / "dummy-candidate")
    with pytest.raises(ResultsError) as excinfo:
        results.load(tmp_path / "out")
    message = one_line_error(excinfo, tmp_path / "out")
    assert "dummy-base" in message and "dummy-candidate" in message


def test_lmeval_several_results_files_is_an_input_error(tmp_path: Path) -> None:
    shutil.copy(PUBLIC, tmp_path / PUBLIC.name)
    shutil.copy(PUBLIC, tmp_path / "results_2025-02-01T00-00-00.json")
    with pytest.raises(ResultsError) as excinfo:
        results.load(tmp_path)
    assert PUBLIC.name in one_line_error(excinfo, tmp_path)


def test_empty_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(ResultsError) as excinfo:
        results.load(tmp_path)
    assert "no lm-eval results" in one_line_error(excinfo, tmp_path)


def test_truncated_results_file(tmp_path: Path) -> None:
    broken = tmp_path / PUBLIC.name
    broken.write_bytes(PUBLIC.read_bytes()[:500])
    with pytest.raises(ResultsError) as excinfo:
        results.load(broken)
    assert "not valid JSON" in one_line_error(excinfo, broken)


def test_truncated_samples_file(tmp_path: Path) -> None:
    copy = shutil.copytree(BASE, tmp_path / "base")
    samples = next(copy.glob("samples_policy_refusal_*.jsonl"))
    samples.write_bytes(samples.read_bytes()[:-300])
    with pytest.raises(ResultsError) as excinfo:
        results.load(copy)
    assert "line 200 is not valid JSON" in one_line_error(excinfo, samples)


def test_samples_of_another_run_are_refused(tmp_path: Path) -> None:
    copy = shutil.copytree(BASE, tmp_path / "base")
    stamp = next(copy.glob("results_*.json")).stem.removeprefix("results_")
    other = next(CANDIDATE.glob("samples_policy_refusal_*.jsonl"))
    shutil.copy(other, copy / f"samples_policy_refusal_{stamp}.jsonl")
    with pytest.raises(ResultsError) as excinfo:
        results.load(copy)
    assert "different runs" in str(excinfo.value)


def test_lmeval_na_stderr_bare_keys_and_groups(tmp_path: Path) -> None:
    data = json.loads(PUBLIC.read_text())
    data["results"]["mmlu_abstract_algebra"]["acc_stderr,none"] = "N/A"
    data["results"]["old_task"] = {"acc": 0.5, "acc_stderr": 0.05}
    data["groups"] = {"mmlu": {"alias": "mmlu", "acc,none": 0.41, "acc_stderr,none": "N/A"}}
    data["results"]["gsm8k"] = {
        "exact_match,strict-match": 0.4,
        "exact_match_stderr,strict-match": 0.01,
        "exact_match,flexible-extract": 0.45,
        "exact_match_stderr,flexible-extract": 0.011,
    }
    path = tmp_path / "results_x.json"
    path.write_text(json.dumps(data))
    table = results.load(path)
    acc, _ = table.find("lm-eval", "mmlu_abstract_algebra", "acc")
    assert acc is not None and acc.stderr is None
    old, _ = table.find("lm-eval", "old_task", "acc")
    assert old is not None and old.stderr == 0.05 and old.filter == "none"
    group, _ = table.find("lm-eval", "mmlu", "acc")
    assert group is not None and group.value == 0.41
    assert group.n is None and group.items is None and table.notes == ()  # no subtasks listed, no samples: nothing to pair or count
    ambiguous, why = table.find("lm-eval", "gsm8k", "exact_match")
    assert ambiguous is None and "flexible-extract, strict-match" in why
    strict, _ = table.find("lm-eval", "gsm8k", "exact_match,strict-match")
    assert strict is not None and strict.value == 0.4 and strict.key == "lm-eval/gsm8k/exact_match,strict-match"


# Inspect AI


@pytest.mark.parametrize("log", [INSPECT_JSON, INSPECT_EVAL], ids=["json", "eval"])
def test_inspect_logs(log: Path) -> None:
    table = results.load(log)
    bare, why = table.find("inspect", "tiny", "accuracy")  # two scorers: the objective names one, never the file's first
    assert bare is None and "several filters (includes, match)" in why
    accuracy, _ = table.find("inspect", "tiny", "accuracy,match")
    assert accuracy is not None and accuracy.filter == "match"
    assert accuracy.value == pytest.approx(1 / 3) and accuracy.stderr == pytest.approx(1 / 3) and accuracy.n == 3
    assert accuracy.settings.version == "0"
    assert accuracy.items is not None and list(accuracy.items.ids) == ["s1", "s2", "s3"]
    assert list(accuracy.items.values) == [1.0, 0.0, 0.0]
    includes, _ = table.find("inspect", "tiny", "accuracy,includes")
    assert includes is not None and includes.filter == "includes"
    assert not any(m.metric == "stderr" for m in table)


def test_inspect_eval_members_are_zstandard() -> None:
    with zipfile.ZipFile(INSPECT_EVAL) as archive:
        assert {info.compress_type for info in archive.infolist()} == {93}


def test_inspect_eval_without_a_zstandard_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "zstandard", None)  # import fails as if not installed
    monkeypatch.setitem(sys.modules, "compression", None)
    with pytest.raises(ResultsError) as excinfo:
        results.load(INSPECT_EVAL)
    assert "pip install 'ftgov[inspect]'" in one_line_error(excinfo, INSPECT_EVAL)
    assert inspect_log.MISSING_ZSTD in str(excinfo.value)


def test_truncated_eval_archive(tmp_path: Path) -> None:
    broken = tmp_path / INSPECT_EVAL.name
    broken.write_bytes(INSPECT_EVAL.read_bytes()[:4000])
    with pytest.raises(ResultsError) as excinfo:
        results.load(broken)
    assert "truncated" in one_line_error(excinfo, broken)


def test_unfinished_inspect_run_is_refused(tmp_path: Path) -> None:
    data = json.loads(INSPECT_JSON.read_text())
    data["status"] = "error"
    path = tmp_path / "log.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ResultsError) as excinfo:
        results.load(path)
    assert "'error', not 'success'" in one_line_error(excinfo, path)


# ftgov's generic format


def test_generic_yaml_with_items(tmp_path: Path) -> None:
    path = tmp_path / "safety.yaml"
    path.write_text(
        "suite: safety\nsettings: {version: '3'}\n"
        "metrics:\n  refusal_rate: {value: 0.75, stderr: 0.2, higher_is_better: true}\n"
        "items:\n"
        "  - {id: a, refusal_rate: 1, confidence: 0.9}\n  - {id: b, refusal_rate: 1, confidence: 0.8}\n"
        "  - {id: c, refusal_rate: 0, confidence: 0.7}\n  - {id: d, refusal_rate: 1, confidence: 0.6}\n"
    )
    table = results.load(path)
    rate, _ = table.find("safety", None, "refusal_rate")
    assert rate is not None and rate.key == "safety/refusal_rate" and rate.n == 4 and rate.settings.version == "3"
    assert rate.items is not None and rate.items.confidences is not None
    assert list(rate.items.confidences) == [0.9, 0.8, 0.7, 0.6]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"suite": "s", "metrics": {"m": {"value": 0.5}}, "items": [{"id": 1, "m": 1}, {"id": 2, "m": 1}]}', "items average 1"),
        ('{"suite": "s", "metrics": {"m": {"value": 1}}, "items": [{"id": 1, "m": 1}, {"id": 1, "m": 1}]}', "appears twice"),
        ('{"suite": "s", "metrics": {"m": {"value": "high"}}}', "must be a number"),
        ('{"suite": "s", "metrics": {"m": {"value": 1, "stderr": -1}}}', "non-negative"),
        ('{"suite": "s", "metrics": {"m": {"value": 1, "n": 2}}', "not valid JSON"),
        ('{"suite": "s", "metrics": {}}', "metrics is empty"),
        ('{"something": "else"}', "not a results file ftgov knows"),
    ],
)
def test_generic_errors(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(text)
    with pytest.raises(ResultsError) as excinfo:
        results.load(path)
    assert expected in one_line_error(excinfo, path)


def test_generic_only_non_finite_metrics_is_a_table_of_unusable_values(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("suite: s\nmetrics:\n  loss: {value: .nan}\n")
    table = results.load(path)
    assert len(table) == 0 and [(u.metric, u.raw) for u in table.unusable] == [("loss", ".nan")]


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("suite: s\nmetrics:\n  m: {value: 1\n")
    with pytest.raises(ResultsError) as excinfo:
        results.load(path)
    assert "not valid YAML at line" in one_line_error(excinfo, path)


# Hugging Face model-index


def test_model_card_model_index(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text(
        "---\nbase_model: meta-llama/Llama-3.1-8B\nmodel-index:\n- name: my-ft-model\n  results:\n"
        "  - task: {type: text-generation}\n    dataset: {name: MMLU, type: cais/mmlu, config: all, split: test}\n"
        "    metrics:\n    - {type: acc, value: 0.6512, name: accuracy (5-shot)}\n"
        "  - task: {type: text-generation}\n    dataset: {name: GSM8K, type: gsm8k}\n"
        "    metrics:\n    - {type: exact_match, value: '41.2 ± 1.4'}\n"
        "---\n# my-ft-model\n"
    )
    table = results.load(card)
    mmlu, _ = table.find("model-index", "cais/mmlu", "acc")
    assert mmlu is not None and mmlu.value == 0.6512 and mmlu.filter == "none" and mmlu.stderr is None
    assert mmlu.settings.config == "all" and mmlu.settings.split == "test"
    gsm, _ = table.find("model-index", "gsm8k", "exact_match")  # a percentage, read as a fraction by the stated rule
    assert gsm is not None and gsm.value == pytest.approx(0.412) and gsm.stderr == pytest.approx(0.014)


def test_model_card_without_front_matter(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text("# a model\n")
    with pytest.raises(ResultsError) as excinfo:
        results.load(card)
    assert "front matter" in one_line_error(excinfo, card)


# several files


def test_the_same_measurement_twice_is_an_input_error() -> None:
    with pytest.raises(ResultsError) as excinfo:
        results.load_all([BASE, BASE])
    assert "already measured" in str(excinfo.value)


def test_two_suites_merge() -> None:
    table = results.load_all([BASE, INSPECT_JSON])
    assert {m.suite for m in table} == {"lm-eval", "inspect"}
