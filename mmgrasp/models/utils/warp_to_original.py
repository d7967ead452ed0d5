# Copyright (c) mmgrasp contributors. All rights reserved.
"""Resample input-frame maps (semantic logits) onto the original image grid."""
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from mmgrasp.structures import input_to_original_matrix


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
    ys, xs = torch.meshgrid(torch.arange(ori_h, dtype=torch.float64) + 0.5,
                            torch.arange(ori_w, dtype=torch.float64) + 0.5, indexing='ij')
    m = torch.as_tensor(to_input[:2], dtype=torch.float64)
    qx = m[0, 0] * xs + m[0, 1] * ys + m[0, 2]
    qy = m[1, 0] * xs + m[1, 1] * ys + m[1, 2]
    grid = torch.stack([qx / w * 2 - 1, qy / h * 2 - 1], dim=-1)[None].to(logits)
    return F.grid_sample(logits, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
