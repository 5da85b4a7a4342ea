"""The gate's answer: what a launcher stores with its training run, or a deployment pipeline with its rollout."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from ftgov.documents import times
from ftgov.gate.approval_count import Approval
from ftgov.gate.forge import ForgeIdentity, ForgeStats


def iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else times.iso(moment)


@dataclass(frozen=True)
class Attestation:
    decision: str  # allow | deny
    objective: str
    reasons: tuple[str, ...]
    forge: ForgeIdentity
    branch: str | None  # None only when the forge failed before naming its default branch
    checked_at: dt.datetime
    undecided: bool = False  # the forge could not answer: a deny with exit code 3
    head_sha: str | None = None
    objective_path: str | None = None
    blob_sha: str | None = None
    policy_blob_sha: str | None = None
    register_blob_sha: str | None = None  # the model's register at head_sha; None: the model has none
    schemas: tuple[tuple[str, str], ...] = ()  # (name, repository blob sha or "packaged") of each schema used
    pull_request: int | None = None
    merged_at: dt.datetime | None = None
    approvals: tuple[Approval, ...] = ()
    approvals_verified: bool = True
    risk_tier: str | None = None
    required_roles: tuple[str, ...] = ()
    started_at: dt.datetime | None = None
    trust_root: str | None = None  # the commit the operator pinned: history at or before it was accepted as given
    stage: str = "train"
    checkpoint: str | None = None  # --stage deploy: the checkpoint asked about, as the register's run.checkpoint must record it
    stats: ForgeStats | None = field(default=None, compare=False)

    @property
    def allowed(self) -> bool:
        return self.decision == "allow"

    @property
    def exit_code(self) -> int:
        if self.allowed:
            return 0
        return 3 if self.undecided else 1

    def to_json(self) -> dict[str, Any]:
        approvals: Any = (
            [{"login": a.login, "role": a.role, "team": a.team, "submitted_at": iso(a.submitted_at)} for a in self.approvals]
            if self.approvals_verified
            else "unverified"
        )
        payload: dict[str, Any] = {
            "decision": self.decision,
            "objective": self.objective,
            "stage": self.stage,
            "checkpoint": self.checkpoint,
            "reasons": list(self.reasons),
            "blob_sha": self.blob_sha,
            "pull_request": self.pull_request,
            "merged_at": iso(self.merged_at),
            "approvals": approvals,
            "risk_tier": self.risk_tier,
            "required_roles": list(self.required_roles),
            "branch": self.branch,
            "head_sha": self.head_sha,
            "objective_path": self.objective_path,
            "policy_blob_sha": self.policy_blob_sha,
            "register_blob_sha": self.register_blob_sha,
            "schemas": dict(self.schemas),
            "started_at": iso(self.started_at),
            "trust_root": self.trust_root,
            "forge": self.forge.to_json(),
            "checked_at": iso(self.checked_at),
        }
        if self.stats is not None:
            payload["api_calls"] = {
                "requests": self.stats.requests,
                "not_modified": self.stats.not_modified,
                "served_from_cache": self.stats.served_from_cache,
            }
        return payload

    def render_json(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"

    def render_text(self) -> str:
        lines = [f"{self.decision.upper()}: objective {self.objective} on {self.branch or 'the default branch'} ({self.forge})"]
        if self.stage != "train":
            lines.append(f"  stage {self.stage}" + (f", checkpoint {self.checkpoint}" if self.checkpoint else ""))
        if self.head_sha:
            lines.append(f"  branch head {self.head_sha}")
        if self.trust_root:
            lines.append(f"  trust root {self.trust_root}: history at or before it accepted as given")
        if self.pull_request is not None:
            lines.append(f"  merged by PR #{self.pull_request} at {iso(self.merged_at)}; objective blob {self.blob_sha}")
        if not self.approvals_verified:
            lines.append("  approvals: unverified (offline forge cannot see reviews)")
        for approval in self.approvals:
            lines.append(f"  approved by {approval.login} as {approval.role} ({approval.team}) at {iso(approval.submitted_at)}")
        lines.extend(f"  - {reason}" for reason in self.reasons)
        return "\n".join(lines) + "\n"
