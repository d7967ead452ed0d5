# Copyright (c) mmgrasp contributors. All rights reserved.
"""tools/model_converters/mobilenetv2_torchvision_to_mmdet.py on random weights (no download)."""
import importlib.util
import os.path as osp

import pytest
import torch
from mmdet.models.backbones import MobileNetV2
from torchvision.models import mobilenet_v2

from mmgrasp.testing._utils import REPO_ROOT


def _load_converter():
    path = osp.join(REPO_ROOT, 'tools', 'model_converters', 'mobilenetv2_torchvision_to_mmdet.py')
    spec = importlib.util.spec_from_file_location('mobilenetv2_converter', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


conv = _load_converter()


@pytest.fixture(scope='module')
def tv_state_dict():
    """A torchvision mobilenet_v2 state dict with random BN affine and running statistics, so
    that a BN mapped to the wrong layer changes the outputs."""
    torch.manual_seed(0)
    state = mobilenet_v2().state_dict()
    gen = torch.Generator().manual_seed(1)
    for key, value in state.items():
        if key.endswith('running_var'):
            state[key] = torch.rand(value.shape, generator=gen) + 0.5
        elif key.endswith(('running_mean', 'bias')) or (key.endswith('weight') and value.ndim == 1):
            state[key] = 0.2 * torch.randn(value.shape, generator=gen) + key.endswith('weight')
    return state


def test_block_index_follows_mmdet_arch():
    names = conv.block_index()
    assert len(names) == 17
    assert names[0] == ('layer1.0', False) and names[1] == ('layer2.0', True)
    assert names[3] == ('layer3.0', True) and names[-1] == ('layer7.0', True)


def test_torchvision_to_mmdet_strict_and_same_outputs(tv_state_dict):
    converted = conv.convert(tv_state_dict)  # classifier.* dropped
    assert len(converted) == 312
    assert 'conv1.conv.weight' in converted and 'conv2.bn.running_var' in converted
    assert 'layer2.1.expand_conv.conv.weight' in converted
    assert 'layer1.0.expand_conv.conv.weight' not in converted  # layer1 has no expansion
    net = MobileNetV2(widen_factor=1.0)
    result = net.load_state_dict(converted, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    max_diff = conv.check_against_torchvision(tv_state_dict, converted, input_shape=(2, 3, 64, 64))
    assert max_diff < 1e-5


def test_flat_layout_matches_torchvision(tv_state_dict):
    flat = conv.convert(tv_state_dict, dst='flat')
    assert 'features.1.conv.3.weight' in flat and 'features.2.conv.7.running_mean' in flat
    flat = {f'module.{k}': v for k, v in flat.items()}  # a DataParallel prefix is dropped
    assert conv.detect_layout(conv._strip(flat)) == 'flat'
    from_flat, from_tv = conv.convert(flat), conv.convert(tv_state_dict)
    assert list(from_flat) == list(from_tv)
    assert all(torch.equal(from_flat[k], from_tv[k]) for k in from_tv)


def test_unknown_keys_rejected(tv_state_dict):
    with pytest.raises(KeyError, match='features.1.conv.9'):
        conv.convert({**tv_state_dict, 'features.1.conv.9.weight': torch.zeros(1)})
    with pytest.raises(ValueError, match='Not a MobileNetV2'):
        conv.convert({'conv1.weight': torch.zeros(1)})


def test_main_writes_a_checkpoint_mmengine_loads(tv_state_dict, tmp_path):
    src, out = str(tmp_path / 'tv.pth'), str(tmp_path / 'sub' / 'mmdet.pth')
    torch.save(tv_state_dict, src)
    conv.main([src, out, '--source', 'random torchvision init', '--license', 'BSD-3-Clause'])
    ckpt = torch.load(out, weights_only=True)
    assert set(ckpt) == {'state_dict', 'meta'}
    assert ckpt['meta']['source'] == 'random torchvision init'
    assert ckpt['meta']['max_abs_diff_vs_torchvision'] < 1e-5
    assert not [p for p in tmp_path.glob('sub/*') if p.name != 'mmdet.pth']  # no temporary left
    # the way the configs load it: init_cfg Pretrained, after the children's own init
    net = MobileNetV2(widen_factor=1.0, init_cfg=dict(type='Pretrained', checkpoint=out))
    net.init_weights()
    loaded = net.state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in ckpt['state_dict'].items())
