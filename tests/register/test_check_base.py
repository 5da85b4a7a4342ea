"""`ftgov check --base REF`: each history rule (FTG951-956) on a real git repository, at its file and line.

Each test builds a git repository in a temporary directory from the tests' own register
fixture (tests/fixtures/register: model `ledger`, r1 deployed, r2 evaluated, r3 approved),
commits it as the base, makes one change a pull request would make, and runs the command.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from ftgov.documents.repository import Repository
from ftgov.register.check_base import GitBase, history_findings

from ..conftest import FIXTURES, run_ftgov
from ..repository import build_ledger_repo

REGISTER = "registers/ledger.yaml"
R1, R2, R3 = (f"objectives/ledger/ledger-r{i}.yaml" for i in (1, 2, 3))
R3_SHA = "c1f598b08b7ba056ba1e3ec6c3ad3d98bf919e863c59bda8048794d357ea6f41"
ABANDON = "decision: {action: abandon, by: raj-risk, at: 2026-03-01T09:00:00Z, reason: superseded}"
HISTORY_CODES = ("FTG951", "FTG952", "FTG953", "FTG954", "FTG955", "FTG956", "FTG957", "FTG958")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    repo = build_ledger_repo(tmp_path / "governance")
    # r1 pins its adapter config as run evidence; kept beside the register (sha256 of b"foo").
    (repo / "registers" / "ledger" / "adapter_config.json").write_bytes(b"foo")
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "base")
    return repo


def edit(repo: Path, relative: str, old: str, new: str) -> None:
    file = repo / relative
    content = file.read_text()
    assert content.count(old) == 1, f"{old!r} is not once in {relative}"
    file.write_text(content.replace(old, new))


def line_of(repo: Path, relative: str, fragment: str) -> int:
    lines = (repo / relative).read_text().splitlines()
    found = [n for n, line in enumerate(lines, 1) if fragment in line]
    assert len(found) == 1, f"{fragment!r} is on lines {found} of {relative}"
    return found[0]


def check(repo: Path, base: str = "HEAD~1") -> tuple[int, list[dict[str, object]]]:
    done = run_ftgov("check", "--base", base, "--format", "json", "--repo-root", str(repo), "--jobs", "1")
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)["findings"]


def history(findings: list[dict[str, object]]) -> list[tuple[object, object, object]]:
    return sorted((f["rule"], f["path"], f["line"]) for f in findings if f["rule"] in HISTORY_CODES)


def test_the_fixture_passes_against_itself(ledger: Path) -> None:
    code, findings = check(ledger, "HEAD")
    assert (code, findings) == (0, [])


def test_edit_of_an_approved_objective_is_caught_at_the_changed_key(ledger: Path) -> None:
    edit(ledger, R2, "max_relative_drop: 0.05", "max_relative_drop: 0.08")
    edit(ledger, R2, "  replay_fraction: 0.1\n", "  replay_fraction: 0.1\nsupersedes: ledger-r1\n")
    commit(ledger, "loosen r2")
    code, findings = check(ledger)
    assert code == 1
    assert history(findings) == [
        ("FTG951", R2, line_of(ledger, R2, "max_relative_drop: 0.08")),
        ("FTG951", R2, line_of(ledger, R2, "supersedes:")),
    ]
    message = next(f["message"] for f in findings if f["rule"] == "FTG951")
    assert "ledger-r2 is evaluated in registers/ledger.yaml" in str(message)
    assert "supersedes: ledger-r2" in str(message)


def test_an_amendment_as_a_new_objective_passes(ledger: Path) -> None:
    amended = (ledger / R3).read_text().replace("id: ledger-r3", "id: ledger-r3b\nsupersedes: ledger-r3")
    (ledger / "objectives/ledger/ledger-r3b.yaml").write_text(amended)
    commit(ledger, "amend r3 as r3b")
    assert history(check(ledger)[1]) == []


def test_a_proposed_objective_may_still_change(ledger: Path) -> None:
    edit(ledger, REGISTER, "  - objective: ledger-r3\n    objective_sha256: " + R3_SHA + "\n    status: approved",
         "  - objective: ledger-r3\n    status: proposed")  # fmt: skip
    commit(ledger, "r3 proposed")
    edit(ledger, R3, "min_improvement: 0.1}", "min_improvement: 0.12}")
    commit(ledger, "tighten r3 under review")
    assert history(check(ledger)[1]) == []


def test_a_changed_recorded_field_is_caught_where_it_now_is(ledger: Path) -> None:
    edit(ledger, REGISTER, "lm-eval/reconcile/acc: {base: 0.60, candidate: 0.70}", "lm-eval/reconcile/acc: {base: 0.60, candidate: 0.72}")
    commit(ledger, "polish r1's numbers")
    code, findings = check(ledger)
    assert code == 1
    # r1 is deployed: a decided round is sealed (FTG957; FTG952 in a round not yet decided).
    assert history(findings) == [("FTG957", REGISTER, line_of(ledger, REGISTER, "candidate: 0.72"))]
    assert "measured.lm-eval/reconcile/acc.candidate was 0.7, now 0.72" in str(
        next(f["message"] for f in findings if f["rule"] == "FTG957")
    )


def test_a_removed_recorded_section_is_caught_at_its_round(ledger: Path) -> None:
    edit(
        ledger,
        REGISTER,
        "      evidence: [{path: adapter_config.json, sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae}]\n",
        "",
    )
    commit(ledger, "drop r1's evidence")
    _, findings = check(ledger)
    assert history(findings) == [("FTG957", REGISTER, _nth_line(ledger, REGISTER, "    run:", 1))]


def _nth_line(repo: Path, relative: str, exact: str, nth: int) -> int:
    lines = [n for n, line in enumerate((repo / relative).read_text().splitlines(), 1) if line == exact]
    return lines[nth - 1]


def test_a_backward_status_move_is_caught(ledger: Path) -> None:
    edit(ledger, REGISTER, "    status: deployed", "    status: evaluated")
    commit(ledger, "undeploy r1 quietly")
    code, findings = check(ledger)
    assert code == 1
    assert history(findings) == [("FTG953", REGISTER, _nth_line(ledger, REGISTER, "    status: evaluated", 1))]
    assert "moved back from deployed to evaluated" in str(next(f["message"] for f in findings if f["rule"] == "FTG953"))


def test_a_skipped_status_step_is_caught(ledger: Path) -> None:
    r2 = (ledger / REGISTER).read_text()
    evaluation = r2[r2.index("    evaluation:\n      report: registers/ledger/ledger-r2") : r2.index("    retired_criteria: []")]
    edit(ledger, REGISTER, R3_SHA + "\n    status: approved",
         R3_SHA + "\n    status: evaluated\n" + evaluation.rstrip("\n"))  # fmt: skip
    commit(ledger, "r3 evaluated without a run")
    code, findings = check(ledger)
    assert code == 1
    assert ("FTG953", REGISTER, _nth_line(ledger, REGISTER, "    status: evaluated", 2)) in history(findings)
    message = next(f["message"] for f in findings if f["rule"] == "FTG953")
    assert "past training, trained without recording it" in str(message)


def test_leaving_a_final_status_is_caught(ledger: Path) -> None:
    edit(
        ledger,
        REGISTER,
        "    status: approved",
        "    status: abandoned\n    " + ABANDON,
    )
    commit(ledger, "abandon r3")
    edit(ledger, REGISTER, "    status: abandoned\n    " + ABANDON,
         "    status: approved\n    " + ABANDON)  # fmt: skip
    commit(ledger, "revive r3")
    assert ("FTG953", REGISTER, line_of(ledger, REGISTER, "status: approved")) in history(check(ledger)[1])


def test_removing_a_round_within_retention_is_caught_at_its_old_place(ledger: Path) -> None:
    content = (ledger / REGISTER).read_text()
    old_line = line_of(ledger, REGISTER, "- objective: ledger-r3")
    (ledger / REGISTER).write_text(content[: content.index("  - objective: ledger-r3")])
    commit(ledger, "forget r3")
    code, findings = check(ledger)
    assert code == 1
    assert history(findings) == [("FTG954", REGISTER, old_line)]
    assert "ledger-r3 was removed; it is approved" in str(next(f["message"] for f in findings if f["rule"] == "FTG954"))


def test_removing_an_objective_within_retention_is_caught(ledger: Path) -> None:
    (ledger / R1).unlink()
    commit(ledger, "delete r1")
    code, findings = check(ledger)
    assert code == 1
    assert history(findings) == [("FTG954", R1, 1)]


def test_moving_an_approved_objective_is_a_removal(ledger: Path) -> None:
    (ledger / "objectives" / "archive").mkdir()
    git(ledger, "mv", R1, "objectives/archive/ledger-r1.yaml")
    commit(ledger, "archive r1")
    assert ("FTG954", R1, 1) in history(check(ledger)[1])


def test_removing_a_register_within_retention_is_caught(ledger: Path) -> None:
    (ledger / REGISTER).unlink()
    commit(ledger, "delete the register")
    code, findings = check(ledger)
    assert code == 1
    assert history(findings) == [("FTG954", REGISTER, 1)]


def _retire_r1(ledger: Path, at: str) -> None:
    edit(ledger, REGISTER, "    status: deployed", "    status: retired")
    edit(
        ledger,
        REGISTER,
        "reason: all criteria met}\n  - objective: ledger-r2",
        f"reason: all criteria met}}\n    withdrawal: {{action: retire, by: raj-risk, at: {at}, reason: replaced by r2}}\n"
        "  - objective: ledger-r2",
    )


def test_retention_counts_from_the_decision_that_ended_the_round(ledger: Path) -> None:
    _retire_r1(ledger, "2026-02-10T09:00:00Z")
    commit(ledger, "retire r1")
    content = (ledger / REGISTER).read_text()
    (ledger / REGISTER).write_text(
        content[: content.index("  - objective: ledger-r1")] + content[content.index("  - objective: ledger-r2") :]
    )
    commit(ledger, "drop retired r1")
    repo = Repository(ledger)
    base = GitBase.open(ledger, "HEAD~1")
    within = history_findings(repo, base, now=dt.datetime(2033, 2, 9, tzinfo=dt.UTC))
    assert [(f.rule, f.path, f.line) for f in within] == [("FTG954", REGISTER, 6)]
    assert "until 2033-02-10" in within[0].message
    assert history_findings(repo, base, now=dt.datetime(2033, 2, 11, tzinfo=dt.UTC)) == []


def test_changed_pinned_evidence_is_caught_at_the_pin(ledger: Path) -> None:
    (ledger / "registers" / "ledger" / "adapter_config.json").write_bytes(b'{"r": 16}')
    commit(ledger, "touch r1's evidence")
    code, findings = check(ledger)
    assert code == 1
    assert history(findings) == [("FTG955", REGISTER, line_of(ledger, REGISTER, "evidence: [{path: adapter_config.json"))]


def test_policy_changed_with_objectives_warns(ledger: Path) -> None:
    edit(ledger, "policies/policy.yaml", "compare_to: base, max_drop: 0.01}", "compare_to: base, max_drop: 0.02}")
    r4 = (ledger / R3).read_text().replace("id: ledger-r3", "id: ledger-r4").replace("parent: ledger-r2", "parent: ledger-r3")
    (ledger / "objectives/ledger/ledger-r4.yaml").write_text(r4)
    commit(ledger, "loosen the gate and add r4")
    code, findings = check(ledger)
    warnings = [f for f in findings if f["rule"] == "FTG956"]
    assert [(f["path"], f["line"], f["severity"]) for f in warnings] == [("policies/policy.yaml", 1, "warning")]
    assert code == 0  # a warning alone does not fail the check


def test_a_new_round_a_forward_move_and_a_recorded_evaluation_pass(ledger: Path) -> None:
    fixture = {path: (ledger / path).read_text() for path in (REGISTER,)}
    # Base: r2 only trained (no evaluation yet) and r3 only proposed.
    content = fixture[REGISTER]
    r2_evaluation = content[
        content.index("    evaluation:\n      report: registers/ledger/ledger-r2") : content.index("    retired_criteria: []")
    ]
    base = content.replace(r2_evaluation, "").replace("    status: evaluated", "    status: trained")
    base = base[: base.index("  - objective: ledger-r3")]
    (ledger / REGISTER).write_text(base)
    commit(ledger, "r2 trained")
    # The PR: r2's evaluation recorded (trained -> evaluated), r3 appended as a new round, approved.
    (ledger / REGISTER).write_text(fixture[REGISTER])
    commit(ledger, "record r2's evaluation, add r3")
    code, findings = check(ledger)
    assert (code, findings) == (0, [])
    # Then r3 starts training: approved -> training with its run recorded.
    edit(ledger, REGISTER, "    status: approved", "    status: training\n    run:\n      started_at: 2026-03-01T08:00:00Z\n"
         "      configuration: {method: lora, learning_rate: 1.0e-4, epochs: 2, batch_size: 32, lora: {rank: 8, alpha: 16, dropout: 0.05},"
         " regularisation: [weight_decay=0.01]}\n      deviations: []")  # fmt: skip
    commit(ledger, "r3 training")
    code, findings = check(ledger)
    assert history(findings) == []
    assert code == 0, findings


def test_without_base_check_does_not_need_git(tmp_path: Path) -> None:
    repo = build_ledger_repo(tmp_path / "plain")
    done = run_ftgov("check", "--repo-root", str(repo), "--jobs", "1", env={"PATH": "/nonexistent"})
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_unknown_ref_is_exit_2_in_one_line(ledger: Path) -> None:
    done = run_ftgov("check", "--base", "no-such-branch", "--repo-root", str(ledger))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "no-such-branch" in done.stderr and "Traceback" not in done.stderr


def test_no_git_repository_is_exit_2_in_one_line(tmp_path: Path) -> None:
    repo = tmp_path / "not-git"
    shutil.copytree(FIXTURES / "register", repo)
    done = run_ftgov("check", "--base", "main", "--repo-root", str(repo), env={"GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--base main" in done.stderr and "not in a git working tree" in done.stderr
