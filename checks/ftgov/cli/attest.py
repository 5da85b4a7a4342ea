"""The attestation commands: `ftgov attest` signs the gate's allows on the default branch."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from ftgov.cli.gate import cache_option, no_cache_option, report_cost, verbose_option
from ftgov.cli.options import TEXT_OR_JSON, emit, format_option, github_url_option, out_option, signing_options


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


COMMANDS = (attest,)
