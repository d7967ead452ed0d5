# Copyright (c) mmgrasp contributors. All rights reserved.
"""EfficientNet-Lite0 on mmdet's EfficientNet: the CPU-friendly EfficientNet (no squeeze-excite,
ReLU6), with no parameter that DDP would wait for in vain."""
import copy

from mmdet.models.backbones import EfficientNet

from mmgrasp.registry import MODELS


@MODELS.register_module()
class GraspEfficientNetLite(EfficientNet):
    """EfficientNet-Lite0 (Google's ``efficientnet_lite_builder``) as mmdet's EfficientNet.

    Lite0 is EfficientNet-B0's layout (stem 32, 16 MBConv blocks, head 1280) without the
    squeeze-and-excitation layers and with ReLU6 instead of Swish, so that it quantises and runs
    well on a CPU: 75.1 % ImageNet top-1 against MobileNetV2's 72.0 %, at about 0.41 against 0.30
    GMACs at 224x224 (the upstream figures). Its convolutions pad as TensorFlow's ``SAME``
    (``Conv2dAdaptivePadding``, mmdet's default here), as the ImageNet weights were trained.
    Only Lite0 is offered: for Lite1-4 the stem, the head and the first and last stages' repeats
    are not scaled, which mmdet's ``model_scaling`` does not express.

    Overrides of :class:`mmdet.models.backbones.EfficientNet`, each with its reason:

    - ``layer_settings`` / ``arch_settings``: ``'lite0'``, B0's blocks with ``se_ratio`` 0;
    - :meth:`__init__`: ReLU6 by default, and the frozen stages frozen at build time: mmdet
      freezes them only in ``train()``, after DDP has registered their parameters as trained,
      and a two-process run then stops at its second iteration (as ``GraspMobileNetV2``).
      mmdet builds no layer after the last of ``out_indices``, so nothing else is left unused.

    Args:
        arch (str): ``'lite0'``.
        act_cfg (dict): Activation. Defaults to ReLU6 (Lite's).
        **kwargs: The other arguments of :class:`mmdet.models.backbones.EfficientNet`
            (``out_indices``: layer 0 is the stem (stride 2), layers 1-5 the stages with
            16 / 24 / 40 / 112 / 320 channels at strides 2 / 4 / 8 / 16 / 32, layer 6 the
            1x1 head to 1280; ``frozen_stages``; ``norm_eval``; ``init_cfg``).

    Shapes:
        ``(N, 3, H, W)`` -> one ``(N, C_i, H / s_i, W / s_i)`` per output index (rounded up).
    """

    layer_settings = dict(
        EfficientNet.layer_settings,
        l=[[[k, c, 0, s, e, t] for k, c, _, s, e, t in stage]
           for stage in EfficientNet.layer_settings['b']])
    arch_settings = dict(lite0=(1.0, 1.0, 224))

    def __init__(self, arch: str = 'lite0', act_cfg: dict = dict(type='ReLU6'),
                 **kwargs) -> None:
        if arch not in self.arch_settings:
            raise ValueError(f'GraspEfficientNetLite: arch {arch!r} is not one of '
                             f'{sorted(self.arch_settings)}')
        super().__init__(arch=arch, act_cfg=copy.deepcopy(act_cfg), **kwargs)
        self._freeze_stages()
