# Copyright (c) mmgrasp contributors. All rights reserved.
"""RGB-D input: depth loading, the hole rule, depth moving with the image through every geometric
step and untouched by photometric ones, and packing."""
import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from mmgrasp.datasets.transforms import (GraspCenterCrop, GraspRandomFlip,
                                         GraspRandomRotateTranslate, GraspResize, GraspTranslate,
                                         LoadDepthFromFile, PackGraspInputs)
from mmgrasp.datasets.transforms.load_depth import fill_invalid_depth
from mmgrasp.registry import TRANSFORMS
from mmgrasp.structures import GraspBoxes


def test_holes_take_the_nearest_valid_depth():
    depth = np.array([[0.5, 0.0, 0.0, 0.9],
                      [0.5, 0.0, 0.0, 0.9],
                      [0.6, 0.6, 0.0, 0.0]], np.float32)
    filled = fill_invalid_depth(depth, depth > 0)
    # by hand: (0,1) and (1,1) are next to the 0.5 column, (0,2) and (1,2) next to the 0.9
    # column, (2,2) next to the 0.6 at (2,1), (2,3) below the 0.9 at (1,3)
    np.testing.assert_array_equal(filled, np.array([[0.5, 0.5, 0.9, 0.9],
                                                    [0.5, 0.5, 0.9, 0.9],
                                                    [0.6, 0.6, 0.6, 0.9]], np.float32))


def _write_mm(path, depth_mm):
    cv2.imwrite(str(path), depth_mm.astype(np.uint16))
    return str(path)


def test_load_millimetres_with_holes(tmp_path):
    mm = np.full((4, 6), 800, np.uint16)
    mm[1, 2] = 0  # a hole
    mm[0, 0] = 5000  # beyond max_depth
    path = _write_mm(tmp_path / 'd.png', mm)
    results = LoadDepthFromFile(depth_scale=0.001, max_depth=2.0)(
        dict(img=np.zeros((4, 6, 3), np.uint8), depth_path=path))
    assert results['depth'].dtype == np.float32
    np.testing.assert_allclose(results['depth'], np.full((4, 6), 0.8), rtol=1e-6)
    assert results['depth_valid_ratio'] == pytest.approx(22 / 24)
    assert results['depth_fields'] == ['depth']


@pytest.mark.parametrize('depth, message', [
    (np.zeros((4, 6), np.uint16), 'no valid depth'),
    (np.full((5, 6), 800, np.uint16), r'depth size \(5, 6\) differs from the image size'),
])
def test_bad_depth_names_the_file(tmp_path, depth, message):
    path = _write_mm(tmp_path / 'bad.png', depth)
    with pytest.raises(ValueError, match=message) as info:
        LoadDepthFromFile(depth_scale=0.001)(
            dict(img=np.zeros((4, 6, 3), np.uint8), depth_path=path))
    assert 'bad.png' in str(info.value)


def test_missing_depth_is_a_clear_error():
    with pytest.raises(KeyError, match='an RGB-D pipeline needs its depth image'):
        LoadDepthFromFile()(dict(img=np.zeros((4, 6, 3), np.uint8), img_path='a.png'))


def _sample(height=40, width=60, seed=0):
    """An image whose three channels hold the depth in millimetres, and that depth: any
    geometric step must keep them equal (nearest-neighbour everywhere)."""
    rng = np.random.default_rng(seed)
    depth = rng.uniform(0.5, 1.5, (height, width)).astype(np.float32)
    img = np.repeat((depth * 1000)[..., None], 3, axis=2).astype(np.float32)
    grasps = np.array([[30, 20, 10, 4, 0.3]], np.float32)
    return dict(img=img, depth=depth, depth_fields=['depth'], img_shape=(height, width),
                gt_bboxes=GraspBoxes(grasps), gt_bboxes_labels=np.ones(1, np.int64),
                gt_ignore_flags=np.zeros(1, bool))


@pytest.mark.parametrize('step', [
    GraspResize(scale_factor=0.5, interpolation='nearest'),
    GraspCenterCrop(crop_size=32),
    GraspRandomFlip(prob=1.0, direction=['horizontal', 'vertical', 'diagonal']),
    GraspRandomRotateTranslate(rotate_range=(10, 80), max_translate=8, interpolation='nearest'),
    GraspTranslate(offset=(7, -5), interpolation='nearest'),
])
def test_depth_moves_with_the_image(step):
    np.random.seed(1)
    results = step(_sample())
    assert results['depth'].shape == results['img'].shape[:2]
    moved_img = results['img'][..., 0]
    inside = moved_img > 0  # pixels brought in from outside the image: 0 in both
    np.testing.assert_allclose(results['depth'][inside] * 1000, moved_img[inside], rtol=1e-6)
    assert (results['depth'][~inside] == 0).all()
    assert inside.mean() > 0.5


def test_photometric_steps_leave_depth_alone():
    init_default_scope('mmgrasp')
    results = _sample()
    results['img'] = results['img'].clip(0, 255).astype(np.uint8)
    depth = results['depth'].copy()
    out = TRANSFORMS.build(dict(type='mmdet.Brightness', prob=1.0, min_mag=1.5,
                                max_mag=1.5))(results)
    np.testing.assert_array_equal(out['depth'], depth)


def test_pack_puts_depth_after_the_colour():
    results = _sample()
    results['img'] = np.full((40, 60, 3), 7, np.uint8)
    packed = PackGraspInputs()(results)
    inputs = packed['inputs']
    assert inputs.shape == (4, 40, 60) and inputs.dtype.is_floating_point
    assert (inputs[:3] == 7).all()
    np.testing.assert_array_equal(inputs[3].numpy(), results['depth'])
