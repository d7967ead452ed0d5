# Copyright (c) mmgrasp contributors. All rights reserved.
"""warp_to_original against values worked out from the affine map: a map that is linear in the
pixel coordinates is reproduced exactly by bilinear sampling, so each original pixel must read
the linear function at the point the pipeline sent it to."""
import math

import numpy as np
import pytest
import torch

from mmgrasp.models.utils import warp_to_original


def _linear_map(h, w, a=0.5, b=-0.25, c=3.0):
    """``(1, 2, h, w)``: channel 0 is ``a*x + b*y + c`` at pixel centres, channel 1 is 1."""
    ys, xs = torch.meshgrid(torch.arange(h) + 0.5, torch.arange(w) + 0.5, indexing='ij')
    return torch.stack([a * xs + b * ys + c, torch.ones(h, w)])[None].double()


def test_rotation_and_shift_use_the_exact_affine_map():
    h, w, ori_h, ori_w = 60, 80, 50, 70
    t = math.radians(30)
    # original -> input: rotate by 30 degrees about (35, 25), then shift by (5, 4)
    rot = np.array([[math.cos(t), -math.sin(t), 0], [math.sin(t), math.cos(t), 0], [0, 0, 1]])
    centre = np.array([[1, 0, 35], [0, 1, 25], [0, 0, 1.]])
    homography = np.array([[1, 0, 5], [0, 1, 4], [0, 0, 1.]]) @ centre @ rot @ np.linalg.inv(centre)
    meta = dict(ori_shape=(ori_h, ori_w), homography_matrix=homography)
    out = warp_to_original(_linear_map(h, w), meta)
    assert out.shape == (1, 2, ori_h, ori_w)
    ys, xs = np.meshgrid(np.arange(ori_h) + 0.5, np.arange(ori_w) + 0.5, indexing='ij')
    qx = homography[0, 0] * xs + homography[0, 1] * ys + homography[0, 2]
    qy = homography[1, 0] * xs + homography[1, 1] * ys + homography[1, 2]
    # where the whole bilinear footprint lies inside the input, the value is exact
    inside = (qx >= 0.5) & (qx <= w - 0.5) & (qy >= 0.5) & (qy <= h - 0.5)
    assert inside.mean() > 0.6
    expected = 0.5 * qx - 0.25 * qy + 3.0
    np.testing.assert_allclose(out[0, 0].numpy()[inside], expected[inside], atol=1e-6)
    np.testing.assert_allclose(out[0, 1].numpy()[inside], 1.0, atol=1e-9)
    # pixels sent outside the input read zeros
    outside = (qx < -0.5) | (qx > w + 0.5) | (qy < -0.5) | (qy > h + 0.5)
    assert outside.any() and np.all(out[0, 1].numpy()[outside] == 0)


def test_a_pure_resize_is_a_bilinear_resize_and_identity_is_untouched():
    logits = _linear_map(30, 40)
    same = warp_to_original(logits, dict(ori_shape=(30, 40)))
    assert same is logits
    up = warp_to_original(logits, dict(ori_shape=(60, 80), scale_factor=(0.5, 0.5)))
    torch.testing.assert_close(up, torch.nn.functional.interpolate(
        logits, size=(60, 80), mode='bilinear', align_corners=False))


@pytest.mark.parametrize('flip', ['horizontal', 'vertical'])
def test_a_flip_maps_each_pixel_to_its_mirror(flip):
    h, w = 6, 8
    logits = torch.arange(h * w, dtype=torch.float64).reshape(1, 1, h, w)
    m = np.diag([-1.0, 1.0, 1.0]) if flip == 'horizontal' else np.diag([1.0, -1.0, 1.0])
    m[0 if flip == 'horizontal' else 1, 2] = w if flip == 'horizontal' else h
    out = warp_to_original(logits, dict(ori_shape=(h, w), homography_matrix=m))
    expected = logits.flip(-1) if flip == 'horizontal' else logits.flip(-2)
    torch.testing.assert_close(out, expected, atol=1e-9, rtol=0)
