"""The in-toto Statement v1: one serialisation to sign, and a parser that accepts only what ftgov writes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from ftgov.attest.statement import APPROVAL, STATEMENT_TYPE, Statement, StatementError, Subject, parse, sha256

from ..conftest import FIXTURES

OBJECTIVE = "objectives/support-agent/support-agent-r4.yaml"
OBJECTIVE_TEXT = (FIXTURES / "valid" / "support-agent-r4.yaml").read_bytes()


def a_statement(predicate: dict[str, Any]) -> Statement:
    return Statement((Subject(OBJECTIVE, sha256(OBJECTIVE_TEXT)), Subject("policies/policy.yaml", "b" * 64)), APPROVAL, predicate)


def test_the_signed_bytes_are_one_sorted_compact_utf8_serialisation() -> None:
    statement = a_statement({"objective": "support-agent-r4", "decision": "allow", "note": "approuvé ✓"})

    signed = statement.to_bytes()

    assert signed == json.dumps(json.loads(signed), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert signed.startswith(b'{"_type":"https://in-toto.io/Statement/v1","predicate":{"decision":"allow","note":"approuv\xc3\xa9 ')
    assert b" " not in signed.replace("approuvé ✓".encode(), b"")
    assert statement.digest() == hashlib.sha256(signed).hexdigest()


def test_the_same_statement_built_in_another_order_has_the_same_bytes_and_digest() -> None:
    first = a_statement({"decision": "allow", "objective": "support-agent-r4", "nested": {"b": 1, "a": [2, 1]}})
    second = a_statement({"nested": {"a": [2, 1], "b": 1}, "objective": "support-agent-r4", "decision": "allow"})
    assert first.to_bytes() == second.to_bytes()
    assert first.digest() == second.digest()
    assert first.to_bytes() == first.to_bytes()  # no hidden state: serialising twice gives the same bytes


def test_subjects_keep_their_order_the_objective_first() -> None:
    statement = a_statement({})
    assert [s["name"] for s in statement.to_json()["subject"]] == [OBJECTIVE, "policies/policy.yaml"]
    assert statement.subject(OBJECTIVE) == Subject(OBJECTIVE, sha256(OBJECTIVE_TEXT))
    assert statement.subject("objectives/other.yaml") is None


def test_parse_reads_back_what_to_bytes_wrote() -> None:
    statement = a_statement({"decision": "allow", "objective_text": OBJECTIVE_TEXT.decode()})
    parsed = parse(statement.to_bytes())
    assert parsed == statement
    assert parsed.digest() == statement.digest()


def test_parse_accepts_another_tools_serialisation_of_a_statement() -> None:
    """Spaces, key order and extra fields are the signer's business: the parser reads meaning, the digest the bytes."""
    payload = json.dumps(
        {
            "predicate": {},
            "predicateType": APPROVAL,
            "subject": [{"digest": {"sha256": "c" * 64, "sha512": "d" * 128}, "name": "x"}],
            "_type": STATEMENT_TYPE,
        },
        indent=2,
    ).encode()
    assert parse(payload) == Statement((Subject("x", "c" * 64),), APPROVAL, {})


def valid() -> dict[str, Any]:
    return json.loads(a_statement({"decision": "allow"}).to_bytes())  # type: ignore[no-any-return]


def _set(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    data = valid()
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_DELETE = object()

MALFORMED: dict[str, tuple[tuple[str | int, ...], Any, str]] = {
    "statement v0.1": (
        ("_type",),
        "https://in-toto.io/Statement/v0.1",
        "not an in-toto Statement v1 (_type 'https://in-toto.io/Statement/v0.1')",
    ),
    "no _type": (("_type",), _DELETE, "not an in-toto Statement v1 (_type None)"),
    "no subject": (("subject",), _DELETE, "names no subject"),
    "empty subjects": (("subject",), [], "names no subject"),
    "subject an object": (("subject",), {"name": OBJECTIVE}, "names no subject"),
    "subject without digest": (("subject", 0, "digest"), _DELETE, f"subject {OBJECTIVE!r} has no sha256 digest"),
    "sha512 only": (("subject", 0, "digest"), {"sha512": "a" * 128}, "has no sha256 digest"),
    "uppercase hex": (("subject", 0, "digest", "sha256"), "A" * 64, "has no sha256 digest (64 lowercase hex digits)"),
    "not hex": (("subject", 0, "digest", "sha256"), "g" * 64, "has no sha256 digest"),
    "short digest": (("subject", 0, "digest", "sha256"), "a" * 63, "has no sha256 digest"),
    "digest with a newline": (("subject", 0, "digest", "sha256"), "a" * 64 + "\n", "has no sha256 digest"),
    "digest a number": (("subject", 0, "digest", "sha256"), 7, "has no sha256 digest"),
    "subject without name": (("subject", 1, "name"), _DELETE, "subject None has no sha256 digest"),
    "predicate a list": (("predicate",), [], "no predicateType or no predicate object"),
    "predicate a string": (("predicate",), "allow", "no predicateType or no predicate object"),
    "no predicate": (("predicate",), _DELETE, "no predicateType or no predicate object"),
    "predicateType a number": (("predicateType",), 1, "no predicateType or no predicate object"),
}


@pytest.mark.parametrize(("path", "value", "reason"), MALFORMED.values(), ids=MALFORMED.keys())
def test_parse_refuses_a_statement_of_another_shape(path: tuple[str | int, ...], value: Any, reason: str) -> None:
    with pytest.raises(StatementError) as caught:
        parse(json.dumps(_set(path, value)).encode())
    assert reason in str(caught.value)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json", "not JSON (JSONDecodeError)"),
        (b"\xff\xfe", "not JSON (UnicodeDecodeError)"),
        (b"[" * 100_000, "not JSON (RecursionError)"),
        (b"[]", "not an in-toto Statement v1 (_type 'list')"),
        (b'"https://in-toto.io/Statement/v1"', "not an in-toto Statement v1 (_type 'str')"),
    ],
    ids=["not JSON", "not UTF-8", "deeply nested", "a list", "a string"],
)
def test_parse_refuses_what_is_not_a_json_object(payload: bytes, reason: str) -> None:
    with pytest.raises(StatementError) as caught:
        parse(payload)
    assert str(caught.value).startswith(f"the signed payload is {reason}")
