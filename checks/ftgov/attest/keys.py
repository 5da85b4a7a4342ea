"""The organisation-key signer: a DSSE envelope signed with Ed25519 or ECDSA P-256 (securesystemslib).

For GitHub Enterprise and air-gapped clusters, where Sigstore's public services are out of
reach. The private key lives only in the signing workflow's environment-protected secret;
launchers hold the public key. Only the two key types DSSE verifiers commonly agree on are
accepted: a weaker or unusual key is refused when it is loaded, not when a launcher fails.
"""

from __future__ import annotations

import binascii
import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from securesystemslib import dsse
from securesystemslib.exceptions import VerificationError as SslibVerificationError
from securesystemslib.signer import CryptoSigner, SSlibKey

from ftgov.attest.statement import PAYLOAD_TYPE

KEY_TYPES = "Ed25519 or ECDSA P-256"


class KeyFileError(ValueError):
    """A key file that cannot be used; the message names the file and what to do."""


@dataclass(frozen=True)
class TrustedKey:
    """A public key a launcher trusts, with the keyid signatures name it by."""

    key: SSlibKey
    source: str  # the file it was read from, for messages

    @property
    def keyid(self) -> str:
        return str(self.key.keyid)


def _check_type(key: object, source: str) -> None:
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return
    raise KeyFileError(f"{source}: a {type(key).__name__.lstrip('_')} key; ftgov signs and verifies with {KEY_TYPES} only")


def load_private_key(pem: bytes, source: str) -> CryptoSigner:
    """A signer from an unencrypted PKCS#8 PEM private key (the secret's content)."""
    try:
        private = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFileError(f"{source}: not an unencrypted PEM private key ({exc})") from exc
    _check_type(private, source)
    return CryptoSigner(private)


def load_public_key(path: Path) -> TrustedKey:
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"--trusted-key {path}: cannot read it ({exc.strerror or type(exc).__name__})") from exc
    return public_key_from_pem(pem, f"--trusted-key {path}", str(path))


def public_key_from_pem(pem: bytes, what: str, source: str) -> TrustedKey:
    """A trusted key from PEM bytes; `what` names it in an error (an option and file, a policy field)."""
    try:
        public = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFileError(f"{what}: not a PEM public key ({exc})") from exc
    _check_type(public, what)
    return TrustedKey(SSlibKey.from_crypto(public), source)


def public_pem(signer: CryptoSigner) -> bytes:
    """The public half of a signer, as the PEM launchers are given."""
    key = serialization.load_pem_public_key(signer.public_key.keyval["public"].encode("ascii"))
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def sign(payload: bytes, signer: CryptoSigner) -> dict[str, Any]:
    """The DSSE envelope over `payload` (signed over DSSE's pre-authentication encoding, never the raw JSON)."""
    envelope = dsse.Envelope(payload, PAYLOAD_TYPE, {})
    envelope.sign(signer)
    return dict(envelope.to_dict())


class EnvelopeRefused(ValueError):
    """An envelope no trusted key signed, or not an envelope at all."""


def verify(envelope: dict[str, Any], trusted: tuple[TrustedKey, ...]) -> tuple[bytes, TrustedKey]:
    """The signed payload and the trusted key that signed it; EnvelopeRefused otherwise."""
    if envelope.get("payloadType") != PAYLOAD_TYPE:
        raise EnvelopeRefused(f"payloadType is {envelope.get('payloadType')!r}, not {PAYLOAD_TYPE}")
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise EnvelopeRefused("the envelope carries no signature")
    # securesystemslib calls .encode() on these: a number where a string belongs would be an AttributeError, a crash.
    if not isinstance(envelope.get("payload"), str) or not all(
        isinstance(s, dict) and isinstance(s.get("keyid"), str) and isinstance(s.get("sig"), str) for s in signatures
    ):
        raise EnvelopeRefused("not a DSSE envelope (the payload and each signature's keyid and sig must be strings)")
    try:
        parsed = dsse.Envelope.from_dict(copy.deepcopy(envelope))  # from_dict empties the dicts it reads
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise EnvelopeRefused(f"not a DSSE envelope ({type(exc).__name__})") from exc
    try:
        accepted = parsed.verify([t.key for t in trusted], 1)
    except SslibVerificationError as exc:
        named = ", ".join(sorted({str(s.get("keyid")) for s in signatures if isinstance(s, dict)}))
        raise EnvelopeRefused(f"no signature verifies under a trusted key (the envelope names keyid {named})") from exc
    keyid = next(iter(accepted))
    return bytes(parsed.payload), next(t for t in trusted if t.keyid == keyid)


def envelope_bytes(envelope: dict[str, Any]) -> bytes:
    return (json.dumps(envelope, indent=2) + "\n").encode("utf-8")
