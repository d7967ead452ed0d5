# Copyright (c) mmgrasp contributors. All rights reserved.
"""A grasp per object as a metric, on Jacquard scenes and composites
(:mod:`mmgrasp.evaluation.functional.object_grasp_eval`,
:mod:`mmgrasp.datasets.jacquard_objects`)."""
from collections import OrderedDict
from typing import Dict, Optional, Sequence

from mmengine.evaluator import BaseMetric
from mmengine.structures import BaseDataElement

from mmgrasp.datasets.jacquard_objects import load_composite_objects
from mmgrasp.registry import METRICS
from ..functional.object_grasp_eval import score_object_grasps, summarise_object_grasps
from .grasp_jaccard_metric import _to_numpy

JACQUARD_IMAGE_SUFFIX = '_RGB.png'


@METRICS.register_module()
class JacquardObjectGraspMetric(BaseMetric):
    """For each object of a Jacquard scene or composite, the best grasp on its predicted mask.

    The objects (masks and grasps, in original pixels) are read beside the image: a composite's
    ``_objects.png`` / ``_objects.json``, or a plain scene's ``_mask.png`` / ``_grasps.txt``
    (one object). Needs ``pred_sem_seg`` (a Det_Seg or Det_Seg_Refine model).

    Keys (prefix ``object``): ``num_objects``, and the fractions of objects that are ``found``
    (a predicted region with a grasp overlaps them), whose grasp is ``on_object`` (centre on the
    ground-truth mask), that ``matches`` one of its grasps at ``angle_thr`` / ``iou_thr``, and
    ``correct`` (both).

    Args:
        angle_thr (float): Angle threshold in degrees. Defaults to 30.
        iou_thr (float): IoU threshold. Defaults to 0.25.
        collect_device (str): Device to collect results across ranks. Defaults to ``'cpu'``.
        prefix (str, optional): Key prefix. Defaults to None (``'object'``).
    """
    default_prefix: Optional[str] = 'object'

    def __init__(self, angle_thr: float = 30.0, iou_thr: float = 0.25,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.angle_thr = float(angle_thr)
        self.iou_thr = float(iou_thr)

    def process(self, data_batch: dict, data_samples: Sequence) -> None:
        """Score the objects of each sample and keep the per-object records."""
        for sample in data_samples:
            if isinstance(sample, BaseDataElement):
                sample = sample.to_dict()
            img_path = sample['img_path']
            if not img_path.endswith(JACQUARD_IMAGE_SUFFIX):
                raise ValueError(f'{img_path}: not a Jacquard scene (*{JACQUARD_IMAGE_SUFFIX})')
            if 'pred_sem_seg' not in sample:
                raise ValueError(f'{img_path}: no pred_sem_seg; JacquardObjectGraspMetric needs '
                                 'a model with the segmentation branch')
            objects = load_composite_objects(img_path[:-len(JACQUARD_IMAGE_SUFFIX)])
            pred = sample['pred_instances']
            records = score_object_grasps(
                _to_numpy(pred['bboxes']), _to_numpy(pred['scores']),
                _to_numpy(sample['pred_sem_seg']['sem_seg'])[0], objects, self.angle_thr,
                self.iou_thr)
            for r in records:
                r.pop('grasp')
            self.results.extend(records)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Rates over all objects (see the class docstring)."""
        summary = summarise_object_grasps(results)
        return OrderedDict((k, float(v)) for k, v in summary.items())
