"""No workflow definition a PR can change ever runs with a secret (issue 8, "Trusted status").

GitHub takes the workflow file from different commits depending on the event: `pull_request*`
runs the PR's merge commit, `push` the pushed branch, `workflow_dispatch` whichever ref the
dispatcher names, `merge_group` the queue's branch. Only a few events always run the default
branch's definition (`workflow_run`, `schedule`, `issue_comment`, ...) or the base's
(`pull_request_target`). A job that reads a secret other than GITHUB_TOKEN may only be
triggered by those, must keep its secret in an environment (restricted to the default branch
in the repository settings), and must never check out the PR's code.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ..conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
DEFAULT_BRANCH = "main"
# Events whose run uses the default branch's workflow file (pull_request_target: the base's,
# which the environment's branch rule then limits to the default branch). Anything not listed,
# including events GitHub adds later, counts as PR-controlled.
DEFINITION_FROM_DEFAULT_BRANCH = frozenset(
    {"workflow_run", "pull_request_target", "schedule", "repository_dispatch", "issue_comment", "issues"}
)
_SECRET = re.compile(r"\bsecrets\b(?:\s*\.\s*([A-Za-z_][A-Za-z0-9_]*))?")
# What names the PR's own commits, in a checkout's ref/repository or in a script.
_PR_CODE = (
    "github.event.pull_request.head",
    "github.event.pull_request.merge_commit_sha",
    "github.head_ref",
    "github.event.workflow_run.head",
    "refs/pull/",
    "gh pr checkout",
)


def _events(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads a bare `on` key as the boolean true.
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {str(event): None for event in on}
    if isinstance(on, dict):
        return {str(event): config for event, config in on.items()}
    raise AssertionError(f"unreadable `on:` {on!r}")


def _pr_controlled(event: str, config: Any) -> bool:
    if event == "push":
        # Only a push to the default branch runs the default branch's definition; tags and
        # branch globs or ignore-lists let any pushed ref run its own.
        default_only = isinstance(config, dict) and config.get("branches") == [DEFAULT_BRANCH]
        return not (default_only and set(config) <= {"branches", "paths", "paths-ignore"})
    return event not in DEFINITION_FROM_DEFAULT_BRANCH


def _secrets_read(workflow: dict[Any, Any], job: dict[str, Any]) -> set[str]:
    """Secrets a job can read: its own references, the workflow's env, and `secrets: inherit`."""
    text = json.dumps({"workflow_env": workflow.get("env"), "job": job})
    names = {m.group(1) or "secrets" for m in _SECRET.finditer(text)}
    if job.get("secrets") == "inherit":
        names.add("inherit")
    return names - {"GITHUB_TOKEN"}


def _checks_out_pr_code(job: dict[str, Any]) -> list[str]:
    found = []
    for step in job.get("steps") or []:
        uses = str(step.get("uses", ""))
        options = step.get("with") or {}
        looked_at = [str(options.get("ref", "")), str(options.get("repository", ""))] if uses.startswith("actions/checkout@") else []
        looked_at.append(str(step.get("run", "")))
        found += [marker for marker in _PR_CODE for text in looked_at if marker in text]
    return found


def violations(path: Path) -> list[str]:
    """Every way the workflow at path lets a PR-controlled definition reach a secret."""
    workflow = yaml.safe_load(path.read_text())
    events = _events(workflow)
    controlled = sorted(e for e, config in events.items() if _pr_controlled(e, config))
    found: list[str] = []
    for name, job in (workflow.get("jobs") or {}).items():
        secrets = _secrets_read(workflow, job)
        if not secrets:
            continue
        where = f"{path.name}: job {name} reads {', '.join(sorted(secrets))}"
        if controlled:
            found.append(f"{where} and runs on {', '.join(controlled)}, whose workflow definition a PR or a pushed branch controls")
        if not job.get("environment"):
            found.append(f"{where} without an environment: (keep the secret in one restricted to {DEFAULT_BRANCH})")
        found += [f"{where} and checks out PR code ({marker})" for marker in _checks_out_pr_code(job)]
    return found


def test_there_are_workflows_to_check() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ftgov.yaml", "ftgov-approvals.yaml", "ftgov-review-event.yaml", "ftgov-attest.yaml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_no_pr_controlled_definition_reads_a_secret(path: Path) -> None:
    assert violations(path) == []


def test_the_privileged_approvals_job_is_wired_as_designed() -> None:
    privileged = yaml.safe_load((ROOT / ".github" / "workflows" / "ftgov-approvals.yaml").read_text())
    relay = yaml.safe_load((ROOT / ".github" / "workflows" / "ftgov-review-event.yaml").read_text())
    events = _events(privileged)
    assert set(events) == {"workflow_run", "pull_request_target"}
    assert events["workflow_run"]["workflows"] == [relay["name"]]  # the relay's name, or workflow_run never fires
    assert set(_events(relay)) == {"pull_request_review"} and relay["permissions"] == {}
    assert all(not _secrets_read(relay, job) for job in relay["jobs"].values())
    (job,) = privileged["jobs"].values()
    assert job["environment"] == "governance"
    (checkout,) = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert checkout["with"] == {"ref": "${{ github.event.repository.default_branch }}", "persist-credentials": False}
    for workflow in (privileged, relay, yaml.safe_load((ROOT / ".github" / "workflows" / "ftgov.yaml").read_text())):
        for each in workflow["jobs"].values():
            for step in each.get("steps", []):
                if "uses" in step:
                    assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), f"not pinned by sha: {step['uses']}"


# The test of the test: each of these must be caught.
BAD = {
    # The old design: a review event runs the PR's own definition with the token.
    "review-with-token": """
name: x
on:
  pull_request_review:
jobs:
  a:
    runs-on: ubuntu-24.04
    environment: governance
    steps:
      - run: ftgov approvals --set-status
        env: {GITHUB_TOKEN: "${{ secrets.FTGOV_TOKEN }}"}
""",
    "push-any-branch": """
on: push
jobs:
  a: {runs-on: ubuntu-24.04, environment: governance, steps: [{run: "echo ${{ secrets.KEY }}"}]}
""",
    "push-tags-too": """
on: {push: {branches: [main], tags: ["v*"]}}
jobs:
  a: {runs-on: ubuntu-24.04, environment: governance, steps: [{run: "echo ${{ secrets.KEY }}"}]}
""",
    "inherit-on-pull-request": """
on: [pull_request]
jobs:
  a: {uses: ./.github/workflows/reusable.yaml, secrets: inherit}
""",
    "workflow-env-on-dispatch": """
on: {workflow_dispatch: {}}
env: {TOKEN: "${{ secrets['KEY'] }}"}
jobs:
  a: {runs-on: ubuntu-24.04, environment: governance, steps: [{run: "true"}]}
""",
    "no-environment": """
on: {workflow_run: {workflows: [relay], types: [completed]}}
jobs:
  a: {runs-on: ubuntu-24.04, steps: [{run: "true", env: {K: "${{ secrets.KEY }}"}}]}
""",
    "checks-out-the-pr-head": """
on: {pull_request_target: {}}
jobs:
  a:
    runs-on: ubuntu-24.04
    environment: governance
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1
        with: {ref: "${{ github.event.pull_request.head.sha }}"}
      - run: make
        env: {K: "${{ secrets.KEY }}"}
""",
    "gh-pr-checkout": """
on: {workflow_run: {workflows: [relay]}}
jobs:
  a:
    runs-on: ubuntu-24.04
    environment: governance
    steps: [{run: "gh pr checkout 7 && make", env: {K: "${{ secrets.KEY }}"}}]
""",
    "unknown-event": """
on: {merge_group: {}}
jobs:
  a: {runs-on: ubuntu-24.04, environment: governance, steps: [{run: "echo ${{ secrets.KEY }}"}]}
""",
}

GOOD = {
    "default-branch-push": """
on: {push: {branches: [main]}, schedule: [{cron: "0 3 * * *"}]}
jobs:
  a: {runs-on: ubuntu-24.04, environment: governance, steps: [{run: "true", env: {K: "${{ secrets.KEY }}"}}]}
""",
    "pull-request-with-github-token-only": """
on: {pull_request: {}, pull_request_review: {}}
jobs:
  a: {runs-on: ubuntu-24.04, steps: [{run: "true", env: {GH_TOKEN: "${{ secrets.GITHUB_TOKEN }}"}}]}
""",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_the_check_catches_a_bad_workflow(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(BAD[name])
    assert violations(path), f"{name} was not caught"


@pytest.mark.parametrize("name", sorted(GOOD))
def test_the_check_passes_a_good_workflow(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(GOOD[name])
    assert violations(path) == []


def test_the_old_approvals_workflow_is_caught_for_both_reasons(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    path.write_text(BAD["review-with-token"].replace("    environment: governance\n", ""))
    found = violations(path)
    assert len(found) == 2
    assert "pull_request_review" in found[0] and "without an environment" in found[1]


def _write_permissions(workflow: dict[Any, Any]) -> list[str]:
    """Where a workflow or one of its jobs may get a write token (no `permissions:` is the repository default: maybe write)."""
    found = []
    scopes = [("workflow", workflow.get("permissions", "default"))]
    scopes += [(f"job {name}", job["permissions"]) for name, job in (workflow.get("jobs") or {}).items() if "permissions" in job]
    for where, permissions in scopes:
        if permissions in ("default", "write-all") or permissions is None:
            found.append(f"{where}: permissions {permissions or 'unset'}")
        elif isinstance(permissions, dict):
            found += [f"{where}: {scope}: {level}" for scope, level in permissions.items() if level == "write"]
    return found


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_no_pr_controlled_definition_gets_a_write_token(path: Path) -> None:
    workflow = yaml.safe_load(path.read_text())
    if any(_pr_controlled(event, config) for event, config in _events(workflow).items()):
        assert _write_permissions(workflow) == []


def test_the_check_of_write_tokens_has_teeth() -> None:
    assert _write_permissions({"jobs": {"a": {}}}) == ["workflow: permissions default"]
    assert _write_permissions({"permissions": {}, "jobs": {"a": {"permissions": {"pull-requests": "write"}}}}) == [
        "job a: pull-requests: write"
    ]
    assert _write_permissions({"permissions": {"contents": "read"}, "jobs": {"a": {"steps": []}}}) == []


def test_the_attest_workflow_signs_only_from_the_default_branch_definition() -> None:
    """Launchers trust the bundles this workflow signs: every trigger runs the default branch's file (docs/attestations.md)."""
    path = ROOT / ".github" / "workflows" / "ftgov-attest.yaml"
    workflow = yaml.safe_load(path.read_text())
    events = _events(workflow)
    # workflow_dispatch would run the definition of any ref the dispatcher names; workflow_call would lend this file's identity.
    assert set(events) == {"push", "schedule", "repository_dispatch"}
    assert not any(_pr_controlled(event, config) for event, config in events.items())
    assert events["push"] == {"branches": [DEFAULT_BRANCH]} and events["repository_dispatch"] == {"types": ["ftgov-attest"]}
    (schedule,) = events["schedule"]
    assert schedule["cron"].split()[2:] == ["*", "*", "*"]  # every day: a live approval is re-signed long before a 7-day --max-age
    assert workflow["permissions"] == {} and workflow["concurrency"]["cancel-in-progress"] is False
    (job,) = workflow["jobs"].values()
    assert job["environment"] == "attest"
    assert job["permissions"] == {"contents": "read", "id-token": "write", "packages": "write"}
    (checkout,) = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert checkout["with"] == {"persist-credentials": False}  # the default branch: every trigger runs there
    script = "\n".join(str(step.get("run", "")) for step in job["steps"])
    assert '"$RUNNER_TEMP/ftgov/bin/ftgov" attest --repo "$REPO" --keyless --out-dir attestations' in script
    assert 'oras push "$APPROVALS:approvals,' in script and "cd attestations" in script
    assert "--signing-key" not in script  # the key variant is documented, not wired: keyless is the default
    for step in job["steps"]:
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), f"not pinned by sha: {step['uses']}"
    assert violations(path) == []


def test_the_report_is_computed_unprivileged_and_posted_from_the_default_branch() -> None:
    computed = yaml.safe_load((ROOT / ".github" / "workflows" / "ftgov-report.yaml").read_text())
    posting = yaml.safe_load((ROOT / ".github" / "workflows" / "ftgov-report-comment.yaml").read_text())
    # The unprivileged half: the PR's own definition, a read-only token, no secret, the report as an artifact.
    events = _events(computed)
    assert set(events) == {"pull_request"}
    assert events["pull_request"]["paths"] == ["objectives/**", "registers/**", "policies/**"]
    assert computed["permissions"] == {"contents": "read"}
    (job,) = computed["jobs"].values()
    assert "permissions" not in job and not _secrets_read(computed, job)
    script = "\n".join(str(step.get("run", "")) for step in job["steps"])
    assert 'ftgov report pr --base "origin/$BASE_REF"' in script and "$GITHUB_STEP_SUMMARY" in script
    (upload,) = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert upload["with"]["name"] == "ftgov-report"
    # The privileged half: workflow_run from the default branch, the run's own token, the only write permission.
    events = _events(posting)
    assert set(events) == {"workflow_run"}
    assert events["workflow_run"]["workflows"] == [computed["name"]]  # the other's name, or workflow_run never fires
    assert posting["permissions"] == {}
    (job,) = posting["jobs"].values()
    assert job["permissions"] == {"actions": "read", "contents": "read", "pull-requests": "write"}
    assert not _secrets_read(posting, job) and "environment" not in job
    assert "github.event.workflow_run.event == 'pull_request'" in job["if"]
    (checkout,) = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert checkout["with"] == {"ref": "${{ github.event.repository.default_branch }}", "persist-credentials": False}
    assert _checks_out_pr_code(job) == []  # the head sha only reaches the API query, through env
    # The artifact is data: downloaded, checked, read by `cat` into the body; no action downloads it and nothing runs it.
    assert not any("download-artifact" in str(s.get("uses", "")) for s in job["steps"])
    for step in job["steps"]:
        for line in str(step.get("run", "")).splitlines():
            if "$RUNNER_TEMP/artifact" in line:
                assert line.strip().startswith(("gh run download ", 'report="$RUNNER_TEMP/artifact/report.md"', "cat ")), line
    script = "\n".join(str(step.get("run", "")) for step in job["steps"])
    assert '--body-file "$body" --author "github-actions[bot]"' in script
    for workflow in (computed, posting):
        for each in workflow["jobs"].values():
            for step in each.get("steps", []):
                if "uses" in step:
                    assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), f"not pinned by sha: {step['uses']}"
