"""`ftgov record-run`: the run as actually trained, read from the files real stacks write, appended to the register.

Each test copies the tests' own register fixture (model `ledger`, r3 approved; its plan:
LoRA r=8, alpha 16, dropout 0.05, lr 1e-4, 2 epochs, batch 32, weight_decay=0.01) into a
temporary repository and runs `python -m ftgov record-run` on configuration files from
tests/fixtures/runconfig (see PROVENANCE.md there), then checks the register and that
`ftgov check` passes on the result.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import pickle
import zipfile
from pathlib import Path

import pytest

from ftgov.documents.findings import Finding
from ftgov.documents.loader import parse_document
from ftgov.register.runconfig import ConfigError, read_configurations

from ..conftest import FIXTURES, run_ftgov
from ..repository import build_ledger_repo
from ..signing import gate_answer, org_key, sign_approval, trust_in_policy

REGISTER = "registers/ledger.yaml"
CONFIGS = FIXTURES / "runconfig"
ADAPTER, ARGS, STATE, AXOLOTL, TORCHTUNE, DEVICES = (
    CONFIGS / name
    for name in ("adapter_config.json", "training_args.json", "trainer_state.json", "axolotl.yaml", "torchtune.yaml", "devices.yaml")
)
PLANNED = {"method": "lora", "learning_rate": 1e-4, "epochs": 2, "batch_size": 32, "regularisation": ["weight_decay=0.01"]}
LORA = {"rank": 8, "alpha": 16, "dropout": 0.05}


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return build_ledger_repo(tmp_path / "repo")


def record(repo: Path, *args: str | Path) -> tuple[int, str, str]:
    result = run_ftgov("record-run", *map(str, args), "--repo-root", str(repo))
    return result.returncode, result.stdout, result.stderr


def check(repo: Path) -> tuple[int, str]:
    result = run_ftgov("check", "--repo-root", str(repo))
    return result.returncode, result.stdout + result.stderr


def r3_run(repo: Path) -> dict[str, object]:
    """Round 3 of the register as ftgov reads it (YAML 1.2: times stay strings)."""
    loaded = parse_document((repo / REGISTER).read_text(), REGISTER)
    assert not isinstance(loaded, Finding)
    round3: dict[str, object] = loaded.data["rounds"][2]
    return round3


# -- each reader on a file in the shape its tool writes --------------------------------------


def test_peft_adapter_config() -> None:
    config = read_configurations([ADAPTER, DEVICES, ARGS]).configuration
    assert config["method"] == "lora"
    assert config["lora"] == {**LORA, "target_modules": ["v_proj", "q_proj"]}


def test_training_arguments_json_has_no_world_size_so_devices_come_from_elsewhere() -> None:
    with pytest.raises(ConfigError, match="not the number of devices; add a plain configuration with `devices: N`"):
        read_configurations([ADAPTER, ARGS])
    config = read_configurations([ADAPTER, ARGS, DEVICES]).configuration
    assert {
        k: config[k] for k in ("learning_rate", "epochs", "batch_size", "per_device_batch_size", "gradient_accumulation_steps", "devices")
    } == {
        "learning_rate": 1e-4,
        "epochs": 2,
        "batch_size": 32,
        "per_device_batch_size": 8,
        "gradient_accumulation_steps": 2,
        "devices": 2,
    }
    assert config["regularisation"] == ["weight_decay=0.01"]
    assert config["data"] == [{"source": "ledger-r3-train", "records": 5000}]


def test_trainer_state_gives_epochs_and_per_device_batch_and_only_a_hint_of_the_learning_rate(tmp_path: Path) -> None:
    # The state alone: per device 8 (train_batch_size), epochs 2 (ran to the end at 1.9968),
    # learning rate only as the peak logged (below the configured 1e-4 once decay started).
    accumulation = tmp_path / "accumulation.json"
    accumulation.write_text('{"gradient_accumulation_steps": 2}')
    config = read_configurations([ADAPTER, STATE, DEVICES, accumulation]).configuration
    assert config["epochs"] == 2 and config["per_device_batch_size"] == 8 and config["batch_size"] == 32
    assert 9e-5 < config["learning_rate"] < 1e-4
    # With the arguments JSON, the stated learning rate wins over the logged hint.
    assert read_configurations([ADAPTER, STATE, ARGS, DEVICES]).configuration["learning_rate"] == 1e-4


def test_axolotl_yaml() -> None:
    config = read_configurations([AXOLOTL, DEVICES]).configuration
    assert {k: config[k] for k in PLANNED} == PLANNED
    assert config["lora"] == {**LORA, "target_modules": ["q_proj", "v_proj"]}
    assert config["data"] == [{"source": "ledger-r3-train", "records": 5000}]


def test_torchtune_yaml() -> None:
    config = read_configurations([TORCHTUNE, DEVICES]).configuration
    assert {k: config[k] for k in PLANNED} == PLANNED
    assert config["lora"] == {**LORA, "target_modules": ["q_proj", "v_proj"]}


def test_two_files_that_disagree_are_an_input_error_naming_both(tmp_path: Path) -> None:
    other = tmp_path / "plain.yaml"
    other.write_text("learning_rate: 3.0e-4\n")
    with pytest.raises(ConfigError, match=r"plain.yaml says learning_rate is 0.0003, .*training_args.json says 0.0001"):
        read_configurations([ADAPTER, ARGS, DEVICES, other])


# -- the command, end to end ------------------------------------------------------------------


def test_record_run_appends_and_leaves_every_other_byte_unchanged(ledger: Path) -> None:
    register = ledger / REGISTER
    before = register.read_text()
    code, out, err = record(
        ledger, "ledger-r3", "--config", ADAPTER, "--config", ARGS, "--config", DEVICES, "--started-at", "2026-02-10T08:00:00Z"
    )
    assert (code, err) == (0, ""), err
    assert "ledger-r3: approved -> training" in out
    after = register.read_text()
    opcodes = [
        op
        for op in difflib.SequenceMatcher(a=before.splitlines(True), b=after.splitlines(True), autojunk=False).get_opcodes()
        if op[0] != "equal"
    ]
    # One replaced line (the status value) and one block of inserted lines; nothing else moved.
    assert [op[0] for op in opcodes] == ["replace", "insert"] or [op[0] for op in opcodes] == ["replace"]
    replaced = opcodes[0]
    assert before.splitlines(True)[replaced[1] : replaced[2]] == ["    status: approved\n"]
    assert after.splitlines(True)[replaced[3]] == "    status: training\n"
    assert after.endswith("      deviations: []\n")
    run = r3_run(ledger)["run"]
    assert isinstance(run, dict)
    assert run["started_at"] == "2026-02-10T08:00:00Z" and "finished_at" not in run
    assert run["evidence"] == [{"path": p.name, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in (ADAPTER, ARGS, DEVICES)]
    assert check(ledger)[0] == 0
    # Finishing the run adds finished_at after started_at and moves it to trained.
    code, out, err = record(
        ledger, "ledger-r3", "--finished-at", "2026-02-10T12:00:00Z", "--checkpoint", "s3://models/ledger/r3@sha256:ab12"
    )
    assert (code, err) == (0, "")
    finished = register.read_text()
    assert (
        finished.replace("      finished_at: 2026-02-10T12:00:00Z\n      checkpoint: s3://models/ledger/r3@sha256:ab12\n", "").replace(
            "status: trained", "status: training"
        )
        == after
    )
    assert check(ledger)[0] == 0


def test_comments_are_kept(ledger: Path) -> None:
    register = ledger / REGISTER
    text = "# ledger's history: append only\n" + register.read_text().replace(
        "    status: approved\n", "    # approved in PR 9\n    status: approved  # merged\n"
    )
    register.write_text(text)
    code, _, err = record(
        ledger,
        "ledger-r3",
        "--config",
        TORCHTUNE,
        "--config",
        DEVICES,
        "--started-at",
        "2026-02-10T08:00:00Z",
        "--finished-at",
        "2026-02-10T09:00:00Z",
    )
    assert (code, err) == (0, "")
    after = register.read_text()
    assert after.startswith("# ledger's history: append only\n")
    assert "    # approved in PR 9\n    status: trained  # merged\n    run:\n" in after
    assert check(ledger)[0] == 0


def test_gate_attestation_fills_approval(ledger: Path, tmp_path: Path) -> None:
    code, _, err = record(
        ledger,
        "ledger-r3",
        "--config",
        AXOLOTL,
        "--config",
        DEVICES,
        *_approval(ledger, tmp_path),
        "--started-at",
        "2026-02-10T08:00:00Z",
    )
    assert (code, err) == (0, "")
    assert r3_run(ledger)["approval"] == {
        "pull_request": 9,
        "merged_at": "2026-02-09T10:00:00Z",
        "commit": "c3d4e5f60718293a4b5c6d7e8f9012345678a1b2",
        "approvers": [{"login": "dana-ml", "role": "technical"}],
    }
    assert check(ledger)[0] == 0


def _approval(repo: Path, tmp_path: Path, **changes: object) -> tuple[str, ...]:
    """--gate-attestation with ledger-r3's approval statement, signed by a key made here, and --trusted-key naming that key.

    The statement `ftgov attest` would sign for PR 9 (merged 2026-02-09T10:00:00Z, signed an
    hour later); `changes` override the gate's answer it carries. The key is the policy's
    approval signer, as the organisation key is once a team adopts it.
    """
    key = org_key(tmp_path / "keys")
    trust_in_policy(repo, key)
    path = "objectives/ledger/ledger-r3.yaml"
    answer = gate_answer(
        "ledger-r3",
        path,
        pull_request=9,
        merged_at="2026-02-09T10:00:00Z",
        checked_at="2026-02-09T11:00:00Z",
        approvals=[{"login": "dana-ml", "role": "technical", "team": "acme/ml", "submitted_at": "2026-02-09T09:00:00Z"}],
        head_sha="c3d4e5f60718293a4b5c6d7e8f9012345678a1b2",
    )
    answer.update(changes)
    bundle = sign_approval(key, tmp_path / "ledger-r3.approval.dsse.json", answer, path, {path: (repo / path).read_bytes()})
    return ("--gate-attestation", str(bundle), "--trusted-key", str(key.public))


def test_a_start_before_the_merge_is_refused_with_exit_1(ledger: Path, tmp_path: Path) -> None:
    before = (ledger / REGISTER).read_bytes()
    code, out, err = record(
        ledger,
        "ledger-r3",
        "--config",
        AXOLOTL,
        "--config",
        DEVICES,
        *_approval(ledger, tmp_path),
        "--started-at",
        "2026-02-09T09:00:00Z",
    )
    assert code == 1 and out == ""
    assert "--started-at 2026-02-09T09:00:00Z is before ledger-r3 was merged (2026-02-09T10:00:00Z)" in err
    assert (ledger / REGISTER).read_bytes() == before


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"decision": "deny", "reasons": ["no risk approval"]}, "the signed gate answer is 'deny', not allow"),
        ({"objective": "ledger-r2"}, "the approval is for objective 'ledger-r2', not ledger-r3"),
        ({"head_sha": "c3d4e5f6"}, "the signed approval names no merged_at or no head_sha (a full commit id)"),
    ],
    ids=["deny", "another objective", "no full commit"],
)
def test_a_gate_attestation_that_does_not_allow_this_objective_is_exit_2(
    ledger: Path, tmp_path: Path, changes: dict[str, object], expected: str
) -> None:
    before = (ledger / REGISTER).read_bytes()
    code, _, err = record(
        ledger, "ledger-r3", "--config", AXOLOTL, "--config", DEVICES, *_approval(ledger, tmp_path, **changes), "--started-at",
        "2026-02-10T08:00:00Z",
    )  # fmt: skip
    assert code == 2
    assert expected in err and len(err.strip().splitlines()) == 1
    assert (ledger / REGISTER).read_bytes() == before


def test_a_deviation_beyond_the_tolerance_is_recorded_exits_1_and_fails_check_until_acknowledged(ledger: Path, tmp_path: Path) -> None:
    faster = tmp_path / "faster.yaml"
    faster.write_text(TORCHTUNE.read_text().replace("  lr: 1e-4\n", "  lr: 3e-4\n"))
    code, out, err = record(ledger, "ledger-r3", "--config", faster, "--config", DEVICES, "--started-at", "2026-02-10T08:00:00Z")
    assert code == 1
    assert "deviation: learning_rate planned 0.0001, actual 0.0003" in out
    assert "FTG914 learning_rate is 0.0003, 200% from the planned 0.0001; the tolerance is 25%" in err
    run = r3_run(ledger)["run"]
    assert isinstance(run, dict) and run["deviations"] == [{"field": "learning_rate", "planned": 1e-4, "actual": 3e-4}]
    code, report = check(ledger)
    assert code == 1 and "FTG914" in report
    register = ledger / REGISTER
    register.write_text(
        register.read_text().replace(
            "- {field: learning_rate, planned: 0.0001, actual: 0.0003}",
            "- {field: learning_rate, planned: 0.0001, actual: 0.0003, acknowledged_by: risk, reason: 1e-4 did not converge}",
        )
    )
    assert check(ledger) == (0, check(ledger)[1])


def test_a_deviation_within_the_tolerance_is_listed_and_passes(ledger: Path, tmp_path: Path) -> None:
    slower = tmp_path / "slower.yaml"
    slower.write_text(TORCHTUNE.read_text().replace("  lr: 1e-4\n", "  lr: 8e-5\n"))
    code, _, err = record(ledger, "ledger-r3", "--config", slower, "--config", DEVICES, "--started-at", "2026-02-10T08:00:00Z")
    assert (code, err) == (0, "")
    assert check(ledger)[0] == 0


def test_a_round_that_is_not_approved_is_refused_with_exit_1(ledger: Path) -> None:
    code, _, err = record(ledger, "ledger-r2", "--config", AXOLOTL, "--config", DEVICES)
    assert code == 1
    assert "ledger-r2 is evaluated; record-run moves a round from approved to training or trained" in err


# -- bad input: exit 2, one line naming the file, nothing written -----------------------------


class _Tripwire:
    """Unpickling this creates a file: proof that a refused pickle was never loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    marker = tmp_path / "UNPICKLED"
    pickled = pickle.dumps(_Tripwire(marker), protocol=4)
    bin_file = tmp_path / "training_args.bin"
    bin_file.write_bytes(pickled)
    disguised = tmp_path / "training_args.json"
    disguised.write_bytes(pickled)
    archive = tmp_path / "args.json"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("archive/data.pkl", pickled)
    nul = tmp_path / "nul.yaml"
    nul.write_bytes(b"learning_rate: 1\x00\x00\n")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("comment: caf\xe9\n".encode("latin-1"))
    truncated = tmp_path / "trainer_state.json"
    truncated.write_text(STATE.read_text()[:300])
    unknown = tmp_path / "notes.yaml"
    unknown.write_text("hello: world\n")
    return {
        "pickle named .bin": (bin_file, "is never opened; pass the JSON instead: `trainer.args.to_json_string()`"),
        "pickle named .json": (disguised, "is a Python pickle (training_args.bin is one) and is never unpickled"),
        "zip archive": (archive, "is a ZIP archive (torch.save writes one)"),
        "NUL bytes": (nul, "holds NUL bytes"),
        "not UTF-8": (latin, "is not UTF-8 text (byte 0xe9"),
        "truncated JSON": (truncated, "not valid JSON"),
        "unknown format": (unknown, "not a format record-run reads"),
    }


@pytest.mark.parametrize(
    "case", ["pickle named .bin", "pickle named .json", "zip archive", "NUL bytes", "not UTF-8", "truncated JSON", "unknown format"]
)
def test_a_config_file_that_is_not_a_readable_configuration_is_exit_2(ledger: Path, tmp_path: Path, case: str) -> None:
    bad, expected = _bad_files(tmp_path)[case]
    before = (ledger / REGISTER).read_bytes()
    code, out, err = record(ledger, "ledger-r3", "--config", ADAPTER, "--config", bad)
    assert code == 2 and out == ""
    assert err.startswith(f"ftgov: error: {bad}") and expected in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "UNPICKLED").exists()
    assert (ledger / REGISTER).read_bytes() == before


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("", "- not\n- a mapping\n"), "registers/ledger.yaml"),
        (("    status: approved\n", "    status: ready\n"), "registers/ledger.yaml:68:13"),
        (("merged_at: 2026-02-02T10:00:00Z", "merged_at: 2026-02-02T10:00:00"), "registers/ledger.yaml:41:18"),
    ],
    ids=["register not a mapping", "unknown status", "date without time zone"],
)
def test_a_bad_register_is_exit_2_naming_it(ledger: Path, edit: tuple[str, str], expected: str) -> None:
    register = ledger / REGISTER
    old, new = edit
    register.write_text(new if not old else register.read_text().replace(old, new))
    code, _, err = record(ledger, "ledger-r3", "--config", AXOLOTL, "--config", DEVICES)
    assert code == 2
    assert expected in err and len(err.strip().splitlines()) == 1


def test_a_time_without_zone_is_exit_2(ledger: Path) -> None:
    code, _, err = record(ledger, "ledger-r3", "--config", AXOLOTL, "--config", DEVICES, "--started-at", "2026-02-10T08:00:00")
    assert code == 2 and "--started-at '2026-02-10T08:00:00' has no time zone; add Z or an offset such as +01:00" in err


def test_a_proposed_round_is_approved_by_the_attestation_and_pins_the_objective(ledger: Path, tmp_path: Path) -> None:
    register = ledger / REGISTER
    text = register.read_text()
    head, _, _ = text.partition("  - objective: ledger-r3\n")
    register.write_text(head + "  - objective: ledger-r3\n    status: proposed\n")
    code, _, err = record(ledger, "ledger-r3", "--config", AXOLOTL, "--config", DEVICES, "--started-at", "2026-02-10T08:00:00Z")
    assert code == 2 and "ledger-r3 is proposed: pass --gate-attestation BUNDLE" in err
    code, out, err = record(
        ledger,
        "ledger-r3",
        "--config",
        AXOLOTL,
        "--config",
        DEVICES,
        *_approval(ledger, tmp_path),
        "--started-at",
        "2026-02-10T08:00:00Z",
    )
    assert (code, err) == (0, "") and "ledger-r3: proposed -> training" in out
    pinned = hashlib.sha256((ledger / "objectives/ledger/ledger-r3.yaml").read_bytes()).hexdigest()
    assert f"  - objective: ledger-r3\n    objective_sha256: {pinned}\n    status: training\n    approval:\n" in register.read_text()
    assert check(ledger)[0] == 0


def test_every_command_reads_a_time_the_same_way_and_records_it_in_one_form(ledger: Path) -> None:
    """Issue 13: `2026-02-10T09:00+01:00` was accepted by gate and refused by record-run; ftgov.times reads both."""
    from ftgov.gate.gate import parse_started_at

    offset = "2026-02-10T09:00+01:00"  # ISO 8601 without seconds, with an offset
    assert parse_started_at(offset).isoformat() == "2026-02-10T08:00:00+00:00"
    code, _, err = record(ledger, "ledger-r3", "--config", AXOLOTL, "--config", DEVICES, "--started-at", offset)
    assert code == 0, err
    run = r3_run(ledger)["run"]
    # recorded as UTC with seconds, the schema's shape: the input instant, not the clock
    recorded_as = dt.datetime(2026, 2, 10, 8, 0, 0, tzinfo=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert isinstance(run, dict) and run["started_at"] == recorded_as
    code, _, err = record(ledger, "ledger-r3", "--config", AXOLOTL, "--config", DEVICES, "--finished-at", "soon")
    assert code == 2 and "--finished-at 'soon' is not an ISO 8601 time; give one with a time zone" in err
