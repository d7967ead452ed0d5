# Copyright (c) mmgrasp contributors. All rights reserved.
"""Summaries shared by the cross-validation benchmarks (Cornell, Jacquard)."""
from typing import Dict

import numpy as np

from .significance import mean_interval


def summarise_folds(per_fold: Dict[int, Dict[str, float]],
                    scale: float = 100.0) -> Dict[str, Dict[str, float]]:
    """Mean, standard deviation and 95 % interval over runs of every metric, times ``scale``.

    Args:
        per_fold (dict): ``{run: {metric: value}}``, a run being a fold (or a fold and a seed);
            every run has the first run's keys.
        scale (float): Factor applied to the values. Defaults to 100 (fractions to percent).

    Returns:
        dict: ``{metric: dict(mean=..., std=..., ci95=[low, high], folds=[...])}``: population
        std over the runs, Student-t 95 % interval of the mean (NaN with a single run).
    """
    if not per_fold:
        raise ValueError('no folds to summarise')
    keys = list(next(iter(per_fold.values())))
    summary = {}
    for key in keys:
        values = np.array([m[key] for m in per_fold.values()], dtype=np.float64) * scale
        _, low, high = mean_interval(values)
        summary[key] = dict(mean=float(values.mean()), std=float(values.std()),
                            ci95=[low, high], folds=[round(float(v), 2) for v in values])
    return summary


def print_fold_summary(title: str, summary: Dict[str, Dict[str, float]]) -> None:
    """Print one line per metric: mean, its 95 % interval, std and the per-run values."""
    width = max(len(k.split('/', 1)[-1]) for k in summary)
    print(f'\n{title}')
    for key, s in summary.items():
        folds_txt = ' '.join(f'{v:6.2f}' for v in s['folds'])
        low, high = s.get('ci95', (float('nan'), float('nan')))
        print(f'  {key.split("/", 1)[-1]:<{width}}  mean {s["mean"]:6.2f}  '
              f'95% [{low:6.2f}, {high:6.2f}]  std {s["std"]:5.2f}  runs {folds_txt}')
