"""FTG6xx: domain and risk-tier requirements the policy adds (docs/why.md#sector-rules, AG-341 4.7)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ftgov.documents.access import mapping, text
from ftgov.documents.document import Document
from ftgov.documents.findings import Finding, Rule, Severity
from ftgov.documents.policy import Policy

E = Severity.ERROR

ASSESSMENT_MISSING = Rule(
    "FTG601",
    "domain-assessment-missing",
    E,
    """
The objective lacks an assessment its domain requires under the policy.

Why this matters: financial-services fine-tunes must address fair lending and model
risk (PRA SS1/23), healthcare ones whether MDR/IVDR notification is needed, and
safety-critical ones the safety case the change affects. These are the questions a
regulator asks at audit, and an answer written after the fact is not evidence
(docs/why.md#sector-rules, docs/why.md#undocumented-fine-tunes).

Example: `domain: healthcare` with no `assessments.regulatory_notification`.

Fix: add the named assessment under `assessments:` with a summary of its conclusion
and a reference to the full record.
""",
)

INDEPENDENT_REVIEW = Rule(
    "FTG602",
    "high-tier-without-independent-review",
    E,
    """
The policy does not require the independent role for high-risk objectives.

Why this matters: AG-341's advanced implementation requires independent review (for
example a model risk committee) of fine-tunes that affect high-risk models.

Example: `required: {high: [technical, risk]}`

Fix: add `independent` to approvals.required.high and map it to a team under approvals.teams.
""",
    waivable=False,
)

ROLE_WITHOUT_TEAM = Rule(
    "FTG603",
    "role-without-team",
    E,
    """
The policy requires a role that has no team under approvals.teams.

Why this matters: an approval can only be counted for a role whose team is known; a
required role without a team can never be satisfied, or worse, is skipped
(docs/why.md#approval-bypass).

Example: `required: {high: [technical, risk, independent]}` with no `teams.independent`.

Fix: add the role to approvals.teams as org/team-slug, or correct its spelling.
""",
    waivable=False,
)

UNKNOWN_DOMAIN = Rule(
    "FTG604",
    "domain-unknown",
    E,
    """
The objective names a deployment domain the policy does not list.

Why this matters: the policy's domain_rules say which assessments each domain requires
(docs/why.md#sector-rules). A domain the policy does not know carries no requirements at
all, so a misspelt `healthcare` would silently skip the clinical risk assessment. The
valid domains are `general` and the keys of the policy's domain_rules; the schema keeps
no fixed list, so an organisation adds its own domains in the policy alone.

Example: `domain: legal` while policies/policy.yaml lists only financial-services,
healthcare and safety-critical; or `domain: helthcare`.

Fix: correct the spelling (the message suggests the nearest listed domain), or add the
domain to the policy under domain_rules, with the assessments it requires or none:

    domain_rules:
      legal:
        required_assessments: []

A policy change is reviewed by its owners (CODEOWNERS) like any other.
""",
    # A waiver would leave the domain without any sector rules; listing it in the
    # policy is the same reviewed change and states what the domain requires.
    waivable=False,
)

RULES = (ASSESSMENT_MISSING, INDEPENDENT_REVIEW, ROLE_WITHOUT_TEAM, UNKNOWN_DOMAIN)
GENERAL = "general"  # always valid: the domain with no sector rules of its own


def known_domains(policy: Policy) -> tuple[str, ...]:
    """The domains an objective may name under this policy, sorted."""
    return tuple(sorted({GENERAL, *policy.domain_rules}))


def check(doc: Document, policy: Policy | None) -> Iterator[Finding]:
    if policy is None:
        return
    domain = text(mapping(doc.data, "model"), "domain")
    if domain is None:
        return
    known = known_domains(policy)
    if domain not in known:
        close = difflib.get_close_matches(domain, known, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        yield UNKNOWN_DOMAIN.at(
            doc.path,
            ("model", "domain"),
            f"domain '{domain}' is not listed in the policy; {hint}known domains: {', '.join(known)}; "
            f"to allow it, add it under domain_rules in {policy.path}",
        )
        return
    assessments = mapping(doc.data, "assessments")
    for name in policy.domain_rules.get(domain, ()):
        if name not in assessments:
            anchor = ("assessments",) if "assessments" in doc.data else ("model", "domain")
            yield ASSESSMENT_MISSING.at(
                doc.path,
                anchor,
                f"domain {domain} requires assessments.{name} (policy domain_rules)",
                at_key=anchor[0] == "assessments",
            )


def check_policy(policy: Policy) -> Iterator[Finding]:
    if "independent" not in policy.required.get("high", ()):
        yield INDEPENDENT_REVIEW.at(
            policy.path,
            ("approvals", "required", "high"),
            "high-risk objectives must require the independent role; add independent to approvals.required.high",
        )
    for tier, roles in policy.required.items():
        for i, role in enumerate(roles):
            if role not in policy.teams:
                yield ROLE_WITHOUT_TEAM.at(
                    policy.path,
                    ("approvals", "required", tier, i),
                    f"role '{role}' required for {tier} tier has no team in approvals.teams",
                )
