# Copyright (c) mmgrasp contributors. All rights reserved.
"""Per-pixel cross-entropy keeping only the hardest pixels (paper IV-C, Eq. 8)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmgrasp.registry import MODELS


@MODELS.register_module()
class HardPixelCrossEntropyLoss(nn.Module):
    """Cross-entropy over the hardest ``top_ratio`` of the valid pixels of each image.

    Eq. 8 of the paper: per image, the per-pixel cross-entropy is computed, the pixels labelled
    ``ignore_index`` are dropped, and the mean is taken over the ``top_ratio`` fraction of the
    remaining pixels with the highest loss (at least one pixel). The image means are averaged.

    Args:
        top_ratio (float): Fraction of pixels kept per image, in ``(0, 1]``. Defaults to 0.25.
        ignore_index (int): Label of pixels without ground truth. Defaults to 255.
        loss_weight (float): Weight of the loss (``lambda_sem``). Defaults to 1.0.
    """

    def __init__(self, top_ratio: float = 0.25, ignore_index: int = 255,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if not 0 < top_ratio <= 1:
            raise ValueError(f'top_ratio must be in (0, 1], got {top_ratio}')
        self.top_ratio = top_ratio
        self.ignore_index = ignore_index
        self.loss_weight = loss_weight

    def forward(self, logits: Tensor, labels: Tensor, weight: Optional[Tensor] = None,
                **kwargs) -> Tensor:
        """Compute the loss.

        Args:
            logits (Tensor): ``(B, C, H, W)`` class logits.
            labels (Tensor): ``(B, H, W)`` int64 labels in ``[0, C)`` or ``ignore_index``.
            weight (Tensor, optional): Unused; kept for mmdet's loss signature.

        Returns:
            Tensor: Scalar loss (0 with a gradient path when no pixel is valid).
        """
        pixel_loss = F.cross_entropy(logits, labels.long(), ignore_index=self.ignore_index,
                                     reduction='none')  # (B, H, W)
        valid = labels != self.ignore_index
        per_image = []
        for loss_b, valid_b in zip(pixel_loss.flatten(1), valid.flatten(1)):
            vals = loss_b[valid_b]
            if vals.numel() == 0:
                continue
            k = max(1, int(vals.numel() * self.top_ratio))
            per_image.append(torch.topk(vals, k, sorted=False).values.mean())
        if not per_image:
            return logits.sum() * 0
        return self.loss_weight * torch.stack(per_image).mean()
