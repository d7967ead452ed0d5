# Copyright (c) mmgrasp contributors. All rights reserved.
"""A model variant (an int8 export) against the seed-to-seed spread of float32 (issue 27).

"int8 within the seed-to-seed spread of fp32" is read here per image, on the same test images:
two float32 models of the same fold and recipe trained with different seeds disagree on some
images (one finds a correct top grasp, the other does not); the int8 export of a model disagrees
with its float32 export on some images. Both sides are counted on the same runs: only the folds
that have at least two seeds. int8 is within the spread at an angle when

1. it changes the outcome of no larger a share of images than a retrain with another seed does
   (``flip rate``), and
2. its accuracy change per run (int8 - float32), in size, is on average no larger than the size
   of the seed-to-seed accuracy change of a fold (sizes, so that +10 and -10 do not cancel).

This is a description of point estimates on few images, not a test: the counts and the sign
test of int8's gains against its losses are reported beside it. The top grasp's drift (pixels,
degrees) is reported too: int8 against its float32, and float32 seed against seed.
"""
from itertools import combinations
from typing import Dict, List, Optional, Sequence

import numpy as np

from mmgrasp.structures import angle_diff
from .significance import mean_interval, sign_test


def top_drift(tops_a: Sequence[Optional[Sequence[float]]],
              tops_b: Sequence[Optional[Sequence[float]]]) -> Dict[str, List[float]]:
    """Per image, how far apart two models' top grasps are.

    Args:
        tops_a, tops_b: ``(N,)`` top grasps ``(cx, cy, w, h, theta)`` in pixels / radians, or
            None where a model found none; images where either has none are skipped.

    Returns:
        dict: ``px`` (centre distance) and ``deg`` (angle difference modulo 180 degrees) lists.
    """
    if len(tops_a) != len(tops_b):
        raise ValueError(f'{len(tops_a)} against {len(tops_b)} images')
    both = [(a, b) for a, b in zip(tops_a, tops_b) if a is not None and b is not None]
    if not both:
        return dict(px=[], deg=[])
    a = np.array([pair[0] for pair in both], np.float64).reshape(-1, 5)
    b = np.array([pair[1] for pair in both], np.float64).reshape(-1, 5)
    px = np.hypot(a[:, 0] - b[:, 0], a[:, 1] - b[:, 1])
    deg = np.degrees(angle_diff(a[:, 4], b[:, 4]))
    return dict(px=px.tolist(), deg=deg.tolist())


def _pooled_drift(pairs: Sequence[tuple]) -> Dict[str, Dict[str, float]]:
    """Median / p95 of the top-grasp drift pooled over ``(tops_a, tops_b)`` pairs of runs."""
    px: List[float] = []
    deg: List[float] = []
    for tops_a, tops_b in pairs:
        d = top_drift(tops_a, tops_b)
        px += d['px']
        deg += d['deg']
    return dict(px=_percentiles(px), deg=_percentiles(deg))


def _percentiles(values: Sequence[float]) -> Dict[str, float]:
    v = np.asarray(values, dtype=np.float64)
    if len(v) == 0:
        return dict(median=float('nan'), p95=float('nan'))
    return dict(median=float(np.median(v)), p95=float(np.percentile(v, 95)))


def int8_against_seed_spread(runs: Sequence[dict], keys: Sequence[str]) -> Dict:
    """Compare int8's effect with float32's seed-to-seed spread.

    Args:
        runs: one dict per trained model with ``images`` (``(N,)`` test image paths), optional
            ``recipe`` (a fingerprint of the training config without its seed) and
            ``checkpoint_sha256``: runs with the same images and recipe and different
            checkpoints are seeds of the same fold; ``correct`` (``{'fp32': {key: (N,) bool},
            'int8': {...}}``) and ``tops`` (``{'fp32': (N,) top grasps or None, 'int8': ...}``).
        keys: the accuracy keys to compare, e.g. ``('acc_a30_iou25', 'acc_a5_iou25')``.

    Returns:
        dict: ``runs`` and ``folds`` counted (runs of folds with >= 2 seeds), ``seed_pairs``; per
        key ``seed`` (float32, every pair of runs of a fold: images compared, outcome changes,
        flip rate, mean size of the accuracy change), ``int8`` (every counted run: images,
        changes, flip rate, gained / lost and sign test p, per-run accuracy change mean and 95 %
        interval and mean size, in points), ``within`` (both conditions of the module
        docstring; None without a seed pair); and ``drift`` (median / p95 of the top grasp's
        drift, int8 against float32 and seed against seed).

    Raises:
        ValueError: two runs of a fold with the same checkpoint (a model is not its own seed).
    """
    folds: Dict[tuple, List[dict]] = {}
    for run in runs:
        folds.setdefault((tuple(run['images']), run.get('recipe')), []).append(run)
    for group in folds.values():
        shas = [r['checkpoint_sha256'] for r in group if r.get('checkpoint_sha256')]
        if len(shas) != len(set(shas)):
            raise ValueError('the same checkpoint twice among the runs of a fold: a model is '
                             'not its own seed')
    folds = {k: g for k, g in folds.items() if len(g) >= 2}
    runs = [r for g in folds.values() for r in g]
    pairs = [p for group in folds.values() for p in combinations(group, 2)]
    out: Dict = dict(runs=len(runs), folds=len(folds), seed_pairs=len(pairs))
    for key in keys:
        seed_n = seed_flips = 0
        seed_change = []
        for a, b in pairs:
            ca = np.asarray(a['correct']['fp32'][key], bool)
            cb = np.asarray(b['correct']['fp32'][key], bool)
            seed_n += len(ca)
            seed_flips += int((ca != cb).sum())
            seed_change.append(abs(float(cb.mean() - ca.mean())) * 100)
        n = gained = lost = 0
        change = []
        for run in runs:
            before = np.asarray(run['correct']['fp32'][key], bool)
            after = np.asarray(run['correct']['int8'][key], bool)
            n += len(before)
            gained += int((after & ~before).sum())
            lost += int((before & ~after).sum())
            change.append(float(after.mean() - before.mean()) * 100)
        flips = gained + lost
        mean, low, high = mean_interval(change)
        seed_rate = seed_flips / seed_n if seed_n else float('nan')
        seed_size = float(np.mean(seed_change)) if seed_change else float('nan')
        entry = dict(
            seed=dict(images=seed_n, changes=seed_flips, flip_rate=seed_rate,
                      mean_abs_change=seed_size),
            int8=dict(images=n, changes=flips, flip_rate=flips / n if n else float('nan'),
                      gained=gained, lost=lost, p=sign_test(gained, lost),
                      change_mean=mean, change_low=low, change_high=high,
                      mean_abs_change=float(np.mean(np.abs(change))) if change else float('nan')))
        entry['within'] = (None if not pairs else
                           bool(entry['int8']['flip_rate'] <= seed_rate
                                and entry['int8']['mean_abs_change'] <= seed_size))
        out[key] = entry
    out['drift'] = dict(
        int8=_pooled_drift([(r['tops']['fp32'], r['tops']['int8']) for r in runs]),
        seed=_pooled_drift([(a['tops']['fp32'], b['tops']['fp32']) for a, b in pairs]))
    return out
