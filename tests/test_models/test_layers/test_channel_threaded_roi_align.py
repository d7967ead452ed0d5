# Copyright (c) mmgrasp contributors. All rights reserved.
"""ChannelThreadedRoIAlign: mmcv's RoIAlign (torchvision's kernel) with its backward split over
threads by channel gives the same forward values and the same input gradient, bit for bit."""
from unittest.mock import patch

import pytest
import torch
from mmcv.ops import RoIAlign
from mmdet.models.roi_heads.roi_extractors import SingleRoIExtractor

from mmgrasp.models.layers import ChannelThreadedRoIAlign
from mmgrasp.models.layers.channel_threaded_roi_align import channel_bounds
from mmgrasp.models.roi_heads import ParallelRoIExtractor

FUNCTION = 'mmgrasp.models.layers.channel_threaded_roi_align._RoIAlignChannelThreads.apply'


@pytest.fixture
def threads():
    """Set torch's thread count for a test, then restore it."""
    before = torch.get_num_threads()
    yield torch.set_num_threads
    torch.set_num_threads(before)


def _inputs(channels=16, num_rois=120, seed=0):
    g = torch.Generator().manual_seed(seed)
    feat = torch.randn(3, channels, 40, 52, generator=g)
    xy = torch.rand(num_rois, 2, generator=g) * torch.tensor([200., 150.])
    wh = torch.rand(num_rois, 2, generator=g) * 90 + 1  # 1-91 px: 1 to 7 samples a bin
    rois = torch.cat([torch.randint(0, 3, (num_rois, 1), generator=g).float(), xy, xy + wh], 1)
    grad = torch.randn(num_rois, channels, 7, 7, generator=g)
    return feat, rois, grad


def _forward_backward(layer, feat, rois, grad):
    feat = feat.clone().requires_grad_()
    out = layer(feat, rois)
    out.backward(grad)
    return out.detach(), feat.grad


def test_channel_bounds_by_hand():
    assert channel_bounds(256, 2) == [(0, 128), (128, 256)]
    assert channel_bounds(7, 3) == [(0, 2), (2, 4), (4, 7)]
    assert channel_bounds(2, 5) == [(0, 1), (1, 2)]  # never an empty range
    assert channel_bounds(5, 1) == [(0, 5)]


@pytest.mark.parametrize('num_threads, channels', [(2, 16), (3, 7), (2, 1)])
@pytest.mark.parametrize('aligned, sampling_ratio', [(True, 0), (False, 2)])
def test_same_values_and_gradient_as_mmcv_bit_for_bit(threads, num_threads, channels, aligned,
                                                      sampling_ratio):
    threads(num_threads)
    feat, rois, grad = _inputs(channels)
    args = dict(output_size=7, spatial_scale=0.25, sampling_ratio=sampling_ratio,
                aligned=aligned, use_torchvision=True)
    with patch(FUNCTION, wraps=ChannelThreadedRoIAlign.forward.__globals__[
            '_RoIAlignChannelThreads'].apply) as threaded:
        ours = _forward_backward(ChannelThreadedRoIAlign(**args), feat, rois, grad)
    assert threaded.call_count == 1  # the threaded backward ran
    theirs = _forward_backward(RoIAlign(**args), feat, rois, grad)
    assert torch.equal(ours[0], theirs[0])
    assert torch.equal(ours[1], theirs[1])
    assert ours[1].abs().sum() > 0


def test_mmcv_runs_where_the_threads_cannot_help(threads):
    """One thread, no gradient wanted, or mmcv's own kernel: mmcv's module, unchanged."""
    feat, rois, grad = _inputs()
    layer = ChannelThreadedRoIAlign(7, 0.25, 0, use_torchvision=True)
    with patch(FUNCTION, side_effect=AssertionError('threaded')):
        threads(1)
        _forward_backward(layer, feat, rois, grad)
        threads(2)
        with torch.no_grad():
            layer(feat.clone().requires_grad_(), rois)
        layer(feat, rois)  # the input needs no gradient
        mmcv_kernel = ChannelThreadedRoIAlign(7, 0.25, 0, use_torchvision=False)
        _forward_backward(mmcv_kernel, feat, rois, grad)


def test_extractor_training_gradients_equal_mmdets(threads):
    """ParallelRoIExtractor in training: the FPN levels' gradients are mmdet's
    SingleRoIExtractor's bit for bit, with the threaded backward (and without it on request)."""
    threads(2)
    cfg = dict(roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=0,
                              use_torchvision=True),
               out_channels=8, featmap_strides=[4, 8, 16, 32])
    g = torch.Generator().manual_seed(1)
    feats = [torch.randn(2, 8, 128 // s, 160 // s, generator=g) for s in (1, 2, 4, 8)]
    xy = torch.rand(200, 2, generator=g) * torch.tensor([600., 480.])
    wh = torch.rand(200, 2, generator=g)**3 * 800 + 2
    rois = torch.cat([torch.randint(0, 2, (200, 1), generator=g).float(), xy, xy + wh], 1)
    upstream = torch.randn(200, 8, 14, 14, generator=g)
    grads = []
    for extractor in (ParallelRoIExtractor(**cfg), SingleRoIExtractor(**cfg),
                      ParallelRoIExtractor(**cfg, threaded_backward=False)):
        leaves = [f.clone().requires_grad_() for f in feats]
        extractor(leaves, rois).backward(upstream)
        grads.append([f.grad for f in leaves])
    assert isinstance(ParallelRoIExtractor(**cfg).roi_layers[0], ChannelThreadedRoIAlign)
    assert type(ParallelRoIExtractor(**cfg, threaded_backward=False).roi_layers[0]) is RoIAlign
    for ours in (grads[0], grads[2]):
        assert all(torch.equal(a, b) for a, b in zip(ours, grads[1]))
