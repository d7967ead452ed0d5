# Copyright (c) mmgrasp contributors. All rights reserved.
import math

import numpy as np
import pytest

from mmgrasp.datasets.transforms import GraspResize
from mmgrasp.structures import GraspBoxes


def _results(h=80, w=100):
    img = np.zeros((h, w, 3), np.uint8)
    seg = np.zeros((h, w), np.uint8)
    seg[20:40, 30:60] = 7
    return dict(img=img, img_shape=(h, w), ori_shape=(h, w), gt_seg_map=seg,
                gt_bboxes=GraspBoxes(np.array([[40, 20, 10, 6, 0.3]], np.float32)),
                gt_bboxes_labels=np.array([1]), gt_ignore_flags=np.array([False]))


def test_half_scale():
    out = GraspResize(scale_factor=0.5)(_results())
    assert out['img'].shape == (40, 50, 3) and out['img_shape'] == (40, 50)
    assert out['ori_shape'] == (80, 100)
    assert out['scale_factor'] == (0.5, 0.5)
    np.testing.assert_allclose(out['gt_bboxes'].numpy(), [[20, 10, 5, 3, 0.3]], atol=1e-5)
    assert out['gt_bboxes'].numpy().dtype == np.float32
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
    results['gt_bboxes'] = GraspBoxes(
        np.array([[10, 10, 4 * math.sqrt(2), 2, math.pi / 4]], np.float32))
    out = GraspResize(scale=(200, 80))(results)  # sx = 2, sy = 1
    # opening vector (4, 4) -> (8, 4)
    np.testing.assert_allclose(out['gt_bboxes'].numpy()[0, [0, 1, 2, 4]],
                               [20, 10, math.hypot(8, 4), math.atan2(4, 8)], atol=1e-5)


def test_scale_factor_is_cumulative():
    out = GraspResize(scale_factor=0.5)(GraspResize(scale_factor=0.5)(_results()))
    assert out['scale_factor'] == (0.25, 0.25)


def test_arguments():
    with pytest.raises(ValueError):
        GraspResize()
    with pytest.raises(ValueError):
        GraspResize(scale=(10, 10), scale_factor=2.0)


def test_grasps_shrunk_below_1px_are_dropped_with_their_fields():
    results = _results()
    results['gt_bboxes'] = GraspBoxes(np.array([[40, 20, 10, 6, 0.3], [10, 10, 30, 1.5, 0.0],
                                                [12, 12, 1.9, 40, 1.0]], np.float32))
    results['gt_bboxes_labels'] = np.array([1, 2, 3])
    results['gt_ignore_flags'] = np.array([False, True, False])
    out = GraspResize(scale_factor=0.5)(results)  # jaw 1.5 -> 0.75, opening 1.9 -> 0.95
    np.testing.assert_allclose(out['gt_bboxes'].numpy(), [[20, 10, 5, 3, 0.3]], atol=1e-5)
    assert out['gt_bboxes_labels'].tolist() == [1] and out['gt_ignore_flags'].tolist() == [False]
    # min_grasp_size=0 keeps every grasp
    results = _results()
    results['gt_bboxes'] = GraspBoxes(
        np.array([[10, 10, 30, 1.5, 0.0], [12, 12, 1.9, 40, 1.0]], np.float32))
    results['gt_bboxes_labels'] = np.array([2, 3])
    results['gt_ignore_flags'] = np.zeros(2, bool)
    out = GraspResize(scale_factor=0.5, min_grasp_size=0)(results)
    np.testing.assert_allclose(out['gt_bboxes'].numpy()[:, 2:4], [[15, 0.75], [0.95, 20]],
                               atol=1e-5)
    with pytest.raises(ValueError, match='min_grasp_size'):
        GraspResize(scale_factor=0.5, min_grasp_size=-1)


@pytest.mark.parametrize('kwargs', [dict(scale_factor=0.5), dict(scale=(200, 200), keep_ratio=True),
                                    dict(scale=(50, 20)), dict(scale_factor=(0.013, 0.5))])
def test_transform_grasps_replays_transform(kwargs):
    """What datasets replay at build time is what the transform does."""
    rng = np.random.default_rng(0)
    grasps = np.stack([rng.uniform(0, 100, 20), rng.uniform(0, 80, 20), rng.uniform(0.5, 30, 20),
                       rng.uniform(0.5, 30, 20), rng.uniform(0, math.pi, 20)], 1).astype(np.float32)
    step = GraspResize(**kwargs)
    results = _results()
    results.update(gt_bboxes=GraspBoxes(grasps), gt_bboxes_labels=np.arange(20),
                   gt_ignore_flags=np.zeros(20, bool))
    out = step(results)
    mapped, keep, shape = step.transform_grasps(grasps, (80, 100))
    assert shape == out['img_shape'] and keep.dtype == bool
    np.testing.assert_array_equal(out['gt_bboxes'].numpy(), mapped[keep])
    np.testing.assert_array_equal(out['gt_bboxes_labels'], np.flatnonzero(keep))


def test_homography_is_the_resize_and_maps_grasps_back():
    """The recorded map is diag(sx, sy, 1) composed after an earlier one, and
    grasps_to_original undoes the resize to 1e-5: all of a grasp for an isotropic resize; centre,
    opening and angle for an anisotropic one (the jaw of a sheared rectangle keeps only its
    length, docs of affine_grasps)."""
    from mmgrasp.structures import grasps_to_original
    results = _results()
    original = results['gt_bboxes'].numpy().copy()
    out = GraspResize(scale=(50, 20))(results)  # (0.5, 0.25)
    np.testing.assert_allclose(out['homography_matrix'], np.diag([0.5, 0.25, 1.0]), atol=1e-12)
    back = grasps_to_original(out['gt_bboxes'].numpy(),
                              dict(homography_matrix=out['homography_matrix']))
    np.testing.assert_allclose(back[:, [0, 1, 2, 4]], original[:, [0, 1, 2, 4]], atol=1e-5)
    out = GraspResize(scale_factor=0.4)(_results())
    back = grasps_to_original(out['gt_bboxes'].numpy(),
                              dict(homography_matrix=out['homography_matrix']))
    np.testing.assert_allclose(back, original, atol=1e-5)
    shifted = _results()
    shifted['homography_matrix'] = np.array([[1., 0, 10], [0, 1, -4], [0, 0, 1]])
    out = GraspResize(scale_factor=0.5)(shifted)
    np.testing.assert_allclose(out['homography_matrix'], [[0.5, 0, 5], [0, 0.5, -2], [0, 0, 1]])
