# Copyright (c) mmgrasp contributors. All rights reserved.
"""The torch-free drawing equals mmgrasp's own: the corners of grasps_to_corners, the pixels of
draw_grasps and overlay_sem_seg."""
import numpy as np
import pytest
import torch

from mmgrasp.runtime.grasp_drawing_np import (draw_grasps_np, draw_text_np, grasp_corners_np,
                                              overlay_sem_seg_np, sem_palette_bgr)
from mmgrasp.structures import grasps_to_corners
from mmgrasp.visualization import default_sem_palette, draw_grasps, overlay_sem_seg


def _random_grasps(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return np.stack([rng.uniform(0, 640, n), rng.uniform(0, 480, n), rng.uniform(1, 150, n),
                     rng.uniform(1, 60, n), rng.uniform(0, np.pi, n)], axis=1)


@pytest.mark.parametrize('opening_edge', ['p0p1', 'p1p2'])
def test_corners_equal_grasps_to_corners(opening_edge):
    grasps = _random_grasps()
    ours = grasp_corners_np(grasps, opening_edge)
    assert ours.shape == (200, 4, 2) and ours.dtype == np.float64
    theirs = grasps_to_corners(torch.from_numpy(grasps), opening_edge).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)
    as_float32 = grasp_corners_np(grasps.astype(np.float32), opening_edge)
    assert as_float32.dtype == np.float32
    np.testing.assert_allclose(as_float32, theirs, rtol=0, atol=1e-3)


def test_corners_worked_case():
    """theta = 90 deg: the opening (w = 40) runs along +y, the jaw (h = 10) along -x."""
    corners = grasp_corners_np(np.array([[100.0, 50.0, 40.0, 10.0, np.pi / 2]]))
    np.testing.assert_allclose(corners[0], [[105, 30], [105, 70], [95, 70], [95, 30]], atol=1e-9)
    with pytest.raises(ValueError, match=r'shape \(K, 5\)'):
        grasp_corners_np(np.zeros((3, 4)))
    with pytest.raises(ValueError, match='opening_edge'):
        grasp_corners_np(np.zeros((1, 5)), 'p2p3')


def test_the_drawing_is_pixel_for_pixel_mmgrasps():
    grasps = _random_grasps(60, seed=1)
    for thickness in (1, 2):
        ours = draw_grasps_np(np.zeros((480, 640, 3), np.uint8), grasps, thickness)
        theirs = draw_grasps(np.zeros((480, 640, 3), np.uint8), grasps, thickness, 'bgr')
        np.testing.assert_array_equal(ours, theirs)
    red = (ours[..., 2] > 150) & (ours[..., 0] < 80)
    blue = (ours[..., 0] > 150) & (ours[..., 2] < 80)
    assert red.sum() > 1000 and blue.sum() > 500
    img = np.zeros((8, 8, 3), np.uint8)
    assert draw_grasps_np(img, np.zeros((0, 5))) is img and img.sum() == 0
    draw_grasps_np(img, np.array([[np.nan, 4, 4, 4, 0]]))  # not finite: not drawn
    assert img.sum() == 0


def test_the_semantic_overlay_is_mmgrasps():
    rng = np.random.default_rng(2)
    img = rng.integers(0, 255, (30, 40, 3), dtype=np.uint8)
    seg = rng.integers(0, 6, (30, 40)).astype(np.uint8)
    np.testing.assert_array_equal(overlay_sem_seg_np(img, seg),
                                  overlay_sem_seg(img, seg, None, channel_order='bgr'))
    palette = [(0, 0, 0), (200, 10, 30), (5, 250, 60)]
    np.testing.assert_array_equal(overlay_sem_seg_np(img, seg, 0.3, palette),
                                  overlay_sem_seg(img, seg, palette, 0.3, channel_order='bgr'))
    small = seg[::2, ::2]  # resized (nearest) to the frame
    np.testing.assert_array_equal(overlay_sem_seg_np(img, small),
                                  overlay_sem_seg(img, small, None, channel_order='bgr'))
    np.testing.assert_array_equal(sem_palette_bgr(9), np.array(default_sem_palette(9))[:, ::-1])


def test_text_is_written_in_place():
    img = np.zeros((40, 200, 3), np.uint8)
    assert draw_text_np(img, '12.3 frames/s') is img
    assert img.max() > 200 and img[:, 150:].max() == 0  # the text, and its box only
