"""`ftgov record-run`: what was actually trained (AG-341 4.3), appended to the round's register entry.

approved -> training (started, not finished) or trained (finished); a round still `proposed`
moves to approved first when the gate's allow attestation is passed. A later call with
--finished-at completes a run recorded as training. Every --config file is pinned by sha256
in run.evidence; each field where the run differs from the objective's configuration_plan is
listed in run.deviations as {field, planned, actual}, a value stated as off (weight_decay 0.0
against a planned 0.01) included, and each planned field no file states is listed by name in
run.unverified: nothing planned is silently skipped.

A start before the objective was merged is refused with exit 1, as the gate denies it: the
inputs are each well-formed, together they describe training before approval, a policy
violation to escalate (FTG908), never a record to write. A finish before the start is one
input contradicting another, an input error (exit 2).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.nodes import MappingNode

from ftgov.documents.access import mapping, text
from ftgov.documents.deviations import Deviation, beyond, differences, tolerances, unverified
from ftgov.documents.errors import InputError
from ftgov.documents.policy import Policy
from ftgov.documents.repository import Repository
from ftgov.register import ops
from ftgov.register.runconfig import ConfigError, RunConfiguration, read_configurations
from ftgov.register.yaml_append import Flow, Pointer, Time, add_keys, compose, node_at, replace_scalar


@dataclass(frozen=True)
class Recorded:
    path: str
    file_text: str
    summary: list[str]
    unacknowledged: list[str]  # deviations beyond the policy's tolerance: exit 1 once written


def record_run(
    repo: Repository,
    objective_id: str,
    configs: Sequence[Path],
    started_at: dt.datetime | None,
    finished_at: dt.datetime | None,
    checkpoint: str | None,
    attestation_file: Path | None,
) -> tuple[ops.LoadedRegister, Recorded]:
    model = ops.model_of(repo, objective_id)
    register = ops.load_register(repo, model)
    policy = ops.load_policy(repo)
    index, entry = register.round_of(objective_id)
    objective_bytes, objective = ops.load_objective(repo, model, objective_id)
    status = str(entry.get("status"))
    if status == "training" and "run" in entry:
        return register, _complete(register, policy, index, entry, objective_id, configs, finished_at, checkpoint, attestation_file)
    if status not in ("proposed", "approved"):
        raise ops.PolicyRefusal(
            f"{objective_id} is {status}; record-run moves a round from approved to training or trained "
            "(or completes one that is training, with --finished-at)"
        )
    if not configs:
        raise InputError("--config FILE is required: the files the run was configured with (adapter_config.json, training args JSON, ...)")
    additions, note = _approval_additions(entry, status, objective_id, objective_bytes, policy, attestation_file)
    started = started_at or ops.now()
    _check_run_times(entry, additions.get("approval") or mapping(entry, "approval"), objective_id, started, finished_at)
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
    return register, Recorded(register.path, new_text, summary, unacknowledged)


def _approval_additions(
    entry: dict[str, Any], status: str, objective_id: str, objective_bytes: bytes, policy: Policy, attestation_file: Path | None
) -> tuple[dict[str, Any], str | None]:
    """What the round gains besides its run: the approval from the gate's attestation, with the comment for the register
    PR's reviewers, and for a proposed round the sha256 of the objective it approves."""
    additions: dict[str, Any] = {}
    note: str | None = None
    if attestation_file is not None:
        approval = _approval(attestation_file, objective_id, objective_bytes, policy)
        existing = mapping(entry, "approval")
        if existing:
            _same_approval(existing, approval, attestation_file)
        else:
            additions["approval"] = approval
            note = _approval_note(approval)
    elif status == "proposed":
        raise InputError(
            f"{objective_id} is proposed: pass --gate-attestation FILE (the JSON `ftgov gate {objective_id} --format json` wrote) "
            "to record its approval"
        )
    if status == "proposed" and "objective_sha256" not in entry:
        additions = {"objective_sha256": hashlib.sha256(objective_bytes).hexdigest(), **additions}
    return additions, note


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
    policy: Any,
    index: int,
    entry: dict[str, Any],
    objective_id: str,
    configs: Sequence[Path],
    finished_at: dt.datetime | None,
    checkpoint: str | None,
    attestation_file: Path | None,
) -> Recorded:
    """A run recorded at its start, now finished: add finished_at (and the checkpoint), move to trained."""
    run = mapping(entry, "run")
    if finished_at is None:
        raise InputError(f"{objective_id} is already training; pass --finished-at T to record that the run finished")
    if configs or attestation_file is not None:
        raise InputError(f"{objective_id}'s run is recorded; completing it takes --finished-at and --checkpoint only")
    ops.refuse_before(entry, finished_at, "--finished-at", objective_id)
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
    return Recorded(register.path, new_text, [f"{objective_id}: training -> trained (finished {ops.iso(finished_at)})"], [])


def _approval(file: Path, objective_id: str, objective_bytes: bytes, policy: Policy) -> dict[str, Any]:
    """The register's approval from the JSON `ftgov gate --format json` wrote; anything else is an input error.

    The attestation is unsigned: whatever it says (PR, merge time, approvers) is a claim the
    register PR's reviewers check on GitHub, and record-run writes a comment saying so.
    One from the offline gate (`--forge git`: a local clone, approvals unverified) is
    accepted only where the policy sets gate.allow_unreviewed_local, and is recorded as
    `approval: {unreviewed: true, forge: git, commit}`: practice only, never deployed.
    """
    try:
        raw = file.read_bytes()
        data = json.loads(raw.decode("utf-8"))
    except OSError as exc:
        raise InputError(f"--gate-attestation {file}: cannot read it ({exc.strerror or type(exc).__name__})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"--gate-attestation {file}: not the JSON `ftgov gate --format json` writes ({type(exc).__name__})") from exc
    if not isinstance(data, dict) or "decision" not in data:
        raise InputError(f"--gate-attestation {file}: not a gate attestation (no decision)")
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
    merged_at, commit, number = data.get("merged_at"), data.get("head_sha"), data.get("pull_request")
    if _offline(data, file):
        if not policy.allow_unreviewed_local:
            raise InputError(
                f"--gate-attestation {file}: is from the offline gate (--forge git: a local clone, approvals unverified), and the "
                f"policy ({policy.path}) does not set gate.allow_unreviewed_local: true, the local sandbox; pass the attestation of "
                "`ftgov gate` against GitHub"
            )
        if not isinstance(commit, str) or not _COMMIT.fullmatch(commit):
            raise InputError(f"--gate-attestation {file}: has no head_sha (the commit the offline gate pinned)")
        return {"unreviewed": True, "forge": "git", "commit": commit}
    if not isinstance(merged_at, str) or not isinstance(commit, str):
        raise InputError(f"--gate-attestation {file}: has no merged_at or head_sha")
    ops.parse_time(merged_at, f"--gate-attestation {file}: merged_at")
    approval: dict[str, Any] = {}
    if isinstance(number, int) and not isinstance(number, bool):
        approval["pull_request"] = number
    approval["merged_at"] = Time(merged_at)
    approval["commit"] = commit
    approvals = data.get("approvals")
    if isinstance(approvals, list) and approvals:
        approval["approvers"] = [Flow({"login": str(a.get("login")), "role": str(a.get("role"))}) for a in approvals if isinstance(a, dict)]
    return approval


_COMMIT = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


def _offline(data: dict[str, Any], file: Path) -> bool:
    """Whether the attestation comes from the offline gate: forge kind git, or approvals it could not verify."""
    forge = data.get("forge")
    kind = forge.get("kind") if isinstance(forge, dict) else None
    if forge is not None and kind not in ("github", "git"):
        raise InputError(f"--gate-attestation {file}: forge kind {kind!r}; the gate writes github or git")
    return kind == "git" or data.get("approvals") == "unverified"


def _approval_note(approval: dict[str, Any]) -> str:
    """The comment above a recorded approval: what it is, and what the register PR's reviewers must check."""
    if approval.get("unreviewed"):
        return "# unreviewed: approved through a local clone (gate.allow_unreviewed_local), practice only; never deployed (FTG925)"
    number = approval.get("pull_request")
    what = f"PR #{number}" if number is not None else f"the PR bringing commit {str(approval.get('commit'))[:12]}"
    approvers = [item.value for item in approval.get("approvers") or [] if isinstance(item, Flow) and isinstance(item.value, Mapping)]
    by = ", ".join(f"{a.get('login')} ({a.get('role')})" for a in approvers) or "nobody named"
    return (
        f"# from an unsigned gate attestation: reviewers of this change check on GitHub that {what} "
        f"merged at {approval.get('merged_at')}, approved by {by}"
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
