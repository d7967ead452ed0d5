# Copyright (c) mmgrasp contributors. All rights reserved.
"""GraspMobileNetV2: mmdet's outputs bit for bit, and every parameter trains or is frozen at
build time (what DDP needs)."""
import torch
from mmdet.models.backbones import MobileNetV2

from mmgrasp.models.backbones import GraspMobileNetV2, RGBDMobileNetV2


def test_outputs_are_mmdets_and_frozen_parameters_are_frozen_at_build():
    kwargs = dict(out_indices=(1, 2, 4, 6), frozen_stages=2, norm_eval=True)
    torch.manual_seed(0)
    ours = GraspMobileNetV2(**kwargs)
    theirs = MobileNetV2(**kwargs)
    theirs.load_state_dict(ours.state_dict())  # the same parameter names: checkpoints load
    ours.eval()
    theirs.eval()
    x = torch.rand(2, 3, 96, 64)
    with torch.no_grad():
        for a, b in zip(ours(x), theirs(x)):
            assert torch.equal(a, b)
    frozen = {n for n, p in ours.named_parameters() if not p.requires_grad}
    # before any train() call: conv1, layer1 and layer2 (frozen_stages=2) and conv2 (after the
    # last output, never run)
    prefixes = ('conv1.', 'layer1.', 'layer2.', 'conv2.')
    assert frozen == {n for n, _ in ours.named_parameters() if n.startswith(prefixes)}
    # mmdet's leaves them all trainable until train(): what broke DDP
    assert all(p.requires_grad for p in MobileNetV2(**kwargs).parameters())
    ours.train()
    assert {n for n, p in ours.named_parameters() if not p.requires_grad} == frozen
    # every trainable parameter receives a gradient
    out = ours(x)
    sum(o.sum() for o in out).backward()
    assert all(p.grad is not None for p in ours.parameters() if p.requires_grad)


def test_rgbd_variant_keeps_its_depth_stem_trainable():
    net = RGBDMobileNetV2(out_indices=(1, 2, 4, 6), frozen_stages=2)
    assert net.conv1.conv.weight.requires_grad  # stem_trainable
    assert not any(p.requires_grad for p in net.conv2.parameters())
    assert len(net(torch.rand(1, 4, 64, 64))) == 4
