# Copyright (c) mmgrasp contributors. All rights reserved.
import copy

import torch
from mmdet.models.task_modules.prior_generators import AnchorGenerator
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mmgrasp.registry import MODELS, TASK_UTILS
from mmgrasp.testing import get_detector_cfg

ANCHORS = dict(scales=[2.83, 4, 5.66], ratios=[0.25, 0.5, 1.0, 2.0], strides=[4, 8, 16, 32, 64])
SIZES = [(88, 88), (44, 44), (22, 22), (11, 11), (6, 6)]


def test_same_anchors_as_mmdet_computed_once():
    init_default_scope('mmgrasp')
    cached = TASK_UTILS.build(dict(type='CachedAnchorGenerator', cache_size=2, **ANCHORS))
    ref = AnchorGenerator(**ANCHORS)
    first = cached.grid_priors(SIZES, device='cpu')
    for a, b in zip(first, ref.grid_priors(SIZES, device='cpu')):
        assert torch.equal(a, b)
    assert sum(len(a) for a in first) == 12 * (88 * 88 + 44 * 44 + 22 * 22 + 11 * 11 + 6 * 6)
    again = cached.grid_priors(SIZES, device='cpu')
    assert again is not first and all(a is b for a, b in zip(again, first))
    # another size (a 640x480 input), another dtype: their own anchors
    other = [(120, 160), (60, 80), (30, 40), (15, 20), (8, 10)]
    for a, b in zip(cached.grid_priors(other, device='cpu'), ref.grid_priors(other, device='cpu')):
        assert torch.equal(a, b)
    double = cached.grid_priors(SIZES, dtype=torch.float64, device='cpu')
    assert double[0].dtype == torch.float64
    assert len(cached._cache) == 2  # the oldest (SIZES, float32) went
    assert cached.grid_priors(SIZES, device='cpu')[0] is not first[0]


def test_anchors_unchanged_by_training_and_inference():
    init_default_scope('mmgrasp')
    cfg = get_detector_cfg('grasp/det_mobilenetv2_fpn_cornell.py')
    rpn = copy.deepcopy(cfg.rpn_head)
    rpn.update(train_cfg=cfg.train_cfg.rpn, test_cfg=cfg.test_cfg.rpn)
    head = MODELS.build(rpn)
    feats = [torch.randn(2, head.in_channels, 352 // s, 352 // s) for s in (4, 8, 16, 32, 64)]
    gts = [InstanceData(bboxes=torch.tensor([[100., 100., 140., 120.], [30., 40., 50., 90.]]),
                        labels=torch.zeros(2, dtype=torch.long))] * 2
    metas = [dict(img_shape=(352, 352), pad_shape=(352, 352), scale_factor=(1.0, 1.0))] * 2
    sizes = [f.shape[-2:] for f in feats]
    before = [a.clone() for a in head.prior_generator.grid_priors(sizes, device='cpu')]
    losses = head.loss_by_feat(*head(feats), gts, metas)
    sum(v.sum() for v in losses.values() for v in (v if isinstance(v, list) else [v])).backward()
    with torch.no_grad():
        head.eval().predict_by_feat(*head(feats), batch_img_metas=metas, rescale=False)
    for a, b in zip(head.prior_generator.grid_priors(sizes, device='cpu'), before):
        assert torch.equal(a, b)
