"""Read a statement file and verify it against the signers the operator trusts; nothing unsigned passes.

One entry point for every place a statement is read (the offline gate, record-run, the
deploy chain): `verify_file` tells a DSSE envelope (organisation key) from a Sigstore
bundle (keyless), checks the signature under `TrustedSigners`, and parses the statement
from the signed bytes. A file of either kind signed by anyone else, an unsigned gate JSON
or a statement that is not in-toto is a `Refused` with the reason, never a statement.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftgov.attest import keyless, keys
from ftgov.attest.statement import Statement, StatementError, parse, sha256
from ftgov.documents import times
from ftgov.documents.errors import InputError
from ftgov.documents.policy import ApprovalSigners

HOW_TO_SIGN = (
    "only a signed statement is accepted: the bundle `ftgov attest` publishes from the default-branch workflow "
    "(keyless Sigstore, or signed with the organisation key), see docs/attestations.md"
)


class Refused(Exception):
    """A statement file that does not verify; the message is one sentence naming the file and why."""


@dataclass(frozen=True)
class TrustedSigners:
    """Whom a verifier trusts: organisation public keys and/or workflow identities (with the Sigstore trusted root)."""

    keys: tuple[keys.TrustedKey, ...] = ()
    identities: tuple[keyless.TrustedIdentity, ...] = ()
    sigstore_root: Path | None = None  # None: the production root the sigstore package embeds

    def __bool__(self) -> bool:
        return bool(self.keys or self.identities)

    def describe(self) -> str:
        named = [f"key {k.keyid[:16]}… ({k.source})" for k in self.keys] + [str(i) for i in self.identities]
        return ", ".join(named) or "nobody"


@dataclass(frozen=True)
class Verified:
    """A statement whose signature verified, who signed it, and when."""

    statement: Statement
    path: Path
    signer: str  # "key <keyid>" or the workflow identity
    signer_kind: str  # key | sigstore
    signed_at: dt.datetime | None  # Sigstore: the certificate's start; key: None (the statement's own time is the claim)
    digest: str  # sha256 of the signed statement bytes: what the next statement of a chain points at

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "predicate_type": self.statement.predicate_type,
            "signer": self.signer,
            "signer_kind": self.signer_kind,
            "signed_at": None if self.signed_at is None else times.iso(self.signed_at),
            "statement_sha256": self.digest,
        }


def trusted_signers(
    trusted_keys: tuple[Path, ...] = (),
    trusted_identities: tuple[str, ...] = (),
    issuer: str = keyless.GITHUB_ACTIONS_ISSUER,
    sigstore_root: Path | None = None,
) -> TrustedSigners:
    """The signers from command-line options; an unreadable key or a malformed identity is an InputError."""
    try:
        loaded = tuple(keys.load_public_key(path) for path in trusted_keys)
    except keys.KeyFileError as exc:
        raise InputError(str(exc)) from None
    for identity in trusted_identities:
        check_identity(identity)
    return TrustedSigners(loaded, tuple(keyless.TrustedIdentity(i, issuer) for i in trusted_identities), sigstore_root)


# https://HOST/ORG/REPO/.github/workflows/FILE@refs/heads/BRANCH, nothing before or after: sigstore compares identities
# exactly, so a looser string trusts nobody, but it would say the operator meant something the check never saw.
_WORKFLOW_IDENTITY = re.compile(r"https://[^\s@#?]+/\.github/workflows/[^\s@#?/]+@refs/heads/[^\s@#?]+")


def check_identity(identity: str) -> None:
    """A workflow identity names a workflow file at a branch: an identity at a tag or a PR ref trusts too much."""
    if not _WORKFLOW_IDENTITY.fullmatch(identity):
        raise InputError(
            f"--trusted-identity {identity!r}: give the signing workflow's identity, "
            "https://github.com/ORG/REPO/.github/workflows/FILE@refs/heads/BRANCH (the default branch)"
        )


def from_environment(environ: Mapping[str, str], scope: str = "TRUSTED") -> tuple[tuple[Path, ...], tuple[str, ...]]:
    """FTGOV_<scope>_KEY and FTGOV_<scope>_IDENTITY, each a list separated by the path separator or commas.

    `scope` TRUSTED: the governance signers; TRUSTED_PIPELINE: the pipelines' (run and evaluation statements only).
    """
    found_keys = tuple(Path(p) for p in environ.get(f"FTGOV_{scope}_KEY", "").split(os.pathsep) if p.strip())
    found_ids = tuple(i.strip() for i in environ.get(f"FTGOV_{scope}_IDENTITY", "").split(",") if i.strip())
    return found_keys, found_ids


def read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or type(exc).__name__})") from exc


def verify_file(path: Path, signers: TrustedSigners) -> Verified:
    """The verified statement in `path`; InputError when it cannot be read, Refused when it does not verify."""
    raw = read(path)
    return verify_bytes(raw, path, signers)


def verify_bytes(raw: bytes, path: Path, signers: TrustedSigners) -> Verified:
    if not signers:
        raise InputError(f"{path}: no trusted signer given; pass --trusted-key PUB or --trusted-identity WORKFLOW_REF")
    data = _json(raw, path)
    media_type = data.get("mediaType")
    if isinstance(media_type, str) and media_type.startswith(keyless.BUNDLE_MEDIA_TYPE_PREFIX):
        return _keyless(raw, path, signers)
    if "payloadType" in data and "payload" in data:
        return _keyed(data, path, signers)
    if "decision" in data and "objective" in data:
        raise Refused(f"{path}: an unsigned gate answer, which anyone can write; {HOW_TO_SIGN}")
    raise Refused(f"{path}: neither a DSSE envelope nor a Sigstore bundle; {HOW_TO_SIGN}")


def _json(raw: bytes, path: Path) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # ValueError: JSONDecodeError, or an integer too long
        raise Refused(f"{path}: not JSON ({type(exc).__name__}); {HOW_TO_SIGN}") from exc
    if not isinstance(data, dict):
        raise Refused(f"{path}: not a JSON object; {HOW_TO_SIGN}")
    return data


def _keyed(data: dict[str, Any], path: Path, signers: TrustedSigners) -> Verified:
    if not signers.keys:
        raise Refused(f"{path}: signed with a key, and no --trusted-key is given (trusted: {signers.describe()})")
    try:
        payload, key = keys.verify(data, signers.keys)
    except keys.EnvelopeRefused as exc:
        raise Refused(f"{path}: {exc}") from exc
    return Verified(_statement(payload, path), path, f"key {key.keyid}", "key", None, sha256(payload))


def _keyless(raw: bytes, path: Path, signers: TrustedSigners) -> Verified:
    if not signers.identities:
        raise Refused(f"{path}: a Sigstore bundle, and no --trusted-identity is given (trusted: {signers.describe()})")
    try:
        root = keyless.load_trusted_root(signers.sigstore_root)
    except keyless.TrustedRootError as exc:
        raise InputError(str(exc)) from None
    try:
        verified = keyless.verify(raw, signers.identities, root)
    except keyless.BundleRefused as exc:
        raise Refused(f"{path}: {exc}") from exc
    statement = _statement(verified.payload, path)
    return Verified(statement, path, verified.identity.identity, "sigstore", verified.signed_at, sha256(verified.payload))


def _statement(payload: bytes, path: Path) -> Statement:
    try:
        return parse(payload)
    except StatementError as exc:
        raise Refused(f"{path}: signed, but {exc}") from exc


def anchored(anchor: ApprovalSigners, given: TrustedSigners | None, policy_path: str, repo_root: Path | None) -> TrustedSigners:
    """The approval signers the reviewed policy names, narrowed to `given` (the operator's options) when there are any.

    An operator who could name any key would verify an approval they signed themselves: the
    options may only choose among the policy's signers, never add one. The Sigstore root is
    the policy's too (`sigstore_root`, a file in the repository, else the production root
    the sigstore package embeds): a root of the operator's making could certify any identity.
    InputError when the policy names none, or an option names a signer it does not.
    """
    where = f"{policy_path} gate.approval_signers"
    if not anchor:
        raise InputError(
            f"the policy names no approval signer ({where}: keys or identities): an approval is verified only under the "
            "signers the reviewed policy names, the organisation key's public half or the attest workflow's identity"
        )
    try:
        keys_ = tuple(keys.public_key_from_pem(pem.encode("ascii"), f"{where}.keys[{i}]", where) for i, pem in enumerate(anchor.keys))
    except (keys.KeyFileError, UnicodeEncodeError) as exc:
        raise InputError(str(exc)) from None
    root = (repo_root or Path()) / anchor.sigstore_root if anchor.sigstore_root else None
    identities = tuple(keyless.TrustedIdentity(i, anchor.oidc_issuer) for i in anchor.identities)
    if not given:  # None or naming nobody: the policy's list as it is
        return TrustedSigners(keys_, identities, root)
    allowed_ids = {k.keyid for k in keys_}
    foreign = [f"key {k.keyid[:16]}… ({k.source})" for k in given.keys if k.keyid not in allowed_ids]
    foreign += [i.identity for i in given.identities if i not in identities]
    if foreign:
        raise InputError(f"{', '.join(foreign)}: not among the approval signers {where} names; the options may only narrow them")
    return TrustedSigners(given.keys, given.identities, root)
