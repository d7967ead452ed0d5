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


def test_local_mean_angles_by_hand():
    """Worked by hand with 18 bins of 10 degrees: equal neighbours keep the centre, a neighbour
    as likely as the bin moves it half a bin, bins 17 and 0 are neighbours across pi."""
    from mmgrasp.structures import local_mean_angles
    probs = torch.zeros(4, 18, dtype=torch.float64)
    probs[0, 4] = 1.0  # alone: bin 4's centre, 45 deg
    probs[1, 4], probs[1, 3], probs[1, 5] = 0.5, 0.25, 0.25  # equal neighbours: 45 deg
    probs[2, 4], probs[2, 5] = 0.5, 0.5  # the edge between bins 4 and 5: 50 deg
    probs[3, 17], probs[3, 0] = 0.5, 0.5  # the edge between bins 17 and 0: 180 = 0 deg
    angles = torch.rad2deg(local_mean_angles(probs))
    expected = torch.tensor([45., 45., 50., 45.], dtype=torch.float64)
    torch.testing.assert_close(angles[:, 4], expected)
    assert abs(angles[3, 17].item()) < 1e-9  # 175 + 5 wraps to 0
    torch.testing.assert_close(angles[3, 0], torch.tensor(0., dtype=torch.float64))  # 5 - 5
    # bin 0 with all its weight on bin 17: one bin back, 5 - 10 = -5 -> 175 deg
    one_side = torch.zeros(1, 18, dtype=torch.float64)
    one_side[0, 17] = 1.0
    assert abs(torch.rad2deg(local_mean_angles(one_side))[0, 0].item() - 175.0) < 1e-9
    # all zero (no division by zero): the centres
    zero = torch.rad2deg(local_mean_angles(torch.zeros(1, 18)))
    torch.testing.assert_close(zero[0], torch.arange(18.) * 10 + 5)
    # every shift is less than one bin
    rand = torch.rand(50, 18).softmax(dim=1)
    centres = bin_to_angle(torch.arange(18))
    assert (angle_diff(local_mean_angles(rand), centres[None]) < math.pi / 18).all()


def test_neighbourhood_scores_by_hand():
    """s_k = p_{k-1} + p_k + p_{k+1}, circular: bins 17 and 0 are neighbours."""
    from mmgrasp.structures import neighbourhood_scores
    probs = torch.zeros(2, 18, dtype=torch.float64)
    probs[0, 4], probs[0, 5] = 0.5, 0.3  # split over two bins
    probs[1, 17], probs[1, 0], probs[1, 1] = 0.2, 0.3, 0.1  # across pi
    scores = neighbourhood_scores(probs)
    expected0 = torch.zeros(18, dtype=torch.float64)
    expected0[3], expected0[4], expected0[5], expected0[6] = 0.5, 0.8, 0.8, 0.3
    torch.testing.assert_close(scores[0], expected0)
    assert abs(scores[1, 0].item() - 0.6) < 1e-12  # 0.2 + 0.3 + 0.1
    assert abs(scores[1, 17].item() - 0.5) < 1e-12  # p16 + p17 + p0 = 0 + 0.2 + 0.3
    assert abs(scores[1, 16].item() - 0.2) < 1e-12 and abs(scores[1, 1].item() - 0.4) < 1e-12
    rand = torch.rand(20, 18).softmax(dim=1)  # every score is in [0, 1], 3 bins' worth in all
    assert (neighbourhood_scores(rand) <= 1 + 1e-6).all()
    torch.testing.assert_close(neighbourhood_scores(rand).sum(1), 3 * rand.sum(1))
