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


def _rois_of_levels(sizes, seed=1):
    """RoIs of the given side lengths (pixels), centred at random in a 600 x 480 image."""
    g = torch.Generator().manual_seed(seed)
    sizes = torch.tensor(sizes, dtype=torch.float32)[:, None]
    xy = torch.rand(len(sizes), 2, generator=g) * torch.tensor([600., 480.])
    batch = torch.randint(0, 2, (len(sizes), 1), generator=g).float()
    return torch.cat([batch, xy - sizes / 2, xy + sizes / 2], 1)


def test_levels_without_rois():
    """Only the finest and the coarsest levels get RoIs; levels 1 and 2 are empty (the path
    that skips them), and the RoIs of the used levels still land in their own rows."""
    feats, _ = _inputs(0)
    rois = _rois_of_levels([20.] * 70 + [500.] * 40)  # mmdet: < 112 px level 0, >= 448 level 3
    theirs = SingleRoIExtractor(**CFG)
    levels = theirs.map_roi_levels(rois, 4)
    assert [int((levels == i).sum()) for i in range(4)] == [70, 0, 0, 40]
    rois = rois[torch.randperm(len(rois), generator=torch.Generator().manual_seed(0))]
    ours = ParallelRoIExtractor(**CFG, num_threads=2, min_rois_per_thread=4)
    with torch.no_grad():
        a, b = ours(feats, rois), theirs(feats, rois)
    assert torch.equal(a, b)
    assert not torch.equal(a[:1], torch.zeros_like(a[:1]))
    ours.close()


def test_scale_factor_and_one_level():
    feats, rois = _inputs(100)
    kwargs = dict(CFG, featmap_strides=[4])
    with torch.no_grad():
        assert torch.equal(
            ParallelRoIExtractor(**CFG, num_threads=2, min_rois_per_thread=4)(feats, rois, 1.5),
            SingleRoIExtractor(**CFG)(feats, rois, 1.5))
        assert torch.equal(
            ParallelRoIExtractor(**kwargs, num_threads=2, min_rois_per_thread=4)(feats[:1], rois),
            SingleRoIExtractor(**kwargs)(feats[:1], rois))


def _roialign_threads():
    import threading
    return [t for t in threading.enumerate() if t.name.startswith('mmgrasp-roialign')]


def test_the_extractor_owns_its_pool():
    """Each extractor has its own pool; close() and garbage collection end its threads, and a
    copy does not share (or try to copy) the pool."""
    import copy
    import gc
    feats, rois = _inputs(300)
    before = len(_roialign_threads())
    ours = ParallelRoIExtractor(**CFG, num_threads=2, min_rois_per_thread=4)
    with torch.no_grad():
        ours(feats, rois)
    assert ours._pool is not None and len(_roialign_threads()) > before
    twin = copy.deepcopy(ours)
    assert twin._pool is None
    ours.close()
    assert ours._pool is None and len(_roialign_threads()) == before
    with torch.no_grad():  # a later call makes a new pool
        ours(feats, rois)
    pool = ours._pool
    del ours
    gc.collect()
    pool.shutdown(wait=True)  # returns at once: the finalizer shut it down already
    assert pool._shutdown
    assert len(_roialign_threads()) == before
