# Copyright (c) mmgrasp contributors. All rights reserved.
"""mmdet's class-wise NMS with the same output, run on the best-scoring candidates first."""
from typing import Tuple

import torch
from mmcv.ops import nms
from mmdet.models.layers import multiclass_nms
from mmengine.config import ConfigDict
from torch import Tensor


def prefix_multiclass_nms(multi_bboxes: Tensor,
                          multi_scores: Tensor,
                          score_thr: float,
                          nms_cfg: ConfigDict,
                          max_num: int = -1,
                          first_size: int = 4) -> Tuple[Tensor, Tensor]:
    """``mmdet.models.layers.multiclass_nms``, the same boxes, scores and labels, faster.

    The grasp head scores every RoI in each of its 18 orientation bins and keeps every
    candidate (``score_thr=0``): 300 RoIs make 5,400 boxes, and mmcv's greedy NMS compares each
    kept box with every later one, although only ``max_num`` (100) boxes are returned. Greedy NMS
    decides on a box from the boxes that score higher than it only, so NMS run on the
    best-scoring candidates (all boxes whose score is at least the ``M``-th best) makes the
    same decisions on them as on all boxes; if at least ``max_num`` of them survive, the first
    ``max_num`` survivors are mmdet's output. Otherwise ``M`` grows 4-fold, up to all boxes.
    Class separation uses mmcv's ``batched_nms`` offsets computed from all candidates, so even
    its numerics are the same.

    mmdet's own function runs instead when the result could differ in any way: tied scores among
    the candidates (their order inside mmcv's sort is not defined), ``max_num <= 0``, an NMS
    other than class-wise ``'nms'``, or ``split_thr`` reached.

    Args:
        multi_bboxes (Tensor): ``(N, 4 * C)`` (or ``(N, 4)``) decoded boxes.
        multi_scores (Tensor): ``(N, C + 1)`` scores, the last column background.
        score_thr (float): Candidates with a score above it are kept.
        nms_cfg (dict): mmcv ``batched_nms`` config, e.g. ``dict(type='nms', iou_threshold=0.3)``.
        max_num (int): Boxes returned at most. Defaults to -1 (all: mmdet's path).
        first_size (int): The first ``M`` is ``first_size * max_num``. Defaults to 4.

    Returns:
        tuple: ``dets`` ``(K, 5)`` (boxes and score) sorted by score and ``labels`` ``(K,)``.
    """
    cfg = dict(nms_cfg or {})
    nms_type = cfg.pop('type', 'nms')
    iou_threshold = cfg.pop('iou_threshold', None)
    split_thr = cfg.pop('split_thr', 10000)
    simple = (max_num > 0 and nms_type == 'nms' and iou_threshold is not None
              and not cfg.pop('class_agnostic', False) and not cfg)
    if not simple or torch.onnx.is_in_onnx_export():
        return multiclass_nms(multi_bboxes, multi_scores, score_thr, nms_cfg, max_num)

    num_classes = multi_scores.size(1) - 1
    if multi_scores.size(0) == 0:  # (mmdet's own function cannot reshape an empty input)
        return multi_bboxes.new_zeros(0, 5), multi_scores.new_zeros(0, dtype=torch.long)
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
    num = scores.numel()
    if num == 0 or num >= split_thr:
        return multiclass_nms(multi_bboxes, multi_scores, score_thr, nms_cfg, max_num)

    # mmcv batched_nms's class separation, from all candidates
    offsets = labels.to(bboxes) * (bboxes.max() + torch.tensor(1).to(bboxes))
    boxes_for_nms = bboxes + offsets[:, None]
    size = first_size * max_num
    while size < num:
        threshold = scores.topk(size).values[-1]
        subset = (scores >= threshold).nonzero(as_tuple=False).squeeze(1)
        sub_scores = scores[subset]
        if sub_scores.unique().numel() != sub_scores.numel():
            break  # tied scores: mmcv's order among them may differ from the full run's
        dets, keep = nms(boxes_for_nms[subset], sub_scores, iou_threshold)
        if keep.numel() >= max_num:
            keep = subset[keep[:max_num]]
            return torch.cat([bboxes[keep], dets[:max_num, -1:]], dim=-1), labels[keep]
        size *= 4
    return multiclass_nms(multi_bboxes, multi_scores, score_thr, nms_cfg, max_num)
