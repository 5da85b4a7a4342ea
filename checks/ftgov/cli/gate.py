"""The gate's commands: gate, approvals, audit-repo and comment.

They read GitHub (or, for `gate --forge git`, a local clone) at a pinned commit, never the
checkout they run in: none takes --repo-root.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from ftgov.cli.options import (
    TEXT_OR_JSON,
    emit,
    findings_format_option,
    format_option,
    github_url_option,
    out_option,
    signers_from,
    trusted_signer_options,
    trusted_signers_from,
)
from ftgov.documents.atomic import write_report
from ftgov.documents.errors import InputError

if TYPE_CHECKING:
    import datetime as dt

    from ftgov.attest.verify import TrustedSigners
    from ftgov.gate.attestation import Attestation
    from ftgov.gate.forge import TreeReader
    from ftgov.gate.forge.git import LocalGitForge
    from ftgov.gate.signed import SignedAnswer

cache_option = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Conditional-request cache shared by launchers on this host. Default: $XDG_CACHE_HOME/ftgov/github, "
    "at most $FTGOV_CACHE_MAX_MB MiB (default 64; least recently used entries are evicted).",
)
no_cache_option = click.option("--no-cache", is_flag=True, help="Do not read or write the request cache.")
verbose_option = click.option("--verbose", "-v", is_flag=True, help="Print the GitHub requests this decision cost on stderr.")


def report_cost(forge: object, verbose: bool) -> None:
    stats = getattr(forge, "stats", None)
    if verbose and stats is not None:
        cost = stats()
        click.echo(
            f"ftgov: {cost.requests} request(s) to the forge, {cost.not_modified} answered 304 Not Modified, "
            f"{cost.served_from_cache} served from cache",
            err=True,
        )


def _undecided(message: str, forge: object = None, verbose: bool = False) -> NoReturn:
    """The forge could not answer: exit 3, which a launcher treats as deny."""
    click.echo(f"ftgov: {message}", err=True)
    report_cost(forge, verbose)
    sys.exit(3)


@click.command()
@click.argument("objective_id")
@click.option("--repo", metavar="OWNER/NAME", help="The governance repository on GitHub.")
@github_url_option
@click.option(
    "--branch",
    default=None,
    help="The branch whose merge status is the authority. Default: the repository's default branch as GitHub reports it "
    "(--forge git: main). Another branch only if the policy lists it under gate.branches and GitHub reports it protected.",
)
@click.option("--started-at", metavar="ISO8601", help="When the training run starts, with a time zone (e.g. 2026-11-22T09:30:00Z).")
@click.option(
    "--trust-root",
    metavar="SHA",
    default=None,
    help="The commit the operator trusts as given (env FTGOV_TRUST_ROOT; a full 40-hex sha): the one that installed the "
    "reviewed policy. History at or before it is accepted; everything after it must meet every rule. Keep it in the "
    "launcher's configuration, never in the governance repository.",
)
@click.option(
    "--stage",
    type=click.Choice(("train", "deploy")),
    default="train",
    show_default=True,
    help="What the gate is asked: train allows only a round not yet trained (proposed, approved, training); deploy allows "
    "only a deployed round whose run trained --checkpoint and whose evaluation passed.",
)
@click.option(
    "--checkpoint",
    metavar="URI",
    default=None,
    help="--stage deploy: the checkpoint to deploy, exactly as the register's run.checkpoint records it (required there).",
)
@format_option(TEXT_OR_JSON)
@out_option
@click.option(
    "--forge",
    "forge_kind",
    type=click.Choice(("github", "git")),
    default="github",
    show_default=True,
    help="github: ask GitHub (reviews, teams). git: a local clone (sees merges, not reviews; development only).",
)
@click.option("--git-dir", type=click.Path(file_okay=False, path_type=Path), default=None, help="The clone for --forge git.")
@cache_option
@no_cache_option
@verbose_option
@click.option(
    "--attestation",
    "attestations",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="BUNDLE",
    help="Decide offline from signed statements (no token, no requests); needs --trusted-key or --trusted-identity. "
    "--stage train: the approval bundle `ftgov attest` published; --stage deploy: repeat it for the approval, run, "
    "evaluation and decision statements, in any order.",
)
@trusted_signer_options
@click.option(
    "--trusted-pipeline-key",
    "pipeline_keys",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PUB",
    help="--stage deploy: a training or evaluation pipeline's public key, trusted for the run and evaluation statements only "
    "(never the approval or the decision); repeatable. Env FTGOV_TRUSTED_PIPELINE_KEY (paths separated by ':').",
)
@click.option(
    "--trusted-pipeline-identity",
    "pipeline_identities",
    multiple=True,
    metavar="WORKFLOW_REF",
    help="--stage deploy: a pipeline workflow's Sigstore identity, trusted as --trusted-pipeline-key is. "
    "Env FTGOV_TRUSTED_PIPELINE_IDENTITY (comma-separated).",
)
@click.option(
    "--objective",
    "objective_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="--attestation: the objective file the launcher will train from; its sha256 must be the approved one.",
)
@click.option(
    "--write-objective",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="--attestation, on allow: write the approved objective's exact bytes (carried in the statement) to FILE.",
)
def gate(
    objective_id: str,
    repo: str | None,
    github_url: str | None,
    branch: str | None,
    started_at: str | None,
    trust_root: str | None,
    stage: str,
    checkpoint: str | None,
    fmt: str,
    out: Path | None,
    forge_kind: str,
    git_dir: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
    verbose: bool,
    attestations: tuple[Path, ...],
    trusted_keys: tuple[Path, ...],
    trusted_identities: tuple[str, ...],
    oidc_issuer: str,
    sigstore_root: Path | None,
    max_age: str,
    pipeline_keys: tuple[Path, ...],
    pipeline_identities: tuple[str, ...],
    objective_file: Path | None,
    write_objective: Path | None,
) -> None:
    """May training for OBJECTIVE_ID start (--stage train), or its checkpoint be deployed (--stage deploy)?

    Run it before a training job, or before a deployment rolls out a model, and refuse to
    go on at any exit but 0.

    Everything is read at one pinned commit, the head of the repository's default
    branch (another branch only if the policy lists it under gate.branches and GitHub
    reports it protected): the objective (objectives/<model>/OBJECTIVE_ID.yaml), the
    policy, the schemas (the packaged ones where the repository has none) and the
    model's register. It allows only if:

    \b
      - the objective exists on the branch and validates, and the policy passes its
        own checks;
      - every PR in the objective's history (every commit that changed it, at any
        objectives/<model>/ path it has had) was merged into the branch with the
        content on its final head (no direct push, force push or change in the merge),
        and approved for the highest risk tier the objective id ever had: every role
        the policy requires, on the final head, before the merge, each by a different
        person who is now an active member of the role's team and wrote none of the
        PR (not its author, nor any commit's author, committer or linked co-author; an
        author GitHub links to no account makes that unprovable: deny);
      - every PR that changed the policy or a schema was approved for the highest
        tier under the policy the branch had just before it merged (its merge
        commit's first parent, never the PR's recorded base; the first policy under
        itself); the last PR that changed the model's register, every earlier one
        that changed this objective's round, and any that deleted the register, for
        the model's highest tier;
      - the register, if the model has one, parses, passes its schema and has a
        round for the objective not yet trained (proposed, approved, training;
        --stage train: a rejected, abandoned, rolled-back or retired round never
        trains again, a trained one is retrained as a new round), whose
        objective_sha256 (once recorded) matches the file, and whose objective is
        byte for byte what the round held when first recorded past proposed (a
        later re-pin does not count);
      - --started-at, if given, is not before the merge.

    \b
    --stage deploy --checkpoint URI asks instead whether URI may be deployed. The same
    reads and provenance rules apply (a model without a register denies), and the
    objective's round in the register must:
      - be deployed by a `deploy` decision (`ftgov decide ID --action deploy`) with no
        withdrawal: a rolled-back, retired, rejected or abandoned round denies;
      - have been approved through a reviewed PR: a local sandbox round
        (approval.unreviewed, from --forge git) never deploys;
      - record a run whose checkpoint is URI exactly (corrections applied), a
        checkpoint no other round of the register ever recorded;
      - record an evaluation with verdict pass whose report is in the tree with the
        recorded report_sha256 and says what the register says (FTG909, FTG915-917);
      - pass every register rule of `ftgov check`, for this round and the rounds
        before it (a stack that fails, a parent never evaluated, an earlier
        objective edited after approval);
      - have reached the branch, run, evaluation, decision and the report's bytes
        alike, through PRs approved for the model's highest tier (the highest any
        of its objectives declared since the trust root);
      - not have changed its run or evaluation after the decision was recorded
        (read from the register's history, not its dates): a later correction of
        run.checkpoint denies until decision.* is corrected, the reviewer deciding again.

    \b
    Offline, from signed statements (--attestation, with --trusted-key PUB or
    --trusted-identity WORKFLOW_REF; no token, zero requests; --repo, --branch,
    --trust-root and the cache options are refused):
      - --stage train reads one statement, the approval `ftgov attest` published: it
        must verify, allow OBJECTIVE_ID, match --objective FILE's sha256 if given, and
        be no older than --max-age (default 7d);
      - --stage deploy --checkpoint URI reads the chain, four statements in any order,
        exactly one of each: the approval, the run (`ftgov record-run --statement-out`),
        the evaluation (`ftgov evaluate --record --statement-out`) and the decision
        (`ftgov decide --statement-out`). Each must verify; the approval allow this
        objective (at any age); the run point at the approval's sha256, name its
        objective digest and have trained URI exactly; the evaluation point at the run
        and be PASSED; the decision point at the evaluation, be a deploy, and be no
        older than --max-age. A missing, extra, duplicated or unsigned statement
        denies. The decision is the newest thing the launcher knows: a rollback
        recorded after it was signed is invisible offline, so keep --max-age short
        or ask the online gate.

    \b
    Trust root: a repository's history starts with direct pushes, so without one the
    gate denies them and says so. --trust-root SHA (or FTGOV_TRUST_ROOT) is the
    commit the operator accepts as given, the one that installed the reviewed
    policy: history at or before it is not judged, everything after it is. It must
    be the branch head or an ancestor (GitHub's compare API), else deny. Keep it in
    the launcher's configuration (a ConfigMap, the Slurm environment), never in the
    governance repository; `ftgov audit-repo --trust-root SHA` lists direct pushes
    after it.

    \b
    Token: GITHUB_TOKEN (or GH_TOKEN), read access to the repository and its org's teams.
    Exit codes: 0 allow, 1 deny, 2 usage error (no token, bad --started-at, a branch,
    repository or --git-dir that does not exist, --out that cannot be written, --stage
    deploy without --checkpoint or with --started-at or --forge git, --checkpoint
    without --stage deploy), 3 could
    not decide (GitHub unreachable, rate-limited, malformed answer): treat it as deny.
    --format json prints one object even on exit 3:
      {"decision": "allow"|"deny", "objective", "reasons": [...], "blob_sha",
       "pull_request", "merged_at", "approvals": [{"login", "role", "team", "submitted_at"}],
       "stage", "checkpoint", "branch", "head_sha", "objective_path", "policy_blob_sha",
       "register_blob_sha", "schemas": {name: blob sha | "packaged"}, "started_at",
       "trust_root", "forge", "checked_at", "api_calls"}
    Offline (--attestation), the same keys as the signed answer recorded them, plus
    "signed_at" and "statements": [{"path", "predicate_type", "signer", "signer_kind",
    "signed_at", "statement_sha256"}]; "api_calls" is always 0 requests.
    Store it with the run (or the rollout): it names the exact commit and content that
    was approved, and for --stage deploy the checkpoint.

    \b
    Examples:
      ftgov gate support-agent-r3 --repo acme/governance --format json --out /run/attestation.json
      ftgov gate support-agent-r3 --repo acme/governance --started-at "$(date -u +%FT%TZ)"
      FTGOV_TRUST_ROOT=<40-hex sha> ftgov gate support-agent-r3 --repo acme/governance
      ftgov gate support-agent-r3 --forge git --git-dir ./governance   # development only
      ftgov gate support-agent-r3 --repo acme/governance --stage deploy \\
        --checkpoint s3://models/support-agent/r3@sha256:9f2c... --format json --out /run/deploy-attestation.json
    Python: ftgov.gate.require_approved("support-agent-r3", repo="acme/governance")
            ftgov.gate.require_deployable("support-agent-r3", checkpoint=URI, repo="acme/governance")
    """
    import os

    from ftgov.gate.gate import decide, parse_started_at, trust_root_from

    moment = parse_started_at(started_at) if started_at else None
    if attestations:
        _refuse_online_options(repo, forge_kind, git_dir, branch, trust_root, cache_dir, no_cache)
        _check_stage(stage, checkpoint, started_at, "github")
        signers = trusted_signers_from(trusted_keys, trusted_identities, oidc_issuer, sigstore_root)
        if stage != "deploy" and (pipeline_keys or pipeline_identities):
            raise InputError("--trusted-pipeline-key/-identity trust run and evaluation statements, which only --stage deploy reads")
        # A launcher's environment may name pipeline signers for its deploy step too; training reads only the approval.
        pipeline = None
        if stage == "deploy":
            pipeline = signers_from(pipeline_keys, pipeline_identities, oidc_issuer, sigstore_root, scope="TRUSTED_PIPELINE")
        answer = _decide_signed(
            objective_id, attestations, (signers, pipeline), max_age, objective_file, moment, stage, checkpoint, write_objective
        )
        if answer.allowed and write_objective is not None and answer.objective_bytes is not None:
            write_report(write_objective, answer.objective_bytes.decode("utf-8"))
        emit(answer.render_json() if fmt == "json" else answer.render_text(), out)
        sys.exit(answer.exit_code)
    if objective_file is not None or write_objective is not None:
        raise InputError("--objective and --write-objective are read with --attestation only (the offline gate)")
    root = trust_root_from(trust_root, os.environ)
    _check_stage(stage, checkpoint, started_at, forge_kind)
    forge: TreeReader
    if forge_kind == "git":
        forge, attestation = _decide_offline(objective_id, branch, moment, root, git_dir)
    else:
        from ftgov.gate.forge import UnknownRef
        from ftgov.gate.forge.connect import connect

        if git_dir is not None and not repo:
            raise InputError("--git-dir is read only with --forge git; add --forge git (or give --repo OWNER/NAME to ask GitHub)")
        forge = connect(repo, github_url, cache_dir, no_cache)
        try:
            attestation = decide(forge, objective_id, branch=branch, started_at=moment, trust_root=root, stage=stage, checkpoint=checkpoint)
        except UnknownRef as exc:
            raise InputError(f"{exc}; name the branch with --branch") from exc
    report_cost(forge, verbose)
    emit(attestation.render_json() if fmt == "json" else attestation.render_text(), out)
    sys.exit(attestation.exit_code)


def _refuse_online_options(
    repo: str | None,
    forge_kind: str,
    git_dir: Path | None,
    branch: str | None,
    trust_root: str | None,
    cache_dir: Path | None,
    no_cache: bool,
) -> None:
    """--attestation decides from the signed statement alone; an option that would ask a forge is a mistake to say."""
    options: tuple[tuple[str, object], ...] = (
        ("--repo", repo), ("--forge git", forge_kind == "git" or None), ("--git-dir", git_dir), ("--branch", branch),
        ("--trust-root", trust_root), ("--cache-dir", cache_dir), ("--no-cache", no_cache or None),
    )  # fmt: skip
    given = [name for name, value in options if value is not None]
    if given:
        raise InputError(
            f"--attestation decides offline from the signed statement, which names the repository, branch and trust root "
            f"it was judged with; drop {', '.join(given)}"
        )


def _decide_signed(
    objective_id: str,
    attestations: tuple[Path, ...],
    scopes: tuple[TrustedSigners, TrustedSigners | None],
    max_age: str,
    objective_file: Path | None,
    moment: dt.datetime | None,
    stage: str,
    checkpoint: str | None,
    write_objective: Path | None = None,
) -> SignedAnswer:
    from ftgov.attest.age import parse_duration
    from ftgov.gate import signed

    limit = parse_duration(max_age)
    if stage == "deploy":
        if objective_file is not None or write_objective is not None:
            raise InputError("--objective and --write-objective are read by --stage train; a deployment is judged by its checkpoint")
        if checkpoint is None:  # _check_stage has refused it already; said again for the type
            raise InputError("--stage deploy needs --checkpoint URI")
        return signed.decide_deploy(objective_id, attestations, scopes[0], checkpoint=checkpoint, max_age=limit, pipeline=scopes[1])
    if len(attestations) != 1:
        raise InputError("--stage train reads one --attestation: the approval bundle `ftgov attest` published for the objective")
    return signed.decide_train(objective_id, attestations[0], scopes[0], max_age=limit, objective_file=objective_file, started_at=moment)


def _check_stage(stage: str, checkpoint: str | None, started_at: str | None, forge_kind: str) -> None:
    """The options --stage deploy needs and the ones it refuses."""
    if stage == "deploy":
        if not checkpoint:
            raise InputError("--stage deploy needs --checkpoint URI: the checkpoint to deploy, as the register's run.checkpoint records it")
        if started_at:
            raise InputError("--started-at is when a training run starts; --stage deploy takes none")
        if forge_kind == "git":
            raise InputError("--stage deploy asks GitHub: a local clone (--forge git) shows no reviews, and a deployment needs them")
    elif checkpoint is not None:
        raise InputError("--checkpoint is read by --stage deploy only; add --stage deploy, or drop --checkpoint to ask about training")


def _decide_offline(
    objective_id: str, branch: str | None, moment: dt.datetime | None, root: str | None, git_dir: Path | None
) -> tuple[LocalGitForge, Attestation]:
    """`gate --forge git`: the decision read from a local clone (merges, no reviews)."""
    from ftgov.gate.forge import UnknownRef
    from ftgov.gate.forge.git import LocalGitForge
    from ftgov.gate.gate import decide_offline

    if git_dir is None:
        raise InputError("--forge git needs --git-dir PATH (a clone of the governance repository)")
    if root is not None:
        raise InputError("--trust-root (or FTGOV_TRUST_ROOT) is read by the GitHub gate; a local clone shows no reviews to trust after it")
    try:
        local = LocalGitForge(git_dir)
        return local, decide_offline(local, objective_id, branch=branch or "main", started_at=moment)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    except UnknownRef as exc:
        raise InputError(f"{exc}; name the branch with --branch") from exc


@click.command()
@click.option("--repo", metavar="OWNER/NAME", required=True, help="The governance repository on GitHub.")
@click.option("--pr", "number", type=click.IntRange(min=1), required=True, help="The pull request number.")
@github_url_option
@click.option("--set-status", is_flag=True, help="Set the ftgov/approvals commit status on the PR's head commit.")
@format_option(TEXT_OR_JSON)
@cache_option
@no_cache_option
@verbose_option
def approvals(
    repo: str,
    number: int,
    github_url: str | None,
    set_status: bool,
    fmt: str,
    cache_dir: Path | None,
    no_cache: bool,
    verbose: bool,
) -> None:
    """Count approvals per policy role on an open PR: the `ftgov/approvals` required check.

    Roles come from the policy on the PR's base branch. Governed by default: an
    objective needs its risk tier (the higher of head and base); a register change,
    its model's highest tier; every other path outside objectives/ and registers/
    is a governance change needing the highest tier, unless the policy at the PR's
    base lists it in approvals.ungoverned_paths (policies/, .github/ and CODEOWNERS
    stay governed whatever it lists). Each role needs a different
    approver, not the author nor anyone who authored, committed or co-authored one of
    its commits, whose latest review approves the PR's current head and who is an
    active member of the role's team. Run on pull_request and
    pull_request_review events with --set-status, and make ftgov/approvals required.

    Exit codes: 0 every role approved, 1 missing approvals, 2 usage error, 3 GitHub
    could not answer.
    """
    import json

    from ftgov.gate.approvals import CONTEXT, check_pull_request
    from ftgov.gate.forge import ForgeError
    from ftgov.gate.forge.connect import connect

    forge = connect(repo, github_url, cache_dir, no_cache, admin=True)
    try:
        report = check_pull_request(forge, number)
        if set_status:
            forge.set_status(report.head_sha, report.state, report.description, CONTEXT)
    except ForgeError as exc:
        _undecided(f"could not decide: {exc}", forge, verbose)
    report_cost(forge, verbose)
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        click.echo(f"{report.state}: PR #{report.pull_request} ({report.head_sha[:12]}): {report.description}")
        for reason in report.reasons:
            click.echo(f"  - {reason}")
    sys.exit(0 if report.state == "success" else 1)


@click.command("audit-repo")
@click.option("--repo", metavar="OWNER/NAME", required=True, help="The governance repository on GitHub.")
@github_url_option
@click.option("--branch", default="main", show_default=True)
@click.option(
    "--trust-root",
    metavar="SHA",
    envvar="FTGOV_TRUST_ROOT",
    show_envvar=True,
    default=None,
    help="The commit the gate's operator pinned (a full 40-hex sha; the gate reads the same variable): list every "
    "commit on the branch after it that no merged pull request brought (FTG812).",
)
@findings_format_option
@out_option
@verbose_option
def audit_repo(
    repo: str,
    github_url: str | None,
    branch: str,
    trust_root: str | None,
    fmt: str,
    out: Path | None,
    verbose: bool,
) -> None:
    """Report every repository setting, and every commit after the trust root, that let a change around the gate (FTG8xx).

    Reads branch protection and the rulesets that apply to the branch (needs a token
    with admin read on the repository), CODEOWNERS, GitHub's CODEOWNERS errors, and
    the owners of deployed rounds.

    With --trust-root SHA (or FTGOV_TRUST_ROOT, the variable the gate reads): the gate
    pinned to that commit accepts the history at or before it as given and judges
    everything after it, so the audit lists each commit on the branch after it that
    no merged pull request brought (FTG812: the first 20, and a count of the rest),
    or reports a root that is not on the branch. That costs one request per commit
    after the root, plus one per 100 of them. Without a trust root the gate judges the
    whole history; the audit reads none of it, and says so on stderr.

    Exit codes: 0 no bypass found, 1 bypasses found, 2 usage error (a trust root that
    is not a full 40-hex sha), 3 GitHub could not answer.
    """
    import os

    from ftgov.gate.audit import audit
    from ftgov.gate.forge import ForgeError, UnknownRef
    from ftgov.gate.forge.connect import connect
    from ftgov.gate.gate import TRUST_ROOT_VARIABLE, trust_root_from
    from ftgov.render import FINDING_FORMATS

    # click already read the variable; hand it back as unset so a bad value is reported under its own name.
    from_environment = click.get_current_context().get_parameter_source("trust_root") is click.core.ParameterSource.ENVIRONMENT
    root = trust_root_from(None if from_environment else trust_root, os.environ)
    forge = connect(repo, github_url, None, True, admin=True)
    try:
        result = audit(forge, branch, trust_root=root)
    except UnknownRef as exc:
        raise InputError(f"{exc}; name the branch with --branch") from exc
    except ForgeError as exc:
        _undecided(f"could not decide: {exc}")
    if root is None:
        # Not a finding: the settings may be flawless, and pinning is the launcher operator's call, not the repository's.
        click.echo(
            f"ftgov: note: no trust root pinned: the gate judges {branch}'s whole history, so any commit that came from no "
            f"pull request denies what it touched; once the operator pins the adoption commit (--trust-root SHA or "
            f"{TRUST_ROOT_VARIABLE}), `ftgov audit-repo --trust-root SHA` lists the direct pushes after it",
            err=True,
        )
    report_cost(forge, verbose)
    emit(FINDING_FORMATS[fmt](result), out)
    sys.exit(result.exit_code)


@click.command()
@click.option("--repo", metavar="OWNER/NAME", required=True, help="The repository on GitHub.")
@click.option("--pr", "number", type=click.IntRange(min=1), required=True, help="The pull request number.")
@click.option(
    "--body-file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The comment's markdown (e.g. `ftgov report pr --out`). Read as text, never run.",
)
@click.option("--marker", default="ftgov:report", show_default=True, help="The hidden marker naming this comment: <!-- MARKER -->.")
@click.option("--author", metavar="LOGIN", default=None, help="Only a comment by this account is updated, e.g. github-actions[bot].")
@github_url_option
def comment(repo: str, number: int, body_file: Path, marker: str, author: str | None, github_url: str | None) -> None:
    """Post BODY-FILE as ONE comment on the pull request, updated in place on later runs.

    The comment carrying the hidden marker (and, with --author, written by that account) is
    edited; without one, a comment is created. A separate command from `ftgov report pr`, so the
    job that holds the write token only posts text it did not compute. Needs GITHUB_TOKEN.

    Exit codes: 0 posted, 2 usage error or unreadable BODY-FILE, 3 GitHub could not answer.
    """
    from ftgov.gate.forge import ForgeError
    from ftgov.gate.forge.comment import upsert_comment
    from ftgov.gate.forge.connect import check_repository, github_base_url
    from ftgov.gate.gate import token_from_environment

    check_repository(repo)
    try:
        body = body_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--body-file {body_file}: cannot read it ({getattr(exc, 'strerror', None) or type(exc).__name__})") from exc
    base_url = github_base_url(github_url) if github_url is not None else None
    try:
        posted = upsert_comment(repo, number, body, marker, token_from_environment(), base_url, author=author)
    except ForgeError as exc:
        _undecided(f"could not post: {exc}")
    click.echo(f"{posted.action} comment {posted.comment_id} on {repo}#{number}: {posted.url}")


COMMANDS = (gate, approvals, audit_repo, comment)
