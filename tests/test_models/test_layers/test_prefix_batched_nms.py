# Copyright (c) mmgrasp contributors. All rights reserved.
from unittest.mock import patch

import pytest
import torch
from mmcv.ops import batched_nms

from mmgrasp.models.layers import prefix_batched_nms

NMS = dict(type='nms', iou_threshold=0.7)


def _proposals(seed, num=2000, levels=5):
    """RPN-like candidates: boxes clustered on a few objects (many overlaps), five levels."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.rand(12, 2, generator=g) * 300
    centres = centres[torch.randint(0, 12, (num, ), generator=g)]
    centres = centres + torch.randn(num, 2, generator=g) * 8
    sizes = torch.rand(num, 2, generator=g) * 40 + 4
    boxes = torch.cat([centres - sizes / 2, centres + sizes / 2], dim=1)
    scores = (torch.randperm(num, generator=g).float() + 1) / (num + 1)  # distinct
    return boxes, scores, torch.randint(0, levels, (num, ), generator=g)


def _mmcv(boxes, scores, idxs, cfg, max_num):
    dets, keep = batched_nms(boxes, scores, idxs, cfg)
    return dets[:max_num], keep[:max_num]


@pytest.mark.parametrize('seed', range(8))
@pytest.mark.parametrize('max_num', [1, 50, 300, 5000])
@pytest.mark.parametrize('ties', ['mmcv', 'stable'])
def test_equals_mmcv_cut_to_max_num(seed, max_num, ties):
    boxes, scores, idxs = _proposals(seed)
    dets, keep = prefix_batched_nms(boxes, scores, idxs, NMS, max_num, ties=ties)
    ref_dets, ref_keep = _mmcv(boxes, scores, idxs, NMS, max_num)
    assert torch.equal(dets, ref_dets) and torch.equal(keep, ref_keep)
    assert len(keep) == min(max_num, len(batched_nms(boxes, scores, idxs, NMS)[1]))


def test_fast_path_taken_and_growing_prefix():
    boxes, scores, idxs = _proposals(0)
    with patch('mmgrasp.models.layers.prefix_batched_nms.batched_nms',
               side_effect=AssertionError('fell back')):
        prefix_batched_nms(boxes, scores, idxs, NMS, 300)
    # 1,600 boxes on one spot and 400 apart: the first prefix (400) keeps too few, it grows
    boxes[:1600] = torch.tensor([10.0, 10.0, 30.0, 30.0])
    scores[:1600] += 1.0
    scores = scores + torch.arange(2000) * 1e-5  # distinct
    dets, keep = prefix_batched_nms(boxes, scores, idxs, NMS, 100)
    ref = _mmcv(boxes, scores, idxs, NMS, 100)
    assert torch.equal(dets, ref[0]) and torch.equal(keep, ref[1])


@pytest.mark.parametrize('cfg,max_num', [(NMS, -1), (dict(NMS, class_agnostic=True), 300),
                                         (None, 300)])
def test_other_configs_run_mmcv(cfg, max_num):
    boxes, scores, idxs = _proposals(3)
    dets, keep = prefix_batched_nms(boxes, scores, idxs, cfg, max_num)
    ref_dets, ref_keep = batched_nms(boxes, scores, idxs, cfg)
    if max_num > 0:
        ref_dets, ref_keep = ref_dets[:max_num], ref_keep[:max_num]
    assert torch.equal(dets, ref_dets) and torch.equal(keep, ref_keep)


@pytest.mark.parametrize('ties', ['mmcv', 'stable'])
def test_beyond_split_thr_equals_mmcv_per_group_nms(ties):
    """mmcv runs one NMS per group beyond ``split_thr`` boxes: the same result, fast path."""
    boxes, scores, idxs = _proposals(6)
    cfg = dict(NMS, split_thr=500)
    with patch('mmgrasp.models.layers.prefix_batched_nms.batched_nms',
               side_effect=AssertionError('fell back')):
        dets, keep = prefix_batched_nms(boxes, scores, idxs, cfg, 300, ties=ties)
    ref_dets, ref_keep = _mmcv(boxes, scores, idxs, cfg, 300)
    assert torch.equal(dets, ref_dets) and torch.equal(keep, ref_keep)


def test_beyond_split_thr_negative_boxes_run_mmcv():
    """Below -1 the offsets no longer separate the groups, which mmcv's per-group NMS does
    not need: a box of class 0 and one of class 1 that the offset moves onto it both stay."""
    boxes = torch.tensor([[380., 380., 400., 400.], [-15., -15., 5., 5.]])
    scores, idxs = torch.tensor([0.9, 0.8]), torch.tensor([0, 1])
    cfg = dict(type='nms', iou_threshold=0.3, split_thr=2)
    dets, keep = prefix_batched_nms(boxes, scores, idxs, cfg, 2)
    assert keep.tolist() == [0, 1] == batched_nms(boxes, scores, idxs, cfg)[1].tolist()


def test_half_precision_scores_run_mmcv():
    boxes, scores, idxs = _proposals(7)
    with patch('mmgrasp.models.layers.prefix_batched_nms.batched_nms',
               wraps=batched_nms) as mmcv_fn:
        prefix_batched_nms(boxes, scores.bfloat16(), idxs, NMS, 300, ties='stable')
    assert mmcv_fn.call_count == 1
    with pytest.raises(AssertionError, match='first_size'):
        prefix_batched_nms(boxes, scores, idxs, NMS, 300, first_size=0)


def test_tied_scores_run_mmcv():
    boxes, scores, idxs = _proposals(4)
    tied = (scores * 20).round() / 20
    with patch('mmgrasp.models.layers.prefix_batched_nms.batched_nms',
               wraps=batched_nms) as mmcv_fn:
        dets, keep = prefix_batched_nms(boxes, tied, idxs, NMS, 300)
    assert mmcv_fn.call_count == 1
    ref = _mmcv(boxes, tied, idxs, NMS, 300)
    assert torch.equal(dets, ref[0]) and torch.equal(keep, ref[1])


@pytest.mark.parametrize('max_num', [1, 50, 300, 5000])
def test_tied_scores_stable_is_nms_in_index_order(max_num):
    """``ties='stable'``: mmcv's NMS with equal scores ranked by index, cut to ``max_num``."""
    boxes, scores, idxs = _proposals(5)
    tied = (scores * 20).round() / 20
    order = tied.sort(descending=True, stable=True).indices
    rank = torch.empty_like(tied)
    rank[order] = torch.arange(len(tied), 0, -1).float()
    _, ref_keep = _mmcv(boxes, rank, idxs, NMS, max_num)
    with patch('mmgrasp.models.layers.prefix_batched_nms.batched_nms',
               side_effect=AssertionError('fell back')):
        dets, keep = prefix_batched_nms(boxes, tied, idxs, NMS, max_num, ties='stable')
    assert torch.equal(keep, ref_keep)
    assert torch.equal(dets, torch.cat([boxes[keep], tied[keep, None]], dim=1))


def test_hand_case_ties():
    # equal scores, overlapping (IoU 0.9) on one level: the lower index survives
    boxes = torch.tensor([[0., 0., 10., 9.], [0., 0., 10., 10.], [50., 50., 60., 60.]])
    scores = torch.tensor([0.5, 0.5, 0.4])
    dets, keep = prefix_batched_nms(boxes, scores, torch.zeros(3, dtype=torch.long),
                                    dict(type='nms', iou_threshold=0.5), 5, ties='stable')
    assert keep.tolist() == [0, 2]


def test_hand_case():
    # two overlapping boxes on level 0 (IoU 0.81), one identical box on level 1, one far away:
    # the weaker level-0 box goes, the level-1 copy stays (NMS per level)
    boxes = torch.tensor([[0., 0., 10., 10.], [0., 0., 10., 9.], [0., 0., 10., 10.],
                          [50., 50., 60., 60.]])
    scores = torch.tensor([0.9, 0.8, 0.7, 0.6])
    idxs = torch.tensor([0, 0, 1, 0])
    dets, keep = prefix_batched_nms(boxes, scores, idxs, dict(type='nms', iou_threshold=0.5), 2,
                                    first_size=1)
    assert keep.tolist() == [0, 2]
    assert torch.allclose(dets[:, 4], torch.tensor([0.9, 0.7]))
