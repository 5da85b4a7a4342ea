"""`ftgov record-run` compares every planned field (issue 13, item 4).

The review's story: the plan said `regularisation: [beta=0.1, weight_decay=0.01]`, the run's
DPOConfig said `weight_decay: 0.0` and `beta: 0.5`, and the run was recorded with
`deviations: []`: the zero was dropped as "off", `beta` was never read, and a field only
one side stated was never compared. Now a field stated as off or different is a deviation,
one no file states is listed under run.unverified (and shown by `register show`), and a
DPO run on a LoRA adapter records method dpo with adapter lora instead of an input error.

Each test copies the tests' register fixture (model `ledger`, r3 approved) into a temporary
repository, rewrites r3's configuration_plan where the story needs another plan (and the
register's objective_sha256 with it), and runs the real command on configuration files in
the shapes the tools write (tests/fixtures/runconfig, PROVENANCE.md there).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from ftgov.documents.deviations import differences, unverified
from ftgov.documents.findings import Finding
from ftgov.documents.loader import parse_document
from ftgov.register.runconfig import ConfigError, read_configurations

from ..conftest import FIXTURES, run_ftgov
from ..repository import build_ledger_repo
from .test_record_run import check

REGISTER = "registers/ledger.yaml"
OBJECTIVE = "objectives/ledger/ledger-r3.yaml"
CONFIGS = FIXTURES / "runconfig"
ADAPTER, ARGS, DEVICES, DPO = (CONFIGS / n for n in ("adapter_config.json", "training_args.json", "devices.yaml", "dpo_config.json"))
KTO, ORPO, GRPO = (CONFIGS / n for n in ("kto_config.json", "orpo_config.json", "grpo_config.json"))
START = ("--started-at", "2026-02-10T08:00:00Z")
LEDGER_PLAN = """configuration_plan:
  method: lora
  learning_rate: 1.0e-4
  epochs: 2
  batch_size: 32
  lora: {rank: 8, alpha: 16, dropout: 0.05}
  regularisation: [weight_decay=0.01]
"""
DPO_PLAN = """configuration_plan:
  method: dpo
  learning_rate: 5.0e-6
  epochs: 2
  batch_size: 32
  lora: {rank: 8, alpha: 16, dropout: 0.05}
  regularisation: [beta=0.1, weight_decay=0.01]
"""


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return build_ledger_repo(tmp_path / "repo")


def plan(repo: Path, text: str) -> None:
    """r3's configuration_plan replaced by `text`, and the register's pin of the objective with it."""
    objective = repo / OBJECTIVE
    before = objective.read_bytes()
    assert LEDGER_PLAN.encode() in before
    after = before.replace(LEDGER_PLAN.encode(), text.encode())
    objective.write_bytes(after)
    register = repo / REGISTER
    old, new = hashlib.sha256(before).hexdigest(), hashlib.sha256(after).hexdigest()
    assert old in register.read_text()
    register.write_text(register.read_text().replace(old, new))


def record(repo: Path, *args: str | Path) -> tuple[int, str, str]:
    result = run_ftgov("record-run", "ledger-r3", *map(str, args), *START, "--repo-root", str(repo))
    return result.returncode, result.stdout, result.stderr


def r3_run(repo: Path) -> dict[str, object]:
    loaded = parse_document((repo / REGISTER).read_text(), REGISTER)
    assert not isinstance(loaded, Finding)
    run: dict[str, object] = loaded.data["rounds"][2]["run"]
    return run


def edited(tmp_path: Path, source: Path, *changes: tuple[str, str]) -> Path:
    """`source` as the tool wrote it, with some values changed in place (name kept, so it still reads as that tool's file)."""
    text = source.read_text()
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    folder = tmp_path / "run"
    folder.mkdir(exist_ok=True)
    out = folder / source.name
    out.write_text(text)
    return out


# -- the review's story -------------------------------------------------------------------------


def test_review_story_weight_decay_zero_and_beta_half_are_two_deviations(ledger: Path, tmp_path: Path) -> None:
    plan(ledger, DPO_PLAN)
    dpo = edited(tmp_path, DPO, ('"weight_decay": 0.01', '"weight_decay": 0.0'), ('"beta": 0.1', '"beta": 0.5'))
    code, out, err = record(ledger, "--config", ADAPTER, "--config", dpo, "--config", DEVICES)
    # Recorded, and exit 1: a change of regularisation needs acknowledging (FTG914).
    assert code == 1, err
    assert "deviation: regularisation.beta planned 0.1, actual 0.5" in out
    assert "deviation: regularisation.weight_decay planned 0.01, actual 0.0" in out
    run = r3_run(ledger)
    assert run["deviations"] == [
        {"field": "regularisation.beta", "planned": 0.1, "actual": 0.5},
        {"field": "regularisation.weight_decay", "planned": 0.01, "actual": 0},
    ]
    configuration = run["configuration"]
    assert isinstance(configuration, dict)
    assert sorted(configuration["regularisation"]) == ["beta=0.5", "weight_decay=0"]
    assert "unverified" not in run
    code, report = check(ledger)
    assert code == 1 and "FTG914" in report and "FTG911" not in report, report


def test_a_stated_zero_is_a_deviation_not_a_drop(ledger: Path, tmp_path: Path) -> None:
    # The ledger plan has weight_decay=0.01; TrainingArguments states 0.0 (its default).
    args = edited(tmp_path, ARGS, ('"weight_decay": 0.01', '"weight_decay": 0.0'))
    code, out, _ = record(ledger, "--config", ADAPTER, "--config", args, "--config", DEVICES)
    assert code == 1 and "deviation: regularisation.weight_decay planned 0.01, actual 0.0" in out
    run = r3_run(ledger)
    assert run["deviations"] == [{"field": "regularisation.weight_decay", "planned": 0.01, "actual": 0}]
    assert "unverified" not in run
    assert "FTG911" not in check(ledger)[1]


def test_a_planned_field_no_file_states_is_listed_unverified_and_shown(ledger: Path, tmp_path: Path) -> None:
    # adapter_config.json states the LoRA settings; the plain file the rest, but no weight decay.
    rest = tmp_path / "run.yaml"
    rest.write_text("learning_rate: 1.0e-4\nepochs: 2\nbatch_size: 32\n")
    code, out, err = record(ledger, "--config", ADAPTER, "--config", rest)
    assert (code, err) == (0, ""), err
    assert "unverified: regularisation.weight_decay (no file states it)" in out
    run = r3_run(ledger)
    assert run["deviations"] == []
    assert run["unverified"] == ["regularisation.weight_decay"]
    assert check(ledger)[0] == 0, check(ledger)[1]
    shown = run_ftgov("register", "show", "ledger", "--format", "json", "--repo-root", str(ledger))
    assert shown.returncode == 0, shown.stderr
    rounds = {r["objective"]: r for r in json.loads(shown.stdout)["rounds"]}
    assert rounds["ledger-r3"]["unverified"] == ["regularisation.weight_decay"]
    assert rounds["ledger-r2"]["unverified"] == []
    text = run_ftgov("register", "show", "ledger", "--repo-root", str(ledger)).stdout
    assert "ledger-r3: unverified (no run file states it): regularisation.weight_decay" in text
    markdown = run_ftgov("register", "show", "ledger", "--format", "markdown", "--repo-root", str(ledger)).stdout
    assert "| ledger-r3 | `regularisation.weight_decay` |" in markdown


def test_unverified_lora_settings_when_only_a_plain_file_speaks(ledger: Path, tmp_path: Path) -> None:
    rest = tmp_path / "run.yaml"
    rest.write_text(
        "method: lora\nlearning_rate: 1.0e-4\nepochs: 2\nbatch_size: 32\nlora: {rank: 8}\nregularisation: [weight_decay=0.01]\n"
    )
    code, _, err = record(ledger, "--config", rest)
    assert (code, err) == (0, ""), err
    assert r3_run(ledger)["unverified"] == ["lora.alpha", "lora.dropout"]
    assert check(ledger)[0] == 0


# -- DPO on LoRA, and the other TRL trainers ------------------------------------------------------


def test_dpo_on_lora_records_method_and_adapter_cleanly(ledger: Path) -> None:
    plan(ledger, DPO_PLAN)
    code, out, err = record(ledger, "--config", ADAPTER, "--config", DPO, "--config", DEVICES)
    assert (code, err) == (0, ""), err
    assert '"method": "dpo", "adapter": "lora"' in out
    run = r3_run(ledger)
    configuration = run["configuration"]
    assert isinstance(configuration, dict)
    assert configuration["method"] == "dpo" and configuration["adapter"] == "lora"
    assert configuration["lora"] == {"rank": 8, "alpha": 16, "dropout": 0.05, "target_modules": ["v_proj", "q_proj"]}
    assert sorted(configuration["regularisation"]) == ["beta=0.1", "weight_decay=0.01"]
    assert configuration["learning_rate"] == 5e-6 and configuration["batch_size"] == 32
    assert run["deviations"] == [] and "unverified" not in run
    assert check(ledger)[0] == 0, check(ledger)[1]


def test_a_dpo_run_where_the_plan_said_lora_sft_is_a_method_deviation() -> None:
    actual = read_configurations([ADAPTER, DPO, DEVICES]).configuration
    plan = {"method": "lora", "learning_rate": 5e-6, "epochs": 2, "batch_size": 32, "regularisation": ["weight_decay=0.01"]}
    found = [(d.field, d.planned, d.actual) for d in differences(plan, actual)]
    # method differs; beta is on in the run and the plan, which lists its regularisation, has none.
    assert found == [("method", "lora", "dpo"), ("regularisation.beta", None, 0.1)]


@pytest.mark.parametrize(
    ("config", "method", "beta"),
    [(DPO, "dpo", 0.1), (KTO, "kto", 0.1), (ORPO, "orpo", 0.1), (GRPO, "grpo", 0.04)],
    ids=["dpo", "kto", "orpo", "grpo"],
)
def test_trl_trainer_configs_state_method_and_beta(config: Path, method: str, beta: float) -> None:
    configuration = read_configurations([config, DEVICES]).configuration
    assert configuration["method"] == method and "adapter" not in configuration
    assert f"beta={beta:g}" in configuration["regularisation"]
    with_adapter = read_configurations([ADAPTER, config, DEVICES]).configuration
    assert (with_adapter["method"], with_adapter["adapter"]) == (method, "lora")


def test_dpo_loss_type_ipo_is_ipo(tmp_path: Path) -> None:
    ipo = edited(tmp_path, DPO, ('"loss_type": "sigmoid"', '"loss_type": "ipo"'))
    assert read_configurations([ipo, DEVICES]).configuration["method"] == "ipo"


def test_grpo_beta_zero_is_stated_off_and_a_deviation_from_a_planned_kl() -> None:
    actual = read_configurations([GRPO, DEVICES]).configuration
    plan = {"method": "grpo", "learning_rate": 5e-6, "epochs": 2, "batch_size": 32, "regularisation": ["beta=0.1", "weight_decay=0.01"]}
    assert [(d.field, d.planned, d.actual) for d in differences(plan, actual)] == [("regularisation.beta", 0.1, 0.04)]


def test_a_full_fine_tune_and_an_adapter_are_one_conflict(tmp_path: Path) -> None:
    full = tmp_path / "full.yaml"
    full.write_text("method: full\n")
    with pytest.raises(ConfigError, match=r"full.yaml says method is 'full' \(every weight\), .*adapter_config.json says adapter 'lora'"):
        read_configurations([ADAPTER, ARGS, DEVICES, full])


def test_unverified_lists_every_planned_field_no_file_states() -> None:
    plan = {
        "method": "dpo",
        "learning_rate": 5e-6,
        "epochs": 2,
        "batch_size": 32,
        "lora": {"rank": 8, "alpha": 16, "dropout": 0.05, "target_modules": ["q_proj"]},
        "regularisation": ["beta=0.1", "weight_decay=0.01", "neftune_noise_alpha=5"],
    }
    actual = read_configurations([DPO, DEVICES]).configuration
    assert unverified(plan, actual) == [
        "lora.rank",
        "lora.alpha",
        "lora.dropout",
        "lora.target_modules",
        "regularisation.neftune_noise_alpha",
    ]


def test_an_unlisted_off_deviation_in_the_register_fails_check(ledger: Path, tmp_path: Path) -> None:
    args = edited(tmp_path, ARGS, ('"weight_decay": 0.01', '"weight_decay": 0.0'))
    record(ledger, "--config", ADAPTER, "--config", args, "--config", DEVICES)
    register = ledger / REGISTER
    text = register.read_text()
    line = "        - {field: regularisation.weight_decay, planned: 0.01, actual: 0.0}\n"
    assert line in text
    register.write_text(text.replace("      deviations:\n" + line, "      deviations: []\n"))
    code, report = check(ledger)
    assert code == 1 and "FTG911" in report and "regularisation.weight_decay is 0" in report, report
