"""Keyless verification against real Sigstore bundles, offline: what a launcher accepts and what it refuses.

The bundles and trusted roots are the Sigstore projects' own (tests/fixtures/sigstore,
PROVENANCE.md there): a DSSE bundle signed on the staging instance by sigstore-conformance's
public test workflow, and one signed on production by the same workflow. Every tampered
bundle is a copy in tmp_path with one thing changed. A guard makes any socket connection
fail the test, so a verification that quietly reached Rekor or TUF could not pass.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ftgov.attest import approval
from ftgov.attest.age import age_reason, parse_duration
from ftgov.attest.keyless import TrustedIdentity
from ftgov.attest.statement import APPROVAL, Statement, Subject, sha256
from ftgov.attest.verify import HOW_TO_SIGN, Refused, TrustedSigners, Verified, trusted_signers, verify_file
from ftgov.documents.errors import InputError

from ..conftest import FIXTURES
from ..signing import org_key

SIGSTORE = FIXTURES / "sigstore"
STAGING_BUNDLE = SIGSTORE / "staging-dsse.sigstore.json"
PRODUCTION_BUNDLE = SIGSTORE / "production-dsse.sigstore.json"
ARTIFACT_BUNDLE = SIGSTORE / "staging-artifact.sigstore.json"  # a person's signature over a file, no statement
STAGING_ROOT = SIGSTORE / "staging-trusted_root.json"
PRODUCTION_ROOT = SIGSTORE / "production-trusted_root.json"
SUBJECT = SIGSTORE / "a.txt"

BEACON = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows"
IDENTITY = f"{BEACON}/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
ISSUER = "https://token.actions.githubusercontent.com"
STAGING_SIGNED_AT = dt.datetime(2026, 5, 13, 19, 23, 32, tzinfo=dt.UTC)  # the certificate's notBefore
PRODUCTION_SIGNED_AT = dt.datetime(2024, 12, 16, 18, 42, 56, tzinfo=dt.UTC)
SLSA_PROVENANCE = "https://slsa.dev/provenance/v1"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Any connection or name lookup raises, and is recorded: a library catching the error still fails the test."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> Any:
        attempts.append(args[1:] if args and isinstance(args[0], socket.socket) else args)
        raise ConnectionRefusedError(f"the test tried to reach the network: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts
    assert attempts == [], f"verification reached for the network: {attempts}"


def staging(identities: tuple[str, ...] = (IDENTITY,), issuer: str = ISSUER, root: Path = STAGING_ROOT) -> TrustedSigners:
    return trusted_signers(trusted_identities=identities, issuer=issuer, sigstore_root=root)


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_bytes())
    return data


def write(tmp_path: Path, bundle: dict[str, Any], name: str = "tampered.sigstore.json") -> Path:
    out = tmp_path / name
    out.write_text(json.dumps(bundle, indent=2))
    return out


def refused(path: Path, signers: TrustedSigners) -> str:
    with pytest.raises(Refused) as caught:
        verify_file(path, signers)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message
    return message


def test_the_guard_refuses_a_connection(no_network: list[object]) -> None:
    with pytest.raises(ConnectionRefusedError, match="reach the network"):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    assert no_network, "the guard did not see the attempt"
    no_network.clear()  # the attempt was this test's own


# --- the genuine bundle -------------------------------------------------------------------------------


def test_a_real_staging_bundle_verifies_offline_for_its_workflow_identity() -> None:
    verified = verify_file(STAGING_BUNDLE, staging())

    signed_payload = base64.b64decode(load(STAGING_BUNDLE)["dsseEnvelope"]["payload"])
    assert verified.signer == IDENTITY
    assert verified.signer_kind == "sigstore"
    assert verified.signed_at == STAGING_SIGNED_AT
    assert verified.digest == sha256(signed_payload)  # the signed bytes, never a re-serialisation
    assert verified.statement.predicate_type == SLSA_PROVENANCE
    assert verified.statement.subjects == (Subject("a.txt", sha256(SUBJECT.read_bytes())),)
    assert verified.to_json()["signed_at"] == "2026-05-13T19:23:32Z"


def test_a_real_production_bundle_verifies_under_the_root_the_sigstore_package_embeds() -> None:
    for root in (PRODUCTION_ROOT, None):
        verified = verify_file(PRODUCTION_BUNDLE, trusted_signers(trusted_identities=(IDENTITY,), sigstore_root=root))
        assert (verified.signer, verified.signed_at) == (IDENTITY, PRODUCTION_SIGNED_AT)
        assert verified.statement.subject("a.txt") == Subject("a.txt", sha256(SUBJECT.read_bytes()))


def test_the_embedded_root_is_read_even_where_sigstores_cache_cannot_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A launcher image with a read-only home: sigstore's TUF cache fails, the package's own root is read instead."""
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache directory would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    monkeypatch.setenv("XDG_DATA_HOME", str(blocked))
    verified = verify_file(PRODUCTION_BUNDLE, trusted_signers(trusted_identities=(IDENTITY,)))
    assert verified.signer == IDENTITY


def test_the_trusted_identity_among_several_is_the_one_named_as_signer() -> None:
    verified = verify_file(STAGING_BUNDLE, staging((f"{BEACON}/release.yml@refs/heads/main", IDENTITY)))
    assert verified.signer == IDENTITY


def test_a_genuine_signature_by_someone_elses_workflow_is_not_an_approval() -> None:
    verified = verify_file(STAGING_BUNDLE, staging())
    judgement = approval.judge(
        verified, "a", now=STAGING_SIGNED_AT + dt.timedelta(hours=1), max_age=parse_duration("7d"), objective_bytes=SUBJECT.read_bytes()
    )
    assert not judgement.allowed
    assert judgement.objective_bytes is None
    assert judgement.reasons == (f"{STAGING_BUNDLE} is a {SLSA_PROVENANCE} statement, not an ftgov approval ({APPROVAL})",)


# --- tampered copies ------------------------------------------------------------------------------------


def _payload_byte_changed(bundle: dict[str, Any]) -> None:
    envelope = bundle["dsseEnvelope"]
    payload = base64.b64decode(envelope["payload"]).replace(b'"a.txt"', b'"b.txt"')
    envelope["payload"] = base64.b64encode(payload).decode("ascii")


def _payload_made_an_approval(bundle: dict[str, Any]) -> None:
    """The attack that matters: the real signature over a statement rewritten into an ftgov allow."""
    forged = Statement((Subject("objectives/support-agent/a.yaml", "0" * 64),), APPROVAL, {"decision": "allow", "objective": "a"})
    bundle["dsseEnvelope"]["payload"] = base64.b64encode(forged.to_bytes()).decode("ascii")


def _signature_changed(bundle: dict[str, Any]) -> None:
    signature = bytearray(base64.b64decode(bundle["dsseEnvelope"]["signatures"][0]["sig"]))
    signature[-3] ^= 0x01  # inside the DER's s value: still well-formed, no longer the signature
    bundle["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(bytes(signature)).decode("ascii")


def _signature_from_the_other_bundle(bundle: dict[str, Any]) -> None:
    bundle["dsseEnvelope"]["signatures"] = load(PRODUCTION_BUNDLE)["dsseEnvelope"]["signatures"]


def _certificate_from_the_other_bundle(bundle: dict[str, Any]) -> None:
    """A genuine Fulcio certificate for the same identity, issued for another signing."""
    bundle["verificationMaterial"]["certificate"] = load(PRODUCTION_BUNDLE)["verificationMaterial"]["certificate"]


def _log_index_changed(bundle: dict[str, Any]) -> None:
    entry = bundle["verificationMaterial"]["tlogEntries"][0]
    entry["logIndex"] = entry["inclusionProof"]["logIndex"] = str(int(entry["logIndex"]) - 1)  # +1 would equal the tree size, a shape error


def _inclusion_hash_changed(bundle: dict[str, Any]) -> None:
    hashes = bundle["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["hashes"]
    hashes[0] = base64.b64encode(b"\x00" * 32).decode("ascii")


def _logged_body_changed(bundle: dict[str, Any]) -> None:
    """The log entry names another digest: the log vouches for some other signing."""
    entry = bundle["verificationMaterial"]["tlogEntries"][0]
    body = json.loads(base64.b64decode(entry["canonicalizedBody"]))
    body["spec"]["hashedRekordV002"]["data"]["digest"] = base64.b64encode(b"\x01" * 32).decode("ascii")
    entry["canonicalizedBody"] = base64.b64encode(json.dumps(body, separators=(",", ":")).encode()).decode("ascii")


def _log_entry_removed(bundle: dict[str, Any]) -> None:
    bundle["verificationMaterial"]["tlogEntries"] = []


def _timestamp_removed(bundle: dict[str, Any]) -> None:
    """Rekor v2 entries carry no integrated time: without the RFC 3161 timestamp nothing dates the signing."""
    del bundle["verificationMaterial"]["timestampVerificationData"]


def _media_type_unknown_version(bundle: dict[str, Any]) -> None:
    bundle["mediaType"] = "application/vnd.dev.sigstore.bundle.v0.9+json"


def _media_type_older_version(bundle: dict[str, Any]) -> None:
    bundle["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.1"


# Each change and the reason sigstore gives for it: refused for that change, not for some other accident.
TAMPERINGS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "payload byte changed": (_payload_byte_changed, "DSSE: invalid signature"),
    "payload rewritten into an approval": (_payload_made_an_approval, "DSSE: invalid signature"),
    # The RFC 3161 timestamp is over the signature: another signature has no verified time, so nothing else is checked.
    "signature changed": (_signature_changed, "not enough sources of verified time"),
    "signature from another real bundle": (_signature_from_the_other_bundle, "not enough sources of verified time"),
    "certificate from another real bundle": (_certificate_from_the_other_bundle, "cert is not valid at validation time"),
    "log index changed": (_log_index_changed, "invalid log entry: inclusion proof has wrong size"),
    "inclusion proof hash changed": (_inclusion_hash_changed, "invalid log entry: inclusion proof contains invalid root hash"),
    "logged body changed": (_logged_body_changed, "invalid log entry: inclusion proof contains invalid root hash"),
    "log entry removed": (_log_entry_removed, "not a Sigstore bundle (InvalidBundle: expected exactly one log entry"),
    "timestamp removed": (_timestamp_removed, "not a Sigstore bundle (InvalidBundle: bundle must contain an inclusion promise or signed"),
    "mediaType of an unknown bundle version": (_media_type_unknown_version, "not a Sigstore bundle (InvalidBundle: failed to load bundle"),
    "mediaType of bundle v0.1": (_media_type_older_version, "not a Sigstore bundle (InvalidBundle: expected certificate chain"),
}


@pytest.mark.parametrize(("tamper", "reason"), TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_a_tampered_copy_of_the_real_bundle_is_refused(tmp_path: Path, tamper: Callable[[dict[str, Any]], None], reason: str) -> None:
    bundle = load(STAGING_BUNDLE)
    original = copy.deepcopy(bundle)
    tamper(bundle)
    assert bundle != original

    tampered = write(tmp_path, bundle)
    message = refused(tampered, staging()).removeprefix(f"{tampered}: ")

    assert reason in message
    assert len(message.split("): ", 1)[-1]) <= 200, "sigstore's reason is quoted, not its whole inclusion proof"
    if "DSSE" in reason or "log entry:" in reason:
        assert f"signed by {IDENTITY}" in message  # the certificate itself is genuine; only what it signed changed


def test_an_untouched_copy_still_verifies(tmp_path: Path) -> None:
    """The tampering tests above refuse for the change they make, not for the copy's re-serialisation."""
    copied = write(tmp_path, load(STAGING_BUNDLE))
    assert verify_file(copied, staging()).signer == IDENTITY


def test_a_bundle_whose_media_type_is_not_sigstore_is_not_read_as_one(tmp_path: Path) -> None:
    bundle = load(STAGING_BUNDLE)
    bundle["mediaType"] = "application/json"
    message = refused(write(tmp_path, bundle), staging())
    assert "neither a DSSE envelope nor a Sigstore bundle" in message
    assert HOW_TO_SIGN in message


def test_the_envelope_alone_without_its_verification_material_is_refused(tmp_path: Path) -> None:
    """The DSSE envelope lifted out of the bundle reads as a key-signed envelope, and no key is trusted."""
    envelope = write(tmp_path, load(STAGING_BUNDLE)["dsseEnvelope"], "envelope.dsse.json")
    message = refused(envelope, staging())
    assert "signed with a key, and no --trusted-key is given" in message


# --- the wrong signer -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "identity",
    [
        f"{BEACON}/release.yml@refs/heads/main",  # the same repository, another workflow
        f"{BEACON}/extremely-dangerous-oidc-beacon.yml@refs/heads/other",  # the same workflow at another branch
        "https://github.com/acme/governance/.github/workflows/attest.yml@refs/heads/main",  # the organisation's own
    ],
    ids=["other workflow", "other branch", "other repository"],
)
def test_another_trusted_identity_is_refused_naming_the_certificates_identity(identity: str) -> None:
    message = refused(STAGING_BUNDLE, staging((identity,)))
    assert f"does not verify for the trusted identity (signed by {IDENTITY})" in message


@pytest.mark.parametrize(
    "identity",
    [
        f"{BEACON}/extremely-dangerous-oidc-beacon.yml@refs/pull/1/merge",
        f"{BEACON}/extremely-dangerous-oidc-beacon.yml@refs/tags/v1",
        "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon",
        "http://github.com/acme/governance/.github/workflows/attest.yml@refs/heads/main",
        f"{BEACON}/extremely-dangerous-oidc-beacon.yml@refs/tags/x#@refs/heads/main",
        f"{BEACON}/extremely-dangerous-oidc-beacon.yml@refs/tags/v1?@refs/heads/main",
        f"{BEACON}/a/b.yml@refs/heads/main",
    ],
    ids=["pull request ref", "tag", "repository only", "http", "tag with a fragment", "tag with a query", "nested path"],
)
def test_an_identity_that_trusts_more_than_a_branch_workflow_is_an_input_error(identity: str) -> None:
    with pytest.raises(InputError, match=r"--trusted-identity .*@refs/heads/BRANCH"):
        staging((identity,))


def test_another_issuer_is_refused_naming_the_certificates_identity() -> None:
    message = refused(STAGING_BUNDLE, staging(issuer="https://accounts.google.com"))
    assert f"signed by {IDENTITY}" in message


def test_the_production_root_refuses_a_staging_bundle_and_the_staging_root_a_production_one() -> None:
    refused(STAGING_BUNDLE, staging(root=PRODUCTION_ROOT))
    refused(STAGING_BUNDLE, trusted_signers(trusted_identities=(IDENTITY,)))  # the embedded root is production's
    refused(PRODUCTION_BUNDLE, staging(root=STAGING_ROOT))


def test_a_persons_identity_is_not_a_workflow_identity() -> None:
    with pytest.raises(InputError, match="give the signing workflow's identity"):
        staging(("jku@goto.fi",), issuer="https://github.com/login/oauth")


def test_a_real_bundle_signing_a_file_rather_than_a_statement_is_refused_even_for_its_signer() -> None:
    """Trusting the signer exactly (past check_identity) still needs a DSSE statement: an artifact signature attests nothing."""
    person = TrustedSigners(identities=(TrustedIdentity("jku@goto.fi", "https://github.com/login/oauth"),), sigstore_root=STAGING_ROOT)
    message = refused(ARTIFACT_BUNDLE, person)
    assert "(signed by jku@goto.fi): cannot perform DSSE verification on a bundle without a DSSE envelope" in message
    wrong_issuer = refused(ARTIFACT_BUNDLE, staging())
    assert "(signed by jku@goto.fi)" in wrong_issuer and "OIDCIssuer does not match" in wrong_issuer


def test_a_key_signed_envelope_given_only_a_trusted_identity_is_refused(tmp_path: Path) -> None:
    key = org_key(tmp_path)
    envelope = key.sign(Statement((Subject("a.txt", sha256(SUBJECT.read_bytes())),), APPROVAL, {}), tmp_path / "s.dsse.json")
    message = refused(envelope, staging())
    assert "no --trusted-key is given" in message
    assert IDENTITY in message  # who was trusted instead


def test_a_bundle_given_only_a_trusted_key_is_refused(tmp_path: Path) -> None:
    key = org_key(tmp_path)
    message = refused(STAGING_BUNDLE, trusted_signers(trusted_keys=(key.public,), sigstore_root=STAGING_ROOT))
    assert "a Sigstore bundle, and no --trusted-identity is given" in message


# --- age ---------------------------------------------------------------------------------------------------


def test_a_real_bundle_ages_out_and_one_from_the_future_is_refused() -> None:
    signed_at = verify_file(STAGING_BUNDLE, staging()).signed_at
    assert signed_at == STAGING_SIGNED_AT
    week = parse_duration("7d")

    stale = age_reason(signed_at, signed_at + dt.timedelta(days=8), week, "the approval")
    early = age_reason(signed_at, signed_at - dt.timedelta(minutes=10), week, "the approval")

    assert stale == "the approval was signed at 2026-05-13T19:23:32Z, more than 7 days ago; fetch the latest bundle"
    assert early is not None and "after now (2026-05-13T19:13:32Z)" in early
    assert age_reason(signed_at, signed_at + dt.timedelta(days=6), week, "the approval") is None


# --- the trusted root ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[]", b'{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1", "tlogs": "x"}', b"\xff\xfe"],
    ids=["not JSON", "a list", "wrong shape", "not UTF-8"],
)
def test_a_malformed_trusted_root_is_an_input_error_naming_the_file(tmp_path: Path, content: bytes) -> None:
    root = tmp_path / "trusted_root.json"
    root.write_bytes(content)
    with pytest.raises(InputError) as caught:
        verify_file(STAGING_BUNDLE, staging(root=root))
    assert str(caught.value).startswith(f"--sigstore-root {root}: not a Sigstore trusted root")


def test_a_missing_trusted_root_is_an_input_error(tmp_path: Path) -> None:
    root = tmp_path / "absent.json"
    with pytest.raises(InputError, match="cannot read it"):
        verify_file(STAGING_BUNDLE, staging(root=root))


def test_verified_is_what_the_next_statement_of_a_chain_points_at() -> None:
    verified: Verified = verify_file(STAGING_BUNDLE, staging())
    assert verified.to_json() == {
        "path": str(STAGING_BUNDLE),
        "predicate_type": SLSA_PROVENANCE,
        "signer": IDENTITY,
        "signer_kind": "sigstore",
        "signed_at": "2026-05-13T19:23:32Z",
        "statement_sha256": sha256(base64.b64decode(load(STAGING_BUNDLE)["dsseEnvelope"]["payload"])),
    }


def test_a_root_planted_in_the_users_cache_is_not_taken_for_the_production_root(tmp_path: Path) -> None:
    """sigstore, offline, reads trusted_root.json from the user's TUF cache unverified; ftgov never asks it (review finding)."""
    cache = Path(os.environ["XDG_CACHE_HOME"])  # the launcher user's own cache (a Slurm job, a workstation, a CI runner)
    planted = cache / "sigstore-python" / "tuf" / "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev"
    planted.mkdir(parents=True, exist_ok=True)
    shutil.copy(STAGING_ROOT, planted / "trusted_root.json")
    refused(STAGING_BUNDLE, trusted_signers(trusted_identities=(IDENTITY,)))  # no --sigstore-root: the embedded production root
