"""`ftgov audit-repo` FTG811: a deployed round's owners must still be active members of the organisation (AG-341 4.5).

The loopback GitHub serves acme/governance; the tests' own register fixture (model
`ledger`: r1 deployed, r2 evaluated) is committed to main, and org membership is
answered by GET /orgs/acme/memberships/{username} as GitHub answers it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftgov.gate.audit import audit
from ftgov.gate.forge.github import GitHubAdmin

from ..conftest import FIXTURES, run_ftgov
from ..fakegithub import FakeGitHub
from .test_gate import TOKEN, fake, url  # noqa: F401 - pytest fixtures

pytestmark = pytest.mark.usefixtures("url")
R1 = "objectives/ledger/ledger-r1.yaml"
LEDGER = {
    path.relative_to(FIXTURES / "register").as_posix(): path.read_bytes()
    for path in sorted((FIXTURES / "register").rglob("*"))
    if path.is_file() and not path.name.startswith("policy")
}


def owners(url: str) -> list[tuple[str, int | None, str]]:  # noqa: F811
    forge = GitHubAdmin("acme/governance", TOKEN, github_url=url, cache_dir=None, backoff=0.01)
    return [(f.path, f.line, f.message) for f in audit(forge).findings if f.rule == "FTG811"]


def line_of(fragment: bytes) -> int:
    return LEDGER[R1][: LEDGER[R1].index(fragment)].count(b"\n") + 1


def test_owners_of_a_deployed_round_who_left_are_reported_at_their_line(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    fake.commit("main", LEDGER, "the ledger model's objectives and register")
    found = owners(url)
    # r1 is deployed; r2 (evaluated) and r3 (approved) are not, whoever owns them.
    assert [(path, line) for path, line, _ in found] == [(R1, line_of(b"owners:")), (R1, line_of(b"owners:"))]
    assert "ledger-r1 is deployed, but its technical_lead dana-ml is not a member of acme" in found[0][2]
    assert "risk_reviewer raj-risk is not a member of acme" in found[1][2]

    fake.set_org_membership("acme", "dana-ml", "active")
    fake.set_org_membership("acme", "raj-risk", "pending")
    found = owners(url)
    assert [message for _, _, message in found] == [
        "ledger-r1 is deployed, but its risk_reviewer raj-risk is a pending invitation, not an active member of acme"
    ]

    fake.set_org_membership("acme", "raj-risk", "active")
    assert owners(url) == []
    fake.set_org_membership("acme", "dana-ml", None)  # left the organisation
    assert [message.split(", but its ")[1] for _, _, message in owners(url)] == ["technical_lead dana-ml is not a member of acme"]


def test_a_member_of_one_of_the_org_teams_is_an_active_member(fake: FakeGitHub, url: str) -> None:  # noqa: F811
    fake.add_team("acme/ledger-team", ["dana-ml", "raj-risk"])
    fake.commit("main", LEDGER, "the ledger model's objectives and register")
    assert owners(url) == []


def test_audit_repo_cli_reports_ftg811(fake: FakeGitHub, url: str, tmp_path: Path) -> None:  # noqa: F811
    fake.commit("main", LEDGER, "the ledger model's objectives and register")
    done = run_ftgov("audit-repo", "--repo", "acme/governance", "--github-url", url, "--format", "json", env={"GITHUB_TOKEN": TOKEN})
    assert done.returncode == 1, done.stderr
    found = [f for f in json.loads(done.stdout)["findings"] if f["rule"] == "FTG811"]
    assert [(f["path"], f["line"], f["severity"]) for f in found] == [(R1, line_of(b"owners:"), "error")] * 2
