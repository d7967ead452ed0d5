# Copyright (c) mmgrasp contributors. All rights reserved.
"""The detection branch's targets, derived from ground-truth grasps inside the model.

A data sample carries its grasps once, as ``gt_instances.bboxes`` (:class:`GraspBoxes`) with the
grasped object's class in ``gt_instances.labels``, the way mmdet and mmrotate pack boxes. The
detection branch (paper IV-B, after Chu et al.) learns something else from them: each grasp's box
in its own unrotated frame and its orientation bin (docs/conventions.md section 2). Those are
derived here, in the detector's loss, the way mmrotate derives its horizontal targets from rotated
boxes in its heads, rather than stored beside the grasps in the sample.
"""
from typing import List

import torch
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import get_box_tensor
from mmengine.structures import InstanceData

from .grasp_angles import NUM_ORIENTATION_BINS
from .grasp_convert import grasp_to_hbox


def grasp_detection_targets(instances: InstanceData,
                            num_bins: int = NUM_ORIENTATION_BINS) -> InstanceData:
    """Unrotated-frame boxes and orientation bins of a set of ground-truth grasps.

    Args:
        instances (InstanceData): ``bboxes`` :class:`GraspBoxes` (or a tensor) ``(N, 5)``
            ``(x, y, w, h, theta)``; may be empty (N = 0).
        num_bins (int): Orientation bins over ``[0, pi)``. Defaults to 18.

    Returns:
        InstanceData: ``bboxes`` (``(N, 4)`` float32 tensor ``(x - w/2, y - h/2, x + w/2,
        y + h/2)``, a plain tensor as mmdet's ``DetDataPreprocessor`` leaves boxes with its
        default ``boxtype2tensor=True``) and ``labels`` (``(N,)`` int64 bins in
        ``[0, num_bins)``).

    Raises:
        ValueError: Without ``bboxes``, or with boxes that are not ``(N, 5)``.
    """
    if 'bboxes' not in instances:
        raise ValueError('a training sample has no ground-truth grasps (gt_instances.bboxes): its '
                         'pipeline needs LoadGraspAnnotations before PackGraspInputs')
    grasps = get_box_tensor(instances.bboxes)
    if grasps.shape[-1] != 5:
        raise ValueError(f'ground-truth grasps must be (N, 5) (x, y, w, h, theta), got '
                         f'{tuple(grasps.shape)} (a pipeline step turned the GraspBoxes into '
                         f'other boxes?)')
    hboxes, bins = grasp_to_hbox(grasps.reshape(-1, 5).float(), num_bins)
    return InstanceData(bboxes=hboxes.float(), labels=bins.long())


def detection_target_samples(batch_data_samples: List[DetDataSample],
                             num_bins: int = NUM_ORIENTATION_BINS,
                             class_agnostic: bool = False) -> List[DetDataSample]:
    """Light copies of data samples whose ``gt_instances`` and ``ignored_instances`` are the
    detection targets of their grasps (:func:`grasp_detection_targets`).

    The copies hold the metainfo and the two instance sets only (what mmdet's RPN and RoI heads
    read through ``unpack_gt_instances``); the originals are left untouched for the semantic
    and refinement heads.

    Args:
        batch_data_samples (list[DetDataSample]): Samples with ``gt_instances.bboxes`` grasps.
        num_bins (int): Orientation bins. Defaults to 18.
        class_agnostic (bool): Labels all 0 (the RPN's targets). Defaults to False.

    Returns:
        list[DetDataSample]: One copy a sample.
    """
    out = []
    for sample in batch_data_samples:
        target = DetDataSample(metainfo=sample.metainfo)
        for key in ('gt_instances', 'ignored_instances'):
            if key in sample or key == 'gt_instances':
                setattr(target, key, grasp_detection_targets(sample.get(key, InstanceData()),
                                                             num_bins))
        out.append(target)
    return class_agnostic_samples(out) if class_agnostic else out


def class_agnostic_samples(target_samples: List[DetDataSample]) -> List[DetDataSample]:
    """Copies of detection-target samples with every label 0 (the RPN's targets).

    The boxes are shared with ``target_samples``, not copied: the RPN's targets are the RoI
    head's, without the bins, and are derived once.

    Args:
        target_samples (list[DetDataSample]): Output of :func:`detection_target_samples`.

    Returns:
        list[DetDataSample]: One copy a sample, ``labels`` all 0.
    """
    out = []
    for sample in target_samples:
        target = DetDataSample(metainfo=sample.metainfo)
        for key in ('gt_instances', 'ignored_instances'):
            if key in sample:
                instances = sample.get(key)
                setattr(target, key, InstanceData(bboxes=instances.bboxes,
                                                  labels=torch.zeros_like(instances.labels)))
        out.append(target)
    return out
