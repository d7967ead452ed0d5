# Copyright (c) mmgrasp contributors. All rights reserved.
"""MobileNetV2 with a fourth input channel for depth, keeping its ImageNet weights for RGB."""
import torch
from mmcv.cnn import ConvModule
from torch import Tensor, nn

from mmgrasp.registry import MODELS
from .grasp_mobilenet_v2 import GraspMobileNetV2

DEPTH_FUSIONS = ('first_conv', 'stem')
"""Where depth enters: as a fourth channel of the first convolution, or through a separate
depth stem whose output is added to the RGB stem's."""
DEPTH_INITS = ('rgb_mean', 'zeros')
"""How the depth filters of the first convolution start: the mean of the RGB filters (the
channel then starts as a grey-level image would) or zeros (the network starts as the RGB one)."""


@MODELS.register_module()
class RGBDMobileNetV2(GraspMobileNetV2):
    """mmdet's MobileNetV2 reading RGB-D input ``(N, 4, H, W)``: colour channels, then depth.

    Two ways in for the depth (``depth_fusion``):

    - ``'first_conv'`` (default): the first convolution takes 4 channels. Its RGB filters are
      the pretrained ones (``init_cfg``, as for :class:`mmdet.models.backbones.MobileNetV2`),
      and its depth filters start from ``depth_init``: ``'rgb_mean'`` (default) gives each
      output the mean of its three RGB filters, the usual inflation of an ImageNet stem to a new
      channel.
    - ``'stem'``: the pretrained RGB stem is kept as it is, and a separate depth stem (3x3
      stride-2 convolution, norm, ReLU6, then a 1x1 convolution to the stem's width, initialised
      to zero so that the network starts as the RGB one) is added to its output, before the
      inverted-residual stages and the FPN.

    :meth:`_freeze_stages` is overridden because a frozen stem (``frozen_stages >= 0``, as in
    the MobileNetV2 configs) could never learn to read depth: with ``stem_trainable`` the
    weights that read depth (the first convolution's, or the depth stem) stay trainable while
    the RGB stem's norm layer and the stages up to ``frozen_stages`` stay frozen as in the
    parent. The refinement stage (backbone and FPN frozen, paper VI-C) sets
    ``stem_trainable=False``. :meth:`forward` is overridden for the depth stem.

    Args:
        depth_fusion (str): ``'first_conv'`` or ``'stem'`` (:data:`DEPTH_FUSIONS`). Defaults to
            ``'first_conv'``.
        depth_init (str): ``'rgb_mean'`` or ``'zeros'`` (:data:`DEPTH_INITS`), for
            ``'first_conv'``. Defaults to ``'rgb_mean'``.
        stem_trainable (bool): Keep the weights that read depth trainable whatever
            ``frozen_stages`` says. Defaults to True.
        **kwargs: Passed to :class:`GraspMobileNetV2` (mmdet's ``MobileNetV2``).
    """

    def __init__(self, depth_fusion: str = 'first_conv', depth_init: str = 'rgb_mean',
                 stem_trainable: bool = True, **kwargs) -> None:
        if depth_fusion not in DEPTH_FUSIONS:
            raise ValueError(f'depth_fusion must be one of {DEPTH_FUSIONS}, got {depth_fusion!r}')
        if depth_init not in DEPTH_INITS:
            raise ValueError(f'depth_init must be one of {DEPTH_INITS}, got {depth_init!r}')
        self.stem_trainable = stem_trainable
        self.depth_fusion = depth_fusion
        super().__init__(**kwargs)
        self.depth_init = depth_init
        if depth_fusion == 'first_conv':
            rgb = self.conv1.conv
            self.conv1.conv = self._conv_like(rgb, in_channels=4)
        else:
            width = self.conv1.conv.out_channels
            self.depth_stem = nn.Sequential(
                ConvModule(1, width // 2, 3, stride=2, padding=1, norm_cfg=self.norm_cfg,
                           act_cfg=self.act_cfg),
                nn.Conv2d(width // 2, width, 1))
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
        if self.depth_fusion == 'stem':
            super().init_weights()
            with torch.no_grad():  # the depth stem starts silent: the RGB network's output
                self.depth_stem[-1].weight.zero_()
                self.depth_stem[-1].bias.zero_()
            return
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
        depth_params = (self.conv1.conv.parameters() if self.depth_fusion == 'first_conv' else
                        self.depth_stem.parameters() if hasattr(self, 'depth_stem') else [])
        for param in depth_params:
            param.requires_grad = self.stem_trainable or self.frozen_stages < 0

    def forward(self, x: Tensor) -> tuple:
        """``(N, 4, H, W)`` RGB-D input -> the stages' outputs, as the parent's ``forward``.

        Overridden for ``depth_fusion='stem'``: the RGB stem reads the colour channels and the
        depth stem the depth, and their sum enters the stages.
        """
        if self.depth_fusion == 'stem':
            x = self.conv1(x[:, :3]) + self.depth_stem(x[:, 3:])
        else:
            x = self.conv1(x)
        return self.forward_stages(x)
