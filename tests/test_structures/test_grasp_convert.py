# Copyright (c) mmgrasp contributors. All rights reserved.
import math

import numpy as np
import pytest
import torch

from mmgrasp.structures import corners_to_grasps, grasp_to_hbox, grasps_to_corners, hbox_to_grasp
from mmgrasp.structures.grasp_convert import MIN_GRASP_SIZE, small_grasps


def random_grasps(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.stack([
        rng.uniform(0, 640, n), rng.uniform(0, 480, n), rng.uniform(2, 150, n),
        rng.uniform(2, 80, n), rng.uniform(0, math.pi, n)
    ], axis=1)


def test_corners_by_hand():
    # Opening 20 along +x, jaw 10 along +y, centre (100, 50): p0 -> p1 is the opening.
    corners = grasps_to_corners(np.array([[100., 50., 20., 10., 0.]]))
    expected = np.array([[[90, 45], [110, 45], [110, 55], [90, 55]]], dtype=float)
    np.testing.assert_allclose(corners, expected, atol=1e-12)
    # theta = 90 degrees: the opening points down the screen (+y).
    corners = grasps_to_corners(np.array([[0., 0., 20., 10., math.pi / 2]]))
    np.testing.assert_allclose(corners[0, 1] - corners[0, 0], [0, 20], atol=1e-12)


def test_cornell_rectangle_by_hand():
    # A Cornell-style rectangle: p0 -> p1 is the opening, 30 px long at 45 degrees clockwise.
    s = 30 / math.sqrt(2)
    p0 = np.array([10., 10.])
    p1 = p0 + [s, s]
    p2 = p1 + np.array([-1., 1.]) * (8 / math.sqrt(2))
    p3 = p0 + np.array([-1., 1.]) * (8 / math.sqrt(2))
    g = corners_to_grasps(np.stack([p0, p1, p2, p3])[None])
    centre = (p0 + p2) / 2
    np.testing.assert_allclose(g[0], [centre[0], centre[1], 30, 8, math.pi / 4], atol=1e-9)


def test_ocid_opening_edge_is_p1p2():
    # OCID: p0 -> p1 is the jaw (8 px along +y), p1 -> p2 the opening (30 px along +x).
    corners = np.array([[[0, 8], [0, 0], [30, 0], [30, 8]]], dtype=float)
    g = corners_to_grasps(corners, opening_edge='p1p2')
    np.testing.assert_allclose(g[0], [15, 4, 30, 8, 0], atol=1e-12)
    np.testing.assert_allclose(grasps_to_corners(g, opening_edge='p1p2'), corners, atol=1e-12)


@pytest.mark.parametrize('opening_edge', ['p0p1', 'p1p2'])
def test_round_trip_numpy_and_torch(opening_edge):
    grasps = random_grasps(1000)
    back = corners_to_grasps(grasps_to_corners(grasps, opening_edge), opening_edge)
    np.testing.assert_allclose(back, grasps, atol=1e-5)
    t = torch.from_numpy(grasps)
    back_t = corners_to_grasps(grasps_to_corners(t, opening_edge), opening_edge)
    assert isinstance(back_t, torch.Tensor)
    np.testing.assert_allclose(back_t.numpy(), grasps, atol=1e-5)


def test_angle_is_wrapped_mod_pi_without_edge_swap():
    # Reversing the opening edge (p1 -> p0) is the same grasp: theta mod pi, w and h unchanged.
    corners = grasps_to_corners(np.array([[50., 60., 40., 10., 0.3]]))
    flipped = corners[:, [2, 3, 0, 1]]  # the same rectangle turned by pi
    g = corners_to_grasps(flipped)
    np.testing.assert_allclose(g[0], [50, 60, 40, 10, 0.3], atol=1e-9)
    # A tall rectangle (w < h) keeps w as the opening: no edge swap.
    g = corners_to_grasps(grasps_to_corners(np.array([[0., 0., 5., 50., 1.0]])))
    np.testing.assert_allclose(g[0, 2:], [5, 50, 1.0], atol=1e-9)


def test_grasp_to_hbox_and_back():
    grasps = np.array([[100., 50., 20., 10., math.radians(95)]])
    hboxes, labels = grasp_to_hbox(grasps)
    np.testing.assert_allclose(hboxes, [[90, 45, 110, 55]])
    assert labels.tolist() == [9]
    back = hbox_to_grasp(hboxes, np.array([grasps[0, 4]]))
    np.testing.assert_allclose(back, grasps, atol=1e-12)


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match='shape'):
        corners_to_grasps(np.zeros((3, 5)))
    with pytest.raises(ValueError, match='opening_edge'):
        corners_to_grasps(np.zeros((1, 4, 2)), opening_edge='p2p3')


def test_small_grasps_rule():
    grasps = np.array([[5, 5, 0, 0, 0], [5, 5, 0, 20, 0], [5, 5, 20, 0.99, 0], [5, 5, 1, 1, 0],
                       [5, 5, 12, 8.2, 3], [np.nan, 5, 10, 10, 0], [5, 5, np.inf, 10, 0]])
    assert MIN_GRASP_SIZE == 1.0
    expected = [True, True, True, False, False, True, True]
    assert small_grasps(grasps).tolist() == expected
    out = small_grasps(torch.as_tensor(grasps, dtype=torch.float32))
    assert isinstance(out, torch.Tensor) and out.tolist() == expected
    assert small_grasps(grasps, min_size=10).tolist() == [True] * 5 + [True, True]
    assert small_grasps(np.zeros((0, 5))).shape == (0, )
    with pytest.raises(ValueError, match=r'\(N, 5\)'):
        small_grasps(np.zeros((3, 4)))
