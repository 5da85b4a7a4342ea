"""Who signs a statement: the organisation key, or Sigstore keyless from the workflow's identity.

Every command that emits a statement (`attest`, `record-run`, `evaluate --record`, `decide`)
takes the same two options and gets a `Signer` from `signer_from_options`; the file it
writes is a DSSE envelope (`.dsse.json`) or a Sigstore bundle (`.sigstore.json`), and
`verify.verify_file` tells them apart by content, not by name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from securesystemslib.signer import CryptoSigner

from ftgov.attest import keyless, keys
from ftgov.attest.statement import Statement
from ftgov.documents.errors import InputError

SIGNING_KEY_ENV = "FTGOV_SIGNING_KEY"  # the PEM itself, as a CI secret is handed over
SIGNING_KEY_FILE_ENV = "FTGOV_SIGNING_KEY_FILE"


class Signer(Protocol):
    @property
    def suffix(self) -> str:
        """The file name ending of what sign() returns."""


    def sign(self, statement: Statement) -> bytes: ...


@dataclass(frozen=True)
class KeySigner:
    signer: CryptoSigner
    suffix: str = ".dsse.json"

    def sign(self, statement: Statement) -> bytes:
        return keys.envelope_bytes(keys.sign(statement.to_bytes(), self.signer))


@dataclass(frozen=True)
class KeylessSigner:
    suffix: str = ".sigstore.json"

    def sign(self, statement: Statement) -> bytes:
        try:
            return keyless.sign(statement.to_bytes())
        except keyless.BundleRefused as exc:
            raise InputError(f"--keyless: {exc}") from None


def signer_from_options(signing_key: Path | None, use_keyless: bool, environ: Mapping[str, str] | None = None) -> Signer | None:
    """The signer the options (or FTGOV_SIGNING_KEY / FTGOV_SIGNING_KEY_FILE) name; None when nothing is to be signed."""
    env = os.environ if environ is None else environ
    if signing_key is not None and use_keyless:
        raise InputError("--signing-key and --keyless: choose one signer")
    if use_keyless:
        return KeylessSigner()
    if signing_key is None and env.get(SIGNING_KEY_FILE_ENV):
        signing_key = Path(env[SIGNING_KEY_FILE_ENV])
    if signing_key is not None:
        try:
            pem = signing_key.read_bytes()
        except OSError as exc:
            raise InputError(f"--signing-key {signing_key}: cannot read it ({exc.strerror or type(exc).__name__})") from None
        return KeySigner(_load(pem, f"--signing-key {signing_key}"))
    if env.get(SIGNING_KEY_ENV):
        return KeySigner(_load(env[SIGNING_KEY_ENV].encode("utf-8"), SIGNING_KEY_ENV))
    return None


def _load(pem: bytes, source: str) -> CryptoSigner:
    try:
        return keys.load_private_key(pem, source)
    except keys.KeyFileError as exc:
        raise InputError(str(exc)) from None
