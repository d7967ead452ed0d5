# Copyright (c) mmgrasp contributors. All rights reserved.
"""GraspBoxes: every public member of mmrotate's RotatedBoxes (and mmdet's BaseBoxes) gives a
grasp's answer or raises saying why; the grasp <-> rbox / hbox converters; mmdet's and mmrotate's
own transforms moving grasps exactly as mmgrasp's transforms do."""
import inspect
import math
import warnings

import cv2
import numpy as np
import pytest
import torch
from mmdet.structures.bbox import HorizontalBoxes, convert_box_type, get_box_type
from mmdet.structures.bbox.box_type import box_converters
from mmdet.structures.mask import BitmapMasks, PolygonMasks
from mmengine.registry import init_default_scope
from mmrotate.structures.bbox import RotatedBoxes

from mmgrasp.datasets.transforms.grasp_geometry import centres_inside
from mmgrasp.registry import TRANSFORMS
from mmgrasp.structures import (GraspBoxes, affine_grasps, flip_matrix, grasp_iou_shapely,
                                grasps_to_corners)

# Every public member of GraspBoxes (inspect.getmembers, dunders that matter included) and where
# it is defined. A member mmdet or mmrotate adds (or one mmgrasp adds) fails
# test_every_public_member_is_listed until it is checked and listed here.
OVERRIDDEN = {
    'clip_', 'convert_to', 'corner2rbox', 'flip_', 'from_instance_masks', 'is_inside',
    'overlaps', 'project_', 'rbox2corner', 'regularize_boxes', 'rescale_', 'rotate_'
}
INHERITED_ROTATED = {
    'areas', 'box_dim', 'centers', 'find_inside_points', 'heights', 'resize_', 'translate_',
    'widths'
}
INHERITED_BASE = {
    '__deepcopy__', '__getitem__', '__init__', '__len__', '__repr__', '__setitem__', 'cat',
    'chunk', 'clone', 'cpu', 'cuda', 'detach', 'device', 'dim', 'dtype', 'empty_boxes', 'expand',
    'fake_boxes', 'flatten', 'new_empty', 'new_full', 'new_ones', 'new_tensor', 'new_zeros',
    'numel', 'numpy', 'permute', 'repeat', 'reshape', 'shape', 'size', 'split', 'squeeze',
    'stack', 'to', 'transpose', 'unbind', 'unsqueeze', 'view'
}
DUNDERS = {'__deepcopy__', '__getitem__', '__init__', '__len__', '__repr__', '__setitem__'}

GRASPS = torch.tensor([[50.0, 60.0, 10.0, 40.0, 2.0], [12.0, 7.0, 30.0, 6.0, 0.4],
                       [30.0, 30.0, 20.0, 20.0, 0.0]])


def _owner(name):
    return next(c for c in GraspBoxes.__mro__ if name in c.__dict__)


def test_every_public_member_is_listed():
    members = {name for name, _ in inspect.getmembers(GraspBoxes)
               if not name.startswith('_') or name in DUNDERS}
    assert members == OVERRIDDEN | INHERITED_ROTATED | INHERITED_BASE
    for name in OVERRIDDEN:
        assert _owner(name) is GraspBoxes, name
        assert getattr(GraspBoxes, name).__doc__, name  # says why it differs
    for name in INHERITED_ROTATED:
        assert _owner(name) is RotatedBoxes, name
    for name in INHERITED_BASE:
        assert _owner(name).__name__ == 'BaseBoxes', name


# ---- registration and converters --------------------------------------------------------------

def test_registered_as_an_mmdet_box_type_with_converters():
    assert get_box_type('grasp') == ('grasp', GraspBoxes)
    assert get_box_type(GraspBoxes) == ('grasp', GraspBoxes)
    for name in ('grasp2rbox', 'rbox2grasp', 'grasp2hbox', 'hbox2grasp'):
        assert name in box_converters


def test_grasp_rbox_round_trips():
    grasps = GraspBoxes(GRASPS)
    rboxes = grasps.convert_to('rbox')
    assert type(rboxes) is RotatedBoxes
    torch.testing.assert_close(rboxes.tensor, GRASPS)  # the same numbers, not regularised
    back = rboxes.convert_to('grasp')
    assert type(back) is GraspBoxes
    torch.testing.assert_close(back.tensor, GRASPS, atol=1e-5, rtol=0)
    # rbox -> grasp: theta mod pi, w and h as written (the same rectangle)
    rbox = torch.tensor([[5.0, 6.0, 10.0, 40.0, -0.5], [5.0, 6.0, 10.0, 40.0, 3.5]])
    grasp = RotatedBoxes(rbox).convert_to('grasp').tensor
    torch.testing.assert_close(grasp, torch.tensor([[5.0, 6.0, 10.0, 40.0, math.pi - 0.5],
                                                    [5.0, 6.0, 10.0, 40.0, 3.5 - math.pi]]))
    assert grasp_iou_shapely(grasp[0].tolist(), [5.0, 6.0, 10.0, 40.0, -0.5]) == pytest.approx(1)
    # a regularised rbox (le90: w the longer side) comes back with the longer side as opening:
    # the converter cannot know which side the gripper opened along, and says so
    le90 = grasps.convert_to('rbox')
    le90.regularize_boxes('le90')
    assert le90.convert_to('grasp').tensor[0, 2:4].tolist() == [40.0, 10.0]
    # the functional forms (tensor and array) and grasp -> grasp
    torch.testing.assert_close(convert_box_type(GRASPS, src_type='grasp', dst_type='rbox'),
                               GRASPS)
    arr = convert_box_type(rbox.numpy(), src_type='rbox', dst_type='grasp')
    np.testing.assert_allclose(arr, grasp.numpy(), atol=1e-6)
    same = grasps.convert_to('grasp')
    torch.testing.assert_close(same.tensor, GRASPS)


def test_grasp_to_hbox_is_the_hull_of_the_corners():
    # (10, 20, w=8, h=4, 30 deg) by hand: x half-extent 4 cos30 + 2 sin30 = 2 sqrt3 + 1,
    # y half-extent 4 sin30 + 2 cos30 = 2 + sqrt3
    grasp = GraspBoxes(torch.tensor([[10.0, 20.0, 8.0, 4.0, math.pi / 6]]))
    hbox = grasp.convert_to('hbox')
    assert type(hbox) is HorizontalBoxes
    hx, hy = 2 * math.sqrt(3) + 1, 2 + math.sqrt(3)
    assert hbox.tensor[0].tolist() == pytest.approx([10 - hx, 20 - hy, 10 + hx, 20 + hy],
                                                    abs=1e-5)
    corners = grasps_to_corners(GRASPS.double())
    hull = torch.cat([corners.min(dim=1).values, corners.max(dim=1).values], dim=1)
    torch.testing.assert_close(GraspBoxes(GRASPS).convert_to('hbox').tensor, hull.float(),
                               atol=1e-4, rtol=0)
    # hbox -> grasp is theta = 0 with w along x; hbox -> grasp -> hbox and, at theta 0,
    # grasp -> hbox -> grasp round-trip
    boxes = torch.tensor([[1.0, 2.0, 11.0, 6.0], [-3.0, 0.5, 4.0, 20.0]])
    as_grasp = HorizontalBoxes(boxes).convert_to('grasp')
    torch.testing.assert_close(as_grasp.tensor, torch.tensor([[6.0, 4.0, 10.0, 4.0, 0.0],
                                                              [0.5, 10.25, 7.0, 19.5, 0.0]]))
    torch.testing.assert_close(as_grasp.convert_to('hbox').tensor, boxes, atol=1e-5, rtol=0)
    axis = GraspBoxes(torch.tensor([[6.0, 4.0, 10.0, 4.0, 0.0]]))
    torch.testing.assert_close(axis.convert_to('hbox').convert_to('grasp').tensor, axis.tensor,
                               atol=1e-5, rtol=0)


def test_convert_to_a_type_without_converter_says_what_to_use():
    with pytest.raises(NotImplementedError, match='rbox2corner'):
        GraspBoxes(GRASPS).convert_to('qbox')


def test_mmrotate_convert_box_type_transform():
    init_default_scope('mmgrasp')
    to_rbox = TRANSFORMS.build(dict(type='mmrotate.ConvertBoxType',
                                    box_type_mapping=dict(gt_bboxes='rbox')))
    to_grasp = TRANSFORMS.build(dict(type='mmrotate.ConvertBoxType',
                                     box_type_mapping=dict(gt_bboxes='grasp')))
    results = to_rbox(dict(gt_bboxes=GraspBoxes(GRASPS)))
    assert type(results['gt_bboxes']) is RotatedBoxes
    results = to_grasp(results)
    assert type(results['gt_bboxes']) is GraspBoxes
    torch.testing.assert_close(results['gt_bboxes'].tensor, GRASPS)


# ---- overlaps ----------------------------------------------------------------------------------

def _random_grasps(n, seed):
    rng = np.random.default_rng(seed)
    g = np.stack([rng.uniform(20, 40, n), rng.uniform(20, 40, n), rng.uniform(3, 30, n),
                  rng.uniform(3, 30, n), rng.uniform(0, math.pi, n)], axis=1)
    # collinear edges (same centre and angle, other jaws), the case mmcv gets wrong
    g[: n // 3, :2] = g[0, :2]
    g[: n // 3, 4] = g[0, 4]
    g[: n // 3, 2] = g[0, 2]
    return torch.tensor(g, dtype=torch.float32)


def _shapely_iof(g1, g2):
    from shapely.geometry import Polygon
    p1, p2 = (Polygon(c) for c in grasps_to_corners(np.array([g1, g2], np.float64)))
    return p1.intersection(p2).area / p1.area


def test_overlaps_is_the_exact_polygon_iou():
    a, b = _random_grasps(9, 0), _random_grasps(7, 1)
    iou = GraspBoxes.overlaps(GraspBoxes(a), GraspBoxes(b))
    assert iou.shape == (9, 7)
    ref = torch.tensor([[grasp_iou_shapely(x.tolist(), y.tolist()) for y in b] for x in a])
    torch.testing.assert_close(iou, ref.float(), atol=1e-5, rtol=0)
    assert (ref > 0).sum() > 20  # the case is not trivially zero
    iof = GraspBoxes.overlaps(GraspBoxes(a), GraspBoxes(b), mode='iof')
    ref_iof = torch.tensor([[_shapely_iof(x.tolist(), y.tolist()) for y in b] for x in a])
    torch.testing.assert_close(iof, ref_iof.float(), atol=1e-5, rtol=0)
    aligned = GraspBoxes.overlaps(GraspBoxes(a[:7]), GraspBoxes(b), is_aligned=True)
    torch.testing.assert_close(aligned, ref[:7].diagonal().float(), atol=1e-5, rtol=0)
    # same centre and angle, other jaw: 0.903 exactly (mmcv's kernel said 0.729)
    g = torch.tensor([[211.03, 378.45, 46.87, 37.37, 0.4211], [211.03, 378.45, 42.33, 37.37,
                                                               0.4211]])
    assert GraspBoxes.overlaps(GraspBoxes(g[:1]), GraspBoxes(g[1:])).item() == \
        pytest.approx(42.33 / 46.87, abs=1e-5)
    # other box types are converted to grasps: an hbox is the grasp at theta 0
    patch = HorizontalBoxes(torch.tensor([[20.0, 18.0, 35.0, 40.0]]))
    ref_patch = [grasp_iou_shapely([27.5, 29.0, 15.0, 22.0, 0.0], y.tolist()) for y in b]
    torch.testing.assert_close(GraspBoxes.overlaps(patch, GraspBoxes(b))[0],
                               torch.tensor(ref_patch).float(), atol=1e-5, rtol=0)
    torch.testing.assert_close(GraspBoxes.overlaps(RotatedBoxes(a), GraspBoxes(b)), iou)
    assert GraspBoxes.overlaps(GraspBoxes(a[:0]), GraspBoxes(b)).shape == (0, 7)
    with pytest.raises(ValueError, match='iou'):
        GraspBoxes.overlaps(GraspBoxes(a), GraspBoxes(b), mode='giou')
    with pytest.raises(TypeError):  # why it is overridden: mmrotate 1.0.1's passes eps
        RotatedBoxes.overlaps(RotatedBoxes(a), RotatedBoxes(b))


def test_mmdet_min_iou_random_crop_uses_the_exact_overlaps(monkeypatch):
    """mmdet's MinIoURandomCrop measures its crop (a HorizontalBoxes) against the grasps with
    ``boxes.overlaps``: the exact IoU here, and the kept grasps are only translated."""
    calls = []
    exact = GraspBoxes.overlaps

    def spy(boxes1, boxes2, *args, **kwargs):
        calls.append(type(boxes1))
        return exact(boxes1, boxes2, *args, **kwargs)

    monkeypatch.setattr(GraspBoxes, 'overlaps', staticmethod(spy))
    init_default_scope('mmgrasp')
    crop = TRANSFORMS.build(dict(type='mmdet.MinIoURandomCrop', min_ious=(0.01, 0.05),
                                 bbox_clip_border=False))
    h, w = 60, 80
    data = torch.tensor([[30.0, 20.0, 12.0, 5.0, 0.7], [50.0, 40.0, 20.0, 6.0, 2.9]])
    for seed in range(5):
        np.random.seed(seed)
        results = dict(img=np.zeros((h, w, 3), np.uint8), img_shape=(h, w), ori_shape=(h, w),
                       gt_bboxes=GraspBoxes(data.clone()), gt_bboxes_labels=np.arange(2),
                       gt_ignore_flags=np.zeros(2, bool))
        out = crop(results)
        assert isinstance(out['gt_bboxes'], GraspBoxes)
        kept = data[torch.as_tensor(out['gt_bboxes_labels'])]
        torch.testing.assert_close(out['gt_bboxes'].tensor[:, 2:], kept[:, 2:])
    assert calls and set(calls) == {HorizontalBoxes}


# ---- members that raise ------------------------------------------------------------------------

def test_from_instance_masks_raises():
    mask = np.zeros((1, 20, 20), np.uint8)
    mask[0, 5:15, 8:12] = 1
    for masks in (BitmapMasks(mask, 20, 20),
                  PolygonMasks([[np.array([8.0, 5, 12, 5, 12, 15, 8, 15])]], 20, 20)):
        with pytest.raises(NotImplementedError, match='no opening'):
            GraspBoxes.from_instance_masks(masks)
        with pytest.raises(NotImplementedError, match='recompute_bbox'):
            masks.get_bboxes('grasp')  # mmdet's RandomCrop(recompute_bbox=True), CopyPaste


def test_regularize_boxes_wraps_in_place_and_refuses_patterns():
    grasp = GraspBoxes(torch.tensor([[0.0, 0.0, 4.0, 9.0, 3.5], [0.0, 0.0, 9.0, 4.0, -0.2]]))
    regular = grasp.regularize_boxes()
    assert regular is grasp.tensor  # in place, as RotatedBoxes does it
    assert regular[:, 2:4].tolist() == [[4.0, 9.0], [9.0, 4.0]]  # never swapped
    assert regular[:, 4].tolist() == pytest.approx([3.5 - math.pi, math.pi - 0.2], abs=1e-6)
    for pattern in ('oc', 'le90', 'le135'):
        with pytest.raises(NotImplementedError, match='swaps w and h'):
            grasp.regularize_boxes(pattern)


# ---- geometry: overridden ----------------------------------------------------------------------

def test_project_keeps_the_opening_and_never_calls_min_area_rect(monkeypatch):
    """RotatedBoxes.project_ goes through cv2.minAreaRect (OpenCV's edge order); GraspBoxes maps
    the grasp exactly and does not call it."""
    calls = []
    real = cv2.minAreaRect

    def spy(points):
        calls.append(points)
        return real(points)

    monkeypatch.setattr(cv2, 'minAreaRect', spy)
    data = torch.tensor([[50.0, 60.0, 10.0, 40.0, 2.0]])
    RotatedBoxes(data.clone()).project_(torch.eye(3))
    assert len(calls) == 1  # the parent's path
    grasp = GraspBoxes(data.clone())
    grasp.project_(torch.eye(3))
    torch.testing.assert_close(grasp.tensor, data)
    a = math.radians(30)  # a rotation by 30 degrees clockwise about (0, 0)
    grasp.project_(torch.tensor([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0],
                                 [0, 0, 1.0]]))
    x, y = 50 * math.cos(a) - 60 * math.sin(a), 50 * math.sin(a) + 60 * math.cos(a)
    assert grasp.tensor[0].tolist() == pytest.approx([x, y, 10.0, 40.0, (2.0 + a) % math.pi],
                                                     abs=1e-4)
    assert len(calls) == 1
    with pytest.raises(ValueError, match='affine'):
        grasp.project_(torch.tensor([[1.0, 0, 0], [0, 1, 0], [0.01, 0, 1]]))


def test_no_grasp_path_calls_min_area_rect(monkeypatch):
    """What the opencv pin was about: no GraspBoxes member or converter reaches minAreaRect."""
    def refuse(points):
        raise AssertionError('cv2.minAreaRect called')

    monkeypatch.setattr(cv2, 'minAreaRect', refuse)
    grasps = GraspBoxes(GRASPS)
    grasps.project_(np.eye(3))
    GraspBoxes.corner2rbox(GraspBoxes.rbox2corner(GRASPS))
    grasps.convert_to('rbox').convert_to('grasp').convert_to('hbox').convert_to('grasp')
    GraspBoxes.overlaps(grasps, grasps)
    grasps.flip_((100, 100))
    grasps.rotate_((10.0, 10.0), 30)
    grasps.rescale_((2.0, 0.5))
    init_default_scope('mmgrasp')
    results = dict(img=np.zeros((60, 80, 3), np.uint8), img_shape=(60, 80), ori_shape=(60, 80),
                   gt_bboxes=GraspBoxes(GRASPS), gt_bboxes_labels=np.zeros(3, np.int64),
                   gt_ignore_flags=np.zeros(3, bool))
    TRANSFORMS.build(dict(type='mmdet.RandomAffine', max_rotate_degree=20))(results)


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


def test_flip_by_hand():
    data = torch.tensor([[10.0, 20.0, 8.0, 30.0, 0.3], [40.0, 5.0, 30.0, 8.0, 3.0]])
    grasp = GraspBoxes(data.clone())
    grasp.flip_((50, 100), 'horizontal')
    # by hand: x -> 100 - x, theta -> pi - theta, sizes kept
    expected = torch.tensor([[90.0, 20.0, 8.0, 30.0, math.pi - 0.3],
                             [60.0, 5.0, 30.0, 8.0, math.pi - 3.0]])
    torch.testing.assert_close(grasp.tensor, expected)
    torch.testing.assert_close(affine_grasps(data, flip_matrix('horizontal', 50, 100)), expected)
    vertical = GraspBoxes(data.clone())
    vertical.flip_((50, 100), 'vertical')  # y -> 50 - y, theta -> pi - theta
    torch.testing.assert_close(vertical.tensor, torch.tensor(
        [[10.0, 30.0, 8.0, 30.0, math.pi - 0.3], [40.0, 45.0, 30.0, 8.0, math.pi - 3.0]]))
    diagonal = GraspBoxes(data.clone())
    diagonal.flip_((50, 100), 'diagonal')  # a rotation by pi about the centre: theta stays
    torch.testing.assert_close(diagonal.tensor, torch.tensor(
        [[90.0, 30.0, 8.0, 30.0, 0.3], [60.0, 45.0, 30.0, 8.0, 3.0]]))
    parent = RotatedBoxes(data.clone())
    parent.flip_((50, 100), 'horizontal')
    assert parent.tensor[0, 4].item() == pytest.approx(-0.3)  # the parent leaves [0, pi)
    with pytest.raises(ValueError, match='direction must be one of'):
        grasp.flip_((50, 100), 'sideways')


def test_rotate_by_hand():
    """90 degrees clockwise on screen about (0, 0): (10, 0) -> (0, 10); about (5, 5):
    (10, 5) -> (5, 10); theta + pi/2 mod pi; the centres agree with RotatedBoxes'."""
    data = torch.tensor([[10.0, 0.0, 8.0, 2.0, 0.2], [10.0, 5.0, 6.0, 3.0, 2.0]])
    grasp = GraspBoxes(data.clone())
    grasp.rotate_((0.0, 0.0), 90)
    torch.testing.assert_close(grasp.tensor, torch.tensor(
        [[0.0, 10.0, 8.0, 2.0, 0.2 + math.pi / 2], [-5.0, 10.0, 6.0, 3.0, 2.0 - math.pi / 2]]),
        atol=1e-5, rtol=0)
    about = GraspBoxes(data[1:].clone())
    about.rotate_((5.0, 5.0), 90)
    assert about.tensor[0, :2].tolist() == pytest.approx([5.0, 10.0], abs=1e-5)
    parent = RotatedBoxes(data.clone())
    parent.rotate_((0.0, 0.0), 90)
    torch.testing.assert_close(grasp.tensor[:, :2], parent.tensor[:, :2], atol=1e-5, rtol=0)
    assert parent.tensor[1, 4].item() > math.pi  # the parent leaves [0, pi)


def test_clip_is_a_silent_no_op():
    grasp = GraspBoxes(torch.tensor([[-5.0, 200.0, 10.0, 40.0, 1.0]]))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        grasp.clip_((100, 100))
    assert grasp.tensor[0].tolist() == pytest.approx([-5.0, 200.0, 10.0, 40.0, 1.0])


def test_corners_round_trip_keeps_the_opening_edge():
    data = torch.tensor([[12.0, 7.0, 10.0, 3.0, 2.5]])
    corners = GraspBoxes.rbox2corner(data)
    torch.testing.assert_close(corners[0], grasps_to_corners(data)[0])
    # p0 -> p1 is the opening: length w, direction theta
    edge = corners[0, 1] - corners[0, 0]
    assert edge.norm().item() == pytest.approx(10.0, abs=1e-5)
    assert math.atan2(edge[1], edge[0]) % math.pi == pytest.approx(2.5, abs=1e-5)
    torch.testing.assert_close(GraspBoxes.corner2rbox(corners), data, atol=1e-5, rtol=0)
    batch = GRASPS.reshape(3, 1, 5)  # (..., 5) shapes
    assert GraspBoxes.rbox2corner(batch).shape == (3, 1, 4, 2)
    torch.testing.assert_close(GraspBoxes.corner2rbox(GraspBoxes.rbox2corner(batch)), batch,
                               atol=1e-4, rtol=0)


def test_is_inside_is_half_open_like_centres_inside():
    h, w = 50, 100
    centres = [(0.0, 0.0), (99.999, 49.999), (100.0, 10.0), (10.0, 50.0), (-1e-3, 10.0),
               (10.0, -1e-3), (100.5, 10.0)]
    grasps = torch.tensor([[x, y, 4.0, 2.0, 0.5] for x, y in centres])
    inside = GraspBoxes(grasps).is_inside((h, w))
    assert inside.tolist() == [True, True, False, False, False, False, False]
    np.testing.assert_array_equal(inside.numpy(), centres_inside(grasps.numpy(), h, w))
    rng = np.random.default_rng(0)
    many = np.zeros((500, 5), np.float32)
    many[:, 0] = rng.choice([-1.0, 0.0, 0.5, 99.5, 100.0, 101.0], 500)
    many[:, 1] = rng.choice([-1.0, 0.0, 25.0, 49.0, 50.0, 51.0], 500)
    many[:, 2:4] = 3.0
    np.testing.assert_array_equal(GraspBoxes(many).is_inside((h, w)).numpy(),
                                  centres_inside(many, h, w))
    # allowed_border: [-b, W + b)
    assert GraspBoxes(grasps).is_inside((h, w), allowed_border=1).tolist() == \
        [True, True, True, True, True, True, True]
    # the parent is inclusive at W
    assert RotatedBoxes(grasps).is_inside((h, w))[2].item()
    # all_inside: the four corners, half-open too; (5, 5, 10, 4, 0) spans x in [0, 10]
    edge = GraspBoxes(torch.tensor([[5.0, 5.0, 10.0, 4.0, 0.0]]))
    assert not edge.is_inside((10, 10), all_inside=True).item()  # a corner at x = W
    assert edge.is_inside((10, 11), all_inside=True).item()
    # the opening along y: x in [3, 7], y in [0.5, 10.5]
    turned = GraspBoxes(torch.tensor([[5.0, 5.5, 10.0, 4.0, math.pi / 2]]))
    assert turned.is_inside((11, 8), all_inside=True).item()
    assert not turned.is_inside((10, 8), all_inside=True).item()  # y reaches 10.5
    assert not turned.is_inside((11, 7), all_inside=True).item()  # x reaches 7 = W
    assert GraspBoxes(GRASPS.reshape(3, 1, 5)).is_inside((100, 100)).shape == (3, 1)


def test_mmdet_random_crop_drops_grasps_with_the_datasets_rule():
    init_default_scope('mmgrasp')
    np.random.seed(3)
    h, w = 60, 100
    data = torch.tensor([[30.0, 20.0, 12.0, 5.0, 0.7], [70.0, 40.0, 20.0, 6.0, 2.9],
                         [95.0, 55.0, 8.0, 4.0, 1.0]])
    results = dict(img=np.zeros((h, w, 3), np.uint8), img_shape=(h, w), ori_shape=(h, w),
                   gt_bboxes=GraspBoxes(data.clone()), gt_bboxes_labels=np.arange(3),
                   gt_ignore_flags=np.zeros(3, bool))
    out = TRANSFORMS.build(dict(type='mmdet.RandomCrop', crop_size=(60, 40),  # (w, h)
                                allow_negative_crop=True))(results)
    assert out['img_shape'] == (40, 60)
    moved = affine_grasps(data, out['homography_matrix'])
    keep = centres_inside(moved.numpy(), 40, 60)
    assert 0 < keep.sum() < 3  # the case drops a grasp and keeps one
    torch.testing.assert_close(out['gt_bboxes'].tensor, moved[keep].float())
    np.testing.assert_array_equal(out['gt_bboxes_labels'], np.arange(3)[keep])


# ---- geometry: inherited, right as it stands ---------------------------------------------------

def test_find_inside_points_uses_the_grasp_frame():
    """(10, 10, w=8, h=2, pi/2): the opening runs along y. (10, 13) is 3 px along the opening
    (inside, |3| < 4); (12, 10) is 2 px along the jaw (outside, |2| > 1), although an
    axis-aligned reading of w along x would take it."""
    grasp = GraspBoxes(torch.tensor([[10.0, 10.0, 8.0, 2.0, math.pi / 2],
                                     [0.0, 0.0, 8.0, 2.0, 0.0]]))
    points = torch.tensor([[10.0, 13.0], [12.0, 10.0], [3.0, 0.5]])
    assert grasp.find_inside_points(points).tolist() == [[True, False], [False, False],
                                                         [False, True]]
    assert grasp.find_inside_points(points[:2], is_aligned=True).tolist() == [True, False]


def test_translate_and_resize_by_hand():
    grasp = GraspBoxes(torch.tensor([[10.0, 20.0, 8.0, 4.0, 2.0]]))
    grasp.translate_((3.0, -5.0))
    assert grasp.tensor[0].tolist() == pytest.approx([13.0, 15.0, 8.0, 4.0, 2.0])
    grasp.resize_((0.5, 3.0))  # the opening times 0.5, the jaw times 3, whatever the angle
    assert grasp.tensor[0].tolist() == pytest.approx([13.0, 15.0, 4.0, 12.0, 2.0])


def test_properties_by_hand():
    grasp = GraspBoxes(torch.tensor([[10.0, 20.0, 8.0, 4.0, 2.0], [1.0, 2.0, 3.0, 5.0, 0.0]]))
    assert grasp.centers.tolist() == [[10.0, 20.0], [1.0, 2.0]]
    assert grasp.areas.tolist() == [32.0, 15.0]
    assert grasp.widths.tolist() == [8.0, 3.0]  # the openings
    assert grasp.heights.tolist() == [4.0, 5.0]  # the jaws
    assert GraspBoxes.box_dim == 5


# ---- mmdet's tensor-like members keep the type and the numbers ---------------------------------

@pytest.mark.parametrize('name, args, tensor_op', [
    ('clone', (), lambda t: t.clone()),
    ('cpu', (), lambda t: t.cpu()),
    ('detach', (), lambda t: t.detach()),
    ('to', (torch.float64, ), lambda t: t.to(torch.float64)),
    ('view', (3, 1, 5), lambda t: t.view(3, 1, 5)),
    ('reshape', (1, 3, 5), lambda t: t.reshape(1, 3, 5)),
    ('expand', (2, 3, 5), lambda t: t.expand(2, 3, 5)),
    ('repeat', (2, 1), lambda t: t.repeat(2, 1)),
    ('flatten', (), lambda t: t.flatten(0, -2)),
    ('squeeze', (), lambda t: t.squeeze()),
    ('unsqueeze', (0, ), lambda t: t.unsqueeze(0)),
    ('__getitem__', (torch.tensor([True, False, True]), ), lambda t: t[[0, 2]]),
    ('__getitem__', (1, ), lambda t: t[1:2]),
    ('empty_boxes', (), lambda t: t[:0]),
    ('fake_boxes', ((2, 5), 1.0), lambda t: torch.ones(2, 5)),
])
def test_tensor_like_members_keep_the_type(name, args, tensor_op):
    out = getattr(GraspBoxes(GRASPS), name)(*args)
    assert type(out) is GraspBoxes
    torch.testing.assert_close(out.tensor, tensor_op(GRASPS).to(out.dtype))


def test_tensor_like_members_rest():
    grasps = GraspBoxes(GRASPS)
    batch = grasps.reshape(1, 3, 5)
    assert type(batch.transpose(0, 1)) is GraspBoxes and batch.transpose(0, 1).shape == (3, 1, 5)
    assert type(batch.permute(1, 0, 2)) is GraspBoxes
    for parts in (grasps.split(2), grasps.chunk(2), batch.unbind(0)):
        assert all(type(p) is GraspBoxes for p in parts)
    torch.testing.assert_close(GraspBoxes.cat(grasps.split(2)).tensor, GRASPS)
    assert GraspBoxes.stack([grasps, grasps]).shape == (2, 3, 5)
    copy = grasps.clone()
    copy[0] = GraspBoxes(torch.zeros(1, 5))
    assert copy.tensor[0].tolist() == [0.0] * 5 and grasps.tensor[0, 0] == 50.0
    import copy as copy_module
    deep = copy_module.deepcopy(grasps)
    assert type(deep) is GraspBoxes and deep.tensor is not grasps.tensor
    assert len(grasps) == 3 and grasps.size() == (3, 5) and grasps.size(1) == 5
    assert grasps.dim() == 2 and grasps.numel() == 15 and grasps.shape == (3, 5)
    assert grasps.dtype == torch.float32 and grasps.device.type == 'cpu'
    np.testing.assert_array_equal(grasps.numpy(), GRASPS.numpy())
    assert repr(grasps).startswith('GraspBoxes(')
    assert grasps.new_tensor([1.0]).dtype == torch.float32
    assert grasps.new_zeros(2).tolist() == [0, 0] and grasps.new_ones(1).tolist() == [1]
    assert grasps.new_full((1, ), 7.0).tolist() == [7.0] and grasps.new_empty(4).shape == (4, )
    assert GraspBoxes(np.zeros((0, 5), np.float32)).shape == (0, 5)
    with pytest.raises(AssertionError):
        GraspBoxes(torch.zeros(3, 4))


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
def test_cuda_keeps_the_type_and_overlaps_run_there():
    grasps = GraspBoxes(GRASPS).cuda()
    assert type(grasps) is GraspBoxes and grasps.device.type == 'cuda'
    iou = GraspBoxes.overlaps(grasps, grasps)
    assert iou.device.type == 'cuda'
    torch.testing.assert_close(iou.cpu(), GraspBoxes.overlaps(GraspBoxes(GRASPS),
                                                              GraspBoxes(GRASPS)))
    assert grasps.is_inside((100, 100)).device.type == 'cuda'


# ---- mmdet's own transforms --------------------------------------------------------------------

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
