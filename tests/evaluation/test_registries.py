"""The registries that choose a results adapter (results.FORMATS) and a run-config reader (runconfig.READERS).

Each entry is chosen for a real file of its format, by the same dispatch `ftgov evaluate` and
`ftgov record-run` use; a file no entry accepts is one error naming every entry tried.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from ftgov.evaluation import results
from ftgov.evaluation.results import FORMATS, ResultsError, ResultsFormat, generic, inspect_log, lmeval, modelindex
from ftgov.register import runconfig
from ftgov.register.runconfig import READERS, ConfigError, ConfigReader, axolotl, peft, plain, read_configurations, torchtune, transformers
from ftgov.register.runconfig.reading import Reading

FIXTURES = Path(__file__).parents[1] / "fixtures"
REAL = FIXTURES / "results" / "real"
GENERIC = FIXTURES / "evaluate" / "results" / "base" / "safety.json"  # ftgov's own format, as the evaluate tests use it
CONFIGS = FIXTURES / "runconfig"
ADAPTER, ARGS, DEVICES = CONFIGS / "adapter_config.json", CONFIGS / "training_args.json", CONFIGS / "devices.yaml"


@pytest.mark.parametrize("names", [[f.name for f in FORMATS], [r.name for r in READERS]], ids=["results formats", "config readers"])
def test_each_registry_names_each_entry_once(names: list[str]) -> None:
    assert len(names) == len(set(names)) and all(names)


def test_each_results_adapter_module_exposes_its_entry_under_one_name() -> None:
    assert FORMATS == (lmeval.RESULTS_FORMAT, inspect_log.RESULTS_FORMAT, modelindex.RESULTS_FORMAT, generic.RESULTS_FORMAT)
    assert all(isinstance(entry, ResultsFormat) for entry in FORMATS)


# results: which adapter reads a real file


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (REAL / "lm-eval" / "dummy-base", lmeval.RESULTS_FORMAT),  # an --output_path directory
        (REAL / "lm-eval" / "results_2025-01-21T00-40-03.356274.json", lmeval.RESULTS_FORMAT),
        (next((REAL / "inspect").glob("*.eval")), inspect_log.RESULTS_FORMAT),
        (next((REAL / "inspect").glob("*.json")), inspect_log.RESULTS_FORMAT),  # JSON: told from lm-eval's by content
        (REAL / "model-cards" / "Luciano_bertimbau-base-lener-br-finetuned-lener-br_README.md", modelindex.RESULTS_FORMAT),
        (GENERIC, generic.RESULTS_FORMAT),
    ],
    ids=["lm-eval directory", "lm-eval results JSON", "Inspect .eval", "Inspect JSON", "model card", "ftgov JSON"],
)
def test_each_results_format_is_chosen_for_a_real_file_of_it(path: Path, expected: ResultsFormat) -> None:
    table = results.load(path)
    assert len(table) > 0
    assert {source.format for source in table.sources} - {f"{expected.name} samples"} == {expected.name}
    named = results.load(path, format=expected.name)  # the same adapter when named, the same table
    assert [(m.key, m.filter, m.value, m.n) for m in named] == [(m.key, m.filter, m.value, m.n) for m in table]


def test_ftgov_yaml_is_the_generic_format(tmp_path: Path) -> None:
    path = tmp_path / "safety.yaml"
    path.write_text(yaml.safe_dump(json.loads(GENERIC.read_text(encoding="utf-8"))), encoding="utf-8")
    table = results.load(path)
    assert [(m.suite, m.metric, m.value, m.provenance.format) for m in table] == [("safety", "refusal_rate", 0.95, "generic")]


@pytest.mark.parametrize(("name", "text"), [("notes.txt", "some notes\n"), ("other.json", '{"something": "else"}')])
def test_a_file_no_results_format_accepts_names_every_format_tried(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ResultsError) as excinfo:
        results.load(path)
    message = str(excinfo.value)
    assert message.startswith(f"{path}: not a results file ftgov knows; tried ") and "\n" not in message
    assert message.split("; tried ", 1)[1].startswith(", ".join(f.name for f in FORMATS))


def test_an_unknown_results_format_name_lists_the_known_ones() -> None:
    with pytest.raises(ResultsError) as excinfo:
        results.load(GENERIC, format="csv")
    assert str(excinfo.value) == f"{GENERIC}: unknown results format 'csv'; one of lm-eval, inspect, model-index, generic"


# run configuration: which reader reads a real file


def readers_chosen(monkeypatch: pytest.MonkeyPatch, files: list[Path]) -> dict[str, str]:
    """Which reader read each file (by name), through read_configurations' own dispatch."""
    chosen: dict[str, str] = {}

    def spied(reader: ConfigReader) -> ConfigReader:
        def read(data: dict[str, Any], source: str) -> Reading:
            chosen[Path(source).name] = reader.name
            return reader.read(data, source)

        return ConfigReader(reader.name, reader.detect, read)

    monkeypatch.setattr(runconfig, "READERS", tuple(spied(reader) for reader in READERS))
    read_configurations(files)
    return chosen


@pytest.mark.parametrize(
    ("name", "expected", "companions"),
    [
        ("adapter_config.json", peft.READER, [ARGS, DEVICES]),
        ("trainer_state.json", transformers.TRAINER_STATE_READER, [ADAPTER, DEVICES]),
        ("training_args.json", transformers.TRAINING_ARGS_READER, [ADAPTER, DEVICES]),
        ("dpo_config.json", transformers.TRAINING_ARGS_READER, [DEVICES]),  # TRL's configs are TrainingArguments
        ("grpo_config.json", transformers.TRAINING_ARGS_READER, [DEVICES]),
        ("torchtune.yaml", torchtune.READER, [DEVICES]),
        ("axolotl.yaml", axolotl.READER, [DEVICES]),
        ("devices.yaml", plain.READER, [ADAPTER, ARGS]),
    ],
)
def test_each_config_reader_is_chosen_for_a_real_file_of_it(
    monkeypatch: pytest.MonkeyPatch, name: str, expected: ConfigReader, companions: list[Path]
) -> None:
    assert expected in READERS
    chosen = readers_chosen(monkeypatch, [CONFIGS / name, *companions])
    assert chosen[name] == expected.name
    assert len(chosen) == 1 + len(companions)


def test_the_trl_fields_are_read_with_the_training_arguments() -> None:
    configuration = read_configurations([CONFIGS / "kto_config.json", DEVICES]).configuration
    assert configuration["method"] == "kto" and "beta=0.1" in configuration["regularisation"]


def test_a_file_no_config_reader_accepts_names_every_reader_tried(tmp_path: Path) -> None:
    path = tmp_path / "notes.yaml"
    path.write_text("hello: world\n", encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        read_configurations([path])
    message = str(excinfo.value)
    assert message.startswith(f"{path}: not a format record-run reads; tried ") and "\n" not in message
    assert message.split("; tried ", 1)[1].startswith(", ".join(reader.name for reader in READERS) + " (")
