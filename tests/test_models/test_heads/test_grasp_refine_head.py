# Copyright (c) mmgrasp contributors. All rights reserved.
import math

import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mmgrasp.registry import MODELS
from mmgrasp.structures import angle_diff, grasp_iou


def build_head(**kwargs):
    init_default_scope('mmgrasp')
    cfg = dict(type='GraspRefineHead', roi_size=(8, 8), fc_channels=(16, ), feat_stride=4,
               train_cfg=dict(pos_iou_thr=0.25, max_candidates=10))
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    head.init_weights()
    return head


def test_crop_follows_the_rotated_candidate():
    head = build_head(crop_scale=1.0)
    # A foreground stripe along the image's y axis at x in [60, 68) (input pixels).
    prob = torch.zeros(1, 1, 32, 32)
    prob[..., :, 15:17] = 1.0
    # Candidate across the stripe (opening along x) vs along it (theta = 90 deg).
    rois = torch.tensor([[0, 64., 64., 40., 8., 0.], [0, 64., 64., 40., 8., math.pi / 2]])
    crops = head.roi_align(prob, rois)  # (2, 1, 8, 8)
    across, along = crops[0, 0], crops[1, 0]
    # Across: only the middle columns of the crop are foreground; along: everything is.
    assert across[:, 3:5].mean() > 0.4 and across[:, 0].max() == 0 and across[:, 7].max() == 0
    assert along.mean() > 0.45


def test_loss_matches_by_rotated_iou_and_predict_replaces_candidates():
    head = build_head()
    logits = torch.randn(2, 2, 16, 16, requires_grad=True)
    gt = torch.tensor([[30., 30., 20., 10., 0.3]])
    samples = []
    for _ in range(2):
        s = DetDataSample(metainfo=dict(img_shape=(64, 64)))
        s.gt_instances = InstanceData(bboxes=gt.clone())
        samples.append(s)
    cands = [
        InstanceData(bboxes=torch.tensor([[31., 29., 22., 9., 0.35], [5., 5., 4., 4., 1.0]]),
                     scores=torch.tensor([0.9, 0.8]), labels=torch.tensor([1, 5])),
        InstanceData(bboxes=torch.zeros(0, 5), scores=torch.zeros(0), labels=torch.zeros(0).long()),
    ]
    losses = head.loss(logits, cands, samples)
    assert set(losses) == {'loss_refine', 'refine_pos_frac'}
    assert losses['refine_pos_frac'].item() == 0.5  # one of the two candidates matches
    losses['loss_refine'].backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0
    assert head.fc_delta.weight.grad.abs().sum() > 0

    head.eval()
    out = head.predict(logits.detach(), cands, [s.metainfo for s in samples])
    assert out[0].bboxes.shape == (2, 5) and len(out[1]) == 0
    torch.testing.assert_close(out[0].bboxes_unrefined, cands[0].bboxes)
    # zero deltas (fresh fc_delta ~ N(0, 0.001)) decode to (nearly) the candidates
    torch.testing.assert_close(out[0].bboxes, cands[0].bboxes, atol=0.05, rtol=0.01)


def test_refinement_learns_to_move_a_candidate():
    """400 steps on one case: the refined grasps end much closer to the ground truth."""
    torch.manual_seed(0)
    head = build_head(fc_channels=(32, ), norm_cfg=None, init_cfg=None)
    logits = torch.zeros(1, 2, 16, 16)
    logits[0, 1, 6:10, 4:12] = 5.0  # an object
    gt = torch.tensor([[32., 32., 40., 10., 0.]])
    s = DetDataSample(metainfo=dict(img_shape=(64, 64)))
    s.gt_instances = InstanceData(bboxes=gt)
    cand = InstanceData(bboxes=torch.tensor([[36., 30., 30., 12., 0.2], [28., 33., 46., 9., 3.0]]),
                        scores=torch.ones(2))
    opt = torch.optim.Adam(head.parameters(), lr=1e-2)
    head.train()
    for _ in range(400):
        opt.zero_grad()
        head.loss(logits, [cand], [s])['loss_refine'].backward()
        opt.step()
    head.eval()
    cand.labels = torch.zeros(2).long()
    refined = head.predict(logits, [cand], [s.metainfo])[0].bboxes
    for i in range(2):
        before, after = cand.bboxes[i], refined[i]
        assert (after[:2] - gt[0, :2]).norm() < 0.3 * (before[:2] - gt[0, :2]).norm()
        assert abs(after[2] - gt[0, 2]) < 0.3 * abs(before[2] - gt[0, 2])
        assert angle_diff(after[4], gt[0, 4]) < 0.3 * angle_diff(before[4], gt[0, 4])


def test_whole_map_is_area_pooled_so_a_thin_object_survives():
    """A one-cell-wide stripe (4 px at stride 4) pooled 64 -> 16: bilinear sampling misses it."""
    head = build_head(roi_size=(16, 16))
    prob = torch.zeros(1, 1, 64, 64)
    prob[..., 3] = 1.0
    whole = head.build_input(prob, torch.tensor([[0, 32., 32., 16., 8., 0.]]))[0, 1]
    torch.testing.assert_close(whole[:, 0], torch.full((16, ), 0.25))
    assert whole[:, 1:].abs().max() == 0


def test_match_by_iou_and_angle():
    """Hand-worked: two 40x10 rectangles on one centre, turned by phi >= 28.1 degrees (so that
    the short sides do not clip it), overlap in a parallelogram of area 10 * 10 / sin(phi)."""
    head = build_head()
    p = torch.tensor([50., 50., 40., 10., 0.])  # a grasp
    q = torch.tensor([50., 50., 12., 40., math.radians(118.5)])  # around c2, opening across
    cands = InstanceData(bboxes=torch.tensor([
        [50., 50., 40., 10., math.radians(35)],  # p: IoU 174.3 / 625.7 = 0.279, 35 degrees
        [50., 50., 40., 10., math.radians(29)],  # p: IoU 206.3 / 593.7 = 0.347, 29 degrees
        [50., 50., 40., 10., math.radians(28.5)],  # p: IoU 0.354, 28.5 deg; q: 400/480, 90 deg
        [90., 90., 40., 10., 0.],  # far away
    ]))
    for i, phi in enumerate([35, 29, 28.5]):
        inter = 100 / math.sin(math.radians(phi))
        assert abs(grasp_iou(cands.bboxes[i:i + 1], p[None])[0, 0] - inter / (800 - inter)) < 1e-5
    assert abs(grasp_iou(cands.bboxes[2:3], q[None])[0, 0] - 400 / 480) < 1e-5

    pos, targets = head.match(cands, torch.stack([p, q]))
    assert pos.tolist() == [False, True, True, False]  # IoU alone would take the first
    torch.testing.assert_close(targets[1], p)
    torch.testing.assert_close(targets[2], p)  # not q, the higher IoU 90 degrees off

    head = build_head(train_cfg=dict(pos_angle_thr=40))
    assert head.match(cands, p[None])[0].tolist() == [True, True, True, False]


def test_loss_sums_the_five_terms_per_candidate():
    """Eq. 9: sum of the five smooth-L1 terms, averaged over matched candidates only."""
    head = build_head(init_cfg=None)
    torch.nn.init.zeros_(head.fc_delta.weight)
    torch.nn.init.zeros_(head.fc_delta.bias)  # predicted deltas are all 0
    gt = torch.tensor([[30., 30., 20., 10., 0.3]])
    cands = InstanceData(bboxes=torch.tensor([[31., 29., 22., 9., 0.35], [32., 31., 18., 11., 0.2],
                                              [5., 5., 4., 4., 1.0]]),
                         scores=torch.tensor([0.9, 0.8, 0.7]))
    s = DetDataSample(metainfo=dict(img_shape=(64, 64)))
    s.gt_instances = InstanceData(bboxes=gt)
    loss = head.loss(torch.randn(1, 2, 16, 16), [cands], [s])['loss_refine']
    target = head.bbox_coder.encode(cands.bboxes[:2], gt.expand(2, 5))  # (2, 5), both matched
    beta = 1.0  # Eq. 6's smooth-L1 as printed, the default since the study of issue 23
    a = target.abs()
    terms = torch.where(a < beta, 0.5 * a**2 / beta, a - 0.5 * beta)
    expected = 0.8 * terms.sum() / 2  # loss_weight 0.8, two matched candidates
    torch.testing.assert_close(loss, expected)


def test_weights_remember_their_target_stds():
    """The stds a head was trained with are in its state dict: the same stds load, others are
    refused by name, a checkpoint from before they were recorded loads with a warning, and a
    checkpoint without the head (a Det_Seg to fine-tune from) loads silently."""
    import warnings
    old = dict(type='DeltaXYWHTGraspCoder', target_stds=(0.1, 0.1, 0.2, 0.2, 0.05))
    unit = build_head()
    torch.testing.assert_close(unit.coder_stds, torch.ones(5))
    state = unit.state_dict()
    again = build_head()
    again.load_state_dict(state)
    torch.testing.assert_close(again.fc_delta.weight, unit.fc_delta.weight)
    with pytest.raises(ValueError, match=r'trained with target_stds \(1\.0, 1\.0, 1\.0, 1\.0, '
                                         r'1\.0\), this model decodes with \(0\.1, 0\.1, 0\.2'):
        build_head(bbox_coder=old).load_state_dict(state)
    before = {k: v for k, v in state.items() if k != 'coder_stds'}
    with pytest.warns(UserWarning, match='does not record the target stds'):
        legacy = build_head(bbox_coder=old)
        legacy.load_state_dict(before)
    torch.testing.assert_close(legacy.fc_delta.weight, unit.fc_delta.weight)
    torch.testing.assert_close(legacy.coder_stds, torch.tensor([0.1, 0.1, 0.2, 0.2, 0.05]))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        build_head().load_state_dict({}, strict=False)
