# Copyright (c) mmgrasp contributors. All rights reserved.
"""RGBDMobileNetV2: ImageNet weights kept for RGB, depth filters from their mean, a trainable
stem."""
import torch
from mmdet.models.backbones import MobileNetV2

from mmgrasp.models.backbones import RGBDMobileNetV2

KW = dict(widen_factor=0.5, out_indices=(1, 2), frozen_stages=2, norm_eval=True)


def _pretrained(tmp_path):
    torch.manual_seed(0)
    rgb = MobileNetV2(**KW)
    for p in rgb.parameters():
        torch.nn.init.normal_(p, std=0.1)
    path = str(tmp_path / 'rgb.pth')
    torch.save(dict(state_dict=rgb.state_dict()), path)
    rgb.eval()  # (mmdet's MobileNetV2.train returns None)
    return rgb, path


def test_rgb_weights_kept_and_depth_filters_are_their_mean(tmp_path):
    rgb, path = _pretrained(tmp_path)
    rgbd = RGBDMobileNetV2(init_cfg=dict(type='Pretrained', checkpoint=path), **KW)
    rgbd.init_weights()
    w, w_rgb = rgbd.conv1.conv.weight, rgb.conv1.conv.weight
    assert w.shape[1] == 4
    torch.testing.assert_close(w[:, :3], w_rgb, rtol=0, atol=0)
    torch.testing.assert_close(w[:, 3:], w_rgb.mean(dim=1, keepdim=True))
    for name, value in rgb.state_dict().items():
        if name != 'conv1.conv.weight':
            torch.testing.assert_close(rgbd.state_dict()[name], value, rtol=0, atol=0)
    # with zero depth the RGB-D network computes exactly what the RGB one does
    rgbd.eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        out_rgb = rgb(x)
        out_rgbd = rgbd(torch.cat([x, torch.zeros(1, 1, 64, 64)], dim=1))
    for a, b in zip(out_rgb, out_rgbd):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_stem_learns_depth_unless_frozen(tmp_path):
    _, path = _pretrained(tmp_path)
    for stem_trainable in (True, False):
        net = RGBDMobileNetV2(init_cfg=dict(type='Pretrained', checkpoint=path),
                              stem_trainable=stem_trainable, **KW)
        net.init_weights()
        net.train()
        assert net.conv1.conv.weight.requires_grad == stem_trainable
        assert not any(p.requires_grad for p in net.conv1.bn.parameters())
        assert not any(p.requires_grad for p in net.layer1.parameters())
        assert all(p.requires_grad for p in net.layer3.parameters())


def test_zeros_depth_init(tmp_path):
    _, path = _pretrained(tmp_path)
    net = RGBDMobileNetV2(init_cfg=dict(type='Pretrained', checkpoint=path), depth_init='zeros',
                          **KW)
    net.init_weights()
    assert (net.conv1.conv.weight[:, 3] == 0).all()


def test_depth_stem_starts_as_the_rgb_network(tmp_path):
    """depth_fusion='stem': the RGB stem keeps its pretrained weights exactly, the depth stem
    starts silent (any depth gives the RGB network's output) and is what learns depth."""
    rgb, path = _pretrained(tmp_path)
    net = RGBDMobileNetV2(init_cfg=dict(type='Pretrained', checkpoint=path), depth_fusion='stem',
                          **KW)
    net.init_weights()
    for name, value in rgb.state_dict().items():
        torch.testing.assert_close(net.state_dict()[name], value, rtol=0, atol=0)
    net.eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        out_rgb = rgb(x)
        out_rgbd = net(torch.cat([x, torch.rand(1, 1, 64, 64)], dim=1))
    for a, b in zip(out_rgb, out_rgbd):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    net.train()
    assert all(p.requires_grad for p in net.depth_stem.parameters())
    assert not any(p.requires_grad for p in net.conv1.parameters())  # the RGB stem stays frozen
    frozen = RGBDMobileNetV2(depth_fusion='stem', stem_trainable=False, **KW)
    frozen.train()
    assert not any(p.requires_grad for p in frozen.depth_stem.parameters())
