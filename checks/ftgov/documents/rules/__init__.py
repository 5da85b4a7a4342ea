"""The rule catalogue: every code ftgov can report, in one place."""

from __future__ import annotations

from ftgov.documents.findings import Rule
from ftgov.documents.rules import bypass, completeness, criteria, data, document, domain, history, register, repository, schema, waivers

ALL_RULES: tuple[Rule, ...] = (
    *document.RULES,
    *schema.RULES,
    *completeness.RULES,
    *criteria.RULES,
    *repository.RULES,
    *data.RULES,
    *domain.RULES,
    *waivers.RULES,
    *bypass.RULES,
    *register.RULES,
    *history.RULES,
)


def by_code(code: str) -> Rule | None:
    wanted = code.strip().upper()
    for rule in ALL_RULES:
        if rule.code == wanted or rule.name == code.strip().lower():
            return rule
    return None
