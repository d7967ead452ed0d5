# Copyright (c) mmgrasp contributors. All rights reserved.
"""mmcv's ``RoIAlignRotated`` written with ``grid_sample``, for ONNX export.

ONNX has no rotated RoIAlign operator; ``GridSample`` (opset 16) is standard. This function
computes what mmcv's kernel computes (``aligned=True``, a fixed ``sampling_ratio``), sample for
sample: ``sampling_ratio x sampling_ratio`` points per output bin, laid out in the RoI's own
frame and turned by its angle, each read bilinearly, averaged per bin. mmcv's border rule is
kept exactly: a point more than one pixel outside the map reads 0; a point within one pixel of
the map reads the border pixel (``padding_mode='border'``, then the mask).
"""
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def roi_align_rotated_grid(feats: Tensor, rois: Tensor, output_size: Tuple[int, int],
                           spatial_scale: float, sampling_ratio: int = 2,
                           clockwise: bool = True) -> Tensor:
    """Rotated RoIAlign (mmcv's ``RoIAlignRotated(aligned=True)``) by ``grid_sample``.

    Args:
        feats (Tensor): ``(B, C, H, W)`` feature map.
        rois (Tensor): ``(K, 6)`` ``(batch_idx, cx, cy, w, h, theta)`` in input pixels, theta in
            radians.
        output_size (tuple[int, int]): ``(ph, pw)`` bins.
        spatial_scale (float): Map pixels per input pixel.
        sampling_ratio (int): Sample points per bin side; must be positive (mmcv's adaptive 0
            depends on each RoI's size, which a static graph cannot). Defaults to 2.
        clockwise (bool): theta turns from +x towards +y (mmgrasp's sense, docs/conventions.md
            section 1). Defaults to True.

    Returns:
        Tensor: ``(K, C, ph, pw)``.
    """
    if sampling_ratio <= 0:
        raise ValueError('roi_align_rotated_grid needs a fixed sampling_ratio > 0')
    ph, pw = int(output_size[0]), int(output_size[1])
    s = int(sampling_ratio)
    height, width = feats.shape[-2:]
    cx = rois[:, 1] * spatial_scale - 0.5  # aligned=True: pixel centres at integers
    cy = rois[:, 2] * spatial_scale - 0.5
    w = rois[:, 3] * spatial_scale
    h = rois[:, 4] * spatial_scale
    theta = rois[:, 5] if clockwise else -rois[:, 5]
    steps_y = (torch.arange(ph * s, dtype=feats.dtype) + 0.5) / (ph * s)  # (ph * s,)
    steps_x = (torch.arange(pw * s, dtype=feats.dtype) + 0.5) / (pw * s)
    yy = (steps_y[None, :] - 0.5) * h[:, None]  # (K, ph * s) in the RoI frame
    xx = (steps_x[None, :] - 0.5) * w[:, None]  # (K, pw * s)
    cos, sin = torch.cos(theta)[:, None, None], torch.sin(theta)[:, None, None]
    yy, xx = yy[:, :, None], xx[:, None, :]
    x = xx * cos - yy * sin + cx[:, None, None]  # (K, ph * s, pw * s)
    y = xx * sin + yy * cos + cy[:, None, None]
    valid = (y >= -1) & (y <= height) & (x >= -1) & (x <= width)
    grid = torch.stack([2 * x / max(width - 1, 1) - 1, 2 * y / max(height - 1, 1) - 1], dim=-1)
    per_roi = feats[rois[:, 0].long()]  # (K, C, H, W)
    samples = F.grid_sample(per_roi, grid, mode='bilinear', padding_mode='border',
                            align_corners=True)  # (K, C, ph * s, pw * s)
    samples = samples * valid[:, None].to(samples.dtype)
    k, c = samples.shape[:2]
    return samples.reshape(k, c, ph, s, pw, s).mean(dim=(3, 5))
