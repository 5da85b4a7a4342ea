"""`ftgov decide`: the status machine, the appended decision, and refusals, through the real command.

Each test copies the tests' own register fixture (model `ledger`: r1 deployed, r2 evaluated
with verdict pass, r3 approved) into a temporary repository, runs `python -m ftgov decide`,
and checks the file, the exit code and that `ftgov check` still passes on the result.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..conftest import run_ftgov
from ..repository import build_ledger_repo

REGISTER = "registers/ledger.yaml"


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return build_ledger_repo(tmp_path)


def decide(repo: Path, *args: str) -> tuple[int, str, str]:
    result = run_ftgov("decide", *args, "--repo-root", str(repo))
    return result.returncode, result.stdout, result.stderr


def check_passes(repo: Path) -> None:
    result = run_ftgov("check", "--repo-root", str(repo))
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_an_evaluated_round_with_verdict_pass(ledger: Path) -> None:
    before = (ledger / REGISTER).read_text()
    code, out, err = decide(
        ledger, "ledger-r2", "--action", "deploy", "--reason", "every criterion met", "--by", "raj-risk", "--at", "2026-02-05T10:00:00Z"
    )
    assert (code, err) == (0, "")
    assert "ledger-r2: evaluated -> deployed" in out
    after = (ledger / REGISTER).read_text()
    # Only the status value changed; the decision is appended after the round's last line.
    assert (
        after.replace(
            "    status: deployed\n    approval:\n      pull_request: 7", "    status: evaluated\n    approval:\n      pull_request: 7"
        )
        != after
    )
    added = "    decision:\n      action: deploy\n      by: raj-risk\n      at: 2026-02-05T10:00:00Z\n      reason: every criterion met\n"
    assert after == before.replace("    status: evaluated\n", "    status: deployed\n").replace(
        "    retired_criteria: []\n  - objective: ledger-r3\n", "    retired_criteria: []\n" + added + "  - objective: ledger-r3\n"
    )
    check_passes(ledger)


def test_rollback_keeps_the_deploy_decision_and_appends_a_withdrawal(ledger: Path) -> None:
    code, _, err = decide(
        ledger,
        "ledger-r1",
        "--action",
        "rollback",
        "--reason",
        "refusals fell on the shadow set",
        "--by",
        "raj-risk",
        "--at",
        "2026-01-09T09:00:00Z",
    )
    assert (code, err) == (0, "")
    text = (ledger / REGISTER).read_text()
    assert "decision: {action: deploy, by: raj-risk, at: 2026-01-08T09:00:00Z, reason: all criteria met}" in text
    assert "    withdrawal:\n      action: rollback\n" in text
    assert "    status: rolled-back\n" in text
    check_passes(ledger)


def test_retire_a_deployed_round(ledger: Path) -> None:
    code, _, _ = decide(
        ledger, "ledger-r1", "--action", "retire", "--reason", "replaced by r2", "--by", "raj-risk", "--at", "2026-03-01T00:00:00Z"
    )
    assert code == 0
    assert "    status: retired\n" in (ledger / REGISTER).read_text()
    check_passes(ledger)


@pytest.mark.parametrize("action", ["reject", "abandon"])
def test_reject_or_abandon_before_deployment(ledger: Path, action: str) -> None:
    code, out, _ = decide(ledger, "ledger-r3", "--action", action, "--reason", "the desk no longer needs it", "--by", "dana-ml")
    assert code == 0
    status = {"reject": "rejected", "abandon": "abandoned"}[action]
    assert f"ledger-r3: approved -> {status}" in out
    assert f"      action: {action}\n" in (ledger / REGISTER).read_text()
    check_passes(ledger)


@pytest.mark.parametrize(
    ("objective", "action", "expected"),
    [
        ("ledger-r3", "deploy", "ledger-r3 cannot move from approved to deployed: deploy needs an evaluated round"),
        ("ledger-r1", "reject", "ledger-r1 cannot move from deployed to rejected"),
        ("ledger-r2", "rollback", "ledger-r2 cannot move from evaluated to rolled-back: rollback is for a deployed round"),
        ("ledger-r3", "retire", "ledger-r3 cannot move from approved to retired"),
    ],
)
def test_an_illegal_move_exits_1_in_one_line_and_writes_nothing(ledger: Path, objective: str, action: str, expected: str) -> None:
    before = (ledger / REGISTER).read_bytes()
    code, out, err = decide(ledger, objective, "--action", action, "--reason", "r", "--by", "raj-risk")
    assert code == 1
    assert out == ""
    assert expected in err and len(err.strip().splitlines()) == 1
    assert (ledger / REGISTER).read_bytes() == before


def test_deploy_needs_verdict_pass(ledger: Path) -> None:
    register = ledger / REGISTER
    register.write_text(
        register.read_text().replace(
            "      verdict: pass\n      measured:\n        lm-eval/tone/acc",
            "      verdict: fail\n      measured:\n        lm-eval/tone/acc",
        )
    )
    code, _, err = decide(ledger, "ledger-r2", "--action", "deploy", "--reason", "r", "--by", "raj-risk")
    assert code == 1
    assert "its evaluation verdict is fail, deploy needs pass" in err


def test_a_decision_before_the_evaluation_is_refused(ledger: Path) -> None:
    before = (ledger / REGISTER).read_bytes()
    code, _, err = decide(ledger, "ledger-r2", "--action", "deploy", "--reason", "r", "--by", "raj-risk", "--at", "2026-02-04T08:00:00Z")
    assert code == 1
    assert "--at 2026-02-04T08:00:00Z is before evaluation.evaluated_at 2026-02-04T09:00:00Z" in err
    assert (ledger / REGISTER).read_bytes() == before


def test_comments_and_crlf_line_endings_are_kept(ledger: Path) -> None:
    register = ledger / REGISTER
    text = "# the ledger model's history\r\n" + register.read_text().replace("\n", "\r\n").replace(
        "    status: evaluated\r\n", "    status: evaluated   # awaiting risk\r\n"
    )
    register.write_bytes(text.encode())
    code, _, err = decide(ledger, "ledger-r2", "--action", "deploy", "--reason", "ok", "--by", "raj-risk", "--at", "2026-02-05T10:00:00Z")
    assert (code, err) == (0, "")
    after = register.read_bytes().decode()
    assert after.startswith("# the ledger model's history\r\n")
    assert "    status: deployed   # awaiting risk\r\n" in after
    assert "\n" not in after.replace("\r\n", "")
    check_passes(ledger)


@pytest.mark.parametrize(
    ("setup", "args", "expected"),
    [
        (
            None,
            ("ledger-r9", "--action", "deploy", "--reason", "r", "--by", "raj-risk"),
            "objective ledger-r9 is not at objectives/<model>/ledger-r9.yaml",
        ),
        (
            None,
            ("ledger-r2", "--action", "deploy", "--reason", "r", "--by", "raj-risk", "--at", "2026-02-05T10:00:00"),
            "--at '2026-02-05T10:00:00' has no time zone; add Z or an offset such as +01:00",
        ),
        (None, ("ledger-r2", "--action", "ship", "--reason", "r", "--by", "raj-risk"), "'ship' is not one of"),
        (None, ("ledger-r2", "--action", "deploy", "--reason", "r", "--by", "not a login"), "--by 'not a login' is not a GitHub login"),
        ("- just\n- a list\n", ("ledger-r2", "--action", "deploy", "--reason", "r", "--by", "raj-risk"), "registers/ledger.yaml"),
        ("status: evaluated", ("ledger-r2", "--action", "deploy", "--reason", "r", "--by", "raj-risk"), "registers/ledger.yaml:38:13"),
        (
            "at: 2026-01-08T09:00:00Z",
            ("ledger-r2", "--action", "deploy", "--reason", "r", "--by", "raj-risk"),
            "registers/ledger.yaml:35:50: rounds[0].decision.at",
        ),
    ],
    ids=[
        "unknown objective",
        "time without zone",
        "unknown action",
        "bad login",
        "register not a mapping",
        "unknown status",
        "date without zone",
    ],
)
def test_bad_input_exits_2_in_one_line(ledger: Path, setup: str | None, args: tuple[str, ...], expected: str) -> None:
    register = ledger / REGISTER
    if setup == "status: evaluated":
        register.write_text(register.read_text().replace("    status: evaluated\n", "    status: evalutaed\n"))
    elif setup == "at: 2026-01-08T09:00:00Z":
        register.write_text(register.read_text().replace("at: 2026-01-08T09:00:00Z", "at: 2026-01-08T09:00:00"))
    elif setup is not None:
        register.write_text(setup)
    before = register.read_bytes()
    code, out, err = decide(ledger, *args)
    assert code == 2, err
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert expected in err
    assert register.read_bytes() == before
