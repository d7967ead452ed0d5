# Copyright (c) mmgrasp contributors. All rights reserved.
import math

import numpy as np
import pytest

from mmgrasp.datasets.transforms import GraspRandomFlip
from mmgrasp.structures import GraspBoxes


def _results():
    img = np.zeros((40, 60, 3), np.uint8)
    img[10, 15] = 255  # continuous centre (15.5, 10.5)
    seg = np.zeros((40, 60), np.uint8)
    seg[10, 15] = 3
    return dict(img=img, gt_seg_map=seg,
                gt_bboxes=GraspBoxes(np.array([[15.5, 10.5, 8, 4, math.radians(30)]], np.float32)))


@pytest.mark.parametrize('direction, centre, theta, pixel', [
    ('horizontal', (60 - 15.5, 10.5), 150, (10, 44)),
    ('vertical', (15.5, 40 - 10.5), 150, (29, 15)),
    ('diagonal', (60 - 15.5, 40 - 10.5), 30, (29, 44)),
])
def test_flip_by_hand(direction, centre, theta, pixel):
    out = GraspRandomFlip(prob=1.0, direction=direction)(_results())
    assert out['flip'] and out['flip_direction'] == direction
    np.testing.assert_allclose(out['gt_bboxes'].numpy()[0], [*centre, 8, 4, math.radians(theta)],
                               atol=1e-5)
    assert out['img'][pixel][0] == 255 and out['gt_seg_map'][pixel] == 3


def test_no_flip():
    out = GraspRandomFlip(prob=0.0)(_results())
    assert out['flip'] is False and out['flip_direction'] is None
    np.testing.assert_allclose(out['gt_bboxes'].numpy()[0, :2], [15.5, 10.5])


def test_bad_direction():
    with pytest.raises(ValueError):
        GraspRandomFlip(direction='sideways')


@pytest.mark.parametrize('direction, matrix', [
    ('horizontal', [[-1, 0, 60], [0, 1, 0], [0, 0, 1]]),
    ('vertical', [[1, 0, 0], [0, -1, 40], [0, 0, 1]]),
    ('diagonal', [[-1, 0, 60], [0, -1, 40], [0, 0, 1]]),
])
def test_homography_is_the_mirror_and_maps_grasps_back(direction, matrix):
    """A pixel edge at x maps to w - x (pixel centres included), and grasps_to_original
    undoes the flip to 1e-5, angle included."""
    from mmgrasp.structures import grasps_to_original
    results = _results()
    original = results['gt_bboxes'].numpy().copy()
    out = GraspRandomFlip(prob=1.0, direction=direction)(results)
    np.testing.assert_allclose(out['homography_matrix'], matrix, atol=1e-12)
    back = grasps_to_original(out['gt_bboxes'].numpy(),
                              dict(homography_matrix=out['homography_matrix']))
    np.testing.assert_allclose(back, original, atol=1e-5)


def test_draws_as_mmdet_random_flip():
    """The same decisions and directions as mmdet's RandomFlip under one seed (it is one)."""
    from mmdet.datasets.transforms import RandomFlip
    for prob, direction in [(0.5, 'horizontal'), (0.9, ['horizontal', 'vertical', 'diagonal'])]:
        ours, theirs = GraspRandomFlip(prob=prob, direction=direction), RandomFlip(prob, direction)
        assert isinstance(ours, RandomFlip)
        np.random.seed(7)
        a = [ours(_results())['flip_direction'] for _ in range(200)]
        np.random.seed(7)
        b = [theirs(dict(img=np.zeros((4, 6, 3), np.uint8)))['flip_direction'] for _ in range(200)]
        assert a == b
        assert abs(sum(d is not None for d in a) / 200 - prob) < 0.1


def test_depth_and_every_seg_field_flip_and_homography_is_float64():
    results = _results()
    depth = np.zeros((40, 60), np.float32)
    depth[10, 15] = 0.7
    results.update(depth=depth, depth_fields=['depth'], gt_obj_map=results['gt_seg_map'].copy(),
                   seg_fields=['gt_seg_map', 'gt_obj_map'])
    out = GraspRandomFlip(prob=1.0, direction='horizontal')(results)
    assert out['depth'][10, 44] == np.float32(0.7) and out['depth'][10, 15] == 0
    assert out['gt_obj_map'][10, 44] == 3 and out['gt_seg_map'][10, 44] == 3
    assert out['homography_matrix'].dtype == np.float64
