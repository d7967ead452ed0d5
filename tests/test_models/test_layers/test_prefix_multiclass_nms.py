# Copyright (c) mmgrasp contributors. All rights reserved.
from unittest.mock import patch

import pytest
import torch
from mmdet.models.layers import multiclass_nms

from mmgrasp.models.layers import prefix_multiclass_nms

NMS = dict(type='nms', iou_threshold=0.3)


def _candidates(seed, num_rois=300, num_classes=18, spread=200.0, offset=0.0):
    """Grasp-head-like candidates: clustered boxes (many overlaps), softmax scores."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.rand(num_rois, 1, 2, generator=g) * spread + offset
    centres = centres + torch.randn(num_rois, num_classes, 2, generator=g) * 3
    sizes = torch.rand(num_rois, num_classes, 2, generator=g) * 30 + 4
    boxes = torch.cat([centres - sizes / 2, centres + sizes / 2], dim=-1).reshape(num_rois, -1)
    scores = torch.randn(num_rois, num_classes + 1, generator=g).mul(3).softmax(dim=-1)
    return boxes, scores


def _same(a, b):
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


@pytest.mark.parametrize('seed', range(12))
@pytest.mark.parametrize('max_num', [1, 100, 3000])
def test_equals_mmdet(seed, max_num):
    boxes, scores = _candidates(seed, offset=-20.0 if seed % 3 == 0 else 0.0)
    _same(prefix_multiclass_nms(boxes, scores, 0.0, NMS, max_num),
          multiclass_nms(boxes, scores, 0.0, NMS, max_num))


def test_fast_path_is_taken_and_falls_back_when_few_survive():
    boxes, scores = _candidates(0)
    fallback = 'mmgrasp.models.layers.prefix_multiclass_nms.multiclass_nms'
    with patch(fallback, side_effect=AssertionError('fell back')):
        prefix_multiclass_nms(boxes, scores, 0.0, NMS, 100)
    # everything on one spot: few boxes survive the prefix, the search grows, then mmdet's
    boxes = torch.tensor([[10.0, 10.0, 30.0, 30.0]]).repeat(300, 18)
    _same(prefix_multiclass_nms(boxes, scores, 0.0, NMS, 100),
          multiclass_nms(boxes, scores, 0.0, NMS, 100))


def test_ties_score_threshold_and_other_configs_equal_mmdet():
    boxes, scores = _candidates(5)
    tied = (scores * 50).round() / 50  # many equal scores: mmdet's own path
    for s, thr, cfg, num in [(tied, 0.0, NMS, 100), (scores, 0.05, NMS, 100),
                             (scores, 0.0, dict(NMS, class_agnostic=True), 100),
                             (scores, 0.0, NMS, -1), (scores, 0.99, NMS, 100)]:
        _same(prefix_multiclass_nms(boxes, s, thr, cfg, num),
              multiclass_nms(boxes, s, thr, cfg, num))


def test_no_candidates():
    dets, labels = prefix_multiclass_nms(torch.zeros(0, 72), torch.zeros(0, 19), 0.0, NMS, 100)
    assert dets.shape == (0, 5) and labels.shape == (0, )


@pytest.mark.parametrize('seed', range(3))
@pytest.mark.parametrize('case', ['thr0', 'thr0.05', 'thr0.3', 'tied', 'tied_thr',
                                  'class_agnostic', 'all', 'none_above'])
def test_return_inds_equals_mmdet(seed, case):
    """The indices among the flattened candidates, as mmdet's ``return_inds`` (the grasp head's
    local-mean angle decoding reads each kept grasp's RoI through them), on the fast path with
    thresholds that drop candidates (so an index is not its position among the survivors) and
    on every path that falls back to mmdet's function."""
    boxes, scores = _candidates(seed)
    thr, cfg, num = 0.0, NMS, 100
    if case.startswith('thr'):
        thr = float(case[3:])
    elif case.startswith('tied'):
        scores = (scores * 50).round() / 50
        thr = 0.05 if case == 'tied_thr' else 0.0
    elif case == 'class_agnostic':
        cfg = dict(NMS, class_agnostic=True)
    elif case == 'all':
        num = -1
    elif case == 'none_above':
        thr = 1.0
    ours = prefix_multiclass_nms(boxes, scores, thr, cfg, num, return_inds=True)
    theirs = multiclass_nms(boxes, scores, thr, cfg, num, return_inds=True)
    _same(ours, theirs)
    assert torch.equal(ours[2], theirs[2])
    num_classes = scores.shape[1] - 1
    assert torch.equal(ours[1], ours[2] % num_classes)
    torch.testing.assert_close(ours[0][:, -1], scores[ours[2] // num_classes, ours[1]])
    if case == 'thr0.3':  # candidates dropped: the indices are not the survivors' positions
        assert (ours[2] != torch.arange(len(ours[2]))).any()
        assert ours[2].max() >= len(ours[2])


def test_return_inds_without_candidates():
    empty = prefix_multiclass_nms(torch.zeros(0, 72), torch.zeros(0, 19), 0.0, NMS, 100,
                                  return_inds=True)
    assert [t.shape[0] for t in empty] == [0, 0, 0]
