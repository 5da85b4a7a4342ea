"""`ftgov verify`: an auditor's look at any signed statement, offline."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from ..conftest import run_ftgov
from ..signed_chain import decision_statement, valid_links
from ..signing import gate_answer, org_key, sign_approval

OBJECTIVE = "objectives/support-agent/support-agent-r4.yaml"


def _bundle(tmp_path: Path, **fields: object) -> tuple[Path, Path]:
    key = org_key(tmp_path / "keys")
    files = {OBJECTIVE: b"id: support-agent-r4\n", "policies/policy.yaml": b"apiVersion: ftgov/v1\n"}
    bundle = sign_approval(key, tmp_path / "b.dsse.json", gate_answer("support-agent-r4", OBJECTIVE, **fields), OBJECTIVE, files)
    return bundle, key.public


def test_a_signed_statement_is_printed_with_its_signer_digest_and_subjects(tmp_path: Path) -> None:
    bundle, public = _bundle(tmp_path)
    done = run_ftgov("verify", str(bundle), "--trusted-key", str(public), "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["verified"] is True and report["signer_kind"] == "key"
    assert report["statement"]["subject"][0]["name"] == OBJECTIVE
    assert report["statement"]["predicate"]["decision"] == "allow"
    text = run_ftgov("verify", str(bundle), "--trusted-key", str(public))
    assert text.returncode == 0 and text.stdout.startswith("VERIFIED: https://ftgov.dev/attestation/approval/v1")
    assert f"statement sha256 {report['statement_sha256']}" in text.stdout


def test_unsigned_untrusted_and_stale_statements_exit_1_and_a_missing_signer_exits_2(tmp_path: Path) -> None:
    bundle, public = _bundle(tmp_path)
    other = org_key(tmp_path / "other")
    untrusted = run_ftgov("verify", str(bundle), "--trusted-key", str(other.public))
    assert untrusted.returncode == 1 and untrusted.stdout.startswith("NOT VERIFIED") and "no signature verifies" in untrusted.stdout
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({"decision": "allow", "objective": "support-agent-r4", "pull_request": 12}))
    unsigned = run_ftgov("verify", str(forged), "--trusted-key", str(public), "--format", "json")
    assert unsigned.returncode == 1 and json.loads(unsigned.stdout)["verified"] is False
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=8)).isoformat().replace("+00:00", "Z")
    stale_bundle, stale_key = _bundle(tmp_path / "stale", checked_at=old)
    stale = run_ftgov("verify", str(stale_bundle), "--trusted-key", str(stale_key))
    assert stale.returncode == 1 and "more than 7 days ago" in stale.stdout
    assert run_ftgov("verify", str(stale_bundle), "--trusted-key", str(stale_key), "--max-age", "9d").returncode == 0
    assert run_ftgov("verify", str(stale_bundle), "--trusted-key", str(stale_key), env={"FTGOV_MAX_AGE": "9d"}).returncode == 0
    nobody = run_ftgov("verify", str(bundle))
    assert nobody.returncode == 2 and "--trusted-key" in nobody.stderr
    missing = run_ftgov("verify", str(tmp_path / "absent.json"), "--trusted-key", str(public))
    assert missing.returncode == 2 and "cannot read" in missing.stderr and "Traceback" not in missing.stderr


def test_max_age_bounds_a_decision_statement_by_the_time_it_was_issued(tmp_path: Path) -> None:
    """A deploy decision issued 400 days ago printed VERIFIED under --max-age 1d: only approvals' times were read (review finding)."""
    key = org_key(tmp_path / "k")
    old = decision_statement(valid_links().evaluation.digest(), issued=dt.datetime.now(dt.UTC) - dt.timedelta(days=400))
    bundle = key.sign(old, tmp_path / "decision.dsse.json")
    done = run_ftgov("verify", str(bundle), "--trusted-key", str(key.public), "--max-age", "1d")
    assert done.returncode == 1 and "more than 1 day ago" in done.stdout, done.stdout[:300]
