"""FTG7xx: waivers are reviewed, bounded exceptions, never silent ones."""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass

from ftgov.documents.findings import Finding, Rule, Severity
from ftgov.documents.policy import Policy, Waiver

EXPIRED = Rule(
    "FTG701",
    "waiver-expired",
    Severity.ERROR,
    """
A waiver in policies/policy.yaml has passed its expiry date.

Why this matters: an exception granted for a quarter must not become permanent by
being forgotten; once expired, the findings it covered fail again.

Example: `expires: 2026-06-30` on a waiver still listed in November.

Fix: fix the underlying findings and delete the waiver, or have it re-approved with a
new expiry date.
""",
    waivable=False,
)

UNUSED = Rule(
    "FTG702",
    "waiver-unused",
    Severity.WARNING,
    """
A waiver matched no finding.

Why this matters: unused waivers are latent permissions: the next document that
breaks the rule in that path would be excused without anyone deciding so.

Example: a waiver for FTG306 on objectives/legacy/*.yaml after the legacy objectives were fixed.

Fix: delete the waiver.
""",
    waivable=False,
)

UNWAIVABLE = Rule(
    "FTG703",
    "waiver-not-allowed",
    Severity.ERROR,
    """
A waiver names an unknown rule or one that cannot be waived.

Why this matters: parse safety (FTG0xx), the standing safety suite, repository
integrity and the waiver rules themselves are the floor of the gate; waiving them
would let a document past the checks unread.

Example: `rule: FTG304`

Fix: correct the rule code, or fix the finding instead of waiving it.
""",
    waivable=False,
)

RULES = (EXPIRED, UNUSED, UNWAIVABLE)


@dataclass(frozen=True)
class WaiverOutcome:
    kept: list[Finding]
    waived: list[tuple[Finding, Waiver]]
    problems: list[Finding]


def apply(
    findings: Iterable[Finding],
    policy: Policy,
    catalogue: dict[str, Rule],
    today: dt.date,
    check_unused: bool,
) -> WaiverOutcome:
    usable: list[Waiver] = []
    problems: list[Finding] = []
    for waiver in policy.waivers:
        pointer = ("waivers", waiver.index)
        rule = catalogue.get(waiver.rule)
        if rule is None or not rule.waivable:
            why = "is not a rule" if rule is None else "cannot be waived"
            problems.append(UNWAIVABLE.at(policy.path, (*pointer, "rule"), f"waiver {waiver.index}: {waiver.rule} {why}"))
        elif waiver.expired(today):
            problems.append(
                EXPIRED.at(
                    policy.path,
                    (*pointer, "expires"),
                    f"waiver {waiver.index} for {waiver.rule} on {waiver.path} expired on {waiver.expires.isoformat()}",
                )
            )
        else:
            usable.append(waiver)
    kept: list[Finding] = []
    waived: list[tuple[Finding, Waiver]] = []
    used: set[int] = set()
    for finding in findings:
        match = next((w for w in usable if w.rule == finding.rule and fnmatch.fnmatchcase(finding.path, w.path)), None)
        if match is None:
            kept.append(finding)
        else:
            waived.append((finding, match))
            used.add(match.index)
    if check_unused:
        for waiver in usable:
            if waiver.index not in used:
                problems.append(
                    UNUSED.at(
                        policy.path,
                        ("waivers", waiver.index),
                        f"waiver {waiver.index} for {waiver.rule} on {waiver.path} matched no finding; delete it",
                        at_key=True,
                    )
                )
    return WaiverOutcome(kept, waived, problems)
