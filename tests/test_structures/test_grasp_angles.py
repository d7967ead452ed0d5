# Copyright (c) mmgrasp contributors. All rights reserved.
import math

import numpy as np
import torch

from mmgrasp.structures import angle_diff, angle_to_bin, bin_to_angle, wrap_angle, wrap_angle_half


def test_wrap_angle():
    x = np.array([0, math.pi, -1e-12, 3 * math.pi / 2, -math.pi / 4, 7.0])
    out = wrap_angle(x)
    np.testing.assert_allclose(
        out, [0, 0, math.pi - 1e-12, math.pi / 2, 3 * math.pi / 4, 7.0 - 2 * math.pi], atol=1e-9)
    assert np.all(out >= 0) and np.all(out < math.pi)
    t = wrap_angle(torch.tensor([-1e-7, math.pi], dtype=torch.float32))
    assert torch.all(t < math.pi) and torch.all(t >= 0)


def test_wrap_angle_half():
    x = np.radians([-100, -90, 0, 89, 90, 179])
    np.testing.assert_allclose(np.degrees(wrap_angle_half(x)), [80, -90, 0, 89, -90, -1],
                               atol=1e-9)


def test_angle_diff_by_hand():
    deg = np.radians
    np.testing.assert_allclose(np.degrees(angle_diff(deg(179), deg(1))), 2, atol=1e-9)
    np.testing.assert_allclose(np.degrees(angle_diff(deg(0), deg(90))), 90, atol=1e-9)
    np.testing.assert_allclose(np.degrees(angle_diff(deg(10), deg(200))), 10, atol=1e-9)
    np.testing.assert_allclose(np.degrees(angle_diff(deg(29), deg(0))), 29, atol=1e-9)


def test_bins():
    assert angle_to_bin(np.array([0.0])).tolist() == [0]
    assert angle_to_bin(np.array([math.pi / 18])).tolist() == [1]
    assert angle_to_bin(torch.tensor([math.pi / 18])).tolist() == [1]
    assert angle_to_bin(np.radians([179.9])).tolist() == [17]
    assert angle_to_bin(np.radians([180.0, -5.0])).tolist() == [0, 17]
    np.testing.assert_allclose(bin_to_angle(np.arange(18)), (np.arange(18) + 0.5) * math.pi / 18)
    # Decoding the bin of the decoded angle is the identity (no 5 degree offset).
    bins = torch.arange(18)
    assert torch.equal(angle_to_bin(bin_to_angle(bins)), bins)
