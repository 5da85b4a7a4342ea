"""pre-commit as an adopting repository meets it: a real git repository, the shipped hook, real commits.

The hook is the one .pre-commit-hooks.yaml ships, run as a `repo: local` hook of the ftgov
installed beside this interpreter (as .pre-commit-config.yaml does here), so the test needs
no network and no hook environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from ..conftest import ROOT

POLICY = """\
apiVersion: ftgov/v1
kind: Policy
approvals:
  teams: {technical: org/tech, risk: org/risk, independent: org/validation}
  required: {low: [technical], medium: [technical, risk], high: [technical, risk, independent]}
standing_safety_suite:
  - {id: harmful-refusal, metric: {suite: safety, name: refusal_rate}, compare_to: base, max_drop: 0.01}
defaults: {general_capability_max_relative_drop: 0.10, tail_max_relative_drop: 0.15, max_ece_increase: 0.05}
"""


def objective(ident: str, parent: str | None) -> str:
    """A valid objective of model `triage`; round 2 names round 1 as parent and rollback target."""
    lineage = f"  parent: {parent}\n" if parent else ""
    return f"""\
apiVersion: ftgov/v1
kind: FineTuneObjective
id: {ident}
model:
  name: triage
  base: example-org/base-model@0a1b2c3
{lineage}  risk_tier: medium
  domain: general
rationale: Agents route tickets by hand because the model picks the wrong queue.
hypothesis: Labelled routing decisions from the last year teach the queue boundaries.
expected_gains: [tickets routed to the right queue]
accepted_tradeoffs:
  - {{capability: answer length, description: routing notes may get shorter}}
success_criteria:
  - {{id: routing, metric: {{suite: lm-eval, task: routing, name: acc}}, compare_to: base, min_improvement: 0.1}}
regression_boundaries:
  - id: general-knowledge
    capability: general knowledge and reasoning
    metric: {{suite: lm-eval, task: mmlu, name: acc}}
    max_relative_drop: 0.05
    general_capability: true
  - id: harmful-refusal
    capability: refuses harmful requests
    metric: {{suite: safety, name: refusal_rate}}
    max_drop: 0.01
    safety: true
dataset:
  summary: 20k routed tickets with the queue an agent finally chose
  sources:
    - {{name: routed-tickets, records: 20000, split: train, rights: {{status: cleared, reference: RIGHTS-7}}}}
  validation: {{source: routing-holdout, records: 1000}}
  replay_fraction: 0.1
configuration_plan: {{method: lora, learning_rate: 1.0e-4, epochs: 2, batch_size: 32}}
rollback:
  to: {parent or "example-org/base-model@0a1b2c3"}
  criteria: [any regression boundary fails]
owners: {{technical_lead: dana-ml, risk_reviewer: raj-risk}}
"""


def consumer_repository(root: Path) -> Path:
    """An organisation's governance repository: policy and two rounds, no schemas copied."""
    (root / "policies").mkdir(parents=True)
    (root / "policies" / "policy.yaml").write_text(POLICY)
    folder = root / "objectives" / "triage"
    folder.mkdir(parents=True)
    (folder / "triage-r1.yaml").write_text(objective("triage-r1", None))
    (folder / "triage-r2.yaml").write_text(objective("triage-r2", "triage-r1"))
    return root


def ftgov_executable() -> str:
    found = Path(sys.executable).parent / "ftgov"
    return str(found) if found.is_file() else shutil.which("ftgov") or pytest.fail("no ftgov executable beside this python")


def local_hooks() -> list[dict[str, Any]]:
    """The shipped hooks as `repo: local` hooks of the installed ftgov."""
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    local = []
    for hook in hooks:
        command = hook["entry"].split()
        assert command[0] == "ftgov"
        hook = {**hook, "entry": " ".join([ftgov_executable(), *command[1:]]), "language": "unsupported"}
        hook.pop("minimum_pre_commit_version", None)
        local.append(hook)
    return local


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """git and pre-commit confined to tmp_path: no user config, cache or token."""
    home = tmp_path / "home"
    home.mkdir()
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT")) and k not in ("GITHUB_TOKEN", "GH_TOKEN")}
    return {
        **keep,
        "HOME": str(home),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Dana",
        "GIT_AUTHOR_EMAIL": "dana@example.com",
        "GIT_COMMITTER_NAME": "Dana",
        "GIT_COMMITTER_EMAIL": "dana@example.com",
    }


def run(env: dict[str, str], cwd: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def pre_commit(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(env, cwd, sys.executable, "-m", "pre_commit", *args)


@pytest.fixture
def hooked(tmp_path: Path, env: dict[str, str]) -> Path:
    """A git repository holding a valid r1, r2 pair, with the hook installed and committed."""
    repo = consumer_repository(tmp_path / "governance")
    config = {"repos": [{"repo": "local", "hooks": local_hooks()}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    assert run(env, repo, "git", "init", "-q", "-b", "main").returncode == 0
    run(env, repo, "git", "add", ".")
    installed = pre_commit(env, repo, "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    first = run(env, repo, "git", "commit", "-q", "-m", "triage r1 and r2")
    assert first.returncode == 0, first.stdout + first.stderr
    return repo


def finding_lines(output: str, code: str) -> list[str]:
    return [line for line in output.splitlines() if f" {code} " in line]


def test_the_local_config_runs_the_hook_this_repository_ships() -> None:
    shipped = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    own = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    keys = ("id", "entry", "pass_filenames", "always_run", "stages")
    assert [{k: h.get(k) for k in keys} for h in own] == [{k: h.get(k) for k in keys} for h in shipped]


def test_committing_the_removal_of_a_parent_is_refused(hooked: Path, env: dict[str, str]) -> None:
    assert run(env, hooked, "git", "rm", "-q", "objectives/triage/triage-r1.yaml").returncode == 0
    staged = pre_commit(env, hooked, "run")
    assert staged.returncode == 1, staged.stdout + staged.stderr
    assert finding_lines(staged.stdout, "FTG403") and finding_lines(staged.stdout, "FTG405")
    # The same through git itself: the commit does not happen.
    commit = run(env, hooked, "git", "commit", "-q", "-m", "drop r1")
    assert commit.returncode != 0
    assert "FTG403" in commit.stdout + commit.stderr
    tracked = run(env, hooked, "git", "ls-tree", "-r", "--name-only", "HEAD").stdout.split()
    assert "objectives/triage/triage-r1.yaml" in tracked


def test_a_rename_that_misplaces_an_objective_is_refused(hooked: Path, env: dict[str, str]) -> None:
    (hooked / "objectives" / "other").mkdir()
    moved = run(env, hooked, "git", "mv", "objectives/triage/triage-r2.yaml", "objectives/other/triage-r2.yaml")
    assert moved.returncode == 0
    commit = run(env, hooked, "git", "commit", "-q", "-m", "move r2")
    assert commit.returncode != 0 and "FTG402" in commit.stdout + commit.stderr


def test_all_files_prints_each_finding_once(hooked: Path, env: dict[str, str]) -> None:
    run(env, hooked, "git", "rm", "-q", "objectives/triage/triage-r1.yaml")
    everything = pre_commit(env, hooked, "run", "--all-files")
    assert everything.returncode == 1
    assert len(finding_lines(everything.stdout, "FTG403")) == 1, everything.stdout
    assert len(finding_lines(everything.stdout, "FTG405")) == 1, everything.stdout


def test_a_commit_that_keeps_the_repository_valid_passes(hooked: Path, env: dict[str, str]) -> None:
    r3 = hooked / "objectives" / "triage" / "triage-r3.yaml"
    r3.write_text(objective("triage-r3", "triage-r2"))
    run(env, hooked, "git", "add", str(r3))
    commit = run(env, hooked, "git", "commit", "-q", "-m", "triage r3")
    assert commit.returncode == 0, commit.stdout + commit.stderr


def test_a_repository_without_schemas_is_checked_with_the_packaged_ones(tmp_path: Path, env: dict[str, str]) -> None:
    repo = consumer_repository(tmp_path / "governance")
    assert not list((repo / "policies").glob("*.schema.json"))
    passed = run(env, repo, ftgov_executable(), "check")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    # The packaged schema is really applied: a wrong value is still caught.
    broken = (repo / "objectives" / "triage" / "triage-r1.yaml").read_text().replace("risk_tier: medium", "risk_tier: extreme")
    (repo / "objectives" / "triage" / "triage-r1.yaml").write_text(broken)
    failed = run(env, repo, ftgov_executable(), "check")
    assert failed.returncode == 1 and "FTG103" in failed.stdout


def test_a_repository_that_holds_a_schema_is_checked_with_its_own(tmp_path: Path, env: dict[str, str]) -> None:
    repo = consumer_repository(tmp_path / "governance")
    stricter = json.loads((ROOT / "policies" / "objective.schema.json").read_text())
    stricter["properties"]["rationale"]["maxLength"] = 20
    (repo / "policies" / "objective.schema.json").write_text(json.dumps(stricter))
    done = run(env, repo, ftgov_executable(), "check")
    assert done.returncode == 1 and "FTG103" in done.stdout and "rationale" in done.stdout


def test_the_installed_wheel_carries_its_schemas(tmp_path: Path, env: dict[str, str]) -> None:
    """A consumer's hook installs ftgov from a wheel, not a checkout: the schemas must be inside it.

    Built and installed offline: the build backend (hatchling) comes from the test extra,
    not from PyPI at test time. pip reads no configuration (no index, mirror or find-links)
    and may consult no index, so anything it tried to fetch would fail the test.
    """
    site, dist = tmp_path / "site", tmp_path / "dist"
    offline = {k: v for k, v in env.items() if not k.startswith("PIP_")}
    offline.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    pip = (sys.executable, "-m", "pip")
    built = run(offline, tmp_path, *pip, "wheel", "-q", "--no-build-isolation", "--no-deps", "--wheel-dir", str(dist), str(ROOT))
    assert built.returncode == 0, built.stderr
    [wheel] = dist.glob("ftgov-*.whl")
    installed = run(offline, tmp_path, *pip, "install", "-q", "--no-deps", "--no-compile", "--target", str(site), str(wheel))
    assert installed.returncode == 0, installed.stderr
    assert (site / "ftgov" / "schemas" / "objective.schema.json").is_file()
    repo = consumer_repository(tmp_path / "governance")
    wheel_env = {**env, "PYTHONPATH": str(site)}
    probe = "from ftgov.documents.schemas import packaged_schema_file as f; print(f('objective'))"
    where = run(wheel_env, repo, sys.executable, "-c", probe)
    assert Path(where.stdout.strip()) == site / "ftgov" / "schemas" / "objective.schema.json", where.stderr
    done = run(wheel_env, repo, sys.executable, "-m", "ftgov", "check")
    assert done.returncode == 0, done.stdout + done.stderr
