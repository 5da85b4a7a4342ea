"""The compiled validity check (Schema.fast_gate) says valid exactly when the 2020-12 validator finds nothing.

`ftgov check` skips the full validator for a document the fast check passes, so a fast check
that passed what the validator refuses would hide findings. Checked on every register the
tests hold, and on each one broken the ways the register schema's if/then/else distinguishes.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from ftgov.documents.loader import parse_document
from ftgov.documents.schemas import load_schema

from ..conftest import FIXTURES, ROOT

SCHEMA = load_schema(ROOT / "policies" / "register.schema.json")


def _registers() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(FIXTURES.rglob("registers/*.yaml")):
        loaded = parse_document(path.read_text(encoding="utf-8"), path.name)
        if not hasattr(loaded, "data") or loaded.data.get("kind") != "CumulativeRegister":
            continue
        found.append((str(path.relative_to(FIXTURES)), loaded.data))
    return found


def _variants(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The register as it is, and with each round's approval flipped across the if/then/else and stripped of each key."""
    out = [data]
    for i, entry in enumerate(data.get("rounds") or []):
        approval = entry.get("approval") if isinstance(entry, dict) else None
        if not isinstance(approval, dict):
            continue
        for key in list(approval):
            broken = copy.deepcopy(data)
            del broken["rounds"][i]["approval"][key]
            out.append(broken)
        flipped = copy.deepcopy(data)
        flipped["rounds"][i]["approval"]["unreviewed"] = True  # then: needs forge
        out.append(flipped)
    for approval in APPROVALS:  # each branch of the if, met and not, on the first round
        if data.get("rounds"):
            placed = copy.deepcopy(data)
            placed["rounds"][0]["approval"] = approval
            out.append(placed)
    return out


COMMIT = "71c151d3a0b2c4d5e6f708192a3b4c5d6e7f8091"
APPROVALS = (
    {"unreviewed": True, "forge": "git", "commit": COMMIT},  # then, met
    {"unreviewed": True, "commit": COMMIT},  # then, forge missing
    {"pull_request": 3, "merged_at": "2026-01-01T00:00:00Z", "commit": COMMIT},  # else, met
    {"pull_request": 3, "commit": COMMIT},  # else, merged_at missing
    {"unreviewed": True, "forge": "github", "commit": COMMIT},  # then, forge not git
)


CASES = [(f"{name}#{k}", variant) for name, data in _registers() for k, variant in enumerate(_variants(data))]


def test_there_are_registers_of_both_branches_to_check() -> None:
    assert len(CASES) >= 10
    assert any(not SCHEMA.validator.is_valid(v) for _, v in CASES) and any(SCHEMA.validator.is_valid(v) for _, v in CASES)


@pytest.mark.parametrize(("name", "instance"), CASES, ids=[name for name, _ in CASES])
def test_the_fast_check_agrees_with_the_validator(name: str, instance: dict[str, Any]) -> None:
    gate = SCHEMA.fast_gate()
    assert gate is not None, "the register schema gets the compiled check"
    assert gate(instance) is SCHEMA.validator.is_valid(instance), name


def test_a_schema_with_a_keyword_of_another_meaning_gets_no_fast_check(tmp_path: Path) -> None:
    odd = tmp_path / "odd.schema.json"
    odd.write_text('{"$schema": "https://json-schema.org/draft/2020-12/schema", "prefixItems": [{"type": "string"}]}', encoding="utf-8")
    assert load_schema(odd).fast_gate() is None
