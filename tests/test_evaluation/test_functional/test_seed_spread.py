# Copyright (c) mmgrasp contributors. All rights reserved.
"""int8 against the seed-to-seed spread of float32, on a case worked out by hand."""
import math

import numpy as np
import pytest

from mmgrasp.evaluation.functional.seed_spread import int8_against_seed_spread, top_drift

KEY = 'acc_a30_iou25'


def _run(images, fp32, int8, sha=None, recipe='base'):
    none = [None] * len(images)
    return dict(images=images, correct=dict(fp32={KEY: fp32}, int8={KEY: int8}),
                tops=dict(fp32=none, int8=none), recipe=recipe, checkpoint_sha256=sha)


def test_top_drift_in_pixels_and_degrees_modulo_180():
    a = [[0, 0, 10, 5, 0.0], [5, 5, 10, 5, math.radians(175)], None]
    b = [[3, 4, 10, 5, math.radians(10)], [5, 5, 10, 5, math.radians(-5)], [1, 1, 1, 1, 0]]
    d = top_drift(a, b)
    assert d['px'] == pytest.approx([5.0, 0.0])
    assert d['deg'] == pytest.approx([10.0, 0.0], abs=1e-9)  # 175 and -5 are the same axis
    with pytest.raises(ValueError):
        top_drift(a, b[:2])


def test_int8_against_seed_spread_hand_worked():
    # Fold A (4 images), two seeds; fold B (2 images), one seed: not counted (no spread there).
    fold_a, fold_b = ['a0', 'a1', 'a2', 'a3'], ['b0', 'b1']
    seed0 = _run(fold_a, [1, 1, 0, 0], [1, 0, 0, 0], sha='s0')  # int8 loses a1
    seed1 = _run(fold_a, [1, 0, 1, 0], [1, 0, 1, 1], sha='s1')  # int8 gains a3
    other = _run(fold_b, [1, 1], [0, 0], sha='s2')
    # another recipe on fold A is not a seed of the base recipe
    lever = _run(fold_a, [0, 0, 0, 0], [0, 0, 0, 0], sha='s3', recipe='lever')
    out = int8_against_seed_spread([seed0, seed1, other, lever], [KEY])
    assert (out['runs'], out['folds'], out['seed_pairs']) == (2, 1, 1)
    seed, q = out[KEY]['seed'], out[KEY]['int8']
    # seeds disagree on a1 and a2: 2 of 4; both score 50 %, so no accuracy change
    assert (seed['images'], seed['changes']) == (4, 2)
    assert seed['flip_rate'] == 0.5 and seed['mean_abs_change'] == 0.0
    # int8 on the same two runs: a1 lost, a3 gained, 2 of 8; per run -25 and +25 points
    assert (q['images'], q['changes'], q['gained'], q['lost']) == (8, 2, 1, 1)
    assert q['flip_rate'] == 0.25 and q['p'] == 1.0
    assert q['change_mean'] == 0.0 and q['mean_abs_change'] == 25.0
    half = 12.706 * np.std([-25, 25], ddof=1) / math.sqrt(2)
    assert q['change_low'] == pytest.approx(-half)
    # fewer outcome changes than a retrain, but +-25 points where the seeds moved by 0:
    # the sizes do not cancel, so not within
    assert out[KEY]['within'] is False


def test_a_checkpoint_is_not_its_own_seed():
    fold = ['x0', 'x1']
    with pytest.raises(ValueError, match='same checkpoint'):
        int8_against_seed_spread([_run(fold, [1, 0], [1, 0], sha='same'),
                                  _run(fold, [1, 0], [1, 0], sha='same')], [KEY])


def test_within_when_int8_changes_less_than_a_retrain():
    fold = ['x0', 'x1', 'x2', 'x3']
    runs = [_run(fold, [1, 1, 1, 0], [1, 1, 1, 0], sha='a'),
            _run(fold, [0, 1, 0, 0], [0, 1, 0, 0], sha='b')]
    out = int8_against_seed_spread(runs, [KEY])
    assert out[KEY]['seed']['mean_abs_change'] == 50.0
    assert out[KEY]['int8']['changes'] == 0 and out[KEY]['within'] is True


def test_no_seed_pair_gives_no_verdict():
    out = int8_against_seed_spread([_run(['i'], [1], [0])], [KEY])
    assert out['seed_pairs'] == 0 and out[KEY]['within'] is None
    assert math.isnan(out['drift']['seed']['px']['median'])
