# Copyright (c) mmgrasp contributors. All rights reserved.
"""The model of :class:`~mmgrasp.apis.GraspInferencer`: checkpoint against config, and metainfo.

A checkpoint that does not fit its config is refused with one message naming both
(:func:`check_checkpoint_fits`), a config taken from a checkpoint is read as data, never run
(:func:`model_from_checkpoint`), and the model's ``dataset_meta`` joins the config's test
dataset, the checkpoint (or the ONNX file) and the semantic head (:func:`grasp_dataset_meta`).
"""
import copy
import warnings
from typing import List, Optional, Tuple

import torch.nn as nn
from mmdet.utils import ConfigType
from mmengine.logging import print_log
from mmengine.registry import MODELS
from mmengine.runner.checkpoint import _load_checkpoint

from mmgrasp.registry import DATASETS
from mmgrasp.utils.stored_config import stored_config


def check_checkpoint_fits(model: nn.Module, checkpoint: dict, weights: str = '',
                          config: str = '', strict: bool = True) -> None:
    """Compare a checkpoint's tensors with the model built from the config, and explain.

    Args:
        model (nn.Module): The model built from the config.
        checkpoint (dict): The loaded checkpoint (with ``state_dict``).
        weights (str): Checkpoint path, for the message. Defaults to ''.
        config (str): Config name, for the message. Defaults to ''.
        strict (bool): Raise on tensors of the model that are missing from the checkpoint or
            differ in shape; otherwise warn. Tensors of the checkpoint that the model lacks
            only ever warn (e.g. a Det_Seg_Refine checkpoint run as Det_Seg). Defaults to True.

    Raises:
        ValueError: With ``strict``, when the checkpoint does not fit.
    """
    state = checkpoint.get('state_dict', checkpoint)
    state = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [(k, tuple(state[k].shape), tuple(v.shape)) for k, v in own.items()
              if k in state and hasattr(state[k], 'shape') and tuple(state[k].shape) != tuple(
                  v.shape)]

    def modules(keys: List[str]) -> str:
        heads = sorted({'.'.join(k.split('.')[:2]) for k in keys})
        return ', '.join(heads[:6]) + (', ...' if len(heads) > 6 else '')

    problems = []
    if shapes:
        k, ck, mk = shapes[0]
        where_shapes = modules([s[0] for s in shapes])
        problems.append(f'{len(shapes)} tensors differ in shape (in {where_shapes}), e.g. {k}: '
                        f'checkpoint {ck}, config {mk}')
    if missing:
        problems.append(f'{len(missing)} tensors of the model are not in the checkpoint (in '
                        f'{modules(missing)})')
    where = (f'checkpoint {weights!r}' if weights else 'the checkpoint') + (
        f' and config {config!r}' if config else ' and the config')
    hint = ('Use the config the checkpoint was trained with: it is saved in the work_dir next to '
            'the checkpoint, and inside the checkpoint (GraspInferencer(model=None, weights=...) '
            'reads it from there).')
    if problems:
        msg = f'The {where} do not match: ' + '; '.join(problems) + '. ' + hint
        if strict:
            raise ValueError(msg)
        warnings.warn(msg)
    if unexpected:
        warnings.warn(f'{len(unexpected)} tensors of the checkpoint are not used by the model of '
                      f'the config (in {modules(unexpected)}); they are ignored.')


def model_from_checkpoint(cfg: ConfigType, weights: str) -> Tuple[nn.Module, dict]:
    """Build the model of the config saved in a checkpoint; the weights are not loaded yet.

    The config is read as data (:func:`~mmgrasp.utils.stored_config.stored_config`), never run
    as Python as mmengine's ``Config.fromstring`` would; the checkpoint itself is loaded by
    mmgrasp's safe loader (:mod:`mmgrasp.utils.safe_checkpoint`).

    Args:
        cfg (Config | ConfigDict): An empty config, filled with the checkpoint's (in place).
        weights (str): The checkpoint.

    Returns:
        tuple[nn.Module, dict]: The model (its ``cfg`` set) and the loaded checkpoint.
    """
    checkpoint = _load_checkpoint(weights, map_location='cpu')
    cfg.update(stored_config(checkpoint, weights)._cfg_dict)
    if cfg.model.get('pretrained') is not None:
        del cfg.model.pretrained
    model = MODELS.build(cfg.model)
    model.cfg = cfg
    return model, checkpoint


def config_metainfo(cfg: ConfigType) -> dict:
    """``metainfo`` of the config's test dataset (built lazily: no annotation is read).

    Args:
        cfg (Config | ConfigDict): The config.

    Returns:
        dict: The metainfo; empty (with a logged warning) for a config without a buildable
        test dataset.
    """
    try:
        dataset_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
        dataset_cfg['lazy_init'] = True
        return dict(DATASETS.build(dataset_cfg).metainfo)
    except Exception as e:  # a config without a (buildable) test dataset
        print_log(f'no metainfo from the test dataset of the config ({e}); using class ids',
                  logger='current', level=30)
        return {}


def grasp_dataset_meta(model: nn.Module, meta: dict, saved_meta: Optional[dict],
                       palette: str = 'none') -> dict:
    """The model's ``dataset_meta``: the config's metainfo updated by the saved one.

    ``sem_classes`` is made to agree with the semantic head's ``num_classes`` (class ids as
    names where it does not; ``sem_palette`` is then dropped).

    Args:
        model (nn.Module): The model (its ``semantic_head``, if any).
        meta (dict): The config's metainfo (:func:`config_metainfo`); updated in place.
        saved_meta (dict, optional): ``dataset_meta`` saved with the weights (checkpoint or ONNX
            file); keys are lower-cased.
        palette (str): The inferencer's ``palette``; ``'none'`` keeps the metainfo's.
            Defaults to ``'none'``.

    Returns:
        dict: ``classes`` (orientation bins), ``sem_classes``, ``sem_palette``...
    """
    meta.update({k.lower(): v for k, v in (saved_meta or {}).items()})
    sem_head = getattr(model, 'semantic_head', None)
    if sem_head is not None:
        num = int(sem_head.num_classes)
        names = list(meta.get('sem_classes') or [])
        if len(names) != num:
            if names:
                warnings.warn(f'sem_classes of the dataset ({len(names)}) do not match the '
                              f'semantic head ({num} classes); class ids are used as names')
            meta['sem_classes'] = ['background'] + [f'class {k}' for k in range(1, num)]
            meta.pop('sem_palette', None)
    if palette != 'none':
        meta['palette'] = palette
    return meta
