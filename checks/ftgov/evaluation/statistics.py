"""Estimates with honest intervals, one-sided p-values for a criterion's claims, Holm, and ECE.

An `Estimate` is a value with the uncertainty the evidence gives it: `interval(level)` is its
two-sided interval, `p_above(x)` / `p_below(x)` the one-sided p-values of "the true value is
above / below x" (the interval at level 1 - 2p just touches x). Intervals are never of zero
width where the data leave room:
- one proportion (0/1 items, or a [0, 1] value with n items and no stderr): Clopper–Pearson;
- paired 0/1 items (the same items in both runs): Tango's score interval for the difference
  of paired proportions (Tango 1998), which stays wide enough when no item flipped (at n = 50
  it still admits a difference of about 0.07);
- other per-item values: a percentile bootstrap of the mean (difference); where every item
  (difference) is the same and the values lie in [0, 1], the proportion intervals above;
- a value with a stderr: the normal interval; two independent values: MOVER (Newcombe's
  square-and-add of each side's interval), which is the normal sqrt(se_a^2 + se_b^2) for normal
  sides and Newcombe's hybrid score interval for proportions.
A value with neither items, a stderr nor n has no estimate at all (the caller says so).

Every random draw comes from a generator seeded with SEED and the comparison's name, so a
report is reproducible and one comparison's draws do not depend on which others ran.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
from scipy import special

from ftgov.evaluation.results.table import FloatArray

SEED = 20260301
RESAMPLES = 10_000
ECE_BINS = 15
_CHUNK_CELLS = 4_000_000  # resamples x items drawn at once: ~32 MB of indices
# Above this many item draws (resamples x items) a bootstrap resamples cells instead of items:
# the count of draws falling in each cell is exactly multinomial, and the sum of the values
# drawn within a cell is normal with the cell's mean and covariance (CLT within the cell).
# Below it (every test and most real evaluations) items are resampled one by one.
EXACT_DRAWS = 50_000_000
_STRATA = 64
_BISECTIONS = 100


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    method: str


def z_of(level: float) -> float:
    """The two-sided normal quantile: z such that P(|Z| <= z) = level."""
    return float(special.ndtri(0.5 + level / 2))


class Estimate(Protocol):
    @property
    def value(self) -> float: ...

    @property
    def method(self) -> str: ...

    @property
    def items(self) -> int | None:  # how many items it rests on (None: unknown), for "items that would settle it"
        ...

    def interval(self, level: float) -> Interval: ...

    def p_above(self, x: float) -> float: ...

    def p_below(self, x: float) -> float: ...


@dataclass(frozen=True)
class Proportion:
    """k successes of n (k may be fractional: a [0, 1] mean times n): the Clopper–Pearson interval."""

    successes: float
    n: int

    @property
    def value(self) -> float:
        return self.successes / self.n

    @property
    def items(self) -> int:
        return self.n

    @property
    def method(self) -> str:
        return f"Clopper–Pearson exact ({self.successes:g} of {self.n})"

    def interval(self, level: float) -> Interval:
        alpha = 1.0 - level
        k, n = self.successes, self.n
        low = 0.0 if k <= 0 else float(special.betaincinv(k, n - k + 1, alpha / 2))
        high = 1.0 if k >= n else float(special.betaincinv(k + 1, n - k, 1 - alpha / 2))
        return Interval(low, high, self.method)

    def p_above(self, x: float) -> float:
        # P(X >= k | p = x): the lower Clopper–Pearson bound at one-sided level p equals x.
        k, n = self.successes, self.n
        if k <= 0 or x <= 0.0:
            return 1.0 if k <= 0 else 0.0
        return 1.0 if x >= 1.0 else float(special.betainc(k, n - k + 1, x))

    def p_below(self, x: float) -> float:
        k, n = self.successes, self.n
        if k >= n or x >= 1.0:
            return 1.0 if k >= n else 0.0
        return 1.0 if x <= 0.0 else float(1.0 - special.betainc(k + 1, n - k, x))


@dataclass(frozen=True)
class PairedProportions:
    """Two runs' 0/1 values on the same n items: `lost` right -> wrong, `gained` wrong -> right.

    The difference is (gained - lost) / n; its interval is Tango's score interval: the values
    d whose score statistic, with the discordant probabilities estimated under the constraint
    q_gained - q_lost = d, lies within the normal quantile. Unlike a bootstrap or an interval
    conditional on the discordant pairs, it does not collapse to [0, 0] when nothing flipped.
    """

    lost: int
    gained: int
    n: int

    @property
    def value(self) -> float:
        return (self.gained - self.lost) / self.n

    @property
    def items(self) -> int:
        return self.n

    @property
    def method(self) -> str:
        flips = f"{self.lost} right->wrong, {self.gained} wrong->right of {self.n}"
        return f"Tango score interval, paired ({flips}; McNemar exact p={mcnemar_exact(self.lost, self.gained):.3g})"

    def score(self, d: float) -> float:
        """Tango's statistic at the difference d: positive when the data lie above d."""
        b, c, n = self.lost, self.gained, self.n
        q_lost = constrained_lost(b, c, n, d)
        variance = n * (2.0 * q_lost + d - d * d)
        excess = (c - b) - n * d
        if variance <= 0.0:
            return 0.0 if excess == 0 else math.copysign(math.inf, excess)
        return excess / math.sqrt(variance)

    def _root(self, target: float, low: float, high: float) -> float:
        """The d in [low, high] where the (decreasing) score equals target."""
        for _ in range(_BISECTIONS):
            middle = (low + high) / 2
            if self.score(middle) > target:
                low = middle
            else:
                high = middle
        return (low + high) / 2

    def interval(self, level: float) -> Interval:
        z = z_of(level)
        d = self.value
        low = -1.0 if self.score(-1.0) <= z else self._root(z, -1.0, d)
        high = 1.0 if self.score(1.0) >= -z else self._root(-z, d, 1.0)
        return Interval(low, high, self.method)

    def p_above(self, x: float) -> float:
        return float(special.ndtr(-self.score(x))) if x > -1.0 else 0.0

    def p_below(self, x: float) -> float:
        return float(special.ndtr(self.score(x))) if x < 1.0 else 0.0


def constrained_lost(lost: int, gained: int, n: int, d: float) -> float:
    """The maximum-likelihood probability of a right -> wrong item given q_gained - q_lost = d.

    Maximises b log q + c log(q + d) + (n - b - c) log(1 - 2q - d); setting the derivative to
    zero gives 2n q^2 - B q - b d (1 - d) = 0 with B = (b + c)(1 - d) - 2d(n - c), whose larger
    root is the maximum inside the feasible range.
    """
    b, c = lost, gained
    big_b = (b + c) * (1.0 - d) - 2.0 * d * (n - c)
    discriminant = max(0.0, big_b * big_b + 8.0 * n * b * d * (1.0 - d))
    q = (big_b + math.sqrt(discriminant)) / (4.0 * n)
    return min(max(q, max(0.0, -d)), (1.0 - d) / 2.0)


@dataclass(frozen=True)
class Normal:
    estimate: float
    se: float
    label: str = "normal (stderr)"

    @property
    def value(self) -> float:
        return self.estimate

    @property
    def items(self) -> None:
        return None

    @property
    def method(self) -> str:
        return self.label

    def interval(self, level: float) -> Interval:
        z = z_of(level)
        return Interval(self.estimate - z * self.se, self.estimate + z * self.se, self.label)

    def p_above(self, x: float) -> float:
        return float(special.ndtr((x - self.estimate) / self.se))

    def p_below(self, x: float) -> float:
        return float(special.ndtr((self.estimate - x) / self.se))


@dataclass(frozen=True)
class Bootstrap:
    """A percentile bootstrap: the draws of the statistic over resamples of the items."""

    estimate: float
    draws: FloatArray
    n: int
    label: str

    @property
    def value(self) -> float:
        return self.estimate

    @property
    def items(self) -> int:
        return self.n

    @property
    def method(self) -> str:
        return self.label

    @property
    def degenerate(self) -> bool:
        return bool(self.draws.min() == self.draws.max())

    def interval(self, level: float) -> Interval:
        alpha = 1.0 - level
        low, high = np.quantile(self.draws, [alpha / 2, 1 - alpha / 2])
        return Interval(float(low), float(high), self.label)

    def p_above(self, x: float) -> float:
        # (count + 1) / (resamples + 1): never 0 from a finite number of draws
        return float((np.count_nonzero(self.draws < x) + 1) / (self.draws.shape[0] + 1))

    def p_below(self, x: float) -> float:
        return float((np.count_nonzero(self.draws > x) + 1) / (self.draws.shape[0] + 1))


@dataclass(frozen=True)
class Shifted:
    """An estimate moved by a fixed number: a value against a recorded reference, or a floor around a constant difference."""

    inner: Estimate
    shift: float
    note: str = ""

    @property
    def value(self) -> float:
        return self.inner.value + self.shift

    @property
    def items(self) -> int | None:
        return self.inner.items

    @property
    def method(self) -> str:
        return self.inner.method + self.note

    def interval(self, level: float) -> Interval:
        found = self.inner.interval(level)
        return Interval(found.low + self.shift, found.high + self.shift, self.method)

    def p_above(self, x: float) -> float:
        return self.inner.p_above(x - self.shift)

    def p_below(self, x: float) -> float:
        return self.inner.p_below(x - self.shift)


@dataclass(frozen=True)
class Fixed:
    """A value taken as exact: only where the policy accepts point estimates, and flagged wherever shown."""

    estimate: float
    label: str = "point estimate (no uncertainty given; accepted by the policy)"

    @property
    def value(self) -> float:
        return self.estimate

    @property
    def items(self) -> None:
        return None

    @property
    def method(self) -> str:
        return self.label

    def interval(self, level: float) -> Interval:
        return Interval(self.estimate, self.estimate, self.label)

    def p_above(self, x: float) -> float:
        return 0.0 if self.estimate >= x - 1e-9 else 1.0

    def p_below(self, x: float) -> float:
        return 0.0 if self.estimate <= x + 1e-9 else 1.0


@dataclass(frozen=True)
class Difference:
    """`first - second` of two independent estimates, by MOVER (Newcombe's square-and-add of each side's interval)."""

    first: Estimate
    second: Estimate

    @property
    def value(self) -> float:
        return self.first.value - self.second.value

    @property
    def items(self) -> int | None:
        sizes = [s for s in (self.first.items, self.second.items) if s is not None]
        return min(sizes) if len(sizes) == 2 else None

    @property
    def method(self) -> str:
        return f"unpaired difference (MOVER) of [{self.first.method}] and [{self.second.method}]"

    def interval(self, level: float) -> Interval:
        a, b = self.first.interval(level), self.second.interval(level)
        va, vb = self.first.value, self.second.value
        d = va - vb
        low = d - math.hypot(va - a.low, b.high - vb)
        high = d + math.hypot(a.high - va, vb - b.low)
        return Interval(low, high, self.method)

    def p_above(self, x: float) -> float:
        return _inverted(lambda level: self.interval(level).low >= x)

    def p_below(self, x: float) -> float:
        return _inverted(lambda level: self.interval(level).high <= x)


@dataclass(frozen=True)
class Wider:
    """Two estimates of one value, judged by the wider: a stated stderr never narrows what n items allow."""

    first: Estimate
    second: Estimate

    @property
    def value(self) -> float:
        return self.first.value

    @property
    def items(self) -> int | None:
        return self.first.items if self.first.items is not None else self.second.items

    @property
    def method(self) -> str:
        return f"the wider of [{self.first.method}] and [{self.second.method}]"

    def interval(self, level: float) -> Interval:
        a, b = self.first.interval(level), self.second.interval(level)
        return Interval(min(a.low, b.low), max(a.high, b.high), self.method)

    def p_above(self, x: float) -> float:
        return max(self.first.p_above(x), self.second.p_above(x))

    def p_below(self, x: float) -> float:
        return max(self.first.p_below(x), self.second.p_below(x))


def rests_on_fixed(estimate: Estimate) -> bool:
    """Whether a value taken as exact (a point estimate the policy accepted) is part of the estimate."""
    if isinstance(estimate, Fixed):
        return True
    if isinstance(estimate, Shifted):
        return rests_on_fixed(estimate.inner)
    if isinstance(estimate, (Difference, Wider)):
        return rests_on_fixed(estimate.first) or rests_on_fixed(estimate.second)
    return False


def _inverted(holds: Callable[[float], bool]) -> float:
    """The smallest one-sided p at which a claim holds, for an estimate without a closed-form test.

    `holds(level)` says whether the two-sided interval at `level` lies wholly on the claimed
    side; intervals widen with the level, so the set of such p is an interval found by bisection.
    """
    if not holds(0.0):
        return 1.0
    low, high = 1e-15, 0.5  # one-sided p: the interval at 1 - 2p
    if holds(1.0 - 2 * low):
        return low
    for _ in range(60):
        middle = math.sqrt(low * high)  # p-values span orders of magnitude: bisect in log space
        if holds(1.0 - 2 * middle):
            high = middle
        else:
            low = middle
    return high


def rng_for(name: str, seed: int = SEED) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def holm(pvalues: Sequence[float], alpha: float) -> tuple[list[bool], list[float]]:
    """Holm's step-down: which hypotheses are rejected, and the one-sided level each was tested at.

    Sorted ascending, the r-th p-value (1-based) is compared with alpha / (m - r + 1); the first
    that exceeds its level stops the procedure, and it and every later one keep that level.
    """
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    rejected = [False] * m
    levels = [alpha / m if m else alpha] * m
    stopped: float | None = None
    for rank, index in enumerate(order):
        level = alpha / (m - rank) if stopped is None else stopped
        levels[index] = level
        if stopped is None and pvalues[index] <= level:
            rejected[index] = True
        elif stopped is None:
            stopped = level
    return rejected, levels


def mcnemar_exact(lost: int, gained: int) -> float:
    """Two-sided exact McNemar p-value: the discordant pairs as Binomial(lost + gained, 1/2)."""
    m = lost + gained
    if m == 0:
        return 1.0
    k = np.arange(min(lost, gained) + 1)
    log_pmf = np.array([math.lgamma(m + 1) - math.lgamma(i + 1) - math.lgamma(m - i + 1) for i in k]) - m * math.log(2)
    return float(min(1.0, 2.0 * np.exp(log_pmf).sum()))


def paired_binary(base: FloatArray, candidate: FloatArray) -> PairedProportions:
    """The paired 2x2 table of two runs' 0/1 values on the same items."""
    b, c = base.astype(bool), candidate.astype(bool)
    return PairedProportions(int(np.sum(b & ~c)), int(np.sum(~b & c)), int(base.shape[0]))


def paired_mean(base: FloatArray, candidate: FloatArray, rng: np.random.Generator, resamples: int = RESAMPLES) -> Bootstrap:
    """Paired bootstrap of mean(candidate - base)."""
    differences = candidate - base
    draws = _bootstrap_means(differences, rng, resamples)
    return Bootstrap(float(differences.mean()), draws, int(base.shape[0]), "paired bootstrap")


def mean_of(values: FloatArray, rng: np.random.Generator, resamples: int = RESAMPLES) -> Proportion | Bootstrap:
    """One run's mean: Clopper–Pearson for 0/1 items, else a bootstrap."""
    n = int(values.shape[0])
    if bool(np.all((values == 0.0) | (values == 1.0))):
        return Proportion(float(values.sum()), n)
    return Bootstrap(float(values.mean()), _bootstrap_means(values, rng, resamples), n, "bootstrap")


def _bootstrap_means(values: FloatArray, rng: np.random.Generator, resamples: int) -> FloatArray:
    n = values.shape[0]
    if n * resamples > EXACT_DRAWS:
        order = np.argsort(values, kind="stable")
        cells = np.zeros(n, dtype=np.int64)
        cells[order] = np.arange(n) * _STRATA // n  # strata of equal size by value, so skew survives
        totals = _cell_sums(cells, values[:, None], rng, resamples, lambda per_cell, _: per_cell.sum(axis=(1, 2))[:, None])
        means_: FloatArray = (totals[:, 0] / n).astype(np.float64)
        return means_
    rows = max(1, _CHUNK_CELLS // max(n, 1))
    means = np.empty(resamples, dtype=np.float64)
    for start in range(0, resamples, rows):
        count = min(rows, resamples - start)
        means[start : start + count] = values[rng.integers(0, n, size=(count, n))].mean(axis=1)
    return means


def ece(confidence: FloatArray, correct: FloatArray, bins: int = ECE_BINS) -> float:
    """Expected calibration error over `bins` equal-width bins of [0, 1].

    Bin k holds confidences in [k/bins, (k+1)/bins); the last bin also holds 1.0.
    ECE = sum over bins of |B|/n * |accuracy(B) - mean confidence(B)|, which equals
    (1/n) * sum over bins of |sum of (correct - confidence) in B|.
    """
    n = confidence.shape[0]
    if n == 0:
        return math.nan
    index = _bin_index(confidence, bins)
    return float(np.abs(np.bincount(index, weights=correct - confidence, minlength=bins)).sum() / n)


def _bin_index(confidence: FloatArray, bins: int) -> npt.NDArray[np.int64]:
    return np.minimum((confidence * bins).astype(np.int64), bins - 1)


def paired_ece(
    base_conf: FloatArray,
    base_correct: FloatArray,
    cand_conf: FloatArray,
    cand_correct: FloatArray,
    rng: np.random.Generator,
    resamples: int = RESAMPLES,
    bins: int = ECE_BINS,
) -> Bootstrap:
    """Paired bootstrap of ECE(candidate) - ECE(base): both recomputed on each resample of the items."""
    n = base_conf.shape[0]
    observed = ece(cand_conf, cand_correct, bins) - ece(base_conf, base_correct, bins)
    base_bin, cand_bin = _bin_index(base_conf, bins), _bin_index(cand_conf, bins)
    base_gap, cand_gap = base_correct - base_conf, cand_correct - cand_conf
    if n * resamples > EXACT_DRAWS:
        # Each item adds its gap to one base bin and one candidate bin: a vector of 2 x bins
        # entries. A resample's per-bin sums are a sum of n such vectors, drawn as the
        # multivariate normal with n x their mean and covariance (CLT), which keeps the pairing
        # (the base and candidate gaps of an item move together) at O(resamples x bins) cost.
        vectors = np.zeros((n, 2 * bins), dtype=np.float64)
        vectors[np.arange(n), base_bin] = base_gap
        vectors[np.arange(n), bins + cand_bin] = cand_gap
        mean = vectors.mean(axis=0)
        centred = vectors - mean
        values, basis = np.linalg.eigh(centred.T @ centred / n)
        factor = basis * np.sqrt(np.clip(values, 0.0, None))
        sums = n * mean + math.sqrt(n) * rng.standard_normal((resamples, 2 * bins)) @ factor.T
        change = (np.abs(sums[:, bins:]).sum(axis=1) - np.abs(sums[:, :bins]).sum(axis=1)) / n
        label = f"paired bootstrap of ECE ({bins} equal-width bins, normal sums)"
        return Bootstrap(observed, change.astype(np.float64), n, label)
    rows = max(1, _CHUNK_CELLS // max(n, 1))
    deltas = np.empty(resamples, dtype=np.float64)
    for start in range(0, resamples, rows):
        count = min(rows, resamples - start)
        picks = rng.integers(0, n, size=(count, n))
        offset = (np.arange(count) * bins)[:, None]  # one block of bins per resample, so one bincount serves all
        per_bin = [
            np.abs(np.bincount((bin_[picks] + offset).ravel(), weights=gap[picks].ravel(), minlength=count * bins)).reshape(count, bins)
            for bin_, gap in ((base_bin, base_gap), (cand_bin, cand_gap))
        ]
        deltas[start : start + count] = (per_bin[1].sum(axis=1) - per_bin[0].sum(axis=1)) / n
    return Bootstrap(observed, deltas, n, f"paired bootstrap of ECE ({bins} equal-width bins)")


def _cell_sums(
    cells: npt.NDArray[np.int64],
    columns: FloatArray,
    rng: np.random.Generator,
    resamples: int,
    reduce: Callable[[FloatArray, npt.NDArray[np.int64]], FloatArray],
) -> FloatArray:
    """Bootstrap sums of `columns` (items x k) per cell, over resamples of the items, drawn cell by cell.

    Exact in how many draws land in each cell (multinomial); within a cell the sum of m draws
    is normal with m x the cell's mean and m x the cell's covariance. `reduce` turns a chunk of
    per-cell sums (resamples x cells x k) and the cells' ids into the statistic, so memory
    stays O(chunk x cells x k), never O(resamples x items).
    """
    n, k = columns.shape
    present, inverse = np.unique(cells, return_inverse=True)
    sizes = np.bincount(inverse).astype(np.float64)
    means = np.stack([np.bincount(inverse, weights=columns[:, j]) for j in range(k)], axis=1) / sizes[:, None]
    centred = columns - means[inverse]
    covariance = np.einsum("ni,nj->nij", centred, centred)
    stacked = np.stack([np.bincount(inverse, weights=covariance[:, i, j]) for i in range(k) for j in range(k)], axis=1)
    pooled = stacked.reshape(-1, k, k) / sizes[:, None, None]
    values, vectors = np.linalg.eigh(pooled)
    factor = vectors * np.sqrt(np.clip(values, 0.0, None))[:, None, :]  # covariance = factor @ factor.T
    chunks = []
    rows = max(1, _CHUNK_CELLS // max(1, present.shape[0] * k))
    for start in range(0, resamples, rows):
        m = min(rows, resamples - start)
        drawn = rng.multinomial(n, sizes / n, size=m).astype(np.float64)  # m x cells
        noise = rng.standard_normal((m, present.shape[0], k)) * np.sqrt(drawn)[:, :, None]
        per_cell = drawn[:, :, None] * means[None] + np.einsum("rck,cjk->rcj", noise, factor)
        chunks.append(reduce(per_cell, present))
    return np.concatenate(chunks).astype(np.float64)
