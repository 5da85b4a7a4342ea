"""gate.approval_signers.sigstore_root may name any repository file: a root kept where a lower tier (a model's
register directory, an ungoverned path) can change it lets such a PR choose which certificates record-run trusts."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

SCHEMA = json.loads((Path(__file__).parents[2] / "policies" / "policy.schema.json").read_text())
ROOT = SCHEMA["properties"]["gate"]["properties"]["approval_signers"]["properties"]["sigstore_root"]


@pytest.mark.parametrize("where", ["registers/support-agent/root.json", "ops/trusted_root.json", "objectives/x/root.json"])
def test_attack_sigstore_root_outside_the_governance_core_is_refused(where: str) -> None:
    """A policy naming a Sigstore root outside policies/ (changeable by a register PR or an ungoverned path) does not validate."""
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(where, ROOT)


def test_the_documented_place_still_validates() -> None:
    jsonschema.validate("policies/sigstore-trusted-root.json", ROOT)
