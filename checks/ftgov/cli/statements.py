"""What `evaluate --record` and `decide` share to emit their chain statement: the options, the checks, the write.

Each signs a statement with --signing-key or --keyless into --statement-out, pointing at the
statement before it (--previous-statement), which it verifies first under --trusted-key or
--trusted-identity. The trusted-signer options are the shared ones without --max-age
(options.record_signer_options): a
previous statement is a record of what happened, not an approval that must still be current
(the deploy gate bounds the age of the decision, the chain's newest link).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ftgov.cli.options import record_signer_options, signing_options, trusted_signers_from
from ftgov.documents.atomic import unwritable, write_report
from ftgov.documents.errors import InputError

if TYPE_CHECKING:
    from ftgov.attest.sign import Signer
    from ftgov.attest.verify import Verified

Decorated = TypeVar("Decorated", bound=Callable[..., Any])


def statement_options(what: str, previous: str) -> Callable[[Decorated], Decorated]:
    """--statement-out, --previous-statement, the signing options and the trusted-signer options (no --max-age)."""

    def apply(function: Decorated) -> Decorated:
        function = record_signer_options(function)
        function = signing_options(function)
        function = click.option(
            "--previous-statement",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            metavar="BUNDLE",
            help=previous,
        )(function)
        return click.option(
            "--statement-out",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            metavar="FILE",
            help=what,
        )(function)

    return apply


def chain_signer(statement_out: Path | None, signing_key: Path | None, keyless: bool, previous: Path | None) -> Signer | None:
    """The signer for --statement-out, or None when no statement is asked for; the options that make no sense alone refused."""
    from ftgov.attest.sign import signer_from_options

    if statement_out is None:
        options = (("--signing-key", signing_key), ("--keyless", keyless or None), ("--previous-statement", previous))
        named = [name for name, value in options if value is not None]
        if named:
            raise InputError(f"{', '.join(named)}: read only with --statement-out FILE, the statement they sign or point back from")
        return None
    problem = unwritable(statement_out)  # the statement is written after the register: refuse a bad path first
    if problem:
        raise InputError(f"--statement-out {statement_out}: {problem}")
    signer = signer_from_options(signing_key, keyless)
    if signer is None:
        raise InputError("--statement-out needs a signer: --signing-key FILE or --keyless (or FTGOV_SIGNING_KEY / FTGOV_SIGNING_KEY_FILE)")
    return signer


def previous_statement(
    previous: Path | None, trusted_keys: tuple[Path, ...], trusted_identities: tuple[str, ...], oidc_issuer: str, sigstore_root: Path | None
) -> Verified | None:
    """The verified --previous-statement, or None when none is given; a file that does not verify is exit 2."""
    from ftgov.attest.verify import Refused, verify_file

    if previous is None:
        return None
    signers = trusted_signers_from(trusted_keys, trusted_identities, oidc_issuer, sigstore_root)
    try:
        return verify_file(previous, signers)
    except Refused as exc:
        raise InputError(f"--previous-statement {exc}") from None


def write_statement(target: Path, content: bytes) -> None:
    """The signed statement to --statement-out, atomically; written after the register, so a failure here is said as such."""
    try:
        write_report(target, content.decode("utf-8"))
    except InputError as exc:
        reason = str(exc).removeprefix(f"--out {target}: ")
        raise InputError(f"--statement-out {target}: {reason}; the register is written, the statement is not") from None
