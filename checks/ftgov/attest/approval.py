"""The approval statement: the gate's allow, signed, with the files it judged pinned by sha256.

`ftgov attest` builds it on the default branch from the online gate's answer; a launcher
judges it offline (`judge`) before training. The subjects are the objective file (first),
the policy, the schemas and the model's register as they were at the commit the gate
pinned; the predicate is the gate's JSON, trust root included, plus the objective's text,
so that a launcher holding only the bundle has the exact bytes that were approved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ftgov.attest.age import age_reason
from ftgov.attest.statement import APPROVAL, Statement, Subject, sha256
from ftgov.attest.verify import Verified
from ftgov.documents import paths, times

OBJECTIVE_TEXT = "objective_text"  # the predicate key carrying the approved objective's text


def statement(gate_answer: Mapping[str, Any], objective_path: str, files: Mapping[str, bytes]) -> Statement:
    """The approval statement for a gate allow; `files` maps repository paths to their bytes at the pinned head."""
    objective = files[objective_path]
    subjects = [Subject(objective_path, sha256(objective))]
    subjects += [Subject(path, sha256(data)) for path, data in sorted(files.items()) if path != objective_path]
    predicate = {key: value for key, value in gate_answer.items() if key != "api_calls"}
    predicate[OBJECTIVE_TEXT] = objective.decode("utf-8")
    return Statement(tuple(subjects), APPROVAL, predicate)


@dataclass(frozen=True)
class Judgement:
    """What the offline gate concludes from one verified approval statement."""

    reasons: tuple[str, ...]
    objective_bytes: bytes | None  # the approved objective, when the statement carries it intact
    signed_at: dt.datetime | None

    @property
    def allowed(self) -> bool:
        return not self.reasons


def judge(
    verified: Verified,
    objective_id: str,
    *,
    now: dt.datetime,
    max_age: dt.timedelta,
    objective_bytes: bytes | None = None,
    started_at: dt.datetime | None = None,
    stage: str = "train",
) -> Judgement:
    """Reasons an approval statement does not allow `stage` for `objective_id` now; none means allow.

    `objective_bytes` is the file the launcher is about to train from, when it has one; the
    statement's subject digest must equal its sha256. Without it, the carried text is
    what was approved, and it must match the subject digest itself.
    """
    statement_, predicate = verified.statement, verified.statement.predicate
    if statement_.predicate_type != APPROVAL:
        return Judgement((f"{verified.path} is a {statement_.predicate_type} statement, not an ftgov approval ({APPROVAL})",), None, None)
    reasons: list[str] = []
    if predicate.get("objective") != objective_id:
        reasons.append(f"the approval is for objective {predicate.get('objective')!r}, not {objective_id}")
    if predicate.get("decision") != "allow":
        reasons.append(f"the signed gate answer is {predicate.get('decision')!r}, not allow")
    if predicate.get("stage", "train") != stage:
        reasons.append(f"the approval is for stage {predicate.get('stage')!r}, not {stage}")
    if predicate.get("approvals") == "unverified":
        reasons.append("the signed answer came from a local clone (approvals unverified): it never allows a launch")
    approved, digest_reasons = _approved_bytes(statement_, predicate, objective_id, objective_bytes)
    reasons += digest_reasons
    signed_at = verified.signed_at or times.zoned(predicate.get("checked_at"))
    stale = age_reason(signed_at, now, max_age, "the approval")
    if stale:
        reasons.append(stale)
    merged_at = times.zoned(predicate.get("merged_at"))
    if started_at is not None and merged_at is not None and started_at < merged_at:
        reasons.append(f"training starts at {times.iso(started_at)}, before the objective's PR merged ({times.iso(merged_at)})")
    return Judgement(tuple(reasons), approved if not reasons else None, signed_at)


def _approved_bytes(
    statement_: Statement, predicate: Mapping[str, Any], objective_id: str, objective_bytes: bytes | None
) -> tuple[bytes | None, list[str]]:
    path = predicate.get("objective_path")
    if not isinstance(path, str) or not paths.is_objective_path(path) or not path.endswith(f"/{objective_id}.yaml"):
        return None, [f"the approval names objective path {path!r}, not objectives/<model>/{objective_id}.yaml"]
    subject = statement_.subject(path)
    if subject is None:
        return None, [f"the approval's subjects do not include {path}"]
    reasons: list[str] = []
    text = predicate.get(OBJECTIVE_TEXT)
    carried = text.encode("utf-8") if isinstance(text, str) else None
    if carried is not None and sha256(carried) != subject.sha256:
        reasons.append(f"the objective text the approval carries does not have its subject's sha256 ({subject.sha256})")
    if objective_bytes is not None and sha256(objective_bytes) != subject.sha256:
        reasons.append(
            f"the objective to train has sha256 {sha256(objective_bytes)}, but the approval is for {path} with sha256 {subject.sha256}"
        )
    if objective_bytes is None and carried is None:
        reasons.append(f"the approval carries no objective text, and no objective file was given to compare with {path}")
    return (objective_bytes if objective_bytes is not None else carried), reasons
