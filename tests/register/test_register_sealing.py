"""Sealed rounds and corrections (issue 13, items 2 and 5), through the real commands on a git repository.

A decided round takes only a withdrawal and appended corrections (`check --base`, FTG957);
retirements are written only while a round is proposed (FTG958), naming the policy roles
that approved them (FTG920); a recorded time in the future is refused; and `ftgov correct`
fixes a mistyped value by appending, which every reader then uses.

Each test builds the tests' own register fixture (model `ledger`: r1 deployed, r2
evaluated, r3 approved) in a temporary git repository.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from ftgov.documents.corrected import CORRECTABLE, corrected
from ftgov.documents.document import Document
from ftgov.documents.loader import parse_document

from ..conftest import FIXTURES, ROOT, run_ftgov
from ..repository import build_ledger_repo
from .test_check_base import commit, git

REGISTER = "registers/ledger.yaml"
RESULTS = FIXTURES / "evaluate" / "results"
R3_SHA = "c1f598b08b7ba056ba1e3ec6c3ad3d98bf919e863c59bda8048794d357ea6f41"
R3_APPROVED = f"    objective_sha256: {R3_SHA}\n    status: approved\n"
RETIREMENT = "      - {criterion: ledger-r1/reconcile, rationale: the desk moved to another system, approved_by: %s}\n"


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    repo = build_ledger_repo(tmp_path / "governance")
    (repo / "registers" / "ledger" / "adapter_config.json").write_bytes(b"foo")  # r1's pinned run evidence
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    commit(repo, "base")
    return repo


def edit(repo: Path, old: str, new: str) -> None:
    file = repo / REGISTER
    content = file.read_text()
    assert content.count(old) == 1, f"{old!r} is not once in the register"
    file.write_text(content.replace(old, new))


def line_of(repo: Path, fragment: str, nth: int = 1) -> int:
    found = [n for n, line in enumerate((repo / REGISTER).read_text().splitlines(), 1) if fragment in line]
    return found[nth - 1]


def check(repo: Path, *base: str) -> tuple[int, list[dict[str, object]]]:
    args = ("--base", *base) if base else ()
    done = run_ftgov("check", *args, "--format", "json", "--repo-root", str(repo), "--jobs", "1")
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)["findings"]


def found(findings: list[dict[str, object]], *codes: str) -> list[tuple[object, object]]:
    return sorted((f["rule"], f["line"]) for f in findings if f["rule"] in codes)


def ftgov(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_ftgov(*args, "--repo-root", str(repo))


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


NOW = dt.datetime.now(dt.UTC)
TOMORROW = iso(NOW + dt.timedelta(days=1))


# -- check --base: a decided round is sealed ---------------------------------------------


@pytest.mark.parametrize(
    ("kind", "old", "new", "fragment"),
    [
        ("a value", "mmlu/acc: {base: 0.70, candidate: 0.69}", "mmlu/acc: {base: 0.70, candidate: 0.71}", "candidate: 0.71"),
        (
            "a list growing",
            "approvers: [{login: ana-ml, role: technical}]",
            "approvers: [{login: ana-ml, role: technical}, {login: fabricated, role: risk}]",
            "login: fabricated",
        ),
        (
            "a mapping gaining a key",
            "        safety/refusal_rate: {base: 0.95, candidate: 0.95}\n",
            "        safety/refusal_rate: {base: 0.95, candidate: 0.95}\n        lm-eval/extra/acc: {candidate: 0.5}\n",
            "lm-eval/extra/acc",
        ),
        (
            "a new key",
            "    decision: {action: deploy, by: raj-risk, at: 2026-01-08T09:00:00Z, reason: all criteria met}\n",
            "    decision: {action: deploy, by: raj-risk, at: 2026-01-08T09:00:00Z, reason: all criteria met}\n"
            "    retired_criteria: []\n",
            "retired_criteria: []",
        ),
    ],
)
def test_a_decided_round_edited_in_any_way_is_FTG957(ledger: Path, kind: str, old: str, new: str, fragment: str) -> None:
    edit(ledger, old, new)
    code, findings = check(ledger, "HEAD")
    assert code == 1
    assert found(findings, "FTG952", "FTG957", "FTG958") == [("FTG957", line_of(ledger, fragment))], kind
    message = str(next(f["message"] for f in findings if f["rule"] == "FTG957"))
    assert "ledger-r1 was decided (deploy at 2026-01-08T09:00:00Z) and is sealed" in message
    assert "`ftgov correct`" in message


def test_a_withdrawal_and_a_correction_are_what_a_decided_round_may_gain(ledger: Path) -> None:
    done = ftgov(ledger, "decide", "ledger-r1", "--action", "retire", "--reason", "replaced by r2", "--by", "raj-risk",
                 "--at", "2026-03-01T00:00:00Z")  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = ftgov(ledger, "correct", "ledger-r1", "--field", "decision.reason", "--value", "all criteria met on the full suite",
                 "--reason", "the reason was cut short")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert check(ledger, "HEAD") == (0, [])


def test_a_changed_correction_of_a_decided_round_is_FTG957(ledger: Path) -> None:
    done = ftgov(ledger, "correct", "ledger-r1", "--field", "decision.at", "--value", "2026-01-08T10:00:00Z", "--reason", "typo")
    assert done.returncode == 0, done.stderr
    commit(ledger, "correct r1")
    edit(ledger, "value: 2026-01-08T10:00:00Z", "value: 2026-01-08T11:00:00Z")
    assert found(check(ledger, "HEAD")[1], "FTG952", "FTG957") == [("FTG957", line_of(ledger, "value: 2026-01-08T11:00:00Z"))]


# -- retirements: only while proposed, approved by policy roles ----------------------------


def test_a_retirement_appended_to_a_deployed_round_is_FTG958(ledger: Path) -> None:
    done = ftgov(ledger, "decide", "ledger-r2", "--action", "deploy", "--reason", "met", "--by", "raj-risk", "--at", "2026-02-05T10:00:00Z")
    assert done.returncode == 0, done.stderr
    commit(ledger, "deploy r2")
    edit(ledger, "    retired_criteria: []\n", "    retired_criteria:\n" + RETIREMENT % "[technical, risk]")
    code, findings = check(ledger, "HEAD")
    assert code == 1
    assert found(findings, "FTG952", "FTG957", "FTG958") == [("FTG958", line_of(ledger, "ledger-r1/reconcile"))]
    message = str(next(f["message"] for f in findings if f["rule"] == "FTG958"))
    assert "ledger-r2 retires ledger-r1/reconcile, but it was already deployed at the base" in message


def test_a_retirement_appended_to_an_evaluated_round_is_FTG958(ledger: Path) -> None:
    edit(ledger, "    retired_criteria: []\n", "    retired_criteria:\n" + RETIREMENT % "[risk]")
    assert found(check(ledger, "HEAD")[1], "FTG957", "FTG958") == [("FTG958", line_of(ledger, "ledger-r1/reconcile"))]


def test_a_retirement_in_a_proposed_round_named_by_policy_roles_passes(ledger: Path) -> None:
    edit(ledger, R3_APPROVED, "    status: proposed\n")
    commit(ledger, "r3 proposed")
    edit(ledger, "    status: proposed\n", "    status: proposed\n    retired_criteria:\n" + RETIREMENT % "[technical, risk]")
    code, findings = check(ledger, "HEAD")
    assert (code, findings) == (0, [])
    done = ftgov(ledger, "register", "show", "ledger", "--format", "json")
    assert json.loads(done.stdout)["retired"][0]["approved_by"] == "technical, risk"


@pytest.mark.parametrize(
    ("approved_by", "fragment", "message"),
    [
        ("Jane Doe from risk", "approved_by: Jane Doe", "'Jane Doe from risk' is not a policy role (independent, risk, technical)"),
        ("[]", "approved_by: []", "approved_by names no role"),
        ("[technical, cfo]", "approved_by: [technical, cfo]", "'cfo' is not a policy role"),
    ],
)
def test_a_retirement_needs_the_policy_roles_that_approved_it_FTG920(ledger: Path, approved_by: str, fragment: str, message: str) -> None:
    edit(ledger, R3_APPROVED, R3_APPROVED + "    retired_criteria:\n" + RETIREMENT % approved_by)
    code, findings = check(ledger)
    assert code == 1
    assert found(findings, "FTG910", "FTG920") == [("FTG920", line_of(ledger, fragment))]
    assert message in str(next(f["message"] for f in findings if f["rule"] == "FTG920"))


def test_an_older_registers_single_role_is_read_as_that_role(ledger: Path) -> None:
    edit(ledger, R3_APPROVED, R3_APPROVED + "    retired_criteria:\n" + RETIREMENT % "risk")
    assert check(ledger) == (0, [])


# -- times in the future are refused when recorded -------------------------------------------


def test_a_finished_at_in_the_future_is_refused_at_record_time(ledger: Path, tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text("method: lora\nlearning_rate: 1.0e-4\nepochs: 2\nbatch_size: 32\n")
    before = (ledger / REGISTER).read_bytes()
    done = ftgov(ledger, "record-run", "ledger-r3", "--config", str(config), "--started-at", "2026-03-03T08:00:00Z",
                 "--finished-at", TOMORROW)  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"--finished-at {TOMORROW} is in the future" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert (ledger / REGISTER).read_bytes() == before


@pytest.mark.parametrize("command", ["decide", "correct"])
def test_other_recorded_times_in_the_future_are_refused(ledger: Path, command: str) -> None:
    before = (ledger / REGISTER).read_bytes()
    if command == "decide":
        done = ftgov(ledger, "decide", "ledger-r2", "--action", "deploy", "--reason", "met", "--by", "raj-risk", "--at", TOMORROW)
    else:
        done = ftgov(ledger, "correct", "ledger-r2", "--field", "run.finished_at", "--value", TOMORROW, "--reason", "typo")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "is in the future" in done.stderr
    assert (ledger / REGISTER).read_bytes() == before


def test_a_time_within_the_clock_skew_is_accepted(ledger: Path) -> None:
    soon = iso(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2))
    done = ftgov(ledger, "decide", "ledger-r2", "--action", "deploy", "--reason", "met", "--by", "raj-risk", "--at", soon)
    assert done.returncode == 0, done.stderr


# -- the stuck round: a register written before the rule, fixed by a correction --------------


def trained_in_the_future(repo: Path) -> None:
    """r3 trained, its finished_at typed a day ahead (as record-run accepted before this rule)."""
    edit(
        repo,
        R3_APPROVED,
        f"    objective_sha256: {R3_SHA}\n    status: trained\n    approval:\n      pull_request: 9\n"
        "      merged_at: 2026-03-02T10:00:00Z\n      commit: c3d4e5f60718293a4b5c6d7e8f9012345678a1b2\n"
        f"    run:\n      started_at: 2026-03-03T08:00:00Z\n      finished_at: {TOMORROW}\n      configuration:\n"
        "        method: lora\n        learning_rate: 1.0e-4\n        epochs: 2\n        batch_size: 32\n"
        "        lora: {rank: 8, alpha: 16, dropout: 0.05}\n        regularisation: [weight_decay=0.01]\n      deviations: []\n",
    )
    commit(repo, "r3 trained (finished_at mistyped)")


def evaluate_record(repo: Path) -> subprocess.CompletedProcess[str]:
    return ftgov(repo, "evaluate", "ledger-r3", "--candidate", str(RESULTS / "r3-good"), "--baseline", str(RESULTS / "base"),
                 "--parent", str(RESULTS / "r2"), "--record")  # fmt: skip


def test_a_future_finished_at_is_corrected_and_the_round_moves_on(ledger: Path) -> None:
    trained_in_the_future(ledger)
    stuck = evaluate_record(ledger)
    assert stuck.returncode == 1 and "is before run.finished_at" in stuck.stderr
    # Editing the time is rewriting history (FTG952, not waivable) ...
    edit(ledger, f"finished_at: {TOMORROW}", "finished_at: 2026-03-03T12:00:00Z")
    assert found(check(ledger, "HEAD")[1], "FTG952") == [("FTG952", line_of(ledger, "finished_at: 2026-03-03T12:00:00Z"))]
    git(ledger, "checkout", "-q", "--", REGISTER)
    # ... a correction is an append.
    done = ftgov(ledger, "correct", "ledger-r3", "--field", "run.finished_at", "--value", "2026-03-03T12:00:00Z",
                 "--reason", "finished_at was typed a day ahead")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"ledger-r3: run.finished_at {TOMORROW} -> 2026-03-03T12:00:00Z" in done.stdout
    assert check(ledger, "HEAD") == (0, [])
    commit(ledger, "correct r3's finished_at")
    recorded = evaluate_record(ledger)
    assert recorded.returncode == 0, recorded.stderr
    assert "ledger-r3 is now evaluated" in recorded.stderr
    assert check(ledger, "HEAD~1") == (0, [])


def test_a_correction_of_a_correction(ledger: Path) -> None:
    first = ftgov(ledger, "correct", "ledger-r2", "--field", "run.finished_at", "--value", "2026-02-03T13:00:00Z", "--reason", "typo")
    assert first.returncode == 0, first.stderr
    second = ftgov(ledger, "correct", "ledger-r2", "--field", "run.finished_at", "--value", "2026-02-03T12:30:00Z",
                   "--reason", "the first correction was off by half an hour", "--at", "2026-06-01T00:00:00Z")  # fmt: skip
    assert second.returncode == 0, second.stderr
    loaded = parse_document((ledger / REGISTER).read_text(), REGISTER)
    assert isinstance(loaded, Document)
    fixes = loaded.data["rounds"][1]["corrections"]
    assert [(c["field"], c["was"], c["value"]) for c in fixes] == [
        ("run.finished_at", "2026-02-03T12:00:00Z", "2026-02-03T13:00:00Z"),
        ("run.finished_at", "2026-02-03T13:00:00Z", "2026-02-03T12:30:00Z"),
    ]
    assert fixes[1]["at"] == "2026-06-01T00:00:00Z"
    assert check(ledger, "HEAD") == (0, [])


def test_corrected_applies_the_last_correction_and_leaves_the_round_alone() -> None:
    entry = {
        "run": {"started_at": "a", "finished_at": "b"},
        "corrections": [
            {"field": "run.finished_at", "was": "b", "value": "c"},
            {"field": "run.finished_at", "was": "c", "value": "d"},
            {"field": "run.checkpoint", "was": "x", "value": "y"},  # not recorded: a correction never adds
        ],
    }
    assert corrected(entry)["run"] == {"started_at": "a", "finished_at": "d"}
    assert entry["run"]["finished_at"] == "b"


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (("--field", "evaluation.verdict", "--value", "pass"), 2, "--field 'evaluation.verdict' cannot be corrected; one of"),
        (("--field", "run.finished_at", "--value", "yesterday"), 2, "is not an ISO 8601 time; give one with a time zone"),
        (("--field", "approval.pull_request", "--value", "seven"), 2, "is a pull request number"),
        (("--field", "run.checkpoint", "--value", "s3://x"), 2, "ledger-r2 records no run.checkpoint"),
        (("--field", "run.finished_at", "--value", "2026-02-03T12:00:00Z"), 2, "already 2026-02-03T12:00:00Z"),
        (("--field", "run.finished_at", "--value", "2026-02-03T07:00:00Z"), 1, "FTG908"),
    ],
)
def test_a_correction_that_cannot_be_made_writes_nothing(ledger: Path, args: tuple[str, ...], code: int, expected: str) -> None:
    before = (ledger / REGISTER).read_bytes()
    done = ftgov(ledger, "correct", "ledger-r2", *args, "--reason", "typo")
    assert done.returncode == code, done.stdout + done.stderr
    assert expected in done.stderr
    assert "Traceback" not in done.stderr
    assert (ledger / REGISTER).read_bytes() == before


# -- byte preservation -------------------------------------------------------------------------


def test_a_correction_appends_and_leaves_every_other_byte(ledger: Path) -> None:
    register = ledger / REGISTER
    text = register.read_text().replace("  - objective: ledger-r2\n", "  # round 2, as reviewed\n  - objective: ledger-r2\n")
    register.write_bytes(text.replace("\n", "\r\n").encode())
    before = register.read_bytes()
    done = ftgov(ledger, "correct", "ledger-r1", "--field", "run.started_at", "--value", "2026-01-06T07:00:00Z",
                 "--reason", "the start was typed in local time", "--at", "2026-06-01T00:00:00Z")  # fmt: skip
    assert done.returncode == 0, done.stderr
    added = (
        b"    corrections:\r\n"
        b"      - {field: run.started_at, was: 2026-01-06T08:00:00Z, value: 2026-01-06T07:00:00Z, reason: the start was typed in "
        b"local time, at: 2026-06-01T00:00:00Z}\r\n"
    )
    cut = before.index(b"  # round 2, as reviewed")
    assert register.read_bytes() == before[:cut] + added + before[cut:]
    # A second correction is appended to the list, nothing else moves.
    middle = register.read_bytes()
    done = ftgov(ledger, "correct", "ledger-r1", "--field", "decision.by", "--value", "ana-ml", "--reason", "ana decided",
                 "--at", "2026-06-02T00:00:00Z")  # fmt: skip
    assert done.returncode == 0, done.stderr
    second = b"      - {field: decision.by, was: raj-risk, value: ana-ml, reason: ana decided, at: 2026-06-02T00:00:00Z}\r\n"
    cut = middle.index(b"  # round 2, as reviewed")
    assert register.read_bytes() == middle[:cut] + second + middle[cut:]


def test_a_correction_of_the_last_round_only_appends_to_the_file(ledger: Path) -> None:
    before = (ledger / REGISTER).read_bytes()
    done = ftgov(ledger, "correct", "ledger-r2", "--field", "approval.pull_request", "--value", "8", "--reason", "PR 7 was the draft")
    assert done.returncode == 0, done.stderr
    edit(ledger, R3_APPROVED, R3_APPROVED)  # r3 is last; r2's correction sits before it
    after = (ledger / REGISTER).read_bytes()
    cut = before.index(b"  - objective: ledger-r3")
    assert after[:cut] == before[:cut] and after.endswith(before[cut:])
    assert b"      - {field: approval.pull_request, was: 7, value: 8, reason: PR 7 was the draft, at: " in after


def test_the_schema_lists_exactly_the_correctable_fields() -> None:
    schema = json.loads((ROOT / "policies" / "register.schema.json").read_text())
    fields = schema["$defs"]["round"]["properties"]["corrections"]["items"]["properties"]["field"]["enum"]
    assert fields == list(CORRECTABLE)
