"""FTG3xx: success criteria and regression boundaries are measurable and sufficient (AG-341 4.1, 4.2, test 8.2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ftgov.documents.access import mapping, number, sequence, text
from ftgov.documents.document import Document
from ftgov.documents.findings import Finding, Rule, Severity
from ftgov.documents.policy import Policy, StandingBoundary

E = Severity.ERROR

NO_SUCCESS = Rule(
    "FTG301",
    "no-success-criterion",
    E,
    """
The objective declares no success criterion.

Why this matters: AG-341 4.1 requires quantitative thresholds for success fixed before
training; without them the team picks favourable metrics after the fact, and nobody
can say whether the fine-tune did what was intended.

Example: `success_criteria: []`

Fix: add at least one criterion naming a metric and min_improvement (over parent or
base) or min_value.
""",
)

NO_BOUNDARY = Rule(
    "FTG302",
    "no-regression-boundary",
    E,
    """
The objective declares no regression boundary.

Why this matters: AG-341 4.2 and test 8.2 require the objective to name which
capabilities and safety properties must not degrade, and by how much. A tune for
helpfulness whose preference data rewards compliance can take a refusal rate from 97%
to 84% unnoticed, because no boundary said it must not fall
(docs/why.md#safety-eroded-by-a-helpfulness-tune).

Example: `regression_boundaries: []`

Fix: add boundaries for the capabilities the application depends on, each with
max_drop or max_relative_drop, plus the policy's standing safety suite.
""",
)

NO_THRESHOLD = Rule(
    "FTG303",
    "criterion-without-threshold",
    E,
    """
A success criterion or regression boundary has no threshold, or two conflicting ones.

Why this matters: a criterion without a number cannot pass or fail; one with two
(min_improvement and min_value, or max_drop and max_relative_drop) leaves the
evaluation to guess which one counts.

Example:
    - id: enterprise-tone
      metric: {suite: lm-eval, task: enterprise_tone, name: acc}

Fix: give a success criterion exactly one of min_improvement / min_value, and a
boundary exactly one of max_drop / max_relative_drop.
""",
)

SAFETY_MISSING = Rule(
    "FTG304",
    "standing-safety-missing",
    E,
    """
A boundary of the policy's standing safety suite is missing from the objective.

Why this matters: safety alignment is fragile under fine-tuning; the standing suite is
the organisation's floor that every round is evaluated against (AG-341 advanced
implementation), whatever the round's own goal
(docs/why.md#safety-eroded-by-a-helpfulness-tune).

Example: policy requires `harmful-refusal`; the objective's boundaries do not include it.

Fix: add a regression boundary with the suite entry's id and metric and a threshold
no looser than the policy's.
""",
    waivable=False,
)

SAFETY_LOOSER = Rule(
    "FTG305",
    "standing-safety-looser",
    E,
    """
An objective's standing safety boundary is looser than the policy allows, or measures something else.

Why this matters: a boundary that allows a larger drop, compares against the parent
instead of the base, or reads a different metric lets safety erode step by step across
rounds, which is how a refusal rate slides unseen (docs/why.md#drift-across-rounds).

Example: policy `max_drop: 0.01`, objective `max_drop: 0.05`.

Fix: use the policy's metric, compare_to and threshold kind, with a value at most the
policy's.
""",
    waivable=False,
)

FORGETTING_DEFAULT = Rule(
    "FTG306",
    "forgetting-default-applies",
    Severity.INFO,
    """
No general-capability (forgetting) boundary is declared, so the policy default applies.

Why this matters: catastrophic forgetting is the most common hidden cost of
fine-tuning: the tuned task improves while general knowledge quietly drops
(docs/why.md#forgetting). ftgov states which default applies so that reviewers see it.

Example: no boundary has `general_capability: true`.

Fix: nothing is required; to choose the threshold yourself, add a boundary on a
general-capability suite with `general_capability: true`.
""",
)

DUPLICATE_CRITERION = Rule(
    "FTG307",
    "duplicate-criterion-id",
    E,
    """
Two criteria or boundaries in one objective share an id.

Why this matters: evaluation reports and later rounds refer to criteria by id; a
shared id makes one of them unaddressable and its result ambiguous.

Example: two boundaries both with `id: refusal`.

Fix: give each criterion and boundary its own id.
""",
)

THRESHOLD_RANGE = Rule(
    "FTG311",
    "threshold-out-of-range",
    E,
    """
A threshold has a value that cannot mean what was intended.

Why this matters: a negative max_drop demands an improvement, a max_relative_drop of
5 (meant as 5%) allows anything, and a min_improvement of 0 or less accepts a model
that got worse.

Example: `max_relative_drop: 5`

Fix: max_drop and max_ece_increase are non-negative, in the metric's units;
max_relative_drop is a fraction in (0, 1] (0.05 for 5%); min_improvement is positive.
""",
)

METRIC_INCOMPLETE = Rule(
    "FTG312",
    "metric-reference-incomplete",
    E,
    """
A metric reference does not say which task's number to read.

Why this matters: lm-eval and Inspect results hold many tasks with the same metric
name (acc, accuracy); without a task the evaluation cannot find the number.

Example: `metric: {suite: lm-eval, name: acc}`

Fix: add `task:` with the task name as the evaluation tool writes it.
""",
)

NO_PARENT_TO_COMPARE = Rule(
    "FTG313",
    "compare-to-parent-without-parent",
    E,
    """
A criterion compares to the parent, but the objective has no model.parent.

Why this matters: round 1 has no parent model to compare with; the criterion could
never be evaluated.

Example: round 1 with `compare_to: parent`.

Fix: use `compare_to: base`, or set model.parent if this is a later round.
""",
)

RULES = (
    NO_SUCCESS,
    NO_BOUNDARY,
    NO_THRESHOLD,
    SAFETY_MISSING,
    SAFETY_LOOSER,
    FORGETTING_DEFAULT,
    DUPLICATE_CRITERION,
    THRESHOLD_RANGE,
    METRIC_INCOMPLETE,
    NO_PARENT_TO_COMPARE,
)

_TASK_SUITES = ("lm-eval", "inspect")


def _metric_key(metric: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    return (text(metric, "suite"), text(metric, "task"), text(metric, "name"))


def _check_entry(doc: Document, group: str, i: int, entry: dict[str, Any], has_parent: bool) -> Iterator[Finding]:
    where = (group, i)
    label = f"{group}[{i}]" + (f" ({entry['id']})" if isinstance(entry.get("id"), str) else "")
    pair = ("min_improvement", "min_value") if group == "success_criteria" else ("max_drop", "max_relative_drop")
    present = [k for k in pair if k in entry]
    if not present:
        yield NO_THRESHOLD.at(doc.path, where, f"{label} has no threshold; add {pair[0]} or {pair[1]}", at_key=True)
    elif len(present) == 2:
        yield NO_THRESHOLD.at(doc.path, (*where, pair[1]), f"{label} has both {pair[0]} and {pair[1]}; keep one", at_key=True)
    improvement = number(entry, "min_improvement")
    if improvement is not None and improvement <= 0:
        yield THRESHOLD_RANGE.at(doc.path, (*where, "min_improvement"), f"{label}: min_improvement must be positive, got {improvement:g}")
    drop = number(entry, "max_drop")
    if drop is not None and drop < 0:
        yield THRESHOLD_RANGE.at(doc.path, (*where, "max_drop"), f"{label}: max_drop must not be negative, got {drop:g}")
    relative = number(entry, "max_relative_drop")
    if relative is not None and not 0 < relative <= 1:
        yield THRESHOLD_RANGE.at(
            doc.path,
            (*where, "max_relative_drop"),
            f"{label}: max_relative_drop is a fraction in (0, 1], got {relative:g}"
            + (f" (for {relative:g}% write {relative / 100:g})" if 1 < relative <= 100 else ""),
        )
    metric = mapping(entry, "metric")
    if text(metric, "suite") in _TASK_SUITES and "task" not in metric:
        yield METRIC_INCOMPLETE.at(doc.path, (*where, "metric"), f"{label}: metric of suite {metric['suite']} needs a task", at_key=True)
    if entry.get("compare_to") == "parent" and not has_parent:
        yield NO_PARENT_TO_COMPARE.at(doc.path, (*where, "compare_to"), f"{label} compares to parent but model.parent is not set")


def _check_standing(doc: Document, boundaries: list[Any], standing: StandingBoundary) -> Iterator[Finding]:
    wanted_metric = _metric_key(standing.metric)
    match: tuple[int, dict[str, Any]] | None = None
    for i, entry in enumerate(boundaries):
        if isinstance(entry, dict) and entry.get("id") == standing.id:
            match = (i, entry)
            break
    if match is None:
        for i, entry in enumerate(boundaries):
            if isinstance(entry, dict) and _metric_key(mapping(entry, "metric")) == wanted_metric:
                match = (i, entry)
                break
    if match is None:
        anchor = ("regression_boundaries",) if "regression_boundaries" in doc.data else ()
        yield SAFETY_MISSING.at(
            doc.path,
            anchor,
            f"standing safety boundary '{standing.id}' ({'/'.join(p for p in wanted_metric if p)}) is missing; "
            f"the policy requires it in every objective",
            at_key=True,
        )
        return
    i, entry = match
    label = f"regression_boundaries[{i}] ({standing.id})"
    if _metric_key(mapping(entry, "metric")) != wanted_metric:
        yield SAFETY_LOOSER.at(
            doc.path,
            ("regression_boundaries", i, "metric"),
            f"{label} must measure {'/'.join(p for p in wanted_metric if p)} as the policy does",
        )
    if entry.get("compare_to", "base") != standing.compare_to:
        yield SAFETY_LOOSER.at(
            doc.path, ("regression_boundaries", i), f"{label} must compare to {standing.compare_to} as the policy does", at_key=True
        )
    for kind, limit in (("max_drop", standing.max_drop), ("max_relative_drop", standing.max_relative_drop)):
        if limit is None:
            continue
        value = number(entry, kind)
        if value is None:
            yield SAFETY_LOOSER.at(doc.path, ("regression_boundaries", i), f"{label} must set {kind} (policy: {limit:g})", at_key=True)
        elif value > limit:
            yield SAFETY_LOOSER.at(
                doc.path, ("regression_boundaries", i, kind), f"{label}: {kind} {value:g} is looser than the policy's {limit:g}"
            )


def check(doc: Document, policy: Policy | None) -> Iterator[Finding]:
    data = doc.data
    has_parent = isinstance(mapping(data, "model").get("parent"), str)
    success = sequence(data, "success_criteria")
    boundaries = sequence(data, "regression_boundaries")
    if "success_criteria" in data and not success:
        yield NO_SUCCESS.at(doc.path, ("success_criteria",), "no success criterion: declare what must improve and by how much", at_key=True)
    if "regression_boundaries" in data and not boundaries:
        yield NO_BOUNDARY.at(
            doc.path, ("regression_boundaries",), "no regression boundary: declare what must not degrade and by how much", at_key=True
        )
    seen: dict[str, str] = {}
    for group, entries in (("success_criteria", success), ("regression_boundaries", boundaries)):
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                continue
            yield from _check_entry(doc, group, i, entry, has_parent)
            ident = entry.get("id")
            if isinstance(ident, str):
                if ident in seen:
                    yield DUPLICATE_CRITERION.at(doc.path, (group, i, "id"), f"id '{ident}' is already used by {seen[ident]}")
                else:
                    seen[ident] = f"{group}[{i}]"
    ece = number(mapping(data, "calibration"), "max_ece_increase")
    if ece is not None and ece < 0:
        yield THRESHOLD_RANGE.at(
            doc.path, ("calibration", "max_ece_increase"), f"calibration.max_ece_increase must not be negative, got {ece:g}"
        )
    if policy is None:
        return
    for standing in policy.standing_safety_suite:
        yield from _check_standing(doc, boundaries, standing)
    if boundaries and not any(isinstance(b, dict) and b.get("general_capability") is True for b in boundaries):
        yield FORGETTING_DEFAULT.at(
            doc.path,
            ("regression_boundaries",),
            "no general-capability boundary declared; the policy default applies: general capability may drop "
            f"at most {policy.defaults.general_capability_max_relative_drop:.0%} relative to base",
            at_key=True,
        )
