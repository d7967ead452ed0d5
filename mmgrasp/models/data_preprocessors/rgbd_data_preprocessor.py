# Copyright (c) mmgrasp contributors. All rights reserved.
"""Normalise RGB-D input: the colour as mmdet does, the depth relative to each image."""
from typing import Sequence

import torch
from mmdet.models.data_preprocessors import DetDataPreprocessor

from mmgrasp.registry import MODELS


def centre_depth(depth: torch.Tensor) -> torch.Tensor:
    """Depth relative to the image's median valid depth; unknown pixels (0) become 0.

    Args:
        depth (Tensor): ``(H, W)`` depth in metres, 0 where unknown (pixels a rotation or shift
            brought in from outside the image; holes were filled at loading).

    Returns:
        Tensor: ``(H, W)`` ``depth - median`` over the known pixels, 0 on the unknown ones.
    """
    known = depth > 0
    if not known.any():
        return torch.zeros_like(depth)
    median = depth[known].median()
    return torch.where(known, depth - median, torch.zeros_like(depth))


@MODELS.register_module()
class RGBDDataPreprocessor(DetDataPreprocessor):
    """mmdet's :class:`DetDataPreprocessor` for ``(4, H, W)`` inputs: colour channels as loaded
    (BGR), then depth in metres (:class:`~mmgrasp.datasets.transforms.LoadDepthFromFile`).

    The colour channels are swapped to RGB (``bgr_to_rgb``) and normalised with ``mean`` and
    ``std`` as for an RGB model. The depth is made relative to each image, so that the network
    sees shapes, not the camera's height: the median depth of the image's known pixels is
    subtracted (:func:`centre_depth`; pixels without depth, 0, get the median) and the result is
    divided by ``depth_std`` metres. Padding then adds zeros, i.e. the median depth.

    Overridden because mmengine's channel conversion handles 3 channels only (it would drop the
    depth) and because the depth needs a per-image statistic.

    Args:
        mean (Sequence[float]): Mean of the 3 colour channels (RGB order).
        std (Sequence[float]): Std of the 3 colour channels.
        depth_std (float): Metres per unit of the normalised depth. Defaults to 0.1.
        bgr_to_rgb (bool): Swap the colour channels from BGR to RGB. Defaults to True.
        **kwargs: Passed to :class:`DetDataPreprocessor` (``pad_size_divisor``, ``pad_seg``...).
    """

    def __init__(self, mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375), depth_std: float = 0.1,
                 bgr_to_rgb: bool = True, **kwargs) -> None:
        if len(mean) != 3 or len(std) != 3:
            raise ValueError('mean and std are those of the 3 colour channels; the depth is '
                             f'normalised with depth_std, got mean={mean}, std={std}')
        if not depth_std > 0:
            raise ValueError(f'depth_std must be positive, got {depth_std}')
        super().__init__(mean=mean, std=std, bgr_to_rgb=False, rgb_to_bgr=False, **kwargs)
        # mmengine accepts 1 or 3 values; the depth channel gets mean 0 and std depth_std
        self.mean = torch.tensor(list(mean) + [0.0]).view(-1, 1, 1)
        self.std = torch.tensor(list(std) + [float(depth_std)]).view(-1, 1, 1)
        self.swap_to_rgb = bgr_to_rgb
        self.depth_std = float(depth_std)

    def _prepare(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[0] != 4:
            raise ValueError(f'RGBDDataPreprocessor takes (4, H, W) inputs (colour, then depth '
                             f'from LoadDepthFromFile), got {tuple(x.shape)}; an RGB pipeline '
                             'needs the RGB DetDataPreprocessor')
        x = x.float()
        order = [2, 1, 0] if self.swap_to_rgb else [0, 1, 2]
        return torch.cat([x[order], centre_depth(x[3])[None]], dim=0)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Swap the colour channels, centre the depth, then run mmdet's preprocessing
        (normalisation, padding, batch augments).

        Args:
            data (dict): ``inputs``: list of ``(4, H, W)`` tensors (or a ``(N, 4, H, W)``
                tensor), and ``data_samples``.
            training (bool): Training mode. Defaults to False.

        Returns:
            dict: ``inputs`` ``(N, 4, H', W')`` normalised and padded, and ``data_samples``.
        """
        data = dict(data)
        inputs = data['inputs']
        if isinstance(inputs, torch.Tensor):
            data['inputs'] = torch.stack([self._prepare(x) for x in inputs])
        else:
            data['inputs'] = [self._prepare(x) for x in inputs]
        return super().forward(data, training)
