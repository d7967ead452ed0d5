# Copyright (c) mmgrasp contributors. All rights reserved.
"""FastMaxIoUAssigner gives mmdet's MaxIoUAssigner result element for element."""
import pytest
import torch
from mmdet.models.task_modules.assigners import MaxIoUAssigner
from mmdet.models.task_modules.prior_generators import AnchorGenerator
from mmengine.structures import InstanceData

from mmgrasp.models.task_modules import FastMaxIoUAssigner

RPN = dict(pos_iou_thr=0.7, neg_iou_thr=0.3, min_pos_iou=0.3, match_low_quality=True)
RCNN = dict(pos_iou_thr=0.5, neg_iou_thr=0.5, min_pos_iou=0.5, match_low_quality=False)


def _anchors(size=256):
    """The RPN anchors of the configs (stride 4-64, scale 8, ratios 0.5/1/2) on a square image."""
    gen = AnchorGenerator(strides=[4, 8, 16, 32, 64], ratios=[0.5, 1.0, 2.0], scales=[8])
    shapes = [(size // s, size // s) for s in (4, 8, 16, 32, 64)]
    return torch.cat(gen.grid_priors(shapes, device='cpu'))


def _grasp_boxes(n, centre, spread, seed):
    """``n`` boxes around one object: Jacquard-like grasps, with exact duplicates."""
    g = torch.Generator().manual_seed(seed)
    xy = centre + (torch.rand(n, 2, generator=g) - 0.5) * spread
    wh = torch.rand(n, 2, generator=g) * torch.tensor([40., 15.]) + torch.tensor([10., 5.])
    boxes = torch.cat([xy - wh / 2, xy + wh / 2], dim=1)
    boxes[1::7] = boxes[0::7][:len(boxes[1::7])]  # duplicates make ties between ground truths
    return boxes


def _assert_same(got, expected):
    assert got.num_gts == expected.num_gts
    assert torch.equal(got.gt_inds, expected.gt_inds)
    assert torch.equal(got.max_overlaps, expected.max_overlaps)
    assert torch.equal(got.labels, expected.labels)


@pytest.mark.parametrize('cfg', [RPN, RCNN, dict(RPN, gt_max_assign_all=False),
                                 dict(RPN, neg_iou_thr=(0.1, 0.3))])
@pytest.mark.parametrize('num_gts', [1, 60])
def test_equal_to_mmdet(cfg, num_gts):
    priors = _anchors()
    gts = InstanceData(bboxes=_grasp_boxes(num_gts, 120., 60., seed=num_gts),
                       labels=torch.arange(num_gts) % 18)
    preds = InstanceData(priors=priors)
    expected = MaxIoUAssigner(**cfg).assign(preds, gts)
    got = FastMaxIoUAssigner(**cfg, iou_calculator=dict(type='mmgrasp.FastBboxOverlaps2D')
                             ).assign(preds, gts)
    _assert_same(got, expected)
    if num_gts == 60:
        assert (expected.gt_inds > 0).sum() >= 10  # something was assigned
    if cfg is RPN and num_gts == 60:
        # the case is what the shortcut is for: most anchors never touch a grasp
        assert (expected.max_overlaps == 0).float().mean() > 0.5
        assert (expected.gt_inds == 0).sum() > 1000


def test_edge_cases_follow_mmdet():
    priors = _anchors(128)
    preds = InstanceData(priors=priors)
    none = InstanceData(bboxes=torch.zeros(0, 4), labels=torch.zeros(0, dtype=torch.long))
    _assert_same(FastMaxIoUAssigner(**RPN).assign(preds, none),
                 MaxIoUAssigner(**RPN).assign(preds, none))
    # a box outside every anchor: nothing near, all background
    far = InstanceData(bboxes=torch.tensor([[1000., 1000., 1010., 1010.]]),
                       labels=torch.tensor([3]))
    _assert_same(FastMaxIoUAssigner(**RPN).assign(preds, far),
                 MaxIoUAssigner(**RPN).assign(preds, far))
    # settings where an all-zero column matters take mmdet's dense path, with its result
    one = InstanceData(bboxes=torch.tensor([[30., 40., 70., 60.]]), labels=torch.tensor([2]))
    for cfg in (dict(RPN, min_pos_iou=0.0), dict(RPN, neg_iou_thr=(0.1, 0.3))):
        _assert_same(FastMaxIoUAssigner(**cfg).assign(preds, one),
                     MaxIoUAssigner(**cfg).assign(preds, one))
    nan = InstanceData(bboxes=torch.tensor([[float('nan'), 0., 10., 10.]]),
                       labels=torch.tensor([0]))
    expected = MaxIoUAssigner(**RPN).assign(preds, nan)
    got = FastMaxIoUAssigner(**RPN).assign(preds, nan)
    assert torch.equal(got.gt_inds, expected.gt_inds)


def test_the_configs_use_it():
    from mmgrasp.testing import get_config
    cfg = get_config('_base_/models/grasp_det_seg_r50_fpn.py')
    for stage in ('rpn', 'rcnn'):
        assert cfg.model.train_cfg[stage].assigner.type == 'mmgrasp.FastMaxIoUAssigner'
