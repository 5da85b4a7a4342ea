"""The register's commands: scaffold a round (new), append what happened to it (record-run, correct, decide),
read the register (register show) and report a PR's changes to reviewers (report pr)."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ftgov.cli.documents import ValidationProgress
from ftgov.cli.options import (
    PR_REPORT,
    REGISTER,
    emit,
    format_option,
    github_url_option,
    jobs_option,
    narrowing_signer_options,
    out_option,
    repo_root_option,
    signers_from,
    signing_options,
)
from ftgov.cli.statements import chain_signer, statement_options, write_statement
from ftgov.cli.statements import previous_statement as verified_previous
from ftgov.documents.errors import InputError

if TYPE_CHECKING:
    from ftgov.register.pr_report import MissingApprovals


def _time_option(value: str | None, option: str) -> dt.datetime | None:
    from ftgov.register.ops import parse_time

    return None if value is None else parse_time(value, option)


@contextlib.contextmanager
def refused() -> Iterator[None]:
    """A move the policy or the round's status does not allow: exit 1, said as a refusal (nothing was written)."""
    from ftgov.register.ops import PolicyRefusal

    try:
        yield
    except PolicyRefusal as exc:
        click.echo(f"ftgov: refused: {exc}", err=True)
        sys.exit(1)


def _write_register(repo_root: Path, path: str, before: str, content: str) -> None:
    """The register through ops.write_register, the one writer: it refuses a register changed meanwhile."""
    from ftgov.register.ops import write_register

    write_register(repo_root / path, path, before, content)


@click.command("new")
@click.argument("model")
@click.option(
    "--parent",
    "parent",
    metavar="ID",
    default=None,
    help="The round to build on: the register's last live round (the default); another is refused.",
)
@click.option(
    "--base-model", metavar="REPOSITORY@REVISION", default=None, help="Round 1 only: the base checkpoint, e.g. org/model@5206a32."
)
@repo_root_option
def new(model: str, parent: str | None, base_model: str | None, repo_root: Path | None) -> None:
    """Scaffold the next round of MODEL: its objective and its `proposed` register entry.

    Writes objectives/MODEL/MODEL-rN.yaml with the parent, base checkpoint, owners, risk
    tier, domain and configuration plan of the parent round, the policy's standing safety
    suite as regression boundaries and the criteria it inherits as comments, and TODO
    wherever only its authors can speak; `ftgov check` reports those (FTG2xx) until they are
    written. registers/MODEL.yaml gains the round as proposed (created if missing); nothing
    else in it changes. Exit codes: 0 written, 2 usage or input error.
    """
    from ftgov.documents.repository import Repository
    from ftgov.register.new import scaffold, write

    try:
        repo = Repository.discover(repo_root)
        result = scaffold(repo, model, parent, base_model)
        write(repo, result)
    except OSError as exc:
        raise InputError(f"{model}: cannot write the new round ({exc.strerror or type(exc).__name__})") from exc
    created = " (created)" if result.register_created else ""
    click.echo(
        f"wrote {result.objective_path} and a proposed round in {result.register_path}{created}; replace every TODO, then `ftgov check`"
    )


@click.command("record-run")
@click.argument("objective_id")
@click.option(
    "--config",
    "configs",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file the run was configured with (repeat).",
)
@click.option("--started-at", metavar="ISO8601", default=None, help="When training started, with a time zone. Default: now.")
@click.option("--finished-at", metavar="ISO8601", default=None, help="When training finished (moves the round to trained).")
@click.option("--checkpoint", metavar="URI", default=None, help="Where the trained weights are, pinned (s3://...@sha256:...).")
@click.option(
    "--gate-attestation",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="BUNDLE",
    help="The signed approval statement `ftgov attest` published for the objective (ID.approval.dsse.json or "
    ".sigstore.json), verified under --trusted-key or --trusted-identity.",
)
@narrowing_signer_options
@signing_options
@click.option(
    "--statement-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="With --finished-at: write the signed run statement here (after the register), pointing at the approval statement.",
)
@repo_root_option
def record_run(
    objective_id: str,
    configs: tuple[Path, ...],
    started_at: str | None,
    finished_at: str | None,
    checkpoint: str | None,
    gate_attestation: Path | None,
    trusted_keys: tuple[Path, ...],
    trusted_identities: tuple[str, ...],
    oidc_issuer: str,
    max_age: str,
    signing_key: Path | None,
    keyless: bool,
    statement_out: Path | None,
    repo_root: Path | None,
) -> None:
    """Record what was actually trained for OBJECTIVE_ID (AG-341 4.3) in its register round.

    \b
    Reads (never unpickles; a training_args.bin is refused, pass its JSON instead):
      PEFT adapter_config.json; TrainingArguments JSON (trainer.args.to_json_string());
      trainer_state.json; Axolotl and torchtune YAML; a plain YAML/JSON in the register's
      configuration shape (devices: N, data: [{source, records}], method: full, ...).
    Batch size is per device x gradient accumulation x devices. Each file is pinned by
    sha256 in run.evidence; each difference from configuration_plan is listed in
    run.deviations. Status: approved -> training, or trained with --finished-at; a later
    call with --finished-at completes a run recorded as training.

    --gate-attestation fills approval from a signed approval statement only: the bundle
    `ftgov attest` publishes from the default-branch workflow (keyless Sigstore, or the
    organisation key), verified offline under the signers the policy names in
    gate.approval_signers (--trusted-key / --trusted-identity may narrow them, never add
    one; a policy naming none is exit 2), against the Sigstore root it names
    (gate.approval_signers.sigstore_root; FTGOV_SIGSTORE_ROOT is not read here). It must
    be for OBJECTIVE_ID's exact bytes here, allow it, and have been current when the run
    started: signed no later than --started-at and no more than --max-age before it (the
    run's start, not now: a run may be recorded days after it trained). Anything else is
    exit 2, nothing written. The approval is recorded from the signed predicate (PR, merge
    time, commit, approvers) under a comment naming the statement's sha256 and its signer.
    An unsigned gate answer (`ftgov gate --format json`) is refused, whatever it says,
    except the offline gate's (--forge git) where the policy sets
    gate.allow_unreviewed_local: recorded as approval {unreviewed: true}, the local
    sandbox, never deployed (FTG925/FTG926).

    \b
    With --statement-out FILE and --signing-key FILE or --keyless, the call that records
    the run complete (--finished-at) also signs the run statement: subjects the objective
    and each --config file by sha256, the run as recorded, and `previous` the approval
    statement's sha256. It is written after the register. To finish a run recorded as
    training, pass the bundle it started with again:
      ftgov record-run ID --finished-at T --checkpoint URI --gate-attestation ID.approval.dsse.json \\
        --trusted-key org.pub --signing-key launcher.key --statement-out ID.run.dsse.json

    Exit codes: 0 recorded; 1 refused (the round's status does not allow it, or the run
    started before the objective was merged: nothing written), or recorded with a deviation
    beyond the policy's tolerance that needs acknowledged_by (FTG914); 2 usage or input error
    (an approval that does not verify or does not allow the run among them).
    """
    from ftgov.documents.repository import Repository
    from ftgov.register.record_run import ApprovalTrust
    from ftgov.register.record_run import record_run as record

    started = _time_option(started_at, "--started-at")
    finished = _time_option(finished_at, "--finished-at")
    # None rather than a usage error: the sandbox's unsigned offline answer needs no signer, and the policy names them anyway.
    signers = signers_from(trusted_keys, trusted_identities, oidc_issuer) if gate_attestation is not None else None
    trust = ApprovalTrust.of(signers, max_age)
    signer = chain_signer(statement_out, signing_key, keyless, None)
    with refused():
        repo = Repository.discover(repo_root)
        loaded, recorded = record(repo, objective_id, list(configs), started, finished, checkpoint, gate_attestation, trust, signer)
    _write_register(repo.root, loaded.path, loaded.text, recorded.file_text)
    click.echo(f"recorded in {loaded.path}:")
    for line in recorded.summary:
        click.echo(f"  {line}")
    if recorded.run_statement is not None and statement_out is not None:
        write_statement(statement_out, recorded.run_statement.content)
        click.echo(
            f"  run statement: {statement_out} (sha256 {recorded.run_statement.digest}; "
            f"previous: the approval statement sha256 {recorded.run_statement.previous})"
        )
    if recorded.unacknowledged:
        for why in recorded.unacknowledged:
            click.echo(f"ftgov: FTG914 {why}; a reviewed PR adds acknowledged_by: <role> and a reason to that deviation", err=True)
        sys.exit(1)


@click.command()
@click.argument("objective_id")
@click.option("--field", "field", metavar="PATH", required=True, help="The recorded field to correct, dotted: run.finished_at.")
@click.option("--value", "value", required=True, help="The correct value, of the field's type (a time with a time zone, a login, ...).")
@click.option("--reason", required=True, help="Why the recorded value was wrong, in a sentence.")
@click.option("--at", "at", metavar="ISO8601", default=None, help="When the correction is made, with a time zone. Default: now.")
@repo_root_option
def correct(objective_id: str, field: str, value: str, reason: str, at: str | None, repo_root: Path | None) -> None:
    """Correct a mistyped value of OBJECTIVE_ID's round by appending a correction.

    The register is only appended to and a decided round is sealed (`check --base`,
    FTG957), so a wrong value is never edited. This appends {field, was, value, reason,
    at} to the round's `corrections`; every reader (check, evaluate, register show, the
    gate) uses the corrected value, a second correction of the same field corrects the
    first, and the PR that adds it is reviewed like any register change.

    \b
    Fields: approval.merged_at, approval.pull_request, approval.commit, run.started_at,
      run.finished_at, run.checkpoint, evaluation.evaluated_at, decision.at, decision.by,
      decision.reason, withdrawal.at, withdrawal.by, withdrawal.reason.
    Times more than 5 minutes in the future are refused.

    \b
    Example:
      ftgov correct support-agent-r3 --field run.finished_at --value 2026-03-03T12:00:00Z \\
        --reason "finished_at was typed a day late"

    Exit codes: 0 recorded; 1 the corrected register would fail `ftgov check` (a time out
    of order, ...; nothing written); 2 usage or input error (an unknown field, a value that
    is not of the field's type, a field the round does not record, a time in the future).
    """
    from ftgov.documents.repository import Repository
    from ftgov.register.correct import correct as record_correction

    moment = _time_option(at, "--at")
    with refused():
        repo = Repository.discover(repo_root)
        loaded, change = record_correction(repo, objective_id, field, value, reason, moment)
    _write_register(repo.root, loaded.path, loaded.text, change.file_text)
    click.echo(f"recorded in {loaded.path}: {change.summary}")


decision_statement_options = statement_options(
    "Write the signed decision statement here, after the register.",
    "The evaluation statement `ftgov evaluate --record --statement-out` signed for this round (required for --action deploy).",
)


@click.command()
@click.argument("objective_id")
@click.option("--action", type=click.Choice(("deploy", "reject", "abandon", "rollback", "retire")), required=True)
@click.option("--reason", required=True, help="Why, in a sentence.")
@click.option("--by", "by", metavar="LOGIN", default=None, help="Who decided (GitHub login). Default: $GITHUB_ACTOR.")
@click.option("--at", "at", metavar="ISO8601", default=None, help="When, with a time zone. Default: now.")
@decision_statement_options
@repo_root_option
def decide(
    objective_id: str,
    action: str,
    reason: str,
    by: str | None,
    at: str | None,
    statement_out: Path | None,
    previous_statement: Path | None,
    signing_key: Path | None,
    keyless: bool,
    trusted_keys: tuple[Path, ...],
    trusted_identities: tuple[str, ...],
    oidc_issuer: str,
    sigstore_root: Path | None,
    repo_root: Path | None,
) -> None:
    """Record a decision on OBJECTIVE_ID's round and move its status.

    \b
    deploy    evaluated, evaluation.verdict pass  -> deployed     (decision)
    reject    any status before deployed          -> rejected     (decision)
    abandon   any status before deployed          -> abandoned    (decision)
    rollback  deployed                            -> rolled-back  (withdrawal)
    retire    deployed                            -> retired      (withdrawal)

    A round approved unreviewed (approval.unreviewed: the local sandbox) is never deployed.
    Nor is any round of a register with an error `ftgov check` reports (a verdict or a
    measured value that differs from the pinned report, FTG915-917, among them): the
    refusal lists them.
    The register is appended to (comments, key order and every other byte kept) and written
    atomically; commit it in a PR like any other change. Exit codes: 0 recorded, 1 the move
    is not allowed from the round's status or would break the register's timeline (nothing
    written), 2 usage or input error.

    \b
    The signed chain: --statement-out FILE with --signing-key FILE or --keyless also signs
    the decision statement: subject the objective file (sha256), the decision (or
    withdrawal) as recorded, when it was issued, and `previous` the evaluation statement's
    sha256. --previous-statement EVAL_BUNDLE is that statement, verified under
    --trusted-key or --trusted-identity: required for --action deploy, where it must be
    the Test Result of this round's recorded evaluation (the report the register pins, by
    sha256) for this objective's bytes, with result PASSED; optional for the other actions,
    checked the same way but for its result. Anything else is exit 2, nothing written.
    The statement is signed before and written after the register; `ftgov gate --stage
    deploy --attestation ...` verifies the chain it ends offline.
      ftgov decide ID --action deploy --reason "..." --previous-statement ID.evaluation.dsse.json \\
        --trusted-key org.pub --signing-key org.key --statement-out ID.decision.dsse.json
    """
    import os

    from ftgov.documents.repository import Repository
    from ftgov.register.decide import decide as record_decision
    from ftgov.register.decision_statement import decision_statement
    from ftgov.register.ops import iso, now

    moment = _time_option(at, "--at")
    decided_by = by or os.environ.get("GITHUB_ACTOR") or None
    signer = chain_signer(statement_out, signing_key, keyless, previous_statement)
    evaluation = verified_previous(previous_statement, trusted_keys, trusted_identities, oidc_issuer, sigstore_root)
    with refused():
        repo = Repository.discover(repo_root)
        loaded, change = record_decision(repo, objective_id, action, reason, decided_by, moment)
    signed = None
    if signer is not None and statement_out is not None:
        # Signed before the register is written: a signer that fails leaves nothing half done.
        statement = decision_statement(repo, objective_id, action, change.record, evaluation, issued_at=iso(now()))
        signed = signer.sign(statement), statement.digest()
    _write_register(repo.root, loaded.path, loaded.text, change.file_text)
    click.echo(f"recorded in {loaded.path}: {change.summary}")
    if signed is not None and statement_out is not None:
        write_statement(statement_out, signed[0])
        pointed = f"previous: evaluation statement {evaluation.digest}" if evaluation is not None else "no previous statement"
        click.echo(f"  decision statement: {statement_out} (sha256 {signed[1]}; {pointed})")


@click.group("register")
def register_group() -> None:
    """Read a model's cumulative register (registers/<model>.yaml)."""


@register_group.command("show")
@click.argument("model")
@format_option(REGISTER)
@out_option
@repo_root_option
def register_show(model: str, fmt: str, out: Path | None, repo_root: Path | None) -> None:
    """Every criterion MODEL's latest round must meet: which round declared it, what that round
    achieved, the threshold now (and the floor of an inherited success criterion), and the
    criteria retired on the way with their rationale and role.

    \b
    --format json: {"model", "base", "register", "latest": {"objective", "status"}, "chain",
      "rounds": [{"objective", "status", "verdict", "decision", "withdrawal"}],
      "criteria": [{"ref", "id", "kind", "origin", "inherited", "metric", "higher_is_better",
                    "compare_to", "threshold": {"kind", "value"}, "baseline", "achieved",
                    "tolerance", "floor"}],
      "retired": [{"criterion", "rationale", "approved_by", "retired_in"}], "missing_objectives"}
    Exit codes: 0 shown, 2 unknown model or a register that is not a valid document.
    """
    from ftgov.documents.repository import Repository
    from ftgov.register.view import show
    from ftgov.render.register import RENDERERS

    view = show(Repository.discover(repo_root), model)
    emit(RENDERERS[fmt](view), out)


@click.group("report")
def report_group() -> None:
    """Reports for reviewers, computed offline from the local git checkout."""


@report_group.command("pr")
@click.option("--base", metavar="REF", required=True, help="The PR's base as git knows it locally, e.g. origin/main.")
@format_option(PR_REPORT, default="markdown")
@out_option
@click.option("--repo", metavar="OWNER/NAME", default=None, help="With --pr and GITHUB_TOKEN: add the approvals still missing.")
@click.option("--pr", "number", type=click.IntRange(min=1), default=None, help="The pull request number (with --repo).")
@github_url_option
@jobs_option
@repo_root_option
def report_pr(
    base: str,
    fmt: str,
    out: Path | None,
    repo: str | None,
    number: int | None,
    github_url: str | None,
    jobs: int | None,
    repo_root: Path | None,
) -> None:
    """What a reviewer reads first: the rounds the PR touches and their status moves, the criteria it
    adds, loosens or retires, a field-by-field diff of each changed objective, register and
    policy, the cumulative stack of each touched round, the evaluation reports it records,
    and what `ftgov check --base REF` finds. With --repo and --pr (and GITHUB_TOKEN), also the
    approvals still missing, as `ftgov approvals` counts them.

    Exit codes: 0 the report was written (findings are in it: `ftgov check` is the gate),
    2 a bad REF, an unreadable repository or a usage error.
    """
    from ftgov.documents.repository import Repository
    from ftgov.documents.validate import validate
    from ftgov.register.check_base import GitBase, check_since
    from ftgov.register.pr_report import build
    from ftgov.render.report_pr import RENDERERS

    if (repo is None) != (number is None):
        raise InputError("--repo and --pr go together: both name the pull request whose approvals to count")
    governance = Repository.discover(repo_root)
    since = GitBase.open(governance.root, base)
    findings = check_since(governance, since, validate(governance, None, jobs=jobs, progress=ValidationProgress()))
    approvals = _missing_approvals(repo, number, github_url) if repo is not None and number is not None else None
    emit(RENDERERS[fmt](build(governance, since, findings, approvals)), out)


def _missing_approvals(repo: str, number: int, github_url: str | None) -> MissingApprovals:
    from ftgov.gate.approvals import check_pull_request
    from ftgov.gate.forge import ForgeError, UnknownRef
    from ftgov.gate.forge.connect import connect
    from ftgov.register.pr_report import MissingApprovals

    forge = connect(repo, github_url, None, True, admin=True)
    try:
        counted = check_pull_request(forge, number)
    except (UnknownRef, ForgeError) as exc:
        # The report is still worth reading; say what could not be counted instead of failing it.
        return MissingApprovals(number, "unknown", f"GitHub could not answer: {exc}", ())
    return MissingApprovals(number, counted.state, counted.description, counted.reasons)


COMMANDS = (new, record_run, correct, decide, register_group, report_group)
