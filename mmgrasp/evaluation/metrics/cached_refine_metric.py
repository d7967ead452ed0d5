# Copyright (c) mmgrasp contributors. All rights reserved.
"""Validation of a refinement head trained on cached inputs (``CachedRefineHead``)."""
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from mmgrasp.registry import METRICS
from ..functional.refinement_effect import top_grasp_records


@METRICS.register_module()
class CachedRefineMetric(BaseMetric):
    """Eq. 9 loss and the top grasp before / after refinement on a cached split.

    Keys (prefix ``refine``): ``val_loss`` (the Eq. 9 loss summed over all matched candidates of
    the split, over their number: the quantity training lowers, with the norm layers in eval
    mode), ``num_pos``, ``num_images``; per angle ``a``: ``acc_before_a{a}``, ``acc_after_a{a}``
    (fractions of images whose top grasp is correct at IoU ``iou_thr``), ``gained_a{a}``,
    ``lost_a{a}``; ``angle_err_before`` / ``angle_err_after`` (mean degrees) and
    ``centre_err_before`` / ``centre_err_after`` (mean pixels of the input) of the top grasp
    against the ground truths overlapping its candidate (:func:`top_grasp_records`).

    Args:
        angle_thrs (Sequence[float]): Angle thresholds in degrees. Defaults to (30, 10, 5).
        iou_thr (float): IoU threshold. Defaults to 0.25.
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to None (``'refine'``).
    """
    default_prefix: Optional[str] = 'refine'

    def __init__(self, angle_thrs: Sequence[float] = (30, 10, 5), iou_thr: float = 0.25,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.angle_thrs = tuple(float(a) for a in angle_thrs)
        self.iou_thr = float(iou_thr)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Keep each image's prediction, ground truth and loss (small arrays)."""
        for out in data_samples:
            self.results.append(dict(
                index=int(out['index']), loss_sum=float(out['loss_sum']),
                num_pos=int(out['num_pos']),
                pred=dict(bboxes=np.asarray(out['bboxes']).reshape(-1, 5),
                          bboxes_unrefined=np.asarray(out['bboxes_unrefined']).reshape(-1, 5),
                          scores=np.asarray(out['scores']).reshape(-1)),
                gts=np.asarray(out['gts']).reshape(-1, 5)))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """The keys above from every image's result."""
        if not results:
            raise ValueError('CachedRefineMetric: no images were evaluated')
        records = top_grasp_records([r['pred'] for r in results], [r['gts'] for r in results],
                                    self.angle_thrs, self.iou_thr)
        num_pos = sum(r['num_pos'] for r in results)
        metrics: Dict[str, float] = OrderedDict()
        metrics['val_loss'] = (sum(r['loss_sum'] for r in results) / num_pos
                               if num_pos else float('nan'))
        metrics['num_pos'] = float(num_pos)
        metrics['num_images'] = float(len(results))
        before, after = records['before'], records['after']
        for j, angle in enumerate(self.angle_thrs):
            b, a = before[:, j], after[:, j]
            metrics[f'acc_before_a{angle:g}'] = float(b.mean())
            metrics[f'acc_after_a{angle:g}'] = float(a.mean())
            metrics[f'gained_a{angle:g}'] = float((~b & a).sum())
            metrics[f'lost_a{angle:g}'] = float((b & ~a).sum())
        for name in ('angle', 'centre'):
            err = records[f'{name}_error']
            valid = ~np.isnan(err[:, 0])
            for k, when in enumerate(('before', 'after')):
                metrics[f'{name}_err_{when}'] = (float(err[valid, k].mean()) if valid.any()
                                                 else float('nan'))
        return metrics
