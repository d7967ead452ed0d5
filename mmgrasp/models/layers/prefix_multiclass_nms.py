# Copyright (c) mmgrasp contributors. All rights reserved.
"""mmdet's class-wise NMS with the same output, run on the best-scoring candidates first."""
from typing import Tuple

import torch
from mmdet.models.layers import multiclass_nms
from mmengine.config import ConfigDict
from torch import Tensor

from .prefix_batched_nms import prefix_batched_nms


def prefix_multiclass_nms(multi_bboxes: Tensor,
                          multi_scores: Tensor,
                          score_thr: float,
                          nms_cfg: ConfigDict,
                          max_num: int = -1,
                          first_size: int = 4,
                          return_inds: bool = False) -> Tuple[Tensor, ...]:
    """``mmdet.models.layers.multiclass_nms``, the same boxes, scores and labels, faster.

    The grasp head scores every RoI in each of its 18 orientation bins and keeps every
    candidate (``score_thr=0``): 300 RoIs make 5,400 boxes, and mmcv's greedy NMS compares each
    kept box with every later one, although only ``max_num`` (100) boxes are returned. The
    candidates are flattened as mmdet does, then :func:`prefix_batched_nms` takes the place of
    mmcv's ``batched_nms``: NMS on the best-scoring candidates first, the same result (see
    there for why, and for the cases that run mmcv's own function).

    mmdet's own function runs when ``max_num <= 0`` (nothing to cut) or during an ONNX export.

    Args:
        multi_bboxes (Tensor): ``(N, 4 * C)`` (or ``(N, 4)``) decoded boxes.
        multi_scores (Tensor): ``(N, C + 1)`` scores, the last column background.
        score_thr (float): Candidates with a score above it are kept.
        nms_cfg (dict): mmcv ``batched_nms`` config, e.g. ``dict(type='nms', iou_threshold=0.3)``.
        max_num (int): Boxes returned at most. Defaults to -1 (all: mmdet's path).
        first_size (int): The first prefix is ``first_size * max_num`` candidates. Defaults to 4.
        return_inds (bool): Also return each kept box's index among the ``N * C`` flattened
            candidates (``index // C`` is its row of ``multi_bboxes``, ``index % C`` its class),
            as mmdet's ``return_inds``. Defaults to False.

    Returns:
        tuple: ``dets`` ``(K, 5)`` (boxes and score) sorted by score and ``labels`` ``(K,)``,
        and with ``return_inds`` the indices ``(K,)``.
    """
    if max_num <= 0 or torch.onnx.is_in_onnx_export():
        return multiclass_nms(multi_bboxes, multi_scores, score_thr, nms_cfg, max_num,
                              return_inds=return_inds)

    num_classes = multi_scores.size(1) - 1
    if multi_scores.size(0) == 0:  # (mmdet's own function cannot reshape an empty input)
        empty = multi_scores.new_zeros(0, dtype=torch.long)
        return (multi_bboxes.new_zeros(0, 5), empty) + ((empty, ) if return_inds else ())
    # mmdet's flattening of the candidates
    if multi_bboxes.shape[1] > 4:
        bboxes = multi_bboxes.view(multi_scores.size(0), num_classes, 4)
    else:
        bboxes = multi_bboxes[:, None].expand(multi_scores.size(0), num_classes, 4)
    scores = multi_scores[:, :-1]
    labels = torch.arange(num_classes, dtype=torch.long, device=scores.device)
    labels = labels.view(1, -1).expand_as(scores)
    bboxes, scores, labels = bboxes.reshape(-1, 4), scores.reshape(-1), labels.reshape(-1)
    inds = (scores > score_thr).nonzero(as_tuple=False).squeeze(1)
    bboxes, scores, labels = bboxes[inds], scores[inds], labels[inds]
    if scores.numel() == 0:
        return multiclass_nms(multi_bboxes, multi_scores, score_thr, nms_cfg, max_num,
                              return_inds=return_inds)
    dets, keep = prefix_batched_nms(bboxes, scores, labels, nms_cfg, max_num, first_size)
    return (dets, labels[keep]) + ((inds[keep], ) if return_inds else ())
