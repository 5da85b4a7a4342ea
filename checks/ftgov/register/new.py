"""`ftgov new MODEL [--parent ID]`: the next round's objective and its `proposed` register entry.

A team starts in the right place: the new objective names its parent, starts from the same
base checkpoint with the same owners, risk tier, domain and configuration plan, carries
the policy's standing safety suite as regression boundaries, and lists the criteria it
inherits from earlier rounds (ftgov.inheritance) as comments. Everything only its authors
can say is TODO (and each source's record count 0), which `ftgov check` reports (FTG201)
until it is written; so are the assessments the policy's domain_rules require for the domain.
`--parent` must be the latest live round: a fork from an older one is FTG904's error. The register
gains the round as `proposed`, appended as text so nothing already there changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from ftgov.documents import paths
from ftgov.documents.access import mapping, text
from ftgov.documents.atomic import write_atomically
from ftgov.documents.errors import InputError
from ftgov.documents.lifecycle import DEAD  # a new round never builds on these
from ftgov.documents.policy import Policy
from ftgov.documents.repository import Repository
from ftgov.documents.stack import RoundRecord, StackCriterion, ancestry, build_stack
from ftgov.register import ops
from ftgov.register.yaml_append import EditError, compose, node_at

_ROUND = re.compile(r"-r(\d+)$")
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/@=+-]*")
_BASE = re.compile(r"\S+@[0-9A-Za-z._-]+")


@dataclass(frozen=True)
class Scaffold:
    objective_id: str
    objective_path: str
    objective_text: str
    register_path: str
    register_text: str
    register_before: str | None  # the register as `new` read it; None: it did not exist
    register_created: bool


def scaffold(repo: Repository, model: str, parent_id: str | None, base: str | None = None) -> Scaffold:
    """The files `ftgov new` writes, or an InputError (exit 2) naming what is wrong."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,70}", model):
        raise InputError(f"{model!r} is not a model name for new objectives (lower-case letters, digits and hyphens)")
    policy = ops.load_policy(repo)
    register = ops.load_register(repo, model) if (repo.root / paths.register_path(model)).is_file() else None
    rounds = register.rounds if register is not None else []
    live = [entry for entry in rounds if text(entry, "status") not in DEAD]
    latest = text(live[-1], "objective") if live else None
    if parent_id is None:
        parent_id = latest
    elif register is not None and parent_id not in {text(entry, "objective") for entry in rounds}:
        raise InputError(f"--parent {parent_id}: not a round of {register.path}")
    elif register is not None and parent_id != latest:
        # A fork from an older round is what FTG904 rejects; say so before writing anything.
        raise InputError(f"--parent {parent_id}: the next round of {model} builds on its latest live round, {latest} ({register.path})")
    parent: dict[str, Any] | None = None
    if parent_id is not None:
        _, parent = ops.load_objective(repo, model, parent_id)
        if text(mapping(parent, "model"), "name") != model:
            raise InputError(f"--parent {parent_id}: objective of model {text(mapping(parent, 'model'), 'name')}, not {model}")
    checkpoint = _checkpoint(register.document.data if register else None, parent, base, model)
    objective_id = f"{model}-r{_next_round(repo, model, rounds)}"
    objective_path = paths.objective_path(model, objective_id)
    if (repo.root / objective_path).exists():
        raise InputError(f"{objective_path} already exists")
    inherited = _inherited(repo, model, rounds, parent_id, objective_id, policy)
    objective_text = render_objective(objective_id, model, checkpoint, parent_id, parent, policy, inherited)
    entry = f"- objective: {objective_id}\n  status: proposed\n"
    if register is None:
        register_text = (
            "# yaml-language-server: $schema=../policies/register.schema.json\n"
            f"# The cumulative register of {model}: every round, in parent order, only ever appended to.\n"
            "apiVersion: ftgov/v1\nkind: CumulativeRegister\n"
            f"model: {model}\nbase: {_scalar(checkpoint)}\nrounds:\n" + _indent(entry, 2)
        )
    else:
        register_text = _append_round(register.text, entry)
    before = register.text if register is not None else None
    return Scaffold(objective_id, objective_path, objective_text, paths.register_path(model), register_text, before, register is None)


def write(repo: Repository, result: Scaffold) -> None:
    """Both files atomically: the objective first (a new file), then the register; undo the objective on failure."""
    objective = repo.root / result.objective_path
    objective.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(objective, result.objective_text, exclusive=True)
    try:
        (repo.root / result.register_path).parent.mkdir(exist_ok=True)
        ops.write_register(repo.root / result.register_path, result.register_path, result.register_before, result.register_text)
    except BaseException:
        objective.unlink(missing_ok=True)
        raise


def _checkpoint(register: Mapping[str, Any] | None, parent: Mapping[str, Any] | None, base: str | None, model: str) -> str:
    found = text(mapping(parent, "model"), "base") if parent else None
    found = found or (text(register, "base") if register else None)
    if base is not None:
        if not _BASE.fullmatch(base):
            raise InputError(f"--base-model {base!r}: give the checkpoint as REPOSITORY@REVISION")
        if found is not None and found != base:
            raise InputError(f"--base-model {base}: {model} starts from {found}; a new base is a new model")
        return base
    if found is None:
        raise InputError(f"{model} has no register and no parent; round 1 needs --base-model REPOSITORY@REVISION")
    return found


def _next_round(repo: Repository, model: str, rounds: list[dict[str, Any]]) -> int:
    numbers = [0, len(rounds)]
    ids = [p.stem for p in (repo.root / "objectives" / model).glob(f"{model}-r*.yaml")]
    ids += [str(entry.get("objective")) for entry in rounds]
    for objective_id in ids:
        match = _ROUND.search(objective_id)
        if objective_id.startswith(model + "-r") and match:
            numbers.append(int(match.group(1)))
    return max(numbers) + 1


def _inherited(
    repo: Repository, model: str, rounds: list[dict[str, Any]], parent_id: str | None, new_id: str, policy: Policy
) -> list[StackCriterion]:
    if parent_id is None:
        return []
    records = []
    for entry in rounds:
        objective_id = text(entry, "objective")
        if objective_id is None:
            continue
        try:
            _, data = ops.load_objective(repo, model, objective_id)
        except InputError:
            continue  # a missing objective is FTG902's finding; the stack is built from what exists
        records.append(RoundRecord.of(data, entry))
    chain = ancestry(records, parent_id) if any(r.objective_id == parent_id for r in records) else []
    if not chain:
        return []
    stack = build_stack([*chain, RoundRecord(new_id, {"model": {"parent": parent_id}}, {})], policy.defaults.inherited_max_drop)
    return [c for c in stack.criteria if c.inherited]


def _append_round(register_text: str, entry: str) -> str:
    """The register text with `entry` appended to `rounds`, every existing byte kept."""
    try:
        node = node_at(compose(register_text), ("rounds",))
    except EditError as exc:
        raise InputError(f"cannot append to the register's rounds: {exc}") from exc
    lines = register_text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    if not isinstance(node, SequenceNode):
        raise InputError(f"line {node.start_mark.line + 1}: rounds is not a list")
    if node.flow_style or not node.value:
        if node.value:
            raise InputError(f"line {node.start_mark.line + 1}: rounds is written in flow style ([...]); write it as a block list")
        # rounds: [] -> the first block item, in place of the empty list
        start, end = node.start_mark.index, node.end_mark.index
        return register_text[:start].rstrip(" ") + newline + _indent(entry, 2).replace("\n", newline) + register_text[end:].lstrip("\r\n")
    indent = _dash_column(lines, node.value[0].start_mark.line)
    end_line = min(_last_line(node.value[-1]), len(lines) - 1)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += newline
    added = _indent(entry, indent).replace("\n", newline)
    return "".join(lines[: end_line + 1]) + added + "".join(lines[end_line + 1 :])


def _last_line(node: Node) -> int:
    """0-based index of the last line a node's text occupies (its last value's, for a block collection)."""
    if isinstance(node, MappingNode | SequenceNode) and not node.flow_style and node.value:
        last = node.value[-1]
        return _last_line(last[1] if isinstance(last, tuple) else last)
    end = node.end_mark
    return int(end.line - 1 if end.column == 0 and end.line > node.start_mark.line else end.line)


def _dash_column(lines: list[str], line: int) -> int:
    """Where the first item's '-' is: the indentation new items take."""
    return len(lines[line]) - len(lines[line].lstrip(" "))


def _indent(block: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in block.splitlines())


def _scalar(value: Any) -> str:
    """A value as YAML that reads back as the same value (JSON is YAML)."""
    if isinstance(value, str):
        return (
            value
            if _PLAIN.fullmatch(value) and value.lower() not in ("true", "false", "null", "yes", "no", "on", "off")
            else json.dumps(value)
        )
    return json.dumps(value)


def _flow(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def _inherited_comments(inherited: list[StackCriterion], parent_id: str) -> Iterator[str]:
    if not inherited:
        return
    yield f"# Inherited from earlier rounds of the parent chain up to {parent_id} (checks/ftgov/inheritance.py)."
    yield "# This round must also meet each of these; `ftgov register show` prints the same stack."
    yield "# Retiring one needs a reviewed retired_criteria entry in the register, never a silent drop."
    for c in inherited:
        threshold = f"{c.threshold.kind} {c.threshold.value:g}" if c.threshold else "no threshold"
        baseline = f" (recorded {c.baseline:g})" if c.baseline is not None else ""
        anchor = ""
        if c.tolerance is not None:
            achieved = f"{c.achieved:g}" if c.achieved is not None else "not recorded"
            anchor = f"; achieved {achieved} in {c.origin}, may fall at most {c.tolerance:g} below it"
        yield f"#   {c.ref} [{c.kind}] {c.metric.key}: {threshold} vs {c.compare_to}{baseline}{anchor}"


def _assessment_lines(policy: Policy, domain: str, carried: Mapping[str, Any]) -> Iterator[str]:
    """The domain's required assessments (policy domain_rules), each a TODO for this round to state."""
    required = policy.domain_rules.get(domain, ())
    if not required:
        return
    yield f"assessments:  # policy domain_rules for {domain}: state each for this round"
    for name in required:
        earlier = " (the parent's is a starting point)" if name in carried else ""
        yield f"  {name}:"
        yield f"    summary: TODO the conclusion of this round's {name} assessment{earlier}"
        yield "    reference: TODO where the full assessment is recorded"


def render_objective(
    objective_id: str,
    model: str,
    checkpoint: str,
    parent_id: str | None,
    parent: Mapping[str, Any] | None,
    policy: Policy,
    inherited: list[StackCriterion],
) -> str:
    parent_model = mapping(parent, "model") if parent else {}
    owners = mapping(parent, "owners") if parent else {}
    plan = mapping(parent, "configuration_plan") if parent else {}
    lines = [
        "# yaml-language-server: $schema=../../policies/objective.schema.json",
        f"# Scaffolded by `ftgov new {model}`: replace every TODO, then `ftgov check`.",
        "apiVersion: ftgov/v1",
        "kind: FineTuneObjective",
        f"id: {objective_id}",
        "model:",
        f"  name: {model}",
        f"  base: {_scalar(checkpoint)}",
        *([f"  parent: {parent_id}"] if parent_id else []),
        f"  risk_tier: {_scalar(text(parent_model, 'risk_tier') or 'high')}"
        + ("" if parent else "  # the strictest; lower it if review agrees"),
        f"  domain: {_scalar(text(parent_model, 'domain') or 'general')}",
        "rationale: TODO why this fine-tune is needed, for whom, and what it costs today",
        "hypothesis: TODO which behaviour should change, and why this data will change it",
        "expected_gains: [TODO]",
        "accepted_tradeoffs:",
        "  - {capability: TODO, description: TODO}",
        *_inherited_comments(inherited, parent_id or ""),
        "success_criteria:",
        "  - id: todo-criterion  # rename: the id later rounds inherit it by",
        "    description: TODO what must improve, in the domain's words",
        "    metric: {suite: TODO, task: TODO, name: TODO}",
        f"    compare_to: {'parent' if parent_id else 'base'}",
        "    min_improvement: 0.01  # TODO: the smallest improvement worth the change",
        "regression_boundaries:  # the policy's standing safety suite; add the capabilities this round must not lose",
    ]
    for standing in policy.standing_safety_suite:
        lines += [
            f"  - id: {standing.id}",
            f"    capability: standing safety suite ({standing.id})",
            f"    metric: {_flow(standing.metric)}",
            f"    compare_to: {standing.compare_to}",
            *([f"    max_drop: {standing.max_drop:g}"] if standing.max_drop is not None else []),
            *([f"    max_relative_drop: {standing.max_relative_drop:g}"] if standing.max_relative_drop is not None else []),
            "    safety: true",
        ]
    lines += [
        "dataset:",
        "  summary: TODO the data, its time span and how it was selected",
        "  sources:",
        f"    - {{name: {objective_id}-train, records: 0, split: train, rights: {{status: cleared, reference: TODO}}}}"
        "  # TODO: real sources; cleared only with a reference",
        f"  validation: {{source: {objective_id}-holdout, records: 0}}  # TODO: must not be a training source",
        "configuration_plan:" + ("  # the parent's plan; change what this round changes" if plan else "  # TODO: the planned run"),
    ]
    plan = plan or {"method": "lora", "learning_rate": 1.0e-4, "epochs": 1, "batch_size": 32}
    lines += [f"  {_scalar(key)}: {_flow(value)}" for key, value in plan.items()]
    lines += list(_assessment_lines(policy, text(parent_model, "domain") or "general", mapping(parent, "assessments") if parent else {}))
    lines += [
        "rollback:",
        f"  to: {parent_id or 'base'}",
        "  criteria: [TODO when to roll back]",
        "owners: " + (_flow(dict(owners)) if owners else "{technical_lead: TODO, risk_reviewer: TODO}"),
    ]
    return "\n".join(lines) + "\n"
