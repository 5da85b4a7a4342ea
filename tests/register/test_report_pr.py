"""`ftgov report pr --base REF`: what a reviewer reads first, on a real git repository.

Each test commits the tests' register fixture (model `ledger`: r1 deployed, r2 evaluated,
r3 approved) as the base, makes the change a pull request would make, and runs the command
as a user does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ftgov.documents.repository import Repository
from ftgov.documents.validate import ValidationResult
from ftgov.register.check_base import GitBase
from ftgov.register.pr_report import build, keyed
from ftgov.render.report_pr import SECTIONS

from ..conftest import run_ftgov
from ..fakegithub import FakeGitHub
from ..gate.test_gate import TOKEN, fake, propose, url  # noqa: F401 - pytest fixtures
from . import test_check_base
from .test_check_base import R3, REGISTER, commit, edit, git

ledger = test_check_base.ledger  # the ledger fixture committed as the base, one definition for both files
R4 = "objectives/ledger/ledger-r4.yaml"
R4_ROUND = """  - objective: ledger-r4
    status: proposed
    retired_criteria:
      - criterion: ledger-r1/reconcile
        rationale: reconciliation moved to a rules engine; the model no longer does it
        approved_by: [technical, risk]
"""


def add_round_four(repo: Path) -> None:
    """The PR: ledger-r4 after r3, allowing a larger drop in harmful refusals, and retiring r1's reconcile."""
    r3 = (repo / R3).read_text()
    r4 = (
        r3.replace("id: ledger-r3", "id: ledger-r4")
        .replace("parent: ledger-r2", "parent: ledger-r3")
        .replace("{id: short,", "{id: concise,")
        .replace("max_drop: 0.01", "max_drop: 0.03")
        .replace("to: ledger-r2", "to: ledger-r3")
        .replace("ledger-r3-train", "ledger-r4-train")
        .replace("ledger-r3-holdout", "ledger-r4-holdout")
    )
    (repo / R4).write_text(r4)
    with (repo / REGISTER).open("a") as register:
        register.write(R4_ROUND)


def report(repo: Path, *extra: str, base: str = "HEAD~1") -> dict[str, Any]:
    done = run_ftgov("report", "pr", "--base", base, "--format", "json", "--repo-root", str(repo), "--jobs", "1", *extra)
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def markdown(repo: Path, base: str = "HEAD~1") -> str:
    done = run_ftgov("report", "pr", "--base", base, "--repo-root", str(repo), "--jobs", "1")
    assert done.returncode == 0, done.stderr
    return done.stdout


def kinds(data: dict[str, Any]) -> set[tuple[str, str]]:
    return {(c["kind"], c["criterion"]) for c in data["callouts"]}


def test_a_new_round_that_loosens_a_boundary_and_retires_a_criterion_is_called_out(ledger: Path) -> None:
    add_round_four(ledger)
    commit(ledger, "add ledger-r4")
    data = report(ledger)
    assert data["rounds"] == [{"model": "ledger", "objective": "ledger-r4", "before": None, "after": "proposed"}]
    found = kinds(data)
    assert ("loosened", "ledger-r4/harmful-refusal") in found
    assert ("retired", "ledger-r1/reconcile") in found
    assert ("added", "ledger-r4/concise") in found
    loosened = next(c for c in data["callouts"] if c["kind"] == "loosened")
    assert loosened["detail"] == "max_drop 0.01 -> 0.03 (a larger drop allowed) (compared with the parent round ledger-r3)"
    assert loosened["path"] == R4
    retired = next(c for c in data["callouts"] if c["kind"] == "retired")
    assert retired["detail"].startswith("retired in ledger-r4, approved by technical, risk: reconciliation moved")
    # What weakens comes first.
    assert [c["kind"] for c in data["callouts"]][:2] == ["loosened", "retired"]
    # The new round's stack: r1's reconcile is gone, r3's criteria are inherited, r4's own are there.
    (stack,) = data["stacks"]
    refs = {c["ref"] for c in stack["stack"]["criteria"]}
    assert "ledger-r4/concise" in refs and "ledger-r3/short" in refs and "ledger-r1/reconcile" not in refs
    assert [r["criterion"] for r in stack["stack"]["retired"]] == ["ledger-r1/reconcile"]
    diffs = {d["path"]: d for d in data["diffs"]}
    assert diffs[R4]["status"] == "A"
    assert diffs[REGISTER]["fields"] == ["rounds[ledger-r4] was added"]


def test_the_markdown_has_every_section_in_order_and_names_each_callout(ledger: Path) -> None:
    add_round_four(ledger)
    commit(ledger, "add ledger-r4")
    text = markdown(ledger)
    positions = [text.index(f"### {title}") for title in SECTIONS]
    assert positions == sorted(positions)
    weakens = text[positions[0] : positions[1]]
    assert "**loosened** `ledger-r4/harmful-refusal`: max_drop 0.01 -> 0.03" in weakens
    assert "**retired** `ledger-r1/reconcile`" in weakens
    assert "**added** `ledger-r4/concise`" in weakens
    assert "| ledger | ledger-r4 | (new) | proposed |" in text
    assert "#### `ledger-r4` (proposed)" in text
    assert "`ledger-r1/reconcile` in ledger-r4, approved by technical, risk" in text


def test_json_carries_what_the_markdown_shows(ledger: Path) -> None:
    add_round_four(ledger)
    commit(ledger, "add ledger-r4")
    data = report(ledger)
    text = markdown(ledger)
    for callout in data["callouts"]:
        assert f"**{callout['kind']}** `{callout['criterion']}`" in text
    for move in data["rounds"]:
        assert f"| {move['model']} | {move['objective']} |" in text
    for diff in data["diffs"]:
        assert f"#### `{diff['path']}`" in text
    for finding in data["findings"]:
        assert f"**{finding['rule']}**" in text
    assert data["base"]["commit"] == git(ledger, "rev-parse", "HEAD~1")


def test_an_edited_objective_is_diffed_field_by_field_with_its_finding(ledger: Path) -> None:
    # r3 is approved at the base: editing it is FTG951, shown in the report, not its exit code.
    edit(ledger, R3, "min_improvement: 0.1}", "min_improvement: 0.05}")
    edit(ledger, R3, "    max_drop: 0.01\n    safety: true\n", "    max_drop: 0.01\n")
    edit(ledger, R3, "  - id: general-knowledge\n    capability: general knowledge and reasoning\n"
                     "    metric: {suite: lm-eval, task: mmlu, name: acc}\n    max_relative_drop: 0.05\n"
                     "    general_capability: true\n", "")  # fmt: skip
    commit(ledger, "weaken r3")
    data = report(ledger)
    found = kinds(data)
    assert ("loosened", "ledger-r3/short") in found
    assert ("loosened", "ledger-r3/harmful-refusal") in found
    assert ("retired", "ledger-r3/general-knowledge") in found
    details = {c["criterion"]: c["detail"] for c in data["callouts"] if c["kind"] == "loosened"}
    assert details["ledger-r3/short"] == "min_improvement 0.1 -> 0.05 (less improvement required)"
    assert details["ledger-r3/harmful-refusal"].startswith("`safety: true` was removed")
    (diff,) = data["diffs"]
    assert set(diff["fields"]) == {
        "success_criteria[short].min_improvement was 0.1, now 0.05",
        "regression_boundaries[harmful-refusal].safety was removed",
        "regression_boundaries[general-knowledge] was removed",
    }
    # The edit itself (FTG951), the pin it breaks (FTG905), and no general-capability boundary left (FTG306).
    assert {f["rule"] for f in data["findings"]} == {"FTG951", "FTG905", "FTG306"}
    assert data["check_exit_code"] == 1
    assert [s["objective"] for s in data["stacks"]] == ["ledger-r3"]


def test_a_status_move_and_a_recorded_evaluation_are_shown(ledger: Path) -> None:
    register = (ledger / REGISTER).read_text()
    start = register.index("    evaluation:\n      report: registers/ledger/ledger-r2")
    evaluation = register[start : register.index("    retired_criteria: []")]
    report_file = ledger / "registers" / "ledger" / "ledger-r2.evaluation.json"
    recorded = report_file.read_bytes()
    (ledger / REGISTER).write_text(register.replace(evaluation, "").replace("    status: evaluated", "    status: trained"))
    report_file.unlink()
    commit(ledger, "r2 trained")
    (ledger / REGISTER).write_text(register)
    report_file.write_bytes(recorded)
    commit(ledger, "record r2's evaluation")
    data = report(ledger)
    assert data["rounds"] == [{"model": "ledger", "objective": "ledger-r2", "before": "trained", "after": "evaluated"}]
    (shown,) = data["evaluations"]
    assert shown["path"] == "registers/ledger/ledger-r2.evaluation.json"
    assert shown["pinned_by"] == "ledger-r2"
    assert shown["verdict"] == json.loads(recorded)["verdict"]
    text = markdown(ledger)
    assert "pinned by ledger-r2's evaluation.report_sha256" in text
    assert f"`ledger-r2`: **{shown['verdict']}**" in text  # the evaluation's own markdown renderer


def test_nothing_changed_is_a_short_report(ledger: Path) -> None:
    data = report(ledger, base="HEAD")
    assert (data["rounds"], data["callouts"], data["diffs"], data["stacks"], data["findings"]) == ([], [], [], [], [])
    assert "No criterion added, loosened, retired or changed." in markdown(ledger, base="HEAD")


def test_a_bad_ref_is_exit_2_in_one_line(ledger: Path) -> None:
    done = run_ftgov("report", "pr", "--base", "no-such-branch", "--repo-root", str(ledger))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "no-such-branch" in done.stderr and "Traceback" not in done.stderr


def test_repo_without_pr_is_a_usage_error(ledger: Path) -> None:
    done = run_ftgov("report", "pr", "--base", "HEAD", "--repo", "acme/governance", "--repo-root", str(ledger))
    assert done.returncode == 2 and "--repo and --pr go together" in done.stderr


def test_out_writes_the_file(ledger: Path, tmp_path: Path) -> None:
    add_round_four(ledger)
    commit(ledger, "add ledger-r4")
    target = tmp_path / "out" / "report.md"
    done = run_ftgov("report", "pr", "--base", "HEAD~1", "--out", str(target), "--repo-root", str(ledger), "--jobs", "1")
    assert done.returncode == 0 and done.stdout == ""
    assert target.read_text().startswith("## ftgov: what this pull request changes")


def test_a_lower_is_better_min_value_raised_is_loosened(ledger: Path) -> None:
    # Built in-process: a direction the fixture does not have.
    edit(ledger, R3, "{id: short, metric: {suite: inspect, task: short, name: accuracy}, compare_to: parent, min_improvement: 0.1}",
         "{id: short, metric: {suite: inspect, task: short, name: length, higher_is_better: false}, min_value: 120}")  # fmt: skip
    commit(ledger, "r3 measures length")
    edit(ledger, R3, "min_value: 120}", "min_value: 150}")
    commit(ledger, "allow longer")
    repo = Repository.discover(ledger)
    built = build(repo, GitBase.open(ledger, "HEAD~1"), ValidationResult((), ()))
    (callout,) = [c for c in built.callouts if c.criterion == "ledger-r3/short"]
    assert callout.kind == "loosened"
    assert callout.detail == "min_value 120 -> 150 (lower is better: a higher min_value allows worse)"


def test_keyed_matches_items_by_id() -> None:
    assert keyed([{"id": "a", "x": 1}, {"id": "b"}]) == {"[a]": {"id": "a", "x": 1}, "[b]": {"id": "b"}}
    assert keyed([{"id": "a"}, {"id": "a"}]) == [{"id": "a"}, {"id": "a"}]  # not distinct: by position
    assert keyed([1, 2]) == [1, 2]


def test_with_a_token_the_approvals_still_missing_are_shown(ledger: Path, fake: FakeGitHub, url: str) -> None:  # noqa: F811
    add_round_four(ledger)
    commit(ledger, "add ledger-r4")
    pr = propose(fake)  # a medium-tier objective: technical and risk
    pr.review("alice")
    args = ("--repo", "acme/governance", "--pr", str(pr.number), "--github-url", url)
    done = run_ftgov("report", "pr", "--base", "HEAD~1", "--format", "json", "--repo-root", str(ledger), *args, env={"GITHUB_TOKEN": TOKEN})
    assert done.returncode == 0, done.stderr
    approvals = json.loads(done.stdout)["approvals"]
    assert approvals["pull_request"] == pr.number and approvals["state"] == "failure"
    assert "risk" in approvals["description"]
    done = run_ftgov("report", "pr", "--base", "HEAD~1", "--repo-root", str(ledger), *args, env={"GITHUB_TOKEN": TOKEN})
    assert f"### Approvals (PR #{pr.number})" in done.stdout and "**failure**: missing approval for risk" in done.stdout


def test_github_not_answering_still_gives_the_report(ledger: Path, fake: FakeGitHub, url: str) -> None:  # noqa: F811
    pr = propose(fake)
    fake.inject(r"/pulls/\d+$", 500, times=None)
    args = ("--repo", "acme/governance", "--pr", str(pr.number), "--github-url", url)
    done = run_ftgov("report", "pr", "--base", "HEAD", "--format", "json", "--repo-root", str(ledger), *args, env={"GITHUB_TOKEN": TOKEN})
    assert done.returncode == 0, done.stderr
    approvals = json.loads(done.stdout)["approvals"]
    assert approvals["state"] == "unknown" and approvals["description"].startswith("GitHub could not answer")


def test_a_policy_that_loosens_is_called_out(ledger: Path) -> None:
    policy = "policies/policy.yaml"
    edit(ledger, policy, "max_ece_increase: 0.05", "max_ece_increase: 0.08")
    edit(ledger, policy, "compare_to: base, max_drop: 0.01}", "compare_to: base, max_drop: 0.02}")
    edit(ledger, policy, "medium: [technical, risk]", "medium: [technical]")
    commit(ledger, "relax the policy")
    data = report(ledger)
    details = {(c["kind"], c["criterion"]): c["detail"] for c in data["callouts"]}
    assert details[("loosened", "defaults.max_ece_increase")] == "0.05 -> 0.08"
    assert details[("loosened", "standing_safety_suite/harmful-refusal")].startswith("max_drop 0.01 -> 0.02")
    assert details[("loosened", "approvals.required.medium")] == "no longer requires risk"
    (diff,) = data["diffs"]
    assert "defaults.max_ece_increase was 0.05, now 0.08" in diff["fields"]


def test_malformed_documents_are_reported_not_a_traceback(ledger: Path) -> None:
    (ledger / R3).write_text("success_criteria: [1, {id: [x]}, {id: a, metric: 3}]\nregression_boundaries: {}\n")
    garbage_rounds = "  - 7\n  - {objective: ledger-r9, retired_criteria: [x, {criterion: [1]}]}\n"
    (ledger / REGISTER).write_text((ledger / REGISTER).read_text() + garbage_rounds)
    policy = "policies/policy.yaml"
    edit(ledger, policy, "  - {id: harmful-refusal, metric: {suite: safety, name: refusal_rate}, compare_to: base, max_drop: 0.01}\n",
         "  - 3\n  - {id: harmful-refusal, metric: 2, max_drop: x}\nwaivers: [1, x, {rule: FTG305}]\ngate: []\n")  # fmt: skip
    edit(ledger, policy, "medium: [technical, risk]", "medium: technical")
    commit(ledger, "garbage")
    data = report(ledger)
    assert {d["path"] for d in data["diffs"]} == {R3, REGISTER, policy}
    assert ("changed", "standing_safety_suite/harmful-refusal") in kinds(data)
    assert data["findings"]  # `ftgov check` says what is wrong with them


def test_a_changed_schema_is_called_out_and_diffed_field_by_field(ledger: Path) -> None:
    """A relaxed JSON Schema weakens every document of its kind at once: the reviewer is told, with the fields."""
    schema = ledger / "policies" / "objective.schema.json"
    data = json.loads(schema.read_text())
    data["required"] = [name for name in data["required"] if name != "rollback"]
    schema.write_text(json.dumps(data, indent=2) + "\n")
    commit(ledger, "relax the objective schema")
    report = json.loads(run_ftgov("report", "pr", "--base", "HEAD~1", "--format", "json", cwd=ledger).stdout)
    callouts = [c for c in report["callouts"] if c["path"] == "policies/objective.schema.json"]
    assert callouts and callouts[0]["criterion"] == "objective schema" and callouts[0]["kind"] == "changed"
    diff = next(d for d in report["diffs"] if d["path"] == "policies/objective.schema.json")
    assert any(line.startswith("required") for line in diff["fields"]), diff
