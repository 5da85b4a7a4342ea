"""The cumulative stack (checks/ftgov/inheritance.py): anchored inheritance, retirement, judging.

Seeds/000 scenario B is the first case: every later round loses 1.5 points of round 1's
accuracy against its parent, each round passes its own objective, and round 1's own
threshold still holds; the stack must fail at the first round more than the tolerance
below what round 1 achieved, naming round 1 as the origin.
"""

from __future__ import annotations

from typing import Any

import pytest

from ftgov.documents.policy import Policy
from ftgov.documents.stack import RecordedValues, RoundRecord, ancestry, build_stack, judge, metric_key, verdict

ACC = {"suite": "lm-eval", "task": "fin_struct", "name": "acc"}
ACC_KEY = "lm-eval/fin_struct/acc"


def objective(
    ident: str, parent: str | None, success: list[dict[str, Any]], boundaries: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    model: dict[str, Any] = {"name": "fin-agent", "base": "org/base@1"}
    if parent is not None:
        model["parent"] = parent
    return {"id": ident, "model": model, "success_criteria": success, "regression_boundaries": boundaries or []}


def record(
    ident: str, parent: str | None, success: list[dict[str, Any]], measured: dict[str, dict[str, float]], **extra: Any
) -> RoundRecord:
    register_round = {"objective": ident, "evaluation": {"measured": measured}, **extra}
    return RoundRecord.of(objective(ident, parent, success, extra.pop("boundaries", None)), register_round)


def scenario_b() -> list[RoundRecord]:
    """Five rounds; each later one targets something else and loses 1.5 points of fin_struct accuracy."""
    rounds = [
        record(
            "fin-agent-r1",
            None,
            [{"id": "structured-finance", "metric": ACC, "compare_to": "base", "min_value": 0.80}],
            {ACC_KEY: {"base": 0.70, "candidate": 0.88}},
        )
    ]
    for n in range(2, 6):
        own_key = f"lm-eval/goal_{n}/acc"
        accuracy = round(0.88 - 0.015 * (n - 1), 3)  # 0.865, 0.85, 0.835, 0.82
        rounds.append(
            record(
                f"fin-agent-r{n}",
                f"fin-agent-r{n - 1}",
                [{"id": f"goal-{n}", "metric": {"suite": "lm-eval", "task": f"goal_{n}", "name": "acc"}, "min_improvement": 0.05}],
                {
                    # earlier rounds' goals are measured again and held (the stack asks for them)
                    **{f"lm-eval/goal_{k}/acc": {"base": 0.40, "parent": 0.46, "candidate": 0.46} for k in range(2, n)},
                    own_key: {"base": 0.40, "parent": 0.40, "candidate": 0.46},
                    ACC_KEY: {"base": 0.70, "parent": round(accuracy + 0.015, 3), "candidate": accuracy},
                },
            )
        )
    return rounds


def first_failing_round(rounds: list[RoundRecord], tolerance: float) -> tuple[str, list[str]]:
    for current in rounds[1:]:
        stack = build_stack(ancestry(rounds, current.objective_id), tolerance)
        judged = judge(stack, current.measured)
        # Judged only against its own objective, every round passes (scenario B's blind spot).
        assert verdict(j for j in judged if not j.criterion.inherited) == "pass"
        if verdict(judged) == "fail":
            return current.objective_id, [j.criterion.ref for j in judged if j.status != "pass"]
    return "", []


@pytest.mark.parametrize(("tolerance", "fails_at"), [(0.01, "fin-agent-r2"), (0.04, "fin-agent-r4")])
def test_drift_fails_at_the_first_round_beyond_the_tolerance(tolerance: float, fails_at: str) -> None:
    rounds = scenario_b()
    failing, criteria = first_failing_round(rounds, tolerance)
    assert failing == fails_at
    assert criteria == ["fin-agent-r1/structured-finance"]  # round 1 is the origin
    stack = build_stack(ancestry(rounds, fails_at), tolerance)
    [judged] = [j for j in judge(stack, rounds[int(fails_at[-1]) - 1].measured) if j.criterion.origin == "fin-agent-r1"]
    assert judged.criterion.inherited
    assert judged.criterion.achieved == 0.88
    assert judged.criterion.floor == pytest.approx(0.88 - tolerance)
    # Round 1's own threshold (min_value 0.80) still holds: only the anchored floor fails.
    assert len(judged.reasons) == 1 and "below the 0.88 fin-agent-r1 achieved" in judged.reasons[0]


def test_without_drop_tolerance_round_5_still_meets_round_1s_own_threshold() -> None:
    rounds = scenario_b()
    stack = build_stack(ancestry(rounds, "fin-agent-r5"), 0.10)
    assert verdict(judge(stack, rounds[-1].measured)) == "pass"  # 0.82 >= 0.80 and >= 0.88 - 0.10


def test_a_criterions_own_inherited_max_drop_beats_the_policy_default() -> None:
    rounds = scenario_b()
    rounds[0] = record(
        "fin-agent-r1",
        None,
        [{"id": "structured-finance", "metric": ACC, "compare_to": "base", "min_value": 0.80, "inherited_max_drop": 0.05}],
        {ACC_KEY: {"base": 0.70, "candidate": 0.88}},
    )
    assert first_failing_round(rounds, 0.01)[0] == "fin-agent-r5"  # 0.82 < 0.83


def test_the_anchor_never_moves_to_the_parent() -> None:
    # r2 declares a boundary against its parent; r3 inherits it with r2's parent value (r1's 0.88), not r3's parent (0.87).
    r1 = record(
        "m-r1",
        None,
        [{"id": "acc", "metric": ACC, "compare_to": "base", "min_improvement": 0.1}],
        {ACC_KEY: {"base": 0.7, "candidate": 0.88}},
    )
    tone = {"suite": "lm-eval", "task": "tone", "name": "acc"}
    r2 = RoundRecord.of(
        objective("m-r2", "m-r1", [{"id": "tone", "metric": tone, "min_improvement": 0.05}],
                  [{"id": "acc-kept", "metric": ACC, "compare_to": "parent", "max_drop": 0.02}]),
        {"objective": "m-r2", "evaluation": {"measured": {
            ACC_KEY: {"candidate": 0.87}, "lm-eval/tone/acc": {"parent": 0.4, "candidate": 0.5}}}},
    )  # fmt: skip
    r3 = record("m-r3", "m-r2", [{"id": "short", "metric": {"suite": "inspect", "task": "s", "name": "a"}, "min_value": 0.5}], {})
    stack = build_stack(ancestry([r1, r2, r3], "m-r3"), 0.01)
    kept = next(c for c in stack.criteria if c.ref == "m-r2/acc-kept")
    assert (kept.baseline, kept.inherited, kept.tolerance) == (0.88, True, None)
    judged = {j.criterion.ref: j for j in judge(stack, {ACC_KEY: RecordedValues(base=0.7, parent=0.87, candidate=0.855)})}
    # 0.855 is within 0.02 of its parent (0.87) but 0.025 below the anchor (0.88).
    assert judged["m-r2/acc-kept"].status == "fail"
    assert judged["m-r1/acc"].status == "fail"  # also more than 0.01 below the 0.88 r1 achieved
    tone_criterion = next(c for c in stack.criteria if c.ref == "m-r2/tone")
    assert tone_criterion.baseline == 0.4 and tone_criterion.achieved == 0.5


def test_a_retired_criterion_is_not_inherited_and_an_unknown_retirement_is_reported() -> None:
    rounds = scenario_b()[:3]
    retire = [
        {"criterion": "fin-agent-r1/structured-finance", "rationale": "the desk moved to another system", "approved_by": "risk"},
        {"criterion": "fin-agent-r1/structured-financ", "rationale": "typo", "approved_by": "risk"},
        {"criterion": "fin-agent-r3/goal-3", "rationale": "own criterion", "approved_by": "risk"},
    ]
    rounds[2] = RoundRecord.of(dict(rounds[2].objective), {"objective": "fin-agent-r3", "retired_criteria": retire})
    stack = build_stack(ancestry(rounds, "fin-agent-r3"), 0.01)
    refs = [c.ref for c in stack.criteria]
    assert refs == ["fin-agent-r2/goal-2", "fin-agent-r3/goal-3"]
    assert [r.criterion for r in stack.retired] == ["fin-agent-r1/structured-finance"]
    assert stack.retired[0].rationale == "the desk moved to another system"
    assert [r.criterion for r in stack.unknown_retirements] == ["fin-agent-r1/structured-financ", "fin-agent-r3/goal-3"]
    # Round 2 did not retire it: its stack still holds round 1's criterion.
    assert "fin-agent-r1/structured-finance" in [c.ref for c in build_stack(ancestry(rounds, "fin-agent-r2"), 0.01).criteria]


def test_a_missing_measurement_is_not_a_pass() -> None:
    rounds = scenario_b()[:2]
    stack = build_stack(ancestry(rounds, "fin-agent-r2"), 0.01)
    judged = judge(stack, {"lm-eval/goal_2/acc": RecordedValues(parent=0.4, candidate=0.5)})
    assert [(j.criterion.ref, j.status) for j in judged] == [
        ("fin-agent-r1/structured-finance", "missing"),
        ("fin-agent-r2/goal-2", "pass"),
    ]
    assert verdict(judged) == "fail"


def test_an_unevaluated_declaring_round_leaves_the_floor_unknown() -> None:
    rounds = scenario_b()[:2]
    rounds[0] = record("fin-agent-r1", None, list(rounds[0].objective["success_criteria"]), {})
    stack = build_stack(ancestry(rounds, "fin-agent-r2"), 0.01)
    [inherited] = [j for j in judge(stack, rounds[1].measured) if j.criterion.inherited]
    assert inherited.status == "missing" and "recorded no achieved value" in inherited.reason


def test_lower_is_better_metrics_floor_upwards() -> None:
    # A recorded count where fewer is better (hallucinated facts per 100 answers), not a timing.
    hallucinations = {"suite": "quality", "name": "hallucinations_per_100", "higher_is_better": False}
    r1 = record(
        "m-r1",
        None,
        [{"id": "fewer-hallucinations", "metric": hallucinations, "compare_to": "base", "min_improvement": 1.0}],
        {"quality/hallucinations_per_100": {"base": 4.8, "candidate": 2.9}},
    )
    r2 = record("m-r2", "m-r1", [], {})
    stack = build_stack(ancestry([r1, r2], "m-r2"), 0.1)
    [fewer] = stack.criteria
    assert fewer.floor == pytest.approx(3.0)
    assert judge(stack, {"quality/hallucinations_per_100": RecordedValues(candidate=2.95)})[0].status == "pass"
    assert judge(stack, {"quality/hallucinations_per_100": RecordedValues(candidate=3.2)})[0].status == "fail"


def test_ancestry_follows_parents_not_list_order() -> None:
    r1 = record("m-r1", None, [], {})
    r2 = record("m-r2", "m-r1", [], {})  # rejected, say; r2b starts again from r1
    r2b = record("m-r2b", "m-r1", [], {})
    assert [r.objective_id for r in ancestry([r1, r2, r2b], "m-r2b")] == ["m-r1", "m-r2b"]


def test_metric_key_and_policy_default() -> None:
    assert metric_key(ACC) == ACC_KEY
    assert metric_key({"suite": "safety", "name": "refusal_rate"}) == "safety/refusal_rate"
    base = {"apiVersion": "ftgov/v1", "kind": "Policy", "approvals": {"teams": {}, "required": {"low": [], "medium": [], "high": []}}}
    assert Policy.from_data({**base, "defaults": {}}, "p").defaults.inherited_max_drop == 0.01
    assert Policy.from_data({**base, "defaults": {"inherited_max_drop": 0.03}}, "p").defaults.inherited_max_drop == 0.03
