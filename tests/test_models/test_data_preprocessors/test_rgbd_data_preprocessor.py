# Copyright (c) mmgrasp contributors. All rights reserved.
"""RGBDDataPreprocessor: colour as for an RGB model, depth relative to each image."""
import pytest
import torch
from mmdet.structures import DetDataSample

from mmgrasp.models.data_preprocessors import RGBDDataPreprocessor
from mmgrasp.models.data_preprocessors.rgbd_data_preprocessor import centre_depth


def test_centre_depth_by_hand():
    depth = torch.tensor([[0.0, 1.0, 1.2],
                          [1.4, 0.0, 1.0]])
    # known pixels 1.0, 1.2, 1.4, 1.0: torch's median of an even count is the lower middle, 1.0
    expected = torch.tensor([[0.0, 0.0, 0.2],
                             [0.4, 0.0, 0.0]])
    torch.testing.assert_close(centre_depth(depth), expected)


def test_normalises_colour_and_depth_and_pads():
    pre = RGBDDataPreprocessor(mean=(10., 20., 30.), std=(1., 2., 5.), depth_std=0.1,
                               bgr_to_rgb=True, pad_size_divisor=4)
    x = torch.zeros(4, 2, 3)
    x[0], x[1], x[2] = 30., 20., 10.  # B, G, R as loaded
    x[3] = torch.tensor([[1.0, 1.2, 0.0], [1.0, 1.0, 1.1]])  # median of known pixels: 1.0
    out = pre(dict(inputs=[x], data_samples=[DetDataSample(metainfo=dict(img_shape=(2, 3)))]))
    inputs = out['inputs']
    assert inputs.shape == (1, 4, 4, 4)  # padded to a multiple of 4
    # R = 10 -> (10 - 10) / 1, G = 20 -> 0, B = 30 -> (30 - 30) / 5
    torch.testing.assert_close(inputs[0, :3, :2, :3], torch.zeros(3, 2, 3))
    expected_depth = torch.tensor([[0.0, 2.0, 0.0], [0.0, 0.0, 1.0]])
    torch.testing.assert_close(inputs[0, 3, :2, :3], expected_depth)
    assert (inputs[0, :, 2:, :] == 0).all() and (inputs[0, :, :, 3:] == 0).all()


def test_rgb_input_is_refused():
    pre = RGBDDataPreprocessor()
    with pytest.raises(ValueError, match=r'takes \(4, H, W\) inputs'):
        pre(dict(inputs=[torch.zeros(3, 4, 4)], data_samples=[DetDataSample()]))
    with pytest.raises(ValueError, match='mean and std are those of the 3 colour channels'):
        RGBDDataPreprocessor(mean=(0, 0, 0, 0), std=(1, 1, 1, 1))
