# Copyright (c) mmgrasp contributors. All rights reserved.
"""GraspBoxes: mmrotate's RotatedBoxes with a grasp's geometry (edges never swap), and mmdet's own
transforms moving grasps exactly as mmgrasp's transforms do."""
import math

import numpy as np
import pytest
import torch
from mmdet.structures.bbox import get_box_type
from mmengine.registry import init_default_scope
from mmrotate.structures.bbox import RotatedBoxes

from mmgrasp.registry import TRANSFORMS
from mmgrasp.structures import GraspBoxes, affine_grasps, flip_matrix, grasps_to_corners


def test_registered_as_an_mmdet_box_type():
    assert get_box_type('grasp') == ('grasp', GraspBoxes)


def test_project_keeps_the_opening():
    """RotatedBoxes' minAreaRect turns (w=10, h=40, 2.0) into (40, 10, 0.43) under the identity;
    a grasp must come back as itself."""
    data = torch.tensor([[50.0, 60.0, 10.0, 40.0, 2.0]])
    box = RotatedBoxes(data.clone())
    box.project_(torch.eye(3))
    assert box.tensor[0, 2] == pytest.approx(40.0, abs=1e-3)  # the parent swaps the edges
    grasp = GraspBoxes(data.clone())
    grasp.project_(torch.eye(3))
    torch.testing.assert_close(grasp.tensor, data)
    a = math.radians(30)  # a rotation by 30 degrees clockwise about (0, 0)
    grasp.project_(torch.tensor([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0],
                                 [0, 0, 1.0]]))
    assert grasp.tensor[0, 2:4].tolist() == pytest.approx([10.0, 40.0], abs=1e-4)
    assert grasp.tensor[0, 4].item() == pytest.approx((2.0 + a) % math.pi, abs=1e-5)
    with pytest.raises(ValueError, match='affine'):
        grasp.project_(torch.tensor([[1.0, 0, 0], [0, 1, 0], [0.01, 0, 1]]))


def test_rescale_turns_the_angle_the_right_way():
    """45 degrees scaled by (2, 1): the opening (cos 45, sin 45) becomes (2, 1) / |.|, 26.6
    degrees, with w = 10 * sqrt(4 * 0.5 + 0.5) and h = 4 * sqrt(4 * 0.5 + 0.5) by hand."""
    data = torch.tensor([[3.0, 5.0, 10.0, 4.0, math.pi / 4]])
    box = RotatedBoxes(data.clone())
    box.rescale_((2.0, 1.0))
    assert math.degrees(box.tensor[0, 4]) == pytest.approx(63.43, abs=0.01)  # the parent's
    grasp = GraspBoxes(data.clone())
    grasp.rescale_((2.0, 1.0))
    expected = [6.0, 5.0, 10 * math.sqrt(2.5), 4 * math.sqrt(2.5), math.atan2(1, 2)]
    assert grasp.tensor[0].tolist() == pytest.approx(expected, abs=1e-5)


def test_flip_rotate_regularize_keep_theta_in_range_and_edges():
    data = torch.tensor([[10.0, 20.0, 8.0, 30.0, 0.3], [40.0, 5.0, 30.0, 8.0, 3.0]])
    grasp = GraspBoxes(data.clone())
    grasp.flip_((50, 100), 'horizontal')
    # by hand: x -> 100 - x, theta -> pi - theta, sizes kept
    expected = torch.tensor([[90.0, 20.0, 8.0, 30.0, math.pi - 0.3],
                             [60.0, 5.0, 30.0, 8.0, math.pi - 3.0]])
    torch.testing.assert_close(grasp.tensor, expected)
    torch.testing.assert_close(affine_grasps(data, flip_matrix('horizontal', 50, 100)), expected)
    flipped = GraspBoxes(data.clone())
    flipped.flip_((50, 100), 'diagonal')  # a rotation by pi about the centre: theta stays
    torch.testing.assert_close(flipped.tensor, torch.tensor(
        [[90.0, 30.0, 8.0, 30.0, 0.3], [60.0, 45.0, 30.0, 8.0, 3.0]]))
    assert flip_matrix('vertical', 50, 100).tolist() == [[1, 0, 0], [0, -1, 50]]
    with pytest.raises(ValueError, match='direction must be one of'):
        grasp.flip_((50, 100), 'sideways')
    assert (grasp.tensor[:, 4] >= 0).all() and (grasp.tensor[:, 4] < math.pi).all()
    grasp.rotate_((0.0, 0.0), 90)
    assert (grasp.tensor[:, 4] >= 0).all() and (grasp.tensor[:, 4] < math.pi).all()
    torch.testing.assert_close(grasp.tensor[:, 2:4], data[:, 2:4])
    regular = GraspBoxes(torch.tensor([[0.0, 0.0, 4.0, 9.0, 3.5]])).regularize_boxes()
    assert regular[0, 2:4].tolist() == [4.0, 9.0]  # never swapped
    assert regular[0, 4].item() == pytest.approx(3.5 - math.pi, abs=1e-6)


def test_corners_round_trip_keeps_the_opening_edge():
    data = torch.tensor([[12.0, 7.0, 10.0, 3.0, 2.5]])
    corners = GraspBoxes.rbox2corner(data)
    torch.testing.assert_close(corners[0], grasps_to_corners(data)[0])
    torch.testing.assert_close(GraspBoxes.corner2rbox(corners), data, atol=1e-5, rtol=0)


@pytest.mark.parametrize('step, mapping', [
    (dict(type='mmdet.Resize', scale=(150, 40), keep_ratio=False),
     lambda h, w: np.array([[150 / w, 0, 0], [0, 40 / h, 0]])),
    (dict(type='mmdet.RandomFlip', prob=1.0, direction='horizontal'),
     lambda h, w: flip_matrix('horizontal', h, w)),
    (dict(type='mmdet.RandomFlip', prob=1.0, direction='vertical'),
     lambda h, w: flip_matrix('vertical', h, w)),
])
def test_mmdet_transforms_move_grasps_exactly(step, mapping):
    """mmdet's Resize (anisotropic) and RandomFlip carry GraspBoxes through the pipeline with the
    affine map mmgrasp's own transforms use."""
    init_default_scope('mmgrasp')
    h, w = 60, 100
    data = torch.tensor([[30.0, 20.0, 12.0, 5.0, 0.7], [70.0, 40.0, 20.0, 6.0, 2.9]])
    results = dict(img=np.zeros((h, w, 3), np.uint8), img_shape=(h, w), ori_shape=(h, w),
                   gt_bboxes=GraspBoxes(data.clone()),
                   gt_bboxes_labels=np.zeros(2, np.int64), gt_ignore_flags=np.zeros(2, bool))
    out = TRANSFORMS.build(step)(results)
    assert isinstance(out['gt_bboxes'], GraspBoxes)
    expected = affine_grasps(data, mapping(h, w))
    torch.testing.assert_close(out['gt_bboxes'].tensor, expected.float(), atol=1e-4, rtol=0)
