# Copyright (c) mmgrasp contributors. All rights reserved.
"""mmdet's MobileNetV2 with no parameter that DDP would wait for in vain."""
from mmdet.models.backbones import MobileNetV2
from torch import Tensor

from mmgrasp.registry import MODELS


@MODELS.register_module()
class GraspMobileNetV2(MobileNetV2):
    """mmdet's MobileNetV2 whose parameters all either train or are frozen from the start.

    mmdet's class freezes ``frozen_stages`` only in :meth:`train` and runs every layer, including
    those after the last of ``out_indices`` (with ``out_indices=(1, 2, 4, 6)``, ``conv2``, the
    320 -> 1280 head of the classifier). DDP registers the parameters that require gradients when
    it wraps the model, before ``train()``: the frozen stages' and ``conv2``'s parameters then
    never receive a gradient and a two-process run stops at its second iteration ("Expected to
    have finished reduction in the prior iteration"). Overrides, each for that reason:

    - :meth:`__init__`: freezes at build time (:meth:`_freeze_stages`);
    - :meth:`_freeze_stages`: also freezes the layers after the last output (kept, so that every
      checkpoint, ImageNet's included, still loads; never run);
    - :meth:`forward`: stops at the last output, which also saves ``conv2``'s work (0.1 GMAC at
      512x512) at every step. The outputs are mmdet's, bit for bit.

    Args:
        **kwargs: Those of :class:`mmdet.models.backbones.MobileNetV2`.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._freeze_stages()

    @property
    def num_used_layers(self) -> int:
        """How many of ``self.layers`` the outputs need (up to the last of ``out_indices``)."""
        return max(self.out_indices) + 1

    def _freeze_stages(self) -> None:
        """mmdet's freezing of ``frozen_stages``, and the layers no output needs."""
        super()._freeze_stages()
        for name in self.layers[self.num_used_layers:]:
            layer = getattr(self, name)
            layer.eval()
            for param in layer.parameters():
                param.requires_grad = False

    def forward(self, x: Tensor) -> tuple:
        """``(N, 3, H, W)`` -> the outputs of ``out_indices``, as mmdet's, without the layers
        after the last one."""
        return self.forward_stages(self.conv1(x))

    def forward_stages(self, x: Tensor) -> tuple:
        """The stem's output -> the outputs of ``out_indices`` (the stages up to the last)."""
        outs = []
        for i, name in enumerate(self.layers[:self.num_used_layers]):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
