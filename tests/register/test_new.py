"""`ftgov new MODEL`: the scaffolded round fails `ftgov check` only on its placeholders, and passes once they are written.

Built on the tests' own register fixture (model `ledger`: r1 deployed, r2 evaluated,
r3 approved) copied into a temporary directory.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ..conftest import run_ftgov
from ..repository import build_ledger_repo

REGISTER = "registers/ledger.yaml"


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return build_ledger_repo(tmp_path / "governance")


def check(repo: Path) -> tuple[int, list[dict[str, object]]]:
    done = run_ftgov("check", "--format", "json", "--repo-root", str(repo), "--jobs", "1")
    return done.returncode, json.loads(done.stdout)["findings"]


def fill(text: str) -> str:
    """What the team writes in place of each TODO."""
    for placeholder, written in (
        ("{capability: TODO, description: TODO}", "{capability: small talk, description: replies to chit-chat may get shorter}"),
        ("[TODO]", "[explanations that fit the working paper template]"),
        ("[TODO when to roll back]", "[any regression boundary fails on the shadow set]"),
        ("{suite: TODO, task: TODO, name: TODO}", "{suite: lm-eval, task: brevity, name: acc}"),
        ("reference: TODO}", "reference: RIGHTS-2026-031}"),
        ("{technical_lead: TODO, risk_reviewer: TODO}", "{technical_lead: dana-ml, risk_reviewer: raj-risk}"),
        ("records: 0,", "records: 4000,"),
        ("records: 0}", "records: 400}"),
    ):
        text = text.replace(placeholder, written)
    text = re.sub(r"(?m)^(\s*[a-z_]+): TODO[^\n]*$", r"\1: written out in full by the team that proposes this round", text)
    assert not re.search(r"\bTODO\b", re.sub(r"#[^\n]*", "", text))  # only comments still say TODO
    return text


def test_next_round_fails_only_on_placeholders_then_passes_when_written(ledger: Path) -> None:
    register_before = (ledger / REGISTER).read_bytes()
    done = run_ftgov("new", "ledger", "--repo-root", str(ledger))
    assert done.returncode == 0, done.stderr
    assert "objectives/ledger/ledger-r4.yaml" in done.stdout
    objective = ledger / "objectives" / "ledger" / "ledger-r4.yaml"
    text = objective.read_text()
    assert "  parent: ledger-r3\n" in text and "  base: example-org/base-model@0a1b2c3\n" in text
    assert "owners: {technical_lead: dana-ml, risk_reviewer: raj-risk}" in text
    assert "  - id: harmful-refusal\n" in text and "    safety: true\n" in text  # the policy's standing suite
    # The inherited stack, as comments: round 1's criterion anchored at what round 1 achieved.
    assert "#   ledger-r1/reconcile [success] lm-eval/reconcile/acc: min_improvement 0.05 vs base (recorded 0.6); achieved 0.7" in text
    assert "#   ledger-r2/tone [success]" in text
    # The register: the old bytes untouched, the proposed round appended.
    register_after = (ledger / REGISTER).read_bytes()
    assert register_after == register_before + b"  - objective: ledger-r4\n    status: proposed\n"

    code, findings = check(ledger)
    assert code == 1
    errors = {(f["rule"], f["path"]) for f in findings if f["severity"] == "error"}
    assert errors == {("FTG201", "objectives/ledger/ledger-r4.yaml")}
    assert len([f for f in findings if f["rule"] == "FTG201"]) >= 8

    objective.write_text(fill(text))
    code, findings = check(ledger)
    assert [f for f in findings if f["severity"] == "error"] == []
    assert code == 0


def test_parent_named_explicitly_and_comments_in_the_register_kept(ledger: Path) -> None:
    register = ledger / REGISTER
    commented = "# the ledger model's history\n" + register.read_text().replace("rounds:\n", "rounds:  # oldest first\n")
    register.write_text(commented)
    done = run_ftgov("new", "ledger", "--parent", "ledger-r3", "--repo-root", str(ledger))
    assert done.returncode == 0, done.stderr
    assert register.read_text() == commented + "  - objective: ledger-r4\n    status: proposed\n"


def test_round_one_of_a_new_model_creates_its_register(ledger: Path) -> None:
    done = run_ftgov("new", "scribe", "--base-model", "example-org/base-model@0a1b2c3", "--repo-root", str(ledger))
    assert done.returncode == 0, done.stderr
    assert "(created)" in done.stdout
    objective = ledger / "objectives" / "scribe" / "scribe-r1.yaml"
    assert "parent:" not in objective.read_text() and "  to: base\n" in objective.read_text()
    assert (ledger / "registers" / "scribe.yaml").read_text().endswith("rounds:\n  - objective: scribe-r1\n    status: proposed\n")
    code, findings = check(ledger)
    assert code == 1
    assert {(f["rule"], f["path"]) for f in findings if f["severity"] == "error"} == {("FTG201", "objectives/scribe/scribe-r1.yaml")}
    objective.write_text(fill(objective.read_text()))
    code, findings = check(ledger)
    assert [f for f in findings if f["severity"] == "error"] == []
    assert code == 0


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("new", "ledger", "--parent", "ledger-r9"), "--parent ledger-r9"),
        (("new", "scribe"), "--base-model"),
        (("new", "scribe", "--base-model", "not-a-checkpoint"), "--base-model 'not-a-checkpoint'"),
        (("new", "Ledger!"), "'Ledger!'"),
    ],
)
def test_bad_input_is_exit_2_in_one_line(ledger: Path, args: tuple[str, ...], says: str) -> None:
    before = sorted(p.relative_to(ledger) for p in ledger.rglob("*"))
    done = run_ftgov(*args, "--repo-root", str(ledger))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and says in done.stderr, done.stderr
    assert sorted(p.relative_to(ledger) for p in ledger.rglob("*")) == before  # nothing written


def test_an_existing_objective_is_never_overwritten(ledger: Path) -> None:
    (ledger / "objectives" / "ledger" / "ledger-r4.yaml").write_text("kept\n")
    done = run_ftgov("new", "ledger", "--repo-root", str(ledger))
    assert done.returncode == 0, done.stderr
    assert (ledger / "objectives" / "ledger" / "ledger-r4.yaml").read_text() == "kept\n"
    assert (ledger / "objectives" / "ledger" / "ledger-r5.yaml").is_file()
