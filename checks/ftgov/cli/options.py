"""What several commands share: --repo-root, --out (and where a report goes), --format, --jobs, --github-url.

Each --format offers exactly the keys of the registry its renderers live in
(ftgov.render.FINDING_FORMATS, ...), read the first time click needs them: the registries import
their renderers, and a command that renders nothing (the one-file pre-commit `validate` among
them) should not pay for the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ftgov.documents.atomic import write_report

Decorated = TypeVar("Decorated", bound=Callable[..., Any])

if TYPE_CHECKING:
    from ftgov.attest.verify import TrustedSigners

    _StrChoice = click.Choice[str]
else:
    _StrChoice = click.Choice  # generic only from click 8.4; the floor is 8.1


class _Registry(_StrChoice):
    """The choices of a --format: the keys of a renderers' registry, loaded when first asked for."""

    def __init__(self, registry: Callable[[], Mapping[str, object]]) -> None:
        # Choice.__init__ would read the choices now; the registry is read on first use instead.
        self._registry = registry
        self._names: tuple[str, ...] | None = None
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[str, ...]:
        if self._names is None:
            self._names = tuple(self._registry())
        return self._names

    @choices.setter
    def choices(self, names: Iterable[str]) -> None:
        self._names = tuple(names)


def _finding_renderers() -> Mapping[str, object]:
    from ftgov.render import FINDING_FORMATS

    return FINDING_FORMATS


def _verdict_renderers() -> Mapping[str, object]:
    from ftgov.render.verdict_formats import VERDICT_FORMATS

    return VERDICT_FORMATS


def _register_renderers() -> Mapping[str, object]:
    from ftgov.render.register import RENDERERS

    return RENDERERS


def _pr_report_renderers() -> Mapping[str, object]:
    from ftgov.render.report_pr import RENDERERS

    return RENDERERS


FINDINGS: click.Choice[str] = _Registry(_finding_renderers)
"""check, validate, audit-repo: a ValidationResult."""
VERDICT: click.Choice[str] = _Registry(_verdict_renderers)
"""evaluate: the evaluation report."""
REGISTER: click.Choice[str] = _Registry(_register_renderers)
"""register show: the register's view."""
PR_REPORT: click.Choice[str] = _Registry(_pr_report_renderers)
"""report pr: the reviewer's report."""
TEXT_OR_JSON: click.Choice[str] = click.Choice(("text", "json"))
"""rules, gate, approvals: each renders its own one line or JSON object."""


def format_option(formats: click.Choice[str], *, default: str = "text", help: str | None = None) -> Callable[[Decorated], Decorated]:
    return click.option("--format", "fmt", type=formats, default=default, show_default=True, help=help)


findings_format_option = format_option(
    FINDINGS,
    help="text: path:line:col: CODE message; json: one object for machines; github: workflow "
    "annotations; sarif: SARIF 2.1.0 for code scanning; junit: JUnit XML.",
)
repo_root_option = click.option(
    "--repo-root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Governance repository root. Default: the nearest parent holding policies/policy.yaml.",
)
out_option = click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to FILE (atomically) instead of stdout.",
)
jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for large runs. Default: one per core.",
)
github_url_option = click.option(
    "--github-url",
    default=None,
    metavar="URL",
    help="GitHub Enterprise base URL, e.g. https://github.example.com (omit for github.com).",
)


def emit(report: str, out: Path | None) -> None:
    """The report to --out FILE, written atomically (an InputError naming what is wrong with FILE), else to stdout.

    A report quotes hostile input (a bundle's keyid, a statement's fields): a lone surrogate JSON let through
    ("\\ud800") cannot be encoded as UTF-8, so it is written escaped rather than crashing the command.
    """
    report = report.encode("utf-8", "backslashreplace").decode("utf-8")
    if out is not None:
        write_report(out, report)
    else:
        click.echo(report, nl=False)


def _compose(*decorators: Callable[[Decorated], Decorated]) -> Callable[[Decorated], Decorated]:
    def apply(function: Decorated) -> Decorated:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


_trusted_key_option = click.option(
    "--trusted-key",
    "trusted_keys",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PUB",
    help="A PEM public key (Ed25519 or ECDSA P-256) whose signatures are trusted; repeat for a key rotation. "
    "Env FTGOV_TRUSTED_KEY (paths separated by ':').",
)
_trusted_identity_option = click.option(
    "--trusted-identity",
    "trusted_identities",
    multiple=True,
    metavar="WORKFLOW_REF",
    help="The Sigstore identity trusted to sign: the signing workflow at the default branch, "
    "https://github.com/ORG/REPO/.github/workflows/FILE@refs/heads/main; repeatable. Env FTGOV_TRUSTED_IDENTITY (comma-separated).",
)
_oidc_issuer_option = click.option(
    "--oidc-issuer",
    default="https://token.actions.githubusercontent.com",
    show_default=True,
    metavar="URL",
    help="The OIDC issuer of --trusted-identity (GitHub Enterprise Server: https://HOST/_services/token).",
)
_sigstore_root_option = click.option(
    "--sigstore-root",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="FTGOV_SIGSTORE_ROOT",
    default=None,
    metavar="FILE",
    help="The Sigstore trusted root (trusted_root.json) to verify bundles against, read offline. Env FTGOV_SIGSTORE_ROOT. "
    "Default: the production root the sigstore package embeds; ship a current one with the launcher image.",
)
_max_age_option = click.option(
    "--max-age",
    envvar="FTGOV_MAX_AGE",
    default="7d",
    show_default=True,
    metavar="DURATION",
    help="The oldest signed statement accepted (7d, 12h, 90m): a withdrawal after signing is invisible offline. Env FTGOV_MAX_AGE.",
)

trusted_signer_options = _compose(
    _trusted_key_option, _trusted_identity_option, _oidc_issuer_option, _sigstore_root_option, _max_age_option
)
"""gate --attestation, verify: whom a statement must be signed by, and how old it may be."""

narrowing_signer_options = _compose(_trusted_key_option, _trusted_identity_option, _oidc_issuer_option, _max_age_option)
"""record-run: signers that may only narrow the policy's gate.approval_signers, whose Sigstore root the policy names too."""

record_signer_options = _compose(_trusted_key_option, _trusted_identity_option, _oidc_issuer_option, _sigstore_root_option)
"""evaluate --previous-statement, decide --previous-statement: a record of what happened, so no --max-age."""


def signers_from(
    keys: tuple[Path, ...], identities: tuple[str, ...], oidc_issuer: str, sigstore_root: Path | None = None, scope: str = "TRUSTED"
) -> TrustedSigners | None:
    """The options' signers, else FTGOV_<scope>_KEY / FTGOV_<scope>_IDENTITY; None when neither names one.

    `scope` TRUSTED: the governance signers; TRUSTED_PIPELINE: the pipelines' (run and evaluation statements only).
    """
    import os

    from ftgov.attest.verify import from_environment, trusted_signers

    if not keys and not identities:
        keys, identities = from_environment(os.environ, scope)
    if not keys and not identities:
        return None
    return trusted_signers(keys, identities, oidc_issuer, sigstore_root)


def trusted_signers_from(
    trusted_keys: tuple[Path, ...], trusted_identities: tuple[str, ...], oidc_issuer: str, sigstore_root: Path | None
) -> TrustedSigners:
    """The governance signers a verifying command needs; none given anywhere is a usage error."""
    signers = signers_from(trusted_keys, trusted_identities, oidc_issuer, sigstore_root)
    if signers is None:
        raise click.UsageError("no trusted signer: give --trusted-key PUB or --trusted-identity WORKFLOW_REF (or FTGOV_TRUSTED_KEY)")
    return signers


signing_options = _compose(
    click.option(
        "--signing-key",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        metavar="FILE",
        help="Sign with this PEM private key (Ed25519 or ECDSA P-256). Env FTGOV_SIGNING_KEY (the PEM) or FTGOV_SIGNING_KEY_FILE.",
    ),
    click.option(
        "--keyless",
        is_flag=True,
        help="Sign keyless with Sigstore, as the GitHub Actions workflow running this (needs permissions: id-token: write).",
    ),
)
"""attest, and the commands that emit a chain statement: who signs."""
