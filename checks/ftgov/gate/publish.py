"""Publish the gate's allows as signed approval statements: the push model's one online step.

`ftgov attest` runs in a workflow on the default branch after every merge (and on a
schedule, so live approvals never age out): it asks the online gate once per objective and
signs each allow, so that launchers verify offline instead of each asking GitHub. A deny
publishes nothing and removes the objective's earlier bundle from the output directory,
so a withdrawn approval stops being handed out at the next run, and expires at --max-age
wherever a copy survives.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from ftgov.attest import approval
from ftgov.attest.sign import Signer
from ftgov.attest.statement import sha256
from ftgov.documents import paths, times
from ftgov.documents.atomic import write_atomically
from ftgov.documents.errors import Undecided
from ftgov.gate.attestation import Attestation
from ftgov.gate.forge import ForgeError, git_blob_sha
from ftgov.gate.gate import PACKAGED, decide
from ftgov.gate.provenance import ProvenanceForge

INDEX = "index.json"
BUNDLE_STEM = ".approval"  # <objective-id>.approval.dsse.json | .approval.sigstore.json
# Every suffix a signer writes: a stale bundle is removed by its exact name, never by a glob built from an id
# (an objective file named `x-r?.yaml` on the branch would glob away another objective's fresh bundle).
BUNDLE_SUFFIXES = (".dsse.json", ".sigstore.json")


@dataclass(frozen=True)
class Published:
    """One objective's outcome: its bundle when the gate allowed, else the gate's reasons."""

    objective: str
    decision: str
    reasons: tuple[str, ...]
    undecided: bool = False
    bundle: Path | None = None
    statement_sha256: str | None = None
    head_sha: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "objective": self.objective,
            "decision": self.decision,
            "reasons": list(self.reasons),
            "bundle": None if self.bundle is None else self.bundle.name,
            "statement_sha256": self.statement_sha256,
            "head_sha": self.head_sha,
        }


def objectives_on_branch(forge: ProvenanceForge, branch: str | None) -> list[str]:
    """Every objective id on the branch's head, sorted: what `ftgov attest` with no ids attests."""
    try:
        head = forge.branch_head(branch or forge.default_branch())
        tree = forge.tree(head)
    except ForgeError as exc:
        raise Undecided(f"cannot list the objectives on the branch: {exc}") from exc
    return sorted(PurePath(path).stem for path in tree if paths.is_objective_path(path))


def publish(
    forge: ProvenanceForge,
    objective_ids: Sequence[str],
    signer: Signer,
    out_dir: Path,
    *,
    branch: str | None = None,
    trust_root: str | None = None,
    now: dt.datetime | None = None,
) -> list[Published]:
    """Ask the gate about each objective and sign every allow into out_dir; write out_dir/index.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    results = [_one(forge, objective_id, signer, out_dir, branch, trust_root, now) for objective_id in objective_ids]
    index = {"generated_at": times.iso(now or dt.datetime.now(dt.UTC)), "objectives": [r.to_json() for r in results]}
    write_atomically(out_dir / INDEX, json.dumps(index, indent=2) + "\n")
    return results


def _one(
    forge: ProvenanceForge,
    objective_id: str,
    signer: Signer,
    out_dir: Path,
    branch: str | None,
    trust_root: str | None,
    now: dt.datetime | None,
) -> Published:
    answer = decide(forge, objective_id, branch=branch, trust_root=trust_root, now=now)
    if paths.OBJECTIVE_ID.fullmatch(objective_id):  # anything else names no bundle of ours: touch nothing for it
        for suffix in BUNDLE_SUFFIXES:
            (out_dir / f"{objective_id}{BUNDLE_STEM}{suffix}").unlink(missing_ok=True)
    if not answer.allowed:
        return Published(objective_id, answer.decision, answer.reasons, answer.undecided, head_sha=answer.head_sha)
    try:
        files = _pinned_files(forge, answer)
    except ForgeError as exc:
        return Published(objective_id, "deny", (f"cannot read the files the gate judged: {exc}",), True, head_sha=answer.head_sha)
    assert answer.objective_path is not None  # an allow names the objective it read
    statement = approval.statement(answer.to_json(), answer.objective_path, files)
    bundle = out_dir / f"{objective_id}{BUNDLE_STEM}{signer.suffix}"
    write_atomically(bundle, signer.sign(statement).decode("utf-8"))
    return Published(objective_id, "allow", (), bundle=bundle, statement_sha256=sha256(statement.to_bytes()), head_sha=answer.head_sha)


def _pinned_files(forge: ProvenanceForge, answer: Attestation) -> dict[str, bytes]:
    """The bytes of every file the gate judged, by repository path, each checked against the blob sha it judged."""
    wanted = {answer.objective_path: answer.blob_sha, paths.POLICY: answer.policy_blob_sha}
    if answer.register_blob_sha is not None:
        model = paths.model_of(answer.objective_path or "")
        wanted[paths.register_path(model or "")] = answer.register_blob_sha
    wanted.update({paths.schema_path(name): blob for name, blob in answer.schemas if blob != PACKAGED})
    files: dict[str, bytes] = {}
    for path, blob in wanted.items():
        if path is None or blob is None:
            raise ForgeError(f"the gate's allow names no blob for {path}")
        data = forge.blob(blob)
        if git_blob_sha(data) != blob:
            raise ForgeError(f"the forge's bytes for {path} are not blob {blob}")
        files[path] = data
    return files
