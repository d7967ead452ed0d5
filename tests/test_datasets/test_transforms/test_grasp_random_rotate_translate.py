# Copyright (c) mmgrasp contributors. All rights reserved.
"""Geometry of the paper's rotation + translation augmentation, checked with numbers.

Coordinates are continuous: pixel (row r, col c) is the unit square whose centre is
(c + 0.5, r + 0.5); a 351x351 image rotates about (175.5, 175.5).
"""
import math

import numpy as np
import pytest

from mmgrasp.datasets.transforms import GraspRandomRotateTranslate
from mmgrasp.structures import GraspBoxes


def _results(h, w, grasps, marks=()):
    img = np.zeros((h, w, 3), np.uint8)
    seg = np.zeros((h, w), np.uint8)
    for row, col in marks:
        img[row, col] = 255
        seg[row, col] = 5
    grasps = np.asarray(grasps, np.float32).reshape(-1, 5)
    return dict(img=img, gt_seg_map=seg, img_shape=(h, w), gt_bboxes=GraspBoxes(grasps),
                gt_bboxes_labels=np.arange(1, len(grasps) + 1, dtype=np.int64),
                gt_ignore_flags=np.zeros(len(grasps), bool))


def test_rotate_90_by_hand():
    # Grasp at (225.5, 75.5): 50 right of and 100 above the centre (175.5, 175.5). Turning by 90
    # degrees clockwise on screen (+x towards +y), "above" becomes "right" and "right" becomes
    # "below": the centre lands 100 right of and 50 below the centre, at (275.5, 225.5); the
    # opening direction turns by the same 90 degrees.
    results = _results(351, 351, [[225.5, 75.5, 30, 10, 0.1]], marks=[(75, 225)])
    out = GraspRandomRotateTranslate(rotate_range=(90, 90), max_translate=0)(results)
    np.testing.assert_allclose(out['gt_bboxes'].numpy(),
                               [[275.5, 225.5, 30, 10, 0.1 + math.pi / 2]],
                               atol=1e-4)
    assert out['rotate_translate'] == (90.0, 0, 0)
    # the image and the mask moved the same way: pixel (row 75, col 225) -> (row 225, col 275)
    assert out['img'][225, 275].tolist() == [255, 255, 255]
    assert out['img'].sum() == 3 * 255
    assert out['gt_seg_map'][225, 275] == 5


def test_rotate_and_translate_by_hand():
    # 180 degrees about (100, 50) on a 200x100 image, then (+7, -3): (50, 25) -> (157, 72).
    # Pixel (row 24, col 49): centre (49.5, 24.5) -> (150.5, 75.5) -> (157.5, 72.5), row 72 col 157.
    transform = GraspRandomRotateTranslate(rotate_range=(0, 360), max_translate=(7, 3))
    transform._draw = lambda: (180.0, 7, -3)
    out = transform(_results(100, 200, [[50, 25, 12, 4, 3.0]], marks=[(24, 49)]))
    assert out['rotate_translate'] == (180.0, 7, -3)
    np.testing.assert_allclose(out['gt_bboxes'].numpy(), [[157, 72, 12, 4, 3.0]], atol=1e-4)
    assert out['img'][72, 157, 0] == 255 and out['gt_seg_map'][72, 157] == 5


def test_angle_wraps_into_0_pi():
    out = GraspRandomRotateTranslate(rotate_range=(90, 90), max_translate=0)(
        _results(100, 100, [[50, 50, 10, 4, 3.0]]))
    np.testing.assert_allclose(out['gt_bboxes'].numpy()[0, 4], 3.0 + math.pi / 2 - math.pi,
                               atol=1e-5)


def test_grasps_leaving_the_image_are_dropped():
    # On 100x100, 45 degrees about (50, 50): (5, 5) -> (50, -13.6) leaves; (50, 40) stays.
    results = _results(100, 100, [[5, 5, 4, 4, 0], [50, 40, 4, 4, 0]])
    out = GraspRandomRotateTranslate(rotate_range=(45, 45), max_translate=0)(results)
    assert out['gt_bboxes_labels'].tolist() == [2] and len(out['gt_ignore_flags']) == 1
    s = math.sqrt(0.5)
    np.testing.assert_allclose(out['gt_bboxes'].numpy()[0, :2], [50 + 10 * s, 50 - 10 * s],
                               atol=1e-4)
    # uncovered corners are border: image 0, mask ignore (255)
    assert out['gt_seg_map'][0, 0] == 255 and out['img'][0, 0].tolist() == [0, 0, 0]


def test_fallback_returns_the_sample_unchanged():
    # (2, 2) goes off the image for a 45 degree turn whatever the draw: fall back to identity.
    results = _results(100, 100, [[2, 2, 4, 4, 0.3]], marks=[(1, 1)])
    img = results['img'].copy()
    out = GraspRandomRotateTranslate(rotate_range=(45, 45), max_translate=0, max_retries=3)(results)
    assert out['rotate_translate'] is None
    np.testing.assert_array_equal(out['img'], img)
    np.testing.assert_allclose(out['gt_bboxes'].numpy(), [[2, 2, 4, 4, 0.3]])


def test_random_draws_keep_grasps_and_sizes():
    np.random.seed(1)
    transform = GraspRandomRotateTranslate()
    for _ in range(20):
        results = _results(351, 351, [[175, 175, 40, 10, 1.0], [200, 100, 20, 8, 2.0]])
        out = transform(results)
        assert len(out['gt_bboxes'].numpy()) >= 1
        angle, tx, ty = out['rotate_translate']
        assert 0 <= angle < 360 and abs(tx) <= 50 and abs(ty) <= 50
        np.testing.assert_allclose(out['gt_bboxes'].numpy()[0, 2:4], [40, 10], atol=1e-4)
        np.testing.assert_allclose(out['gt_bboxes'].numpy()[0, :2], [175.5 + tx - 0.5 * math.cos(
            math.radians(angle)) + 0.5 * math.sin(math.radians(angle)), 175.5 + ty - 0.5 * math.sin(
                math.radians(angle)) - 0.5 * math.cos(math.radians(angle))], atol=1e-3)


def test_arguments():
    with pytest.raises(ValueError):
        GraspRandomRotateTranslate(max_translate=-1)
    with pytest.raises(ValueError):
        GraspRandomRotateTranslate(interpolation='lanczos')


def test_scale_by_hand():
    # Zoom x2 about the centre (50, 50) of a 100x100 image, no rotation: the grasp at (60, 45)
    # lands at (70, 40) with twice its width and height; pixel (row 44, col 59), centre
    # (59.5, 44.5), lands on (69, 39), the corner of four pixels: bilinear sampling lights them
    # equally and brightest.
    transform = GraspRandomRotateTranslate(rotate_range=(0, 0), max_translate=0,
                                           scale_range=(2.0, 2.0))
    out = transform(_results(100, 100, [[60, 45, 12, 4, 0.3]], marks=[(44, 59)]))
    np.testing.assert_allclose(out['gt_bboxes'].numpy(), [[70, 40, 24, 8, 0.3]], atol=1e-4)
    assert out['rotate_scale'] == pytest.approx(2.0)
    img = out['img'][:, :, 0]
    centre = img[38:40, 68:70]
    assert (centre == centre[0, 0]).all() and centre[0, 0] == img.max() > 0
    assert img.sum() == img[37:41, 67:71].sum()  # nothing lit elsewhere
    np.testing.assert_allclose(out['homography_matrix'][:2, :2], 2 * np.eye(2), atol=1e-12)


def test_scale_range_is_log_uniform_and_default_draws_nothing():
    transform = GraspRandomRotateTranslate(scale_range=(0.5, 2.0))
    np.random.seed(3)
    scales = np.array([transform._draw_scale() for _ in range(4000)])
    assert scales.min() >= 0.5 and scales.max() <= 2.0
    assert abs(np.log(scales).mean()) < 0.03  # symmetric in log space: mean log 0
    assert abs((scales < 1).mean() - 0.5) < 0.03
    # the default (1, 1) draws no random number: seeded runs are those of before the option
    np.random.seed(5)
    GraspRandomRotateTranslate()(_results(100, 100, [[50, 50, 10, 4, 1.0]]))
    after = np.random.rand()
    np.random.seed(5)
    np.random.uniform(0, 360)
    np.random.randint(-50, 51)
    np.random.randint(-50, 51)
    assert np.random.rand() == after
    with pytest.raises(ValueError, match='scale_range'):
        GraspRandomRotateTranslate(scale_range=(1.2, 0.8))
