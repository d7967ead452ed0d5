# Copyright (c) mmgrasp contributors. All rights reserved.
"""Summaries shared by the cross-validation benchmarks (Cornell, Jacquard)."""
from typing import Dict

import numpy as np


def summarise_folds(per_fold: Dict[int, Dict[str, float]],
                    scale: float = 100.0) -> Dict[str, Dict[str, float]]:
    """Mean and standard deviation over folds of every metric, times ``scale`` (percent).

    Args:
        per_fold (dict): ``{fold: {metric: value}}``; every fold has the first fold's keys.
        scale (float): Factor applied to the values. Defaults to 100 (fractions to percent).

    Returns:
        dict: ``{metric: dict(mean=..., std=..., folds=[...])}`` (population std over folds).
    """
    if not per_fold:
        raise ValueError('no folds to summarise')
    keys = list(next(iter(per_fold.values())))
    summary = {}
    for key in keys:
        values = np.array([m[key] for m in per_fold.values()], dtype=np.float64) * scale
        summary[key] = dict(mean=float(values.mean()), std=float(values.std()),
                            folds=[round(float(v), 2) for v in values])
    return summary


def print_fold_summary(title: str, summary: Dict[str, Dict[str, float]]) -> None:
    """Print one line per metric: mean, std and the fold values."""
    width = max(len(k.split('/', 1)[-1]) for k in summary)
    print(f'\n{title}')
    for key, s in summary.items():
        folds_txt = ' '.join(f'{v:6.2f}' for v in s['folds'])
        print(f'  {key.split("/", 1)[-1]:<{width}}  mean {s["mean"]:6.2f}  std {s["std"]:5.2f}'
              f'  folds {folds_txt}')
