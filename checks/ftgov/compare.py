"""Compare a candidate's results with its baselines, criterion by criterion: the Verdict.

    results files --adapters--> MetricTable --+
    objective + policy + register stack ------+--compare--> Verdict

Each criterion gets a delta, a confidence interval and a status:
- pass: the whole interval lies on the allowed side of the threshold;
- fail: the whole interval lies on the wrong side;
- inconclusive: the interval straddles the threshold (the policy's `inconclusive` decides
  whether that blocks);
- missing: the comparison cannot be made (the metric is absent from either run, no
  baseline exists, or the runs differ in n-shot, task version, task hash, limit or items).
  A comparison that cannot be made is never a pass.

Intervals are Bonferroni-corrected over the criteria of one evaluation (each at
1 - 0.05/k), so that judging many criteria at once does not make a chance failure or pass
likely; the moves outside the criteria are a second family, corrected the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ftgov.inheritance import RoundRecord, Stack, build_stack
from ftgov.policy import Policy
from ftgov.results import stats
from ftgov.results.table import Items, Measurement, MetricTable, Settings

ALPHA = 0.05
CORRECTION = "bonferroni"
_EPSILON = 1e-9
KINDS = ("success", "boundary", "standing-safety", "default-general", "default-tail", "calibration", "inherited")
STATUSES = ("pass", "fail", "inconclusive", "missing")
_REPORT_ORDER = ("fail", "missing", "inconclusive", "pass")
RECORDED_FORMAT = "register"  # the provenance format of reference values read from the register, not from a run
_FLIPPED_SHOWN = 50  # item ids listed per metric; the count is always complete


@dataclass(frozen=True)
class Criterion:
    """One thing the candidate must meet. `metric` None: expanded over the results (default-general, calibration)."""

    id: str
    kind: str  # one of KINDS
    origin: str  # the objective id that declared it, or "policy"
    metric: tuple[str, str | None, str] | None  # (suite, task, name)
    threshold: str | None  # min_improvement | min_value | max_drop | max_relative_drop | max_ece_increase
    value: float | None
    compare_to: str = "base"
    higher_is_better: bool = True
    recorded_baseline: float | None = None  # inherited: the reference the register recorded when it was declared
    floor: float | None = None  # inherited success: the worst value allowed (achieved minus inherited_max_drop)
    recorded_settings: Settings | None = None  # inherited: the settings the declaring round's values were measured with

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
            "baseline": self.baseline,
            "candidate": self.candidate,
            "delta": self.delta,
            "ci": None if self.ci is None else list(self.ci),
            "ci_of": "delta" if self.delta is not None else "candidate",
            "status": self.status,
            "method": self.method,
            "reason": "; ".join(self.reasons),
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
            )
        )
    own = [c for c in criteria if c.origin == objective_id and c.kind in ("boundary", "default-tail", "default-general")]
    for standing in policy.standing_safety_suite:
        metric = (str(standing.metric.get("suite")), standing.metric.get("task"), str(standing.metric.get("name")))
        kind, limit = (
            ("max_drop", standing.max_drop) if standing.max_drop is not None else ("max_relative_drop", standing.max_relative_drop)
        )
        higher = standing.metric.get("higher_is_better") is not False
        match = next((c for c in own if c.id == standing.id), None) or next((c for c in own if c.metric == metric), None)
        if match is None:
            criteria.append(Criterion(standing.id, "standing-safety", "policy", metric, kind, limit, standing.compare_to, higher))
            continue
        tighter = match.threshold == kind and match.value is not None and limit is not None and match.value <= limit
        replacement = replace(match, kind="standing-safety")
        if not tighter:  # the objective may be stricter than the policy, never looser (FTG305)
            replacement = replace(replacement, metric=metric, threshold=kind, value=limit, compare_to=standing.compare_to)
        criteria[criteria.index(match)] = replacement
    if not any("general_capability" in f for f in flags.values()):
        limit = policy.defaults.general_capability_max_relative_drop
        criteria.append(Criterion("general-capability", "default-general", "policy", None, "max_relative_drop", limit))
    calibration = objective.get("calibration")
    declared = calibration.get("max_ece_increase") if isinstance(calibration, Mapping) else None
    if isinstance(declared, (int, float)) and not isinstance(declared, bool):
        criteria.append(Criterion("calibration", "calibration", objective_id, None, "max_ece_increase", float(declared), "base", False))
    else:
        criteria.append(
            Criterion("calibration", "calibration", "policy", None, "max_ece_increase", policy.defaults.max_ece_increase, "base", False)
        )
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
    level: float
    resamples: int
    seed: int
    notes: list[str] = field(default_factory=list)


def compare(
    objective_id: str,
    criteria: Sequence[Criterion],
    candidate: MetricTable,
    base: MetricTable | None = None,
    parent: MetricTable | None = None,
    *,
    inconclusive: str = "block",
    warn_relative_drop: float = 0.10,
    resamples: int = stats.RESAMPLES,
    seed: int = stats.SEED,
    progress: Callable[[int, int], None] | None = None,
) -> Verdict:
    references = {role: table for role, table in (("base", base), ("parent", parent)) if table is not None}
    expanded = _expand(criteria, candidate, references)
    k = max(1, len(expanded))
    context = _Context(candidate, references, 1.0 - ALPHA / k, resamples, seed)
    judged: list[Result] = []
    for c in expanded:
        judged.append(_judge(c, context))
        if progress is not None:
            progress(len(judged), len(expanded))
    results = tuple(judged)
    named = {r.metric for r in results}
    moves = _moves(candidate, references, named, warn_relative_drop, resamples, seed)
    warnings = [f"{m.metric} vs {m.reference}: {m.warning}" for m in moves if m.warning]
    blocking = {"fail", "missing"} | ({"inconclusive"} if inconclusive == "block" else set())
    if inconclusive != "block":
        warnings.extend(
            f"{r.criterion.id} ({r.metric}) is inconclusive; the policy lets it pass with a warning"
            for r in results
            if r.status == "inconclusive"
        )
    verdict = "fail" if any(r.status in blocking for r in results) else "pass"
    method = {
        "alpha": ALPHA,
        "correction": f"{CORRECTION} over {k} criteria: each interval is two-sided at {context.level:.4%}",
        "paired": "per-item values on both sides, matched by item id: paired bootstrap (0/1 items: 2x2 multinomial, with exact McNemar p)",
        "unpaired": "no per-item values: normal interval with sqrt(se_base^2 + se_candidate^2), conservative",
        "resamples": resamples,
        "seed": seed,
        "ece": f"{stats.ECE_BINS} equal-width bins on [0, 1], bin k = [k/{stats.ECE_BINS}, (k+1)/{stats.ECE_BINS}), the last closed; L1",
        "relative_drop": "max_relative_drop is judged as an absolute drop of value x |baseline| (the baseline as measured)",
        "inconclusive": inconclusive,
    }
    inputs = tuple(
        {"role": role, "path": p.path, "sha256": p.sha256, "format": p.format}
        for role, table in (("candidate", candidate), *references.items())
        for p in table.sources
    )
    return Verdict(objective_id, verdict, results, moves, method, inputs, tuple(warnings))


def _expand(criteria: Sequence[Criterion], candidate: MetricTable, references: Mapping[str, MetricTable]) -> list[Criterion]:
    """Templates (metric None) become one criterion per metric they cover."""
    fixed = [c for c in criteria if c.metric is not None]
    named = set()
    for c in fixed:
        assert c.metric is not None
        found, _ = candidate.find(*c.metric)
        if found is not None:
            named.add(found.key)
    expanded: list[Criterion] = []
    for c in criteria:
        if c.metric is not None:
            expanded.append(c)
            continue
        if c.kind == "calibration":
            # Wherever EITHER run logged confidences: a metric whose confidences vanished from one
            # side (a deleted samples file) is judged missing, never silently left out.
            sides = [candidate, *(t for role, t in references.items() if role == c.compare_to)]
            with_confidence: dict[tuple[str, str | None, str], str] = {}
            for table in sides:
                for m in table:
                    if m.items is not None and m.items.confidences is not None:
                        with_confidence.setdefault((m.suite, m.task, _name(m)), m.key)
            if not with_confidence and c.origin != "policy":
                expanded.append(c)  # the objective declared calibration: judged missing, nothing to compute ECE from
            # The policy's default applies wherever confidences exist; runs that log none have no
            # calibration to lose unless the objective declared one (then it is missing, above).
            expanded.extend(replace(c, id=f"calibration:{key}", metric=metric) for metric, key in with_confidence.items())
        elif c.kind == "default-general":
            # The objective names no general-capability boundary, so the policy default guards
            # every other metric both runs measured: a drop anywhere is forgetting until shown otherwise.
            base = references.get(c.compare_to)
            others = [
                m for m in candidate if m.primary and m.key not in named and base is not None and base.find(m.suite, m.task, m.metric)[0]
            ]
            if not others:
                expanded.append(c)
            expanded.extend(replace(c, id=f"general-capability:{m.key}", metric=(m.suite, m.task, _name(m))) for m in others)
        else:
            expanded.append(c)
    return expanded


def _name(m: Measurement) -> str:
    return m.metric if m.primary else f"{m.metric},{m.filter}"


def _missing(c: Criterion, metric: str, *reasons: str, **values: Any) -> Result:
    return Result(c, metric, "missing", reasons=reasons, **values)


def _judge(c: Criterion, ctx: _Context) -> Result:
    if c.metric is None:
        if c.kind == "calibration":
            return _missing(c, "*/ece", "no per-item confidences in the candidate's results: ECE cannot be computed")
        return _missing(c, c.key, f"no metric measured in both the candidate and the {c.compare_to} run to guard general capability")
    if c.threshold is None or c.value is None:
        return _missing(c, c.key, "the criterion has no threshold")
    cand, why = ctx.candidate.find(*c.metric)
    if cand is None:
        return _missing(c, c.key, f"candidate: {why}")
    key = cand.key
    if c.kind == "calibration":
        return _judge_calibration(c, cand, ctx)
    if c.kind == "inherited":
        unsettled = _inherited_settings(c, cand, ctx)
        if unsettled is not None:
            return _missing(c, key, unsettled, candidate=cand.value)
    sign = _sign(c, cand)
    rng = stats.rng_for(f"{c.origin}/{c.id}/{key}", ctx.seed)
    # The reference: a value recorded in the register, or a measurement of this evaluation.
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
    if c.kind == "inherited" and c.compare_to == "parent" and baseline is None and c.threshold != "min_value":
        # Today's parent is not the parent the criterion was declared against.
        return _missing(c, key, f"the register recorded no parent value when {c.origin} declared it", candidate=cand.value)
    if baseline is None and (c.threshold != "min_value" or c.compare_to in ctx.references):
        table = ctx.references.get(c.compare_to)
        if table is not None:
            ref, why = table.find(*c.metric)
        if ref is None and c.threshold != "min_value":
            where = f"{c.compare_to}: {why}" if table is not None else f"no {c.compare_to} results given and none recorded"
            return _missing(c, key, where, candidate=cand.value)
        if ref is not None:
            differences = ref.settings.differences(cand.settings)
            if differences:
                return _missing(c, key, f"{c.compare_to} and candidate runs differ: {', '.join(differences)}", candidate=cand.value)
            baseline = ref.value
    delta = None if baseline is None else cand.value - baseline
    outcomes: list[tuple[str, str]] = []  # (status, reason)
    interval: stats.Interval | None = None
    flipped: tuple[str, ...] = ()
    flipped_count = 0
    if c.threshold in ("min_improvement", "max_drop", "max_relative_drop"):
        assert baseline is not None and delta is not None
        if ref is not None:
            paired = _pair(ref, cand)
            if isinstance(paired, str):
                return _missing(c, key, paired, baseline=baseline, candidate=cand.value, delta=delta)
            interval = _delta_interval(ref, cand, paired, ctx.level, rng, ctx.resamples)
            flipped, flipped_count = _flips(paired)
        else:
            interval = _value_interval(cand, ctx.level, rng, ctx.resamples, shift=-baseline)
        low, high = sorted((sign * interval.low, sign * interval.high))
        need = {"min_improvement": c.value, "max_drop": -c.value, "max_relative_drop": -c.value * abs(baseline)}[c.threshold]
        outcomes.append(_against(low, high, need, f"{c.threshold} {c.value:g}", "gain"))
    if c.threshold == "min_value" or c.floor is not None:
        value_interval = _value_interval(cand, ctx.level, rng, ctx.resamples)
        low, high = sorted((sign * value_interval.low, sign * value_interval.high))
        limits = [(c.value, f"min_value {c.value:g}")] if c.threshold == "min_value" else []
        if c.floor is not None:
            limits.append((c.floor, f"the floor {c.floor:g} ({c.origin}'s achieved value less inherited_max_drop)"))
        outcomes.extend(_against(low, high, sign * need, label, "value") for need, label in limits)
        if interval is None and baseline is not None:  # report the delta's interval beside the delta
            paired = _pair(ref, cand) if ref is not None else None
            if ref is not None and not isinstance(paired, str):
                interval = _delta_interval(ref, cand, paired, ctx.level, rng, ctx.resamples)
            else:
                interval = stats.Interval(value_interval.low - baseline, value_interval.high - baseline, value_interval.method)
        elif interval is None:
            interval = value_interval
    status = "pass"
    for candidate_status in ("fail", "inconclusive"):
        if any(s == candidate_status for s, _ in outcomes):
            status = candidate_status
            break
    reasons = tuple(reason for s, reason in outcomes if s != "pass")
    assert interval is not None
    return Result(
        c, key, status, baseline, cand.value, delta, (interval.low, interval.high), interval.method, reasons, flipped, flipped_count
    )


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


def _against(low: float, high: float, need: float, label: str, what: str) -> tuple[str, str]:
    """Where an interval (in 'better is larger' units) lies against the smallest acceptable value."""
    if low >= need - _EPSILON:
        return "pass", ""
    if high < need - _EPSILON:
        return "fail", f"the whole interval of the {what} is below what {label} allows"
    return "inconclusive", f"the interval of the {what} straddles what {label} allows"


def _sign(c: Criterion, m: Measurement) -> float:
    higher = m.higher_is_better if m.higher_is_better is not None else c.higher_is_better
    return 1.0 if higher else -1.0


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


def _delta_interval(
    ref: Measurement, cand: Measurement, paired: tuple[Items, Items] | None, level: float, rng: np.random.Generator, resamples: int
) -> stats.Interval:
    delta = cand.value - ref.value
    if paired is not None:
        a, b = paired
        if a.binary and b.binary:
            return stats.paired_binary(a.values, b.values, level, rng, resamples)
        return stats.paired_mean(a.values, b.values, level, rng, resamples)
    if ref.stderr is not None and cand.stderr is not None:
        return stats.normal_interval(delta, math.hypot(ref.stderr, cand.stderr), level, "unpaired normal (stderr)")
    if ref.stderr is None and ref.items is None and (cand.items is not None or cand.stderr is not None):
        # A reference known only as a number (the register's record): the candidate's own uncertainty.
        found = _value_interval(cand, level, rng, resamples, shift=-ref.value)
        return stats.Interval(found.low, found.high, f"{found.method} of the candidate against the recorded value")
    return stats.Interval(delta, delta, "point estimate: no stderr or per-item values")


def _value_interval(cand: Measurement, level: float, rng: np.random.Generator, resamples: int, shift: float = 0.0) -> stats.Interval:
    if cand.items is not None:
        found = stats.mean_interval(cand.items.values, level, rng, resamples)
    elif cand.stderr is not None:
        found = stats.normal_interval(cand.value, cand.stderr, level, "normal (stderr)")
    else:
        found = stats.Interval(cand.value, cand.value, "point estimate: no stderr or per-item values")
    return stats.Interval(found.low + shift, found.high + shift, found.method)


def _flips(paired: tuple[Items, Items] | None) -> tuple[tuple[str, ...], int]:
    if paired is None or not (paired[0].binary and paired[1].binary):
        return (), 0
    a, b = paired
    lost = sorted((str(i) for i in a.ids[(a.values == 1.0) & (b.values == 0.0)]), key=_natural)
    return tuple(lost[:_FLIPPED_SHOWN]), len(lost)


def _natural(item: str) -> tuple[int, int, str]:
    return (0, int(item), "") if item.isdigit() else (1, 0, item)  # lm-eval doc ids are numbers


def _judge_calibration(c: Criterion, cand: Measurement, ctx: _Context) -> Result:
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
    interval = stats.paired_ece(a.confidences, a.values, b.confidences, b.values, ctx.level, rng, ctx.resamples)
    # Lower ECE is better: the allowed side is an increase of at most the threshold.
    status, reason = _against(-interval.high, -interval.low, -c.value, f"max_ece_increase {c.value:g}", "ECE decrease")
    if status != "pass":
        reason = reason.replace("ECE decrease", "ECE change").replace("is below what", "is beyond what")
    return Result(
        c, key, status, before, after, after - before, (interval.low, interval.high), interval.method, (reason,) if reason else ()
    )


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
    moves = []
    for role, ref, cand in pairs:
        rng = stats.rng_for(f"moved/{role}/{cand.key}", seed)
        paired = _pair(ref, cand)
        usable = paired if isinstance(paired, tuple) else None
        interval = _delta_interval(ref, cand, usable, level, rng, resamples)
        flipped, count = _flips(usable)
        sign = 1.0 if cand.higher_is_better is not False else -1.0
        delta = cand.value - ref.value
        warning = None
        if cand.key not in named:
            worse_high = max(sign * interval.low, sign * interval.high)
            relative = -sign * delta / abs(ref.value) if ref.value else 0.0
            if worse_high < 0:
                warning = f"worse by {abs(delta):.4g} ({interval.method}: the whole interval is below no change); no criterion covers it"
            elif relative > warn_relative_drop:
                warning = f"worse by {relative:.1%} relative; no criterion covers it"
        moves.append(
            Move(
                cand.key,
                role,
                ref.value,
                cand.value,
                delta,
                (interval.low, interval.high),
                interval.method,
                cand.key in named,
                warning,
                flipped,
                count,
            )
        )
    return tuple(moves)
