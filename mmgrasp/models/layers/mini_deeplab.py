# Copyright (c) mmgrasp contributors. All rights reserved.
"""Mini-DeepLab block of the segmentation branch (paper IV-C; seamseg's ``MiniDL``)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmdet.utils import ConfigType
from torch import Tensor


def box_filter(x: Tensor, size: int) -> Tensor:
    """Stride-1 local average over ``size x size`` windows, same output size (replicate border).

    Computed with a summed-area table, so its cost does not grow with ``size``.

    Args:
        x (Tensor): ``(B, C, H, W)``.
        size (int): Window side; clipped to the map's own size.

    Returns:
        Tensor: ``(B, C, H, W)`` local means.
    """
    _, _, h, w = x.shape
    kh, kw = min(size, h), min(size, w)
    top, left = (kh - 1) // 2, (kw - 1) // 2
    padded = F.pad(x, (left, kw - 1 - left, top, kh - 1 - top), mode='replicate')
    sat = padded.cumsum(dim=2).cumsum(dim=3)  # (B, C, H + kh - 1, W + kw - 1)
    sat = F.pad(sat, (1, 0, 1, 0))  # a zero row and column in front
    total = (sat[:, :, kh:, kw:] - sat[:, :, :-kh, kw:] - sat[:, :, kh:, :-kw] +
             sat[:, :, :-kh, :-kw])  # (B, C, H, W)
    return total / (kh * kw)


class MiniDeepLab(nn.Module):
    """Three parallel branches, concatenated, norm + activation, then a 1x1 conv.

    ::

        x -> 3x3 conv ------------------\\
        x -> 3x3 conv, dilation 6 -------> concat -> norm -> act -> 1x1 conv -> norm -> act
        x -> 1x1 conv -> local avg pool -/

    Args:
        in_channels (int): Input channels (the FPN width).
        channels (int): Channels of each branch and of the output. Defaults to 128.
        dilation (int): Dilation of the second branch. Defaults to 6.
        pool_size (int): Window of the stride-1 local average pool. Defaults to 64.
        norm_cfg (dict): Norm layer. Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation. Defaults to LeakyReLU(0.01).
    """

    def __init__(self,
                 in_channels: int,
                 channels: int = 128,
                 dilation: int = 6,
                 pool_size: int = 64,
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='LeakyReLU', negative_slope=0.01)) -> None:
        super().__init__()
        self.pool_size = pool_size
        self.conv3x3 = nn.Conv2d(in_channels, channels, 3, padding=1, bias=False)
        self.conv_dil = nn.Conv2d(in_channels, channels, 3, padding=dilation, dilation=dilation,
                                  bias=False)
        # A 1x1 conv commutes with the average pool: convolve first, on fewer channels.
        self.conv_glb = nn.Conv2d(in_channels, channels, 1, bias=False)
        self.norm1 = build_norm_layer(norm_cfg, 3 * channels)[1]
        self.act1 = build_activation_layer(act_cfg)
        self.conv_out = nn.Conv2d(3 * channels, channels, 1, bias=False)
        self.norm2 = build_norm_layer(norm_cfg, channels)[1]
        self.act2 = build_activation_layer(act_cfg)

    def forward(self, x: Tensor) -> Tensor:
        """Args: x (Tensor): ``(B, C_in, H, W)``. Returns: Tensor: ``(B, channels, H, W)``."""
        branches = [self.conv3x3(x), self.conv_dil(x), box_filter(self.conv_glb(x), self.pool_size)]
        y = self.act1(self.norm1(torch.cat(branches, dim=1)))  # (B, 3 * channels, H, W)
        return self.act2(self.norm2(self.conv_out(y)))
