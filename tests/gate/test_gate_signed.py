"""The push model end to end: `ftgov attest` signs the online gate's allow, a launcher decides offline.

The signing side runs against the loopback GitHub; the launcher side runs with that same
server still listening and a socket guard in place: it must receive nothing, and nothing
may try to connect anywhere.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from ftgov.attest.statement import APPROVAL, sha256
from ftgov.attest.verify import trusted_signers, verify_file
from ftgov.gate.gate import GateDenied, require_approved
from ftgov.gate.signed import SignedAnswer

from ..conftest import run_ftgov
from ..fakegithub import FakeGitHub
from ..signing import OrgKey, org_key
from .test_gate import R4, R4_TEXT, TOKEN, approved, fake, url  # noqa: F401 - pytest fixtures


@pytest.fixture
def key(tmp_path: Path) -> OrgKey:
    return org_key(tmp_path / "keys")


def _attest(served: str, tmp_path: Path, key: OrgKey, *ids: str) -> tuple[int, str, str]:
    done = run_ftgov(
        "attest", *ids, "--repo", "acme/governance", "--github-url", served, "--signing-key", str(key.private),
        "--out-dir", str(tmp_path / "published"), "--format", "json",
        env={"GITHUB_TOKEN": TOKEN, "XDG_CACHE_HOME": str(tmp_path / "xdg")},
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def test_attest_signs_the_allow_and_a_launcher_decides_offline_with_zero_requests(
    fake: FakeGitHub, url: str, tmp_path: Path, key: OrgKey, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    approved(fake).merge("squash")
    code, out, err = _attest(url, tmp_path, key, "support-agent-r4")
    assert code == 0, err
    [entry] = json.loads(out)["objectives"]
    bundle = tmp_path / "published" / "support-agent-r4.approval.dsse.json"
    assert entry["decision"] == "allow" and entry["bundle"] == bundle.name and bundle.is_file()
    index = json.loads((tmp_path / "published" / "index.json").read_text())
    assert index["objectives"][0]["statement_sha256"] == entry["statement_sha256"]

    verified = verify_file(bundle, trusted_signers((key.public,)))
    statement = verified.statement
    assert statement.predicate_type == APPROVAL and verified.digest == entry["statement_sha256"]
    assert statement.subjects[0].name == R4 and statement.subjects[0].sha256 == sha256(R4_TEXT)
    on_main = set(fake.git.git("ls-tree", "-r", "--name-only", "main").split())
    # What the gate read: the policy and the schemas it validated with (the register's only where the model has one).
    governed = {"policies/policy.yaml", "policies/objective.schema.json", "policies/policy.schema.json"}
    if "registers/support-agent.yaml" in on_main:
        governed |= {"registers/support-agent.yaml", "policies/register.schema.json"}
    assert {s.name for s in statement.subjects} == {R4} | (governed & on_main)
    for subject in statement.subjects:  # every subject is the file at the pinned head
        assert subject.sha256 == sha256(fake.git.git_bytes("show", f"{fake.branch_sha('main')}:{subject.name}")), subject.name
    assert statement.predicate["head_sha"] == fake.branch_sha("main")
    assert statement.predicate["objective_text"].encode() == R4_TEXT

    served = len(fake.requests)
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError(f"the offline gate tried to connect to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    objective = tmp_path / "r4.yaml"
    objective.write_bytes(R4_TEXT)
    done = run_ftgov(
        "gate", "support-agent-r4", "--attestation", str(bundle), "--trusted-key", str(key.public),
        "--objective", str(objective), "--format", "json", "--write-objective", str(tmp_path / "approved.yaml"),
        env={"GITHUB_TOKEN": TOKEN},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    answer = json.loads(done.stdout)
    assert answer["decision"] == "allow" and answer["reasons"] == []
    assert isinstance(answer["pull_request"], int) and answer["head_sha"] == fake.branch_sha("main")
    assert answer["api_calls"]["requests"] == 0 and answer["statements"][0]["statement_sha256"] == verified.digest
    assert (tmp_path / "approved.yaml").read_bytes() == R4_TEXT
    offline = require_approved("support-agent-r4", attestation=bundle, trusted_keys=(key.public,), objective_file=objective)
    assert isinstance(offline, SignedAnswer) and offline.head_sha == fake.branch_sha("main") and offline.objective_path == R4
    assert len(fake.requests) == served, "the offline gate reached the loopback GitHub"
    assert attempts == []


def _published(world: FakeGitHub, served: str, tmp_path: Path, key: OrgKey) -> Path:
    approved(world).merge("merge")
    code, _, err = _attest(served, tmp_path, key, "support-agent-r4")
    assert code == 0, err
    return tmp_path / "published" / "support-agent-r4.approval.dsse.json"


def _offline(bundle: Path, *options: str) -> tuple[int, dict[str, object]]:
    done = run_ftgov("gate", "support-agent-r4", "--attestation", str(bundle), *options, "--format", "json")
    assert "Traceback" not in done.stderr
    return done.returncode, (json.loads(done.stdout) if done.stdout.strip() else {"stderr": done.stderr})


def test_another_key_an_edited_objective_and_a_stale_statement_deny(fake: FakeGitHub, url: str, tmp_path: Path, key: OrgKey) -> None:  # noqa: F811
    bundle = _published(fake, url, tmp_path, key)
    stranger = org_key(tmp_path / "stranger")
    code, answer = _offline(bundle, "--trusted-key", str(stranger.public))
    assert code == 1 and "no signature verifies under a trusted key" in str(answer["reasons"])
    edited = tmp_path / "edited.yaml"
    edited.write_bytes(R4_TEXT.replace(b"risk_tier: medium", b"risk_tier: low"))
    code, answer = _offline(bundle, "--trusted-key", str(key.public), "--objective", str(edited))
    assert code == 1 and "the objective to train has sha256" in str(answer["reasons"])
    code, answer = _offline(bundle, "--trusted-key", str(key.public), "--started-at", "2020-01-01T00:00:00Z")
    assert code == 1 and "before the objective's PR merged" in str(answer["reasons"])


def test_a_forged_unsigned_answer_is_refused(fake: FakeGitHub, url: str, tmp_path: Path, key: OrgKey) -> None:  # noqa: F811
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({"decision": "allow", "objective": "support-agent-r4", "pull_request": 99, "approvals": []}))
    code, answer = _offline(forged, "--trusted-key", str(key.public))
    assert code == 1 and "unsigned gate answer" in str(answer["reasons"])
    with pytest.raises(GateDenied) as denied:
        require_approved("support-agent-r4", attestation=forged, trusted_keys=(key.public,))
    assert "unsigned" in str(denied.value)


def test_attest_signs_nothing_for_a_deny_and_removes_the_earlier_bundle(fake: FakeGitHub, url: str, tmp_path: Path, key: OrgKey) -> None:  # noqa: F811
    bundle = _published(fake, url, tmp_path, key)
    fake.commit("edit-r4", {R4: R4_TEXT + b"# unreviewed edit\n"}, "edit", author="bob")
    fake.open_pr("edit-r4", author_login="bob", title="edit").merge("squash")  # merged with no approval: the gate now denies
    code, out, err = _attest(url, tmp_path, key, "support-agent-r4")
    assert code == 1, err
    [entry] = json.loads(out)["objectives"]
    assert entry["decision"] == "deny" and entry["bundle"] is None and entry["reasons"]
    assert not bundle.exists()


def test_attest_without_ids_covers_every_objective_and_needs_a_signer(fake: FakeGitHub, url: str, tmp_path: Path, key: OrgKey) -> None:  # noqa: F811
    approved(fake).merge("squash")
    code, out, err = _attest(url, tmp_path, key)
    assert code == 0, err
    listed = {e["objective"] for e in json.loads(out)["objectives"]}
    on_branch = {Path(p).stem for p in fake.git.git("ls-tree", "-r", "--name-only", "main").split() if p.startswith("objectives/")}
    assert listed == on_branch and "support-agent-r4" in listed
    unsigned = run_ftgov("attest", "--repo", "acme/governance", "--github-url", url, env={"GITHUB_TOKEN": TOKEN})
    assert unsigned.returncode == 2 and "--signing-key" in unsigned.stderr


def test_online_options_with_an_attestation_are_refused(tmp_path: Path, key: OrgKey) -> None:
    done = run_ftgov("gate", "x", "--attestation", str(tmp_path / "b.json"), "--trusted-key", str(key.public), "--repo", "a/b")
    assert done.returncode == 2 and "drop --repo" in done.stderr
    nobody = run_ftgov("gate", "x", "--attestation", str(tmp_path / "b.json"))
    assert nobody.returncode == 2 and "--trusted-key" in nobody.stderr
