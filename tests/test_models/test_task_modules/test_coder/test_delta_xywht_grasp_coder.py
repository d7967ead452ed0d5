# Copyright (c) mmgrasp contributors. All rights reserved.
import math

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from mmgrasp.registry import TASK_UTILS
from mmgrasp.structures import angle_diff


def build(**kwargs):
    init_default_scope('mmgrasp')
    return TASK_UTILS.build(dict(type='DeltaXYWHTGraspCoder', **kwargs))


def test_encode_by_hand():
    coder = build()
    props = torch.tensor([[100., 100., 20., 10., 0.], [100., 100., 20., 10., math.pi / 2]])
    gts = torch.tensor([[103., 104., 40., 5., 0.1], [103., 104., 40., 5., math.pi / 2]])
    out = coder.encode(props, gts)
    expected = torch.tensor([[0.15, 0.4, math.log(2), math.log(.5), 0.1 / math.pi],
                             # rotated candidate: +y on screen is its +opening axis
                             [0.2, -0.3, math.log(2), math.log(.5), 0.]])
    torch.testing.assert_close(out, expected, atol=1e-6, rtol=0)


def test_angle_target_is_continuous_across_zero():
    props = torch.tensor([[0., 0., 10., 10., math.radians(179)],
                          [0., 0., 10., 10., math.radians(1)]])
    gts = torch.tensor([[0., 0., 10., 10., math.radians(1)], [0., 0., 10., 10., math.radians(179)]])
    wrap = build().encode(props, gts)[:, 4]
    paper = build(angle_mode='paper').encode(props, gts)[:, 4]
    torch.testing.assert_close(wrap, torch.tensor([2 / 180, -2 / 180]), atol=1e-6, rtol=0)
    torch.testing.assert_close(paper, torch.tensor([2 / 180, 178 / 180]), atol=1e-6, rtol=0)
    for mode, d in [('wrap', wrap), ('paper', paper)]:
        deltas = torch.zeros(2, 5)
        deltas[:, 4] = d
        dec = build(angle_mode=mode).decode(props, deltas)
        assert angle_diff(dec[:, 4], gts[:, 4]).max() < 1e-5


@pytest.mark.parametrize('mode', ['wrap', 'paper'])
def test_round_trip(mode):
    rng = np.random.default_rng(0)
    n = 2000

    def rand():
        return np.stack([rng.uniform(0, 640, n), rng.uniform(0, 480, n), rng.uniform(2, 150, n),
                         rng.uniform(2, 80, n), rng.uniform(0, math.pi, n)], axis=1)

    props, gts = torch.from_numpy(rand()), torch.from_numpy(rand())
    coder = build(angle_mode=mode, target_means=(.1, -.1, 0, 0, 0),
                  target_stds=(.1, .1, .2, .2, .1), wh_ratio_clip=1e-6)
    deltas = coder.encode(props, gts)
    assert deltas.dtype == torch.float64
    back = coder.decode(props, deltas)
    torch.testing.assert_close(back[:, :4], gts[:, :4], atol=1e-5, rtol=0)
    assert angle_diff(back[:, 4], gts[:, 4]).max() < 1e-5
    assert torch.all((back[:, 4] >= 0) & (back[:, 4] < math.pi))
    # decode then encode gives the deltas back (their angle within the mode's range)
    again = coder.encode(props, back)
    torch.testing.assert_close(again, deltas, atol=1e-5, rtol=0)


def test_float32_round_trip_and_no_edge_swap():
    coder = build()
    props = torch.tensor([[320., 240., 5., 60., 1.2]])  # w < h stays w < h
    gts = torch.tensor([[322., 238., 8., 50., 1.3]])
    back = coder.decode(props, coder.encode(props, gts))
    torch.testing.assert_close(back, gts, atol=1e-4, rtol=1e-5)
    assert back[0, 2] < back[0, 3]


def test_bad_input():
    coder = build()
    with pytest.raises(ValueError, match='angle_mode'):
        build(angle_mode='le90')
    with pytest.raises(ValueError, match='same shape'):
        coder.encode(torch.zeros(2, 5), torch.zeros(3, 5))


def test_box_type_output_keeps_the_edges():
    """With use_box_type the decoded grasps are GraspBoxes: the same numbers, and a flip or a
    projection keeps the opening the opening (a RotatedBoxes would regularise the edges)."""
    from mmgrasp.structures import GraspBoxes
    coder, plain = build(use_box_type=True), build()
    anchors = torch.tensor([[50., 40., 10., 30., 0.3]])  # jaw longer than the opening
    deltas = torch.tensor([[0.1, -0.2, 0.05, 0.1, 0.02]])
    boxes = coder.decode(anchors, deltas)
    assert type(boxes) is GraspBoxes
    torch.testing.assert_close(boxes.tensor, plain.decode(anchors, deltas), rtol=0, atol=0)
    w, h = boxes.tensor[0, 2:4].tolist()
    boxes.project_(np.array([[1., 0., 3.], [0., 1., -2.], [0., 0., 1.]]))
    torch.testing.assert_close(boxes.tensor[0, 2:4], torch.tensor([w, h]))
