# Copyright (c) mmgrasp contributors. All rights reserved.
"""The arg-max over the class channel of a semantic map, without torch's slow outer-dim path."""
import torch
from torch import Tensor


def channel_argmax(logits: Tensor) -> Tensor:
    """``logits.argmax(dim=0, keepdim=True)`` for a ``(C, H, W)`` map, bit for bit, faster.

    On the CPU, ``torch.argmax`` over the first (outermost) dimension of a contiguous
    ``(C, H, W)`` tensor takes a generic per-element reduction path: at 1024x1024 with 2 classes
    it takes about 100x the time of the element-wise comparison below (docs/speed.md). This
    runs one vectorised comparison per class instead. It returns what ``argmax`` returns: the
    first index of the maximum, and the first NaN if there is one (``argmax`` treats NaN as the
    maximum).

    Args:
        logits (Tensor): ``(C, H, W)`` scores of C classes (any floating dtype, any device).

    Returns:
        Tensor: ``(1, H, W)`` int64 class ids.
    """
    if logits.dim() != 3:
        raise ValueError(f'logits must be (C, H, W), got {tuple(logits.shape)}')
    if logits.shape[0] == 0:
        raise ValueError('logits have no class channel')
    num_classes = logits.shape[0]
    if num_classes == 1 or torch.isnan(logits).any():  # NaN: argmax's own rule, rarely needed
        return logits.argmax(dim=0, keepdim=True)
    index = torch.zeros(logits.shape[1:], dtype=torch.long, device=logits.device)
    best = logits[0]
    for c in range(1, num_classes):
        index.masked_fill_(logits[c] > best, c)  # strictly larger: the first maximum stays
        if c < num_classes - 1:
            best = torch.maximum(best, logits[c])
    return index[None]
