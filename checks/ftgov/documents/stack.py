"""The cumulative stack: every criterion round N must meet, anchored where it was declared (4.6, test 8.4).

Pure: takes the rounds of a model's parent chain (each objective's values and what the
register recorded for it) and returns the stack; `judge` compares a candidate's measured
values with it. No I/O, so the register rules, `ftgov register show` and `ftgov evaluate`
all read the same stack.

Drift across rounds (docs/why.md#drift-across-rounds) is the case this module exists for:
five rounds each judged only against their own objective can erode round 1's gain, each
slightly, without any one evaluation showing it. So an inherited
criterion keeps the metric, threshold and baseline of the round that declared it, and an
inherited success criterion may also fall at most `inherited_max_drop` below the value its
declaring round achieved. The anchor never moves to the parent, so small drops add up
against one fixed value instead of resetting each round.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ftgov.documents import direction
from ftgov.documents.thresholds import OBJECTIVE_KINDS, Threshold

THRESHOLD_KINDS = OBJECTIVE_KINDS  # the thresholds an objective's criterion may state, in the order they are read


@dataclass(frozen=True)
class Metric:
    suite: str
    name: str
    task: str | None = None
    higher_is_better: bool = True
    # Where the direction came from: "stated" (the document's higher_is_better), "known name"
    # (a conventional lower-is-better name such as perplexity) or "default" (higher is better).
    direction: str = "stated"

    @property
    def key(self) -> str:
        """How the register's evaluation.measured names the metric: suite/task/name, or suite/name."""
        return "/".join(part for part in (self.suite, self.task, self.name) if part)

    @classmethod
    def of(cls, data: Any) -> Metric | None:
        if not isinstance(data, Mapping):
            return None
        suite, name, task = data.get("suite"), data.get("name"), data.get("task")
        if not isinstance(suite, str) or not isinstance(name, str) or not (task is None or isinstance(task, str)):
            return None
        stated = data.get("higher_is_better")
        if isinstance(stated, bool):
            return cls(suite, name, task, stated, "stated")
        known = direction.known(name)
        return cls(suite, name, task, known is not False, "known name" if known is not None else "default")


def metric_key(data: Any) -> str | None:
    metric = Metric.of(data)
    return metric.key if metric is not None else None


@dataclass(frozen=True)
class RecordedValues:
    """One metric's values in one evaluation, as the register records them."""

    base: float | None = None
    parent: float | None = None
    candidate: float | None = None

    @classmethod
    def of(cls, data: Any) -> RecordedValues:
        values = data if isinstance(data, Mapping) else {}
        return cls(_number(values.get("base")), _number(values.get("parent")), _number(values.get("candidate")))


def measurements(data: Any) -> dict[str, RecordedValues]:
    """evaluation.measured as typed values (anything unreadable is left out)."""
    if not isinstance(data, Mapping):
        return {}
    return {str(key): RecordedValues.of(value) for key, value in data.items()}


@dataclass(frozen=True)
class RetiredCriterion:
    criterion: str  # <origin-objective-id>/<criterion-id>
    rationale: str
    approved_by: str
    retired_in: str  # the objective id of the round that recorded the retirement


@dataclass(frozen=True)
class RoundRecord:
    """One round as inheritance needs it: its objective's values and what the register recorded."""

    objective_id: str
    objective: Mapping[str, Any]
    measured: Mapping[str, RecordedValues]
    retired: tuple[RetiredCriterion, ...] = ()

    @property
    def parent(self) -> str | None:
        model = self.objective.get("model")
        parent = model.get("parent") if isinstance(model, Mapping) else None
        return parent if isinstance(parent, str) else None

    @classmethod
    def of(cls, objective: Mapping[str, Any], register_round: Mapping[str, Any]) -> RoundRecord:
        """From an objective document's values and its register entry."""
        objective_id = str(register_round.get("objective") or objective.get("id") or "")
        evaluation = register_round.get("evaluation")
        measured = measurements(evaluation.get("measured")) if isinstance(evaluation, Mapping) else {}
        entries = register_round.get("retired_criteria")
        retired = tuple(
            RetiredCriterion(
                criterion=str(entry.get("criterion", "")),
                rationale=str(entry.get("rationale", "")),
                approved_by=_roles(entry.get("approved_by")),
                retired_in=objective_id,
            )
            for entry in (entries if isinstance(entries, list) else [])
            if isinstance(entry, Mapping)
        )
        return cls(objective_id, objective, measured, retired)


def _roles(named: Any) -> str:
    """The roles a retirement names, as one line: [technical, risk] -> "technical, risk"; an older register's string as it is."""
    if isinstance(named, list):
        return ", ".join(str(role) for role in named)
    return str(named) if named is not None else ""


@dataclass(frozen=True)
class StackCriterion:
    """One criterion round N must meet, with where it came from."""

    id: str
    kind: str  # success | boundary
    origin: str  # the objective id that declared it
    inherited: bool
    metric: Metric
    compare_to: str  # base | parent
    threshold: Threshold | None
    # The reference value as recorded when the criterion was declared (None: round N's own,
    # taken from the evaluation being judged).
    baseline: float | None
    achieved: float | None  # what the declaring round's model measured
    tolerance: float | None  # inherited success criteria: how far below `achieved` round N may fall
    safety: bool = False  # a boundary marked safety: true, which blocks when inconclusive

    @property
    def ref(self) -> str:
        return f"{self.origin}/{self.id}"

    @property
    def floor(self) -> float | None:
        """The worst value an inherited success criterion allows: achieved minus the tolerance."""
        if self.tolerance is None or self.achieved is None:
            return None
        return self.achieved - self.tolerance if self.metric.higher_is_better else self.achieved + self.tolerance


@dataclass(frozen=True)
class Stack:
    objective: str  # round N
    chain: tuple[str, ...]  # objective ids, round 1 first, round N last
    criteria: tuple[StackCriterion, ...]
    retired: tuple[RetiredCriterion, ...]  # retirements that removed a criterion from the stack
    unknown_retirements: tuple[RetiredCriterion, ...]  # retirements naming no criterion of an earlier round


def ancestry(records: Sequence[RoundRecord], objective_id: str) -> list[RoundRecord]:
    """The parent chain ending at `objective_id`, round 1 first, among the register's rounds.

    A parent that is not among the records ends the chain; a cycle is cut where it closes.
    """
    by_id = {record.objective_id: record for record in records}
    chain: list[RoundRecord] = []
    seen: set[str] = set()
    current = by_id.get(objective_id)
    while current is not None and current.objective_id not in seen:
        seen.add(current.objective_id)
        chain.append(current)
        current = by_id.get(current.parent) if current.parent is not None else None
    return chain[::-1]


def criteria_of(objective: Mapping[str, Any]) -> Iterable[tuple[str, Mapping[str, Any]]]:
    """(kind, criterion) for every success criterion and regression boundary of an objective."""
    for kind, field in (("success", "success_criteria"), ("boundary", "regression_boundaries")):
        entries = objective.get(field)
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
                yield kind, entry


def build_stack(chain: Sequence[RoundRecord], default_inherited_max_drop: float) -> Stack:
    """Every criterion the last round of `chain` must meet (chain: round 1 first, as `ancestry` gives it)."""
    if not chain:
        raise ValueError("a stack needs at least one round")
    current = chain[-1]
    declared: dict[str, int] = {}  # criterion ref -> position of its declaring round in the chain
    for position, record in enumerate(chain):
        for _, entry in criteria_of(record.objective):
            declared[f"{record.objective_id}/{entry['id']}"] = position
    retired: list[RetiredCriterion] = []
    unknown: list[RetiredCriterion] = []
    retired_refs: set[str] = set()
    for position, record in enumerate(chain):
        for retirement in record.retired:
            origin = declared.get(retirement.criterion)
            if origin is None or origin >= position:  # only an earlier round's criterion can be retired
                unknown.append(retirement)
            elif retirement.criterion not in retired_refs:
                retired_refs.add(retirement.criterion)
                retired.append(retirement)
    criteria: list[StackCriterion] = []
    for position, record in enumerate(chain):
        inherited = position < len(chain) - 1
        previous = chain[position - 1] if position > 0 else None
        for kind, entry in criteria_of(record.objective):
            ref = f"{record.objective_id}/{entry['id']}"
            metric = Metric.of(entry.get("metric"))
            if metric is None or (inherited and ref in retired_refs):
                continue
            compare_to = _compare_to(kind, entry, record)
            measured = record.measured.get(metric.key, RecordedValues())
            tolerance = None
            if inherited and kind == "success":
                own = _number(entry.get("inherited_max_drop"))
                tolerance = own if own is not None else default_inherited_max_drop
            criteria.append(
                StackCriterion(
                    id=str(entry["id"]),
                    kind=kind,
                    origin=record.objective_id,
                    inherited=inherited,
                    metric=metric,
                    compare_to=compare_to,
                    threshold=_threshold(entry),
                    baseline=_declared_baseline(compare_to, measured, previous, metric.key) if inherited else None,
                    achieved=measured.candidate if inherited else None,
                    tolerance=tolerance,
                    safety=kind == "boundary" and entry.get("safety") is True,
                )
            )
    return Stack(current.objective_id, tuple(r.objective_id for r in chain), tuple(criteria), tuple(retired), tuple(unknown))


def _compare_to(kind: str, entry: Mapping[str, Any], record: RoundRecord) -> str:
    value = entry.get("compare_to")
    if value in ("base", "parent"):
        return str(value)
    # Defaults as the objective schema states them: boundaries compare to base; success
    # criteria to the parent, or to base in round 1.
    return "parent" if kind == "success" and record.parent is not None else "base"


def _threshold(entry: Mapping[str, Any]) -> Threshold | None:
    for kind in THRESHOLD_KINDS:
        value = _number(entry.get(kind))
        if value is not None:
            return Threshold(kind, value)
    return None


def _declared_baseline(compare_to: str, measured: RecordedValues, previous: RoundRecord | None, key: str) -> float | None:
    """The reference value as the register recorded it when the criterion was declared."""
    if compare_to == "base":
        return measured.base
    if measured.parent is not None:
        return measured.parent
    # The parent's value as recorded: what the parent round's own evaluation measured.
    return previous.measured.get(key, RecordedValues()).candidate if previous is not None else None


@dataclass(frozen=True)
class CriterionJudgement:
    criterion: StackCriterion
    status: str  # pass | fail | missing
    candidate: float | None
    baseline: float | None
    reasons: tuple[str, ...]  # why it failed or could not be judged; empty on pass

    @property
    def delta(self) -> float | None:
        return None if self.candidate is None or self.baseline is None else self.candidate - self.baseline

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons) if self.reasons else "met"


def judge(stack: Stack, measured: Mapping[str, RecordedValues]) -> tuple[CriterionJudgement, ...]:
    """Each criterion of the stack against a candidate's measured values.

    Round N's own criteria take their baseline from `measured` (base or parent value);
    inherited ones keep the baseline recorded when they were declared.
    """
    return tuple(_judge_one(criterion, measured.get(criterion.metric.key, RecordedValues())) for criterion in stack.criteria)


def verdict(judgements: Iterable[CriterionJudgement]) -> str:
    """pass only when every criterion passed; a missing value is not a pass."""
    return "pass" if all(j.status == "pass" for j in judgements) else "fail"


def _judge_one(criterion: StackCriterion, values: RecordedValues) -> CriterionJudgement:
    candidate = values.candidate
    baseline = criterion.baseline
    if not criterion.inherited:
        baseline = values.base if criterion.compare_to == "base" else values.parent
    key = criterion.metric.key
    if candidate is None:
        return CriterionJudgement(criterion, "missing", None, baseline, (f"no measured value for {key}",))
    failures: list[str] = []
    missing: list[str] = []
    threshold = criterion.threshold
    if threshold is None:
        missing.append("the criterion has no threshold")
    elif threshold.needs_reference and baseline is None:
        missing.append(f"no {criterion.compare_to} value recorded for {key}")
    else:
        limit = threshold.limit(criterion.metric.higher_is_better, baseline)
        if not limit.passes(limit.observed(candidate, baseline)):
            failures.append(_threshold_failure(criterion, threshold, candidate, baseline))
    if criterion.tolerance is not None:
        floor = criterion.floor
        if floor is None:
            missing.append(f"{criterion.origin} recorded no achieved value for {key}")
        elif not Threshold("min_value", floor).limit(criterion.metric.higher_is_better).passes(candidate):
            failures.append(
                f"{key} is {candidate:g}, more than {criterion.tolerance:g} below the {criterion.achieved:g} "
                f"{criterion.origin} achieved (floor {floor:g})"
            )
    if failures:
        return CriterionJudgement(criterion, "fail", candidate, baseline, tuple(failures + missing))
    if missing:
        return CriterionJudgement(criterion, "missing", candidate, baseline, tuple(missing))
    return CriterionJudgement(criterion, "pass", candidate, baseline, ())


def _threshold_failure(criterion: StackCriterion, threshold: Threshold, candidate: float, baseline: float | None) -> str:
    """Why a candidate's value fails the criterion's threshold, in the threshold's own terms."""
    key, versus = criterion.metric.key, criterion.compare_to
    if threshold.kind == "min_value" or baseline is None:
        return f"{key} is {candidate:g}, worse than min_value {threshold.value:g}"
    gain = (1.0 if criterion.metric.higher_is_better else -1.0) * (candidate - baseline)
    if threshold.kind == "min_improvement":
        return f"{key} improved by {gain:g} over {versus} ({baseline:g}), less than min_improvement {threshold.value:g}"
    if threshold.kind == "max_relative_drop":
        relative = -gain / abs(baseline) if baseline else math.inf
        return f"{key} dropped by {relative:.1%} from {versus} ({baseline:g}), more than max_relative_drop {threshold.value:.1%}"
    return f"{key} dropped by {-gain:g} from {versus} ({baseline:g}), more than {threshold.kind} {threshold.value:g}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return float(value)
    except OverflowError:  # an integer beyond any float
        return float("inf") if value > 0 else float("-inf")
