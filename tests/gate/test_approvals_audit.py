"""The `ftgov/approvals` status check and `ftgov audit-repo`, against the loopback GitHub."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests

from ftgov.gate.approvals import CONTEXT, check_pull_request
from ftgov.gate.audit import audit
from ftgov.gate.forge.github import GitHubAdmin

from ..conftest import REPO_FIXTURE, run_ftgov
from ..fakegithub import FakeGitHub, payloads
from .test_fakegithub_openapi import make_validator, spec  # noqa: F401 - pytest fixtures
from .test_gate import R3, R4, R4_TEXT, TOKEN, fake, propose, url  # noqa: F401 - pytest fixtures

pytestmark = pytest.mark.usefixtures("url")

POLICY_TEXT = (REPO_FIXTURE / "policies" / "policy.yaml").read_bytes()


def admin(url: str) -> GitHubAdmin:  # noqa: F811
    return GitHubAdmin("acme/governance", TOKEN, github_url=url, cache_dir=None, backoff=0.01)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_ftgov(*args, env={"GITHUB_TOKEN": TOKEN})


def test_open_pr_fails_until_every_role_approves_and_sets_the_status(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    pr = propose(fake)
    base = ["approvals", "--repo", "acme/governance", "--pr", str(pr.number), "--github-url", url, "--set-status", "--no-cache"]
    missing = _cli(*base)
    assert missing.returncode == 1, missing.stderr
    assert missing.stdout.startswith(f"failure: PR #{pr.number}") and "technical" in missing.stdout
    assert fake.statuses[pr.head_sha][-1]["state"] == "failure"
    assert fake.statuses[pr.head_sha][-1]["context"] == CONTEXT
    pr.review("alice")
    pr.review("rita")
    done = _cli(*base, "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["state"] == "success" and report["required_roles"] == ["technical", "risk"]
    assert fake.statuses[pr.head_sha][-1]["state"] == "success"
    assert TOKEN not in done.stdout + done.stderr


def test_lowering_the_risk_tier_in_the_pr_does_not_lower_the_bar(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    lowered = (REPO_FIXTURE / R3).read_bytes().replace(b"risk_tier: high", b"risk_tier: low")
    pr = propose(fake, path=R3, content=lowered, branch="lower-r3")
    pr.review("alice")
    report = check_pull_request(admin(url), pr.number)
    assert report.state == "failure"
    assert report.objectives == ((R3, "high"),)
    assert report.roles == ("technical", "risk", "independent")


def test_the_pr_is_judged_by_the_base_branch_policy(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    relaxed = POLICY_TEXT.replace(b"medium: [technical, risk]", b"medium: [technical]")
    fake.commit("add-r4", {R4: R4_TEXT, "policies/policy.yaml": relaxed}, "add r4 and relax the policy", author="bob")
    pr = fake.open_pr("add-r4", author_login="bob")
    pr.review("alice")
    pr.review("rita")
    report = check_pull_request(admin(url), pr.number)
    # Base policy, and a policy change needs the highest tier's roles on top of medium's.
    assert report.state == "failure" and report.roles == ("technical", "risk", "independent")


def test_policy_only_changes_need_the_highest_tier_and_so_does_any_path_not_listed_ungoverned(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    fake.commit("docs", {"README.md": b"# governance\n"}, "docs", author="bob")
    docs = fake.open_pr("docs", author_login="bob")
    report = check_pull_request(admin(url), docs.number)
    assert report.state == "failure" and report.roles == ("technical", "risk", "independent")  # governed by default
    fake.commit("policy", {"policies/policy.yaml": POLICY_TEXT + b"\n"}, "policy", author="bob")
    policy = fake.open_pr("policy", author_login="bob")
    assert check_pull_request(admin(url), policy.number).roles == ("technical", "risk", "independent")


# The adopting organisation edits its own CODEOWNERS; the audit tests own this copy of the teams the fake knows.
CODEOWNERS_FULL = b"""\
# Who must review changes to the governance repository. GitHub uses the last matching
# line; several owners on one line mean ANY of them may approve, which is why ftgov's
# `approvals` status check counts technical, risk and independent sign-off itself.
*                       @acme/ml-platform
/objectives/            @acme/ml-tech-leads @acme/model-risk
/registers/             @acme/ml-tech-leads @acme/model-risk
/policies/              @acme/model-risk
/checks/                @acme/ml-platform @acme/model-risk
/.github/               @acme/ml-platform @acme/model-risk
/.pre-commit-config.yaml @acme/ml-platform @acme/model-risk
/.pre-commit-hooks.yaml @acme/ml-platform @acme/model-risk
/CODEOWNERS             @acme/model-risk
"""
REQUIRED = ("ftgov/approvals", "ftgov validate")
FTGOV_APP_ID = 424242  # the GitHub App that sets ftgov/approvals
PINNED = {"ftgov/approvals": FTGOV_APP_ID}


def _audit_codes(url: str) -> list[str]:  # noqa: F811
    return [f.rule for f in audit(admin(url)).findings]


def test_audit_of_a_well_protected_repository_is_clean(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    fake.commit(
        "main",
        {".github/CODEOWNERS": CODEOWNERS_FULL, "checks/ftgov/__init__.py": b"", ".github/workflows/ftgov.yaml": b"on: pull_request\n"},
        "owners",
    )
    fake.protection = payloads.branch_protection(contexts=REQUIRED, check_apps=PINNED)
    assert _audit_codes(url) == []


@pytest.mark.parametrize(
    ("setting", "code"),
    [
        ({"require_code_owner_reviews": False}, "FTG802"),
        ({"dismiss_stale_reviews": False}, "FTG803"),
        ({"enforce_admins": False}, "FTG804"),
        ({"allow_force_pushes": True}, "FTG805"),
        ({"allow_deletions": True}, "FTG805"),
        ({"contexts": ("ftgov validate",)}, "FTG806"),
        ({"require_last_push_approval": False}, "FTG807"),
    ],
)
def test_audit_finds_each_bypass(fake: FakeGitHub, url: str, setting: dict[str, object], code: str) -> None:  # noqa: F811
    fake.commit("main", {".github/CODEOWNERS": CODEOWNERS_FULL}, "owners")
    fake.protection = payloads.branch_protection(**{"contexts": REQUIRED, "check_apps": PINNED, **setting})  # type: ignore[arg-type]
    assert _audit_codes(url) == [code]


def test_audit_accepts_rulesets_in_place_of_protection(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    fake.commit("main", {".github/CODEOWNERS": CODEOWNERS_FULL}, "owners")
    fake.protection = None
    assert _audit_codes(url) == ["FTG801"]
    fake.rules["main"] = [payloads.pull_request_rule(), payloads.simple_rule("non_fast_forward"), payloads.simple_rule("deletion")]
    assert _audit_codes(url) == ["FTG806", "FTG806"]  # neither required check is configured


def test_audit_reads_codeowners_gaps_and_errors(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    fake.protection = payloads.branch_protection(contexts=REQUIRED, check_apps=PINNED)
    assert _audit_codes(url) == ["FTG809"]  # no CODEOWNERS at all
    fake.commit("main", {"CODEOWNERS": b"/objectives/ @acme/ml-tech-leads\n"}, "partial owners")
    fake.codeowners_errors = [payloads.codeowners_error(1, "Unknown owner", source="/objectives/ @acme/ml-tech-leads", path="CODEOWNERS")]
    result = audit(admin(url))
    gaps = [f.message for f in result.findings if f.rule == "FTG808"]
    assert len(gaps) == 6 and any(m.startswith("policies/ has no code owner") for m in gaps)
    assert any(m.startswith("no catch-all owner line") for m in gaps)
    invalid = [f for f in result.findings if f.rule == "FTG809"]
    assert len(invalid) == 1 and (invalid[0].path, invalid[0].line) == ("CODEOWNERS", 1)


def test_audit_cli_renders_findings_in_every_format(fake: FakeGitHub, url: str, tmp_path: Path) -> None:  # noqa: F811
    fake.protection = payloads.branch_protection(enforce_admins=False, contexts=REQUIRED, check_apps=PINNED)
    done = _cli("audit-repo", "--repo", "acme/governance", "--github-url", url, "--format", "sarif", "--out", str(tmp_path / "audit.sarif"))
    assert done.returncode == 1
    results = json.loads((tmp_path / "audit.sarif").read_text())["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"FTG804", "FTG809"}


def test_a_pr_changing_the_policy_and_a_low_tier_objective_needs_every_high_tier_role(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    low = R4_TEXT.replace(b"risk_tier: medium", b"risk_tier: low")
    relaxed = POLICY_TEXT.replace(b"high: [technical, risk, independent]", b"high: [technical]")
    fake.commit("both", {R4: low, "policies/policy.yaml": relaxed}, "low objective and a relaxed policy", author="bob")
    pr = fake.open_pr("both", author_login="bob")
    pr.review("alice")
    report = check_pull_request(admin(url), pr.number)
    assert report.state == "failure" and report.roles == ("technical", "risk", "independent")


def test_changing_the_gate_code_needs_the_highest_tier(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    fake.commit("code", {"checks/ftgov/gate.py": b"ALLOW = True\n"}, "simplify the gate", author="bob")
    pr = fake.open_pr("code", author_login="bob")
    report = check_pull_request(admin(url), pr.number)
    assert report.state == "failure" and report.roles == ("technical", "risk", "independent")


@pytest.mark.parametrize(
    ("app_id", "actions"),
    [(None, False), (-1, False), (15368, True)],
    ids=["any-source", "explicitly-any", "github-actions"],
)
def test_audit_reports_an_approvals_check_not_pinned_to_an_app(fake: FakeGitHub, url: str, app_id: int | None, actions: bool) -> None:  # noqa: F811
    fake.commit("main", {".github/CODEOWNERS": CODEOWNERS_FULL}, "owners")
    fake.protection = payloads.branch_protection(contexts=REQUIRED, check_apps={} if app_id is None else {"ftgov/approvals": app_id})
    findings = audit(admin(url)).findings
    assert [f.rule for f in findings] == ["FTG810"]
    assert "anyone with push access" in findings[0].message
    assert ("GitHub Actions" in findings[0].message) is actions


def test_audit_reads_the_pin_from_the_deprecated_contexts_list_and_from_rulesets(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    fake.commit("main", {".github/CODEOWNERS": CODEOWNERS_FULL}, "owners")
    legacy = payloads.branch_protection(contexts=REQUIRED)
    legacy["required_status_checks"]["checks"] = []  # only `contexts`: no source recorded
    fake.protection = legacy
    assert _audit_codes(url) == ["FTG810"]
    # A ruleset requiring the check from any source does not pin it either...
    fake.rules["main"] = [payloads.required_status_checks_rule({"ftgov/approvals": None})]
    assert _audit_codes(url) == ["FTG810"]
    # ...one naming the app does: GitHub enforces every requirement, so one pin is enough.
    fake.rules["main"] = [payloads.required_status_checks_rule({"ftgov/approvals": FTGOV_APP_ID, "ftgov validate": None})]
    assert _audit_codes(url) == []


def test_rulesets_alone_can_require_and_pin_the_checks(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    fake.commit("main", {".github/CODEOWNERS": CODEOWNERS_FULL}, "owners")
    fake.protection = None
    protected = [payloads.pull_request_rule(), payloads.simple_rule("non_fast_forward"), payloads.simple_rule("deletion")]
    fake.rules["main"] = [*protected, payloads.required_status_checks_rule({"ftgov/approvals": None, "ftgov validate": None})]
    assert _audit_codes(url) == ["FTG810"]
    fake.rules["main"] = [*protected, payloads.required_status_checks_rule({"ftgov/approvals": FTGOV_APP_ID, "ftgov validate": None})]
    assert _audit_codes(url) == []


@pytest.mark.parametrize(
    ("owners", "catch_all"),
    [
        (b"* @acme/ml-platform\n", True),
        (b"/** @acme/ml-platform  # everything\n", True),
        (b"*\n", False),  # a pattern without owners un-owns the paths
        (b"# * @acme/ml-platform\n", False),
        (b"/docs/ @acme/writers\n", False),
    ],
)
def test_codeowners_needs_a_catch_all_owner(fake: FakeGitHub, url: str, owners: bytes, catch_all: bool) -> None:  # noqa: F811
    specific = b"".join(line for line in CODEOWNERS_FULL.splitlines(keepends=True) if not line.startswith(b"*"))
    fake.commit("main", {".github/CODEOWNERS": owners + specific}, "owners")
    fake.protection = payloads.branch_protection(contexts=REQUIRED, check_apps=PINNED)
    messages = [f.message for f in audit(admin(url)).findings if f.rule == "FTG808"]
    assert [m.startswith("no catch-all owner line") for m in messages] == ([] if catch_all else [True])


@pytest.mark.openapi
def test_pinned_protection_and_status_check_rules_are_shapes_github_serves(fake: FakeGitHub, url: str, make_validator: Any) -> None:  # noqa: F811
    fake.protection = payloads.branch_protection(contexts=REQUIRED, check_apps=PINNED)
    fake.rules["main"] = [payloads.required_status_checks_rule({"ftgov/approvals": FTGOV_APP_ID, "ftgov validate": None})]
    headers = {"Authorization": f"token {TOKEN}", "Accept": "application/vnd.github+json"}
    for api_path, served in (
        ("/repos/{owner}/{repo}/branches/{branch}/protection", "/repos/acme/governance/branches/main/protection"),
        ("/repos/{owner}/{repo}/rules/branches/{branch}", "/repos/acme/governance/rules/branches/main"),
    ):
        data = requests.get(f"{fake.api}{served}", headers=headers, timeout=10).json()
        errors = list(make_validator(api_path, "get", "200").iter_errors(data))
        assert not errors, [e.message for e in errors]
    rule = requests.get(f"{fake.api}/repos/acme/governance/rules/branches/main", headers=headers, timeout=10).json()[0]
    assert rule["parameters"]["required_status_checks"] == [
        {"context": "ftgov/approvals", "integration_id": FTGOV_APP_ID},
        {"context": "ftgov validate"},
    ]
