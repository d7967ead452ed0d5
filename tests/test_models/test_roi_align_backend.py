# Copyright (c) mmgrasp contributors. All rights reserved.
"""The configs' RoIAlign runs torchvision's kernel (``use_torchvision=True``): the RoI features,
and so the grasps, are the ones mmcv's own kernel gives."""
import torch
from mmengine.registry import init_default_scope

from mmgrasp.registry import MODELS
from mmgrasp.testing import get_config, get_detector_cfg


def test_configs_use_torchvision_roi_align():
    cfg = get_config('grasp/det_seg_refine_mobilenetv2_fpn_jacquard.py')
    assert cfg.model.roi_head.bbox_roi_extractor.roi_layer.use_torchvision is True


def test_roi_features_equal_mmcv_kernel():
    init_default_scope('mmgrasp')
    cfg = get_detector_cfg('grasp/det_mobilenetv2_fpn_jacquard.py')
    extractor_cfg = cfg.roi_head.bbox_roi_extractor
    fast = MODELS.build(extractor_cfg)
    slow_cfg = extractor_cfg.copy()
    slow_cfg.roi_layer = dict(extractor_cfg.roi_layer, use_torchvision=False)
    slow = MODELS.build(slow_cfg)
    torch.manual_seed(0)
    feats = tuple(torch.randn(2, extractor_cfg.out_channels, 64 // 2**i, 64 // 2**i)
                  for i in range(4))
    xy = torch.rand(200, 2) * 200
    wh = torch.rand(200, 2) * 120 + 2  # every FPN level, some RoIs past the border
    rois = torch.cat([torch.randint(0, 2, (200, 1)).float(), xy, xy + wh], dim=1)
    torch.testing.assert_close(fast(feats, rois), slow(feats, rois), rtol=0, atol=1e-6)
