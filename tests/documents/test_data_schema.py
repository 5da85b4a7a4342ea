"""The schemas of the data evidence (issue 18): a register round's `data`, the policy's `data` section, and Policy.data.

The round's `data` is strict everywhere: a share, a verdict or a note typed in beside the
recorded counts is an unknown key, so nothing but the counts can speak for the data. Every
variant is checked with the 2020-12 validator and with the compiled fast gate `ftgov check`
trusts on large runs: the two must agree.
"""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import pytest

from ftgov.documents.loader import load_values, parse_document
from ftgov.documents.policy import DataThresholds, NearDuplicate, Policy
from ftgov.documents.schemas import load_schema

from ..conftest import FIXTURES, ROOT

REGISTER_SCHEMA = load_schema(ROOT / "policies" / "register.schema.json")
POLICY_SCHEMA = load_schema(ROOT / "policies" / "policy.schema.json")
FAST = REGISTER_SCHEMA.fast_gate()
HEX = hashlib.sha256(b"support-transcripts-2026").hexdigest()

# The contract's example (issue 18), as `ftgov data check --record` writes it.
CONTRACT = f"""
measured_at: 2026-12-06T07:00:00Z
engine: local
fields: {{text: text, id: conversation_id}}
sources:
  - {{name: support-transcripts-2026, role: train, path: data/train.jsonl, sha256: {HEX}, records: 31000, declared: 48000}}
  - {{name: production-sample-2026-10, role: validation, path: data/val.jsonl, sha256: {HEX}, records: 2000, declared: 2000}}
  - {{name: mmlu-subset, role: eval, path: data/mmlu.parquet, sha256: {HEX}, records: 500}}
overlap:
  method: {{name: minhash-lsh, ngram: 3, threshold: 0.7, num_perm: 128, seed: 1}}
  train_validation:
    source: production-sample-2026-10
    records: 2000
    exact: 12
    near: 30
    contaminated: 38
    shared_ids: 0
  train_eval:
    mmlu-subset: {{source: mmlu-subset, records: 500, exact: 0, near: 0, contaminated: 0, shared_ids: 0}}
agreement:
  - {{source: support-transcripts-2026, level: nominal, alpha: 0.71, items: 400, annotators: 3}}
dates:
  - {{source: support-transcripts-2026, field: collected_at, earliest: 2025-07-01T00:00:00Z, latest: 2026-06-30T00:00:00Z, undated: 0}}
"""


def _evidence() -> dict[str, Any]:
    loaded = load_values(CONTRACT, "data.yaml")  # a mapping, not a document: the loader's YAML rules without a kind
    assert isinstance(loaded, dict)
    return loaded


def _register(evidence: Any) -> dict[str, Any]:
    """The ledger fixture's register with `evidence` as its last round's `data`."""
    loaded = parse_document((FIXTURES / "register" / "registers" / "ledger.yaml").read_text(), "ledger.yaml")
    assert hasattr(loaded, "data")
    register = copy.deepcopy(loaded.data)
    register["rounds"][-1]["data"] = evidence
    return register


def _errors(instance: Any) -> list[str]:
    """Where the validator refuses `instance`, after checking the fast gate says the same."""
    errors = ["/".join(str(p) for p in e.absolute_path) for e in REGISTER_SCHEMA.validator.iter_errors(instance)]
    assert FAST is not None, "the register schema lost its fast gate: a keyword draft 7 reads differently crept in"
    assert FAST(instance) is (not errors)
    return errors


def test_the_contracts_example_validates() -> None:
    assert _errors(_register(_evidence())) == []


def test_optional_parts_may_be_absent() -> None:
    """shared_ids without --id-field, agreement and dates when nothing was measured, overlap without a validation file."""
    evidence = _evidence()
    del evidence["overlap"]["train_validation"]["shared_ids"]
    del evidence["agreement"], evidence["dates"]
    assert _errors(_register(evidence)) == []
    del evidence["overlap"]
    assert _errors(_register(evidence)) == []


def _set(evidence: dict[str, Any], where: tuple[str | int, ...], value: Any) -> None:
    holder: Any = evidence
    for key in where[:-1]:
        holder = holder[key]
    holder[where[-1]] = value


def _drop(evidence: dict[str, Any], where: tuple[str | int, ...]) -> None:
    holder: Any = evidence
    for key in where[:-1]:
        holder = holder[key]
    del holder[where[-1]]


UNKNOWN_KEYS = [
    ("share",),
    ("sources", 0, "share"),
    ("overlap", "share"),
    ("overlap", "method", "fraction"),
    ("overlap", "train_validation", "share"),
    ("overlap", "train_validation", "passed"),
    ("overlap", "train_eval", "mmlu-subset", "share"),
    ("agreement", 0, "passed"),
    ("dates", 0, "note"),
]


@pytest.mark.parametrize("where", UNKNOWN_KEYS, ids=["/".join(map(str, w)) for w in UNKNOWN_KEYS])
def test_attack_a_key_beside_the_counts_is_refused(where: tuple[str | int, ...]) -> None:
    evidence = _evidence()
    _set(evidence, where, 0.004)
    assert _errors(_register(evidence)) == ["/".join(map(str, ("rounds", 2, "data", *where[:-1])))]


BAD_VALUES: list[tuple[str, tuple[str | int, ...], Any]] = [
    ("sha256 in upper case", ("sources", 0, "sha256"), HEX.upper()),
    ("sha256 too short", ("sources", 0, "sha256"), HEX[:40]),
    ("negative records", ("sources", 0, "records"), -1),
    ("fractional records", ("sources", 0, "records"), 31000.5),
    ("negative declared", ("sources", 0, "declared"), -5),
    ("unknown role", ("sources", 0, "role"), "test"),
    ("unknown engine", ("engine",), "spark"),
    ("time without a zone", ("measured_at",), "2026-12-06T07:00:00"),
    ("another method", ("overlap", "method", "name"), "simhash"),
    ("zero threshold", ("overlap", "method", "threshold"), 0),
    ("threshold above one", ("overlap", "method", "threshold"), 1.5),
    ("zero ngram", ("overlap", "method", "ngram"), 0),
    ("zero permutations", ("overlap", "method", "num_perm"), 0),
    ("negative seed", ("overlap", "method", "seed"), -1),
    ("negative contaminated", ("overlap", "train_validation", "contaminated"), -38),
    ("contaminated as text", ("overlap", "train_validation", "contaminated"), "38"),
    ("fractional exact", ("overlap", "train_validation", "exact"), 1.5),
    ("negative shared_ids", ("overlap", "train_eval", "mmlu-subset", "shared_ids"), -1),
    ("alpha above one", ("agreement", 0, "alpha"), 1.5),
    ("alpha below minus one", ("agreement", 0, "alpha"), -1.5),
    ("unknown level", ("agreement", 0, "level"), "categorical"),
    ("negative items", ("agreement", 0, "items"), -1),
    ("negative undated", ("dates", 0, "undated"), -1),
    ("a date that is not a time", ("dates", 0, "earliest"), "2025-07-01"),
]


@pytest.mark.parametrize(("case", "where", "value"), BAD_VALUES, ids=[c for c, _, _ in BAD_VALUES])
def test_a_malformed_value_is_refused(case: str, where: tuple[str | int, ...], value: Any) -> None:
    evidence = _evidence()
    _set(evidence, where, value)
    assert _errors(_register(evidence)), case


REQUIRED = [
    ("measured_at",),
    ("engine",),
    ("sources",),
    ("sources", 0, "sha256"),
    ("sources", 0, "role"),
    ("overlap", "method"),
    ("overlap", "method", "threshold"),
    ("overlap", "train_validation", "contaminated"),
    ("overlap", "train_validation", "records"),
    ("overlap", "train_eval", "mmlu-subset", "exact"),
    ("agreement", 0, "alpha"),
    ("dates", 0, "undated"),
]


@pytest.mark.parametrize("where", REQUIRED, ids=["/".join(map(str, w)) for w in REQUIRED])
def test_a_required_field_cannot_be_left_out(where: tuple[str | int, ...]) -> None:
    evidence = _evidence()
    _drop(evidence, where)
    assert _errors(_register(evidence))


def test_an_evaluation_set_declares_no_count() -> None:
    evidence = _evidence()
    evidence["sources"][2]["declared"] = 500
    assert _errors(_register(evidence)) == ["rounds/2/data/sources/2"]


def test_a_training_source_may_be_replay_and_undeclared() -> None:
    evidence = _evidence()
    evidence["sources"][0]["role"] = "replay"
    del evidence["sources"][0]["declared"]
    assert _errors(_register(evidence)) == []


def test_dates_have_earliest_and_latest_together_or_neither() -> None:
    evidence = _evidence()
    del evidence["dates"][0]["latest"]
    assert _errors(_register(evidence)) == ["rounds/2/data/dates/0"]
    del evidence["dates"][0]["earliest"]
    assert _errors(_register(evidence)) == []  # every record undated
    evidence["dates"][0]["latest"] = "2026-06-30T00:00:00Z"
    assert _errors(_register(evidence)) == ["rounds/2/data/dates/0"]


def test_no_sources_is_no_evidence() -> None:
    evidence = _evidence()
    evidence["sources"] = []
    assert _errors(_register(evidence)) == ["rounds/2/data/sources"]
    assert _errors(_register(None)) == ["rounds/2/data"]


# -- the policy's data section -----------------------------------------------------------------------------

POLICY = (FIXTURES / "register" / "policies" / "policy.yaml").read_text()


def _policy(section: str) -> Any:
    loaded = parse_document(POLICY + section, "policy.yaml")
    assert hasattr(loaded, "data")
    return loaded.data


def _policy_errors(section: str) -> list[str]:
    return ["/".join(str(p) for p in e.absolute_path) for e in POLICY_SCHEMA.validator.iter_errors(_policy(section))]


def test_the_policy_without_a_data_section_reads_the_defaults() -> None:
    policy = Policy.from_data(_policy(""), "policies/policy.yaml")
    assert policy.data == DataThresholds(
        max_train_validation_overlap=0.01,
        max_train_eval_overlap=0.01,
        min_label_agreement=0.667,
        records_tolerance=0.05,
        near_duplicate=NearDuplicate(ngram=3, threshold=0.7),
        required=False,
    )


def test_the_policy_reads_its_data_section() -> None:
    section = (
        "data:\n  max_train_validation_overlap: 0.005\n  max_train_eval_overlap: 0\n  min_label_agreement: 0.8\n"
        "  records_tolerance: 0.1\n  near_duplicate: {ngram: 5}\n  required: true\n"
    )
    assert _policy_errors(section) == []
    data = Policy.from_data(_policy(section), "policies/policy.yaml").data
    assert data == DataThresholds(0.005, 0, 0.8, 0.1, NearDuplicate(ngram=5, threshold=0.7), True)


@pytest.mark.parametrize(
    ("section", "where"),
    [
        ("data: {max_overlap: 0.01}\n", "data"),
        ("data: {max_train_validation_overlap: 1.5}\n", "data/max_train_validation_overlap"),
        ("data: {max_train_eval_overlap: -0.01}\n", "data/max_train_eval_overlap"),
        ("data: {min_label_agreement: 2}\n", "data/min_label_agreement"),
        ("data: {records_tolerance: -1}\n", "data/records_tolerance"),
        ("data: {near_duplicate: {threshold: 0}}\n", "data/near_duplicate/threshold"),
        ("data: {near_duplicate: {ngram: 0}}\n", "data/near_duplicate/ngram"),
        ("data: {near_duplicate: {num_perm: 128}}\n", "data/near_duplicate"),
        ("data: {required: 'yes'}\n", "data/required"),
    ],
)
def test_the_policy_refuses_a_malformed_data_section(section: str, where: str) -> None:
    assert _policy_errors(section) == [where]


def test_the_example_policy_states_exactly_the_defaults() -> None:
    """policies/policy.yaml shows users the section with the values the code uses when it is absent."""
    loaded = parse_document((ROOT / "policies" / "policy.yaml").read_text(), "policies/policy.yaml")
    assert hasattr(loaded, "data") and "data" in loaded.data
    assert Policy.from_data(loaded.data, "policies/policy.yaml").data == DataThresholds()
    assert not list(POLICY_SCHEMA.validator.iter_errors(loaded.data))


def test_the_schemas_describe_every_data_property() -> None:
    """Like the rest of both schemas: each property carries a description (the editor shows it on hover)."""
    register_data = REGISTER_SCHEMA.document["$defs"]["round"]["properties"]["data"]
    policy_data = POLICY_SCHEMA.document["properties"]["data"]
    undescribed = [where for where in _properties(register_data, "round.data") + _properties(policy_data, "data") if where]
    assert undescribed == []
    overlap = REGISTER_SCHEMA.document["$defs"]["overlap"]
    assert [w for w in _properties(overlap, "$defs.overlap") if w] == []


def _properties(node: Any, where: str) -> list[str]:
    """The places under `node` where a property has no description ("" for each that has one)."""
    out: list[str] = []
    if isinstance(node, dict):
        for name, child in (node.get("properties") or {}).items():
            out.append("" if isinstance(child, dict) and child.get("description") else f"{where}.{name}")
            out.extend(_properties(child, f"{where}.{name}"))
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                out.extend(_properties(node[key], f"{where}[]"))
    return out


def test_the_register_schema_keeps_the_product_copy(tmp_path: Path) -> None:
    """The schema `ftgov check` loads in a governance repository is the product's file, byte for byte."""
    from ..repository import build_ledger_repo

    repo = build_ledger_repo(tmp_path)
    for name in ("register", "policy"):
        shipped = (ROOT / "policies" / f"{name}.schema.json").read_bytes()
        assert (repo / "policies" / f"{name}.schema.json").read_bytes() == shipped
