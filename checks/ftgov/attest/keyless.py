"""The keyless signer: Sigstore from a GitHub Actions workflow, verified offline against a trusted root.

Signing asks Fulcio for a certificate bound to the workflow's OIDC identity and logs the
signature in Rekor; the bundle carries both, so verification needs no network: the
trusted root (Fulcio's CAs, Rekor's and the CT logs' keys) is a file the launcher image
ships, or the one the `sigstore` package embeds. All of the protocol is `sigstore`'s; this
module only chooses the policy: exactly the trusted workflow identity from the trusted
issuer, and the statement's signing time bounded by the certificate's ten-minute window.

`sigstore` is imported on first use: the key path and the online gate never load it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com"
BUNDLE_MEDIA_TYPE_PREFIX = "application/vnd.dev.sigstore.bundle"


class BundleRefused(ValueError):
    """A Sigstore bundle that does not verify under the trusted root and identity."""


class TrustedRootError(ValueError):
    """A trusted-root file that cannot be read or parsed."""


@dataclass(frozen=True)
class TrustedIdentity:
    """The signer a launcher trusts: the workflow's identity (its file at a ref) and the OIDC issuer."""

    identity: str  # https://github.com/ORG/REPO/.github/workflows/FILE@refs/heads/BRANCH
    issuer: str = GITHUB_ACTIONS_ISSUER

    def __str__(self) -> str:
        return f"{self.identity} (issuer {self.issuer})"


@dataclass(frozen=True)
class KeylessVerified:
    payload: bytes
    identity: TrustedIdentity
    signed_at: dt.datetime  # the certificate's start: Fulcio certificates live ten minutes from issue


def load_trusted_root(path: Path | None) -> Any:
    """The trusted root in `path`, or the production root the `sigstore` package embeds (read offline)."""
    from sigstore.models import TrustedRoot

    if path is None:
        # Never ClientTrustConfig.production(offline=True): offline, sigstore reads trusted_root.json from the user's TUF
        # cache unverified, and whoever can write that cache (the launcher's own user) would choose the root.
        return _embedded_root(TrustedRoot)
    try:
        return TrustedRoot.from_file(str(path))
    except OSError as exc:
        raise TrustedRootError(f"--sigstore-root {path}: cannot read it ({exc.strerror or type(exc).__name__})") from exc
    except Exception as exc:  # sigstore raises pydantic and its own errors for a malformed root
        raise TrustedRootError(f"--sigstore-root {path}: not a Sigstore trusted root ({type(exc).__name__})") from exc


def _embedded_root(trusted_root: Any) -> Any:
    """The production root shipped inside the sigstore package, read straight from its package data."""
    from importlib import resources

    try:
        with resources.as_file(resources.files("sigstore._store").joinpath(_PRODUCTION_TUF, "trusted_root.json")) as embedded:
            return trusted_root.from_file(str(embedded))
    except Exception as exc:  # a sigstore release that moved its data
        raise TrustedRootError(
            f"cannot load the Sigstore root the sigstore package embeds ({type(exc).__name__}); pass --sigstore-root FILE"
        ) from exc


_PRODUCTION_TUF = "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev"


def verify(bundle_json: bytes, trusted: tuple[TrustedIdentity, ...], trusted_root: Any) -> KeylessVerified:
    """The DSSE payload of a bundle that verifies under `trusted_root` and one of `trusted`; BundleRefused otherwise."""
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import Bundle
    from sigstore.verify import Verifier, policy

    try:
        bundle = Bundle.from_json(bundle_json)
    except Exception as exc:  # a malformed bundle raises pydantic, json or sigstore errors
        raise BundleRefused(f"not a Sigstore bundle ({type(exc).__name__}: {_first_line(exc)})") from exc
    verifier = Verifier(trusted_root=trusted_root)
    failures: list[str] = []
    for identity in trusted:
        try:
            payload_type, payload = verifier.verify_dsse(bundle, policy.Identity(identity=identity.identity, issuer=identity.issuer))
        except (SigstoreError, ValueError) as exc:
            failures.append(_first_line(exc))
            continue
        if payload_type != "application/vnd.in-toto+json":
            raise BundleRefused(f"the bundle's DSSE payloadType is {payload_type!r}, not an in-toto statement")
        signed_at = bundle.signing_certificate.not_valid_before_utc
        return KeylessVerified(bytes(payload), identity, signed_at)
    san = _certificate_identity(bundle)
    raise BundleRefused(f"it does not verify for the trusted identity (signed by {san}): {'; '.join(dict.fromkeys(failures))}")


def _certificate_identity(bundle: Any) -> str:
    from cryptography import x509

    try:
        names = bundle.signing_certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        values = [str(v) for v in names.get_values_for_type(x509.UniformResourceIdentifier)]
        values += [str(v) for v in names.get_values_for_type(x509.RFC822Name)]
    except Exception:  # a certificate with no SAN names nobody
        return "an unnamed certificate"
    return ", ".join(values) or "an unnamed certificate"


def _first_line(exc: BaseException, limit: int = 200) -> str:
    # sigstore puts whole inclusion proofs (bytes reprs, kilobytes) into one line: the reason is in its start.
    text = (str(exc).strip() or type(exc).__name__).splitlines()[0]
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def sign(payload: bytes) -> bytes:
    """Sign an in-toto statement keyless from GitHub Actions (its ambient OIDC token); the bundle's JSON.

    Only works inside a workflow with `permissions: id-token: write`; elsewhere there is no
    ambient identity, which is the point: nothing but that workflow can produce the bundle.
    """
    from sigstore import oidc
    from sigstore.dsse import Statement as SigstoreStatement
    from sigstore.models import ClientTrustConfig
    from sigstore.sign import SigningContext

    token = oidc.detect_credential()
    if token is None:
        raise BundleRefused("no ambient OIDC identity: keyless signing runs in GitHub Actions with `permissions: id-token: write`")
    context = SigningContext.from_trust_config(ClientTrustConfig.production())
    with context.signer(oidc.IdentityToken(token)) as signer:
        bundle = signer.sign_dsse(SigstoreStatement(payload))
    return str(bundle.to_json()).encode("utf-8")
