"""FTG4xx: objectives agree with each other and with the repository layout."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ftgov.documents import paths
from ftgov.documents.access import mapping, text
from ftgov.documents.findings import Finding, Rule, Severity

E = Severity.ERROR

DUPLICATE_ID = Rule(
    "FTG401",
    "duplicate-objective-id",
    E,
    """
Two objective documents have the same id.

Why this matters: the gate, the register and evaluation reports find an objective by
its id; two documents with one id make "was this objective approved?" ambiguous.

Example: objectives/support-agent/support-agent-r2.yaml and
objectives/support-agent/support-agent-r2-copy.yaml both say `id: support-agent-r2`.

Fix: give the new round a new id (and file name).
""",
    waivable=False,
)

MISPLACED = Rule(
    "FTG402",
    "objective-misplaced",
    E,
    """
The objective is not at objectives/<model.name>/<id>.yaml.

Why this matters: the gate resolves an id to exactly that path on the default branch,
and CODEOWNERS rules are written per model folder; a misplaced file escapes both.

Example: id support-agent-r3 saved as objectives/support-agent/r3.yaml.

Fix: move the file (git mv) to the path in the message, or correct id / model.name.
""",
    waivable=False,
)

PARENT_MISSING = Rule(
    "FTG403",
    "parent-missing",
    E,
    """
model.parent names an objective that does not exist in the repository.

Why this matters: round N inherits the success criteria of rounds 1..N-1 as regression
boundaries (AG-341 4.6); a broken parent link drops that history and with it the
protection against small drops adding up across rounds (docs/why.md#drift-across-rounds).

Example: `parent: support-agent-r2` with no objective of that id.

Fix: correct the parent id, or add the parent round's objective.
""",
)

PARENT_OTHER_MODEL = Rule(
    "FTG404",
    "parent-other-model",
    E,
    """
model.parent names an objective of a different model.

Why this matters: a round's register, inherited criteria and rollback target are
per model; a parent from another model mixes two capability stacks.

Example: support-agent-r3 with `parent: claims-router-r2`.

Fix: use the previous round of the same model, or correct model.name.
""",
)

ROLLBACK_UNKNOWN = Rule(
    "FTG405",
    "rollback-target-unknown",
    E,
    """
rollback.to is neither an objective of the same model nor the model's base checkpoint (`base` or model.base).

Why this matters: a rollback plan pointing at nothing cannot be executed when a
boundary fails in production.

Example: `rollback: {to: support-agent-r9}` when r9 does not exist.

Fix: name an earlier round's objective id, or `base` (the model.base checkpoint, as in
`compare_to: base`), or the exact model.base value.
""",
)

PARENT_CYCLE = Rule(
    "FTG406",
    "parent-cycle",
    E,
    """
Following model.parent leads back to the same objective.

Why this matters: the cumulative register orders rounds by their parent chain; a cycle
has no first round, so no inheritance can be computed.

Example: r2's parent is r3 and r3's parent is r2.

Fix: make the parent chain run from each round back to round 1.
""",
    waivable=False,
)

RULES = (DUPLICATE_ID, MISPLACED, PARENT_MISSING, PARENT_OTHER_MODEL, ROLLBACK_UNKNOWN, PARENT_CYCLE)


@dataclass(frozen=True)
class ObjectiveSummary:
    """What cross-document rules need from one objective; cheap to pass between processes."""

    path: str
    id: str | None
    model: str | None
    parent: str | None
    base: str | None
    rollback_to: str | None

    @classmethod
    def of(cls, path: str, data: dict[str, Any]) -> ObjectiveSummary:
        model = mapping(data, "model")
        return cls(
            path=path,
            id=text(data, "id"),
            model=text(model, "name"),
            parent=text(model, "parent"),
            base=text(model, "base"),
            rollback_to=text(mapping(data, "rollback"), "to"),
        )


class ObjectiveIndex:
    """Finds objectives by id: from every summary (full runs), or on demand (named files).

    On demand relies on the layout FTG402 enforces: an objective with id X lives at
    objectives/*/X.yaml, so a lookup reads only the few files that can hold X.
    """

    def __init__(self, known: Iterable[ObjectiveSummary], lookup: Callable[[str], list[ObjectiveSummary]] | None = None) -> None:
        self._by_id: dict[str, list[ObjectiveSummary]] = defaultdict(list)
        self._lookup = lookup
        self._looked_up: set[str] = set()
        for summary in known:
            self._add(summary)

    def _add(self, summary: ObjectiveSummary) -> None:
        if summary.id is not None and all(s.path != summary.path for s in self._by_id[summary.id]):
            self._by_id[summary.id].append(summary)

    def find(self, objective_id: str) -> list[ObjectiveSummary]:
        if self._lookup is not None and objective_id not in self._looked_up:
            self._looked_up.add(objective_id)
            for summary in self._lookup(objective_id):
                self._add(summary)
        return sorted(self._by_id.get(objective_id, []), key=lambda s: s.path)


def check(targets: Iterable[ObjectiveSummary], index: ObjectiveIndex) -> Iterator[Finding]:
    """Cross-document findings for each target objective."""
    for objective in targets:
        yield from _check_one(objective, index)


def _check_one(objective: ObjectiveSummary, index: ObjectiveIndex) -> Iterator[Finding]:
    path = objective.path
    if objective.id is None:
        return
    twins = [o.path for o in index.find(objective.id) if o.path != objective.path]
    if twins:
        yield DUPLICATE_ID.at(path, ("id",), f"id '{objective.id}' is also used by {', '.join(sorted(twins))}")
    if objective.model is not None:
        expected = paths.objective_path(objective.model, objective.id)
        if path != expected:
            yield MISPLACED.at(path, ("id",), f"objective '{objective.id}' of model {objective.model} must be at {expected}")
    if objective.parent is not None:
        parents = index.find(objective.parent)
        if not parents:
            yield PARENT_MISSING.at(path, ("model", "parent"), f"parent '{objective.parent}' is not an objective in this repository")
        elif parents[0].model != objective.model:
            yield PARENT_OTHER_MODEL.at(
                path, ("model", "parent"), f"parent '{objective.parent}' belongs to model {parents[0].model}, not {objective.model}"
            )
        seen = {objective.id}
        current = parents[0] if parents else None
        while current is not None and current.parent is not None:
            if current.parent in seen or current.id == objective.id:
                yield PARENT_CYCLE.at(path, ("model", "parent"), f"parent chain from '{objective.id}' returns to '{current.parent}'")
                break
            seen.add(current.id or "")
            following = index.find(current.parent)
            current = following[0] if following else None
    target = objective.rollback_to
    # `base` means the model.base checkpoint, as it does in compare_to (the objective schema: rollback.to).
    if target is not None and target not in ("base", objective.base):
        candidates = index.find(target)
        if not candidates or candidates[0].model != objective.model or target == objective.id:
            yield ROLLBACK_UNKNOWN.at(
                path,
                ("rollback", "to"),
                f"rollback target '{target}' is not an earlier objective of model {objective.model}, nor base / model.base",
            )
