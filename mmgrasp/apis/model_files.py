# Copyright (c) mmgrasp contributors. All rights reserved.
"""The weights file given to :class:`~mmgrasp.apis.GraspInferencer`, checked before loading.

A truncated or damaged ``.pth`` otherwise stops in ``torch.load`` with a traceback that does not
name the file; this says which file and what is wrong with it, as a
:class:`~mmgrasp.utils.CheckpointError` (``demo/image_demo.py``: one line, exit status 2). The
``.onnx`` counterpart is :func:`mmgrasp.deployment.onnx_checks.open_onnx_session`;
:func:`onnx_model_config` reads the config and metadata saved in an ``.onnx`` file and
:func:`backend_model` puts the chosen backend (PyTorch or onnxruntime) behind the model.
"""
import os.path as osp
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import print_log

from mmgrasp.utils.checkpoint_files import CheckpointError, check_checkpoint


def check_weights_file(weights: Optional[str]) -> None:
    """Refuse a local checkpoint that is empty, truncated or damaged, naming it.

    Uses :func:`~mmgrasp.utils.check_checkpoint` (its ``.sha256`` file when there is one, else
    the zip archive's CRCs; nothing is unpickled). URLs and other remote or prefixed paths
    (``torchvision://``, ``http://``) and missing files are left to the loader.

    Args:
        weights (str, optional): The checkpoint; nothing is checked when None.

    Raises:
        CheckpointError: For a damaged local checkpoint.
    """
    if not weights or '://' in str(weights):
        return
    path = osp.expanduser(str(weights))
    if not osp.isfile(path):
        return
    check = check_checkpoint(path)
    if check.status == 'damaged':
        raise CheckpointError(f'{weights}: damaged checkpoint, not loaded: {check.reason}. Copy '
                              'or download it again, or take another of the run\'s checkpoints.')


def onnx_model_config(model: Optional[Union[str, Config]],
                      weights: Optional[str]) -> Tuple[Union[str, Config], dict]:
    """The config and the metadata of a model exported by ``tools/deployment/pytorch2onnx.py``.

    Args:
        model (str | Config, optional): The config given; None for the one saved in the file.
        weights (str, optional): The ``.onnx`` file.

    Returns:
        tuple: The config (``model``, or the file's) and the file's metadata
        (:func:`mmgrasp.deployment.read_onnx_metadata`).

    Raises:
        ValueError: For weights that are not an ``.onnx`` file, or a file without a config when
            ``model`` is None.
    """
    if not weights or not str(weights).endswith('.onnx'):
        raise ValueError("backend='onnxruntime' runs an exported model: weights must be the "
                         f'.onnx file of tools/deployment/pytorch2onnx.py, got {weights!r}')
    from mmgrasp.deployment import read_onnx_metadata
    meta = read_onnx_metadata(weights)
    if model is None:
        if not meta['config']:
            raise ValueError(f'{weights} holds no config: pass the config as model')
        model = Config(meta['config'])
    return model, meta


def backend_model(model: nn.Module, onnx_file: Optional[str] = None,
                  num_threads: Optional[int] = None, config: str = '') -> nn.Module:
    """The model that runs the network: the PyTorch model, or onnxruntime on ``onnx_file``.

    Sets the CPU threads (``torch.set_num_threads`` for PyTorch, process-wide; the session's
    intra-op threads for onnxruntime) and logs the choice.

    Args:
        model (nn.Module): The PyTorch model built from the config (pre- and post-processing).
        onnx_file (str, optional): The exported model; None for PyTorch. Defaults to None.
        num_threads (int, optional): CPU threads; None keeps the backend's default.
            Defaults to None.
        config (str): The config's name, for the messages of an ONNX file that does not fit.
            Defaults to ''.

    Returns:
        nn.Module: ``model``, or an ``ORTGraspDetector`` around it.
    """
    if onnx_file is not None:
        from mmgrasp.deployment import ORTGraspDetector
        model = ORTGraspDetector(model, onnx_file, num_threads=num_threads,
                                 config=config or None)
    elif num_threads:
        torch.set_num_threads(int(num_threads))
    threads = num_threads or (torch.get_num_threads() if onnx_file is None else 'default')
    backend = 'pytorch' if onnx_file is None else 'onnxruntime'
    print_log(f'GraspInferencer: {backend} on {threads} CPU thread(s) (num_threads= to '
              'change; fewer threads help on a busy machine)', logger='current')
    return model
