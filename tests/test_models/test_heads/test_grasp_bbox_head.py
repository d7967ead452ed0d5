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
