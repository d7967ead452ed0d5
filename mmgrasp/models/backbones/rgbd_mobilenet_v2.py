# Copyright (c) mmgrasp contributors. All rights reserved.
"""MobileNetV2 with a fourth input channel for depth, keeping its ImageNet weights for RGB."""
from mmdet.models.backbones import MobileNetV2
from torch import nn

from mmgrasp.registry import MODELS

DEPTH_INITS = ('rgb_mean', 'zeros')
"""How the depth filters of the first convolution start: the mean of the RGB filters (the
channel then starts as a grey-level image would) or zeros (the network starts as the RGB one)."""


@MODELS.register_module()
class RGBDMobileNetV2(MobileNetV2):
    """mmdet's MobileNetV2 reading RGB-D input ``(N, 4, H, W)``: colour channels, then depth.

    Only the first convolution differs: it takes 4 channels. Its RGB filters are the pretrained
    ones (``init_cfg``, as for :class:`mmdet.models.backbones.MobileNetV2`), and its depth
    filters start from ``depth_init``: ``'rgb_mean'`` (default) gives each output the mean of its
    three RGB filters, the usual inflation of an ImageNet stem to a new channel.

    :meth:`_freeze_stages` is overridden because a frozen stem (``frozen_stages >= 0``, as in
    the MobileNetV2 configs) could never learn to read depth: with ``stem_trainable`` the first
    convolution's weights stay trainable while its norm layer and the stages up to
    ``frozen_stages`` stay frozen as in the parent. The refinement stage (backbone and FPN frozen,
    paper VI-C) sets ``stem_trainable=False``.

    Args:
        depth_init (str): ``'rgb_mean'`` or ``'zeros'`` (:data:`DEPTH_INITS`). Defaults to
            ``'rgb_mean'``.
        stem_trainable (bool): Keep the first convolution's weights trainable whatever
            ``frozen_stages`` says. Defaults to True.
        **kwargs: Passed to :class:`mmdet.models.backbones.MobileNetV2`.
    """

    def __init__(self, depth_init: str = 'rgb_mean', stem_trainable: bool = True,
                 **kwargs) -> None:
        if depth_init not in DEPTH_INITS:
            raise ValueError(f'depth_init must be one of {DEPTH_INITS}, got {depth_init!r}')
        self.stem_trainable = stem_trainable
        super().__init__(**kwargs)
        self.depth_init = depth_init
        rgb = self.conv1.conv
        self.conv1.conv = self._conv_like(rgb, in_channels=4)
        self._freeze_stages()

    @staticmethod
    def _conv_like(conv: nn.Conv2d, in_channels: int) -> nn.Conv2d:
        return nn.Conv2d(in_channels, conv.out_channels, conv.kernel_size, stride=conv.stride,
                         padding=conv.padding, dilation=conv.dilation, groups=conv.groups,
                         bias=conv.bias is not None)

    def init_weights(self) -> None:
        """Initialise as the RGB MobileNetV2 (pretrained weights included), then add the depth
        filters.

        The parent's initialisation runs while the first convolution's weight holds 3 input
        channels (the same Parameter, its data swapped: mmengine forbids new parameters during
        ``init_weights``), so that a pretrained checkpoint loads into it exactly, without a
        size-mismatch warning; those filters then become the RGB filters of the 4-channel weight
        and the depth filters follow ``depth_init``.
        """
        weight = self.conv1.conv.weight
        rgbd = weight.data
        weight.data = rgbd[:, :3].clone()
        try:
            super().init_weights()
        finally:
            rgb = weight.data
            rgbd[:, :3] = rgb
            if self.depth_init == 'rgb_mean':
                rgbd[:, 3:] = rgb.mean(dim=1, keepdim=True)
            else:
                rgbd[:, 3:] = 0
            weight.data = rgbd

    def _freeze_stages(self) -> None:
        """The parent's freezing, with the first convolution's weights left trainable when
        ``stem_trainable``."""
        super()._freeze_stages()
        if self.frozen_stages >= 0 and self.stem_trainable:
            for param in self.conv1.conv.parameters():
                param.requires_grad = True
