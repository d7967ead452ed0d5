# Copyright (c) mmgrasp contributors. All rights reserved.
"""The paired effect of the refinement head as a metric
(:mod:`mmgrasp.evaluation.functional.refinement_effect`)."""
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.structures import BaseDataElement

from mmgrasp.registry import METRICS
from mmgrasp.structures import grasps_to_original
from ..functional.refinement_effect import paired_refinement_effect, top_grasp_index
from .grasp_jaccard_metric import _to_numpy


@METRICS.register_module()
class RefinementEffectMetric(BaseMetric):
    """Per image, the top candidate before and after refinement, scored on the same ground truth.

    Reads ``pred_instances.bboxes`` (refined), ``pred_instances.bboxes_unrefined`` and
    ``pred_instances.scores`` of a Det_Seg_Refine model, and ``gt_instances.bboxes`` (mapped back
    to the original image like :class:`GraspJaccardMetric` does).

    Keys (prefix ``refine``): ``num_images``; for each angle ``a``: ``a{a}_before``,
    ``a{a}_after`` (correct images), ``a{a}_gained``, ``a{a}_lost``; ``angle_err_before`` and
    ``angle_err_after`` (mean degrees, see :func:`paired_refinement_effect`),
    ``angle_err_images``, ``angle_err_improved``, ``angle_err_worsened``. Counts are numbers of
    images, not fractions.

    Args:
        angle_thrs (Sequence[float]): Angle thresholds in degrees. Defaults to (30, 10, 5).
        iou_thr (float): IoU threshold. Defaults to 0.25.
        collect_device (str): Device to collect results across ranks. Defaults to ``'cpu'``.
        prefix (str, optional): Key prefix. Defaults to None (``'refine'``).
    """
    default_prefix: Optional[str] = 'refine'

    def __init__(self, angle_thrs: Sequence[float] = (30, 10, 5), iou_thr: float = 0.25,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.angle_thrs = tuple(float(a) for a in angle_thrs)
        self.iou_thr = float(iou_thr)

    def process(self, data_batch: dict, data_samples: Sequence) -> None:
        """Keep the top candidate, its refined grasp and the ground truth of each sample."""
        for sample in data_samples:
            if isinstance(sample, BaseDataElement):
                sample = sample.to_dict()
            pred = sample.get('pred_instances', {})
            if 'bboxes_unrefined' not in pred:
                raise ValueError(f'{sample.get("img_path")}: no bboxes_unrefined in the '
                                 'predictions; RefinementEffectMetric needs a Det_Seg_Refine model')
            scores = _to_numpy(pred['scores']).reshape(-1)
            top = top_grasp_index(scores)
            keep = slice(top, top + 1) if top >= 0 else slice(0, 0)
            gts = _to_numpy(sample['gt_instances']['bboxes']).reshape(-1, 5).astype(np.float64)
            self.results.append(dict(
                bboxes=_to_numpy(pred['bboxes']).reshape(-1, 5)[keep].astype(np.float64),
                bboxes_unrefined=_to_numpy(pred['bboxes_unrefined']).reshape(-1, 5)[keep]
                .astype(np.float64),
                scores=scores[keep],
                gts=np.asarray(grasps_to_original(gts, sample), dtype=np.float64)))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Counts and mean angle errors over all processed samples (see the class docstring)."""
        if not results:
            raise ValueError('RefinementEffectMetric received no samples')
        effect = paired_refinement_effect(results, [r['gts'] for r in results],
                                          self.angle_thrs, self.iou_thr)
        out: Dict[str, float] = OrderedDict(num_images=float(effect['num_images']))
        for a in self.angle_thrs:
            cell = effect[f'a{a:g}']
            for key in ('before', 'after', 'gained', 'lost'):
                out[f'a{a:g}_{key}'] = float(cell[key])
        err = effect['angle_error']
        out.update(angle_err_before=err['before'], angle_err_after=err['after'],
                   angle_err_images=float(err['num_images']),
                   angle_err_improved=float(err['improved']),
                   angle_err_worsened=float(err['worsened']))
        return out
