# Copyright (c) mmgrasp contributors. All rights reserved.
import math

import torch
from mmdet.structures import DetDataSample
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mmgrasp.registry import MODELS
from mmgrasp.structures import angle_diff


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
        s.gt_instances = InstanceData(grasps=gt.clone())
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
    s.gt_instances = InstanceData(grasps=gt)
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
