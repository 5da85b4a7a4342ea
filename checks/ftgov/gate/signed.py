"""The gate from signed statements: allow or deny offline, with zero requests to any forge.

A launcher holding a bundle `ftgov attest` published and the public key or workflow identity
it trusts asks the same question as the online gate and gets an answer of the same shape.
The statement is only as current as its signature: `--max-age` bounds how stale it may be,
and the answer says when it was signed and by whom. Nothing here asks a forge.

The deploy stage (`decide_deploy`) reads the whole chain instead: the approval, the run
record-run signed, the evaluation `evaluate --record` signed and the decision `decide`
signed, each verified and each pointing at the one before by digest. --max-age bounds the
decision, the newest link; a rollback recorded after it was signed is invisible offline.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftgov.attest import approval, chain
from ftgov.attest.age import age_reason
from ftgov.attest.statement import APPROVAL, RUN, TEST_RESULT
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
        if self.stage == "deploy":
            lines.append(f"  checkpoint: {self.checkpoint}")
            lines.append(f"  {INVISIBLE_WITHDRAWAL}")
        lines.extend(f"  - {reason}" for reason in self.reasons)
        return "\n".join(lines) + "\n"


# What an offline deploy answer cannot know, said with every one.
INVISIBLE_WITHDRAWAL = (
    "offline, the decision statement is the newest thing known: a rollback or retirement recorded after it was signed "
    "is invisible here (--max-age bounds that window)"
)


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


def decide_deploy(
    objective_id: str,
    attestations: Sequence[Path],
    signers: TrustedSigners,
    *,
    checkpoint: str,
    max_age: dt.timedelta,
    now: dt.datetime | None = None,
    pipeline: TrustedSigners | None = None,
) -> SignedAnswer:
    """May `checkpoint` of `objective_id`'s round be deployed, judged from its chain of signed statements alone.

    `attestations` holds the approval, run, evaluation and decision statements in any order,
    told apart by predicate type: exactly one of each, every one verifying under `signers`;
    a missing, extra, duplicated or unverified statement denies. The approval must allow
    this objective (at any age: it is months old by deployment); its objective digest anchors
    the chain, and each later statement must name it and point at the one before by digest.
    The run must have trained `checkpoint` (compared exactly, as the online deploy gate
    compares the round's own run.checkpoint), the evaluation must be PASSED, the decision
    a deploy no older than `max_age`.

    Two scopes of trust: `signers` (the governance signers: the default-branch workflow or the
    organisation key) may sign every link and must sign the approval and the decision;
    `pipeline` (the training and evaluation pipelines' keys or workflow identities) may sign
    the run and evaluation statements only. A launcher's key must never be able to stand in
    for the reviewers' approval or decision, so a pipeline's signature there denies.
    """
    moment = now or dt.datetime.now(dt.UTC)
    reasons: list[str] = []
    verified: list[Verified] = []
    for path in attestations:
        try:
            verified.append(_verify_in_scope(path, signers, pipeline))
        except Refused as exc:
            reasons.append(str(exc))
    links: dict[str, list[Verified]] = {kind: [] for kind in chain.CHAIN}
    for item in verified:
        if item.statement.predicate_type in links:
            links[item.statement.predicate_type].append(item)
        else:
            reasons.append(f"{item.path}: a {item.statement.predicate_type} statement, not one of the chain to deployment ({_CHAIN_WORDS})")
    for kind, found in links.items():
        if len(found) > 1:
            named = ", ".join(str(v.path) for v in found)
            reasons.append(f"{len(found)} {chain.LINK[kind]} statements ({named}): the chain holds exactly one of each ({_CHAIN_WORDS})")
        elif not found:
            reasons.append(f"no verified {chain.LINK[kind]} statement among --attestation: the chain to deployment is {_CHAIN_WORDS}")
    ordered = sorted(verified, key=lambda v: chain.CHAIN.index(v.statement.predicate_type) if v.statement.predicate_type in links else 4)
    approvals = links[APPROVAL]
    predicate = approvals[0].statement.predicate if len(approvals) == 1 else {}
    signed_at = None
    if not reasons:
        link = _Chain(*(links[kind][0] for kind in chain.CHAIN))
        reasons, signed_at = _chain_reasons(objective_id, link, checkpoint, moment, max_age)
    return SignedAnswer(
        "deny" if reasons else "allow", objective_id, tuple(reasons), moment, stage="deploy", checkpoint=checkpoint,
        predicate=predicate, verified=tuple(ordered), signed_at=signed_at,
    )  # fmt: skip


_CHAIN_WORDS = "approval, run, evaluation, decision: one of each"
# The links a pipeline's signer may sign: what the pipeline itself did. Approval and decision are the reviewers'.
_PIPELINE_LINKS = (RUN, TEST_RESULT)


def _verify_in_scope(path: Path, governance: TrustedSigners, pipeline: TrustedSigners | None) -> Verified:
    """The statement verified under the governance signers, else under the pipeline's for a run or evaluation only."""
    try:
        return verify_file(path, governance)
    except Refused as governance_refusal:
        if not pipeline:
            raise
        try:
            verified = verify_file(path, pipeline)
        except Refused:
            raise governance_refusal from None
    if verified.statement.predicate_type not in _PIPELINE_LINKS:
        raise Refused(
            f"{path}: a {chain.LINK.get(verified.statement.predicate_type, verified.statement.predicate_type)} statement signed by "
            f"{verified.signer}, a pipeline signer; pipeline signers are trusted for run and evaluation statements only, the "
            "approval and the decision must be signed by --trusted-key / --trusted-identity"
        )
    return verified
# The approval's age is not the deploy gate's question: training started long ago under it.
# Its signing time must still not lie in the future (the clock check in age_reason).
_ANY_AGE = dt.timedelta.max


@dataclass(frozen=True)
class _Chain:
    approval: Verified
    run: Verified
    evaluation: Verified
    decision: Verified


def _chain_reasons(
    objective_id: str, links: _Chain, checkpoint: str, now: dt.datetime, max_age: dt.timedelta
) -> tuple[list[str], dt.datetime | None]:
    """Why the chain does not allow deploying `checkpoint`, each reason naming its link; and when the decision was signed."""
    judgement = approval.judge(links.approval, objective_id, now=now, max_age=_ANY_AGE)
    reasons = [f"approval statement ({links.approval.path}): {reason}" for reason in judgement.reasons]
    anchor = chain.objective_digest(links.approval.statement, objective_id)
    reasons += _link_reasons(links.run, links.approval, objective_id, anchor)
    reasons += _checkpoint_reasons(links.run, checkpoint)
    reasons += _link_reasons(links.evaluation, links.run, objective_id, anchor)
    result = chain.result_of(links.evaluation.statement)
    if result != "PASSED":
        reasons.append(
            f"evaluation statement ({links.evaluation.path}): the result is {result}, not PASSED: only a round that passed is deployed"
        )
    reasons += _link_reasons(links.decision, links.evaluation, objective_id, anchor)
    action = chain.action_of(links.decision.statement)
    if action != "deploy":
        reasons.append(f"decision statement ({links.decision.path}): the decision is {action}, not deploy")
    signed_at = links.decision.signed_at or times.zoned(links.decision.statement.predicate.get("issued_at"))
    stale = age_reason(signed_at, now, max_age, "the decision statement")
    if stale:
        reasons.append(f"decision statement ({links.decision.path}): {stale}; a rollback recorded since would be invisible offline")
    return reasons, signed_at


def _link_reasons(link: Verified, before: Verified, objective_id: str, anchor: str | None) -> list[str]:
    """The link is for this objective (its digest the approval's) and points at the statement before it."""
    kind = link.statement.predicate_type
    name, before_name = chain.LINK[kind], chain.LINK[before.statement.predicate_type]
    reasons = [f"{name} statement ({link.path}): {reason}" for reason in chain.link_reasons(link.statement, kind, objective_id, anchor)]
    pointed = chain.previous_digest(link.statement)
    if pointed != before.digest:
        reasons.append(
            f"{name} statement ({link.path}): points at statement sha256 {pointed}, not at the {before_name} statement given "
            f"({before.path}, sha256 {before.digest}): the chain is broken between {before_name} and {name}"
        )
    return reasons


def _checkpoint_reasons(run: Verified, checkpoint: str) -> list[str]:
    """The run trained exactly `checkpoint`: one spelling, as the online deploy gate compares the round's run.checkpoint."""
    from ftgov.gate.deploy import same_checkpoint

    recorded = chain.checkpoint_of(run.statement)
    if recorded is None:
        return [f"run statement ({run.path}): it records no checkpoint, so nothing shows the run trained {checkpoint}"]
    if recorded == checkpoint:
        return []
    if same_checkpoint(recorded) == same_checkpoint(checkpoint):
        return [
            f"run statement ({run.path}): the run trained {recorded}, which {checkpoint} only respells; the checkpoint is "
            "compared exactly, as the online deploy gate compares it: deploy it as the run statement records it"
        ]
    return [f"run statement ({run.path}): the run trained checkpoint {recorded}, not {checkpoint}"]
