# Copyright (c) mmgrasp contributors. All rights reserved.
"""The torch-free lifting to metres gives the numbers of mmgrasp.structures.grasps_to_camera_frame
(it is the same code, loaded without the torch half of mmgrasp.structures)."""
import math

import numpy as np
import pytest

from mmgrasp.runtime import grasp_lifting_np
from mmgrasp.structures import CameraIntrinsics, grasps_to_camera_frame

FIELDS = ('position', 'approach', 'closing', 'rotation', 'opening', 'jaw', 'depth')
CAMERA = dict(fx=500.0, fy=500.0, cx=320.0, cy=240.0, depth_scale=0.001, width=640, height=480)


def test_the_worked_case_half_a_metre_away():
    """A fronto-parallel plane at 500 mm, f = 500 px: a grasp centred 100 px right of the
    principal point is 0.1 m right; its 100 px opening is 0.1 m, its 20 px jaw 0.02 m."""
    k = grasp_lifting_np.CameraIntrinsics(**CAMERA)
    poses = grasp_lifting_np.grasps_to_camera_frame(
        np.array([[420.5, 240.5, 100, 20, 0.0]]), np.full((480, 640), 500, np.uint16), k)
    assert poses.valid.tolist() == [True]
    np.testing.assert_allclose(poses.position[0], [0.1, 0.0, 0.5], atol=1e-12)
    assert poses.opening[0] == pytest.approx(0.1) and poses.jaw[0] == pytest.approx(0.02)
    s = math.hypot(0.1, 0.5)
    np.testing.assert_allclose(poses.approach[0], [0.1 / s, 0, 0.5 / s], atol=1e-12)


@pytest.mark.parametrize('approach, plate_depth', [('ray', 'surface'), ('normal', 'measured')])
@pytest.mark.parametrize('dtype', [np.uint16, np.float32])
def test_random_grasps_on_a_tilted_plane_match_grasps_to_camera_frame(approach, plate_depth,
                                                                      dtype):
    rng = np.random.default_rng(0)
    u = np.arange(640, dtype=np.float64)[None, :].repeat(480, 0)
    z = 0.6 / (1.0 - 0.3 * (u - 320.0) / 500.0)  # the plane Z = 0.6 + 0.3 X, metres
    depth = (z * 1000).astype(np.uint16) if dtype == np.uint16 else z.astype(np.float32)
    depth[200:220, 300:340] = 0  # a hole
    grasps = np.stack([rng.uniform(-20, 660, 40), rng.uniform(0, 480, 40),
                       rng.uniform(5, 120, 40), rng.uniform(5, 40, 40),
                       rng.uniform(0, np.pi, 40)], axis=1)
    grasps[0, :2] = (320.5, 210.5)  # in the hole
    ours = grasp_lifting_np.grasps_to_camera_frame(
        grasps, depth, grasp_lifting_np.CameraIntrinsics(**CAMERA), approach=approach,
        plate_depth=plate_depth)
    theirs = grasps_to_camera_frame(grasps, depth, CameraIntrinsics(**CAMERA),
                                    approach=approach, plate_depth=plate_depth)
    assert ours.valid.tolist() == theirs.valid.tolist() and ours.reason == theirs.reason
    assert 10 < ours.valid.sum() < 40  # some valid, some outside the image or in the hole
    for name in FIELDS:
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=0,
                                   atol=1e-5, err_msg=name)


def test_the_intrinsics_read_the_same_files(tmp_path):
    path = tmp_path / 'cam.json'
    path.write_text('{"fx": 600, "fy": 601, "ppx": 320.5, "ppy": 240.5}')
    ours = grasp_lifting_np.CameraIntrinsics.from_json(str(path))
    assert ours.to_dict() == CameraIntrinsics.from_json(str(path)).to_dict()
    path.write_text('{"fx": true, "fy": 601, "cx": 1, "cy": 1}')
    with pytest.raises(ValueError, match='fx must be a finite number'):
        grasp_lifting_np.CameraIntrinsics.from_json(str(path))
