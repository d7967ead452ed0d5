# Copyright (c) mmgrasp contributors. All rights reserved.
import pytest
import torch
from mmdet.models.roi_heads.roi_extractors import SingleRoIExtractor

from mmgrasp.models.roi_heads import ParallelRoIExtractor

CFG = dict(roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=0, use_torchvision=True),
           out_channels=8, featmap_strides=[4, 8, 16, 32])


def _inputs(num_rois=300, seed=0):
    g = torch.Generator().manual_seed(seed)
    feats = tuple(torch.randn(2, 8, 128 // s, 160 // s, generator=g) for s in (1, 2, 4, 8))
    xy = torch.rand(num_rois, 2, generator=g) * torch.tensor([600., 480.])
    wh = torch.rand(num_rois, 2, generator=g)**3 * 800 + 2  # most RoIs small (P2), some large
    rois = torch.cat([torch.randint(0, 2, (num_rois, 1), generator=g).float(), xy, xy + wh], 1)
    return feats, rois


@pytest.mark.parametrize('num_rois, threads', [(300, 2), (300, 3), (7, 2), (0, 2), (300, 1)])
def test_same_features_as_mmdet(num_rois, threads):
    feats, rois = _inputs(num_rois)
    ours = ParallelRoIExtractor(**CFG, num_threads=threads, min_rois_per_thread=4)
    theirs = SingleRoIExtractor(**CFG)
    with torch.no_grad():
        a, b = ours(feats, rois), theirs(feats, rois)
    assert a.shape == b.shape == (num_rois, 8, 14, 14)
    assert torch.equal(a, b)
    if num_rois >= 300:  # every level used, and split into chunks
        levels = theirs.map_roi_levels(rois, 4)
        assert all(int((levels == i).sum()) > 0 for i in range(4))


def test_training_is_mmdets_forward():
    feats, rois = _inputs(50)
    feats = tuple(f.requires_grad_() for f in feats)
    out = ParallelRoIExtractor(**CFG, num_threads=2)(feats, rois)
    out.sum().backward()
    assert all(f.grad is not None for f in feats)  # mmdet keeps every level in the graph


def test_bad_threads():
    with pytest.raises(ValueError, match='num_threads'):
        ParallelRoIExtractor(**CFG, num_threads=0)
