"""What `gate --stage deploy` asks of a round in the register at the pinned commit.

The training gate asks whether a round may train; this asks whether one checkpoint of it may
be deployed: a reviewed round, deployed and not withdrawn, that trained exactly this
checkpoint (and no withdrawn round recorded it), whose evaluation passed and is bound to its
report, in a register whose rules hold for this round and every round before it. The history
side (who approved the report, what the decision was made on) is ftgov.provenance's.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ftgov.documents import paths, times
from ftgov.documents.access import mapping, sequence, text
from ftgov.documents.corrected import corrected
from ftgov.documents.document import Document
from ftgov.documents.findings import Finding, Severity
from ftgov.documents.lifecycle import DEAD, WITHDRAWN
from ftgov.documents.loader import decode, parse_document
from ftgov.documents.policy import Policy
from ftgov.documents.rules import register as register_rules
from ftgov.gate.forge import TreeReader


@dataclass(frozen=True)
class PinnedFiles:
    """The pinned tree as the register rules read it: every objective and report, one blob read each.

    `known` holds the files already read (the gated objective), so they cost nothing.
    """

    forge: TreeReader
    tree: dict[str, str]
    known: dict[str, bytes]

    def read_bytes(self, path: str) -> bytes | None:
        if path in self.known:
            return self.known[path]
        sha = self.tree.get(path)
        return None if sha is None else self.forge.blob(sha)

    def parse(self, raw: bytes, path: str) -> Document | None:
        decoded = decode(raw, path)
        loaded = parse_document(decoded, path) if isinstance(decoded, str) else decoded
        return loaded if isinstance(loaded, Document) else None


@dataclass(frozen=True)
class Deployable:
    """What the deploy stage found: its reasons to deny, and the register findings behind some of them."""

    reasons: list[str]
    findings: list[Finding]


def deploy_reasons(register: Document, index: int, policy: Policy, checkpoint: str, files: PinnedFiles) -> Deployable:
    """--stage deploy: a reviewed round, deployed and not withdrawn, that trained this checkpoint and passed its evaluation."""
    rounds = sequence(register.data, "rounds")
    entry = corrected(rounds[index])
    register_path = register.path
    objective_id = text(entry, "objective")
    reasons = [*_status_reasons(register_path, entry, text(register.data, "model"))]
    reasons.extend(_checkpoint_reasons(register_path, rounds, index, checkpoint))
    reasons.extend(_other_models_reasons(register_path, checkpoint, files))
    if text(entry, "objective_sha256") is None:
        reasons.append(f"{register_path} records no objective_sha256 for round {objective_id}: what was approved cannot be shown (FTG905)")
    evaluation = mapping(entry, "evaluation")
    if not evaluation:
        reasons.append(
            f"{register_path} records no evaluation for round {objective_id}: `ftgov evaluate {objective_id} --record` writes it, "
            "merged through a reviewed PR before the deploy decision"
        )
        return Deployable(reasons, [])
    decided, evaluated = times.zoned(mapping(entry, "decision").get("at")), times.zoned(evaluation.get("evaluated_at"))
    if decided is not None and evaluated is not None and decided < evaluated:
        reasons.append(
            f"{register_path} records round {objective_id}'s deploy decision at {times.iso(decided)}, before its evaluation at "
            f"{times.iso(evaluated)}: a decision is made on the evaluation, never before it"
        )
    verdict = text(evaluation, "verdict")
    if verdict != "pass":
        reasons.append(
            f"{register_path} records evaluation verdict {verdict} for round {objective_id}: only a round that passed is deployed"
        )
    # Every register rule, on the pinned files, for this round and the rounds its stack can rest on:
    # a pass the stack contradicts (FTG913), a measurement missing (FTG912), a parent never
    # evaluated (FTG907), an earlier round's objective changed (FTG905), a report not bound (FTG909, FTG915-917).
    found = [f for f in register_rules.check(register, policy, files) if f.severity is Severity.ERROR and _bears_on(f, index)]
    if found:
        reasons.append(f"{register_path} fails its rules for round {objective_id} or a round before it, as `ftgov check` reports them")
    return Deployable(reasons, found)


def _bears_on(finding: Finding, index: int) -> bool:
    """A finding about the register as a whole, or about a round at or before `index`."""
    pointer = finding.pointer
    if len(pointer) < 2 or pointer[0] != "rounds":
        return True
    return isinstance(pointer[1], int) and pointer[1] <= index


def _status_reasons(register_path: str, entry: dict[str, Any], model: str | None) -> list[str]:
    """Approved through a reviewed PR; deployed by a decision; never withdrawn."""
    objective_id = text(entry, "objective")
    reasons = []
    status = text(entry, "status")
    approval = mapping(entry, "approval")
    if approval.get("unreviewed") is True:
        reasons.append(
            f"{register_path} records round {objective_id} as approved unreviewed, through a local clone (gate.allow_unreviewed_local): "
            "a local sandbox round is never deployed (FTG926); train the change again as a round approved through a reviewed PR"
        )
    elif isinstance(approval.get("pull_request"), bool) or not isinstance(approval.get("pull_request"), int):
        reasons.append(
            f"{register_path} records no approving pull request for round {objective_id} (approval.pull_request): nothing shows "
            f"the round was approved through a reviewed PR; `ftgov record-run {objective_id} --gate-attestation FILE` records it"
        )
    decision, withdrawal = mapping(entry, "decision"), mapping(entry, "withdrawal")
    if withdrawal or status in WITHDRAWN:
        said = f" ({withdrawal.get('action')} by {withdrawal.get('by')} at {withdrawal.get('at')})" if withdrawal else ""
        reasons.append(
            f"{register_path} records round {objective_id} as {status}{said}: a withdrawn round is never deployed again; "
            f"deploy a live round, or train the change as a new round (`ftgov new {model}`)"
        )
    elif status in DEAD:
        reasons.append(f"{register_path} records round {objective_id} as {status}: it is never deployed")
    elif text(decision, "action") != "deploy":
        reasons.append(
            f"{register_path} records no deploy decision for round {objective_id} (status {status}): `ftgov decide {objective_id} "
            "--action deploy` records it, merged through a PR approved for the model's highest tier (its risk role decides)"
        )
    elif status != "deployed":
        reasons.append(f"{register_path} records a deploy decision for round {objective_id}, but its status is {status}, not deployed")
    return reasons


def _checkpoint_reasons(register_path: str, rounds: list[Any], index: int, checkpoint: str) -> list[str]:
    """The round recorded this checkpoint, and no other round ever did (recorded or corrected)."""
    entry = corrected(rounds[index])
    objective_id = text(entry, "objective")
    reasons = []
    recorded = text(mapping(entry, "run"), "checkpoint")
    if recorded is None:
        reasons.append(
            f"{register_path} records no run.checkpoint for round {objective_id}, so nothing shows it trained {checkpoint}; "
            f"`ftgov record-run {objective_id} --checkpoint URI` records it"
        )
    elif recorded != checkpoint:
        reasons.append(
            f"{register_path} records checkpoint {recorded} for round {objective_id}, not {checkpoint}: only the checkpoint "
            "the round trained and evaluated may be deployed under its decision"
        )
    for k, other in enumerate(rounds):
        if k == index or not isinstance(other, dict) or same_checkpoint(checkpoint) not in _checkpoints(other):
            continue
        status = text(other, "status")
        reasons.append(
            f"{register_path} records checkpoint {checkpoint} for round {text(other, 'objective')} too ({status}): {_why(status)}; "
            "the deploy decision of one round cannot carry another round's checkpoint"
        )
    return reasons


def _why(status: str | None) -> str:
    """Why another round's checkpoint is not this round's to deploy."""
    return "a withdrawn checkpoint is never deployed again" if status in WITHDRAWN else "a checkpoint is one round's"


def _checkpoints(entry: dict[str, Any]) -> set[str]:
    """Every checkpoint a round ever named: its run's and each correction's old and new value."""
    named = {text(mapping(entry, "run"), "checkpoint")}
    for item in sequence(entry, "corrections"):
        if isinstance(item, dict) and item.get("field") == "run.checkpoint":
            named.update(v for v in (item.get("was"), item.get("value")) if isinstance(v, str))
    return {same_checkpoint(n) for n in named if n is not None}


def same_checkpoint(uri: str) -> str:
    """The form in which two spellings of one checkpoint compare equal (RFC 3986 normalisation, and then some).

    The scheme and host are case-insensitive; dot segments, empty segments and a trailing
    slash name the same object in every store we know. Erring towards "the same" is the
    safe side: it is used only to find a checkpoint another round already recorded.
    """
    parts = urlsplit(uri.strip())
    if not parts.scheme:
        return posixpath.normpath(uri.strip())
    path = posixpath.normpath(re.sub("/{2,}", "/", parts.path)) if parts.path not in ("", "/") else ""
    path = "" if path in (".", "/") else path
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, parts.fragment))


def _other_models_reasons(register_path: str, checkpoint: str, files: PinnedFiles) -> list[str]:
    """No round of another model's register recorded this checkpoint: a checkpoint is one round's, across models too."""
    wanted = same_checkpoint(checkpoint)
    reasons = []
    for path in sorted(files.tree):
        if path == register_path or not paths.is_register_path(path):
            continue
        raw = files.read_bytes(path)
        document = files.parse(raw, path) if raw is not None else None
        if document is None:
            reasons.append(f"{path} cannot be read, so whether it recorded checkpoint {checkpoint} too cannot be shown")
            continue
        for other in sequence(document.data, "rounds"):
            if isinstance(other, dict) and wanted in _checkpoints(other):
                status = text(other, "status")
                reasons.append(
                    f"{path} records checkpoint {checkpoint} for round {text(other, 'objective')} ({status}): {_why(status)}; "
                    f"the deploy decision in {register_path} cannot carry another model's checkpoint"
                )
    return reasons
