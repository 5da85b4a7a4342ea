"""Fixes from a review of registers, `ftgov check`, `ftgov new` and `record-run` (issues 6 and 9).

Each test builds its own repository from tests/fixtures in a temporary directory and runs
the command as a user does (`run_ftgov`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from ..conftest import FIXTURES, run_ftgov
from ..repository import build_ledger_repo

R1 = "objectives/ledger/ledger-r1.yaml"


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    """The register fixture (model `ledger`: r1 deployed, r2 evaluated, r3 approved) with the product's schemas."""
    return build_ledger_repo(tmp_path / "governance")


def findings(*args: str) -> tuple[int, list[dict[str, object]]]:
    done = run_ftgov(*args, "--format", "json", "--jobs", "1")
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)["findings"]


# 1. Placeholders -----------------------------------------------------------------------------


def test_placeholder_metric_fields_are_reported(ledger: Path, tmp_path: Path) -> None:
    text = (ledger / R1).read_text()
    assert "metric: {suite: lm-eval, task: reconcile, name: acc}" in text
    draft = tmp_path / "draft.yaml"
    draft.write_text(text.replace("metric: {suite: lm-eval, task: reconcile, name: acc}", "metric: {suite: TODO, task: TBD, name: n/a}"))
    code, found = findings("validate", str(draft), "--repo-root", str(ledger))
    assert code == 1
    placeholders = {f["message"].split(" ")[0] for f in found if f["rule"] == "FTG201"}  # type: ignore[union-attr]
    assert {p.rsplit(".", 1)[-1] for p in placeholders} >= {"suite", "task", "name"}


def test_zero_records_in_a_source_is_reported(ledger: Path, tmp_path: Path) -> None:
    text = (ledger / R1).read_text()
    draft = tmp_path / "draft.yaml"
    draft.write_text(text.replace("records: 5000", "records: 0"))
    assert "records: 0" in draft.read_text()
    code, found = findings("validate", str(draft), "--repo-root", str(ledger))
    assert code == 1
    assert any(f["rule"] == "FTG201" and "records" in str(f["message"]) for f in found)


def test_new_lists_the_domains_required_assessments_as_todo(ledger: Path) -> None:
    policy = ledger / "policies" / "policy.yaml"
    policy.write_text(policy.read_text() + "domain_rules:\n  general: {required_assessments: [model_risk]}\n")
    done = run_ftgov("new", "ledger", "--repo-root", str(ledger))
    assert done.returncode == 0, done.stderr
    text = (ledger / "objectives/ledger/ledger-r4.yaml").read_text()
    assert "\nassessments:" in text and "\n  model_risk:\n    summary: TODO" in text
    code, found = findings("check", "--repo-root", str(ledger))
    assert code == 1
    new = [f for f in found if f["path"] == "objectives/ledger/ledger-r4.yaml"]
    assert {f["rule"] for f in new if f["severity"] == "error"} == {"FTG201"}
    assert any("assessments.model_risk.summary" in str(f["message"]) for f in new)
    assert any("metric.suite" in str(f["message"]) for f in new)
    assert any("records" in str(f["message"]) for f in new)


def test_new_refuses_a_parent_that_is_not_the_latest_live_round(ledger: Path) -> None:
    done = run_ftgov("new", "ledger", "--parent", "ledger-r1", "--repo-root", str(ledger))
    assert done.returncode == 2
    assert "ledger-r3" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (ledger / "objectives/ledger/ledger-r4.yaml").exists()


# 2. A register that fails its schema -----------------------------------------------------------

REGISTER = "registers/ledger.yaml"
BROKEN_REGISTERS = {
    "not-a-mapping": (lambda text: "- just\n- a list\n", ":1:1"),
    "unknown-status": (lambda text: text.replace("status: approved", "status: aproved"), ":"),
    "time-without-zone": (lambda text: text.replace("merged_at: 2026-01-05T10:00:00Z", "merged_at: 2026-01-05T10:00:00"), ":11:18"),
}
READING_COMMANDS = {
    "register show": ("register", "show", "ledger"),
    "record-run": ("record-run", "ledger-r3", "--config", "{config}"),
    "decide": ("decide", "ledger-r2", "--action", "deploy", "--by", "raj-risk", "--reason", "all criteria met"),
    "evaluate --record": ("evaluate", "ledger-r3", "--candidate", "{config}", "--record"),
    "new": ("new", "ledger"),
}


@pytest.mark.parametrize("broken", sorted(BROKEN_REGISTERS))
@pytest.mark.parametrize("command", sorted(READING_COMMANDS))
def test_a_command_reading_a_broken_register_exits_2_naming_file_line_and_column(
    ledger: Path, tmp_path: Path, broken: str, command: str
) -> None:
    edit, where = BROKEN_REGISTERS[broken]
    register = ledger / REGISTER
    register.write_text(edit(register.read_text()))
    before = register.read_bytes()
    config = tmp_path / "run.json"
    config.write_text('{"method": "lora", "learning_rate": 0.0001, "epochs": 2, "batch_size": 32}')
    args = [a.replace("{config}", str(config)) for a in READING_COMMANDS[command]]
    done = run_ftgov(*args, "--repo-root", str(ledger))
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert f"{REGISTER}{where}" in lines[0]
    assert register.read_bytes() == before
    assert not (ledger / "objectives/ledger/ledger-r4.yaml").exists()


def test_check_says_a_time_has_no_zone_in_words_not_a_regex(ledger: Path) -> None:
    register = ledger / REGISTER
    register.write_text(register.read_text().replace("merged_at: 2026-01-05T10:00:00Z", "merged_at: 2026-01-05T10:00:00"))
    code, found = findings("check", "--repo-root", str(ledger))
    assert code == 1
    [finding] = [f for f in found if f["path"] == REGISTER and f["line"] == 11]
    assert finding["rule"] == "FTG103"
    message = str(finding["message"])
    assert "2026-01-05T10:00:00 has no time zone; add Z or an offset such as +01:00" in message
    assert "[0-9]" not in message


# 4. What `ftgov check` reads -----------------------------------------------------------------


@pytest.mark.parametrize("where", ["registers/other.yaml", "objectives/ledger/ledger-r9.yaml"])
def test_a_directory_where_a_document_belongs_is_reported(ledger: Path, where: str) -> None:
    (ledger / where).mkdir()
    (ledger / where / "notes.txt").write_text("not a document\n")
    done = run_ftgov("check", "--repo-root", str(ledger))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert where in done.stderr and "directory" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_symlink_out_of_the_repository_is_refused_not_followed(ledger: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("secret: 1\n")
    (ledger / "objectives/ledger/ledger-r9.yaml").symlink_to(outside)
    done = run_ftgov("check", "--repo-root", str(ledger))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "objectives/ledger/ledger-r9.yaml" in done.stderr and "outside the repository" in done.stderr
    assert "secret" not in done.stdout + done.stderr and str(outside) + ":1:1" not in done.stdout


def test_a_symlink_inside_the_repository_is_still_read(ledger: Path) -> None:
    (ledger / "shared").mkdir()
    (ledger / R1).rename(ledger / "shared" / "ledger-r1.yaml")
    (ledger / R1).symlink_to(ledger / "shared" / "ledger-r1.yaml")
    done = run_ftgov("check", "--repo-root", str(ledger))
    # Read through the link (findings name the file it resolves to), not refused.
    assert done.returncode == 1 and done.stderr == "", (done.stdout, done.stderr)
    assert "shared/ledger-r1.yaml:3:5: FTG402" in done.stdout


def test_validate_finds_the_policy_from_the_current_directory(ledger: Path, tmp_path: Path) -> None:
    draft = tmp_path / "drafts" / "draft.yaml"
    draft.parent.mkdir()
    draft.write_text(
        (ledger / R1)
        .read_text()
        .replace("metric: {suite: lm-eval, task: reconcile, name: acc}", "metric: {suite: TODO, task: reconcile, name: acc}")
    )
    done = run_ftgov("validate", str(draft), "--format", "json", cwd=ledger / "objectives")
    assert done.returncode == 1, done.stderr
    assert any(f["rule"] == "FTG201" for f in json.loads(done.stdout)["findings"])


# 5. record-run -------------------------------------------------------------------------------

RUNCONFIG = FIXTURES / "runconfig"


def test_a_run_with_no_batch_size_is_told_so_in_a_sentence(ledger: Path, tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text("method: lora\nlearning_rate: 1.0e-4\nepochs: 2\n")
    done = run_ftgov("record-run", "ledger-r3", "--config", str(config), "--started-at", "2026-02-10T08:00:00Z", "--repo-root", str(ledger))
    assert done.returncode == 2
    message = done.stderr.strip()
    assert "do not state the batch size" in message and "`batch_size`" in message
    assert "state nothing" not in message and "but not" not in message


def test_evidence_paths_are_relative_to_the_repository_or_just_the_file_name(ledger: Path, tmp_path: Path) -> None:
    inside = ledger / "runs" / "ledger-r3" / "adapter_config.json"
    inside.parent.mkdir(parents=True)
    shutil.copy(RUNCONFIG / "adapter_config.json", inside)
    outside = tmp_path / "elsewhere" / "training_args.json"
    outside.parent.mkdir()
    shutil.copy(RUNCONFIG / "training_args.json", outside)
    done = run_ftgov(
        "record-run",
        "ledger-r3",
        *("--config", str(inside), "--config", str(outside), "--config", str(RUNCONFIG / "devices.yaml")),
        *("--started-at", "2026-02-10T08:00:00Z", "--repo-root", str(ledger)),
    )
    assert done.returncode == 0, done.stderr
    from ruamel.yaml import YAML

    register = YAML(typ="safe").load((ledger / "registers/ledger.yaml").read_text())
    evidence = register["rounds"][2]["run"]["evidence"]
    assert [e["path"] for e in evidence] == ["runs/ledger-r3/adapter_config.json", "training_args.json", "devices.yaml"]
    assert evidence[1]["sha256"] == hashlib.sha256(outside.read_bytes()).hexdigest()
    assert str(tmp_path) not in (ledger / "registers/ledger.yaml").read_text()
