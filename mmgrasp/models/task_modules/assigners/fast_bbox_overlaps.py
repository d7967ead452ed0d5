# Copyright (c) mmgrasp contributors. All rights reserved.
"""mmdet's ``BboxOverlaps2D``, computed in blocks and only where a ground truth can be.

Grasp datasets label many grasps per image (Jacquard: about 100 a scene), and the RPN of a
stride-4 FPN has about 260 k anchors on a 512x512 input, so mmdet's ``bbox_overlaps`` builds
``260 k x 100`` intermediate tensors several times per image. On 2 CPU cores that made the RPN
assigner 60 % of a MobileNetV2 training step on Jacquard (7.9 s; ``bbox_overlaps`` 0.47 s a call).

:class:`FastBboxOverlaps2D` returns the same matrix, bit for bit: it applies mmdet's formula
(``inter / max(union, eps)``, eps 1e-6) to blocks of 8192 boxes of the longer side (mmdet's
assigners pass the ground truths first and the anchors second; intermediates then stay in the
cache), and only to the boxes that overlap the bounding hull of all the boxes of the shorter side;
any other box has no intersection with any of them, which the formula turns into exactly 0. 2.2x
faster from the blocks alone, 5x with the hull on a Jacquard-like case
(tests/test_models/test_task_modules/test_fast_bbox_overlaps.py checks equality).
Anything but plain 2-D ``'iou'`` of unaligned, finite float boxes (``'iof'``, ``'giou'``, aligned
pairs, batch dimensions, ``scale`` / fp16) is left to mmdet's implementation.
"""
import torch
from mmdet.models.task_modules.assigners import BboxOverlaps2D
from mmdet.structures.bbox import get_box_tensor
from torch import Tensor

from mmgrasp.registry import TASK_UTILS

BLOCK_ROWS = 8192


@TASK_UTILS.register_module()
class FastBboxOverlaps2D(BboxOverlaps2D):
    """Drop-in for ``mmdet.BboxOverlaps2D`` (same arguments, same results), faster on the CPU."""

    def __call__(self, bboxes1: Tensor, bboxes2: Tensor, mode: str = 'iou',
                 is_aligned: bool = False) -> Tensor:
        """IoU of every box of ``bboxes1`` with every box of ``bboxes2``.

        Args:
            bboxes1 (Tensor | BaseBoxes): ``(m, 4)`` or ``(m, 5)`` boxes
                ``(x1, y1, x2, y2[, score])``.
            bboxes2 (Tensor | BaseBoxes): ``(n, 4)`` or ``(n, 5)`` boxes.
            mode (str): ``'iou'`` here; other modes go to mmdet. Defaults to ``'iou'``.
            is_aligned (bool): Row-wise pairs; goes to mmdet. Defaults to False.

        Returns:
            Tensor: ``(m, n)`` IoUs.
        """
        bboxes1, bboxes2 = get_box_tensor(bboxes1), get_box_tensor(bboxes2)
        plain = (mode == 'iou' and not is_aligned and bboxes1.dim() == 2 and bboxes2.dim() == 2
                 and self.scale == 1. and self.dtype is None and bboxes1.is_floating_point()
                 and bboxes1.dtype == bboxes2.dtype)
        if not plain or bboxes1.size(-1) not in (4, 5) or bboxes2.size(-1) not in (4, 5):
            return super().__call__(bboxes1, bboxes2, mode, is_aligned)
        a, b = bboxes1[:, :4], bboxes2[:, :4]
        if not (torch.isfinite(a).all() and torch.isfinite(b).all()):
            # a NaN would poison the hull test; mmdet keeps it to its own row or column
            return super().__call__(bboxes1, bboxes2, mode, is_aligned)
        if a.size(0) < b.size(0):
            # mmdet's assigners pass (ground truths, anchors): block the long side. IoU is
            # symmetric bit for bit (a + b == b + a in IEEE arithmetic).
            return self._long_by_short(b, a).t().contiguous()
        return self._long_by_short(a, b)

    @staticmethod
    def _long_by_short(a: Tensor, b: Tensor) -> Tensor:
        """``(m, n)`` IoUs of ``(m, 4)`` boxes ``a`` with ``(n, 4)`` boxes ``b``, ``m >= n``."""
        out = a.new_zeros((a.size(0), b.size(0)))
        if a.size(0) == 0 or b.size(0) == 0:
            return out
        area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        x1, y1 = b[:, 0].min(), b[:, 1].min()
        x2, y2 = b[:, 2].max(), b[:, 3].max()
        # rows that cannot intersect any column stay exactly 0 (mmdet: 0 / max(union, eps))
        near = ((a[:, 0] < x2) & (a[:, 2] > x1) & (a[:, 1] < y2) & (a[:, 3] > y1)).nonzero()[:, 0]
        eps = a.new_tensor([1e-6])
        for start in range(0, near.numel(), BLOCK_ROWS):
            rows = near[start:start + BLOCK_ROWS]
            x = a[rows]
            area_x = (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])
            lt = torch.max(x[:, None, :2], b[None, :, :2])
            rb = torch.min(x[:, None, 2:], b[None, :, 2:])
            wh = (rb - lt).clamp(min=0)
            overlap = wh[..., 0] * wh[..., 1]
            union = torch.max(area_x[:, None] + area_b[None, :] - overlap, eps)
            out[rows] = overlap / union
        return out
