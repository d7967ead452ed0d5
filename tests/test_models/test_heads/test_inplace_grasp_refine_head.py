# Copyright (c) mmgrasp contributors. All rights reserved.
"""The paper-form refinement head (``InPlaceGraspRefineHead``) against hand-built cases."""
import math

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mmgrasp.models.roi_heads import grasp_coverage
from mmgrasp.registry import MODELS
from mmgrasp.structures import grasps_to_corners


def build_head(form='paper', **kwargs):
    init_default_scope('mmgrasp')
    cfg = dict(type='InPlaceGraspRefineHead' if form == 'paper' else 'GraspRefineHead',
               fc_channels=(16, ), feat_stride=4, train_cfg=dict(max_candidates=50))
    if form == 'paper':
        cfg['map_size'] = (16, 16)
    else:
        cfg['roi_size'] = (8, 8)
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    head.init_weights()
    return head


@pytest.mark.parametrize('form,map_hw,expected', [
    ('paper', (16, 16), (16, 16)),  # the stride-4 map as is
    ('paper', (32, 48), (16, 16)),  # area-pooled to map_size
    ('aligned', (32, 48), (8, 8)),
])
def test_shapes(form, map_hw, expected):
    head = build_head(form)
    prob = torch.rand(2, 1, *map_hw)
    rois = torch.tensor([[0, 30., 30., 20., 8., 0.3], [1, 60., 40., 12., 6., 2.0],
                         [1, 10., 10., 4., 4., 1.0]])
    x = head.build_input(prob, rois)
    assert x.shape == (3, 2) + expected
    assert head.mlp[0].in_features == 2 * expected[0] * expected[1]
    assert head(prob, rois).shape == (3, 5)
    assert head(prob, rois[:0]).shape == (0, 5)
    # the second plane is the (pooled) map of each candidate's own image
    torch.testing.assert_close(x[1, 1], x[2, 1])
    assert not torch.equal(x[0, 1], x[1, 1])


def test_axis_aligned_cut_out_is_exactly_the_rectangle():
    """A candidate on cell borders: the cut-out equals the map inside it and is 0 outside."""
    head = build_head()
    torch.manual_seed(0)
    prob = torch.rand(1, 1, 16, 16)
    # x in [16, 32) and y in [24, 32) input pixels: cells 4..7 and 6..7 of the 4-px grid.
    for rect in ([24., 28., 16., 8., 0.], [24., 28., 8., 16., math.pi / 2]):
        x = head.build_input(prob, torch.tensor([[0.] + rect]))
        inside = torch.zeros(16, 16, dtype=torch.bool)
        inside[6:8, 4:8] = True
        torch.testing.assert_close(x[0, 0][inside], prob[0, 0][inside], atol=1e-6, rtol=0)
        # theta = pi/2 puts the corners 1e-15 px off the cell borders (cos(pi/2) != 0)
        assert x[0, 0][~inside].abs().max() < 1e-6
        if rect[4] == 0:
            assert torch.all(x[0, 0][~inside] == 0) and torch.equal(x[0, 0][inside],
                                                                    prob[0, 0][inside])
        torch.testing.assert_close(x[0, 1], prob[0, 0])


def test_pooled_map_is_the_area_mean_and_cut_out_uses_the_pooled_grid():
    head = build_head()
    torch.manual_seed(1)
    prob = torch.rand(1, 1, 32, 32)  # 2x2 map cells per 8-px cell of the 16x16 grid
    x = head.build_input(prob, torch.tensor([[0., 48., 56., 32., 16., 0.]]))
    pooled = prob[0, 0].reshape(16, 2, 16, 2).mean(dim=(1, 3))
    torch.testing.assert_close(x[0, 1], pooled)
    inside = torch.zeros(16, 16, dtype=torch.bool)
    inside[6:8, 4:8] = True  # x in [32, 64), y in [48, 64) at 8 px per cell
    torch.testing.assert_close(x[0, 0][inside], pooled[inside])
    assert torch.all(x[0, 0][~inside] == 0)


def shapely_coverage(grasp, grid, cell):
    from shapely.geometry import Polygon, box
    poly = Polygon(grasps_to_corners(np.asarray([grasp], dtype=np.float64))[0])
    ch, cw = cell
    out = np.zeros(grid)
    for i in range(grid[0]):
        for j in range(grid[1]):
            out[i, j] = poly.intersection(box(j * cw, i * ch, (j + 1) * cw, (i + 1) * ch)).area
    return out / (ch * cw)


@pytest.mark.parametrize('grasp,cell', [
    ([37.3, 22.9, 30.0, 11.0, 0.61], (4.0, 4.0)),
    ([50.0, 41.0, 9.0, 23.5, 2.3], (6.0, 4.5)),  # non-square cells
    ([3.0, 60.0, 25.0, 12.0, 1.2], (8.0, 8.0)),  # partly outside the grid
    ([31.0, 33.0, 2.5, 1.5, 0.4], (8.0, 8.0)),  # smaller than a cell
    ([28.0, 24.0, 50.0, 30.0, 0.3], (4.0, 4.0)),  # many cells wholly inside
])
def test_rotated_coverage_matches_shapely(grasp, cell):
    grid = (12, 14)
    cov = grasp_coverage(torch.tensor([grasp]), grid, cell)[0].numpy()
    ref = shapely_coverage(grasp, grid, cell)
    np.testing.assert_allclose(cov, ref, atol=1e-4)
    assert ref.max() > 0  # the case is not empty


def test_small_candidate_keeps_its_mass():
    """A 2.5x1.5 px grasp inside one 8-px cell: a 0/1 test of cell centres sees nothing."""
    cov = grasp_coverage(torch.tensor([[30., 28., 2.5, 1.5, 0.4]]), (8, 8), (8., 8.))
    assert cov.sum().item() == pytest.approx(2.5 * 1.5 / 64, rel=1e-5)
    assert cov[0, 3, 3] > 0  # the cell holding it


def test_map_size_is_required():
    with pytest.raises(ValueError, match='map_size'):
        build_head(map_size=None)


def toy_problem():
    """A 16x16 px object on a 32x32 map (stride 4) and 25 candidates shifted around its grasp."""
    logits = torch.zeros(1, 2, 32, 32)
    logits[0, 1, 14:18, 14:18] = 6.0  # object at x, y in [56, 72) input pixels
    gt = torch.tensor([[64., 64., 24., 20., 0.]])
    steps = (-6., -3., 0., 3., 6.)
    shifts = torch.tensor([(dx, dy) for dx in steps for dy in steps])
    cands = gt.repeat(len(shifts), 1)
    cands[:, :2] += shifts
    sample = DetDataSample(metainfo=dict(img_shape=(128, 128)))
    sample.gt_instances = InstanceData(bboxes=gt)
    return logits, gt, cands, sample


@pytest.mark.parametrize('form', ['paper', 'aligned'])
def test_refinement_moves_shifted_candidates_onto_the_target(form):
    """300 Adam steps: each of 25 candidates, shifted by up to 6 px, must move onto the grasp.

    The deltas differ per candidate, so the head has to read where the object lies in its
    input; a constant output cannot do it. Measured: the mean centre error falls from 5.6 px to
    0.2 px (factor 0.04) in both forms, for seeds 0-2; asserted: factor 0.1, every candidate
    within 1 px.
    """
    torch.manual_seed(0)
    kwargs = dict(map_size=(32, 32)) if form == 'paper' else dict(roi_size=(8, 8))
    head = build_head(form, fc_channels=(64, 64), **kwargs)
    logits, gt, cands, sample = toy_problem()
    inst = InstanceData(bboxes=cands, scores=torch.ones(len(cands)))
    opt = torch.optim.Adam(head.parameters(), lr=3e-3)
    head.train()
    for _ in range(300):
        opt.zero_grad()
        losses = head.loss(logits, [inst], [sample])
        losses['loss_refine'].backward()
        opt.step()
    assert losses['refine_pos_frac'].item() == 1.0
    head.eval()
    inst.labels = torch.zeros(len(cands), dtype=torch.long)
    refined = head.predict(logits, [inst], [sample.metainfo])[0].bboxes
    before = (cands[:, :2] - gt[:, :2]).norm(dim=1)
    after = (refined[:, :2] - gt[:, :2]).norm(dim=1)
    assert after.mean() < 0.1 * before.mean(), \
        f'{form}: mean centre error {before.mean():.2f} -> {after.mean():.2f} px'
    assert after.max() < 1.0
    torch.testing.assert_close(refined[:, 2:4], cands[:, 2:4], atol=0.5, rtol=0)  # sizes kept


@pytest.mark.parametrize('map_hw', [(16, 16), (32, 48)])
@pytest.mark.parametrize('training', [True, False])
def test_fast_forward_is_the_fc_layers_on_the_built_planes(map_hw, training):
    """forward() skips building the K x 2 x h x w planes (the map's half once per image, the
    cut-out's half sparse): the same outputs and gradients as the layers on build_input()."""
    torch.manual_seed(0)
    head = build_head(fc_channels=(16, 16))
    head.train(training)
    prob = torch.rand(2, 1, *map_hw, requires_grad=True)
    rois = torch.tensor([[0, 30., 30., 20., 8., 0.3], [1, 40., 24., 12., 6., 2.0],
                         [1, 10., 10., 4., 4., 1.0], [0, 2., 3., 9., 30., 2.9],
                         [1, 63., 63., 40., 10., 0.7]])
    fast = head(prob, rois)
    fast.square().sum().backward()
    grads = [p.grad.clone() for p in head.parameters()]
    prob_grad = prob.grad.clone()
    head.zero_grad()
    prob.grad = None
    for m in head.modules():  # the same BatchNorm running statistics before the second pass
        if isinstance(m, torch.nn.BatchNorm1d):
            m.reset_running_stats()
    if training:
        head(prob, rois)  # bring the running statistics to the state after one pass
        head.zero_grad()
        for m in head.modules():
            if isinstance(m, torch.nn.BatchNorm1d):
                m.reset_running_stats()
    ref = head.fc_delta(head.mlp(head.build_input(prob, rois).flatten(1)))
    ref.square().sum().backward()
    torch.testing.assert_close(fast, ref, rtol=1e-5, atol=1e-6)
    for g, p in zip(grads, head.parameters()):
        torch.testing.assert_close(g, p.grad, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(prob_grad, prob.grad, rtol=1e-4, atol=1e-6)
    # one candidate in training: BatchNorm runs on a copy pair, as in the aligned form
    assert head(prob, rois[:1]).shape == (1, 5)
