"""The organisation-key path: DSSE envelopes signed with keys made in the test, verified as a launcher does.

Every envelope is written to a file and read back through `verify_file`, the one entry point
the offline gate, record-run and the deploy chain use; a changed copy differs from the signed
one in exactly the part the test names.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ftgov.attest import keys
from ftgov.attest.statement import APPROVAL, RUN, Statement, Subject, sha256
from ftgov.attest.verify import HOW_TO_SIGN, Refused, TrustedSigners, trusted_signers, verify_file
from ftgov.documents.errors import InputError

from ..signing import OrgKey, gate_answer, org_key

OBJECTIVE = "objectives/support-agent/support-agent-r4.yaml"
STATEMENT = Statement(
    (Subject(OBJECTIVE, sha256(b"id: support-agent-r4\n")),), APPROVAL, {"decision": "allow", "objective": "support-agent-r4"}
)


def trusting(*trusted: OrgKey) -> TrustedSigners:
    return trusted_signers(trusted_keys=tuple(k.public for k in trusted))


def envelope_of(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_bytes())
    return data


def write(tmp_path: Path, envelope: dict[str, Any] | list[Any], name: str = "changed.dsse.json") -> Path:
    out = tmp_path / name
    out.write_text(json.dumps(envelope))
    return out


def refused(path: Path, signers: TrustedSigners) -> str:
    with pytest.raises(Refused) as caught:
        verify_file(path, signers)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message, message
    return message


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa"])
def test_a_statement_signed_with_the_organisation_key_verifies(tmp_path: Path, kind: str) -> None:
    key = org_key(tmp_path, kind)
    signed = key.sign(STATEMENT, tmp_path / "approval.dsse.json")

    verified = verify_file(signed, trusting(key))

    keyid = keys.load_public_key(key.public).keyid
    assert verified.statement == STATEMENT
    assert verified.digest == STATEMENT.digest() == sha256(base64.b64decode(envelope_of(signed)["payload"]))
    assert (verified.signer, verified.signer_kind, verified.signed_at) == (f"key {keyid}", "key", None)
    assert envelope_of(signed)["signatures"][0]["keyid"] == keyid
    assert key.signer.suffix == ".dsse.json"


def test_the_trusted_key_among_several_is_the_signer_named(tmp_path: Path) -> None:
    org, other = org_key(tmp_path, name="org"), org_key(tmp_path, "ecdsa", name="other")
    signed = org.sign(STATEMENT, tmp_path / "approval.dsse.json")
    verified = verify_file(signed, trusting(other, org))
    assert verified.signer == f"key {keys.load_public_key(org.public).keyid}"


def test_a_statement_signed_with_another_key_is_refused(tmp_path: Path) -> None:
    org, stranger = org_key(tmp_path, name="org"), org_key(tmp_path, name="stranger")
    signed = stranger.sign(STATEMENT, tmp_path / "approval.dsse.json")
    message = refused(signed, trusting(org))
    assert f"no signature verifies under a trusted key (the envelope names keyid {keys.load_public_key(stranger.public).keyid})" in message


# --- keys that are refused when loaded ---------------------------------------------------------------------


def _pem_private(key: Any, password: bytes | None = None) -> bytes:
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))


def _pem_public(key: Any) -> bytes:
    return bytes(key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


UNUSABLE = {
    "ECDSA P-384": ec.generate_private_key(ec.SECP384R1()),
    "RSA 2048": rsa.generate_private_key(public_exponent=65537, key_size=2048),
}


@pytest.mark.parametrize("private", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_a_key_of_another_type_is_refused_when_loaded(tmp_path: Path, private: Any) -> None:
    with pytest.raises(
        keys.KeyFileError, match=r"^signing\.key: a .*Private.* key; ftgov signs and verifies with Ed25519 or ECDSA P-256 only$"
    ):
        keys.load_private_key(_pem_private(private), "signing.key")

    public = tmp_path / "org.pub"
    public.write_bytes(_pem_public(private))
    with pytest.raises(InputError, match=rf"^--trusted-key {public}: a .*Public.* key; .* Ed25519 or ECDSA P-256 only$"):
        trusted_signers(trusted_keys=(public,))


def test_an_encrypted_private_key_is_refused_with_what_to_give_instead() -> None:
    pem = _pem_private(ec.generate_private_key(ec.SECP256R1()), password=b"secret")
    with pytest.raises(keys.KeyFileError, match=r"^FTGOV_SIGNING_KEY: not an unencrypted PEM private key \("):
        keys.load_private_key(pem, "FTGOV_SIGNING_KEY")


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"not a key", "not a PEM public key"), (None, "cannot read it")],
    ids=["not PEM", "missing"],
)
def test_an_unusable_trusted_key_file_is_an_input_error_naming_it(tmp_path: Path, content: bytes | None, reason: str) -> None:
    public = tmp_path / "org.pub"
    if content is not None:
        public.write_bytes(content)
    with pytest.raises(InputError) as caught:
        trusted_signers(trusted_keys=(public,))
    assert str(caught.value).startswith(f"--trusted-key {public}: {reason}")


def test_a_private_key_given_as_the_trusted_key_is_refused(tmp_path: Path) -> None:
    key = org_key(tmp_path)
    with pytest.raises(InputError, match="not a PEM public key"):
        trusted_signers(trusted_keys=(key.private,))


def test_no_trusted_signer_at_all_is_an_input_error(tmp_path: Path) -> None:
    signed = org_key(tmp_path).sign(STATEMENT, tmp_path / "approval.dsse.json")
    with pytest.raises(InputError, match="no trusted signer given; pass --trusted-key PUB or --trusted-identity"):
        verify_file(signed, trusted_signers())


# --- changed envelopes ----------------------------------------------------------------------------------------


@pytest.fixture
def org(tmp_path: Path) -> OrgKey:
    return org_key(tmp_path / "keys")


@pytest.fixture
def signed(org: OrgKey, tmp_path: Path) -> dict[str, Any]:
    return envelope_of(org.sign(STATEMENT, tmp_path / "approval.dsse.json"))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def test_a_changed_payload_is_refused(org: OrgKey, signed: dict[str, Any], tmp_path: Path) -> None:
    payload = base64.b64decode(signed["payload"]).replace(b'"allow"', b'"allow" ')
    signed["payload"] = _b64(payload)
    assert "no signature verifies under a trusted key" in refused(write(tmp_path, signed), trusting(org))


def test_a_changed_payload_type_is_refused(org: OrgKey, signed: dict[str, Any], tmp_path: Path) -> None:
    signed["payloadType"] = "application/json"
    message = refused(write(tmp_path, signed), trusting(org))
    assert "payloadType is 'application/json', not application/vnd.in-toto+json" in message


def test_a_payload_type_the_key_really_signed_is_still_refused_when_not_in_toto(org: OrgKey, tmp_path: Path) -> None:
    """The type is part of what DSSE signs (its pre-authentication encoding): a JSON the key signed as something else is not a statement."""
    from securesystemslib import dsse

    envelope = dsse.Envelope(STATEMENT.to_bytes(), "application/json", {})
    envelope.sign(org.signer.signer)
    assert "payloadType is 'application/json'" in refused(write(tmp_path, envelope.to_dict()), trusting(org))


@pytest.mark.parametrize("signatures", [[], None], ids=["empty", "absent"])
def test_an_envelope_without_signatures_is_refused(org: OrgKey, signed: dict[str, Any], tmp_path: Path, signatures: Any) -> None:
    if signatures is None:
        del signed["signatures"]
    else:
        signed["signatures"] = signatures
    assert "the envelope carries no signature" in refused(write(tmp_path, signed), trusting(org))


def test_a_foreign_signature_relabelled_with_the_trusted_keyid_is_refused(org: OrgKey, tmp_path: Path) -> None:
    """The keyid only says which key to try: the signature must still verify under that key."""
    stranger = org_key(tmp_path / "stranger", name="stranger")
    forged = envelope_of(stranger.sign(STATEMENT, tmp_path / "forged.dsse.json"))
    trusted_keyid = keys.load_public_key(org.public).keyid
    forged["signatures"][0]["keyid"] = trusted_keyid
    message = refused(write(tmp_path, forged), trusting(org))
    assert f"no signature verifies under a trusted key (the envelope names keyid {trusted_keyid})" in message


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa"])
@pytest.mark.parametrize("sig", ["", "AAAA", "A" * 88], ids=["empty", "three bytes", "64 zero bytes"])
def test_a_garbage_signature_under_the_trusted_keyid_is_refused(tmp_path: Path, kind: str, sig: str) -> None:
    key = org_key(tmp_path, kind)
    envelope = envelope_of(key.sign(STATEMENT, tmp_path / "approval.dsse.json"))
    envelope["signatures"][0]["sig"] = sig
    assert "no signature verifies under a trusted key" in refused(write(tmp_path, envelope), trusting(key))


@pytest.mark.parametrize("untrusted_first", [True, False], ids=["untrusted first", "trusted first"])
def test_an_extra_untrusted_signature_beside_the_trusted_one_still_verifies(
    org: OrgKey, signed: dict[str, Any], tmp_path: Path, untrusted_first: bool
) -> None:
    """Right, not lenient: the question is whether a trusted key signed these exact bytes, and it did.

    DSSE lets several parties sign one payload; another party's signature changes neither the
    payload nor the trusted signature, and it is never counted (threshold one, trusted keys
    only). Refusing it would let anyone who can append to the file deny a valid approval.
    """
    stranger = org_key(tmp_path / "stranger", name="stranger")
    foreign = envelope_of(stranger.sign(STATEMENT, tmp_path / "foreign.dsse.json"))["signatures"][0]
    signed["signatures"] = [foreign, *signed["signatures"]] if untrusted_first else [*signed["signatures"], foreign]

    verified = verify_file(write(tmp_path, signed), trusting(org))

    assert verified.signer == f"key {keys.load_public_key(org.public).keyid}"
    assert verified.statement == STATEMENT


def test_two_signatures_claiming_the_trusted_keyid_are_refused_not_guessed_between(
    org: OrgKey, signed: dict[str, Any], tmp_path: Path
) -> None:
    forged = dict(signed["signatures"][0], sig=_b64(b"\x00" * 64))
    signed["signatures"].append(forged)
    assert "not a DSSE envelope (ValueError)" in refused(write(tmp_path, signed), trusting(org))


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("payload", "not base64!"),
        ("payload", 7),
        ("signatures", ["x"]),
        ("signatures", [{"sig": "AAAA"}]),
        ("signatures", [{"keyid": "k", "sig": 5}]),
    ],
    ids=["payload not base64", "payload a number", "signature a string", "signature without keyid", "sig a number"],
)
def test_a_malformed_envelope_is_refused_not_a_crash(org: OrgKey, signed: dict[str, Any], tmp_path: Path, change: str, value: Any) -> None:
    signed[change] = value
    assert "not a DSSE envelope" in refused(write(tmp_path, signed), trusting(org))


def test_a_signed_payload_that_is_not_a_statement_is_refused(org: OrgKey, tmp_path: Path) -> None:
    """A genuine signature over the gate's JSON itself: signed, but not what a launcher reads."""
    envelope = keys.sign(json.dumps(gate_answer("support-agent-r4", OBJECTIVE)).encode(), org.signer.signer)
    message = refused(write(tmp_path, envelope), trusting(org))
    assert "signed, but the signed payload is not an in-toto Statement v1 (_type None)" in message


def test_a_statement_of_another_kind_verifies_and_says_so(org: OrgKey, tmp_path: Path) -> None:
    """Verification is about the signature; which predicate a caller accepts is the caller's judgement."""
    run = Statement(STATEMENT.subjects, RUN, {"previous": STATEMENT.digest()})
    assert verify_file(org.sign(run, tmp_path / "run.dsse.json"), trusting(org)).statement.predicate_type == RUN


# --- what is not an envelope at all ------------------------------------------------------------------------


def test_an_unsigned_gate_answer_is_refused_with_how_to_get_a_signed_one(org: OrgKey, tmp_path: Path) -> None:
    answer = tmp_path / "gate.json"
    answer.write_text(json.dumps({"decision": "allow", "objective": "support-agent-r4"}))
    message = refused(answer, trusting(org))
    assert message == f"{answer}: an unsigned gate answer, which anyone can write; {HOW_TO_SIGN}"
    assert "ftgov attest" in message


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"decision: allow\n", "not JSON (JSONDecodeError)"),
        (b"\xff\xfe{}", "not JSON (UnicodeDecodeError)"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"statement": {}}', "neither a DSSE envelope nor a Sigstore bundle"),
        (b"[" * 100_000, "not JSON (RecursionError)"),
    ],
    ids=["YAML", "not UTF-8", "a list", "another object", "deeply nested"],
)
def test_a_file_that_is_no_envelope_is_refused_with_how_to_get_one(org: OrgKey, tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "approval.json"
    path.write_bytes(content)
    assert refused(path, trusting(org)) == f"{path}: {reason}; {HOW_TO_SIGN}"


def test_an_unreadable_statement_file_is_an_input_error(org: OrgKey, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"approval\.dsse\.json: cannot read it"):
        verify_file(tmp_path / "approval.dsse.json", trusting(org))
