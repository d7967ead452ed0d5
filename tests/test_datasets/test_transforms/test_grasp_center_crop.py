# Copyright (c) mmgrasp contributors. All rights reserved.
import numpy as np

from mmgrasp.datasets.transforms import GraspCenterCrop
from mmgrasp.structures import GraspBoxes


def test_cornell_crop_351():
    img = np.zeros((480, 640, 3), np.uint8)
    img[100, 200] = 255
    grasps = np.array([[200.5, 100.5, 40, 10, 0.2], [10, 10, 40, 10, 0.2], [495, 415, 5, 5, 0]],
                      np.float32)
    results = dict(img=img, gt_bboxes=GraspBoxes(grasps), gt_bboxes_labels=np.array([1, 2, 3]),
                   gt_ignore_flags=np.zeros(3, bool), img_shape=(480, 640))
    out = GraspCenterCrop(351)(results)  # (495, 415) -> (351, 351): just outside
    # window starts at ((640 - 351) // 2, (480 - 351) // 2) = (144, 64)
    assert out['crop_offset'] == (144, 64)
    assert out['img'].shape == (351, 351, 3) and out['img_shape'] == (351, 351)
    np.testing.assert_allclose(out['gt_bboxes'].numpy(), [[56.5, 36.5, 40, 10, 0.2]])
    assert out['gt_bboxes_labels'].tolist() == [1] and out['gt_ignore_flags'].shape == (1, )
    assert out['img'][36, 56].tolist() == [255, 255, 255]  # the pixel under the grasp centre


def test_small_image_is_kept_whole():
    results = dict(img=np.zeros((100, 400, 3), np.uint8), gt_seg_map=np.zeros((100, 400), np.uint8),
                   gt_bboxes=GraspBoxes(np.array([[200, 50, 4, 4, 0]], np.float32)))
    out = GraspCenterCrop((200, 200))(results)
    assert out['img'].shape == (100, 200, 3) and out['gt_seg_map'].shape == (100, 200)
    np.testing.assert_allclose(out['gt_bboxes'].numpy(), [[100, 50, 4, 4, 0]])


def test_transform_grasps_replays_transform():
    grasps = np.array([[200.5, 100.5, 40, 10, 0.2], [10, 10, 40, 10, 0.2], [495, 415, 5, 5, 0]],
                      np.float32)
    mapped, keep, shape = GraspCenterCrop(351).transform_grasps(grasps, (480, 640))
    assert shape == (351, 351) and keep.tolist() == [True, False, False]
    np.testing.assert_allclose(mapped[0], [56.5, 36.5, 40, 10, 0.2])
    assert grasps[0, 0] == 200.5  # the input is not changed
