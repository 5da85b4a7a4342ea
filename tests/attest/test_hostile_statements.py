"""Hostile statement files and options: a deny or a usage error, never exit 70 and a traceback.

Whoever can write the bundle storage can hand every launcher such a file; a crash there is a
denial of every launch and, through require_approved, an uncaught exception in the launcher.
Found by an independent review.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ftgov.attest.verify import Refused, trusted_signers, verify_file
from ftgov.gate.gate import GateDenied, require_approved

from ..conftest import run_ftgov_process
from ..repository import build_ledger_repo
from ..signing import org_key, trust_in_policy

HUGE = "1" * 5000  # json.loads raises ValueError (int max str digits), not JSONDecodeError


def _hostile(tmp_path: Path) -> Path:
    bundle = tmp_path / "bundle.dsse.json"
    bundle.write_text('{"payloadType": "application/vnd.in-toto+json", "payload": "", "signatures": [], "n": ' + HUGE + "}")
    return bundle


def test_verify_file_refuses_a_huge_integer(tmp_path: Path) -> None:
    """A bundle holding a 5000-digit integer is a Refused, not a ValueError escaping verify_file."""
    key = org_key(tmp_path / "k")
    with pytest.raises(Refused):
        verify_file(_hostile(tmp_path), trusted_signers((key.public,)))


def test_require_approved_denies_a_huge_integer(tmp_path: Path) -> None:
    """require_approved(attestation=hostile) raises GateDenied, not ValueError, so a launcher catching GateDenied is not crashed."""
    key = org_key(tmp_path / "k")
    with pytest.raises(GateDenied):
        require_approved("ledger-r3", attestation=_hostile(tmp_path), trusted_keys=(key.public,))


# A lone UTF-16 surrogate in a field a refusal quotes: the report could not be encoded as UTF-8 (second review).
SURROGATE_KEYID = '{"payloadType": "application/vnd.in-toto+json", "payload": "e30=", "signatures": [{"keyid": "\\ud800", "sig": "AAAA"}]}'
HOSTILE_FILES = {"a huge integer": '{"payloadType": "application/vnd.in-toto+json", "payload": "", "signatures": [], "n": ' + HUGE + "}",
                 "a lone surrogate keyid": SURROGATE_KEYID}  # fmt: skip
READERS = ["gate-train", "gate-train-out", "gate-deploy", "verify", "record-run"]


@pytest.mark.parametrize("hostile", sorted(HOSTILE_FILES))
@pytest.mark.parametrize("command", READERS)
def test_every_reader_answers_a_hostile_file_with_1_or_2_never_70(tmp_path: Path, command: str, hostile: str) -> None:
    """ftgov gate (train, with --out, deploy), verify and record-run deny or refuse; none crashes."""
    key = org_key(tmp_path / "k")
    bundle = tmp_path / "ID.approval.dsse.json"
    bundle.write_text(HOSTILE_FILES[hostile])
    repo = build_ledger_repo(tmp_path / "repo")
    trust_in_policy(repo, key)  # so record-run gets as far as reading the statement
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


def test_a_huge_max_age_is_a_usage_error(tmp_path: Path) -> None:
    """--max-age 99999999999d overflows timedelta: exit 2 naming the option, not exit 70."""
    key = org_key(tmp_path / "k")
    hostile = str(_hostile(tmp_path))
    done = run_ftgov_process("gate", "x", "--attestation", hostile, "--trusted-key", str(key.public), "--max-age", "99999999999d")
    assert done.returncode == 2, done.stderr[-600:]
    assert "--max-age" in done.stderr
