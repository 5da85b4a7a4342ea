"""The organisation's policy (policies/policy.yaml) as typed values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StandingBoundary:
    """An entry of the standing safety suite every objective must carry."""

    id: str
    metric: dict[str, Any]
    compare_to: str
    max_drop: float | None
    max_relative_drop: float | None


@dataclass(frozen=True)
class Waiver:
    index: int
    rule: str
    path: str  # a glob over repository-relative paths, e.g. objectives/legacy/*.yaml
    reason: str
    approved_by: str
    expires: dt.date

    def expired(self, today: dt.date) -> bool:
        # Valid through the whole of its expiry day (UTC), as InSpec users expect.
        return today > self.expires


@dataclass(frozen=True)
class Defaults:
    general_capability_max_relative_drop: float
    tail_max_relative_drop: float
    max_ece_increase: float
    inconclusive: str
    # How far below its declaring round's achieved value an inherited success criterion may fall.
    inherited_max_drop: float = 0.01
    # Relative tolerance per configuration field before a run's deviation from the plan must
    # be acknowledged (FTG914); merged over ftgov.runconfig.deviations.DEFAULT_TOLERANCE.
    deviation_tolerance: dict[str, float] = field(default_factory=dict)
    # A value with no items, stderr or n: `inconclusive` (it proves nothing either way) or
    # `accept` (judged as if exact, and flagged in every report).
    point_estimates: str = "inconclusive"


@dataclass(frozen=True)
class NearDuplicate:
    """data.near_duplicate: what `ftgov data check` measures near-copies with, and the loosest method FTG504 accepts."""

    ngram: int = 3  # shingle size in words; another size measures another similarity, so it must match
    threshold: float = 0.7  # Jaccard similarity from which a pair is a near-copy; a recorded one above it finds fewer


@dataclass(frozen=True)
class DataThresholds:
    """The policy's `data` section: how much contamination and disagreement the recorded data evidence may show (FTG504-FTG509)."""

    # Shares of the validation set (and of each evaluation set) with a copy, a near-copy or a document id in training.
    max_train_validation_overlap: float = 0.01
    max_train_eval_overlap: float = 0.01
    min_label_agreement: float = 0.667  # Krippendorff's alpha; 0.667 is the usual floor for tentative conclusions
    records_tolerance: float = 0.05  # |measured - declared| / declared before a source's count is a finding
    near_duplicate: NearDuplicate = field(default_factory=NearDuplicate)
    required: bool = False  # true: every round approved or later must record `data` (FTG509)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> DataThresholds:
        near = data.get("near_duplicate", {})
        return cls(
            max_train_validation_overlap=data.get("max_train_validation_overlap", 0.01),
            max_train_eval_overlap=data.get("max_train_eval_overlap", 0.01),
            min_label_agreement=data.get("min_label_agreement", 0.667),
            records_tolerance=data.get("records_tolerance", 0.05),
            near_duplicate=NearDuplicate(ngram=near.get("ngram", 3), threshold=near.get("threshold", 0.7)),
            required=bool(data.get("required", False)),
        )


@dataclass(frozen=True)
class ApprovalSigners:
    """gate.approval_signers: the public keys (PEM text) and workflow identities whose approval statements count."""

    keys: tuple[str, ...] = ()
    identities: tuple[str, ...] = ()
    oidc_issuer: str = "https://token.actions.githubusercontent.com"
    sigstore_root: str | None = None  # a repository path to a private instance's trusted_root.json; None: production's

    def __bool__(self) -> bool:
        return bool(self.keys or self.identities)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ApprovalSigners:
        return cls(
            tuple(data.get("keys", [])),
            tuple(data.get("identities", [])),
            data.get("oidc_issuer", "https://token.actions.githubusercontent.com"),
            data.get("sigstore_root"),
        )


@dataclass(frozen=True)
class Policy:
    path: str
    teams: dict[str, str]
    required: dict[str, tuple[str, ...]]
    standing_safety_suite: tuple[StandingBoundary, ...]
    defaults: Defaults
    domain_rules: dict[str, tuple[str, ...]]
    waivers: tuple[Waiver, ...]
    allow_unreviewed_local: bool = False
    # Paths (gitignore-style globs) whose changes need no governance approval; every other
    # path outside objectives/ and registers/ is governed at the highest tier.
    ungoverned_paths: tuple[str, ...] = ()
    # Branches besides the default one the gate may decide for (each must also be protected).
    gate_branches: tuple[str, ...] = ()
    # Who may sign an approval statement (`ftgov attest`): record-run verifies an approval only under these,
    # read from the reviewed policy, never from its operator's options alone.
    approval_signers: ApprovalSigners = field(default_factory=lambda: ApprovalSigners())
    # What the recorded data evidence (a round's `data`, `ftgov data check --record`) may show.
    data: DataThresholds = field(default_factory=DataThresholds)

    @classmethod
    def from_data(cls, data: dict[str, Any], path: str) -> Policy:
        """Build from a document that already passed policy.schema.json."""
        approvals = data["approvals"]
        defaults = data.get("defaults", {})
        return cls(
            path=path,
            teams=dict(approvals["teams"]),
            required={tier: tuple(roles) for tier, roles in approvals["required"].items()},
            standing_safety_suite=tuple(
                StandingBoundary(
                    id=entry["id"],
                    metric=dict(entry["metric"]),
                    compare_to=entry.get("compare_to", "base"),
                    max_drop=entry.get("max_drop"),
                    max_relative_drop=entry.get("max_relative_drop"),
                )
                for entry in data.get("standing_safety_suite", [])
            ),
            defaults=Defaults(
                general_capability_max_relative_drop=defaults.get("general_capability_max_relative_drop", 0.10),
                tail_max_relative_drop=defaults.get("tail_max_relative_drop", 0.15),
                max_ece_increase=defaults.get("max_ece_increase", 0.05),
                inconclusive=defaults.get("inconclusive", "block"),
                inherited_max_drop=defaults.get("inherited_max_drop", 0.01),
                deviation_tolerance=dict(defaults.get("deviation_tolerance", {})),
                point_estimates=defaults.get("point_estimates", "inconclusive"),
            ),
            domain_rules={domain: tuple(rule.get("required_assessments", [])) for domain, rule in data.get("domain_rules", {}).items()},
            waivers=tuple(
                Waiver(
                    index=i,
                    rule=w["rule"],
                    path=w["path"],
                    reason=w["reason"],
                    approved_by=w["approved_by"],
                    expires=dt.date.fromisoformat(str(w["expires"])),
                )
                for i, w in enumerate(data.get("waivers", []))
            ),
            allow_unreviewed_local=bool(data.get("gate", {}).get("allow_unreviewed_local", False)),
            ungoverned_paths=tuple(approvals.get("ungoverned_paths", [])),
            gate_branches=tuple(data.get("gate", {}).get("branches", [])),
            approval_signers=ApprovalSigners.from_data(data.get("gate", {}).get("approval_signers", {})),
            data=DataThresholds.from_data(data.get("data", {})),
        )
