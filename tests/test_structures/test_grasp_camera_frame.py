# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasps in metres in the camera frame, against pinhole cases worked out by hand."""
import json
import math

import numpy as np
import pytest

from mmgrasp.structures import CameraIntrinsics, grasps_to_camera_frame
from mmgrasp.structures.grasp_camera_frame import NO_DEPTH, implausible_grasp_reason

# fx = fy = 500 px, principal point (320, 240) in OpenCV pixels; integer depth in millimetres,
# float depth in metres
K = CameraIntrinsics(fx=500., fy=500., cx=320., cy=240., depth_scale=0.001, width=640,
                     height=480)


def _plane_depth_m(slope_x=0.0, z0=0.5):
    """Depth (metres, float) of the plane Z = z0 + slope_x * X at every OpenCV pixel centre.

    On the ray through (u, v): X = (u - cx) Z / fx, so Z = z0 / (1 - slope_x (u - cx) / fx).
    """
    u = np.arange(640, dtype=np.float64)[None, :].repeat(480, 0)
    return z0 / (1.0 - slope_x * (u - K.cx) / K.fx)


def _assert_frame(rot):
    np.testing.assert_allclose(rot.T @ rot, np.eye(3), atol=1e-9)
    assert np.linalg.det(rot) == pytest.approx(1.0)


def test_fronto_parallel_plane_at_half_a_metre():
    depth = np.full((480, 640), 500, dtype=np.uint16)
    # centre at OpenCV pixel (420, 240) -> mmgrasp (420.5, 240.5); opening 100 px, jaw 20 px
    grasps = np.array([[420.5, 240.5, 100, 20, 0.0]])
    poses = grasps_to_camera_frame(grasps, depth, K)
    assert poses.valid.tolist() == [True]
    # X = (420 - 320) * 0.5 / 500 = 0.1 m, Y = 0, Z = 0.5
    np.testing.assert_allclose(poses.position[0], [0.1, 0.0, 0.5], atol=1e-12)
    # 100 px at 0.5 m and f = 500 px: 0.1 m; 20 px: 0.02 m
    assert poses.opening[0] == pytest.approx(0.1, abs=1e-12)
    assert poses.jaw[0] == pytest.approx(0.02, abs=1e-12)
    assert poses.depth[0] == pytest.approx(0.5)
    # approach along the viewing ray (0.1, 0, 0.5) / |.|; the closing axis is +x made
    # perpendicular to it: (0.5, 0, -0.1) / |.|
    s = math.hypot(0.1, 0.5)
    np.testing.assert_allclose(poses.approach[0], [0.1 / s, 0, 0.5 / s], atol=1e-12)
    np.testing.assert_allclose(poses.closing[0], [0.5 / s, 0, -0.1 / s], atol=1e-12)
    _assert_frame(poses.rotation[0])
    # with the surface normal the approach is the optical axis and the closing axis is +x
    normal = grasps_to_camera_frame(grasps, depth, K, approach='normal')
    np.testing.assert_allclose(normal.approach[0], [0, 0, 1], atol=1e-9)
    np.testing.assert_allclose(normal.closing[0], [1, 0, 0], atol=1e-9)
    np.testing.assert_allclose(normal.rotation[0], np.eye(3), atol=1e-9)


def test_a_grasp_turned_by_90_degrees_closes_along_y():
    depth = np.full((480, 640), 500, dtype=np.uint16)
    poses = grasps_to_camera_frame(np.array([[320.5, 240.5, 50, 10, math.pi / 2]]), depth, K,
                                   approach='normal')
    # theta = 90 degrees is +y on screen (clockwise from +x), which is the camera's +y
    np.testing.assert_allclose(np.abs(poses.closing[0]), [0, 1, 0], atol=1e-9)
    assert poses.opening[0] == pytest.approx(0.05)
    assert poses.jaw[0] == pytest.approx(0.01)


@pytest.mark.parametrize('plate_depth', ['surface', 'measured'])
def test_tilted_plane(plate_depth):
    """Z = 0.5 + 0.5 X: the plates are where their rays meet the plane."""
    depth = _plane_depth_m(slope_x=0.5)
    grasps = np.array([[320.5, 240.5, 100, 20, 0.0]])
    poses = grasps_to_camera_frame(grasps, depth, K, approach='normal', plate_depth=plate_depth)
    assert poses.valid[0]
    np.testing.assert_allclose(poses.position[0], [0, 0, 0.5], atol=1e-9)
    # plates at OpenCV u = 270 and 370: Z = 0.5 / (1 -+ 0.5 * 50 / 500), X = +-50 Z / 500
    z_minus, z_plus = 0.5 / (1 + 0.05), 0.5 / (1 - 0.05)
    p_minus = np.array([-50 * z_minus / 500, 0, z_minus])
    p_plus = np.array([50 * z_plus / 500, 0, z_plus])
    assert poses.opening[0] == pytest.approx(np.linalg.norm(p_plus - p_minus), abs=1e-6)
    # jaw ends at v = 230 and 250 on u = 320: X = 0, Z = 0.5, Y = -+10 * 0.5 / 500
    assert poses.jaw[0] == pytest.approx(0.02, abs=1e-6)
    # the normal of Z - 0.5 X = 0.5 is (-0.5, 0, 1) / |.|, pointing away from the camera
    np.testing.assert_allclose(poses.approach[0], np.array([-0.5, 0, 1]) / math.hypot(0.5, 1),
                               atol=1e-6)
    # the closing axis runs down the slope: (1, 0, 0.5) / |.|
    np.testing.assert_allclose(poses.closing[0], np.array([1, 0, 0.5]) / math.hypot(1, 0.5),
                               atol=1e-6)
    _assert_frame(poses.rotation[0])


def test_holes_are_skipped_and_an_empty_window_is_invalid():
    depth = _plane_depth_m(slope_x=0.5)
    depth[238:243, 318:323] = 0  # a 5x5 hole on the centre: the plane fit still finds it
    depth[235, 315] = np.nan
    grasps = np.array([[320.5, 240.5, 100, 20, 0.0], [100.5, 100.5, 40, 10, 0.3]])
    depth[96:105, 96:105] = 0  # the whole 9x9 window of the second grasp
    poses = grasps_to_camera_frame(grasps, depth, K, approach='normal')
    assert poses.valid.tolist() == [True, False]
    np.testing.assert_allclose(poses.position[0], [0, 0, 0.5], atol=1e-9)
    assert np.isnan(poses.position[1]).all() and np.isnan(poses.opening[1])
    records = poses.to_records()
    assert records[1] == dict(valid=False, reason='no depth at the grasp', position_m=None,
                              approach=None, closing=None, rotation=None, opening_m=None,
                              jaw_m=None, depth_m=None)
    assert poses.reason == ['', NO_DEPTH]
    assert records[0]['valid'] and len(records[0]['rotation']) == 3
    assert records[0]['reason'] is None
    json.dumps(records)  # JSON-ready


def test_a_window_across_a_depth_edge_uses_the_median_plane():
    """Half the window on a box top (0.4 m), half on the table (0.5 m): no plane fits, so the
    surface is fronto-parallel at the median depth, and the plates use it, not the table."""
    depth = np.full((480, 640), 0.5)
    depth[:241, :] = 0.4  # rows 0-240 are the box top: 5 of the 9 window rows
    poses = grasps_to_camera_frame(np.array([[320.5, 240.5, 100, 20, 0.0]]), depth, K)
    assert poses.depth[0] == pytest.approx(0.4)
    np.testing.assert_allclose(poses.position[0], [0, 0, 0.4], atol=1e-12)
    assert poses.opening[0] == pytest.approx(100 * 0.4 / 500)


def test_intrinsics_from_json_realsense_and_k(tmp_path):
    path = tmp_path / 'intrinsics.json'
    path.write_text(json.dumps(dict(fx=615.2, fy=615.4, ppx=321.0, ppy=239.5, width=640,
                                    height=480, depth_scale=0.00025, model='brown_conrady')))
    k = CameraIntrinsics.from_json(str(path))
    assert (k.fx, k.fy, k.cx, k.cy) == (615.2, 615.4, 321.0, 239.5)
    assert (k.depth_scale, k.width, k.height) == (0.00025, 640, 480)
    assert CameraIntrinsics.from_dict(k.to_dict()) == k

    class RsIntrinsics:  # the fields of pyrealsense2.intrinsics
        fx, fy, ppx, ppy, width, height = 600.0, 601.0, 318.0, 242.0, 640, 480

    assert CameraIntrinsics.from_realsense(RsIntrinsics(), 0.001).cy == 242.0
    ros = CameraIntrinsics.from_dict(dict(K=[500, 0, 320, 0, 501, 240, 0, 0, 1]))
    assert (ros.fx, ros.fy, ros.cx, ros.cy) == (500, 501, 320, 240)


def test_bad_intrinsics_and_depth_name_the_problem(tmp_path):
    path = tmp_path / 'cam.json'
    path.write_text('{"fx": 500, "fy": 500, "cx": 320}')
    with pytest.raises(ValueError, match=r'cam\.json: missing "cy"'):
        CameraIntrinsics.from_json(str(path))
    path.write_text('{"fx": 500,\n "fy": }')
    with pytest.raises(ValueError, match=r'cam\.json: not valid JSON \(line 2'):
        CameraIntrinsics.from_json(str(path))
    with pytest.raises(ValueError, match='fx must be a focal length of at least 1 pixel'):
        CameraIntrinsics(fx=0, fy=1, cx=0, cy=0)
    with pytest.raises(ValueError, match='intrinsics are for 640x480 images, the depth image '
                       'is 320x240'):
        grasps_to_camera_frame(np.zeros((1, 5)), np.ones((240, 320)), K)
    with pytest.raises(ValueError, match='window'):
        grasps_to_camera_frame(np.zeros((1, 5)), np.ones((480, 640)), K, window=4)


def test_grasps_that_cannot_be_lifted_are_invalid_not_errors():
    depth = np.full((480, 640), 500, dtype=np.uint16)
    grasps = np.array([[float('nan'), 100, 40, 10, 0], [700.0, 100, 40, 10, 0],
                       [-3.0, 100, 40, 10, 0], [100.5, 100.5, 40, 10, float('inf')],
                       [100.5, 100.5, 40, 10, 0.0]])
    poses = grasps_to_camera_frame(grasps, depth, K)
    assert poses.valid.tolist() == [False, False, False, False, True]
    # only one of width / height given: the other is not checked
    one = CameraIntrinsics(fx=500., fy=500., cx=320., cy=240., width=640)
    assert grasps_to_camera_frame(grasps[4:], depth, one).valid.all()


def test_a_sparse_window_is_not_fitted_with_a_plane():
    """Three valid depths (quantised to mm) would tilt a plane arbitrarily: the median's
    fronto-parallel plane is used instead."""
    depth = np.zeros((480, 640), np.uint16)
    depth[240, 320], depth[236, 317], depth[243, 323] = 500, 503, 498
    poses = grasps_to_camera_frame(np.array([[320.5, 240.5, 100, 20, 0.0]]), depth, K,
                                   approach='normal')
    np.testing.assert_allclose(poses.approach[0], [0, 0, 1])
    assert poses.position[0][2] == pytest.approx(0.5)


def test_a_float_depth_is_metres_whatever_the_intrinsics_say():
    """A float depth image of 0.5 m with K's depth_scale 0.001 (as a RealSense intrinsics file
    has it) is 0.5 m, not 0.5 mm; uint16 500 is 500 mm; an L515's 2000 units of 0.25 mm are
    0.5 m. The grasp centre (cx + 0.5, cy + 0.5) is the principal point: (0, 0, 0.5)."""
    grasps = np.array([[320.5, 240.5, 100, 20, 0.0]])
    l515 = CameraIntrinsics(fx=500., fy=500., cx=320., cy=240., depth_scale=0.00025)
    for depth, k in ((np.full((480, 640), 0.5, np.float32), K),
                     (np.full((480, 640), 500, np.uint16), K),
                     (np.full((480, 640), 2000, np.uint16), l515)):
        poses = grasps_to_camera_frame(grasps, depth, k)
        np.testing.assert_allclose(poses.position[0], [0, 0, 0.5], atol=1e-6)
        # 100 px and 20 px at 0.5 m with f = 500 px: 0.1 m and 0.02 m
        assert poses.opening[0] == pytest.approx(0.1, abs=1e-6)
        assert poses.jaw[0] == pytest.approx(0.02, abs=1e-6)
        assert poses.valid.tolist() == [True] and poses.reason == ['']


def test_an_eight_bit_depth_is_refused():
    with pytest.raises(ValueError, match=r'an 8-bit \(uint8\) image is not a depth image'):
        grasps_to_camera_frame(np.zeros((1, 5)), np.full((480, 640), 50, np.uint8), K)


def test_implausible_grasps_are_invalid_with_a_reason():
    """Millimetres read as metres (depth_scale 1): the grasp is 500 m away, 100 m wide, its
    jaw 20 m long; in metres, 25000 px at 0.5 m is a 25 m opening and 600 px a 0.6 m jaw."""
    mm_as_m = CameraIntrinsics(fx=500., fy=500., cx=320., cy=240., depth_scale=1.0)
    poses = grasps_to_camera_frame(np.array([[320.5, 240.5, 100, 20, 0.0]]),
                                   np.full((480, 640), 500, np.uint16), mm_as_m)
    assert poses.valid.tolist() == [False]
    assert poses.reason == ['depth 500 m outside the plausible 0.1-10 m (depth in the wrong '
                            'unit?); opening 100 m outside the plausible (0, 0.5] m; jaw 20 m '
                            'over the plausible 0.5 m']
    assert np.isnan(poses.position).all() and np.isnan(poses.opening).all()
    record = poses.to_records()[0]
    assert record['valid'] is False and record['reason'] == poses.reason[0]
    assert record['position_m'] is None and record['opening_m'] is None

    depth = np.full((480, 640), 0.5)
    grasps = np.array([[320.5, 240.5, 25000, 20, 0.0],   # opening 25 m
                       [320.5, 240.5, 100, 600, 0.0],    # jaw 0.6 m
                       [320.5, 240.5, 0, 20, 0.0],       # no opening
                       [320.5, 240.5, 400, 400, 0.0]])   # 0.4 m x 0.4 m: plausible
    poses = grasps_to_camera_frame(grasps, depth, K)
    assert poses.valid.tolist() == [False, False, False, True]
    assert poses.reason == ['opening 25 m outside the plausible (0, 0.5] m',
                            'jaw 0.6 m over the plausible 0.5 m',
                            'opening 0 m: the plates coincide', '']
    assert poses.opening[3] == pytest.approx(0.4, abs=1e-9)
    # too near: 5 cm
    near = grasps_to_camera_frame(grasps[3:], np.full((480, 640), 0.05), K)
    assert near.reason == ['depth 0.05 m outside the plausible 0.1-10 m (depth in the wrong '
                           'unit?)']
    assert implausible_grasp_reason(10.0, 0.5, 0.5) == ''  # the ranges are closed
    assert implausible_grasp_reason(10.5, float('nan'), 0.1).startswith('depth 10.5 m')


def test_the_reasons_of_grasps_that_cannot_be_lifted():
    depth = np.full((480, 640), 500, dtype=np.uint16)
    depth[96:105, 96:105] = 0
    grasps = np.array([[float('nan'), 100, 40, 10, 0], [700.0, 100, 40, 10, 0],
                       [100.5, 100.5, 40, 10, 0.0]])
    poses = grasps_to_camera_frame(grasps, depth, K)
    assert poses.reason == ['the grasp is not finite', 'the centre lies outside the image',
                            'no depth at the grasp']


@pytest.mark.parametrize('fields, message', [
    (dict(fx=True), r'cam\.json: fx must be a finite number, got True \(bool\)'),
    (dict(fy='500'), r'cam\.json: fy must be a finite number, got \'500\' \(str\)'),
    (dict(fx=1e-9), r'cam\.json: fx must be a focal length of at least 1 pixel, got 1e-09'),
    (dict(cx=-5000.0), r'cam\.json: cx = -5000 lies outside the image \(width 640 px\)'),
    (dict(cy=480), r'cam\.json: cy = 480 lies outside the image \(height 480 px\)'),
    (dict(cy=float('nan')), r'cam\.json: cy must be a finite number, got nan'),
    (dict(width=True), r'cam\.json: width must be a finite number, got True'),
    (dict(width=640.5), r'cam\.json: width must be a positive whole number of pixels'),
    (dict(depth_scale='0.001'), r'cam\.json: depth_scale must be a finite number'),
    (dict(depth_scale=0), r'cam\.json: depth_scale must be a positive number'),
])
def test_intrinsics_must_be_numbers_in_range(tmp_path, fields, message):
    path = tmp_path / 'cam.json'
    good = dict(fx=500.0, fy=500.0, cx=320.0, cy=240.0, width=640, height=480)
    path.write_text(json.dumps(dict(good, **fields)))  # NaN is written as JSON's NaN
    with pytest.raises(ValueError, match=message):
        CameraIntrinsics.from_json(str(path))


def test_intrinsics_k_and_direct_construction_are_checked(tmp_path):
    path = tmp_path / 'ros.json'
    path.write_text(json.dumps(dict(K=[500, 0, 320, 0, True, 240, 0, 0, 1])))
    with pytest.raises(ValueError, match=r'ros\.json: K\[4\] must be a finite number, got True'):
        CameraIntrinsics.from_json(str(path))
    path.write_text(json.dumps(dict(K=[[500, 0, 320], [0, 500, 240], [0, 0, 1]])))
    assert CameraIntrinsics.from_json(str(path)).fy == 500.0  # nested rows are fine
    with pytest.raises(ValueError, match='fx must be a finite number, got True'):
        CameraIntrinsics(fx=True, fy=500., cx=320., cy=240.)
    with pytest.raises(ValueError, match='cx must be a finite number'):
        CameraIntrinsics(fx=500., fy=500., cx='320', cy=240.)
    assert CameraIntrinsics(fx=np.float32(500), fy=500, cx=np.int64(320), cy=240.).cx == 320


def test_the_principal_point_is_checked_against_the_image():
    """Without width / height in the file, the principal point is checked when the image's
    size is known (the demo does it with the RGB image)."""
    k = CameraIntrinsics(fx=500., fy=500., cx=-5000., cy=240.)
    with pytest.raises(ValueError, match=r'^cam\.json: cx = -5000 lies outside frame\.png '
                       r'\(width 640 px\)'):
        k.check_image_size(640, 480, source='cam.json', image='frame.png')
    with pytest.raises(ValueError, match=r'^cx = -5000 lies outside the depth image'):
        grasps_to_camera_frame(np.zeros((1, 5)), np.full((480, 640), 500, np.uint16), k)
    K.check_image_size(640, 480)  # inside: no error
    with pytest.raises(ValueError, match=r'^cam\.json: the intrinsics are for 640x480 images, '
                       r'frame\.png is 320x240'):
        K.check_image_size(320, 240, source='cam.json', image='frame.png')
