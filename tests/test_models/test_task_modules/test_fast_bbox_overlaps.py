# Copyright (c) mmgrasp contributors. All rights reserved.
"""FastBboxOverlaps2D returns mmdet's BboxOverlaps2D matrix bit for bit."""
import pytest
import torch
from mmdet.models.task_modules.assigners import BboxOverlaps2D
from mmdet.structures.bbox import HorizontalBoxes

from mmgrasp.models.task_modules import FastBboxOverlaps2D
from mmgrasp.models.task_modules.assigners import fast_bbox_overlaps


def _boxes(n, lo, hi, size, seed):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * (hi - lo) + lo
    wh = torch.rand(n, 2, generator=g) * size + 1
    return torch.cat([xy - wh / 2, xy + wh / 2], dim=1)


@pytest.mark.parametrize('block', [7, 8192])
def test_equal_to_mmdet_bit_for_bit(monkeypatch, block):
    monkeypatch.setattr(fast_bbox_overlaps, 'BLOCK_ROWS', block)
    anchors = _boxes(3000, 0, 512, 80, 0)  # the whole image
    gts = _boxes(57, 180, 330, 50, 1)  # grasps on one object in the middle
    gts[3] = gts[2]  # duplicates
    expected = BboxOverlaps2D()(anchors, gts)
    got = FastBboxOverlaps2D()(anchors, gts)
    assert torch.equal(got, expected)
    assert (expected == 0).all(dim=1).sum() > 1000  # the hull test had rows to skip
    assert (expected > 0.5).any()
    # (m, 5) boxes with scores, and box types
    scored = torch.cat([anchors, torch.rand(len(anchors), 1)], dim=1)
    assert torch.equal(FastBboxOverlaps2D()(scored, HorizontalBoxes(gts)), expected)
    # the assigners' order: ground truths first, anchors second
    flipped = FastBboxOverlaps2D()(gts, anchors)
    assert flipped.is_contiguous() and torch.equal(flipped, BboxOverlaps2D()(gts, anchors))


def test_empty_and_other_modes_follow_mmdet():
    a, b = _boxes(20, 0, 100, 30, 2), _boxes(5, 0, 100, 30, 3)
    fast, ref = FastBboxOverlaps2D(), BboxOverlaps2D()
    assert fast(a, b[:0]).shape == (20, 0) and fast(a[:0], b).shape == (0, 5)
    for mode in ('iof', 'giou'):
        assert torch.equal(fast(a, b, mode=mode), ref(a, b, mode=mode))
    assert torch.equal(fast(a[:5], b, is_aligned=True), ref(a[:5], b, is_aligned=True))


def test_built_by_the_assigner_from_a_config():
    from mmdet.registry import TASK_UTILS
    from mmengine.registry import init_default_scope
    init_default_scope('mmgrasp')
    assigner = TASK_UTILS.build(dict(type='mmdet.MaxIoUAssigner', pos_iou_thr=0.7,
                                     neg_iou_thr=0.3,
                                     iou_calculator=dict(type='mmgrasp.FastBboxOverlaps2D')))
    assert isinstance(assigner.iou_calculator, FastBboxOverlaps2D)


def test_edge_cases_equal_mmdet():
    a = torch.tensor([[0., 0., 10., 10.], [10., 0., 20., 10.], [5., 5., 5., 9.],  # touching, empty
                      [3., 3., 1., 1.], [0., 0., 10., 10.], [100., 100., 110., 120.]])  # inverted
    b = torch.tensor([[0., 0., 10., 10.], [10., 10., 12., 12.], [0., 0., 10., 10.]])
    for x, y in ((a, b), (b, a), (a, a)):
        assert torch.equal(FastBboxOverlaps2D()(x, y), BboxOverlaps2D()(x, y))
    bad = b.clone()
    bad[1, 0] = float('nan')  # one bad ground truth poisons only its own column, as in mmdet
    got, ref = FastBboxOverlaps2D()(bad, a), BboxOverlaps2D()(bad, a)
    assert torch.equal(torch.isnan(got), torch.isnan(ref))
    assert torch.equal(got[[0, 2]], ref[[0, 2]]) and (got[0] > 0).any()
