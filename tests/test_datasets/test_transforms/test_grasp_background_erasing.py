# Copyright (c) mmgrasp contributors. All rights reserved.
"""Random erasing of the background never touches a grasp, an object or the annotations."""
import numpy as np
import pytest
import shapely.geometry as sg

from mmgrasp.datasets.transforms import GraspRandomBackgroundErasing
from mmgrasp.structures import GraspBoxes, grasps_to_corners

GRASPS = np.array([[100.5, 80.5, 60, 20, 0.6], [200.5, 150.5, 40, 16, 2.0]], np.float32)


def _results(with_seg=False):
    img = np.full((240, 320, 3), 200, np.uint8)
    results = dict(img=img, img_shape=(240, 320), gt_bboxes=GraspBoxes(GRASPS.copy()),
                   gt_bboxes_labels=np.ones(2, np.int64), gt_ignore_flags=np.zeros(2, bool))
    if with_seg:
        seg = np.zeros((240, 320), np.uint8)
        seg[180:230, 20:90] = 3  # an object without a grasp
        seg[0:10, 0:320] = 255  # ignore: may be erased
        results['gt_seg_map'] = seg
    return results


def _patch_boxes(out):
    return [sg.box(x1, y1, x2, y2) for x1, y1, x2, y2 in out['erased_patches']]


@pytest.mark.parametrize('seed', range(20))
@pytest.mark.parametrize('margin', [0, 4])
def test_patches_avoid_grasps_by_the_margin_and_keep_annotations(seed, margin):
    np.random.seed(seed)
    erase = GraspRandomBackgroundErasing(prob=1.0, num_patches=(3, 3), area_range=(0.02, 0.1),
                                         margin=margin, max_tries=50)
    out = erase(_results())
    polygons = [sg.Polygon(c) for c in np.asarray(grasps_to_corners(GRASPS)).reshape(-1, 4, 2)]
    assert 1 <= len(out['erased_patches']) <= 3
    for patch in _patch_boxes(out):
        for polygon in polygons:  # exact polygons (shapely), not the rasterised ones
            assert patch.distance(polygon) >= margin
            assert patch.intersection(polygon).area == 0
    np.testing.assert_array_equal(out['gt_bboxes'].numpy(), GRASPS)
    # pixels outside the patches are the input's; inside, noise of the image's dtype
    changed = np.any(out['img'] != 200, axis=2)
    inside = np.zeros_like(changed)
    for x1, y1, x2, y2 in out['erased_patches']:
        inside[y1:y2, x1:x2] = True
    assert not changed[~inside].any() and changed[inside].mean() > 0.9
    assert out['img'].dtype == np.uint8


def test_patch_sizes_follow_the_area_range():
    np.random.seed(0)
    erase = GraspRandomBackgroundErasing(prob=1.0, num_patches=(3, 3), area_range=(0.05, 0.05),
                                         aspect_range=(1.0, 1.0), margin=0, max_tries=50)
    out = erase(dict(img=np.zeros((200, 200, 3), np.uint8)))  # no grasps: anywhere
    assert len(out['erased_patches']) == 3
    for x1, y1, x2, y2 in out['erased_patches']:
        assert (x2 - x1, y2 - y1) == (45, 45)  # sqrt(0.05 * 200 * 200) = 44.7


def test_objects_in_the_mask_are_protected_ignore_is_not():
    for seed in range(10):
        np.random.seed(seed)
        erase = GraspRandomBackgroundErasing(prob=1.0, num_patches=(3, 3), max_tries=50)
        out = erase(_results(with_seg=True))
        for x1, y1, x2, y2 in out['erased_patches']:
            region = out['gt_seg_map'][y1:y2, x1:x2]
            assert not ((region > 0) & (region != 255)).any()
    blocked = GraspRandomBackgroundErasing().protected_mask(_results(with_seg=True))
    assert blocked[200, 50] and not blocked[5, 300] and not blocked[230, 300]


def test_everything_protected_erases_nothing_and_prob_zero_draws_nothing():
    results = _results()
    results['gt_seg_map'] = np.ones((240, 320), np.uint8)
    np.random.seed(1)
    out = GraspRandomBackgroundErasing(prob=1.0)(results)
    assert out['erased_patches'].shape == (0, 4) and (out['img'] == 200).all()
    np.random.seed(3)
    out = GraspRandomBackgroundErasing(prob=0.0)(_results())
    after = np.random.get_state()
    assert (out['img'] == 200).all()
    np.random.seed(3)
    np.random.rand()  # prob < 1 draws exactly one number to decide, nothing else
    expected = np.random.get_state()
    assert after[2] == expected[2] and np.array_equal(after[1], expected[1])


def test_seeded_draws_repeat():
    outs = []
    for _ in range(2):
        np.random.seed(7)
        outs.append(GraspRandomBackgroundErasing(prob=1.0)(_results()))
    np.testing.assert_array_equal(outs[0]['img'], outs[1]['img'])
    np.testing.assert_array_equal(outs[0]['erased_patches'], outs[1]['erased_patches'])


@pytest.mark.parametrize('kwargs', [dict(prob=1.5), dict(num_patches=(0, 2)),
                                    dict(num_patches=(3, 2)), dict(area_range=(0.2, 0.1)),
                                    dict(area_range=(0.0, 0.1)), dict(aspect_range=(0, 2)),
                                    dict(margin=-1), dict(max_tries=0)])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        GraspRandomBackgroundErasing(**kwargs)
