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
        )
