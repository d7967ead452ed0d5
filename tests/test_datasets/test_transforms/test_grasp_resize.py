# Copyright (c) mmgrasp contributors. All rights reserved.
import math

import numpy as np
import pytest

from mmgrasp.datasets.transforms import GraspResize


def _results(h=80, w=100):
    img = np.zeros((h, w, 3), np.uint8)
    seg = np.zeros((h, w), np.uint8)
    seg[20:40, 30:60] = 7
    return dict(img=img, img_shape=(h, w), ori_shape=(h, w), gt_seg_map=seg,
                gt_grasps=np.array([[40, 20, 10, 6, 0.3]], np.float32),
                gt_obj_labels=np.array([1]), gt_ignore_flags=np.array([False]))


def test_half_scale():
    out = GraspResize(scale_factor=0.5)(_results())
    assert out['img'].shape == (40, 50, 3) and out['img_shape'] == (40, 50)
    assert out['ori_shape'] == (80, 100)
    assert out['scale_factor'] == (0.5, 0.5)
    np.testing.assert_allclose(out['gt_grasps'], [[20, 10, 5, 3, 0.3]], atol=1e-5)
    assert out['gt_grasps'].dtype == np.float32
    seg = out['gt_seg_map']
    assert seg.shape == (40, 50) and set(np.unique(seg)) == {0, 7}  # nearest: no new labels
    assert seg[15, 22] == 7 and seg[5, 5] == 0


def test_scale_and_keep_ratio():
    out = GraspResize(scale=(200, 200), keep_ratio=True)(_results())
    assert out['img_shape'] == (160, 200)  # long edge 100 -> 200
    np.testing.assert_allclose(out['scale_factor'], (2.0, 2.0))
    out = GraspResize(scale=(50, 20))(_results())
    assert out['img_shape'] == (20, 50)
    np.testing.assert_allclose(out['scale_factor'], (0.5, 0.25))


def test_anisotropic_angle():
    results = _results()
    results['gt_grasps'] = np.array([[10, 10, 4 * math.sqrt(2), 2, math.pi / 4]], np.float32)
    out = GraspResize(scale=(200, 80))(results)  # sx = 2, sy = 1
    # opening vector (4, 4) -> (8, 4)
    np.testing.assert_allclose(out['gt_grasps'][0, [0, 1, 2, 4]],
                               [20, 10, math.hypot(8, 4), math.atan2(4, 8)], atol=1e-5)


def test_scale_factor_is_cumulative():
    out = GraspResize(scale_factor=0.5)(GraspResize(scale_factor=0.5)(_results()))
    assert out['scale_factor'] == (0.25, 0.25)


def test_arguments():
    with pytest.raises(ValueError):
        GraspResize()
    with pytest.raises(ValueError):
        GraspResize(scale=(10, 10), scale_factor=2.0)
