# Copyright (c) mmgrasp contributors. All rights reserved.
import numpy as np
import pytest
import torch

from mmgrasp.visualization import (auto_line_width, default_sem_palette, draw_grasps, draw_label,
                                   overlay_sem_seg)


def _red_blue(img, order):
    r, b = (img[..., 0], img[..., 2]) if order == 'rgb' else (img[..., 2], img[..., 0])
    g = img[..., 1]
    return (r > 150) & (b < 80) & (g < 80), (b > 150) & (r < 80) & (g < 80)


@pytest.mark.parametrize('order', ['bgr', 'rgb'])
def test_draw_grasps_sides(order):
    """theta = 0: the opening (w = 40) runs along x and is red, the plates (h = 20) are blue."""
    img = np.zeros((100, 100, 3), np.uint8)
    out = draw_grasps(img, torch.tensor([[50.0, 50.0, 40.0, 20.0, 0.0]]), 1, order)
    assert out is img
    red, blue = _red_blue(img, order)
    assert red[40, 35:66].all() and red[59, 35:66].all()  # y = 50 -/+ 10: opening sides
    assert blue[44:56, 30].all() and blue[44:56, 69].all()  # x = 50 -/+ 20: the plates
    assert not red[45:55, 30].any() and not blue[40, 40:60].any()


def test_draw_grasps_rotated_and_empty():
    img = np.zeros((100, 100, 3), np.uint8)
    draw_grasps(img, np.array([[50.0, 50.0, 40.0, 20.0, np.pi / 2]]))  # opening along y
    red, blue = _red_blue(img, 'bgr')
    assert red[35:66, 40].all() and blue[30, 44:56].all()
    assert draw_grasps(np.zeros((5, 5, 3), np.uint8), np.zeros((0, 5))).sum() == 0


def test_overlay_sem_seg():
    img = np.full((4, 6, 3), 100, np.uint8)
    seg = np.zeros((4, 6), np.int64)
    seg[0, 0], seg[1, 1], seg[2, 2] = 1, 255, 7  # 7: beyond the palette
    out = overlay_sem_seg(img, seg, [(0, 0, 0), (200, 0, 0)], alpha=0.5, channel_order='rgb')
    assert (out[3, 3] == 100).all()  # background untouched
    assert out[0, 0].tolist() == [150, 50, 50]
    assert out[1, 1].tolist() == [114, 114, 114]  # ignore: grey
    assert not (out[2, 2] == 100).all()
    bgr = overlay_sem_seg(img, seg, [(0, 0, 0), (200, 0, 0)], alpha=0.5)
    assert bgr[0, 0].tolist() == [50, 50, 150]
    # a map of another size is resized (nearest) to the image
    big = overlay_sem_seg(np.zeros((8, 12, 3), np.uint8), torch.from_numpy(seg)[None], None)
    assert big.shape == (8, 12, 3) and big[:2, :2].any() and not big[6:, 6:].any()


def test_helpers():
    assert auto_line_width(100, 2000) == 1 and auto_line_width(1024, 1024) == 3
    palette = default_sem_palette(5)
    assert len(palette) == 5 and palette[0] == (0, 0, 0) and len(set(palette)) == 5
    img = np.zeros((20, 30, 3), np.uint8)
    draw_label(img, 'a long label that does not fit', (25, 0))  # kept inside, no error
    assert img.any()
