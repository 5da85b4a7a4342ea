"""The attestation commands: `ftgov attest` signs the gate's allows on the default branch."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from ftgov.cli.gate import cache_option, no_cache_option, report_cost, verbose_option
from ftgov.cli.options import (
    TEXT_OR_JSON,
    emit,
    format_option,
    github_url_option,
    out_option,
    signing_options,
    trusted_signer_options,
    trusted_signers_from,
)


@click.command()
@click.argument("objective_ids", nargs=-1, metavar="[OBJECTIVE_ID]...")
@click.option("--repo", metavar="OWNER/NAME", required=True, help="The governance repository on GitHub.")
@github_url_option
@click.option("--branch", default=None, help="Default: the repository's default branch as GitHub reports it.")
@click.option(
    "--trust-root",
    metavar="SHA",
    default=None,
    help="The commit trusted as given (env FTGOV_TRUST_ROOT), as for `ftgov gate`; the statements name it.",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("attestations"),
    show_default=True,
    help="Where the bundles go: OBJECTIVE_ID.approval.dsse.json (key) or .sigstore.json (keyless), and index.json.",
)
@signing_options
@format_option(TEXT_OR_JSON)
@out_option
@cache_option
@no_cache_option
@verbose_option
def attest(
    objective_ids: tuple[str, ...],
    repo: str,
    github_url: str | None,
    branch: str | None,
    trust_root: str | None,
    out_dir: Path,
    signing_key: Path | None,
    keyless: bool,
    fmt: str,
    out: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
    verbose: bool,
) -> None:
    """Sign the gate's allow for each objective, so launchers can decide offline.

    Run it in a workflow on the default branch, after every merge and on a schedule (see
    docs/attestations.md): for each OBJECTIVE_ID (default: every objective on the branch) it
    asks the online gate, exactly as `ftgov gate` does, and for each allow writes an in-toto
    Statement v1 in a signed envelope to --out-dir. Its subjects are the objective file's
    sha256 and the policy, schemas and register the gate read; its predicate
    (https://ftgov.dev/attestation/approval/v1) is the gate's JSON, trust root included,
    with the objective's text. A deny writes nothing and removes the objective's earlier
    bundle from --out-dir.

    \b
    Signers (one):
      --keyless           Sigstore, from GitHub Actions' OIDC identity (permissions: id-token:
                          write). The bundle carries the workflow's identity; launchers trust
                          it with --trusted-identity https://github.com/ORG/REPO/.github/
                          workflows/FILE@refs/heads/main.
      --signing-key FILE  an organisation key (Ed25519 or ECDSA P-256), for GitHub Enterprise
                          or air-gapped clusters; keep it in an environment-protected secret
                          (FTGOV_SIGNING_KEY). Launchers trust its public key (--trusted-key).

    \b
    A launcher then runs, with no token and no network:
      ftgov gate ID --attestation ID.approval.sigstore.json --trusted-identity WORKFLOW_REF
      ftgov gate ID --attestation ID.approval.dsse.json --trusted-key org.pub

    Exit codes: 0 every objective named was attested (with no ids: the run completed; denies
    are listed, a trained round denies by design), 1 an objective named was denied, 2 usage
    error (no signer, unreadable key), 3 GitHub could not answer for some objective.
    """
    from ftgov.attest.sign import signer_from_options
    from ftgov.documents.errors import InputError
    from ftgov.gate.forge.connect import connect
    from ftgov.gate.gate import trust_root_from
    from ftgov.gate.publish import objectives_on_branch, publish

    signer = signer_from_options(signing_key, keyless)
    if signer is None:
        raise InputError("no signer: give --keyless (in GitHub Actions) or --signing-key FILE (or FTGOV_SIGNING_KEY)")
    root = trust_root_from(trust_root, os.environ)
    forge = connect(repo, github_url, cache_dir, no_cache)
    ids = list(objective_ids) or objectives_on_branch(forge, branch)
    results = publish(forge, ids, signer, out_dir, branch=branch, trust_root=root)
    report_cost(forge, verbose)
    if fmt == "json":
        emit(json.dumps({"objectives": [r.to_json() for r in results]}, indent=2) + "\n", out)
    else:
        lines = []
        for result in results:
            if result.bundle is not None:
                lines.append(f"signed {result.objective}: {result.bundle} (statement sha256 {result.statement_sha256})")
            else:
                lines.append(f"not signed {result.objective}: {'; '.join(result.reasons)}")
        emit("\n".join(lines) + "\n" if lines else "no objectives on the branch\n", out)
    if any(r.undecided for r in results):
        sys.exit(3)
    if objective_ids and any(r.decision != "allow" for r in results):
        sys.exit(1)


@click.command()
@click.argument("bundle", type=click.Path(dir_okay=False, path_type=Path))
@trusted_signer_options
@format_option(TEXT_OR_JSON)
@out_option
def verify(
    bundle: Path,
    trusted_keys: tuple[Path, ...],
    trusted_identities: tuple[str, ...],
    oidc_issuer: str,
    sigstore_root: Path | None,
    max_age: str,
    fmt: str,
    out: Path | None,
) -> None:
    """Verify a signed statement offline and print what it says.

    For an auditor, or to see why a launcher refused a bundle: BUNDLE is any statement
    ftgov writes (approval, run, evaluation, decision), a DSSE envelope signed with an
    organisation key or a Sigstore bundle. It prints the signer, when it was signed, the
    statement's digest (what the next statement of a chain points at), its subjects and its
    predicate. It judges nothing about the objective: `ftgov gate --attestation` does that.
    --max-age applies to the signing time (Sigstore: the certificate's; key: the time the
    statement itself records, checked_at or recorded_at) when there is one.

    Exit codes: 0 verified, 1 it does not verify (unsigned, another signer, tampered) or is
    older than --max-age, 2 usage error (unreadable file or key, no trusted signer).

    \b
    Examples:
      ftgov verify support-agent-r4.approval.dsse.json --trusted-key org.pub
      ftgov verify support-agent-r4.approval.sigstore.json --format json \\
        --trusted-identity https://github.com/acme/governance/.github/workflows/ftgov-attest.yaml@refs/heads/main
    """
    import datetime as dt

    from ftgov.attest.age import age_reason, parse_duration
    from ftgov.attest.verify import Refused, verify_file
    from ftgov.documents import times

    limit = parse_duration(max_age)
    signers = trusted_signers_from(trusted_keys, trusted_identities, oidc_issuer, sigstore_root)
    try:
        verified = verify_file(bundle, signers)
        predicate = verified.statement.predicate
        # The time each statement records itself: approval checked_at, decision issued_at, evaluation evaluated_at.
        claimed = next((predicate[k] for k in ("checked_at", "issued_at", "evaluated_at") if isinstance(predicate.get(k), str)), None)
        signed_at = verified.signed_at or times.zoned(claimed)
        stale = age_reason(signed_at, dt.datetime.now(dt.UTC), limit, "the statement") if signed_at is not None else None
        if stale:
            raise Refused(f"{bundle}: verified, but {stale}")
    except Refused as exc:
        if fmt == "json":
            emit(json.dumps({"verified": False, "reason": str(exc)}, indent=2) + "\n", out)
        else:
            emit(f"NOT VERIFIED: {exc}\n", out)
        sys.exit(1)
    statement = verified.statement
    if fmt == "json":
        emit(json.dumps({"verified": True, **verified.to_json(), "statement": statement.to_json()}, indent=2) + "\n", out)
        return
    lines = [f"VERIFIED: {statement.predicate_type}", f"  signed by {verified.signer}"]
    if verified.signed_at is not None:
        lines.append(f"  signed at {verified.signed_at.isoformat()}")
    lines.append(f"  statement sha256 {verified.digest}")
    lines.extend(f"  subject {subject.name} sha256:{subject.sha256}" for subject in statement.subjects)
    lines.append("  predicate:")
    lines.extend("    " + line for line in json.dumps(dict(statement.predicate), indent=2, sort_keys=True).splitlines())
    emit("\n".join(lines) + "\n", out)


COMMANDS = (attest, verify)
