# Copyright (c) mmgrasp contributors. All rights reserved.
"""Intervals and paired tests for the benchmarks (docs/evaluation_protocol.md, "Significance").

A difference between two variants is a result only when it is larger than the noise
(``../shared/DESIGN.md`` section 6): a rate on ``n`` images gets a Wilson interval, a mean over
folds and seeds a Student-t interval, and two variants on the same images a per-image paired
test (gained / lost, the exact two-sided sign test). No SciPy: the t quantiles are tabulated.
"""
import math
from typing import Dict, Sequence, Tuple

import numpy as np

# Two-sided 95 % quantiles of Student's t, t_{0.975, df} for df = 1..30 (to 3 decimals).
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
         2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
         2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def t_quantile_975(df: int) -> float:
    """``t_{0.975, df}``: tabulated to df 30, then 40 / 60 / 120 steps, then the normal 1.960."""
    if df < 1:
        raise ValueError(f'degrees of freedom must be >= 1, got {df}')
    if df <= 30:
        return _T975[df - 1]
    for limit, value in ((40, 2.021), (60, 2.000), (120, 1.980)):
        if df <= limit:
            return value
    return 1.960


def mean_interval(values: Sequence[float]) -> Tuple[float, float, float]:
    """Mean and 95 % Student-t interval of independent values (e.g. folds x seeds).

    Args:
        values (Sequence[float]): ``n`` values; NaNs are dropped.

    Returns:
        tuple: ``(mean, low, high)``; with one value the interval is ``(nan, nan)``.
    """
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return math.nan, math.nan, math.nan
    mean = float(v.mean())
    if len(v) == 1:
        return mean, math.nan, math.nan
    half = t_quantile_975(len(v) - 1) * float(v.std(ddof=1)) / math.sqrt(len(v))
    return mean, mean - half, mean + half


def wilson_interval(successes: int, n: int, z: float = 1.959964) -> Tuple[float, float]:
    """95 % Wilson score interval of a rate ``successes / n`` (fractions, not percent).

    Worked example: 41 of 48 gives ``(0.728, 0.928)``.
    """
    if n <= 0:
        return math.nan, math.nan
    if not 0 <= successes <= n:
        raise ValueError(f'successes must be in [0, {n}], got {successes}')
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def sign_test(gained: int, lost: int) -> float:
    """Exact two-sided sign test of ``gained`` against ``lost`` discordant pairs.

    Under the null each discordant image is gained or lost with probability 1/2; the p value is
    twice the smaller binomial tail, at most 1. Worked examples: 5 / 0 gives 0.0625, 7 / 7 gives 1.

    Returns:
        float: p value (1.0 when there is no discordant pair).
    """
    if gained < 0 or lost < 0:
        raise ValueError(f'counts must be >= 0, got {gained}, {lost}')
    n = gained + lost
    if n == 0:
        return 1.0
    k = min(gained, lost)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)


def paired_counts(before: Sequence[bool], after: Sequence[bool]) -> Dict[str, float]:
    """Per-image paired comparison of two variants on the same images.

    Args:
        before (Sequence[bool]): ``(N,)`` correct under the first variant.
        after (Sequence[bool]): ``(N,)`` correct under the second one.

    Returns:
        dict: ``n``, ``before`` and ``after`` (correct images), ``gained`` (wrong -> correct),
        ``lost`` (correct -> wrong) and ``p`` (exact sign test of gained against lost).
    """
    b = np.asarray(before, dtype=bool).reshape(-1)
    a = np.asarray(after, dtype=bool).reshape(-1)
    if b.shape != a.shape:
        raise ValueError(f'paired comparison needs the same images: {b.shape} vs {a.shape}')
    gained, lost = int((~b & a).sum()), int((b & ~a).sum())
    return dict(n=int(b.size), before=int(b.sum()), after=int(a.sum()), gained=gained,
                lost=lost, p=sign_test(gained, lost))


def majority_vote(votes: np.ndarray) -> np.ndarray:
    """One vote per image from several seeds: correct when more than half the seeds are.

    Args:
        votes (ndarray): ``(S, N)`` bool, seed x image.

    Returns:
        ndarray: ``(N,)`` bool (a tie, possible with an even S, counts as not correct).
    """
    v = np.asarray(votes, dtype=bool)
    if v.ndim != 2:
        raise ValueError(f'votes must be (seeds, images), got shape {v.shape}')
    return v.sum(axis=0) * 2 > v.shape[0]
