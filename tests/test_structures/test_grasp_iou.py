# Copyright (c) mmgrasp contributors. All rights reserved.
import math

import numpy as np
import pytest
import torch

from mmgrasp.structures import grasp_iou, grasp_iou_shapely


def hard_pairs(n: int = 1000, seed: int = 0):
    """1,000 pairs: random, thin, tiny, identical, disjoint, nested, turned copies, and
    collinear edges (same centre and angle with another jaw, shifts along an axis)."""
    rng = np.random.default_rng(seed)

    def rand(k, wlo=2, whi=150, hlo=2, hhi=80):
        return np.stack([rng.uniform(0, 640, k), rng.uniform(0, 480, k), rng.uniform(wlo, whi, k),
                         rng.uniform(hlo, hhi, k), rng.uniform(0, math.pi, k)], axis=1)

    k = n // 10
    a, b = [], []
    g = rand(k)  # overlapping neighbours
    a.append(g)
    b.append(g + np.c_[rng.normal(0, 10, (k, 2)), rng.normal(0, 5, (k, 2)), rng.normal(0, .3, k)])
    g = rand(k, 20, 150, 0.05, 1.0)  # thin
    a.append(g)
    b.append(g + np.c_[rng.normal(0, .3, (k, 2)), np.zeros((k, 2)), rng.normal(0, .05, k)])
    g = rand(k, 0.01, 1.0, 0.01, 1.0)  # tiny, far from the origin
    a.append(g)
    b.append(g + np.c_[rng.normal(0, .2, (k, 2)), np.zeros((k, 2)), rng.normal(0, .5, k)])
    g = rand(k)  # identical
    a.append(g)
    b.append(g.copy())
    g = rand(k)  # disjoint
    a.append(g)
    b.append(g + np.c_[np.full((k, 1), 400.0), np.zeros((k, 4))])
    g = rand(k)  # nested
    a.append(g)
    b.append(g * np.array([1, 1, .5, .5, 1]))
    g = rand(k)  # the same rectangle turned by pi, and by pi/2
    a.append(g)
    b.append(g + np.array([0, 0, 0, 0, math.pi]))
    g = rand(k)
    a.append(g)
    b.append(g + np.array([0, 0, 0, 0, math.pi / 2]))
    g = rand(k)  # same centre and angle, another jaw (Jacquard's repeated grasps)
    a.append(g)
    b.append(g * np.c_[np.ones((k, 3)), rng.uniform(0.3, 1.5, k), np.ones(k)])
    g = rand(n - 9 * k)  # shifted along the opening axis: two pairs of collinear edges
    d = rng.uniform(-1, 1, len(g)) * g[:, 2]
    a.append(g)
    b.append(g + np.c_[d * np.cos(g[:, 4]), d * np.sin(g[:, 4]), np.zeros((len(g), 3))])
    return np.concatenate(a), np.concatenate(b)


def test_grasp_iou_matches_shapely_on_1000_pairs():
    a, b = hard_pairs()
    ours = grasp_iou(a, b, aligned=True)
    ref = np.array([grasp_iou_shapely(x, y) for x, y in zip(a, b)])
    err = np.abs(ours - ref)
    assert err.max() < 1e-5, f'max |IoU - shapely| = {err.max():.3g} at pair {err.argmax()}'
    # The categories were not all trivial.
    assert (ref == 0).sum() >= 100 and (ref > 0.999).sum() >= 200
    assert ((ref > 0.05) & (ref < 0.95)).sum() > 300


def test_mmcv_backend_agrees_in_general_position():
    """mmcv's kernel agrees in general position and fails on collinear edges, which grasp
    data is full of: why 'exact' is the default."""
    rng = np.random.default_rng(1)
    n = 300
    a = np.stack([rng.uniform(0, 100, n), rng.uniform(0, 100, n), rng.uniform(10, 60, n),
                  rng.uniform(5, 30, n), rng.uniform(0, math.pi, n)], axis=1)
    b = a + np.c_[rng.normal(0, 10, (n, 2)), rng.normal(0, 3, (n, 2)), rng.uniform(0.2, 1.3, n)]
    b[:, 2:4] = np.abs(b[:, 2:4]) + 1
    ref = np.array([grasp_iou_shapely(x, y) for x, y in zip(a, b)])
    np.testing.assert_allclose(grasp_iou(a, b, aligned=True, backend='mmcv'), ref, atol=1e-4)
    np.testing.assert_allclose(grasp_iou(a, b, aligned=True), ref, atol=1e-9)
    # Same centre and angle, another opening: IoU is the ratio of the openings.
    g1 = np.array([[211.0283, 378.4458, 46.8728, 37.3728, 0.4211044]])
    g2 = np.array([[211.0283, 378.4458, 42.3315, 37.3728, 0.4211044]])
    assert abs(grasp_iou(g1, g2)[0, 0] - 42.3315 / 46.8728) < 1e-9
    with pytest.raises(ValueError, match='backend'):
        grasp_iou(g1, g2, backend='shapely')


def test_grasp_iou_pairwise_matrix_and_clockwise():
    a = np.array([[0., 0., 40., 10., 0.], [100., 100., 10., 10., 0.]])
    b = np.array([[0., 0., 40., 10., math.pi / 2], [0., 0., 40., 10., 0.], [0, 0, 0., 5., 0.]])
    m = grasp_iou(a, b)
    assert m.shape == (2, 3)
    # Cross of two 40x10 bars: intersection 10x10 = 100, union 400 + 400 - 100.
    np.testing.assert_allclose(m[0], [100 / 700, 1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(m[1], [0, 0, 0], atol=1e-7)
    # Clockwise convention: a bar at +45 degrees runs down-right on screen, so it overlaps a bar
    # placed along the down-right diagonal much more than one on the up-right diagonal.
    bar = np.array([[0., 0., 100., 4., math.pi / 4]])
    down_right = np.array([[30., 30., 20., 4., math.pi / 4]])
    up_right = np.array([[30., -30., 20., 4., math.pi / 4]])
    assert grasp_iou(bar, down_right)[0, 0] > 0.1
    assert grasp_iou(bar, up_right)[0, 0] == 0
    for x, y in [(bar, down_right), (bar, up_right)]:
        np.testing.assert_allclose(grasp_iou(x, y)[0, 0], grasp_iou_shapely(x[0], y[0]), atol=1e-6)


def test_grasp_iou_torch_and_empty():
    a = torch.tensor([[10., 10., 20., 5., 0.3]])
    out = grasp_iou(a, a)
    assert isinstance(out, torch.Tensor) and out.shape == (1, 1)
    assert abs(out.item() - 1) < 1e-6
    assert grasp_iou(a, torch.zeros(0, 5)).shape == (1, 0)
    assert grasp_iou(np.zeros((0, 5)), np.zeros((3, 5))).shape == (0, 3)


def test_grasp_iou_iof_mode():
    """``mode='iof'``: the intersection over the first rectangle's area (shapely reference);
    a rectangle inside another has IoF 1 against it, and 0 for a rectangle without area."""
    from shapely.geometry import Polygon

    from mmgrasp.structures import grasps_to_corners
    rng = np.random.default_rng(5)
    a = np.stack([rng.uniform(0, 20, 40), rng.uniform(0, 20, 40), rng.uniform(2, 15, 40),
                  rng.uniform(2, 15, 40), rng.uniform(0, math.pi, 40)], axis=1)
    b = a[::-1].copy()
    b[:10, :2] += 1.0
    iof = grasp_iou(a, b, aligned=True, mode='iof')
    for i in range(40):
        p1, p2 = (Polygon(c) for c in grasps_to_corners(np.stack([a[i], b[i]])))
        assert iof[i] == pytest.approx(p1.intersection(p2).area / p1.area, abs=1e-9)
    inner = np.array([[5.0, 5.0, 2.0, 2.0, 0.3]])
    outer = np.array([[5.0, 5.0, 10.0, 10.0, 1.0]])
    assert grasp_iou(inner, outer, mode='iof')[0, 0] == pytest.approx(1.0, abs=1e-9)
    assert grasp_iou(outer, inner, mode='iof')[0, 0] == pytest.approx(0.04, abs=1e-9)
    assert grasp_iou(np.array([[5.0, 5.0, 0.0, 2.0, 0.0]]), outer, mode='iof')[0, 0] == 0
    with pytest.raises(ValueError, match='mode'):
        grasp_iou(inner, outer, mode='giou')
