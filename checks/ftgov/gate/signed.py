"""The gate from signed statements: allow or deny offline, with zero requests to any forge.

A launcher holding a bundle `ftgov attest` published and the public key or workflow identity
it trusts asks the same question as the online gate and gets an answer of the same shape.
The statement is only as current as its signature: `--max-age` bounds how stale it may be,
and the answer says when it was signed and by whom. Nothing here imports `gate.forge`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftgov.attest import approval
from ftgov.attest.statement import APPROVAL
from ftgov.attest.verify import Refused, TrustedSigners, Verified, verify_file
from ftgov.documents import times
from ftgov.documents.errors import InputError

# The predicate's fields the answer repeats: what the online gate saw when it signed.
_FROM_PREDICATE = (
    "blob_sha", "pull_request", "merged_at", "approvals", "risk_tier", "required_roles", "branch", "head_sha",
    "objective_path", "policy_blob_sha", "register_blob_sha", "schemas", "trust_root", "forge",
)  # fmt: skip


@dataclass(frozen=True)
class SignedAnswer:
    """The offline gate's answer; the same JSON keys as the online gate's, plus what was verified."""

    decision: str  # allow | deny
    objective: str
    reasons: tuple[str, ...]
    checked_at: dt.datetime
    stage: str = "train"
    checkpoint: str | None = None
    predicate: Mapping[str, Any] = field(default_factory=dict)  # the signed approval's predicate, when one verified
    verified: tuple[Verified, ...] = ()
    signed_at: dt.datetime | None = None
    objective_bytes: bytes | None = field(default=None, repr=False)  # the approved objective (allow only)
    undecided: bool = False  # never: offline there is nothing that cannot answer

    @property
    def allowed(self) -> bool:
        return self.decision == "allow"

    @property
    def exit_code(self) -> int:
        return 0 if self.allowed else 1

    @property
    def head_sha(self) -> str | None:
        return _text(self.predicate.get("head_sha"))

    @property
    def branch(self) -> str | None:
        return _text(self.predicate.get("branch"))

    @property
    def objective_path(self) -> str | None:
        return _text(self.predicate.get("objective_path"))

    def to_json(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"decision": self.decision, "objective": self.objective, "stage": self.stage}
        payload.update(checkpoint=self.checkpoint, reasons=list(self.reasons))
        payload.update({key: self.predicate.get(key) for key in _FROM_PREDICATE})
        payload["signed_at"] = None if self.signed_at is None else times.iso(self.signed_at)
        payload["statements"] = [v.to_json() for v in self.verified]
        payload["checked_at"] = times.iso(self.checked_at)
        payload["api_calls"] = {"requests": 0, "not_modified": 0, "served_from_cache": 0}
        return payload

    def render_json(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"

    def render_text(self) -> str:
        lines = [f"{self.decision.upper()}: objective {self.objective}, from signed statements (offline, no requests)"]
        for item in self.verified:
            when = f", signed {times.iso(item.signed_at)}" if item.signed_at else ""
            lines.append(f"  {item.path}: {item.statement.predicate_type} by {item.signer}{when}")
        if self.predicate.get("pull_request") is not None:
            lines.append(
                f"  approved: PR #{self.predicate.get('pull_request')} merged {self.predicate.get('merged_at')} "
                f"at {self.predicate.get('head_sha')}"
            )
        lines.extend(f"  - {reason}" for reason in self.reasons)
        return "\n".join(lines) + "\n"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def decide_train(
    objective_id: str,
    attestation: Path,
    signers: TrustedSigners,
    *,
    max_age: dt.timedelta,
    objective_file: Path | None = None,
    started_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> SignedAnswer:
    """May training for `objective_id` start, judged from one signed approval statement alone.

    A statement that does not verify, or verifies and does not allow, is a deny with the
    reason (exit 1); a file or key that cannot be read is an InputError (exit 2).
    `objective_file` is what the launcher will train from: its sha256 must be the subject's.
    """
    moment = now or dt.datetime.now(dt.UTC)
    local = _read(objective_file) if objective_file is not None else None
    try:
        verified = verify_file(attestation, signers)
    except Refused as exc:
        return SignedAnswer("deny", objective_id, (str(exc),), moment)
    judgement = approval.judge(verified, objective_id, now=moment, max_age=max_age, objective_bytes=local, started_at=started_at)
    decision = "allow" if judgement.allowed else "deny"
    predicate = verified.statement.predicate if verified.statement.predicate_type == APPROVAL else {}
    return SignedAnswer(
        decision, objective_id, judgement.reasons, moment, predicate=predicate, verified=(verified,),
        signed_at=judgement.signed_at, objective_bytes=judgement.objective_bytes,
    )  # fmt: skip


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"--objective {path}: cannot read it ({exc.strerror or type(exc).__name__})") from exc
