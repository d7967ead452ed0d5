# Copyright (c) mmgrasp contributors. All rights reserved.
"""mmcv's ``batched_nms`` cut to its best boxes, run on the best-scoring candidates first."""
from typing import Tuple

import torch
from mmcv.ops import batched_nms, nms
from torch import Tensor


def prefix_batched_nms(boxes: Tensor,
                       scores: Tensor,
                       idxs: Tensor,
                       nms_cfg: dict,
                       max_num: int,
                       first_size: int = 4,
                       ties: str = 'mmcv') -> Tuple[Tensor, Tensor]:
    """``mmcv.ops.batched_nms(boxes, scores, idxs, nms_cfg)`` cut to ``max_num``, faster.

    Greedy NMS decides on a box from the boxes that score higher than it only, so NMS run on
    the best-scoring candidates (the ``M`` best) makes the same decisions on them as on all
    boxes; if at least ``max_num`` of them survive, the first ``max_num`` survivors are the
    first ``max_num`` of NMS on all boxes. Otherwise ``M`` grows 4-fold, up to all boxes. The
    group offsets that keep the groups (classes, FPN levels) apart are mmcv's, computed from all
    boxes, so even the coordinates NMS compares are the same.

    Equal scores: mmcv's NMS orders them by a non-stable sort, so which of two equal-scoring
    overlapping boxes survives is not defined there, and can differ between all boxes and a
    prefix. ``ties='mmcv'`` runs mmcv's function on all boxes whenever the candidates hold
    equal scores: the result is then mmcv's, to the bit, always. ``ties='stable'`` ranks equal
    scores by their index (a stable sort) and runs NMS in that order: the same result as mmcv's
    whenever the scores are distinct, and with equal scores a greedy NMS in a defined order
    (float32 sigmoid scores of 10^5 anchors repeat often, and mmcv's fallback would cost the
    whole gain).

    mmcv's function runs instead whenever the result could differ otherwise: ``max_num <= 0``,
    an NMS other than plain ``'nms'`` with only ``iou_threshold``, class-agnostic NMS, rotated
    boxes, scores other than float32 / float64 (the ranks of ``'stable'`` must be exact) or an
    ONNX export. Beyond ``split_thr`` boxes mmcv runs one NMS per group and sorts
    the survivors by score; the offsets make boxes of different groups disjoint (IoU exactly 0),
    so one NMS over the prefix makes the same decisions, and the fast path stays (unless a
    coordinate is negative: the offsets separate the groups only above -1).

    Used by the grasp head (5,400 candidates of 300 RoIs in 18 bins, 100 kept;
    ``ties='mmcv'``) and the RPN (about 2,400 candidates of 5 levels, 300 kept;
    ``ties='stable'``).

    Args:
        boxes (Tensor): ``(N, 4)`` boxes ``(x1, y1, x2, y2)``.
        scores (Tensor): ``(N, )`` scores.
        idxs (Tensor): ``(N, )`` group of each box; NMS runs within a group.
        nms_cfg (dict): mmcv ``batched_nms`` config, e.g. ``dict(type='nms', iou_threshold=0.7)``.
        max_num (int): Boxes returned at most.
        first_size (int): The first ``M`` is ``first_size * max_num``. Defaults to 4.
        ties (str): ``'mmcv'`` or ``'stable'``, see above. Defaults to ``'mmcv'``.

    Returns:
        tuple: ``dets`` ``(K, 5)`` (boxes and score, best first) and ``keep`` ``(K, )``, the
        indices of the kept boxes, ``K <= max_num``.
    """
    assert ties in ('mmcv', 'stable'), f"ties must be 'mmcv' or 'stable', not {ties!r}"
    assert first_size >= 1, f'first_size must be at least 1, got {first_size}'

    def mmcv_result() -> Tuple[Tensor, Tensor]:
        dets, keep = batched_nms(boxes, scores, idxs, nms_cfg)
        return (dets[:max_num], keep[:max_num]) if max_num > 0 else (dets, keep)

    cfg = dict(nms_cfg or {})
    nms_type = cfg.pop('type', 'nms')
    iou_threshold = cfg.pop('iou_threshold', None)
    split_thr = cfg.pop('split_thr', 10000)
    num = scores.numel()
    simple = (nms_cfg is not None and max_num > 0 and nms_type == 'nms'
              and iou_threshold is not None and not cfg.pop('class_agnostic', False)
              and not cfg and boxes.size(-1) == 4 and 0 < num < 2**24
              and scores.dtype in (torch.float32, torch.float64))
    # mmcv's offsets keep the groups apart only for coordinates above -1; beyond split_thr
    # mmcv does not need them, so boxes left of or above the image go to mmcv there
    if simple and num >= split_thr and bool(boxes.min() < 0):
        simple = False
    if not simple or torch.onnx.is_in_onnx_export():
        return mmcv_result()

    # mmcv batched_nms's group separation, from all boxes
    offsets = idxs.to(boxes) * (boxes.max() + torch.tensor(1).to(boxes))
    boxes_for_nms = boxes + offsets[:, None]
    if ties == 'stable':
        # NMS sees the rank (distinct, exact in float32 below 2^24 boxes) instead of the score
        order = scores.sort(descending=True, stable=True).indices
        rank_scores = torch.empty_like(scores)
        rank_scores[order] = torch.arange(num, 0, -1, dtype=scores.dtype, device=scores.device)
        size = first_size * max_num
        while True:
            subset = order[:size]
            _, keep = nms(boxes_for_nms[subset], rank_scores[subset], iou_threshold)
            if keep.numel() >= max_num or size >= num:
                keep = subset[keep[:max_num]]
                return torch.cat([boxes[keep], scores[keep, None]], dim=-1), keep
            size *= 4

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
            return torch.cat([boxes[keep], dets[:max_num, -1:]], dim=-1), keep
        size *= 4
    return mmcv_result()
