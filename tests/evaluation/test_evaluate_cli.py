"""`ftgov evaluate` through the command line, on the `ledger` fixture repository (tests/fixtures/register).

Results are ftgov's generic format in tests/fixtures/evaluate/results: a base run, round 2,
and two round-3 candidates: one holding everything (r3-good) and one whose own criteria
pass while round 1's reconcile accuracy has eroded below its anchored floor (r3-drift).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from ..conftest import FIXTURES, run_ftgov
from ..repository import build_ledger_repo

RESULTS = FIXTURES / "evaluate" / "results"
SETTINGS = {"n_shot": 0, "version": "1"}  # what the fixtures' runs were measured with, kept beside each measured value
REGISTER = "registers/ledger.yaml"
R3_APPROVED = """    objective_sha256: c1f598b08b7ba056ba1e3ec6c3ad3d98bf919e863c59bda8048794d357ea6f41
    status: approved
"""
R3_TRAINED = """    objective_sha256: c1f598b08b7ba056ba1e3ec6c3ad3d98bf919e863c59bda8048794d357ea6f41
    status: trained  # moved here by hand: the test's round has finished training
    approval:
      pull_request: 9
      merged_at: 2026-03-02T10:00:00Z
      commit: c3d4e5f60718293a4b5c6d7e8f9012345678a1b2
    run:
      started_at: 2026-03-03T08:00:00Z
      finished_at: 2026-03-03T12:00:00Z
      configuration:
        method: lora
        learning_rate: 1.0e-4
        epochs: 2
        batch_size: 32
        lora: {rank: 8, alpha: 16, dropout: 0.05}
        regularisation: [weight_decay=0.01]
      deviations: []
"""


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return build_ledger_repo(tmp_path / "repo")


def trained(repo: Path) -> Path:
    """Round 3 approved, trained and waiting for its evaluation."""
    register = repo / REGISTER
    text = register.read_text()
    assert R3_APPROVED in text
    register.write_text(text.replace(R3_APPROVED, R3_TRAINED))
    return repo


def evaluate(repo: Path, objective: str, candidate: str, *extra: str, base: str | None = "base", parent: str | None = "r2"):
    args = ["evaluate", objective, "--candidate", str(RESULTS / candidate), "--repo-root", str(repo)]
    if base is not None:
        args += ["--baseline", str(RESULTS / base)]
    if parent is not None:
        args += ["--parent", str(RESULTS / parent)]
    return run_ftgov(*args, *extra)


def report(repo: Path, candidate: str, **references: str | None) -> dict:
    done = evaluate(repo, "ledger-r3", candidate, "--format", "json", **references)  # type: ignore[arg-type]
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


# Verdicts and exit codes


def test_a_round_that_meets_its_whole_stack_passes(ledger: Path) -> None:
    done = evaluate(ledger, "ledger-r3", "r3-good")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("PASS: ledger-r3 passes: all 9 criteria met")


def test_round_3_fails_on_round_1s_criterion_while_its_own_pass(ledger: Path) -> None:
    found = report(ledger, "r3-drift")
    assert found["verdict"] == "fail"
    assert found["stack"] == ["ledger-r1", "ledger-r2", "ledger-r3"]
    failing = [(c["origin"], c["id"], c["kind"]) for c in found["criteria"] if c["status"] != "pass"]
    assert failing == [("ledger-r1", "reconcile", "inherited")]
    reconcile = found["criteria"][0]
    assert reconcile["floor"] == pytest.approx(0.69) and reconcile["candidate"] == 0.66
    assert "floor 0.69" in reconcile["reason"]
    own = [c for c in found["criteria"] if c["origin"] == "ledger-r3"]
    assert {c["id"] for c in own} == {"short", "general-knowledge", "harmful-refusal"}
    assert all(c["status"] == "pass" for c in own)
    done = evaluate(ledger, "ledger-r3", "r3-drift")
    assert done.returncode == 1


def test_json_carries_designs_shape_and_the_inputs_sha256(ledger: Path) -> None:
    found = report(ledger, "r3-good")
    assert {"objective", "verdict", "criteria"} <= found.keys() and found["objective"] == "ledger-r3"
    for criterion in found["criteria"]:
        assert {"id", "kind", "origin", "metric", "baseline", "candidate", "delta", "ci", "status"} <= criterion.keys()
    given = {"candidate": RESULTS / "r3-good", "base": RESULTS / "base", "parent": RESULTS / "r2"}
    for source in found["inputs"]:  # outside the repository: named by file name, pinned by sha256
        assert source["sha256"] == hashlib.sha256((given[source["role"]] / source["path"]).read_bytes()).hexdigest()
    roles = {source["role"] for source in found["inputs"]}
    assert roles == {"candidate", "base", "parent"}
    assert found["measured"]["lm-eval/reconcile/acc"] == {"base": 0.6, "parent": 0.695, "candidate": 0.7, "settings": SETTINGS}


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("unknown-objective", r"objective ledger-r9 is not at objectives/<model>/ledger-r9\.yaml"),
        ("truncated", r"r3/safety\.json"),
        ("not-results", r"r3/notes\.json"),
        ("empty-directory", r"r3: empty directory"),
        ("no-such-path", r"r3/missing\.json: no such file"),
    ],
)
def test_input_errors_exit_2_in_one_line_naming_the_file(ledger: Path, tmp_path: Path, setup: str, expected: str) -> None:
    candidate = tmp_path / "r3"
    shutil.copytree(RESULTS / "r3-good", candidate)
    objective = "ledger-r9" if setup == "unknown-objective" else "ledger-r3"
    if setup == "truncated":
        text = (candidate / "safety.json").read_text()
        (candidate / "safety.json").write_text(text[: len(text) // 2])
    elif setup == "not-results":
        (candidate / "notes.json").write_text('{"hello": "world"}')
    elif setup == "empty-directory":
        shutil.rmtree(candidate)
        candidate.mkdir()
    target = candidate / "missing.json" if setup == "no-such-path" else candidate
    done = run_ftgov("evaluate", objective, "--candidate", str(target), "--repo-root", str(ledger))
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert re.search(expected, done.stderr), done.stderr


# Formats


def test_text_lists_blocking_criteria_first_with_why(ledger: Path) -> None:
    done = evaluate(ledger, "ledger-r3", "r3-drift")
    lines = done.stdout.splitlines()
    assert lines[0] == "FAIL: ledger-r3 fails: 1 of 9 criteria block (1 fail, 8 pass)."
    first = next(i for i, line in enumerate(lines) if line.startswith("status"))
    assert lines[first + 1].split()[:3] == ["fail", "reconcile", "ledger-r1"]
    assert "why:" in lines[first + 2] and "floor 0.69" in lines[first + 2]


def test_markdown_is_a_pr_comment_verdict_first(ledger: Path) -> None:
    done = evaluate(ledger, "ledger-r3", "r3-drift", "--format", "markdown")
    text = done.stdout
    assert text.startswith("## ❌ `ledger-r3`: **fail**")
    assert text.index("**What blocks:**") < text.index("| | criterion |")
    rows = text[text.index("| | criterion |") :].split("\n\n")[0].splitlines()[2:]
    assert rows[0].startswith("| ❌ fail | reconcile | ledger-r1 (inherited)")
    assert len(rows) == 9
    assert "<details><summary>Method and inputs</summary>" in text
    assert text.count("<details>") == text.count("</details>")


def test_html_is_one_self_contained_file(ledger: Path, tmp_path: Path) -> None:
    out = tmp_path / "report" / "r3.html"
    done = evaluate(ledger, "ledger-r3", "r3-drift", "--format", "html", "--out", str(out))
    assert done.returncode == 1 and done.stdout == ""
    html = out.read_text()
    assert html.lower().startswith("<!doctype html>") and "<svg" in html and "<style>" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), "the report must not fetch anything"
    assert "@import" not in html and "url(" not in html
    # one chart row per criterion, coloured by status
    assert html.count('class="row ') == 9 and html.count('class="row fail"') == 1


# Baselines from the register


def test_omitted_baselines_come_from_the_register(ledger: Path) -> None:
    found = report(ledger, "r3-good", base=None, parent=None)
    assert found["references"]["base"].startswith("recorded in registers/ledger.yaml")
    assert "ledger-r2's measured candidate values" in found["references"]["parent"]
    by_origin = {(c["origin"], c["id"]): c for c in found["criteria"]}
    own_mmlu = by_origin[("ledger-r3", "general-knowledge")]
    # The base value r1 and r2 recorded carries no settings (the register predates them), and the
    # candidate's run records n-shot and version: absent is not equal, so it proves nothing.
    assert own_mmlu["status"] == "missing"
    assert own_mmlu["reason"] == (
        "the base value the register recorded and the candidate run differ: n-shot not recorded vs 0, task version not recorded vs 1"
    )
    short = by_origin[("ledger-r3", "short")]
    assert short["status"] == "missing" and "parent" in short["reason"]  # r2 measured no inspect/short: nowhere
    assert found["verdict"] == "fail"
    register_inputs = [s for s in found["inputs"] if s["format"] == "register"]
    assert {s["role"] for s in register_inputs} == {"base", "parent"}
    # the recorded 0.40 and 0.50 carry no settings, so they are not re-recorded beside the candidate's settings
    assert found["measured"]["lm-eval/tone/acc"] == {"candidate": 0.51, "settings": SETTINGS}


def test_a_given_parent_overrides_the_register(ledger: Path) -> None:
    found = report(ledger, "r3-good", base=None, parent="r2")
    assert found["references"]["parent"].startswith("given: ")
    short = next(c for c in found["criteria"] if c["id"] == "short")
    assert short["status"] == "pass" and short["baseline"] == 0.30


# --record


def test_record_appends_to_the_round_and_check_still_passes(ledger: Path) -> None:
    trained(ledger)
    assert run_ftgov("check", "--repo-root", str(ledger)).returncode == 0
    before = (ledger / REGISTER).read_text()
    done = evaluate(ledger, "ledger-r3", "r3-good", "--format", "json", "--record")
    assert done.returncode == 0, done.stderr
    assert "recorded registers/ledger/ledger-r3.evaluation.json" in done.stderr
    assert "does not yet record" not in done.stderr
    report_file = ledger / "registers" / "ledger" / "ledger-r3.evaluation.json"
    assert report_file.read_text() == done.stdout  # what was shown is what was pinned
    after = (ledger / REGISTER).read_text()
    data = yaml.safe_load(after)
    evaluation = data["rounds"][2]["evaluation"]
    assert data["rounds"][2]["status"] == "evaluated"
    assert evaluation["report_sha256"] == hashlib.sha256(report_file.read_bytes()).hexdigest()
    assert evaluation["verdict"] == "pass" and evaluation["report"] == "registers/ledger/ledger-r3.evaluation.json"
    assert evaluation["measured"]["inspect/short/accuracy"] == {"base": 0.3, "parent": 0.3, "candidate": 0.5, "settings": SETTINGS}
    # every byte outside the added lines is unchanged; the status is replaced in place, its comment kept
    diff = [line for line in difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True)) if line[0] in "+-"]
    assert diff[:2] == [
        "-     status: trained  # moved here by hand: the test's round has finished training\n",
        "+     status: evaluated  # moved here by hand: the test's round has finished training\n",
    ]
    added = [line[2:] for line in diff[2:]]
    assert all(line.startswith("+ ") for line in diff[2:]) and added[0] == "    evaluation:\n"
    assert all(line.startswith("      ") for line in added[1:])
    restored = after.replace("    status: evaluated  # moved", "    status: trained  # moved").replace("".join(added), "")
    assert restored == before
    assert after.rindex("    evaluation:\n") > after.index("      deviations: []\n", after.index("objective: ledger-r3"))
    checked = run_ftgov("check", "--repo-root", str(ledger))
    assert checked.returncode == 0, checked.stdout


def test_record_refuses_a_second_evaluation_of_a_round(ledger: Path) -> None:
    trained(ledger)
    assert evaluate(ledger, "ledger-r3", "r3-good", "--record").returncode == 0
    before = (ledger / REGISTER).read_bytes()
    again = evaluate(ledger, "ledger-r3", "r3-good", "--record")
    assert again.returncode == 1 and "already records an evaluation" in again.stderr
    assert (ledger / REGISTER).read_bytes() == before


def test_a_failing_verdict_is_recorded_as_fail_and_check_agrees(ledger: Path) -> None:
    trained(ledger)
    done = evaluate(ledger, "ledger-r3", "r3-drift", "--record")
    assert done.returncode == 1
    data = yaml.safe_load((ledger / REGISTER).read_text())
    assert data["rounds"][2]["evaluation"]["verdict"] == "fail"
    assert run_ftgov("check", "--repo-root", str(ledger)).returncode == 0


def test_record_refuses_a_round_the_register_lacks_and_names_the_missing_steps(ledger: Path) -> None:
    # A round created as `evaluated` would have no run, which `ftgov check` rejects (FTG906)
    # and `ftgov record-run` can no longer add: --record refuses and writes nothing instead.
    register = ledger / REGISTER
    text = register.read_text()
    register.write_text(text[: text.index("  - objective: ledger-r3\n")])
    before = register.read_bytes()
    done = evaluate(ledger, "ledger-r3", "r3-good", "--record")
    assert done.returncode == 1, done.stderr
    assert "has no round for ledger-r3" in done.stderr and "ftgov new" in done.stderr and "ftgov record-run" in done.stderr
    assert register.read_bytes() == before
    assert not (ledger / "registers" / "ledger" / "ledger-r3.evaluation.json").exists()
    assert run_ftgov("check", "--repo-root", str(ledger)).returncode == 0


def test_record_refuses_without_a_register(ledger: Path) -> None:
    (ledger / REGISTER).unlink()
    shutil.rmtree(ledger / "registers" / "ledger")
    done = evaluate(ledger, "ledger-r1", "r3-good", "--record", parent=None)
    assert done.returncode == 1, done.stderr
    assert "registers/ledger.yaml does not exist" in done.stderr and "ftgov record-run" in done.stderr
    assert not (ledger / REGISTER).exists() and not (ledger / "registers" / "ledger").exists()


# Large inputs: the bootstrap above EXACT_DRAWS agrees with resampling every item


def test_the_large_input_bootstraps_agree_with_resampling_items(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from ftgov.evaluation import statistics as stats

    rng = np.random.default_rng(7)
    n = 3000
    base_conf = rng.uniform(0.3, 1.0, n)
    base_right = (rng.uniform(size=n) < base_conf * 0.95).astype(float)
    cand_conf = np.clip(base_conf + rng.normal(0, 0.05, n), 0, 1)
    cand_right = (rng.uniform(size=n) < cand_conf * 0.9).astype(float)
    scores = rng.gamma(2.0, 1.0, n)
    moved = scores + rng.normal(0.05, 1.0, n)
    found = {}
    for path, budget in (("items", 10**12), ("cells", 0)):
        monkeypatch.setattr(stats, "EXACT_DRAWS", budget)
        ece = stats.paired_ece(base_conf, base_right, cand_conf, cand_right, np.random.default_rng(1), 4000).interval(0.95)
        mean = stats.paired_mean(scores, moved, np.random.default_rng(1), 4000).interval(0.95)
        found[path] = (ece, mean)
    for exact, fast in zip(found["items"], found["cells"], strict=True):
        width = exact.high - exact.low
        assert abs(exact.low - fast.low) < 0.1 * width and abs(exact.high - fast.high) < 0.1 * width
