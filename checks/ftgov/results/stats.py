"""Intervals for the difference between two runs, and expected calibration error.

Paired methods when both runs carry per-item values for the same items: for 0/1 items
the paired bootstrap is drawn as a multinomial over the 2x2 table of (base right,
candidate right) counts, which is the same distribution as resampling the items and costs
O(resamples) instead of O(resamples x items); exact McNemar gives the p-value of "no
change". Other items: a paired bootstrap of the mean difference. Without per-item data,
the unpaired normal interval sqrt(se_a^2 + se_b^2), which is conservative for paired runs.

Every random draw comes from a generator seeded with SEED and the comparison's name, so a
report is reproducible and one comparison's draws do not depend on which others ran.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from ftgov.results.table import FloatArray

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


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    method: str


def rng_for(name: str, seed: int = SEED) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def normal_interval(estimate: float, se: float, level: float, method: str) -> Interval:
    z = NormalDist().inv_cdf(0.5 + level / 2)
    return Interval(estimate - z * se, estimate + z * se, method)


def _percentiles(draws: FloatArray, level: float, method: str) -> Interval:
    alpha = 1.0 - level
    low, high = np.quantile(draws, [alpha / 2, 1 - alpha / 2])
    return Interval(float(low), float(high), method)


def paired_binary(base: FloatArray, candidate: FloatArray, level: float, rng: np.random.Generator, resamples: int = RESAMPLES) -> Interval:
    """Interval of mean(candidate) - mean(base) for 0/1 items on the same items."""
    n = base.shape[0]
    b, c = base.astype(bool), candidate.astype(bool)
    cells = np.array([np.sum(b & c), np.sum(b & ~c), np.sum(~b & c), np.sum(~b & ~c)], dtype=np.float64)
    draws = rng.multinomial(n, cells / n, size=resamples)
    deltas = (draws[:, 2] - draws[:, 1]) / n
    lost, gained = int(cells[1]), int(cells[2])
    return _percentiles(deltas.astype(np.float64), level, f"paired bootstrap, McNemar p={mcnemar_exact(lost, gained):.3g}")


def mcnemar_exact(lost: int, gained: int) -> float:
    """Two-sided exact McNemar p-value: the discordant pairs as Binomial(lost + gained, 1/2)."""
    m = lost + gained
    if m == 0:
        return 1.0
    k = np.arange(min(lost, gained) + 1)
    log_pmf = np.array([math.lgamma(m + 1) - math.lgamma(i + 1) - math.lgamma(m - i + 1) for i in k]) - m * math.log(2)
    return float(min(1.0, 2.0 * np.exp(log_pmf).sum()))


def paired_mean(base: FloatArray, candidate: FloatArray, level: float, rng: np.random.Generator, resamples: int = RESAMPLES) -> Interval:
    """Paired bootstrap interval of mean(candidate - base)."""
    return _percentiles(_bootstrap_means(candidate - base, rng, resamples), level, "paired bootstrap")


def mean_interval(values: FloatArray, level: float, rng: np.random.Generator, resamples: int = RESAMPLES) -> Interval:
    """Bootstrap interval of one run's mean (for a value compared with a fixed number)."""
    n = values.shape[0]
    if bool(np.all((values == 0.0) | (values == 1.0))):
        draws = rng.binomial(n, float(values.mean()), size=resamples) / n
        return _percentiles(draws.astype(np.float64), level, "bootstrap")
    return _percentiles(_bootstrap_means(values, rng, resamples), level, "bootstrap")


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
    level: float,
    rng: np.random.Generator,
    resamples: int = RESAMPLES,
    bins: int = ECE_BINS,
) -> Interval:
    """Paired bootstrap interval of ECE(candidate) - ECE(base): both recomputed on each resample of the items."""
    n = base_conf.shape[0]
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
        return _percentiles(change.astype(np.float64), level, f"paired bootstrap of ECE ({bins} equal-width bins, normal sums)")
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
    return _percentiles(deltas, level, f"paired bootstrap of ECE ({bins} equal-width bins)")


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
