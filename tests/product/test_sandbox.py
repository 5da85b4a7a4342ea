"""The local sandbox: practise the chain offline (new -> gate --forge git -> record-run -> evaluate --record -> decide).

A policy with `gate.allow_unreviewed_local: true` lets `ftgov gate --forge git` allow a round
that reached the branch by an untouched merge commit, without reviews. `record-run` records
that as `approval: {unreviewed: true, forge: git, commit}` (the one unsigned answer record-run
accepts: any other must be a signed approval statement); `ftgov check` warns on such a round
(FTG925), `decide --action deploy` refuses it, and a register that records it deployed fails
(FTG926). Each test builds the `ledger` fixture (tests/fixtures/register) into a git repository
in its temporary directory, with round 3 proposed and merged through a local merge commit.
The last test runs the README's tutorial verbatim on a copy of this repository's tracked files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ftgov.documents.findings import Finding
from ftgov.documents.loader import parse_document

from ..conftest import FIXTURES, ROOT, run_ftgov
from ..repository import build_ledger_repo
from ..signing import org_key

REGISTER = "registers/ledger.yaml"
R3 = "objectives/ledger/ledger-r3.yaml"
CONFIGS = FIXTURES / "runconfig"
AXOLOTL, DEVICES = CONFIGS / "axolotl.yaml", CONFIGS / "devices.yaml"
RESULTS = FIXTURES / "evaluate" / "results"
ALLOW = "gate:\n  allow_unreviewed_local: true\n"
UNREVIEWED_COMMENT = "# unreviewed: approved through a local clone (gate.allow_unreviewed_local), practice only; never deployed (FTG925)"
SIGNED_COMMENT = "# from a signed approval statement (sha256 "


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), "-c", "commit.gpgsign=false", *args], check=True, capture_output=True, text=True)
    return done.stdout.strip()


def build_sandbox(dest: Path, *, allow: bool = True) -> Path:
    """The ledger fixture as a git repository: r3 proposed, its objective and round merged into main by a merge commit."""
    repo = build_ledger_repo(dest)
    if allow:
        with (repo / "policies" / "policy.yaml").open("a") as policy:
            policy.write(ALLOW)
    register = repo / REGISTER
    head, _, _ = register.read_text().partition("  - objective: ledger-r3\n")
    proposed = head + "  - objective: ledger-r3\n    status: proposed\n"
    objective = (repo / R3).read_bytes()
    register.write_text(head)
    (repo / R3).unlink()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "governance repository before round 3")
    git(repo, "checkout", "-qb", "add-ledger-r3")
    (repo / R3).write_bytes(objective)
    register.write_text(proposed)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "ledger-r3: objective and proposed round")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "add-ledger-r3", "-m", "Merge add-ledger-r3")
    return repo


def gate(repo: Path, out: Path) -> tuple[int, dict[str, object]]:
    done = run_ftgov("gate", "ledger-r3", "--forge", "git", "--git-dir", str(repo), "--format", "json", "--out", str(out))
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(out.read_text())


def record(repo: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_ftgov("record-run", "ledger-r3", *map(str, args), "--repo-root", str(repo))


def check(repo: Path) -> subprocess.CompletedProcess[str]:
    return run_ftgov("check", "--repo-root", str(repo))


def r3(repo: Path) -> dict[str, object]:
    loaded = parse_document((repo / REGISTER).read_text(), REGISTER)
    assert not isinstance(loaded, Finding)
    found: dict[str, object] = loaded.data["rounds"][2]
    return found


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    return build_sandbox(tmp_path / "repo")


def test_the_fixture_needs_the_offline_gate_and_passes_check(sandbox: Path) -> None:
    assert r3(sandbox)["status"] == "proposed"
    assert check(sandbox).returncode == 0


# -- record-run reads the offline attestation ------------------------------------------------------


def test_an_offline_attestation_records_an_unreviewed_approval(sandbox: Path, tmp_path: Path) -> None:
    code, attestation = gate(sandbox, tmp_path / "att.json")
    assert code == 0 and attestation["forge"]["kind"] == "git"  # type: ignore[index]
    done = record(sandbox, "--config", AXOLOTL, "--config", DEVICES, "--gate-attestation", tmp_path / "att.json")
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert "ledger-r3: proposed -> training" in done.stdout
    assert "unreviewed" in done.stdout
    round3 = r3(sandbox)
    assert round3["status"] == "training"
    assert round3["approval"] == {"unreviewed": True, "forge": "git", "commit": attestation["head_sha"]}
    text = (sandbox / REGISTER).read_text()
    assert f"    approval:\n      {UNREVIEWED_COMMENT}\n      unreviewed: true\n" in text
    checked = check(sandbox)
    assert checked.returncode == 0, checked.stdout
    assert re.search(r"registers/ledger\.yaml:\d+:\d+: FTG925 ", checked.stdout), checked.stdout


def test_an_offline_attestation_is_refused_when_the_policy_does_not_allow_unreviewed_use(sandbox: Path, tmp_path: Path) -> None:
    gate(sandbox, tmp_path / "att.json")
    policy = sandbox / "policies" / "policy.yaml"
    policy.write_text(policy.read_text().replace(ALLOW, ""))
    before = (sandbox / REGISTER).read_bytes()
    done = record(sandbox, "--config", AXOLOTL, "--config", DEVICES, "--gate-attestation", tmp_path / "att.json")
    assert done.returncode == 2, done.stderr
    assert "gate.allow_unreviewed_local" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert (sandbox / REGISTER).read_bytes() == before


def test_an_offline_deny_is_refused(tmp_path: Path) -> None:
    repo = build_sandbox(tmp_path / "repo", allow=False)
    code, attestation = gate(repo, tmp_path / "att.json")
    assert code == 1 and attestation["decision"] == "deny"
    done = record(repo, "--config", AXOLOTL, "--config", DEVICES, "--gate-attestation", tmp_path / "att.json")
    assert done.returncode == 2
    assert "the gate denied ledger-r3" in done.stderr and "gate.allow_unreviewed_local" in done.stderr


@pytest.mark.parametrize("what", ["another objective", "other objective bytes"])
def test_an_offline_attestation_for_anything_else_is_refused(sandbox: Path, tmp_path: Path, what: str) -> None:
    att = tmp_path / "att.json"
    gate(sandbox, att)
    if what == "another objective":
        att.write_text(json.dumps({**json.loads(att.read_text()), "objective": "ledger-r2"}))
        expected = "is for objective ledger-r2, not ledger-r3"
    else:
        objective = sandbox / R3
        objective.write_text(objective.read_text().replace("epochs: 2", "epochs: 3"))
        expected = "approves objective blob"
    done = record(sandbox, "--config", AXOLOTL, "--config", DEVICES, "--gate-attestation", att)
    assert done.returncode == 2
    assert expected in done.stderr


def test_an_unknown_forge_kind_is_refused(sandbox: Path, tmp_path: Path) -> None:
    att = tmp_path / "att.json"
    gate(sandbox, att)
    att.write_text(json.dumps({**json.loads(att.read_text()), "forge": {"kind": "gitlab"}}))
    done = record(sandbox, "--config", AXOLOTL, "--config", DEVICES, "--gate-attestation", att)
    assert done.returncode == 2 and "an unsigned gate answer (forge kind 'gitlab')" in done.stderr


def test_an_unsigned_github_answer_is_refused_even_in_the_sandbox(sandbox: Path, tmp_path: Path) -> None:
    """The offline answer edited to claim GitHub, a PR and an approver: the policy's sandbox does not make it anyone's word."""
    att = tmp_path / "att.json"
    gate(sandbox, att)
    claimed = {
        **json.loads(att.read_text()),
        "forge": {"kind": "github", "url": "https://api.github.com", "repository": "acme/governance"},
        "pull_request": 9,
        "merged_at": "2026-03-01T10:00:00Z",
        "approvals": [{"login": "dana-ml", "role": "technical", "team": "org/tech", "submitted_at": "2026-03-01T09:00:00Z"}],
    }
    att.write_text(json.dumps(claimed))
    before = (sandbox / REGISTER).read_bytes()
    done = record(sandbox, "--config", AXOLOTL, "--config", DEVICES, "--gate-attestation", att, "--started-at", "2026-03-02T08:00:00Z")
    assert done.returncode == 2, done.stderr
    assert "an unsigned gate answer (forge kind 'github'), which anyone can write" in done.stderr
    assert "`ftgov attest`" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert (sandbox / REGISTER).read_bytes() == before
    assert SIGNED_COMMENT in " ".join((ROOT / "README.md").read_text().split())  # the README quotes the comment reviewers see


def test_the_sandbox_chain_is_not_signed(sandbox: Path, tmp_path: Path) -> None:
    """A run statement points at a signed approval; the offline gate's unsigned answer is none."""
    key = org_key(tmp_path / "keys")
    gate(sandbox, tmp_path / "att.json")
    before = (sandbox / REGISTER).read_bytes()
    done = record(
        sandbox, "--config", AXOLOTL, "--config", DEVICES, "--gate-attestation", tmp_path / "att.json",
        "--started-at", "2026-03-03T08:00:00Z", "--finished-at", "2026-03-03T12:00:00Z",
        "--signing-key", key.private, "--statement-out", tmp_path / "run.dsse.json",
    )  # fmt: skip
    assert done.returncode == 2
    assert "--statement-out: the offline gate's unsigned answer is no statement a run statement can point at" in done.stderr
    assert (sandbox / REGISTER).read_bytes() == before and not (tmp_path / "run.dsse.json").exists()


# -- an unreviewed round trains and is evaluated, never deployed -----------------------------------


def _evaluated(repo: Path, tmp_path: Path) -> None:
    gate(repo, tmp_path / "att.json")
    done = record(
        repo,
        "--config",
        AXOLOTL,
        "--config",
        DEVICES,
        "--gate-attestation",
        tmp_path / "att.json",
        "--started-at",
        "2026-03-03T08:00:00Z",
        "--finished-at",
        "2026-03-03T12:00:00Z",
    )
    assert done.returncode == 0, done.stderr
    done = run_ftgov(
        "evaluate",
        "ledger-r3",
        "--candidate",
        str(RESULTS / "r3-good"),
        "--baseline",
        str(RESULTS / "base"),
        "--parent",
        str(RESULTS / "r2"),
        "--record",
        "--repo-root",
        str(repo),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert r3(repo)["status"] == "evaluated"


def test_deploy_is_refused_for_an_unreviewed_round_and_reject_is_not(sandbox: Path, tmp_path: Path) -> None:
    _evaluated(sandbox, tmp_path)
    before = (sandbox / REGISTER).read_bytes()
    deploy = run_ftgov(
        "decide", "ledger-r3", "--action", "deploy", "--reason", "looks good", "--by", "dana-ml", "--repo-root", str(sandbox)
    )
    assert deploy.returncode == 1 and deploy.stdout == ""
    assert "ledger-r3 cannot move from evaluated to deployed" in deploy.stderr
    assert "approved unreviewed" in deploy.stderr and "gate.allow_unreviewed_local" in deploy.stderr
    assert (sandbox / REGISTER).read_bytes() == before
    reject = run_ftgov(
        "decide", "ledger-r3", "--action", "reject", "--reason", "sandbox practice", "--by", "dana-ml", "--repo-root", str(sandbox)
    )
    assert reject.returncode == 0, reject.stderr
    assert r3(sandbox)["status"] == "rejected"
    checked = check(sandbox)
    assert checked.returncode == 0 and "FTG925" in checked.stdout


def test_a_register_recording_an_unreviewed_round_deployed_fails_FTG926(sandbox: Path, tmp_path: Path) -> None:
    _evaluated(sandbox, tmp_path)
    register = sandbox / REGISTER
    text = register.read_text()
    earlier, _, round3 = text.rpartition("    status: evaluated\n")  # round 3's, the last round
    assert UNREVIEWED_COMMENT in round3
    deployed = "    decision: {action: deploy, by: dana-ml, at: 2026-12-31T00:00:00Z, reason: by hand}\n"
    register.write_text(earlier + "    status: deployed\n" + round3 + deployed)
    assert r3(sandbox)["status"] == "deployed"
    checked = run_ftgov("check", "--format", "json", "--repo-root", str(sandbox))
    assert checked.returncode == 1
    findings = json.loads(checked.stdout)["findings"]
    codes = {f["rule"] for f in findings}
    assert "FTG926" in codes and "FTG925" in codes
    ftg926 = next(f for f in findings if f["rule"] == "FTG926")
    status_line = max(i for i, line in enumerate(register.read_text().splitlines(), 1) if line == "    status: deployed")  # round 3's
    assert ftg926["line"] == status_line


def test_the_rules_are_documented() -> None:
    for code in ("FTG925", "FTG926"):
        page = run_ftgov("rules", code)
        assert page.returncode == 0
        for section in ("Why this matters:", "Example", "Fix:"):
            assert section in page.stdout


# -- the README tutorial, run as pasted -------------------------------------------------------------


def tutorial() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Practise the chain offline", 1)
    assert len(section) == 2, "README has no 'Practise the chain offline' section"
    block = re.search(r"```sh\n(.*?)```", section[1], re.DOTALL)
    assert block is not None
    return block.group(1)


def test_the_readme_tutorial_runs_as_pasted_on_a_fresh_copy(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # a tracked file another change deleted in the working tree is not part of the copy
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["TMPDIR"] = str(temporary)
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        env.pop(name, None)  # the tutorial must set its own identity: a new user's machine may have none
    done = subprocess.run(
        ["bash", "-e", "-u", "-o", "pipefail", "-c", tutorial()], cwd=clone, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    [sandbox] = [p for p in temporary.iterdir() if p.is_dir()]
    loaded = parse_document((sandbox / "registers" / "support-agent.yaml").read_text(), "registers/support-agent.yaml")
    assert not isinstance(loaded, Finding)
    [round1] = loaded.data["rounds"]
    assert round1["status"] == "abandoned"
    assert round1["approval"]["unreviewed"] is True and round1["approval"]["forge"] == "git"
    assert round1["evaluation"]["verdict"] == "pass"
    assert round1["decision"]["action"] == "abandon"
    assert "cannot move from evaluated to deployed" in done.stderr
    assert "FTG925" in done.stdout
