"""May training for objective X start, or may its checkpoint be deployed? Merge status on the branch is the authority.

Everything is read at one pinned commit, the head of the repository's default branch
(or of a protected branch the policy names) when the gate starts: the objective, the
policy, the schemas and the model's register come from that commit, never from a
checkout. A schema the repository does not hold is the one packaged with ftgov, as in
`ftgov check`. Every doubt denies: an error the forge reports is a deny with exit code 3.
How each of those inputs reached the branch is checked too (ftgov.provenance): every
change to the objective, policy and schemas, and every change to the register that
touched the objective's round (or its last change), came through a PR approved as the
policy demands, after the operator's trust root when one is given.

The register (registers/<model>.yaml), when the model has one, must parse, pass its
schema, and hold one round for the objective whose objective_sha256, once recorded, is the
sha256 of the objective's bytes, as it was when the register first recorded the round
approved. Then each stage asks its own question of that round (read through its
corrections, ftgov.corrected):

- `--stage train` (the default): the round is not yet trained (proposed, approved,
  training). A model without a register is allowed as before registers existed; a
  register without the objective's round denies, naming the fix.
- `--stage deploy --checkpoint URI`: the round is deployed by a `deploy` decision with no
  withdrawal, was approved through a reviewed PR (never `approval.unreviewed`, the local
  sandbox), records a run whose checkpoint is URI exactly (and no other round's), and an
  evaluation with verdict pass bound to its report, in a register whose rules hold for it
  and every round before it (ftgov.deploy). The register PRs that recorded the run, the
  evaluation and the decision, and the PR that last wrote the report, are judged for the
  model's highest tier, and the run and evaluation must be those the decision was made on
  (ftgov.provenance, from the register's history). No register denies.

Python launchers call `require_approved("support-agent-r3", repo="acme/governance")`, and
deployment pipelines `require_deployable("support-agent-r3", checkpoint=URI, repo=...)`;
each returns the Attestation to store with the run or the rollout, or raises GateDenied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

from ftgov.documents import paths, times
from ftgov.documents.access import mapping, sequence, text
from ftgov.documents.corrected import corrected
from ftgov.documents.document import Document
from ftgov.documents.errors import InputError, Refusal
from ftgov.documents.findings import Finding, Severity
from ftgov.documents.lifecycle import ENDED, FORWARD, TRAINABLE
from ftgov.documents.loader import decode, parse_document
from ftgov.documents.policy import Policy
from ftgov.documents.rules import domain
from ftgov.documents.rules import schema as schema_rules
from ftgov.documents.schemas import Schema, packaged_schema, schema_from_bytes
from ftgov.documents.validate import FileChecker, locate
from ftgov.gate.attestation import Attestation
from ftgov.gate.deploy import PinnedFiles, deploy_reasons
from ftgov.gate.forge import ForgeError, PullRequest, TreeReader, UnknownRef, git_blob_sha
from ftgov.gate.provenance import TIERS as TIERS
from ftgov.gate.provenance import (
    Change,
    ProvenanceForge,
    Reads,
    approved_bytes_reasons,
    blob_state,
    changes_of,
    continuity_reasons,
    decided_on_reasons,
    governance_reasons,
    judge_chain,
    register_reasons,
    report_reasons,
    trace_objective,
)
from ftgov.gate.provenance import Denied as Denied
from ftgov.gate.provenance import risk_tier as risk_tier

_SHA = re.compile(r"[0-9a-f]{40}")
TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN")
TRUST_ROOT_VARIABLE = "FTGOV_TRUST_ROOT"
STAGES = ("train", "deploy")
if TYPE_CHECKING:
    # The offline gate loads securesystemslib and cryptography (~50 ms); an online launch never needs them.
    from ftgov.gate.signed import SignedAnswer

_MAX_LISTED = 5
PACKAGED = "packaged"  # the schema source recorded when the repository holds no copy


class GateDenied(Refusal):
    """Training may not start, or the checkpoint may not be deployed; `attestation.reasons` says why."""

    def __init__(self, attestation: Attestation | SignedAnswer) -> None:
        super().__init__("; ".join(attestation.reasons) or "denied")
        self.attestation = attestation


class GateUsageError(InputError, ValueError):
    """The gate was asked wrongly (no token, bad time); nothing was decided."""


class OfflineForge(TreeReader, Protocol):
    """A forge that sees merges but not reviews (a local clone)."""

    def merge_evidence(self, path: str, head: str, branch: str) -> tuple[list[str], str | None]: ...


@dataclass(frozen=True)
class _Pinned:
    head: str
    path: str
    blob_sha: str
    objective: Document
    policy: Policy
    policy_blob_sha: str
    tree: dict[str, str]
    register_blob_sha: str | None
    register_reasons: tuple[str, ...]
    schemas: tuple[tuple[str, str], ...]
    objective_sha256: str
    register_pin: str | None = None  # the round's objective_sha256 in the register at the pinned commit
    report: str | None = None  # the round's evaluation report, as the register at the pinned commit names it


def schema_source(tree: dict[str, str], name: str) -> str:
    """Which copy of a schema a pinned tree is judged by: the repository's blob, or ftgov's packaged one."""
    return tree.get(paths.schema_path(name), PACKAGED)


def _schema(forge: TreeReader, tree: dict[str, str], name: str) -> Schema:
    """The repository's schema when it holds one (it may be stricter), else the one ftgov was released with.

    The packaged copy is what `ftgov check` and pre-commit use in that case, and it is part
    of the installed code the launcher trusts anyway; whether a repository's copy may be
    dropped is a question of that deletion's provenance (ftgov.provenance).
    """
    path = paths.schema_path(name)
    sha = tree.get(path)
    bundled = packaged_schema(name)
    if sha is None and bundled is None:
        raise Denied(f"{path} is missing at the pinned commit and this ftgov has no packaged copy")
    raw = bundled if bundled is not None and (sha is None or git_blob_sha(bundled) == sha) else forge.blob(sha or "")
    try:
        return schema_from_bytes(raw, path)
    except InputError as exc:
        raise Denied(f"{exc}") from exc


def _unwaived(findings: list[Finding], policy: Policy) -> list[Finding]:
    """Register findings with the reviewed policy's waivers applied to the recorded-data rules (FTG504-FTG509) only.

    Data contamination above the policy's threshold blocks a round unless the risk function waived it
    in the policy (`ftgov check` applies the same waiver); every other register error still denies
    whatever the policy waives, as the gate always has. An expired waiver excuses nothing.
    """
    from ftgov.documents.rules import ALL_RULES, waivers
    from ftgov.documents.rules import data as data_rules

    recorded = [f for f in findings if f.rule in data_rules.RECORDED_CODES]
    if not recorded or not policy.waivers:
        return findings
    catalogue = {rule.code: rule for rule in ALL_RULES}
    outcome = waivers.apply(recorded, policy, catalogue, dt.datetime.now(dt.UTC).date(), check_unused=False)
    return [f for f in findings if f.rule not in data_rules.RECORDED_CODES] + outcome.kept


def _errors(findings: list[Finding], texts: dict[str, str]) -> list[str]:
    errors = [f for f in findings if f.severity is Severity.ERROR]
    placed = sorted(locate(errors, texts.get), key=Finding.sort_key)
    listed = [f"{f.path}:{f.line}:{f.column}: {f.rule} {f.message}" for f in placed[:_MAX_LISTED]]
    if len(placed) > _MAX_LISTED:
        listed.append(f"... and {len(placed) - _MAX_LISTED} more")
    return listed


def policy_at(forge: TreeReader, tree: dict[str, str], where: str) -> tuple[Policy, Schema]:
    """The policy of a pinned tree, with the checks `ftgov validate` runs on it: its schema, then its own rules."""
    if paths.POLICY not in tree:
        raise Denied(f"{paths.POLICY} is missing on {where}")
    policy_schema = _schema(forge, tree, "policy")
    policy_doc, policy_text = parse_blob(forge, paths.POLICY, tree[paths.POLICY])
    policy_errors = list(schema_rules.findings_for(paths.POLICY, policy_doc.data, policy_schema.validator))
    if policy_doc.kind != "Policy" or policy_errors:
        raise Denied(f"the policy on {where} does not validate", *_errors(policy_errors, {paths.POLICY: policy_text}))
    policy = Policy.from_data(policy_doc.data, paths.POLICY)
    # Waivers are not applied: the policy's own rules that matter here (FTG602) are not waivable.
    own_errors = list(domain.check_policy(policy))
    if own_errors:
        raise Denied(f"the policy on {where} does not validate", *_errors(own_errors, {paths.POLICY: policy_text}))
    return policy, policy_schema


def parse_blob(forge: TreeReader, path: str, sha: str) -> tuple[Document, str]:
    return parse_bytes(forge.blob(sha), path)


def parse_bytes(raw: bytes, path: str) -> tuple[Document, str]:
    """A document as the loader reads it; anything it rejects denies with the loader's finding."""
    decoded = decode(raw, path)
    if isinstance(decoded, Finding):
        raise Denied(f"{path}: {decoded.rule} {decoded.message}")
    loaded = parse_document(decoded, path)
    if isinstance(loaded, Finding):
        raise Denied(f"{path}:{loaded.line or 1}:{loaded.column or 1}: {loaded.rule} {loaded.message}")
    return loaded, decoded


def _read_pinned(
    forge: TreeReader, objective_id: str, branch: str, facts: dict[str, Any], stage: str = "train", checkpoint: str | None = None
) -> _Pinned:
    if not paths.OBJECTIVE_ID.fullmatch(objective_id):
        raise Denied(f"{objective_id!r} is not an objective id (lower-case letters, digits and hyphens)")
    head = forge.branch_head(branch)
    facts["head_sha"] = head
    tree = forge.tree(head)
    # Only objectives/<model>/<id>.yaml is an objective, as in `ftgov check` (FTG402); any other
    # YAML file under objectives/ named for the id is a twin the validator rejects (FTG401/FTG402).
    names = (f"{objective_id}.yaml", f"{objective_id}.yml")
    named = sorted(p for p in tree if p.startswith("objectives/") and PurePosixPath(p).name in names)
    placed = [p for p in named if paths.is_objective_path(p)]
    if not placed:
        found = f"; found {', '.join(named)}, which ftgov check rejects (FTG402)" if named else ""
        raise Denied(f"no objective {objective_id} on {branch} at {head[:12]} (looked for objectives/*/{objective_id}.yaml{found})")
    if len(named) > 1:
        raise Denied(f"objective id {objective_id} is at several paths on {branch}: {', '.join(named)}")
    path = placed[0]
    facts["objective_path"] = path
    facts["blob_sha"] = tree[path]
    facts["policy_blob_sha"] = tree.get(paths.POLICY)
    policy, policy_schema = policy_at(forge, tree, f"{branch} at {head[:12]}")
    objective_schema = _schema(forge, tree, "objective")

    objective_raw = forge.blob(tree[path])
    objective, objective_text = parse_bytes(objective_raw, path)
    findings = list(FileChecker(objective_schema, policy_schema, policy).check_document(objective).findings)
    if objective.kind != "FineTuneObjective":
        raise Denied(f"{path} is a {objective.kind}, not a FineTuneObjective")
    model = objective.data.get("model", {}).get("name") if isinstance(objective.data.get("model"), dict) else None
    if objective.data.get("id") != objective_id or model != PurePosixPath(path).parent.name:
        raise Denied(f"{path} declares id {objective.data.get('id')!r} of model {model!r}; it must be objectives/<model>/<id>.yaml")
    problems = _errors(findings, {path: objective_text})
    if not problems:  # the links are read from a document that passed its schema
        problems = _missing_links(objective, tree, model)
    if problems:
        raise Denied(f"objective {objective_id} does not validate on {branch}", *problems)
    assert model is not None  # it equals the directory name, checked above
    register_path = paths.register_path(model)
    schema_names = ["objective", "policy"]
    register_reasons: tuple[str, ...] = ()
    register_pin: str | None = None
    report: str | None = None
    if register_path in tree:
        schema_names.append("register")
        facts["register_blob_sha"] = tree[register_path]
        checker = FileChecker(objective_schema, policy_schema, None, register_schema=_schema(forge, tree, "register"))
        asked = _Asked(stage, checkpoint, policy)
        register_reasons, register_pin, report = _round_reasons(forge, tree, checker, objective_id, path, objective_raw, asked)
    elif stage == "deploy":
        raise Denied(
            f"model {model} has no register ({register_path}) on {branch}: --stage deploy allows only a round whose register "
            "records its run, its evaluation and its deploy decision"
        )
    schemas = tuple((name, schema_source(tree, name)) for name in schema_names)
    facts["schemas"] = schemas
    sha256 = hashlib.sha256(objective_raw).hexdigest()
    return _Pinned(
        head,
        path,
        tree[path],
        objective,
        policy,
        tree[paths.POLICY],
        tree,
        tree.get(register_path),
        register_reasons,
        schemas,
        sha256,
        register_pin,
        report,
    )


@dataclass(frozen=True)
class _Asked:
    """What the gate was asked of the round: the stage, the checkpoint to deploy, and the pinned policy."""

    stage: str
    checkpoint: str | None
    policy: Policy


def _round_reasons(
    forge: TreeReader, tree: dict[str, str], checker: FileChecker, objective_id: str, path: str, objective_raw: bytes, asked: _Asked
) -> tuple[tuple[str, ...], str | None, str | None]:
    """(reasons, objective_sha256 pinned, report named) for this round in the model's register at the pinned commit.

    The register is read as `ftgov validate` reads it (loader, then the register schema);
    a register the gate cannot read denies, since it could hide any of the states below.
    """
    model = PurePosixPath(path).parent.name
    register_path = paths.register_path(model)
    try:
        register, register_text = parse_blob(forge, register_path, tree[register_path])
    except Denied as denied:
        return denied.reasons, None, None
    if register.kind != "CumulativeRegister":
        return (f"{register_path} is a {register.kind}, not a CumulativeRegister",), None, None
    problems = _errors(_unwaived(list(checker.check_document(register).findings), asked.policy), {register_path: register_text})
    if problems:
        return (f"{register_path} does not validate at the pinned commit", *problems), None, None
    if text(register.data, "model") != model:
        return (f"{register_path} says model {text(register.data, 'model')}, not {model} (FTG901)",), None, None
    rounds = [entry for entry in sequence(register.data, "rounds") if isinstance(entry, dict) and entry.get("objective") == objective_id]
    if not rounds:
        return (
            f"{register_path} has no round for objective {objective_id}; add it (`ftgov new {model}` writes it as proposed) "
            "and merge it through a reviewed PR",
        ), None, None
    if len(rounds) > 1:
        return (f"{register_path} lists objective {objective_id} in {len(rounds)} rounds; a round is recorded once",), None, None
    entry = corrected(rounds[0])
    if asked.stage == "deploy":
        assert asked.checkpoint is not None  # decide() refuses --stage deploy without it
        index = next(i for i, e in enumerate(sequence(register.data, "rounds")) if e is rounds[0])
        found = deploy_reasons(register, index, asked.policy, asked.checkpoint, PinnedFiles(forge, tree, {path: objective_raw}))
        reasons = [*found.reasons, *_errors(_unwaived(found.findings, asked.policy), {register_path: register_text})]
    else:
        reasons = _train_reasons(register_path, entry, objective_id, model)
        reasons += _data_reasons(register, register_text, objective_id, parse_bytes(objective_raw, path)[0], asked.policy)
    pinned = text(entry, "objective_sha256")
    actual = hashlib.sha256(objective_raw).hexdigest()
    if pinned is not None and pinned != actual:
        reasons.append(
            f"{register_path} pins objective_sha256 {pinned[:16]} for round {objective_id}, but {path} at the pinned commit "
            f"has sha256 {actual[:16]}: the objective changed after the register recorded it (FTG905); "
            "restore the approved file, or write the change as a new round"
        )
    return tuple(reasons), pinned, text(mapping(entry, "evaluation"), "report")


def _data_reasons(register: Document, register_text: str, objective_id: str, objective: Document, policy: Policy) -> list[str]:
    """--stage train: the round's recorded data evidence meets the pinned policy (FTG504-FTG509), or a reviewed waiver excuses it.

    Only the gated round is judged: the train gate does not run the register's cross-round rules
    (the deploy gate does), and an earlier round's data is that round's concern.
    """
    from ftgov.documents.rules import data as data_rules

    rounds = sequence(register.data, "rounds")
    index = next(i for i, e in enumerate(rounds) if isinstance(e, dict) and e.get("objective") == objective_id)
    findings = list(data_rules.recorded(register.path, index, rounds[index], objective, policy, rounds))
    return _errors(_unwaived(findings, policy), {register.path: register_text})


def _train_reasons(register_path: str, entry: dict[str, Any], objective_id: str, model: str) -> list[str]:
    """--stage train: the round is not yet trained."""
    reasons = []
    status = text(entry, "status")
    if status in ENDED:
        reasons.append(
            f"{register_path} records round {objective_id} as {status}: it may not train again; "
            f"start a new round with `ftgov new {model} --parent {objective_id}` (or the round before it)"
        )
    elif status not in TRAINABLE:
        reasons.append(
            f"{register_path} records round {objective_id} as {status}: --stage train allows only a round not yet trained "
            f"({', '.join(s for s in FORWARD if s in TRAINABLE)}); a retrain is a new round: "
            f"`ftgov new {model}` (its --parent is the latest live round)"
        )
    return reasons


def _missing_links(objective: Document, tree: dict[str, str], model: str | None) -> list[str]:
    """The cross-document rules a pinned tree can answer without reading other files."""
    ids = {PurePosixPath(p).stem for p in tree if paths.is_objective_path(p) and paths.model_of(p) == model}
    data = objective.data
    parent = data["model"].get("parent")
    rollback = data["rollback"]["to"]
    missing = []
    if parent is not None and parent not in ids:
        missing.append(f"model.parent {parent} is not an objective of model {model} on the branch (FTG403)")
    # `base` names the model.base checkpoint, as in compare_to (the objective schema; FTG405 in `ftgov check` agrees).
    if rollback not in ("base", data["model"]["base"]) and rollback not in ids - {data["id"]}:
        missing.append(f"rollback.to {rollback} is neither an earlier objective of model {model} nor base / model.base (FTG405)")
    return missing


def _requirements(
    reads: Reads, pinned: _Pinned, tier: str
) -> Callable[[PullRequest, Change, bool], tuple[tuple[str, ...], dict[str, str]]]:
    """Roles each PR of the objective's chain needs for `tier`.

    The newest PR is judged by the stricter of the policy now and the policy the branch
    had just before it merged (never its recorded base, which GitHub does not move), so
    relaxing the policy in the same change, or by a later push, cannot lower its bar
    (the policy's own provenance is checked as well). Earlier PRs are judged by the
    policy now, whose last change was approved under the one before it.
    """

    def roles_for(pr: PullRequest, change: Change, newest: bool) -> tuple[tuple[str, ...], dict[str, str]]:
        policies = [pinned.policy]
        before = reads.branch_before(pr, change) if newest else None
        before_tree = reads.tree(before) if before is not None else {}
        if before is not None and paths.POLICY in before_tree and before_tree[paths.POLICY] != pinned.policy_blob_sha:
            where = f"{reads.branch} just before PR #{pr.number} merged ({before[:12]})"
            policies.append(policy_at(reads.forge, before_tree, where)[0])
        roles: list[str] = []
        teams: dict[str, str] = {}
        for policy in policies:
            for role in policy.required.get(tier, ()):
                if role not in roles:
                    roles.append(role)
                if role in teams and policy.teams.get(role) != teams[role]:
                    raise Denied(
                        f"the policy maps role {role} to {teams[role]} now but to {policy.teams.get(role)} on {reads.branch} "
                        f"just before PR #{pr.number} merged"
                    )
                if role in policy.teams:
                    teams[role] = policy.teams[role]
        if not roles:
            raise Denied(f"the policy requires no approval for risk tier {tier}; every tier must name at least one role")
        return tuple(roles), teams

    return roles_for


def _check_branch(forge: ProvenanceForge, branch: str, policy: Policy, default: str | None) -> str:
    """The default branch, or one the policy names under gate.branches that GitHub reports protected.

    Returns the default branch's name (`default`, when the caller already asked).
    """
    default = default or forge.default_branch()
    if branch == default:
        return default
    if branch not in policy.gate_branches:
        raise Denied(
            f"{branch} is not the repository's default branch ({default}) and the policy on it does not list it under gate.branches"
        )
    if not forge.branch_protected(branch):
        raise Denied(f"{branch} is listed under gate.branches but GitHub does not report it protected; protect it or use {default}")
    return default


def _attest(
    decision: str,
    objective_id: str,
    forge: TreeReader,
    branch: str | None,
    now: dt.datetime,
    facts: dict[str, Any],
    reasons: tuple[str, ...],
    **more: Any,
) -> Attestation:
    return Attestation(
        decision=decision,
        objective=objective_id,
        reasons=reasons,
        forge=forge.describe(),
        branch=branch,
        checked_at=now,
        stats=forge.stats(),
        **facts,
        **more,
    )


def decide(
    forge: ProvenanceForge,
    objective_id: str,
    *,
    branch: str | None = None,
    started_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    trust_root: str | None = None,
    stage: str = "train",
    checkpoint: str | None = None,
) -> Attestation:
    """Allow only if every change to the objective, and to what the gate trusts, came through an approved PR.

    `stage` "train": the objective's round is not yet trained. "deploy": its round deployed
    `checkpoint` (required there, refused for train) after an evaluation that passed, as the
    module docstring says.
    `branch` None: the repository's default branch, as the forge reports it.
    `trust_root`: a commit the operator pinned (40 hex digits); history at or before it is
    accepted as given, everything after it must meet every rule. It must be the pinned
    head or one of its ancestors, else the gate denies.
    """
    now = now or dt.datetime.now(dt.UTC)
    facts: dict[str, Any] = {"started_at": started_at, "trust_root": trust_root, "stage": stage, "checkpoint": checkpoint}
    default: str | None = None
    reads: Reads | None = None
    try:
        _check_request(stage, checkpoint, started_at, trust_root)
        if branch is None:
            default = branch = forge.default_branch()
        pinned = _read_pinned(forge, objective_id, branch, facts, stage, checkpoint)
        _check_trust_root(forge, trust_root, branch, pinned.head)
        default = _check_branch(forge, branch, pinned.policy, default)
        reads = Reads(forge, branch, default, head=pinned.head, trust_root=trust_root)
        reads.remember_tree(pinned.head, pinned.tree)
        reads.remember_tier(pinned.blob_sha, risk_tier(pinned.objective))
        lineage = trace_objective(reads, objective_id, pinned.path, pinned.head, pinned.tree)
        tier = max(lineage.tier, risk_tier(pinned.objective), key=TIERS.index)
        judged = judge_chain(reads, lineage, risk_tier(pinned.objective), _requirements(reads, pinned, tier))
        pr = judged.pr
        facts.update(risk_tier=tier, required_roles=judged.roles)
        reasons: list[str] = []
        if pr is not None and judged.count is not None:
            facts.update(pull_request=pr.number, merged_at=pr.merged_at, approvals=judged.count.approvals)
            if started_at is not None and pr.merged_at is not None and started_at < pr.merged_at:
                reasons.append(
                    f"the training run started at {started_at.isoformat()} before the objective was merged at {pr.merged_at.isoformat()}"
                )
        reasons.extend(judged.reasons)
        reasons.extend(_objective_continuity_reasons(reads, pinned, judged.merged))
        reasons.extend(_pinned_branch_reasons(forge, reads, pinned, objective_id, stage))
        if reasons:
            return _attest("deny", objective_id, forge, branch, now, facts, (*reasons, *_trust_root_hint(reads)))
        return _attest("allow", objective_id, forge, branch, now, facts, ())
    except Denied as denied:
        hint = _trust_root_hint(reads) if reads is not None else ()
        return _attest("deny", objective_id, forge, branch, now, facts, (*denied.reasons, *hint))
    except ForgeError as exc:
        return _attest("deny", objective_id, forge, branch, now, facts, (f"could not decide: {exc}",), undecided=True)
    except UnknownRef:
        raise  # a branch the user mistyped is a usage error for the caller, not a doubt
    except Exception as exc:
        reason = f"could not decide: unexpected {type(exc).__name__} in ftgov (a bug; please report it)"
        return _attest("deny", objective_id, forge, branch, now, facts, (reason,), undecided=True)


def _check_request(stage: str, checkpoint: str | None, started_at: dt.datetime | None, trust_root: str | None) -> None:
    """The gate's arguments fit the stage asked about and each other, before anything is read."""
    if stage not in STAGES:
        raise Denied(f"--stage {stage} is not a stage this gate decides ({', '.join(STAGES)})")
    if (stage == "deploy") != bool(checkpoint):
        raise Denied("--stage deploy needs --checkpoint URI, the checkpoint to deploy; --stage train takes none")
    if stage == "deploy" and started_at is not None:
        raise Denied("--started-at is when a training run starts; --stage deploy takes none")
    if trust_root is not None and not _SHA.fullmatch(trust_root):
        raise Denied(f"trust root {trust_root!r} is not a full commit sha (40 lower-case hex digits)")


def _check_trust_root(forge: ProvenanceForge, trust_root: str | None, branch: str, head: str) -> None:
    """The operator's trust root is the pinned head or one of its ancestors: a commit on the branch."""
    if trust_root is not None and trust_root != head and not forge.is_ancestor(trust_root, head):
        raise Denied(
            f"trust root {trust_root} is not {branch}'s head {head[:12]} nor one of its ancestors (GitHub's compare API): "
            "the operator must pin a commit on the branch, the one that installed the reviewed policy"
        )


def _objective_continuity_reasons(reads: Reads, pinned: _Pinned, merged: tuple[tuple[PullRequest, Change], ...]) -> list[str]:
    """Where the objective never moved, why the PRs judged do not account for every state it had on the branch."""
    if merged and {change.path for _, change in merged} == {pinned.path}:
        # One path (no move): the judged PRs must account for every state the objective had on the branch.
        start = next((c.blob for c in changes_of(reads, pinned.path, pinned.head, pinned.blob_sha) if c.given), None)
        return continuity_reasons(reads, pinned.path, list(merged), start, pinned.blob_sha, blob_state)
    return []


def _pinned_branch_reasons(forge: ProvenanceForge, reads: Reads, pinned: _Pinned, objective_id: str, stage: str) -> list[str]:
    """Why the branch at the pinned head does not back the objective: its register round, how the governance files and
    the register reached the branch, (deploy) the report and the decision, and the bytes the register approved."""
    reasons = list(pinned.register_reasons)
    model = PurePosixPath(pinned.path).parent.name
    read_policy = lambda tree, where: policy_at(forge, tree, where)[0]  # noqa: E731
    reasons.extend(governance_reasons(reads, pinned.head, pinned.tree, model, pinned.policy, read_policy))
    reasons.extend(register_reasons(reads, pinned.head, pinned.tree, model, pinned.policy, objective_id))
    if stage == "deploy":
        if pinned.report is not None:
            reasons.extend(report_reasons(reads, pinned.head, pinned.tree, model, pinned.policy, pinned.report))
        reasons.extend(decided_on_reasons(reads, pinned.head, pinned.tree, model, objective_id))
    reasons.extend(
        approved_bytes_reasons(
            reads, pinned.head, pinned.tree, model, objective_id, pinned.path, pinned.objective_sha256, pinned.register_pin
        )
    )
    return reasons


def _trust_root_hint(reads: Reads) -> tuple[str, ...]:
    """Without a trust root, a deny caused by a direct push names the operator's way to pin the adoption point."""
    if reads.trust_root is not None or not reads.unmerged:
        return ()
    return (
        f"{len(set(reads.unmerged))} commit(s) the gate judged came from no pull request; if they predate the repository's "
        "adoption of ftgov, the launcher's operator pins the adoption commit (the one that installed the reviewed policy) with "
        f"--trust-root SHA or {TRUST_ROOT_VARIABLE}: history at or before it is accepted as given, everything after it must "
        "meet every rule",
    )


def decide_offline(
    forge: OfflineForge, objective_id: str, *, branch: str = "main", started_at: dt.datetime | None = None, now: dt.datetime | None = None
) -> Attestation:
    """The local-clone gate: merged means reachable and unchanged since its merge commit.

    A clone holds no reviews, so this denies unless the policy on the branch explicitly
    allows unreviewed local use (development only); the attestation then says so.
    """
    now = now or dt.datetime.now(dt.UTC)
    facts: dict[str, Any] = {"started_at": started_at, "approvals_verified": False}
    try:
        pinned = _read_pinned(forge, objective_id, branch, facts)
        problems, merge_commit = forge.merge_evidence(pinned.path, pinned.head, branch)
        problems = [*problems, *pinned.register_reasons]
        reasons = list(problems)
        reasons.append("a local clone cannot show reviews: approvals are unverified")
        if not problems and pinned.policy.allow_unreviewed_local:
            return _attest(
                "allow",
                objective_id,
                forge,
                branch,
                now,
                facts,
                (f"merged by {merge_commit}; allowed unreviewed by policy gate.allow_unreviewed_local (development only)",),
            )
        if not pinned.policy.allow_unreviewed_local:
            reasons.append("the policy does not set gate.allow_unreviewed_local")
        return _attest("deny", objective_id, forge, branch, now, facts, tuple(reasons))
    except Denied as denied:
        return _attest("deny", objective_id, forge, branch, now, facts, denied.reasons)
    except ForgeError as exc:
        return _attest("deny", objective_id, forge, branch, now, facts, (f"could not decide: {exc}",), undecided=True)


def parse_started_at(value: str) -> dt.datetime:
    """ISO 8601 with a time zone; anything else is a usage error."""
    try:
        return times.parse_zoned(value, "--started-at").astimezone(dt.UTC)
    except times.TimeError as exc:
        raise GateUsageError(str(exc)) from None


def token_from_environment(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    for name in TOKEN_VARIABLES:
        if env.get(name):
            return check_token(env[name], name)
    raise GateUsageError("no GitHub token: set GITHUB_TOKEN (or GH_TOKEN) to a token that can read the repository and its teams")


def check_token(token: str, source: str = "the token") -> str:
    """Refuse a token HTTP cannot carry; the message never quotes it."""
    if not token or any(ch.isspace() or not ch.isprintable() for ch in token):
        raise GateUsageError(
            f"{source} contains whitespace or control characters (a trailing newline from a secrets file is the usual cause); remove them"
        )
    return token


def trust_root_from(value: str | None, environ: Mapping[str, str]) -> str | None:
    """The trust root given, else FTGOV_TRUST_ROOT; it must be a full commit sha (a usage error otherwise)."""
    root = value if value is not None else (environ.get(TRUST_ROOT_VARIABLE) or None)
    if root is None:
        return None
    root = root.strip().lower()
    if not _SHA.fullmatch(root):
        source = "--trust-root" if value is not None else TRUST_ROOT_VARIABLE
        raise GateUsageError(f"{source} must be a full 40-hex commit sha (the commit that installed the reviewed policy), not {root!r}")
    return root


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ftgov" / "github"


def require_approved(
    objective_id: str,
    *,
    repo: str | None = None,
    github_url: str | None = None,
    branch: str | None = None,
    started_at: dt.datetime | str | None = None,
    token: str | None = None,
    cache_dir: Path | None = None,
    trust_root: str | None = None,
    attestation: Path | None = None,
    trusted_keys: tuple[Path, ...] = (),
    trusted_identities: tuple[str, ...] = (),
    sigstore_root: Path | None = None,
    max_age: str = "7d",
    objective_file: Path | None = None,
) -> Attestation | SignedAnswer:
    """Return the attestation if training for objective_id may start; raise GateDenied if not.

    Offline, from a signed statement (`ftgov attest`'s bundle): pass `attestation` and the
    signers trusted (`trusted_keys`: PEM public key paths, `trusted_identities`: workflow
    identities, read with `sigstore_root` or the root the sigstore package embeds), and no
    `repo`; zero requests are made. `objective_file`, if given, must be the approved bytes.
    Online (the default): ask GitHub about `repo`, as below.

    `branch` None (the default) is the repository's default branch as GitHub reports it.
    `trust_root` None reads FTGOV_TRUST_ROOT from the environment (unset: the whole
    history is judged); keep it where the launcher's operator controls it, never in the
    governance repository.

    A forge failure raises GateDenied too (its attestation has `undecided` set): a
    launcher never starts a run on doubt.
    """
    moment = parse_started_at(started_at) if isinstance(started_at, str) else started_at
    if moment is not None and moment.tzinfo is None:
        raise GateUsageError("started_at must carry a time zone")
    if attestation is not None:
        from ftgov.attest.age import parse_duration
        from ftgov.attest.verify import trusted_signers
        from ftgov.gate.signed import decide_train

        if repo is not None:
            raise GateUsageError("attestation decides offline from the signed statement; pass no repo")
        signers = trusted_signers(trusted_keys, trusted_identities, sigstore_root=sigstore_root)
        answer = decide_train(
            objective_id, attestation, signers, max_age=parse_duration(max_age), objective_file=objective_file, started_at=moment
        )
        if not answer.allowed:
            raise GateDenied(answer)
        return answer
    if repo is None:
        raise GateUsageError("repo (OWNER/NAME) is required, or an attestation to decide offline")
    return _require(objective_id, repo, github_url, branch, token, cache_dir, trust_root, started_at=moment)


def require_deployable(
    objective_id: str,
    *,
    checkpoint: str,
    repo: str | None = None,
    github_url: str | None = None,
    branch: str | None = None,
    token: str | None = None,
    cache_dir: Path | None = None,
    trust_root: str | None = None,
    attestations: Sequence[Path] = (),
    trusted_keys: tuple[Path, ...] = (),
    trusted_identities: tuple[str, ...] = (),
    sigstore_root: Path | None = None,
    max_age: str = "7d",
    pipeline_keys: tuple[Path, ...] = (),
    pipeline_identities: tuple[str, ...] = (),
) -> Attestation | SignedAnswer:
    """Return the attestation if `checkpoint` of objective_id's round may be deployed; raise GateDenied if not.

    The deploy stage: the register at the pinned head records this round's run with exactly
    this checkpoint, an evaluation with verdict pass bound to its report, and a deploy
    decision not withdrawn, each merged through a PR approved for the model's highest tier.
    The other arguments are require_approved's (a deployment has no training start, so no
    `started_at`); a forge failure raises GateDenied with `undecided` set.

    Offline, from the signed chain: pass `attestations` (the approval, run, evaluation and
    decision statements, in any order) and the signers trusted, as require_approved takes
    them, and no `repo`; zero requests are made. `max_age` bounds the decision statement; a
    rollback recorded after it was signed is invisible offline. `pipeline_keys` and
    `pipeline_identities` are trusted for the run and evaluation statements only.
    """
    if not isinstance(checkpoint, str) or not checkpoint.strip():
        raise GateUsageError("checkpoint must name the checkpoint to deploy, as the register's run.checkpoint records it")
    if attestations:
        from ftgov.attest.age import parse_duration
        from ftgov.attest.verify import trusted_signers
        from ftgov.gate.signed import decide_deploy

        if repo is not None:
            raise GateUsageError("attestations decide offline from the signed chain; pass no repo")
        signers = trusted_signers(trusted_keys, trusted_identities, sigstore_root=sigstore_root)
        given = pipeline_keys or pipeline_identities
        pipeline = trusted_signers(pipeline_keys, pipeline_identities, sigstore_root=sigstore_root) if given else None
        answer = decide_deploy(
            objective_id, attestations, signers, checkpoint=checkpoint, max_age=parse_duration(max_age), pipeline=pipeline
        )
        if not answer.allowed:
            raise GateDenied(answer)
        return answer
    if repo is None:
        raise GateUsageError("repo (OWNER/NAME) is required, or the signed chain (attestations) to decide offline")
    return _require(objective_id, repo, github_url, branch, token, cache_dir, trust_root, stage="deploy", checkpoint=checkpoint)


def _require(
    objective_id: str,
    repo: str,
    github_url: str | None,
    branch: str | None,
    token: str | None,
    cache_dir: Path | None,
    trust_root: str | None,
    **asked: Any,
) -> Attestation:
    from ftgov.gate.forge.github import GitHubForge

    forge = GitHubForge(
        repo, check_token(token) if token else token_from_environment(), github_url=github_url, cache_dir=cache_dir or default_cache_dir()
    )
    root = trust_root_from(trust_root, os.environ)
    attestation = decide(forge, objective_id, branch=branch, trust_root=root, **asked)
    if not attestation.allowed:
        raise GateDenied(attestation)
    return attestation


__all__ = ["Attestation", "GateDenied", "GateUsageError", "decide", "decide_offline", "require_approved", "require_deployable"]
