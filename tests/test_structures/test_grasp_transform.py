# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasps through the pipeline's resize and crop, and back to the original image."""
import math

import numpy as np
import torch
from mmengine.registry import init_default_scope

from mmgrasp.registry import TRANSFORMS
from mmgrasp.structures import GraspBoxes, affine_grasps, grasps_to_original


def test_affine_by_hand():
    g = np.array([[10., 20., 8., 4., 0.]])
    # rotate by 90 degrees about the origin (clockwise on screen): (10, 20) -> (-20, 10)
    rot = np.array([[0., -1., 0.], [1., 0., 0.]])
    np.testing.assert_allclose(affine_grasps(g, rot), [[-20, 10, 8, 4, math.pi / 2]], atol=1e-12)
    # horizontal flip in a 100 px image: x -> 100 - x, theta -> pi - theta
    flip = np.array([[-1., 0., 100.], [0., 1., 0.]])
    out = affine_grasps(np.array([[10., 20., 8., 4., 0.3]]), flip)
    np.testing.assert_allclose(out, [[90, 20, 8, 4, math.pi - 0.3]], atol=1e-12)
    t = affine_grasps(torch.tensor([[10., 20., 8., 4., 0.]]), torch.tensor(rot))
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float32


def test_resize_then_crop_round_trip():
    """Jacquard-style resize and Cornell-style centre crop: the network-input grasps go back to
    exactly the loaded ones (what predictions and the metric rely on)."""
    init_default_scope('mmgrasp')
    rng = np.random.default_rng(0)
    grasps = np.stack([rng.uniform(250, 390, 20), rng.uniform(170, 310, 20),
                       rng.uniform(10, 40, 20), rng.uniform(5, 20, 20),
                       rng.uniform(0, math.pi, 20)], axis=1).astype(np.float32)
    results = dict(img=np.zeros((480, 640, 3), np.uint8), img_shape=(480, 640),
                   ori_shape=(480, 640), gt_bboxes=GraspBoxes(grasps.copy()),
                   gt_bboxes_labels=np.ones(20, np.int64), gt_ignore_flags=np.zeros(20, bool))
    for step in (dict(type='GraspResize', scale_factor=0.75),
                 dict(type='GraspCenterCrop', crop_size=300), dict(type='PackGraspInputs')):
        results = TRANSFORMS.build(step)(results)
    sample = results['data_samples']
    assert sample.img_shape == (300, 300)
    kept = sample.gt_instances.bboxes.numpy()
    assert len(kept) > 10  # most centres survive the crop
    back = grasps_to_original(kept, sample.metainfo)
    # every kept grasp is one of the originals
    d = np.abs(back[:, None, :4] - grasps[None, :, :4]).max(-1).min(-1)
    assert d.max() < 1e-3, d.max()
    # the crop offset is undone, not just the scale: (x0, y0) = ((480 - 300) / 2, (360 - 300) / 2)
    m = np.asarray(sample.metainfo['homography_matrix'])
    np.testing.assert_allclose(m, [[0.75, 0, -90], [0, 0.75, -30], [0, 0, 1]], atol=1e-12)
