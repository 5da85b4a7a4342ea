"""A criterion's threshold made concrete: which quantity is compared with which limit, and which side is allowed.

One definition for every place that judges a threshold. The register rules and `ftgov register
show` judge the values the register recorded (stack.judge: point values, `Limit.passes`); the
evaluation builds its "passes" and "fails" claims on intervals at the same limit
(evaluation/compare.py: `Limit.allowed`). Two copies of these rules once judged the same
numbers differently, so a verdict could pass a criterion the register then failed.

Every threshold compares one of two quantities:
- the candidate's own value (min_value, and an inherited success criterion's floor);
- the change, candidate minus reference (min_improvement, max_drop, max_relative_drop, and the
  calibration boundary's max_ece_increase, a change of ECE, which is lower-is-better).

Limits are kept in "better is larger" units: with the metric's sign (+1 higher is better, -1
lower), sign x quantity must be at least `need`. A metric with no known direction (the
forgetting guard over metrics no criterion names) has sign None: its change must stay within
[-need, +need], a drop either way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Measured values are floats written by evaluation tools; 0.88 - 0.015 must not fail a 0.865
# floor. The tolerance is in the metric's own units for every kind, so max_relative_drop 0.1 of
# a 0.0 baseline allows exactly what max_drop 0 allows.
EPSILON = 1e-9
VALUE = "value"  # the candidate's own value
CHANGE = "change"  # candidate minus reference
OBJECTIVE_KINDS = ("min_improvement", "min_value", "max_drop", "max_relative_drop")  # what an objective's criterion may state
KINDS = (*OBJECTIVE_KINDS, "max_ece_increase")  # and the calibration boundary (objective calibration / policy defaults)


def quantity_of(kind: str) -> str:
    """What a threshold of this kind compares: the candidate's VALUE (min_value) or the CHANGE from the reference (all others)."""
    return VALUE if kind == "min_value" else CHANGE


@dataclass(frozen=True)
class Limit:
    """One threshold against one reference: the quantity must lie on the allowed side of `need`.

    `sign` +1: sign x quantity >= need (higher is better); -1: the same, lower is better;
    None: no direction known, |quantity| <= need.
    """

    quantity: str  # VALUE | CHANGE
    sign: float | None
    need: float

    @property
    def allowed(self) -> tuple[float, float]:
        """The quantities that pass, tolerance included, as [low, high] in the metric's own units."""
        if self.sign is None:
            return -self.need - EPSILON, self.need + EPSILON
        if self.sign > 0:
            return self.need - EPSILON, math.inf
        return -math.inf, -self.need + EPSILON

    def observed(self, candidate: float, reference: float | None) -> float:
        """The quantity this limit judges, from a candidate's value and the reference's."""
        if self.quantity == VALUE:
            return candidate
        if reference is None:
            raise ValueError("a change needs a reference value")
        return candidate - reference

    def margin(self, quantity: float) -> float:
        """How far the quantity lies on the allowed side of the limit, in better-is-larger units (negative: beyond it)."""
        if self.sign is None:
            return self.need - abs(quantity)
        return self.sign * quantity - self.need

    def passes(self, quantity: float) -> bool:
        low, high = self.allowed
        return low <= quantity <= high


@dataclass(frozen=True)
class Threshold:
    """A criterion's threshold as declared: its kind (one of KINDS) and value."""

    kind: str
    value: float

    @property
    def quantity(self) -> str:
        return quantity_of(self.kind)

    @property
    def needs_reference(self) -> bool:
        """Whether judging it needs the reference's value (every kind but min_value)."""
        return self.quantity == CHANGE

    def limit(self, higher_is_better: bool | None, reference: float | None = None) -> Limit:
        """The limit against a reference value (needed for max_relative_drop only: the allowed drop is value x |reference|).

        A value limit with no direction known is judged higher-is-better, the default
        direction of a metric that states none.
        """
        if self.quantity == VALUE:
            sign = -1.0 if higher_is_better is False else 1.0
            return Limit(VALUE, sign, sign * self.value)
        gain = self._least_gain(reference)
        if higher_is_better is None:
            return Limit(CHANGE, None, -gain)  # the allowed drop, either way
        return Limit(CHANGE, 1.0 if higher_is_better else -1.0, gain)

    def _least_gain(self, reference: float | None) -> float:
        """The smallest acceptable change in the better direction: the improvement asked for, or minus the drop allowed."""
        if self.kind == "min_improvement":
            return self.value
        if self.kind in ("max_drop", "max_ece_increase"):  # ECE is lower-is-better: its increase is the drop
            return -self.value
        if self.kind == "max_relative_drop":
            if reference is None:
                raise ValueError("max_relative_drop needs the reference value")
            return -self.value * abs(reference)
        raise ValueError(f"unknown threshold kind {self.kind!r}")
