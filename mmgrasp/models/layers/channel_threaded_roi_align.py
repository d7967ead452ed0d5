# Copyright (c) mmgrasp contributors. All rights reserved.
"""mmcv's ``RoIAlign`` (torchvision's kernel) with its backward on every CPU thread, bit for bit."""
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional, Tuple

import torch
from mmcv.ops import RoIAlign
from torch import Tensor

_POOL: Optional[ThreadPoolExecutor] = None
_POOL_KEY: Tuple[int, int] = (0, 0)  # (pid, workers) the pool was made for
_POOL_LOCK = threading.Lock()


def _executor(workers: int) -> ThreadPoolExecutor:
    """One process-wide pool of at least ``workers`` threads (made again after a fork)."""
    global _POOL, _POOL_KEY
    with _POOL_LOCK:
        pid = os.getpid()
        if _POOL is None or _POOL_KEY[0] != pid or _POOL_KEY[1] < workers:
            if _POOL is not None and _POOL_KEY[0] == pid:
                _POOL.shutdown(wait=False)
            _POOL = ThreadPoolExecutor(max_workers=workers,
                                       thread_name_prefix='mmgrasp-roialign-backward')
            _POOL_KEY = (pid, workers)
        return _POOL


def channel_bounds(channels: int, chunks: int) -> List[Tuple[int, int]]:
    """``chunks`` contiguous ``[start, end)`` channel ranges covering ``channels``, none empty.

    Args:
        channels (int): ``C``.
        chunks (int): Wanted number of ranges (at most ``C`` are made).

    Returns:
        list[tuple[int, int]]: The ranges in order, sizes differing by at most one.
    """
    chunks = max(1, min(chunks, channels))
    edges = [channels * i // chunks for i in range(chunks + 1)]
    return list(zip(edges[:-1], edges[1:]))


class _RoIAlignChannelThreads(torch.autograd.Function):
    """torchvision's RoIAlign; its backward computed on channel ranges in parallel threads.

    The CPU backward kernel (``torchvision::_roi_align_backward``) is serial: it walks every output
    element and adds its bilinear weights into the input's gradient. A channel's gradient depends
    on that channel's output gradient alone, and within a channel the kernel adds in the same
    order whatever channels it is given, so the channel ranges computed apart and concatenated
    are the serial kernel's result bit for bit (the kernels release the GIL).
    """

    @staticmethod
    def forward(ctx, feat: Tensor, rois: Tensor, output_size: Tuple[int, int],
                spatial_scale: float, sampling_ratio: int, aligned: bool,
                threads: int) -> Tensor:
        import torchvision.ops  # noqa: F401 (registers torch.ops.torchvision, as mmcv does)
        ctx.save_for_backward(rois)
        ctx.params = (output_size, spatial_scale, sampling_ratio, aligned, threads)
        ctx.feat_shape = tuple(feat.shape)
        return torch.ops.torchvision.roi_align(feat, rois, spatial_scale, output_size[0],
                                               output_size[1], sampling_ratio, aligned)

    @staticmethod
    def backward(ctx, grad: Tensor):
        rois, = ctx.saved_tensors
        output_size, spatial_scale, sampling_ratio, aligned, threads = ctx.params
        batch, channels, height, width = ctx.feat_shape

        def part(bounds: Tuple[int, int]) -> Tensor:
            start, end = bounds
            return torch.ops.torchvision._roi_align_backward(
                grad[:, start:end].contiguous(), rois, spatial_scale, output_size[0],
                output_size[1], batch, end - start, height, width, sampling_ratio, aligned)

        bounds = channel_bounds(channels, threads)
        if len(bounds) == 1:
            grad_feat = part(bounds[0])
        else:
            grad_feat = torch.cat(list(_executor(len(bounds)).map(part, bounds)), dim=1)
        return grad_feat, None, None, None, None, None, None


class ChannelThreadedRoIAlign(RoIAlign):
    """mmcv's ``RoIAlign`` whose backward runs on ``torch.get_num_threads()`` threads.

    The forward is mmcv's with ``use_torchvision=True`` (torchvision's kernel); in training, the
    backward (a fifth of a Cornell MobileNetV2 training iteration on 2 threads, docs/speed.md)
    splits the channels over the threads, the same gradient bit for bit
    (:class:`_RoIAlignChannelThreads`). It takes over only where that holds: torchvision's
    kernel, average pooling, an input that needs a gradient on the CPU, more than one thread, not
    tracing or exporting; its forward calls the same torchvision kernel as mmcv's module, so the
    values are mmcv's. Everywhere else mmcv's module runs.

    Args: as mmcv's ``RoIAlign``.
    """

    def forward(self, input: Tensor, rois: Tensor) -> Tensor:
        """``(n, C, S, S)`` features of ``rois`` ``(n, 5)`` on ``input`` ``(B, C, H, W)``."""
        threads = torch.get_num_threads()
        if (not self.use_torchvision or self.pool_mode != 'avg' or threads <= 1
                or not (torch.is_grad_enabled() and input.requires_grad)
                or input.device.type != 'cpu' or input.dtype != rois.dtype
                or torch.jit.is_tracing() or torch.onnx.is_in_onnx_export()):
            return super().forward(input, rois)
        return _RoIAlignChannelThreads.apply(input, rois, self.output_size, self.spatial_scale,
                                             self.sampling_ratio, self.aligned, threads)
