"""`ftgov record-run`: what was actually trained (AG-341 4.3), appended to the round's register entry.

approved -> training (started, not finished) or trained (finished); a round still `proposed`
moves to approved first when the gate's allow attestation is passed. A later call with
--finished-at completes a run recorded as training. Every --config file is pinned by sha256
in run.evidence; each field where the run differs from the objective's configuration_plan is
listed in run.deviations as {field, planned, actual}, a value stated as off (weight_decay 0.0
against a planned 0.01) included, and each planned field no file states is listed by name in
run.unverified: nothing planned is silently skipped.

The approval comes from a signed statement only: the bundle `ftgov attest` publishes from the
default-branch workflow, verified under the signers the operator trusts, for this objective's
exact bytes, allowing, and current when the run started (signed no later than the start and
no more than --max-age before it: a run is often recorded long after training, and what
matters is that the approval held when training began). The register's approval is built
from the signed predicate, under a comment naming the statement's digest and its signer. An
unsigned gate answer is refused, except the offline gate's (`--forge git`) in the local
sandbox (gate.allow_unreviewed_local), recorded as unreviewed and never deployed.

A start before the objective was merged is refused with exit 1, as the gate denies it: the
inputs are each well-formed, together they describe training before approval, a policy
violation to escalate (FTG908), never a record to write. A finish before the start is one
input contradicting another, an input error (exit 2).

When the recorded run is complete (trained) and a signer is given, record-run also signs
the run statement: the objective and each configuration file by sha256, the run as
recorded, and the approval statement's digest as `previous`. The call that finishes a run
recorded as training passes the same bundle again; its digest must be the one the
register's comment names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ruamel.yaml.nodes import MappingNode

from ftgov.attest import approval as signed_approval
from ftgov.attest import chain, verify
from ftgov.attest.age import CLOCK_SKEW, DEFAULT_MAX_AGE, parse_duration
from ftgov.attest.sign import Signer
from ftgov.attest.statement import Subject, sha256
from ftgov.documents import paths, times
from ftgov.documents.access import mapping, sequence, text, zoned_time
from ftgov.documents.corrected import corrected
from ftgov.documents.deviations import Deviation, beyond, differences, tolerances, unverified
from ftgov.documents.errors import InputError
from ftgov.documents.policy import Policy
from ftgov.documents.repository import Repository
from ftgov.register import ops
from ftgov.register.runconfig import ConfigError, RunConfiguration, read_configurations
from ftgov.register.yaml_append import EditError, Flow, Pointer, Time, add_keys, compose, node_at, replace_scalar


@dataclass(frozen=True)
class ApprovalTrust:
    """Whom record-run trusts to have signed an approval, and how long before the run's start it may have been signed."""

    signers: verify.TrustedSigners | None  # None: no --trusted-key or --trusted-identity given, nor in the environment
    max_age: dt.timedelta
    max_age_text: str  # as the operator wrote it, for the refusal
    repo_root: Path | None = None  # where the policy's gate.approval_signers.sigstore_root is read from

    @classmethod
    def of(cls, signers: verify.TrustedSigners | None, max_age: str = DEFAULT_MAX_AGE) -> ApprovalTrust:
        """From the options; a --max-age that is not a duration is an InputError."""
        return cls(signers, parse_duration(max_age), max_age)


@dataclass(frozen=True)
class SignedApproval:
    """An approval statement that verified and allows the objective: what the run statement points at."""

    verified: verify.Verified
    signed_at: dt.datetime


@dataclass(frozen=True)
class SignedRun:
    """The run statement, signed: written by the command once the register is."""

    content: bytes
    digest: str
    previous: str  # the approval statement's digest


@dataclass(frozen=True)
class Recorded:
    path: str
    file_text: str
    summary: list[str]
    unacknowledged: list[str]  # deviations beyond the policy's tolerance: exit 1 once written
    run_statement: SignedRun | None = None


def record_run(
    repo: Repository,
    objective_id: str,
    configs: Sequence[Path],
    started_at: dt.datetime | None,
    finished_at: dt.datetime | None,
    checkpoint: str | None,
    attestation_file: Path | None,
    trust: ApprovalTrust | None = None,
    signer: Signer | None = None,
) -> tuple[ops.LoadedRegister, Recorded]:
    """The round's run (and approval) written into the register's text; with `signer`, the run statement signed too.

    Nothing is written here: the caller writes `file_text`, then the run statement, in that order.
    """
    model = ops.model_of(repo, objective_id)
    register = ops.load_register(repo, model)
    policy = ops.load_policy(repo)
    index, entry = register.round_of(objective_id)
    objective_bytes, objective = ops.load_objective(repo, model, objective_id)
    pinned = _Objective(objective_id, paths.objective_path(model, objective_id), objective_bytes)
    trust = replace(trust or ApprovalTrust.of(None), repo_root=repo.root)
    status = str(entry.get("status"))
    if signer is not None and finished_at is None:
        raise InputError(
            "--statement-out: the run statement is signed when the run is complete; pass it with --finished-at "
            "(in this call, or in the one that finishes the run)"
        )
    if status == "training" and "run" in entry:
        completing = _Completion(configs, finished_at, checkpoint, attestation_file, trust, signer)
        return register, _complete(register, policy, index, entry, pinned, completing)
    if status not in ("proposed", "approved"):
        raise ops.PolicyRefusal(
            f"{objective_id} is {status}; record-run moves a round from approved to training or trained "
            "(or completes one that is training, with --finished-at)"
        )
    if not configs:
        raise InputError("--config FILE is required: the files the run was configured with (adapter_config.json, training args JSON, ...)")
    additions, note, signed = _approval_additions(entry, status, objective_id, objective_bytes, policy, attestation_file, trust)
    if signer is not None and signed is None:
        raise InputError(_UNSIGNED_START if attestation_file is not None else _NEEDS_APPROVAL_STATEMENT)
    started = started_at or ops.now()
    _check_run_times(entry, additions.get("approval") or mapping(entry, "approval"), objective_id, started, finished_at)
    if signed is not None and attestation_file is not None:
        _check_current_at_start(signed, started, trust, attestation_file)
    plan = mapping(objective, "configuration_plan")
    try:
        actual = read_configurations(configs, repo.root, plan)
    except ConfigError as exc:
        raise InputError(str(exc)) from exc
    deviations = differences(plan, actual.configuration)
    unstated = unverified(plan, actual.configuration)
    allowed = tolerances(policy.defaults.deviation_tolerance)
    additions["run"] = _run_section(started, finished_at, checkpoint, actual, deviations, unstated)
    target = "trained" if finished_at is not None else "training"
    new_text = _recorded_text(register, index, additions, note, target)
    fresh = ops.new_findings(register, new_text, policy, ignore=("FTG914",))
    if fresh:
        raise ops.PolicyRefusal(
            "\n".join(["the run would leave the register failing `ftgov check`; nothing was written:", *ops.finding_lines(fresh)])
        )
    ops.reparsed(register.path, new_text)
    summary = _run_summary(objective_id, status, target, note, actual, deviations, unstated)
    unacknowledged = [why for d in deviations if (why := beyond(d, allowed)) is not None]
    signed_run = None
    if signer is not None and signed is not None and finished_at is not None:
        evidence = [{"path": e.path, "sha256": e.sha256} for e in actual.evidence]
        signed_run = _signed_run(signer, pinned, _run_fields(ops.iso(started), ops.iso(finished_at), checkpoint, evidence), signed)
    return register, Recorded(register.path, new_text, summary, unacknowledged, signed_run)


_NEEDS_APPROVAL_STATEMENT = (
    "--statement-out: the run statement points at the approval statement the run started with; "
    "pass that bundle with --gate-attestation (and --trusted-key or --trusted-identity)"
)


_UNSIGNED_START = (
    "--statement-out: the offline gate's unsigned answer is no statement a run statement can point at; "
    "the local sandbox's chain is not signed"
)


@dataclass(frozen=True)
class _Objective:
    """The objective as it is here: its id, repository path and bytes (what an approval's subject must match)."""

    id: str
    path: str
    content: bytes


@dataclass(frozen=True)
class _Completion:
    """What the call that finishes a run recorded as training was given."""

    configs: Sequence[Path]
    finished_at: dt.datetime | None
    checkpoint: str | None
    attestation_file: Path | None
    trust: ApprovalTrust
    signer: Signer | None


def _approval_additions(
    entry: dict[str, Any],
    status: str,
    objective_id: str,
    objective_bytes: bytes,
    policy: Policy,
    attestation_file: Path | None,
    trust: ApprovalTrust,
) -> tuple[dict[str, Any], str | None, SignedApproval | None]:
    """What the round gains besides its run: the approval from the verified statement, with the comment for the register
    PR's reviewers, and for a proposed round the sha256 of the objective it approves."""
    additions: dict[str, Any] = {}
    note: str | None = None
    signed: SignedApproval | None = None
    if attestation_file is not None:
        approval, signed = _approval(attestation_file, objective_id, objective_bytes, policy, trust)
        existing = mapping(entry, "approval")
        if existing:
            _same_approval(existing, approval, attestation_file)
        else:
            additions["approval"] = approval
            note = _approval_note(approval, signed)
    elif status == "proposed":
        raise InputError(
            f"{objective_id} is proposed: pass --gate-attestation BUNDLE (the approval statement `ftgov attest` signed for it, "
            "with --trusted-key or --trusted-identity) to record its approval"
        )
    if status == "proposed" and "objective_sha256" not in entry:
        additions = {"objective_sha256": hashlib.sha256(objective_bytes).hexdigest(), **additions}
    return additions, note, signed


def _check_run_times(
    entry: dict[str, Any], approval: Any, objective_id: str, started: dt.datetime, finished_at: dt.datetime | None
) -> None:
    """The run finished no later than now and no earlier than it started, and started after the objective was merged
    (training before approval is a policy violation) and after everything the round records."""
    if finished_at is not None:
        ops.refuse_future(finished_at, "--finished-at")
    if finished_at is not None and finished_at < started:
        raise InputError(f"--finished-at {ops.iso(finished_at)} is before --started-at {ops.iso(started)}")
    merged = _merged_at(approval)
    if merged is not None and started < merged:
        raise ops.PolicyRefusal(
            f"--started-at {ops.iso(started)} is before {objective_id} was merged ({ops.iso(merged)}): training before approval is "
            "a policy violation to escalate (FTG908), not a record to write; nothing was written"
        )
    ops.refuse_before(entry, started, "--started-at", objective_id)


def _run_section(
    started: dt.datetime,
    finished_at: dt.datetime | None,
    checkpoint: str | None,
    actual: RunConfiguration,
    deviations: list[Deviation],
    unstated: list[str],
) -> dict[str, Any]:
    """The round's `run`: when, the checkpoint, the configuration as the files state it, each file's sha256, and where the
    run departs from the configuration_plan or leaves a planned field unstated."""
    run: dict[str, Any] = {"started_at": Time(ops.iso(started))}
    if finished_at is not None:
        run["finished_at"] = Time(ops.iso(finished_at))
    if checkpoint:
        run["checkpoint"] = checkpoint
    run["configuration"] = _configuration(actual.configuration)
    run["evidence"] = [Flow({"path": e.path, "sha256": e.sha256}) for e in actual.evidence]
    run["deviations"] = [Flow({"field": d.field, "planned": d.planned, "actual": d.actual}) for d in deviations]
    if unstated:
        run["unverified"] = Flow(unstated)
    return run


def _recorded_text(register: ops.LoadedRegister, index: int, additions: dict[str, Any], note: str | None, target: str) -> str:
    """The register's text with the round's additions written in, the approval's comment above it, its status `target`."""
    new_text = register.text
    rest = dict(additions)
    if "objective_sha256" in rest:  # pinned next to the objective it pins, where the register schema lists it
        new_text = add_keys(new_text, ops.round_pointer(index), {"objective_sha256": rest.pop("objective_sha256")}, after="objective")
    new_text = add_keys(new_text, ops.round_pointer(index), rest)
    if note is not None:  # what the register PR's reviewers must know about the approval, in their diff
        new_text = _comment_first(new_text, ops.round_pointer(index, "approval"), note)
    return replace_scalar(new_text, ops.round_pointer(index, "status"), target)


def _run_summary(
    objective_id: str,
    status: str,
    target: str,
    note: str | None,
    actual: RunConfiguration,
    deviations: list[Deviation],
    unstated: list[str],
) -> list[str]:
    """What record-run tells the operator: the round's move, the approval it recorded, and the run as recorded."""
    summary = [f"{objective_id}: {status} -> {target}"]
    if note is not None:
        summary.append("approval" + note.removeprefix("#"))
    summary.append("configuration: " + json.dumps(actual.configuration, separators=(", ", ": ")))
    summary.extend(f"evidence: {e.path} sha256 {e.sha256}" for e in actual.evidence)
    summary.extend(f"deviation: {d.field} planned {d.planned!r}, actual {d.actual!r}" for d in deviations)
    summary.extend(f"unverified: {name} (no file states it)" for name in unstated)
    return summary


def _configuration(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    if "lora" in out:
        out["lora"] = Flow(out["lora"])
    if "regularisation" in out:
        out["regularisation"] = Flow(out["regularisation"])
    if "data" in out:
        out["data"] = [Flow(item) for item in out["data"]]
    return out


def _complete(
    register: ops.LoadedRegister,
    policy: Policy,
    index: int,
    entry: dict[str, Any],
    objective: _Objective,
    given: _Completion,
) -> Recorded:
    """A run recorded at its start, now finished: add finished_at (and the checkpoint), move to trained; with a signer, sign
    the run statement, pointing at the approval statement `given.attestation_file` holds (the one the run started with)."""
    objective_id, finished_at, checkpoint = objective.id, given.finished_at, given.checkpoint
    run = mapping(entry, "run")
    if finished_at is None:
        raise InputError(f"{objective_id} is already training; pass --finished-at T to record that the run finished")
    if given.configs:
        raise InputError(
            f"{objective_id}'s run is recorded; completing it takes --finished-at and --checkpoint (and, to sign the run "
            "statement, the --gate-attestation bundle it started with)"
        )
    if given.attestation_file is not None and given.signer is None:
        raise InputError(
            f"{objective_id}'s run is recorded; completing it reads --gate-attestation only to sign the run statement "
            "(--statement-out FILE with --signing-key or --keyless)"
        )
    if given.signer is not None and given.attestation_file is None:
        raise InputError(_NEEDS_APPROVAL_STATEMENT)
    ops.refuse_before(entry, finished_at, "--finished-at", objective_id)
    signed = None
    if given.attestation_file is not None:
        signed = _the_recorded_approval(register, index, entry, objective, policy, given.attestation_file, given.trust)
    additions: dict[str, Any] = {"finished_at": Time(ops.iso(finished_at))}
    if checkpoint and "checkpoint" not in run:
        additions["checkpoint"] = checkpoint
    new_text = add_keys(register.text, ops.round_pointer(index, "run"), additions, after="started_at")
    new_text = replace_scalar(new_text, ops.round_pointer(index, "status"), "trained")
    expected_run = dict(run)
    keys = list(run)
    at = keys.index("started_at") + 1
    expected_run = {**{k: run[k] for k in keys[:at]}, **{k: str(v) for k, v in additions.items()}, **{k: run[k] for k in keys[at:]}}
    ops.expect_change(register, new_text, index, {**entry, "run": expected_run, "status": "trained"})
    fresh = ops.new_findings(register, new_text, policy, ignore=("FTG914",))
    if fresh:
        raise ops.PolicyRefusal("\n".join(["finishing the run would leave the register failing `ftgov check`:", *ops.finding_lines(fresh)]))
    signed_run = None
    if given.signer is not None and signed is not None:
        recorded_run = mapping(corrected(dict(entry)), "run")  # the run as its readers read it: corrections applied
        started = zoned_time(recorded_run.get("started_at"))
        evidence = [dict(item) for item in sequence(recorded_run, "evidence") if isinstance(item, dict)]
        fields = _run_fields(
            ops.iso(started) if started else str(recorded_run.get("started_at")),
            ops.iso(finished_at),
            text(recorded_run, "checkpoint") or checkpoint,
            evidence,
        )
        signed_run = _signed_run(given.signer, objective, fields, signed)
    summary = [f"{objective_id}: training -> trained (finished {ops.iso(finished_at)})"]
    return Recorded(register.path, new_text, summary, [], signed_run)


def _the_recorded_approval(
    register: ops.LoadedRegister,
    index: int,
    entry: dict[str, Any],
    objective: _Objective,
    policy: Policy,
    file: Path,
    trust: ApprovalTrust,
) -> SignedApproval:
    """The approval statement a run recorded as training started with, given again to sign the run statement: verified,
    allowing, current at the recorded start, the approval the register records and, when its comment names the
    statement's digest, that very statement (a later re-signing of the same approval is another statement)."""
    approval, signed = _approval(file, objective.id, objective.content, policy, trust)
    if signed is None:
        raise InputError(f"--gate-attestation {file}: an unsigned answer; the run statement points at a signed approval statement")
    read = corrected(dict(entry))
    _same_approval(mapping(read, "approval"), approval, file)
    recorded = _recorded_statement_digest(register.text, index)
    if recorded is not None and recorded != signed.verified.digest:
        raise InputError(
            f"--gate-attestation {file}: is the approval statement sha256 {signed.verified.digest}, but the register recorded "
            f"the run's approval from statement sha256 {recorded}; pass that bundle"
        )
    started = zoned_time(mapping(read, "run").get("started_at"))
    if started is not None:
        _check_current_at_start(signed, started, trust, file)
    return signed


_STATEMENT_DIGEST = re.compile(r"approval statement \(sha256 ([0-9a-f]{64})")


def _recorded_statement_digest(register_text: str, index: int) -> str | None:
    """The approval statement's digest the comment above the round's approval names (record-run wrote it), if any."""
    try:
        node = node_at(compose(register_text), ops.round_pointer(index, "approval"))
    except EditError:
        return None
    lines = register_text.splitlines()[max(node.start_mark.line - 1, 0) : node.end_mark.line + 1]
    found = _STATEMENT_DIGEST.search("\n".join(lines))
    return found.group(1) if found else None


def _run_fields(started_at: str, finished_at: str, checkpoint: str | None, evidence: list[dict[str, Any]]) -> dict[str, Any]:
    """The run statement's `run`: when, into which checkpoint, from which configuration files (path and sha256)."""
    fields: dict[str, Any] = {"started_at": started_at, "finished_at": finished_at}
    if checkpoint:
        fields["checkpoint"] = checkpoint
    fields["evidence"] = [{"path": str(item.get("path")), "sha256": str(item.get("sha256"))} for item in evidence]
    return fields


def _signed_run(signer: Signer, objective: _Objective, run: dict[str, Any], approval: SignedApproval) -> SignedRun:
    """The run statement signed: subjects the objective and each configuration file, `previous` the approval statement."""
    configs = tuple(Subject(item["path"], item["sha256"]) for item in run["evidence"])
    statement = chain.run_statement(
        objective.id, Subject(objective.path, sha256(objective.content)), run, configs, approval.verified.digest
    )
    return SignedRun(signer.sign(statement), statement.digest(), approval.verified.digest)


def _approval(
    file: Path, objective_id: str, objective_bytes: bytes, policy: Policy, trust: ApprovalTrust
) -> tuple[dict[str, Any], SignedApproval | None]:
    """The register's approval from --gate-attestation, and the verified statement it came from; anything else is exit 2.

    A signed statement (DSSE envelope or Sigstore bundle) is verified under `trust` and judged
    for this objective's bytes; the approval is built from its signed predicate. An unsigned
    gate answer is anyone's claim and is refused, except the offline gate's (`--forge git`: a
    local clone, approvals unverified) where the policy sets gate.allow_unreviewed_local: it is
    recorded as `approval: {unreviewed: true, forge: git, commit}`, practice only, never deployed.
    """
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise InputError(f"--gate-attestation {file}: cannot read it ({exc.strerror or type(exc).__name__})") from exc
    answer = _unsigned_answer(raw)
    if answer is not None:
        return _unreviewed_approval(answer, file, objective_id, objective_bytes, policy), None
    signers = verify.anchored(policy.approval_signers, trust.signers, policy.path, trust.repo_root)
    anchored = replace(trust, signers=signers)
    signed = _verified_approval(raw, file, objective_id, objective_bytes, anchored)
    return _approval_from(signed, file), signed


def _unsigned_answer(raw: bytes) -> dict[str, Any] | None:
    """The gate's JSON answer as `ftgov gate --format json` writes it, when `raw` is one (no signature around it)."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # ValueError: JSONDecodeError, or an integer too long
        return None  # verify_bytes says what it is instead
    signed = isinstance(data, dict) and ("payloadType" in data or "mediaType" in data)
    return data if isinstance(data, dict) and "decision" in data and not signed else None


def _unreviewed_approval(data: dict[str, Any], file: Path, objective_id: str, objective_bytes: bytes, policy: Policy) -> dict[str, Any]:
    """The local sandbox's approval from the offline gate's unsigned answer; any other unsigned answer is refused."""
    forge = data.get("forge")
    kind = forge.get("kind") if isinstance(forge, dict) else None
    if kind != "git":  # whatever it claims (a PR, approvers, a GitHub forge), nobody signed it
        said = f" (forge kind {kind!r})" if kind is not None else ""
        raise InputError(
            f"--gate-attestation {file}: an unsigned gate answer{said}, which anyone can write; only the offline gate's "
            f"(--forge git) is accepted unsigned, in the local sandbox; {verify.HOW_TO_SIGN}"
        )
    if data.get("objective") != objective_id:
        raise InputError(f"--gate-attestation {file}: is for objective {data.get('objective')}, not {objective_id}")
    if data.get("decision") != "allow":
        reasons = "; ".join(str(r) for r in data.get("reasons") or []) or "no reason given"
        raise InputError(f"--gate-attestation {file}: the gate denied {objective_id} ({reasons}); a denied run is not recorded")
    blob = data.get("blob_sha")
    local = hashlib.sha1(b"blob %d\x00" % len(objective_bytes) + objective_bytes).hexdigest()
    if isinstance(blob, str) and blob != local:
        raise InputError(
            f"--gate-attestation {file}: approves objective blob {blob}, but objectives/…/{objective_id}.yaml here is {local}; "
            "record the run from the approved commit"
        )
    if not policy.allow_unreviewed_local:
        raise InputError(
            f"--gate-attestation {file}: is from the offline gate (--forge git: a local clone, approvals unverified), and the "
            f"policy ({policy.path}) does not set gate.allow_unreviewed_local: true, the local sandbox; {verify.HOW_TO_SIGN}"
        )
    commit = data.get("head_sha")
    if not isinstance(commit, str) or not _COMMIT.fullmatch(commit):
        raise InputError(f"--gate-attestation {file}: has no head_sha (the commit the offline gate pinned)")
    return {"unreviewed": True, "forge": "git", "commit": commit}


def _verified_approval(raw: bytes, file: Path, objective_id: str, objective_bytes: bytes, trust: ApprovalTrust) -> SignedApproval:
    """The statement in `raw`, verified under the trusted signers and judged to allow training `objective_id` from these bytes.

    Its age is not judged here: an approval must have been current when the run started
    (`_check_current_at_start`), which may be long before record-run is run.
    """
    assert trust.signers  # verify.anchored: the policy's signers, never none
    try:
        verified = verify.verify_bytes(raw, file, trust.signers)
    except verify.Refused as exc:
        raise InputError(f"--gate-attestation {exc}") from None
    # judge bounds the age against its `now`; asked at the signing time itself, that check passes, and record-run bounds
    # the age against the run's start instead. judge reads the signing time the same way, and says when there is none.
    signed_at = verified.signed_at or times.zoned(verified.statement.predicate.get("checked_at"))
    judgement = signed_approval.judge(
        verified, objective_id, now=signed_at or ops.now(), max_age=trust.max_age, objective_bytes=objective_bytes
    )
    if judgement.reasons or judgement.signed_at is None:
        reasons = "; ".join(judgement.reasons) or "it carries no signing time"
        raise InputError(f"--gate-attestation {file}: does not allow training {objective_id}: {reasons}")
    return SignedApproval(verified, judgement.signed_at)


def _approval_from(signed: SignedApproval, file: Path) -> dict[str, Any]:
    """The register's approval from the verified predicate: the PR, when it merged, the commit the gate pinned, the approvers."""
    predicate = signed.verified.statement.predicate
    merged_at, commit, number = predicate.get("merged_at"), predicate.get("head_sha"), predicate.get("pull_request")
    if not isinstance(merged_at, str) or not isinstance(commit, str) or not _COMMIT.fullmatch(commit):
        raise InputError(f"--gate-attestation {file}: the signed approval names no merged_at or no head_sha (a full commit id)")
    merged = ops.parse_time(merged_at, f"--gate-attestation {file}: merged_at")
    approval: dict[str, Any] = {}
    if isinstance(number, int) and not isinstance(number, bool):
        approval["pull_request"] = number
    approval["merged_at"] = Time(ops.iso(merged))
    approval["commit"] = commit
    approvals = predicate.get("approvals")
    if isinstance(approvals, list) and approvals:
        approval["approvers"] = [Flow({"login": str(a.get("login")), "role": str(a.get("role"))}) for a in approvals if isinstance(a, dict)]
    return approval


def _check_current_at_start(signed: SignedApproval, started: dt.datetime, trust: ApprovalTrust, file: Path) -> None:
    """The approval was current when the run started: signed no later than the start (give or take the clocks' skew) and no
    more than --max-age before it. The run's start, not now: a run is often recorded long after it trained."""
    signed_at = signed.signed_at
    if signed_at - started > CLOCK_SKEW:
        raise InputError(
            f"--gate-attestation {file}: the approval was signed at {ops.iso(signed_at)}, after the run started "
            f"({ops.iso(started)}); record the run with the bundle that allowed it when it started"
        )
    if started - signed_at > trust.max_age:
        raise InputError(
            f"--gate-attestation {file}: the approval was signed at {ops.iso(signed_at)}, more than {trust.max_age_text} before the "
            f"run started ({ops.iso(started)}): it was not current when training began (--max-age {trust.max_age_text})"
        )


_COMMIT = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


def _approval_note(approval: dict[str, Any], signed: SignedApproval | None) -> str:
    """The comment above a recorded approval: where it came from, for the register PR's reviewers and the run's second call.

    The register schema allows no extra key in `approval`, so the statement's digest is kept
    here: the call that finishes the run checks the bundle it is given against it.
    """
    if approval.get("unreviewed") or signed is None:
        return "# unreviewed: approved through a local clone (gate.allow_unreviewed_local), practice only; never deployed (FTG925)"
    number = approval.get("pull_request")
    what = f"PR #{number}" if number is not None else f"the PR bringing commit {str(approval.get('commit'))[:12]}"
    approvers = [item.value for item in approval.get("approvers") or [] if isinstance(item, Flow) and isinstance(item.value, Mapping)]
    by = ", ".join(f"{a.get('login')} ({a.get('role')})" for a in approvers) or "nobody named"
    return (
        f"# from a signed approval statement (sha256 {signed.verified.digest}, signed by {signed.verified.signer}): "
        f"{what} merged at {approval.get('merged_at')}, approved by {by}"
    )


def _comment_first(text: str, pointer: Pointer, comment: str) -> str:
    """Insert a comment line as the first line of the block mapping at `pointer`, at its keys' indentation."""
    mapping_node = node_at(compose(text), pointer)
    assert isinstance(mapping_node, MappingNode) and mapping_node.value  # record-run has just written it
    first = mapping_node.value[0][0]
    lines = text.splitlines(keepends=True)
    at = first.start_mark.line
    newline = "\r\n" if lines[at].endswith("\r\n") else "\n"
    return "".join([*lines[:at], " " * first.start_mark.column + comment + newline, *lines[at:]])


def _same_approval(existing: dict[str, Any], new: dict[str, Any], file: Path) -> None:
    if bool(existing.get("unreviewed")) != bool(new.get("unreviewed")):
        said = "unreviewed (a local clone)" if new.get("unreviewed") else "reviewed"
        raise InputError(f"--gate-attestation {file}: is {said}, unlike the approval the register records")
    for key in ("pull_request", "merged_at", "commit"):
        if key in existing and key in new and str(existing[key]) != str(new[key]):
            raise InputError(
                f"--gate-attestation {file}: {key} {new[key]} differs from the approval the register records ({existing[key]})"
            )


def _merged_at(approval: Any) -> dt.datetime | None:
    value = text(approval, "merged_at") if isinstance(approval, dict) else None
    if value is None:
        return None
    try:
        return ops.parse_time(value, "approval.merged_at")
    except InputError:
        return None
