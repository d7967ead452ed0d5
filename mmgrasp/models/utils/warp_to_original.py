# Copyright (c) mmgrasp contributors. All rights reserved.
"""Resample input-frame maps (semantic logits) onto the original image grid."""
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from mmgrasp.structures import input_to_original_matrix, original_pixels_in_input


def warp_to_original(logits: Tensor, meta: dict) -> Tensor:
    """Resample ``(1, C, h, w)`` input-frame logits onto the original image grid.

    The pipeline's geometric transforms are one affine map (``homography_matrix``, or
    ``scale_factor`` alone); a pure scaling is undone by bilinear resizing, anything else (a crop,
    a shift, a rotation) by sampling each original pixel centre where the map sends it.

    Args:
        logits (Tensor): ``(1, C, h, w)`` logits over the network input (``img_shape``).
        meta (dict): Metainfo with ``ori_shape`` and ``homography_matrix`` or ``scale_factor``.

    Returns:
        Tensor: ``(1, C, H, W)`` logits at ``ori_shape``; zero where the input did not reach.
    """
    h, w = logits.shape[-2:]
    ori_h, ori_w = meta.get('ori_shape', (h, w))[:2]
    to_input = np.linalg.inv(input_to_original_matrix(meta))  # original -> input
    if np.allclose(to_input, np.eye(3)) and (ori_h, ori_w) == (h, w):
        return logits
    if np.allclose(to_input[:2, 2], 0) and np.allclose(to_input[[0, 1], [1, 0]], 0):
        return F.interpolate(logits, size=(ori_h, ori_w), mode='bilinear', align_corners=False)
    # Pixel centres of the original image, mapped into the input, normalised for grid_sample.
    qx, qy = (torch.from_numpy(q) for q in original_pixels_in_input(meta, (ori_h, ori_w)))
    grid = torch.stack([qx / w * 2 - 1, qy / h * 2 - 1], dim=-1)[None].to(logits)
    return F.grid_sample(logits, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
