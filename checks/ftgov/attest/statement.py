"""The in-toto Statement v1: what is attested (subjects, by sha256), of which kind, and the claim itself.

https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md. The bytes signed are
the statement serialised once (sorted keys, no spaces, UTF-8); verification parses the
signed bytes back, never a re-serialisation, and its digest (`digest`) is what the next
statement of a chain points at.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"

APPROVAL = "https://ftgov.dev/attestation/approval/v1"
RUN = "https://ftgov.dev/attestation/run/v1"
TEST_RESULT = "https://in-toto.io/attestation/test-result/v0.1"
DECISION = "https://ftgov.dev/attestation/decision/v1"

_SHA256 = re.compile(r"[0-9a-f]{64}")


class StatementError(ValueError):
    """Signed bytes that are not an in-toto Statement v1 of the shape ftgov writes; the message says which part."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Subject:
    """One attested file: its name (a repository path or URI) and the sha256 of its bytes."""

    name: str
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "digest": {"sha256": self.sha256}}


@dataclass(frozen=True)
class Statement:
    subjects: tuple[Subject, ...]
    predicate_type: str
    predicate: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "_type": STATEMENT_TYPE,
            "subject": [subject.to_json() for subject in self.subjects],
            "predicateType": self.predicate_type,
            "predicate": dict(self.predicate),
        }

    def to_bytes(self) -> bytes:
        """The bytes that are signed: one serialisation, so the same statement always has the same digest."""
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def digest(self) -> str:
        return sha256(self.to_bytes())

    def subject(self, name: str) -> Subject | None:
        return next((s for s in self.subjects if s.name == name), None)


def parse(payload: bytes) -> Statement:
    """The statement in signed bytes; StatementError when they are not a Statement v1 with sha256 subjects."""
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # ValueError: JSONDecodeError, or an integer too long
        raise StatementError(f"the signed payload is not JSON ({type(exc).__name__})") from exc
    if not isinstance(data, dict) or data.get("_type") != STATEMENT_TYPE:
        raise StatementError(f"the signed payload is not an in-toto Statement v1 (_type {_type_of(data)!r})")
    predicate_type, predicate = data.get("predicateType"), data.get("predicate")
    if not isinstance(predicate_type, str) or not isinstance(predicate, dict):
        raise StatementError("the statement has no predicateType or no predicate object")
    raw_subjects = data.get("subject")
    if not isinstance(raw_subjects, list) or not raw_subjects:
        raise StatementError("the statement names no subject")
    return Statement(tuple(_subject(item) for item in raw_subjects), predicate_type, predicate)


def _type_of(data: Any) -> Any:
    return data.get("_type") if isinstance(data, dict) else type(data).__name__


def _subject(item: Any) -> Subject:
    digest = item.get("digest") if isinstance(item, dict) else None
    name = item.get("name") if isinstance(item, dict) else None
    value = digest.get("sha256") if isinstance(digest, dict) else None
    if not isinstance(name, str) or not isinstance(value, str) or not _SHA256.fullmatch(value):
        raise StatementError(f"subject {name!r} has no sha256 digest (64 lowercase hex digits)")
    return Subject(name, value)
