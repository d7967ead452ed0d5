# Copyright (c) mmgrasp contributors. All rights reserved.
"""Multi-object composites of Jacquard scenes: pixels, masks and grasps moved along exactly."""
import glob
import os.path as osp

import cv2
import numpy as np
import pytest

from mmgrasp.datasets import JacquardGraspDataset
from mmgrasp.datasets.jacquard import load_jacquard_grasps
from mmgrasp.datasets.jacquard_composites import (compose_scenes, draw_scenes,
                                                  make_jacquard_composites, remove_object)
from mmgrasp.datasets.jacquard_objects import load_composite_objects


@pytest.fixture(scope='module')
def scenes(jacquard_root):
    folders = sorted(glob.glob(osp.join(jacquard_root, '*')))[:2]
    # the first scene of two different objects
    return [sorted(glob.glob(osp.join(f, '*_grasps.txt')))[0][:-len('_grasps.txt')]
            for f in folders]


def test_compose_two_scenes_side_by_side(scenes):
    canvas, objects_map, objects = compose_scenes(scenes)
    assert canvas.shape == (1024, 2048, 3) and objects_map.shape == (1024, 2048)
    for i, (prefix, obj) in enumerate(zip(scenes, objects)):
        img = cv2.imread(prefix + '_RGB.png')
        mask = cv2.imread(prefix + '_mask.png', cv2.IMREAD_GRAYSCALE) >= 128
        dx = 1024 * i
        assert obj['offset'] == (dx, 0)
        cell = canvas[:, dx:dx + 1024]
        np.testing.assert_array_equal(cell[mask], img[mask])  # the object, pixel for pixel
        np.testing.assert_array_equal(objects_map[:, dx:dx + 1024] == i + 1, mask)
        grasps = load_jacquard_grasps(prefix + '_grasps.txt')
        grasps[:, 0] += dx
        np.testing.assert_allclose(obj['grasps'], grasps, atol=1e-9)


def test_remove_object_fills_in_the_floor():
    rng = np.random.default_rng(0)
    img = np.clip(rng.normal(120, 3, (256, 256, 3)), 0, 255).astype(np.uint8)  # a floor
    mask = np.zeros((256, 256), bool)
    mask[100:150, 80:200] = True
    img[mask] = 250  # a white object
    out = remove_object(img, mask)
    assert abs(float(out[mask].mean()) - 120) < 4  # the object is gone
    far = np.ones_like(mask)
    far[60:190, 40:240] = False
    np.testing.assert_array_equal(out[far], img[far])  # the rest is untouched


def test_written_composites_load_back_through_the_dataset(scenes, tmp_path):
    out = str(tmp_path / 'composites')
    made = make_jacquard_composites(scenes, out, num_objects=(2, ), per_size=1, seed=0)
    assert len(made) == 1 and osp.isfile(made[0] + '_RGB.png')
    ds = JacquardGraspDataset(data_root=out, split='all', pipeline=[], test_mode=True)
    assert len(ds) == 1
    info = ds.get_data_info(0)
    assert (info['height'], info['width']) == (1024, 2048)
    objects = load_composite_objects(made[0])
    assert len(objects) == 2
    loaded = np.array([inst['grasp'] for inst in info['instances']])
    expected = np.concatenate([o['grasps'] for o in objects])
    np.testing.assert_allclose(loaded, expected, atol=1e-6)
    mask = cv2.imread(made[0] + '_mask.png', cv2.IMREAD_GRAYSCALE)
    np.testing.assert_array_equal(mask > 0, objects[0]['mask'] | objects[1]['mask'])
    with pytest.raises(FileExistsError):
        make_jacquard_composites(scenes, out, num_objects=(2, ), per_size=1)


def test_plain_scene_is_one_object(scenes):
    objects = load_composite_objects(scenes[0])
    assert len(objects) == 1
    np.testing.assert_allclose(objects[0]['grasps'],
                               load_jacquard_grasps(scenes[0] + '_grasps.txt'))


def test_draw_scenes_prefers_distinct_objects(jacquard_root):
    scenes = sorted(p[:-len('_grasps.txt')]
                    for p in glob.glob(osp.join(jacquard_root, '*', '*_grasps.txt')))
    two_objects = [p for p in scenes if osp.basename(osp.dirname(p)) in
                   {osp.basename(osp.dirname(scenes[0])), osp.basename(osp.dirname(scenes[-1]))}]
    rng = np.random.default_rng(0)
    for k in (2, 3, 4):
        chosen = draw_scenes(two_objects, k, rng)
        assert len(set(chosen)) == k
        objects = [osp.basename(osp.dirname(p)) for p in chosen]
        assert len(set(objects)) == 2  # both objects, then a second scene of each
    chosen = draw_scenes(scenes, 4, rng)
    assert len({osp.basename(osp.dirname(p)) for p in chosen}) == 4


def test_too_few_scenes_write_nothing(scenes, tmp_path):
    out = str(tmp_path / 'none')
    assert make_jacquard_composites(scenes[:1], out) == []
    assert not osp.exists(out)
