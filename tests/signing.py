"""Keys made in the test and statements signed with them: the organisation-key path, offline.

`org_key(tmp)` writes a fresh Ed25519 (or ECDSA P-256) key pair and returns the signer with
the public key's path, as a launcher is given it. `sign_approval` signs the approval
statement `ftgov attest` would publish for a gate answer, so tests of record-run, the offline
gate and the launchers read the same bytes a launcher reads. `trust_in_policy` names a key
in a repository's policy (gate.approval_signers), the only signers record-run verifies an
approval under.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from ftgov.attest import approval, keys
from ftgov.attest.sign import KeySigner
from ftgov.attest.statement import Statement


@dataclass(frozen=True)
class OrgKey:
    signer: KeySigner
    public: Path  # the PEM a launcher trusts (--trusted-key)
    private: Path  # the PEM the signing workflow holds (--signing-key)

    def sign(self, statement: Statement, out: Path) -> Path:
        out.write_bytes(self.signer.sign(statement))
        return out


def org_key(directory: Path, kind: str = "ed25519", name: str = "org") -> OrgKey:
    private = ed25519.Ed25519PrivateKey.generate() if kind == "ed25519" else ec.generate_private_key(ec.SECP256R1())
    directory.mkdir(parents=True, exist_ok=True)
    private_path, public_path = directory / f"{name}.key", directory / f"{name}.pub"
    private_path.write_bytes(
        private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public_path.write_bytes(
        private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return OrgKey(KeySigner(keys.load_private_key(private_path.read_bytes(), str(private_path))), public_path, private_path)


def gate_answer(objective_id: str, objective_path: str, **fields: Any) -> dict[str, Any]:
    """A gate allow as `ftgov gate --format json` writes it; `fields` override any key."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    answer: dict[str, Any] = {
        "decision": "allow",
        "objective": objective_id,
        "stage": "train",
        "checkpoint": None,
        "reasons": [],
        "blob_sha": None,
        "pull_request": 7,
        "merged_at": (now - dt.timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
        "approvals": [
            {"login": "tess", "role": "technical", "team": "ml-leads", "submitted_at": None},
            {"login": "rita", "role": "risk", "team": "risk-reviewers", "submitted_at": None},
        ],
        "risk_tier": "medium",
        "required_roles": ["technical", "risk"],
        "branch": "main",
        "head_sha": "a" * 40,
        "objective_path": objective_path,
        "forge": {"kind": "github", "url": "https://api.github.com", "repository": "acme/governance"},
        "checked_at": now.isoformat().replace("+00:00", "Z"),
        "trust_root": None,
    }
    answer.update(fields)
    return answer


def sign_approval(
    key: OrgKey, out: Path, answer: Mapping[str, Any], objective_path: str, files: Mapping[str, bytes]
) -> Path:
    """Sign the approval statement for `answer`; `files` maps repository paths (the objective's included) to bytes."""
    return key.sign(approval.statement(answer, objective_path, files), out)


def trust_in_policy(repo: Path, *keys: OrgKey, identities: tuple[str, ...] = ()) -> None:
    """Name `keys` (and workflow identities) as gate.approval_signers in repo's policy, as an adopting team does once."""
    path = repo / "policies" / "policy.yaml"
    path.write_text(policy_naming(path.read_text(encoding="utf-8"), *keys, identities=identities), encoding="utf-8")


def policy_naming(policy: str, *keys: OrgKey, identities: tuple[str, ...] = ()) -> str:
    """`policy` (a policy.yaml's text) with `keys` and `identities` as its gate.approval_signers, the rest as it was."""
    yaml = YAML()
    # The fixtures' own layout, so the policy's diff is the signers and nothing else.
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    data = yaml.load(policy)
    signers = data.setdefault("gate", {}).setdefault("approval_signers", {})
    if keys:
        signers["keys"] = [LiteralScalarString(key.public.read_text(encoding="ascii")) for key in keys]
    if identities:
        signers["identities"] = list(identities)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
