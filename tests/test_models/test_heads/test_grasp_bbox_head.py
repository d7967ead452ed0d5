# Copyright (c) mmgrasp contributors. All rights reserved.
import math

import torch
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope

from mmgrasp.registry import MODELS
from mmgrasp.structures import bin_to_angle


def build_head(**kwargs):
    init_default_scope('mmgrasp')
    cfg = dict(type='GraspBBoxHead', in_channels=8, roi_feat_size=14, pool_size=2,
               fc_out_channels=32, num_classes=18,
               bbox_coder=dict(type='mmdet.DeltaXYWHBBoxCoder', clip_border=False,
                               target_means=[0.] * 4, target_stds=[0.1, 0.1, 0.2, 0.2]))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_shapes_and_logits():
    head = build_head()
    cls, reg = head(torch.randn(5, 8, 14, 14))
    assert cls.shape == (5, 19)  # 18 bins + invalid (mmdet's background slot)
    assert reg.shape == (5, 72)  # class-specific boxes
    cls, reg = head(torch.zeros(0, 8, 14, 14))
    assert cls.shape == (0, 19) and reg.shape == (0, 72)


def test_predict_decodes_bin_centres_and_unrotated_boxes():
    head = build_head().eval()
    roi = torch.tensor([[0, 10., 20., 50., 40.], [0, 100., 100., 120., 110.]])
    logits = torch.full((2, 19), -20.)
    logits[0, 9] = 20.  # bin 9 -> 95 degrees
    logits[1, 18] = 20.  # invalid: dropped by the score threshold
    deltas = torch.zeros(2, 72)
    cfg = ConfigDict(score_thr=0.05, nms=dict(type='nms', iou_threshold=0.5), max_per_img=10)
    meta = dict(img_shape=(200, 200), scale_factor=(2.0, 2.0))
    res = head._predict_by_feat_single(roi, logits, deltas, meta, rescale=False, rcnn_test_cfg=cfg)
    assert len(res) == 1 and res.labels.tolist() == [9]
    bin9 = float(bin_to_angle(torch.tensor(9)))
    torch.testing.assert_close(res.bboxes, torch.tensor([[30., 30., 40., 20., bin9]]))
    assert abs(res.bboxes[0, 4].item() - math.radians(95)) < 1e-6
    res = head._predict_by_feat_single(roi, logits, deltas, meta, rescale=True, rcnn_test_cfg=cfg)
    torch.testing.assert_close(res.bboxes[0, :4], torch.tensor([15., 15., 20., 10.]))


def test_local_mean_decoding_moves_the_angle_between_two_bins():
    """Bin 9 (95 deg) at probability 0.6 and bin 10 (105 deg) at 0.3 (0.1 spread over the rest):
    the grasp keeps its box, score and label; its angle moves to 95 + 10 * (p10 - p8) / (p8 + p9
    + p10) degrees, worked out by hand from the same probabilities."""
    head = build_head().eval()
    roi = torch.tensor([[0, 10., 20., 50., 40.]])
    probs = torch.full((1, 19), 0.1 / 17)
    probs[0, 9], probs[0, 10] = 0.6, 0.3
    logits = probs.log()
    deltas = torch.zeros(1, 72)
    meta = dict(img_shape=(200, 200), scale_factor=(1.0, 1.0))
    base = dict(score_thr=0.05, nms=dict(type='nms', iou_threshold=0.5), max_per_img=10)
    centre = head._predict_by_feat_single(roi, logits, deltas, meta, rcnn_test_cfg=ConfigDict(base))
    local_cfg = ConfigDict(base, angle_decoding='local_mean')
    local = head._predict_by_feat_single(roi, logits, deltas, meta, rcnn_test_cfg=local_cfg)
    assert centre.labels.tolist() == local.labels.tolist() == [9, 10]
    torch.testing.assert_close(local.scores, centre.scores)
    torch.testing.assert_close(local.bboxes[:, :4], centre.bboxes[:, :4])
    p8 = 0.1 / 17
    expected9 = 95 + 10 * (0.3 - p8) / (p8 + 0.6 + 0.3)
    expected10 = 105 + 10 * (p8 - 0.6) / (0.6 + 0.3 + p8)  # bin 10 pulled back towards bin 9
    torch.testing.assert_close(local.bboxes[:, 4], torch.tensor([math.radians(expected9),
                                                                 math.radians(expected10)]))
    try:
        head._predict_by_feat_single(roi, logits, deltas, meta,
                                     rcnn_test_cfg=ConfigDict(base, angle_decoding='mean'))
    except ValueError as e:
        assert "angle_decoding must be one of ('bin_centre', 'local_mean'), got 'mean'" in str(e)
    else:
        raise AssertionError('an unknown angle_decoding was accepted')


def test_local_mean_decoding_reads_each_detections_own_roi():
    """Three RoIs far apart with other probability profiles, a threshold that drops most
    candidates: each kept grasp's angle is computed from its own RoI's row (checked against
    ``local_mean_angles`` of the whole table, indexed by the RoI found from the box)."""
    from mmgrasp.structures import local_mean_angles
    head = build_head().eval()
    roi = torch.tensor([[0, 10., 10., 40., 30.], [0, 100., 100., 140., 120.],
                        [0, 200., 50., 230., 80.]])
    probs = torch.full((3, 19), 0.02 / 16)
    probs[0, 2], probs[0, 3], probs[0, 1] = 0.7, 0.1, 0.18  # pulled back towards bin 1
    probs[1, 9], probs[1, 10] = 0.55, 0.43  # pulled forward, towards bin 10
    probs[2, 17], probs[2, 0] = 0.6, 0.38  # across pi: towards bin 0
    deltas = torch.zeros(3, 72)
    meta = dict(img_shape=(300, 300), scale_factor=(1.0, 1.0))
    cfg = ConfigDict(score_thr=0.3, nms=dict(type='nms', iou_threshold=0.5), max_per_img=10,
                     angle_decoding='local_mean')
    res = head._predict_by_feat_single(roi, probs.log(), deltas, meta, rcnn_test_cfg=cfg)
    table = local_mean_angles(probs[:, :18])
    assert sorted(res.labels.tolist()) == [0, 2, 9, 10, 17]
    for grasp, label in zip(res.bboxes, res.labels.tolist()):
        row = int(torch.argmin((roi[:, 1:3] + roi[:, 3:5] - 2 * grasp[:2]).abs().sum(1)))
        torch.testing.assert_close(grasp[4], table[row, label])
    by_label = {int(lab): float(g[4]) for g, lab in zip(res.bboxes, res.labels)}
    assert math.degrees(by_label[2]) < 25 and math.degrees(by_label[9]) > 95
    assert math.degrees(by_label[17]) > 175 or math.degrees(by_label[17]) < 1e-3


def test_neighbourhood_scores_rank_a_split_grasp_first():
    """RoI A is split over bins 3-5 (0.05 / 0.45 / 0.35), RoI B sits in bin 9 (0.03 / 0.6 /
    0.02 over bins 8-10, invalid 0.35). By bin, B's grasp comes first (0.6 > 0.45); by
    neighbourhood A's bin 4 does (0.05 + 0.45 + 0.35 = 0.85 against B's 0.65): worked out by
    hand, every score of both rankings."""
    head = build_head().eval()
    roi = torch.tensor([[0, 10., 20., 50., 40.], [0, 150., 150., 190., 170.]])
    p_o = 0.05 / 15  # A's other 15 bins
    probs = torch.full((2, 19), 1e-9)
    probs[0, :18] = p_o
    probs[0, 3], probs[0, 4], probs[0, 5], probs[0, 18] = 0.05, 0.45, 0.35, 0.1
    probs[1, 8], probs[1, 9], probs[1, 10], probs[1, 18] = 0.03, 0.6, 0.02, 0.35
    deltas = torch.zeros(2, 72)
    meta = dict(img_shape=(300, 300), scale_factor=(1.0, 1.0))
    base = dict(score_thr=0.3, nms=dict(type='nms', iou_threshold=0.5), max_per_img=10)
    by_bin = head._predict_by_feat_single(roi, probs.log(), deltas, meta,
                                          rcnn_test_cfg=ConfigDict(base))
    assert by_bin.labels.tolist() == [9, 4, 5]
    torch.testing.assert_close(by_bin.scores, torch.tensor([0.6, 0.45, 0.35]))
    by_nb = head._predict_by_feat_single(roi, probs.log(), deltas, meta,
                                         rcnn_test_cfg=ConfigDict(base, bin_score='neighbourhood'))
    assert by_nb.labels.tolist() == [4, 5, 9, 8, 10, 3, 6]
    torch.testing.assert_close(by_nb.scores, torch.tensor(
        [0.85, 0.8 + p_o, 0.65, 0.63, 0.62, 0.5 + p_o, 0.35 + 2 * p_o]), atol=1e-6, rtol=0)
    # boxes are the RoIs' (zero deltas): the first is A's, at bin 4's centre
    torch.testing.assert_close(by_nb.bboxes[0], torch.tensor(
        [30., 30., 40., 20., float(bin_to_angle(torch.tensor(4)))]))
    try:
        head._predict_by_feat_single(roi, probs.log(), deltas, meta,
                                     rcnn_test_cfg=ConfigDict(base, bin_score='window'))
    except ValueError as e:
        assert "bin_score must be one of ('bin', 'neighbourhood'), got 'window'" in str(e)
    else:
        raise AssertionError('an unknown bin_score was accepted')
