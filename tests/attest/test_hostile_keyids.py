"""A hostile bundle carrying a lone UTF-16 surrogate (JSON "\\ud800") in a field a refusal quotes crashes the
offline gate and `ftgov verify` with exit 70 instead of a deny."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..conftest import run_ftgov_process
from ..repository import build_ledger_repo
from ..signing import org_key, trust_in_policy

HOSTILE = '{"payloadType": "application/vnd.in-toto+json", "payload": "e30=", "signatures": [{"keyid": "\\ud800", "sig": "AAAA"}]}'


@pytest.mark.parametrize("command", ["gate-train", "gate-deploy", "verify", "gate-train-out", "record-run"])
def test_attack_lone_surrogate_keyid_is_a_deny_not_a_crash(tmp_path: Path, command: str) -> None:
    """An unsigned envelope whose keyid is "\\ud800": anyone who can write the bundle store makes every launcher exit 70."""
    key = org_key(tmp_path / "k")
    bundle = tmp_path / "ID.approval.dsse.json"
    bundle.write_text(HOSTILE)
    repo = build_ledger_repo(tmp_path / "repo")
    trust_in_policy(repo, key)
    config = tmp_path / "adapter_config.json"
    config.write_text('{"r": 8}')
    args = {
        "gate-train": ["gate", "ledger-r3", "--attestation", str(bundle)],
        "gate-train-out": ["gate", "ledger-r3", "--attestation", str(bundle), "--out", str(tmp_path / "answer.txt")],
        "gate-deploy": ["gate", "ledger-r3", "--stage", "deploy", "--checkpoint", "s3://x", "--attestation", str(bundle)],
        "verify": ["verify", str(bundle)],
        "record-run": ["record-run", "ledger-r3", "--config", str(config), "--gate-attestation", str(bundle), "--repo-root", str(repo)],
    }[command]
    done = run_ftgov_process(*args, "--trusted-key", str(key.public))
    assert done.returncode in (1, 2), done.stderr[-600:]
    assert "Traceback" not in done.stderr
