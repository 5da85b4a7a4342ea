"""Compare a candidate's results with its baselines, criterion by criterion: the Verdict.

    results files --adapters--> MetricTable --+
    objective + policy + register stack ------+--compare--> Verdict

Each criterion gets a delta, a confidence interval and a status:
- pass: the whole interval lies on the allowed side of the threshold;
- fail: the whole interval lies on the wrong side;
- inconclusive: the interval straddles the threshold, or the evidence gives no uncertainty at
  all (a value with no items, stderr or n) and the policy does not accept point estimates.
  Safety boundaries block when inconclusive; the policy's `inconclusive` decides for the rest;
- missing: the comparison cannot be made (the metric is absent from either run, no
  baseline exists, or the runs differ in a setting one of them recorded).
  A comparison that cannot be made is never a pass.

Multiple comparisons: each criterion's "it passes" and "it fails" claims are one-sided tests
at its threshold; Holm's step-down over all of them keeps the chance of any false claim in
one evaluation at ALPHA, and each interval is shown at the level its deciding claim was tested.
The moves outside the criteria are a second family, Bonferroni-corrected (they only warn).

Direction comes from the objective or the policy (or a well-known lower-is-better name);
a results file that states the opposite is an input error. The forgetting guard over metrics
no criterion names takes the tool's stated direction, else the name's, else judges both ways.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ftgov.documents import direction
from ftgov.documents.blocking import blocks
from ftgov.documents.policy import Policy
from ftgov.documents.stack import Metric, RoundRecord, Stack, build_stack
from ftgov.documents.thresholds import CHANGE, EPSILON, VALUE, Limit, Threshold, quantity_of
from ftgov.evaluation import statistics as stats
from ftgov.evaluation.results.table import Items, Measurement, MetricTable, ResultsError, Settings

ALPHA = 0.05
CORRECTION = "holm"
POWER_Z = 0.8416  # z of 80% power, for the rough count of items that would settle an inconclusive criterion
KINDS = ("success", "boundary", "standing-safety", "default-general", "default-tail", "calibration", "inherited")
_REPORT_ORDER = ("fail", "missing", "inconclusive", "pass")
RECORDED_FORMAT = "register"  # the provenance format of reference values read from the register, not from a run
_FLIPPED_SHOWN = 50  # item ids listed per metric; the count is always complete
NO_UNCERTAINTY = "no uncertainty given"


@dataclass(frozen=True)
class Criterion:
    """One thing the candidate must meet. `metric` None: expanded over the results (default-general, calibration)."""

    id: str
    kind: str  # one of KINDS
    origin: str  # the objective id that declared it, or "policy"
    metric: tuple[str, str | None, str] | None  # (suite, task, name)
    threshold: str | None  # one of thresholds.KINDS: min_improvement | min_value | max_drop | max_relative_drop | max_ece_increase
    value: float | None
    compare_to: str = "base"
    higher_is_better: bool | None = True  # None: nobody gives a direction (the forgetting guard judges both ways)
    recorded_baseline: float | None = None  # inherited: the reference the register recorded when it was declared
    floor: float | None = None  # inherited success: the worst value allowed (achieved minus inherited_max_drop)
    tolerance: float | None = None  # inherited success: inherited_max_drop; with no floor, its round recorded no achieved value
    recorded_settings: Settings | None = None  # inherited: the settings the declaring round's values were measured with
    safety: bool = False  # blocks when inconclusive, whatever the policy's `inconclusive` says
    direction: str = "stated"  # where higher_is_better came from: stated | known name | default | results file | unknown | conflicting
    tasks: tuple[str, ...] = ()  # calibration: the tasks or groups the objective scoped it to

    @property
    def key(self) -> str:
        if self.metric is None:
            return "*"
        return "/".join(part for part in self.metric if part)


@dataclass(frozen=True)
class Result:
    criterion: Criterion
    metric: str
    status: str
    baseline: float | None = None
    candidate: float | None = None
    delta: float | None = None
    ci: tuple[float, float] | None = None
    method: str = ""
    reasons: tuple[str, ...] = ()
    flipped: tuple[str, ...] = ()  # items right in the baseline and wrong in the candidate (first _FLIPPED_SHOWN)
    flipped_count: int = 0
    level: float | None = None  # the two-sided level of the interval shown
    items_to_settle: int | None = None  # inconclusive: roughly how many items would settle it at the observed effect
    point_estimate: bool = False  # judged without uncertainty, because the policy accepts point estimates
    verified: Mapping[str, bool] = field(default_factory=dict)  # role -> a model card's verified flag, where given

    def to_json(self) -> dict[str, Any]:
        c = self.criterion
        return {
            "id": c.id,
            "kind": c.kind,
            "origin": c.origin,
            "metric": self.metric,
            "compare_to": c.compare_to,
            "threshold": None if c.threshold is None else {c.threshold: c.value},
            "floor": c.floor,
            "higher_is_better": c.higher_is_better,
            "direction_from": c.direction,
            "safety": c.safety,
            "baseline": self.baseline,
            "candidate": self.candidate,
            "delta": self.delta,
            "ci": None if self.ci is None else list(self.ci),
            "ci_of": "delta" if self.delta is not None else "candidate",
            "ci_level": self.level,
            "status": self.status,
            "method": self.method,
            "reason": "; ".join(self.reasons),
            "items_to_settle": self.items_to_settle,
            "point_estimate": self.point_estimate,
            "verified": dict(self.verified),
            "flipped_right_to_wrong": {"count": self.flipped_count, "items": list(self.flipped)},
        }


@dataclass(frozen=True)
class Move:
    """A metric present in the candidate and a reference run, whether or not a criterion names it."""

    metric: str
    reference: str  # base | parent
    baseline: float
    candidate: float
    delta: float
    ci: tuple[float, float] | None
    method: str
    named: bool  # some criterion reads this metric
    warning: str | None
    flipped: tuple[str, ...] = ()
    flipped_count: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "reference": self.reference,
            "baseline": self.baseline,
            "candidate": self.candidate,
            "delta": self.delta,
            "ci": None if self.ci is None else list(self.ci),
            "method": self.method,
            "in_objective": self.named,
            "warning": self.warning,
            "flipped_right_to_wrong": {"count": self.flipped_count, "items": list(self.flipped)},
        }


@dataclass(frozen=True)
class Verdict:
    objective: str
    verdict: str  # pass | fail
    criteria: tuple[Result, ...]
    moves: tuple[Move, ...]
    method: dict[str, Any]
    inputs: tuple[dict[str, str], ...]  # role, path, sha256, format
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        ordered = sorted(self.criteria, key=lambda r: _REPORT_ORDER.index(r.status))  # what blocks first
        return {
            "objective": self.objective,
            "verdict": self.verdict,
            "criteria": [r.to_json() for r in ordered],
            "moved": [m.to_json() for m in self.moves],
            "warnings": list(self.warnings),
            "method": self.method,
            "inputs": list(self.inputs),
        }


# Building the criteria


def build_criteria(objective: Mapping[str, Any], policy: Policy, stack: Stack | None = None) -> list[Criterion]:
    """Every criterion of an evaluation: the stack (own and inherited), standing safety, defaults, calibration.

    Without a stack (no register yet), the objective's own criteria are the stack.
    """
    objective_id = str(objective.get("id", ""))
    if stack is None:
        stack = build_stack([RoundRecord.of(objective, {"objective": objective_id})], policy.defaults.inherited_max_drop)
    flags = _boundary_flags(objective)
    criteria: list[Criterion] = []
    for sc in stack.criteria:
        threshold = sc.threshold
        kind = "inherited" if sc.inherited else sc.kind
        name, value = (threshold.kind, threshold.value) if threshold is not None else (None, None)
        if not sc.inherited and sc.kind == "boundary" and threshold is None:
            if "tail" in flags.get(sc.id, ()):
                kind, name, value = "default-tail", "max_relative_drop", policy.defaults.tail_max_relative_drop
            elif "general_capability" in flags.get(sc.id, ()):
                kind, name, value = "default-general", "max_relative_drop", policy.defaults.general_capability_max_relative_drop
        criteria.append(
            Criterion(
                id=sc.id,
                kind=kind,
                origin=sc.origin,
                metric=(sc.metric.suite, sc.metric.task, sc.metric.name),
                threshold=name,
                value=value,
                compare_to=sc.compare_to,
                higher_is_better=sc.metric.higher_is_better,
                recorded_baseline=sc.baseline if sc.inherited else None,
                floor=sc.floor,
                tolerance=sc.tolerance,
                safety=sc.safety,
                direction=sc.metric.direction,
            )
        )
    own = [c for c in criteria if c.origin == objective_id and c.kind in ("boundary", "default-tail", "default-general")]
    for standing in policy.standing_safety_suite:
        declared = Metric.of(standing.metric) or Metric(str(standing.metric.get("suite")), str(standing.metric.get("name")))
        metric = (declared.suite, declared.task, declared.name)
        kind, limit = (
            ("max_drop", standing.max_drop) if standing.max_drop is not None else ("max_relative_drop", standing.max_relative_drop)
        )
        match = next((c for c in own if c.id == standing.id), None) or next((c for c in own if c.metric == metric), None)
        if match is None:
            criteria.append(
                Criterion(
                    standing.id,
                    "standing-safety",
                    "policy",
                    metric,
                    kind,
                    limit,
                    standing.compare_to,
                    declared.higher_is_better,
                    safety=True,
                    direction=declared.direction,
                )
            )
            continue
        tighter = match.threshold == kind and match.value is not None and limit is not None and match.value <= limit
        replacement = replace(match, kind="standing-safety", safety=True)
        if not tighter:  # the objective may be stricter than the policy, never looser (FTG305)
            replacement = replace(replacement, metric=metric, threshold=kind, value=limit, compare_to=standing.compare_to)
        criteria[criteria.index(match)] = replacement
    if not any("general_capability" in f for f in flags.values()):
        limit = policy.defaults.general_capability_max_relative_drop
        criteria.append(Criterion("general-capability", "default-general", "policy", None, "max_relative_drop", limit))
    calibration = objective.get("calibration")
    calibration = calibration if isinstance(calibration, Mapping) else {}
    declared_limit = calibration.get("max_ece_increase")
    raw_tasks = calibration.get("tasks")
    tasks = tuple(str(t) for t in raw_tasks) if isinstance(raw_tasks, list) else ()
    if isinstance(declared_limit, (int, float)) and not isinstance(declared_limit, bool):
        limit, origin = float(declared_limit), objective_id
    else:
        limit, origin = policy.defaults.max_ece_increase, ("policy" if not tasks else objective_id)
    criteria.append(Criterion("calibration", "calibration", origin, None, "max_ece_increase", limit, "base", False, tasks=tasks))
    return criteria


def _boundary_flags(objective: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    entries = objective.get("regression_boundaries")
    found: dict[str, tuple[str, ...]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
            found[entry["id"]] = tuple(flag for flag in ("general_capability", "tail", "safety") if entry.get(flag) is True)
    return found


# Comparing


@dataclass
class _Context:
    candidate: MetricTable
    references: Mapping[str, MetricTable]
    resamples: int
    seed: int
    accept_points: bool


@dataclass
class _Check:
    """One threshold a criterion must meet: an estimate against a limit, as a pass claim and a fail claim.

    The limit (documents/thresholds.py, shared with the register's judgement of recorded values)
    says which quantity is compared with what, and which side is allowed; here it becomes two
    one-sided claims: the estimate lies inside the allowed side, or outside it.
    """

    estimate: stats.Estimate
    limit: Limit
    label: str
    what: str
    p_pass: float = 1.0
    p_fail: float = 1.0
    status: str = "inconclusive"
    level: float = ALPHA  # the one-sided level the deciding claim was tested at

    @property
    def sign(self) -> float | None:
        """+1: higher is better, -1: lower is better, None: both ways (the band [-need, +need])."""
        return self.limit.sign

    @property
    def need(self) -> float:
        """The smallest acceptable value in "better is larger" units (sign x estimate), or the band's half-width."""
        return self.limit.need

    def __post_init__(self) -> None:
        e = self.estimate
        low, high = self.limit.allowed
        if self.sign is None:
            self.p_pass = max(e.p_above(low), e.p_below(high))
            self.p_fail = min(1.0, 2.0 * min(e.p_below(low), e.p_above(high)))
        elif self.sign > 0:
            self.p_pass, self.p_fail = e.p_above(low), e.p_below(low)
        else:
            self.p_pass, self.p_fail = e.p_below(high), e.p_above(high)
        if _exact(e):
            # A value taken as exact has nothing to test: the shared rule decides, as it does for the
            # register's recorded values. The estimate's own float tolerance would otherwise let both
            # claims hold at the limit, and the fail claim win.
            if self.limit.passes(e.value):
                self.p_fail = 1.0
            else:
                self.p_pass = 1.0


def _exact(estimate: stats.Estimate) -> bool:
    """Whether an estimate has no uncertainty at all: point estimates the policy accepted, and differences of them."""
    if isinstance(estimate, stats.Fixed):
        return True
    if isinstance(estimate, stats.Shifted):
        return _exact(estimate.inner)
    if isinstance(estimate, stats.Difference):
        return _exact(estimate.first) and _exact(estimate.second)
    return False


@dataclass
class _Assessment:
    """A criterion before Holm has said which claims hold."""

    criterion: Criterion
    metric: str
    checks: list[_Check] = field(default_factory=list)
    status: str | None = None  # decided without a test: missing, or inconclusive for want of uncertainty
    baseline: float | None = None
    candidate: float | None = None
    delta: float | None = None
    shown: stats.Estimate | None = None  # the estimate whose interval the report shows
    reasons: list[str] = field(default_factory=list)
    flipped: tuple[str, ...] = ()
    flipped_count: int = 0
    point_estimate: bool = False
    verified: dict[str, bool] = field(default_factory=dict)


def compare(
    objective_id: str,
    criteria: Sequence[Criterion],
    candidate: MetricTable,
    base: MetricTable | None = None,
    parent: MetricTable | None = None,
    *,
    inconclusive: str = "block",
    point_estimates: str = "inconclusive",
    warn_relative_drop: float = 0.10,
    resamples: int = stats.RESAMPLES,
    seed: int = stats.SEED,
    progress: Callable[[int, int], None] | None = None,
) -> Verdict:
    references = {role: table for role, table in (("base", base), ("parent", parent)) if table is not None}
    expanded = _expand(criteria, candidate, references)
    context = _Context(candidate, references, resamples, seed, point_estimates == "accept")
    assessed: list[_Assessment] = []
    for c in expanded:
        assessed.append(_assess(c, context))
        if progress is not None:
            progress(len(assessed), len(expanded))
    claims = _settle(assessed)
    results = tuple(_result(a) for a in assessed)
    named = {r.metric for r in results}
    moves = _moves(candidate, references, named, warn_relative_drop, resamples, seed)
    warnings = [f"{m.metric} vs {m.reference}: {m.warning}" for m in moves if m.warning]
    warnings.extend(_unused_unusable(candidate, references, expanded))
    warnings.extend(note for table in (candidate, *references.values()) for note in table.notes)
    warnings.extend(
        f"{r.criterion.id} ({r.metric}) is inconclusive; the policy lets it pass with a warning"
        for r in results
        if r.status == "inconclusive" and not blocks(r.status, r.criterion.safety, inconclusive)
    )
    warnings.extend(
        f"{r.criterion.id} ({r.metric}) was judged as a point estimate: no uncertainty was given, and the policy accepts point estimates"
        for r in results
        if r.point_estimate
    )
    verdict = "fail" if any(blocks(r.status, r.criterion.safety, inconclusive) for r in results) else "pass"
    method = {
        "alpha": ALPHA,
        "correction": (
            f"Holm step-down over {claims} one-sided claims (each threshold's 'passes' and 'fails'), family-wise error {ALPHA}; "
            "each interval is two-sided at the level its deciding claim was tested (ci_level)"
        ),
        "one_value": "0/1 items or a [0, 1] value with n: Clopper–Pearson; other items: bootstrap; a stderr: normal",
        "paired": "per-item values on both sides, matched by item id: 0/1 items: Tango's score interval (exact McNemar p shown); "
        "other values: paired bootstrap (constant differences in [0, 1]: the score interval of no item changing)",
        "unpaired": "no per-item values: MOVER (Newcombe's square-and-add) of each run's own interval",
        "no_uncertainty": f"a value with no items, stderr or n: {point_estimates}"
        + (" (judged as exact and flagged)" if point_estimates == "accept" else " (proves nothing either way)"),
        "safety": "safety boundaries (the standing suite and safety: true) block when inconclusive",
        "settle": f"an inconclusive criterion gives roughly the items that would settle it at the observed effect with {0.8:.0%} power",
        "resamples": resamples,
        "seed": seed,
        "ece": f"{stats.ECE_BINS} equal-width bins on [0, 1], bin k = [k/{stats.ECE_BINS}, (k+1)/{stats.ECE_BINS}), the last closed; L1",
        "relative_drop": "max_relative_drop is judged as an absolute drop of value x |baseline| (the baseline as measured)",
        "direction": "from the objective or policy (else a well-known lower-is-better name, else higher); "
        "the forgetting guard: the tool's stated direction, else the name's, else both ways",
        "inconclusive": inconclusive,
        "point_estimates": point_estimates,
    }
    inputs = tuple(
        {"role": role, "path": p.path, "sha256": p.sha256, "format": p.format}
        for role, table in (("candidate", candidate), *references.items())
        for p in table.sources
    )
    return Verdict(objective_id, verdict, results, moves, method, inputs, tuple(dict.fromkeys(warnings)))


def _expand(criteria: Sequence[Criterion], candidate: MetricTable, references: Mapping[str, MetricTable]) -> list[Criterion]:
    """Templates (metric None) become one criterion per metric they cover."""
    named = set()
    for c in criteria:
        if c.metric is not None:
            found, _ = candidate.find(*c.metric)
            if found is not None:
                named.add(found.key)
    expanded: list[Criterion] = []
    for c in criteria:
        if c.metric is not None:
            expanded.append(c)
        elif c.kind == "calibration":
            expanded.extend(_calibration_units(c, candidate, references))
        elif c.kind == "default-general":
            # The objective names no general-capability boundary, so the policy default guards
            # every other metric both runs measured: a drop anywhere is forgetting until shown otherwise.
            base = references.get(c.compare_to)
            others = [m for m in candidate if m.key not in named and base is not None and base.find(m.suite, m.task, _name(m))[0]]
            if not others:
                expanded.append(c)
            expanded.extend(_guarded(c, m, base) for m in others)
        else:
            expanded.append(c)
    return expanded


def _guarded(c: Criterion, m: Measurement, base: MetricTable | None) -> Criterion:
    """The forgetting guard over one metric no criterion names: the tool's direction, else the name's, else both ways."""
    ref = base.find(m.suite, m.task, _name(m))[0] if base is not None else None
    stated = {x.higher_is_better for x in (m, ref) if x is not None and x.higher_is_better is not None}
    higher, source = direction.agreed(stated, m.metric)
    return replace(c, id=f"general-capability:{m.key}", metric=(m.suite, m.task, _name(m)), higher_is_better=higher, direction=source)


def _calibration_units(c: Criterion, candidate: MetricTable, references: Mapping[str, MetricTable]) -> list[Criterion]:
    """One calibration criterion per unit: each task or group the objective names, else each group and ungrouped task.

    A unit counts wherever EITHER run logged confidences, so a metric whose confidences
    vanished from one side (a deleted samples file) is judged missing, never left out.
    """
    sides = [candidate, *(t for role, t in references.items() if role == c.compare_to)]
    grouped = {member for table in sides for _, members in table.groups for member in members}
    with_confidence: dict[tuple[str, str | None, str], str] = {}
    for table in sides:
        for m in table:
            if m.items is None or m.items.confidences is None:
                continue
            in_scope = (m.task in c.tasks) if c.tasks else (m.task not in grouped)
            if in_scope:
                with_confidence.setdefault((m.suite, m.task, _name(m)), m.key)
    units = [replace(c, id=f"calibration:{key}", metric=metric) for metric, key in with_confidence.items()]
    covered = {metric[1] for metric in with_confidence}
    for task in c.tasks:
        if task not in covered:  # named by the objective: judged missing, nothing to compute ECE from
            units.append(replace(c, id=f"calibration:{task}", metric=None))
    if not c.tasks and not units and c.origin != "policy":
        units.append(c)  # the objective declared calibration: judged missing, nothing to compute ECE from
    # The policy's default applies wherever confidences exist; runs that log none have no
    # calibration to lose unless the objective declared one (then it is missing, above).
    return units


def _name(m: Measurement) -> str:
    return m.metric if m.primary else f"{m.metric},{m.filter}"


def _unused_unusable(candidate: MetricTable, references: Mapping[str, MetricTable], criteria: Sequence[Criterion]) -> list[str]:
    """Non-finite values no criterion needs: said, not fatal (a criterion that needs one is an input error in _assess)."""
    wanted = {(c.metric[0], c.metric[1], c.metric[2].partition(",")[0]) for c in criteria if c.metric is not None}
    return [
        f"{u.path}: {u.key} ({u.filter}) is {u.raw}, not a finite number; no criterion uses it, so it is left out"
        for table in (candidate, *references.values())
        for u in table.unusable
        if (u.suite, u.task, u.metric) not in wanted
    ]


def _assess(c: Criterion, ctx: _Context) -> _Assessment:
    if c.metric is None:
        if c.kind == "calibration":
            where = f"{c.tasks[0]}: " if c.tasks else ""
            return _missing(c, "*/ece", f"{where}no per-item confidences in the candidate's results: ECE cannot be computed")
        return _missing(c, c.key, f"no metric measured in both the candidate and the {c.compare_to} run to guard general capability")
    if c.threshold is None or c.value is None:
        return _missing(c, c.key, "the criterion has no threshold")
    _refuse_unusable(c, ctx)
    cand, why = ctx.candidate.find(*c.metric)
    if cand is None:
        return _missing(c, c.key, f"candidate: {why}")
    key = cand.key
    if c.kind == "calibration":
        return _assess_calibration(c, cand, ctx)
    _refuse_contrary(c, cand)
    if c.kind == "inherited":
        unsettled = _inherited_settings(c, cand, ctx)
        if unsettled is None and c.tolerance is not None and c.floor is None:  # a floor that cannot be placed is not met
            unsettled = f"{c.origin} recorded no achieved value for {key}"
        if unsettled is not None:
            return _missing(c, key, unsettled, candidate=cand.value)
    ref, baseline, refusal = _reference(c, cand, ctx)
    if refusal is not None:
        return _missing(c, key, refusal, candidate=cand.value)
    if ref is not None:
        _refuse_contrary(c, ref)
    found = _Assessment(c, key, baseline=baseline, candidate=cand.value)
    found.verified = {role: m.verified for role, m in (("candidate", cand), ("baseline", ref)) if m is not None and m.verified is not None}
    found.delta = None if baseline is None else cand.value - baseline
    return _tested(found, Threshold(c.threshold, c.value), cand, ref, ctx)


def _tested(found: _Assessment, threshold: Threshold, cand: Measurement, ref: Measurement | None, ctx: _Context) -> _Assessment:
    """The criterion's checks: its threshold (of the change, or of the value) and an inherited floor, each on the estimate it judges."""
    c = found.criterion
    rng = stats.rng_for(f"{c.origin}/{c.id}/{found.metric}", ctx.seed)
    lacking: list[str] = []
    if threshold.quantity == CHANGE:
        assert found.baseline is not None
        paired = _pair(ref, cand) if ref is not None else None
        if isinstance(paired, str):
            return _missing(c, found.metric, paired, baseline=found.baseline, candidate=cand.value, delta=found.delta)
        estimate = _delta_estimate(ref, cand, paired, found.baseline, rng, ctx, lacking)
        found.flipped, found.flipped_count = _flips(paired)
        if estimate is not None:
            limit = threshold.limit(c.higher_is_better, found.baseline)
            label, what = f"{threshold.kind} {threshold.value:g}", "gain"
            if limit.sign is None:
                label, what = f"{label} either way (no direction known)", "change"
            found.checks.append(_Check(estimate, limit, label, what))
            found.shown = estimate
    limits = [(threshold, f"min_value {threshold.value:g}")] if threshold.quantity == VALUE else []
    if c.floor is not None:  # the floor is a least value like min_value: achieved less inherited_max_drop
        limits.append((Threshold("min_value", c.floor), f"the floor {c.floor:g} ({c.origin}'s achieved value less inherited_max_drop)"))
    value_estimate = _value_estimate(cand, rng, ctx, lacking, "candidate") if limits else None
    if value_estimate is not None:
        found.checks.extend(_Check(value_estimate, least.limit(c.higher_is_better), label, "value") for least, label in limits)
        if found.shown is None:
            found.shown = value_estimate if found.baseline is None else stats.Shifted(value_estimate, -found.baseline)
    if lacking:
        found.status = "inconclusive"
        found.checks = []
        found.reasons.append(
            f"{NO_UNCERTAINTY}: {' and '.join(dict.fromkeys(lacking))} no per-item values, stderr or item count, so the value "
            "proves nothing either way (a policy may set defaults.point_estimates: accept)"
        )
    return found


def _missing(c: Criterion, metric: str, *reasons: str, **values: Any) -> _Assessment:
    return _Assessment(c, metric, status="missing", reasons=list(reasons), **values)


def _refuse_unusable(c: Criterion, ctx: _Context) -> None:
    assert c.metric is not None
    for table in (ctx.candidate, *ctx.references.values()):
        bad = table.unusable_for(*c.metric)
        if bad is not None:
            raise ResultsError(bad.path, f"{bad.key} is {bad.raw}, not a finite number, and criterion {c.id} ({c.origin}) needs it")


def _refuse_contrary(c: Criterion, m: Measurement) -> None:
    """A results file may not turn a criterion around: its stated direction must agree with the objective's."""
    if m.higher_is_better is None or c.higher_is_better is None or m.higher_is_better == c.higher_is_better:
        return
    source = {"stated": "states", "known name": "takes from the metric's name", "default": "takes by default"}.get(c.direction, "says")
    who = "the policy" if c.origin == "policy" else c.origin
    raise ResultsError(
        m.provenance.path,
        f"{m.key}: the results file says {direction.word(m.higher_is_better)}, but {who} {source} "
        f"{direction.word(c.higher_is_better)} for criterion {c.id}; a results file cannot turn a criterion around: "
        "fix the file, or state higher_is_better in the criterion's metric",
    )


def _reference(c: Criterion, cand: Measurement, ctx: _Context) -> tuple[Measurement | None, float | None, str | None]:
    """The reference measurement (None for a recorded number), the baseline value, or why there is none."""
    assert c.metric is not None and c.threshold is not None
    change = quantity_of(c.threshold) == CHANGE  # a change needs a reference value; a least value only shows one
    ref: Measurement | None = None
    baseline = c.recorded_baseline
    if baseline is not None and c.compare_to == "base":
        # The base model is the same in every round: a given base run that measured the value the
        # register recorded is that reference, and its per-item values make the test paired.
        table = ctx.references.get("base")
        given = table.find(*c.metric)[0] if table is not None else None
        same = given is not None and math.isclose(given.value, baseline, rel_tol=0.0, abs_tol=1e-9)
        if given is not None and same and not given.settings.differences(cand.settings):
            ref = given
    if c.kind == "inherited" and c.compare_to == "parent" and baseline is None and change:
        return None, None, f"the register recorded no parent value when {c.origin} declared it"  # today's parent is another
    if baseline is None and (change or c.compare_to in ctx.references):
        table = ctx.references.get(c.compare_to)
        why = ""
        if table is not None:
            ref, why = table.find(*c.metric)
        if ref is None and change:
            return None, None, f"{c.compare_to}: {why}" if table is not None else f"no {c.compare_to} results given and none recorded"
        if ref is not None:
            differences = ref.settings.differences(cand.settings)
            if differences:
                where = f"the {c.compare_to} value the register recorded" if ref.provenance.format == RECORDED_FORMAT else c.compare_to
                return None, None, f"{where} and the candidate run differ: {', '.join(differences)}"
            baseline = ref.value
    return ref, baseline, None


def _value_estimate(
    m: Measurement, rng: np.random.Generator, ctx: _Context, lacking: list[str], role: str
) -> stats.Estimate | None:
    """One run's value with its uncertainty; None (and `role` added to `lacking`) when it has none."""
    if m.items is not None and len(m.items):
        found = stats.mean_of(m.items.values, rng, ctx.resamples)
        if not (isinstance(found, stats.Bootstrap) and found.degenerate):
            return found
        if m.items.within_unit:
            return stats.Proportion(float(m.items.values.sum()), len(m.items))  # every item the same [0, 1] value
    elif m.stderr is not None and m.stderr > 0:
        normal = stats.Normal(m.value, m.stderr)
        if m.n is not None and m.n > 0 and 0.0 <= m.value <= 1.0:
            # A mean of n items in [0, 1]: a stderr far below what n items allow (1e-12 over 50)
            # is not evidence; the wider interval judges.
            return stats.Wider(normal, stats.Proportion(m.value * m.n, m.n))
        return normal
    elif m.n is not None and m.n > 0 and 0.0 <= m.value <= 1.0:
        return stats.Proportion(m.value * m.n, m.n)  # a mean of n items in [0, 1]: the binomial is the widest it can vary
    if ctx.accept_points:
        return stats.Fixed(m.value)
    lacking.append(f"the {role} run has")
    return None


def _delta_estimate(
    ref: Measurement | None,
    cand: Measurement,
    paired: tuple[Items, Items] | None,
    baseline: float,
    rng: np.random.Generator,
    ctx: _Context,
    lacking: list[str],
) -> stats.Estimate | None:
    if paired is not None:
        a, b = paired
        if a.binary and b.binary:
            return stats.paired_binary(a.values, b.values)
        found = stats.paired_mean(a.values, b.values, rng, ctx.resamples)
        if not found.degenerate:
            return found
        within = a.within_unit and b.within_unit
        if within:  # every item moved by the same amount: as wide as "no item changed" allows
            note = " (every item changed by the same amount: the score interval of no item changing)"
            return stats.Shifted(stats.PairedProportions(0, 0, len(a)), found.value, note)
        if ctx.accept_points:
            return stats.Fixed(found.value)
        lacking.append("the paired differences have")
        return None
    candidate = _value_estimate(cand, rng, ctx, lacking, "candidate")
    if ref is None or ref.provenance.format == RECORDED_FORMAT:
        # A reference known only as the register's number: the threshold is fixed there.
        if candidate is None:
            return None
        return stats.Shifted(candidate, -baseline, " of the candidate against the recorded value")
    reference = _value_estimate(ref, rng, ctx, lacking, "reference")
    if candidate is None or reference is None:
        return None
    return stats.Difference(candidate, reference)


def _settle(assessed: Sequence[_Assessment]) -> int:
    """Holm over every claim of every check; sets each check's status and level. Returns the family's size.

    The same claim made by several rounds (an inherited boundary and its restatement: same
    metric, estimate and limit) is one hypothesis, tested once. A criterion decided without a
    test (missing, or no uncertainty) still counts as two claims that cannot be made, so adding
    or removing one never loosens the others.
    """
    hypotheses: dict[tuple[Any, ...], float] = {}
    owners: list[tuple[_Check, str, tuple[Any, ...]]] = []
    untested = 0
    for a in assessed:
        if a.status is not None or not a.checks:
            untested += 2
            continue
        for check in a.checks:
            same = (a.metric, check.sign, round(check.need, 12), check.estimate.method, round(check.estimate.value, 12))
            for claim, p in (("pass", check.p_pass), ("fail", check.p_fail)):
                hypotheses[(*same, claim)] = p
                owners.append((check, claim, (*same, claim)))
    keys = list(hypotheses)
    rejected, levels = stats.holm([*(hypotheses[k] for k in keys), *([1.0] * untested)], ALPHA)
    verdicts = {k: (rejected[i], levels[i]) for i, k in enumerate(keys)}
    for check, claim, key in owners:
        holds, level = verdicts[key]
        if holds:
            check.status, check.level = claim, level
        elif check.status == "inconclusive" and (claim == "pass") == (check.p_pass <= check.p_fail):
            check.level = level  # the claim the data lean towards: the level it failed to reach
    return len(keys) + untested


def _result(a: _Assessment) -> Result:
    c = a.criterion
    status = a.status
    reasons = list(a.reasons)
    level: float | None = None
    settle: int | None = None
    if status is None:
        statuses = [check.status for check in a.checks]
        status = "fail" if "fail" in statuses else "inconclusive" if "inconclusive" in statuses else "pass"
        first = a.checks[0]
        level = 1.0 - 2.0 * first.level
        for check in a.checks:
            if check.status != "pass":
                reasons.append(_reason(check))
        undecided = [check for check in a.checks if check.status == "inconclusive"]
        if undecided:
            settle = max((n for n in (_items_to_settle(check) for check in undecided) if n is not None), default=None)
            if settle is not None:
                reasons.append(f"about {settle:,} items would settle it at the observed effect (80% power)")
            elif any(_on_threshold(check) for check in undecided):
                reasons.append("the observed effect sits on the threshold: more items narrow the interval but need not settle it")
    ci: tuple[float, float] | None = None
    method = ""
    if a.shown is not None and level is not None:
        interval = a.shown.interval(level)
        ci, method = (interval.low, interval.high), interval.method
    point = any(stats.rests_on_fixed(check.estimate) for check in a.checks)
    return Result(
        c,
        a.metric,
        status,
        a.baseline,
        a.candidate,
        a.delta,
        ci,
        method,
        tuple(reasons),
        a.flipped,
        a.flipped_count,
        level,
        settle,
        point,
        a.verified,
    )


def _reason(check: _Check) -> str:
    if check.sign is None:
        if check.status == "fail":
            return f"the whole interval of the {check.what} lies outside what {check.label} allows"
        return f"the interval of the {check.what} is not within what {check.label} allows"
    if check.status == "fail":
        side = "beyond" if check.what == "ECE change" else "below"
        return f"the whole interval of the {check.what} is {side} what {check.label} allows"
    return f"the interval of the {check.what} straddles what {check.label} allows"


def _on_threshold(check: _Check) -> bool:
    return abs(check.limit.margin(check.estimate.value)) < EPSILON


def _items_to_settle(check: _Check) -> int | None:
    """Roughly how many items would make the interval clear the threshold at the observed effect (80% power).

    The interval's half-width shrinks as 1/sqrt(n): n' = n (h / d)^2 ((z + z_power) / z)^2,
    with h the half-width towards the threshold and d the distance from the estimate to it.
    """
    n = check.estimate.items
    if n is None or check.level <= 0:
        return None
    value = check.estimate.value
    interval = check.estimate.interval(1.0 - 2.0 * check.level)
    distance = check.limit.margin(value)
    if check.sign is None:
        half = (interval.high - value) if value >= 0 else (value - interval.low)
    else:
        towards = interval.low if (check.sign > 0) == (distance >= 0) else interval.high
        half = abs(value - towards)
    if abs(distance) < EPSILON or half <= 0:
        return None
    z = stats.z_of(1.0 - 2.0 * check.level)
    return max(n + 1, math.ceil(n * (half / abs(distance)) ** 2 * ((z + POWER_Z) / z) ** 2))


def _inherited_settings(c: Criterion, cand: Measurement, ctx: _Context) -> str | None:
    """Why an inherited criterion's recorded values cannot be compared with the candidate's, or None.

    The register's values (the anchor, the achieved floor) were measured with the settings it
    recorded beside them. A value recorded without settings (a register written before they were
    kept) is vouched for by the base run given with --baseline, the same model every round
    measured; with neither, and a candidate whose settings are known, it is missing.
    """
    assert c.metric is not None
    if c.recorded_settings is not None:
        differences = c.recorded_settings.differences(cand.settings)
        if differences:
            return f"the values {c.origin} recorded and the candidate run differ: {', '.join(differences)}"
        return None
    if cand.settings == Settings():
        return None  # neither side recorded a setting that could differ
    table = ctx.references.get("base")
    given = table.find(*c.metric)[0] if table is not None else None
    if given is None or given.provenance.format == RECORDED_FORMAT:  # the register's own numbers cannot vouch for themselves
        return f"the register recorded no settings with {c.origin}'s values and no base run given measured it; give --baseline"
    differences = given.settings.differences(cand.settings)
    if differences:
        return f"base and candidate runs differ: {', '.join(differences)} ({c.origin}'s values carry no settings)"
    return None


def _pair(ref: Measurement, cand: Measurement) -> tuple[Items, Items] | str | None:
    """Both runs' items on the same ids, None without per-item data, or why pairing is impossible."""
    if ref.items is None or cand.items is None:
        return None
    a, b = ref.items, cand.items
    if len(a) != len(b) or not bool(np.array_equal(a.ids, b.ids)):
        common = int(np.intersect1d(a.ids, b.ids).shape[0])
        return f"the runs scored different items ({len(a)} and {len(b)}, {common} in common)"
    if a.hashes is not None and b.hashes is not None:
        known = (a.hashes != "") & (b.hashes != "")
        differ = int(np.sum(known & (a.hashes != b.hashes)))
        if differ:
            return f"{differ} items have different prompts in the two runs (prompt hash)"
    return a, b


def _flips(paired: tuple[Items, Items] | None) -> tuple[tuple[str, ...], int]:
    if paired is None or not (paired[0].binary and paired[1].binary):
        return (), 0
    a, b = paired
    lost = sorted((str(i) for i in a.ids[(a.values == 1.0) & (b.values == 0.0)]), key=_natural)
    return tuple(lost[:_FLIPPED_SHOWN]), len(lost)


def _natural(item: str) -> tuple[int, int, str]:
    return (0, int(item), "") if item.isdigit() else (1, 0, item)  # lm-eval doc ids are numbers


def _assess_calibration(c: Criterion, cand: Measurement, ctx: _Context) -> _Assessment:
    assert c.metric is not None and c.value is not None
    key = f"{cand.key}/ece"
    table = ctx.references.get(c.compare_to)
    if table is None:
        return _missing(c, key, f"no {c.compare_to} results given: ECE needs the {c.compare_to} model's confidences")
    ref, why = table.find(*c.metric)
    if ref is None:
        return _missing(c, key, f"{c.compare_to}: {why}")
    differences = ref.settings.differences(cand.settings)
    if differences:
        return _missing(c, key, f"{c.compare_to} and candidate runs differ: {', '.join(differences)}")
    if cand.items is None or cand.items.confidences is None:
        return _missing(c, key, f"the candidate run has no per-item confidences for {cand.key} (its samples file is missing?)")
    if ref.items is None or ref.items.confidences is None:
        return _missing(c, key, f"the {c.compare_to} run has no per-item confidences for {cand.key}")
    paired = _pair(ref, cand)
    if not isinstance(paired, tuple):
        return _missing(c, key, paired or "no per-item values")
    a, b = paired
    assert a.confidences is not None and b.confidences is not None
    before, after = stats.ece(a.confidences, a.values), stats.ece(b.confidences, b.values)
    rng = stats.rng_for(f"{c.origin}/{c.id}/{key}", ctx.seed)
    change = stats.paired_ece(a.confidences, a.values, b.confidences, b.values, rng, ctx.resamples)
    found = _Assessment(c, key, baseline=before, candidate=after, delta=after - before, shown=change)
    if change.degenerate:
        found.status = "inconclusive"
        found.reasons.append(f"{NO_UNCERTAINTY}: every resample gives the same ECE change")
        return found
    # Lower ECE is better: the allowed side is an increase of at most the threshold.
    limit = Threshold("max_ece_increase", c.value).limit(higher_is_better=False)
    found.checks.append(_Check(change, limit, f"max_ece_increase {c.value:g}", "ECE change"))
    return found


# Everything that moved


def _moves(
    candidate: MetricTable, references: Mapping[str, MetricTable], named: set[str], warn_relative_drop: float, resamples: int, seed: int
) -> tuple[Move, ...]:
    pairs: list[tuple[str, Measurement, Measurement]] = []
    for role, table in references.items():
        for cand in candidate:
            ref, _ = table.find(cand.suite, cand.task, _name(cand))
            if ref is not None and not ref.settings.differences(cand.settings):
                pairs.append((role, ref, cand))
    level = 1.0 - ALPHA / max(1, len(pairs))
    context = _Context(candidate, references, resamples, seed, accept_points=False)
    moves = []
    for role, ref, cand in pairs:
        rng = stats.rng_for(f"moved/{role}/{cand.key}", seed)
        paired = _pair(ref, cand)
        usable = paired if isinstance(paired, tuple) else None
        estimate = _delta_estimate(ref, cand, usable, ref.value, rng, context, [])
        interval = estimate.interval(level) if estimate is not None else None
        flipped, count = _flips(usable)
        stated, _ = direction.agreed({x.higher_is_better for x in (cand, ref) if x.higher_is_better is not None}, cand.metric)
        delta = cand.value - ref.value
        warning = None
        if cand.key not in named:
            relative = delta / abs(ref.value) if ref.value else 0.0
            if stated is None:
                if abs(relative) > warn_relative_drop:
                    warning = f"changed by {relative:+.1%} relative (no direction known); no criterion covers it"
            else:
                sign = 1.0 if stated else -1.0
                if interval is not None and max(sign * interval.low, sign * interval.high) < 0:
                    shown = f"{interval.method}: the whole interval is below no change"
                    warning = f"worse by {abs(delta):.4g} ({shown}); no criterion covers it"
                elif -sign * relative > warn_relative_drop:
                    warning = f"worse by {-sign * relative:.1%} relative; no criterion covers it"
        moves.append(
            Move(
                cand.key,
                role,
                ref.value,
                cand.value,
                delta,
                None if interval is None else (interval.low, interval.high),
                interval.method if interval is not None else f"{NO_UNCERTAINTY} (no items, stderr or n on one side)",
                cand.key in named,
                warning,
                flipped,
                count,
            )
        )
    return tuple(moves)
