"""One threshold evaluator (checks/ftgov/documents/thresholds.py): the register and the evaluation judge every kind alike.

The register rules and `ftgov register show` judge the values the register recorded
(stack.judge); `ftgov evaluate` judges intervals (compare). On exact values (point estimates a
policy accepts) there is nothing to test, and both must give the same answer at, just inside
and just beyond every limit. Each case below is judged both ways, from the same objective, on
results files written to tmp_path, and checked against the limit worked out by hand.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ftgov.documents.policy import Policy
from ftgov.documents.stack import RecordedValues, RoundRecord, Stack, build_stack, judge
from ftgov.documents.thresholds import CHANGE, EPSILON, KINDS, OBJECTIVE_KINDS, VALUE, Limit, Threshold
from ftgov.evaluation import results
from ftgov.evaluation.compare import build_criteria, compare
from ftgov.evaluation.results.table import MetricTable

TOLERANCE = 0.01  # inherited_max_drop: how far below its declaring round's value an inherited success criterion may fall
POLICY = Policy.from_data(
    {
        "approvals": {"teams": {"technical": "acme/t"}, "required": {"low": ["technical"]}},
        "standing_safety_suite": [],
        "defaults": {
            "general_capability_max_relative_drop": 0.10,
            "tail_max_relative_drop": 0.15,
            "max_ece_increase": 0.05,
            "inherited_max_drop": TOLERANCE,
            "point_estimates": "accept",
        },
    },
    "policy.yaml",
)
KEY = "suite/t/m"
GUARD = {"id": "general", "metric": {"suite": "other", "name": "x"}, "max_drop": 1, "general_capability": True}


@dataclass(frozen=True)
class Case:
    """One criterion: declared by round 1 with `kind: value`, judged in round 1 itself or inherited by round 2."""

    kind: str
    value: float
    reference: float  # the base value (recorded for round 1, or given as a results file)
    inherited: bool = False
    achieved: float | None = None  # round 1's candidate, recorded: an inherited success criterion's floor is this less TOLERANCE
    base_given: bool = False  # inherited: a base run measuring the recorded value is given (a difference of two exact values)

    @property
    def floor(self) -> bool:
        """An inherited min_value is declared lax, so the floor under it decides."""
        return self.inherited and self.kind == "min_value"

    def limit(self, sign: float) -> float:
        """Where the candidate's value passes into failing, worked out here from the schema's words, not from the code under test."""
        if self.floor:
            assert self.achieved is not None
            return self.achieved - sign * TOLERANCE
        if self.kind == "min_value":
            return self.value
        if self.kind == "min_improvement":
            return self.reference + sign * self.value
        if self.kind == "max_drop":
            return self.reference - sign * self.value
        return self.reference - sign * self.value * abs(self.reference)  # max_relative_drop

    @property
    def name(self) -> str:
        where = "inherited " if self.inherited else ""
        floor = " floor" if self.floor else ""
        given = " base given" if self.base_given else ""
        return f"{where}{self.kind}={self.value:g}{floor} ref={self.reference:g}{given}"


CASES = [
    Case("min_value", 0.80, 0.50),
    Case("min_improvement", 0.05, 0.60),
    Case("max_drop", 0.02, 0.80),
    Case("max_drop", 0.0, 0.30),
    Case("max_relative_drop", 0.10, 0.50),
    Case("max_relative_drop", 0.10, 0.0),  # nothing to lose: allows what max_drop 0 allows
    Case("max_relative_drop", 0.10, 250.0),  # a perplexity-sized reference
    Case("min_value", 0.0, 0.50, inherited=True, achieved=0.90),
    Case("max_drop", 0.02, 0.80, inherited=True),
    Case("max_drop", 0.02, 0.80, inherited=True, base_given=True),
    Case("max_relative_drop", 0.10, 0.50, inherited=True),
    Case("min_improvement", 0.05, 0.60, inherited=True, achieved=0.60),  # its floor (0.60 -+ 0.01) lies on the passing side
]
# Offsets from the limit, in better-is-larger units: beyond it, within the float tolerance either side, at it, clear of it.
OFFSETS = (-1e-6, -2e-9, -5e-10, 0.0, 5e-10, 1e-6)


def metric(higher_is_better: bool) -> dict[str, Any]:
    return {"suite": "suite", "task": "t", "name": "m", "higher_is_better": higher_is_better}


def results_file(where: Path, name: str, value: float) -> MetricTable:
    where.mkdir(parents=True, exist_ok=True)
    path = where / f"{name}.json"
    path.write_text(json.dumps({"suite": "suite", "task": "t", "metrics": {"m": {"value": value}}}))
    return results.load(path)


def rounds(case: Case, higher_is_better: bool) -> tuple[Mapping[str, Any], Stack]:
    """The objective judged and its stack, as the register builds it."""
    value = case.value
    if case.floor:
        value = 0.0 if higher_is_better else 1e6  # a min_value that never binds
    criterion = {"id": "c", "metric": metric(higher_is_better), "compare_to": "base", case.kind: value}
    success = case.kind in ("min_value", "min_improvement")
    first = {
        "id": "r1",
        "model": {"name": "m", "base": "org/base@1"},
        "success_criteria": [criterion] if success else [],
        "regression_boundaries": [GUARD] + ([] if success else [criterion]),
    }
    measured = {KEY: {"base": case.reference, **({"candidate": case.achieved} if case.achieved is not None else {})}}
    chain = [RoundRecord.of(first, {"objective": "r1", "evaluation": {"measured": measured}})]
    if case.inherited:
        second = {"id": "r2", "model": {"name": "m", "base": "org/base@1", "parent": "r1"}, "regression_boundaries": [GUARD]}
        chain.append(RoundRecord.of(second, {"objective": "r2"}))
    return chain[-1].objective, build_stack(chain, TOLERANCE)


def register_status(case: Case, higher_is_better: bool, candidate: float) -> str:
    _, stack = rounds(case, higher_is_better)
    values = RecordedValues(candidate=candidate) if case.inherited else RecordedValues(base=case.reference, candidate=candidate)
    (judged,) = [j for j in judge(stack, {KEY: values}) if j.criterion.id == "c"]
    return judged.status


def evaluation_status(case: Case, higher_is_better: bool, candidate: float, tmp_path: Path) -> str:
    objective, stack = rounds(case, higher_is_better)
    criteria = [c for c in build_criteria(objective, POLICY, stack) if c.id == "c"]
    base = results_file(tmp_path / "base", "base", case.reference) if not case.inherited or case.base_given else None
    verdict = compare(
        str(objective["id"]),
        criteria,
        results_file(tmp_path / "candidate", "candidate", candidate),
        base,
        point_estimates=POLICY.defaults.point_estimates,
    )
    (result,) = verdict.criteria
    assert result.point_estimate, "the table is about exact values: no interval may judge it"
    return result.status


@pytest.mark.parametrize("offset", OFFSETS)
@pytest.mark.parametrize("higher_is_better", [True, False], ids=["higher", "lower"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_register_and_the_evaluation_judge_every_kind_alike(case: Case, higher_is_better: bool, offset: float, tmp_path: Path) -> None:
    sign = 1.0 if higher_is_better else -1.0
    candidate = case.limit(sign) + sign * offset
    expected = "pass" if offset >= -EPSILON else "fail"
    register = register_status(case, higher_is_better, candidate)
    evaluation = evaluation_status(case, higher_is_better, candidate, tmp_path)
    assert (register, evaluation) == (expected, expected), f"candidate {candidate!r}, limit {case.limit(sign)!r}"


def test_the_table_covers_every_kind_an_objective_may_state() -> None:
    assert {case.kind for case in CASES} == set(OBJECTIVE_KINDS)
    assert {case.floor for case in CASES} == {True, False}


# The disagreements the shared evaluator ended. Each was a case where the two paths gave
# different answers on the same numbers; the tests pin the answer both now give.


def test_a_point_value_exactly_at_its_limit_passes_in_the_evaluation_as_in_the_register(tmp_path: Path) -> None:
    """Was: the evaluation failed a candidate exactly at min_value, at an inherited floor, or at a recorded max_drop.

    A point estimate's own float tolerance let both claims ("passes" and "fails") hold at the
    limit, and the fail claim won. The register was right: min_value is the "smallest acceptable
    value" (policies/objective.schema.json), so a value equal to it is acceptable.
    """
    at_min_value = Case("min_value", 0.80, 0.50)
    floor = Case("min_value", 0.0, 0.50, inherited=True, achieved=0.90)
    recorded_drop = Case("max_drop", 0.02, 0.80, inherited=True)
    for n, case in enumerate((at_min_value, floor, recorded_drop)):
        for higher_is_better in (True, False):
            at = case.limit(1.0 if higher_is_better else -1.0)
            assert register_status(case, higher_is_better, at) == "pass"
            assert evaluation_status(case, higher_is_better, at, tmp_path / f"{n}{higher_is_better}") == "pass"


def test_a_relative_drop_from_zero_allows_what_max_drop_zero_allows(tmp_path: Path) -> None:
    """Was: the register failed any drop from a 0.0 reference, even float noise; the evaluation let it through.

    The evaluation was right: the tolerance is for float noise in measured values, which is in
    the metric's units whatever the threshold's kind, and 0.1 of nothing is nothing: max_drop 0.
    """
    noise = -1e-12
    for case in (Case("max_relative_drop", 0.10, 0.0), Case("max_drop", 0.0, 0.0)):
        assert register_status(case, True, noise) == "pass"
        assert evaluation_status(case, True, noise, tmp_path / case.kind) == "pass"
        assert register_status(case, True, -1e-6) == "fail"
        assert evaluation_status(case, True, -1e-6, tmp_path / f"{case.kind}-real") == "fail"


def test_a_relative_drop_is_judged_in_the_metrics_units_whatever_the_reference(tmp_path: Path) -> None:
    """Was: the register's tolerance scaled with the reference (1e-9 of the relative drop: 2.5e-7 points of a 250 perplexity).

    So a perplexity 1e-7 worse than max_relative_drop allowed passed the register and failed
    the evaluation. The evaluation was right: it judges the drop against value x |reference| in
    the metric's units (its method says so), with the tolerance every other kind uses.
    """
    case = Case("max_relative_drop", 0.10, 250.0)
    worse = 275.0 + 1e-7  # lower is better: 10% of 250 allows up to 275
    assert register_status(case, False, worse) == "fail"
    assert evaluation_status(case, False, worse, tmp_path) == "fail"


def test_an_inherited_success_criterion_whose_round_recorded_no_achieved_value_is_missing_in_both(tmp_path: Path) -> None:
    """Was: the register judged it missing (no floor can be placed), the evaluation judged it without its floor and passed.

    The register was right: the floor is what stops drift across rounds, and a comparison that
    cannot be made is never a pass.
    """
    case = Case("min_improvement", 0.05, 0.60, inherited=True)  # round 1 recorded its base value only
    objective, stack = rounds(case, True)
    (judged,) = [j for j in judge(stack, {KEY: RecordedValues(candidate=0.70)}) if j.criterion.id == "c"]
    (criterion,) = [c for c in build_criteria(objective, POLICY, stack) if c.id == "c"]
    verdict = compare("r2", [criterion], results_file(tmp_path, "candidate", 0.70), point_estimates="accept")
    (result,) = verdict.criteria
    assert (judged.status, result.status) == ("missing", "missing")
    assert judged.reasons == result.reasons == (f"r1 recorded no achieved value for {KEY}",)
    assert verdict.verdict == "fail"


# The shared definitions themselves


def test_each_kind_compares_the_quantity_its_name_says() -> None:
    assert {kind: Threshold(kind, 0.1).quantity for kind in KINDS} == {
        "min_improvement": CHANGE,
        "min_value": VALUE,
        "max_drop": CHANGE,
        "max_relative_drop": CHANGE,
        "max_ece_increase": CHANGE,
    }
    assert [kind for kind in KINDS if not Threshold(kind, 0.1).needs_reference] == ["min_value"]


def test_an_ece_increase_is_a_drop_of_a_lower_is_better_quantity() -> None:
    ece = Threshold("max_ece_increase", 0.05).limit(higher_is_better=False)
    assert ece == Threshold("max_drop", 0.05).limit(higher_is_better=False)
    assert ece.passes(ece.observed(0.15, 0.10)) and not ece.passes(ece.observed(0.151, 0.10))


def test_with_no_direction_known_a_change_must_stay_within_the_allowed_drop_either_way() -> None:
    guard = Threshold("max_relative_drop", 0.10).limit(None, reference=-0.5)
    assert guard == Limit(CHANGE, None, 0.05)
    assert [guard.passes(change) for change in (-0.06, -0.05, 0.0, 0.05, 0.06)] == [False, True, True, True, False]
    assert guard.margin(0.03) == pytest.approx(0.02) and guard.margin(-0.07) == pytest.approx(-0.02)


def test_a_limit_needs_what_it_compares() -> None:
    with pytest.raises(ValueError, match="reference"):
        Threshold("max_relative_drop", 0.1).limit(True)
    with pytest.raises(ValueError, match="reference"):
        Threshold("max_drop", 0.1).limit(True).observed(0.5, None)
    with pytest.raises(ValueError, match="unknown threshold kind"):
        Threshold("max_value", 0.1).limit(True, 0.5)
