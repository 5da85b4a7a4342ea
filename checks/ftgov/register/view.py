"""`ftgov register show`: the cumulative stack of a model's latest round, as a reviewer reads it.

The stack comes from `inheritance` (the same module the register rules and the evaluation
use), so what is shown is exactly what a round is judged against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ftgov.documents import paths
from ftgov.documents.access import mapping, sequence, text
from ftgov.documents.corrected import corrected
from ftgov.documents.document import Document
from ftgov.documents.errors import InputError
from ftgov.documents.repository import Repository
from ftgov.documents.stack import RoundRecord, StackCriterion, ancestry, build_stack
from ftgov.documents.validate import RegisterFiles
from ftgov.register import ops


@dataclass(frozen=True)
class RegisterView:
    model: str
    base: str | None
    path: str
    rounds: tuple[dict[str, Any], ...]  # every round: objective, status, verdict, decision
    latest: str
    latest_status: str
    chain: tuple[str, ...]
    criteria: tuple[dict[str, Any], ...]
    retired: tuple[dict[str, Any], ...]
    missing_objectives: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "base": self.base,
            "register": self.path,
            "latest": {"objective": self.latest, "status": self.latest_status},
            "chain": list(self.chain),
            "rounds": list(self.rounds),
            "criteria": list(self.criteria),
            "retired": list(self.retired),
            "missing_objectives": list(self.missing_objectives),
        }


def show(repo: Repository, model: str, round_id: str | None = None) -> RegisterView:
    """The stack of MODEL's latest round, or of round_id (`ftgov report pr` shows each round a PR touches)."""
    register = ops.load_register(repo, model)
    policy = ops.load_policy(repo)
    files = RegisterFiles(repo)
    entries = [corrected(entry) for entry in register.rounds]  # a corrected value is the value
    if not entries:
        raise InputError(f"{register.path}: records no rounds yet; `ftgov new {model}` starts round 1")
    records: list[RoundRecord] = []
    missing: list[str] = []
    for entry in entries:
        objective_id = str(entry.get("objective"))
        objective_path = paths.objective_path(model, objective_id)
        raw = files.read_bytes(objective_path)
        document: Document | None = files.parse(raw, objective_path) if raw is not None else None
        if document is None or document.kind != "FineTuneObjective":
            missing.append(objective_id)
            continue
        records.append(RoundRecord.of(document.data, entry))
    chosen = [e for e in entries if str(e.get("objective")) == round_id] if round_id is not None else entries
    if not chosen:
        raise InputError(f"{register.path}: records no round {round_id}")
    latest = chosen[-1]
    latest_id = str(latest.get("objective"))
    if latest_id in missing:
        raise InputError(
            f"{paths.objective_path(model, latest_id)}: the latest round's objective is missing or unreadable; `ftgov check` says why"
        )
    chain = ancestry(records, latest_id)
    stack = build_stack(chain, policy.defaults.inherited_max_drop)
    own = chain[-1].measured
    criteria = tuple(_criterion(c, own) for c in stack.criteria)
    retired = tuple(
        {"criterion": r.criterion, "rationale": r.rationale, "approved_by": r.approved_by, "retired_in": r.retired_in}
        for r in stack.retired
    )
    rounds = tuple(
        {
            "objective": str(e.get("objective")),
            "status": str(e.get("status")),
            "verdict": text(mapping(e, "evaluation"), "verdict"),
            "decision": text(mapping(e, "decision"), "action"),
            "withdrawal": text(mapping(e, "withdrawal"), "action"),
            # planned fields no file of the run stated (record-run); shown, since nothing shows they were as planned
            "unverified": [str(name) for name in sequence(mapping(e, "run"), "unverified")],
            "data": data_summary(mapping(e, "data")),
        }
        for e in entries
    )
    return RegisterView(
        model=model,
        base=text(register.document.data, "base"),
        path=register.path,
        rounds=rounds,
        latest=latest_id,
        latest_status=str(latest.get("status")),
        chain=stack.chain,
        criteria=criteria,
        retired=retired,
        missing_objectives=tuple(missing),
    )


def data_summary(data: dict[str, Any]) -> dict[str, Any] | None:
    """A round's recorded data evidence (`ftgov data check --record`) as reviewers read it: counts, never a stored share."""
    if not data:
        return None
    overlap = mapping(data, "overlap")
    pairs = [("validation", mapping(overlap, "train_validation"))] if "train_validation" in overlap else []
    pairs += [("evaluation", entry) for entry in mapping(overlap, "train_eval").values() if isinstance(entry, dict)]
    return {
        "measured_at": data.get("measured_at"),
        "sources": [
            {k: s.get(k) for k in ("name", "role", "records", "declared", "sha256")}
            for s in sequence(data, "sources")
            if isinstance(s, dict)
        ],
        "overlap": [
            {"against": against, **{k: entry.get(k) for k in ("source", "records", "exact", "near", "contaminated", "shared_ids")}}
            for against, entry in pairs
        ],
        "agreement": [dict(a) for a in sequence(data, "agreement") if isinstance(a, dict)],
        "dates": [dict(d) for d in sequence(data, "dates") if isinstance(d, dict)],
    }


def _criterion(criterion: StackCriterion, own: Any) -> dict[str, Any]:
    # Round N's own criteria: what it achieved, once it has been evaluated.
    achieved = criterion.achieved if criterion.inherited else getattr(own.get(criterion.metric.key), "candidate", None)
    threshold = criterion.threshold
    return {
        "ref": criterion.ref,
        "id": criterion.id,
        "kind": criterion.kind,
        "origin": criterion.origin,
        "inherited": criterion.inherited,
        "metric": criterion.metric.key,
        "higher_is_better": criterion.metric.higher_is_better,
        "compare_to": criterion.compare_to,
        "threshold": {"kind": threshold.kind, "value": threshold.value} if threshold is not None else None,
        "baseline": criterion.baseline,
        "achieved": achieved,
        "tolerance": criterion.tolerance,
        "floor": None if criterion.floor is None else round(criterion.floor, 12),  # 0.81 - 0.01, not 0.8000000000000002
    }
