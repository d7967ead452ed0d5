# Copyright (c) mmgrasp contributors. All rights reserved.
"""mmdet's ``SingleRoIExtractor`` whose RoIAlign uses every CPU thread (inference, backward)."""
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional, Tuple

import torch
from mmdet.models.roi_heads.roi_extractors import SingleRoIExtractor
from mmdet.utils import ConfigType
from torch import Tensor, nn

from mmgrasp.models.layers import ChannelThreadedRoIAlign
from mmgrasp.registry import MODELS


@MODELS.register_module()
class ParallelRoIExtractor(SingleRoIExtractor):
    """``SingleRoIExtractor`` with the same output, its RoIAlign split over threads at inference.

    The CPU kernels of RoIAlign (torchvision's, and mmcv's) run on one thread whatever
    ``torch.get_num_threads()`` says, and in the grasp head they take a quarter of the time of the
    backbone (docs/speed.md). Each RoI's features depend on that RoI alone, so the RoIs of a
    level are cut into one chunk per thread and pooled concurrently (the kernels release the
    GIL): the same numbers, bit for bit. Two more things differ from mmdet's ``forward`` at
    inference only: the output buffer is not zero-filled first when every RoI gets a level (it
    always does), and the ``+ 0 * feats.sum()`` that mmdet adds for a level without RoIs (which
    keeps every level in the autograd graph for distributed training) is skipped.

    With gradients on, in tracing or ONNX export, or with one thread, mmdet's ``forward`` runs.
    In training its ``RoIAlign`` (``type='RoIAlign'``) is
    :class:`~mmgrasp.models.layers.ChannelThreadedRoIAlign`: mmcv's, with the backward split over
    the threads by channel, the same gradient bit for bit (``threaded_backward=False``: mmcv's).

    The extractor owns its thread pool: made at the first parallel call (and again when more
    threads are wanted), shut down by :meth:`close`, when a larger pool replaces it, or when the
    extractor is garbage-collected. Copies and pickles do not carry it.

    Args:
        num_threads (int, optional): Threads to split over; defaults to
            ``torch.get_num_threads()`` at each call.
        min_rois_per_thread (int): Smaller levels are not split. Defaults to 32.
        threaded_backward (bool): Build a ``type='RoIAlign'`` layer as
            ``ChannelThreadedRoIAlign``. Defaults to True.
        **kwargs: ``SingleRoIExtractor``'s arguments (``roi_layer``, ``out_channels``,
            ``featmap_strides``, ``finest_scale``, ``init_cfg``).
    """

    def __init__(self, *args, num_threads: Optional[int] = None, min_rois_per_thread: int = 32,
                 threaded_backward: bool = True, **kwargs) -> None:
        self.threaded_backward = threaded_backward  # read by build_roi_layers in super().__init__
        super().__init__(*args, **kwargs)
        if num_threads is not None and num_threads < 1:
            raise ValueError(f'num_threads must be >= 1, got {num_threads}')
        self.num_threads = num_threads
        self.min_rois_per_thread = max(1, int(min_rois_per_thread))
        self._pool: Optional[ThreadPoolExecutor] = None
        self._pool_finalizer: Optional[weakref.finalize] = None

    def build_roi_layers(self, layer_cfg: ConfigType, featmap_strides: List[int]) -> nn.ModuleList:
        """mmdet's layers; ``type='RoIAlign'`` as ``ChannelThreadedRoIAlign`` (see the class)."""
        if self.threaded_backward and layer_cfg.get('type') == 'RoIAlign':
            layer_cfg = dict(layer_cfg, type=ChannelThreadedRoIAlign)
        return super().build_roi_layers(layer_cfg, featmap_strides)

    def _threads(self) -> int:
        return self.num_threads or torch.get_num_threads()

    def _executor(self, workers: int) -> ThreadPoolExecutor:
        """This extractor's pool, with at least ``workers`` threads."""
        if self._pool is None or self._pool._max_workers < workers:
            self.close()
            self._pool = ThreadPoolExecutor(max_workers=workers,
                                            thread_name_prefix='mmgrasp-roialign')
            self._pool_finalizer = weakref.finalize(self, self._pool.shutdown, wait=False)
        return self._pool

    def close(self) -> None:
        """Shut the thread pool down (its threads exit); a later parallel call makes a new one."""
        if self._pool_finalizer is not None:
            self._pool_finalizer.detach()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._pool, self._pool_finalizer = None, None

    def __getstate__(self) -> dict:
        """Copies and pickles leave the pool (threads cannot be copied) to the original."""
        state = self.__dict__.copy()
        state['_pool'], state['_pool_finalizer'] = None, None
        return state

    def _align(self, level: int, feat: Tensor, rois: Tensor) -> Tensor:
        """RoIAlign of ``rois`` ``(n, 5)`` on one level, in chunks over the threads."""
        layer = self.roi_layers[level]
        chunks = min(self._threads(), rois.size(0) // self.min_rois_per_thread)
        if chunks <= 1:
            return layer(feat, rois)
        parts: List[Tensor] = list(rois.tensor_split(chunks))
        return torch.cat(list(self._executor(chunks).map(lambda part: layer(feat, part), parts)))

    def forward(self, feats: Tuple[Tensor], rois: Tensor,
                roi_scale_factor: Optional[float] = None) -> Tensor:
        """RoI features, as mmdet's ``SingleRoIExtractor.forward``.

        Args:
            feats (tuple[Tensor]): FPN levels, each ``(B, C, H_l, W_l)``.
            rois (Tensor): ``(n, 5)`` RoIs ``(batch_idx, x1, y1, x2, y2)``.
            roi_scale_factor (float, optional): RoI scale factor. Defaults to None.

        Returns:
            Tensor: ``(n, C, S, S)`` RoI features.
        """
        if (torch.is_grad_enabled() or torch.jit.is_tracing() or torch.onnx.is_in_onnx_export()
                or self._threads() <= 1):
            return super().forward(feats, rois, roi_scale_factor)
        rois = rois.type_as(feats[0])
        out_size = self.roi_layers[0].output_size
        num_levels = len(feats)
        if rois.size(0) == 0:
            return feats[0].new_zeros(0, self.out_channels, *out_size)
        if num_levels == 1:
            return self._align(0, feats[0], rois)
        target_lvls = self.map_roi_levels(rois, num_levels)
        if roi_scale_factor is not None:
            rois = self.roi_rescale(rois, roi_scale_factor)
        roi_feats = feats[0].new_empty(rois.size(0), self.out_channels, *out_size)
        for i in range(num_levels):
            inds = (target_lvls == i).nonzero(as_tuple=False).squeeze(1)
            if inds.numel() > 0:
                roi_feats[inds] = self._align(i, feats[i], rois[inds])
        return roi_feats
