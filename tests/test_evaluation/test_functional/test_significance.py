# Copyright (c) mmgrasp contributors. All rights reserved.
"""Intervals and paired tests against values worked out by hand (or in a table)."""
import math

import numpy as np
import pytest

from mmgrasp.evaluation.functional import (majority_vote, mean_interval, paired_counts, sign_test,
                                           t_quantile_975, wilson_interval)


def test_sign_test_exact_binomial():
    # 5 gained, 0 lost: 2 * (1/2)^5 = 0.0625; 7 / 7: 1; 4 / 2: 2 * (1 + 6 + 15) / 64 = 0.6875
    assert sign_test(5, 0) == pytest.approx(0.0625)
    assert sign_test(0, 5) == pytest.approx(0.0625)
    assert sign_test(7, 7) == 1.0
    assert sign_test(4, 2) == pytest.approx(44 / 64)
    assert sign_test(0, 0) == 1.0
    # 10 / 0: 2 / 1024, below 0.05; 8 / 2: 2 * (1 + 10 + 45) / 1024
    assert sign_test(10, 0) == pytest.approx(2 / 1024)
    assert sign_test(8, 2) == pytest.approx(112 / 1024)
    with pytest.raises(ValueError):
        sign_test(-1, 2)


def test_wilson_interval_worked_examples():
    # issue 23's figures: 41 / 48 -> [72.8, 92.8] %, 38 / 48 -> [65.7, 88.3] %
    low, high = wilson_interval(41, 48)
    assert (round(100 * low, 1), round(100 * high, 1)) == (72.8, 92.8)
    low, high = wilson_interval(38, 48)
    assert (round(100 * low, 1), round(100 * high, 1)) == (65.7, 88.3)
    low, high = wilson_interval(0, 10)
    assert low == pytest.approx(0.0, abs=1e-12) and high == pytest.approx(0.2775, abs=1e-4)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_mean_interval_student_t():
    # 1..5: mean 3, sd sqrt(2.5), t_{0.975,4} = 2.776 -> 3 +- 2.776 * 1.5811 / sqrt(5)
    mean, low, high = mean_interval([1, 2, 3, 4, 5])
    half = 2.776 * math.sqrt(2.5) / math.sqrt(5)
    assert mean == 3 and low == pytest.approx(3 - half) and high == pytest.approx(3 + half)
    mean, low, high = mean_interval([4.0, float('nan')])  # NaN dropped, one value left
    assert mean == 4.0 and math.isnan(low) and math.isnan(high)
    assert t_quantile_975(1) == 12.706 and t_quantile_975(1000) == 1.96


def test_paired_counts_and_majority():
    before = [True, True, False, False, True]
    after = [True, False, True, True, True]
    c = paired_counts(before, after)
    assert (c['n'], c['before'], c['after'], c['gained'], c['lost']) == (5, 3, 4, 2, 1)
    assert c['p'] == pytest.approx(sign_test(2, 1)) == 1.0
    votes = np.array([[1, 1, 0, 0], [1, 0, 1, 0], [0, 1, 1, 0]], dtype=bool)  # 3 seeds x 4
    assert majority_vote(votes).tolist() == [True, True, True, False]
    assert majority_vote(votes[:2]).tolist() == [True, False, False, False]  # ties are wrong
    with pytest.raises(ValueError):
        paired_counts([True], [True, False])
