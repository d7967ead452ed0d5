# Copyright (c) mmgrasp contributors. All rights reserved.
"""One loader for every local checkpoint: ``torch.load(weights_only=True)`` and an allow-list.

A ``.pth`` file is a pickle, and unpickling runs whatever functions the file names: a checkpoint
from someone else could run any code when it is loaded. mmengine 0.11 loads local files with
torch's full unpickler. This module replaces its local loader (the ``''`` scheme of
:class:`mmengine.runner.CheckpointLoader`, which every local path falls back to) with
:func:`load_from_local_safe`, so that the Runner's ``load_from`` and ``--resume``, mmengine's and
mmdet's ``load_checkpoint`` (``mmdet.apis.init_detector``), ``init_cfg=dict(type='Pretrained')``
and the inferencer all take it. It is registered through mmengine's own API
(``CheckpointLoader.register_scheme``) when this module is imported, which ``import mmgrasp`` does.

What is unpickled: tensors and the plain containers and numbers that ``weights_only`` allows, plus
:data:`ALLOWED_GLOBALS`, the classes mmgrasp's own checkpoints hold (found by inspecting a
checkpoint of a training run with ``torch.serialization.get_unsafe_globals_in_checkpoint``):
numpy arrays, scalars and dtypes (the message hub, the random states of ``RandomStateHook``) and
mmengine's ``HistoryBuffer`` (logged values) with its default statistics. A file that names
anything else is refused, before anything is unpickled where the format allows it, with
:class:`UnsafeCheckpointError` naming the file and the classes it wanted.
"""
import os.path as osp
import pickle
import re
from typing import Callable, List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from .checkpoint_files import CheckpointError

GlobalEntry = Union[Callable, Tuple[Callable, str]]


class UnsafeCheckpointError(CheckpointError):
    """A checkpoint names a class or function outside :data:`ALLOWED_GLOBALS`; it was not
    loaded."""


def _numpy_globals() -> List[GlobalEntry]:
    """numpy's array, scalar and dtype reconstructors, under numpy 2's and numpy 1's names."""
    from numpy._core import multiarray
    entries: List[GlobalEntry] = [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype]
    # a checkpoint written under numpy 1.x names numpy.core.multiarray
    entries += [(multiarray._reconstruct, 'numpy.core.multiarray._reconstruct'),
                (multiarray.scalar, 'numpy.core.multiarray.scalar')]
    # numpy 2 pickles a dtype as np.dtype(...) and then BUILDs its class: numbers, bools, text
    codes = ('?', 'b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'e', 'f', 'd', 'g', 'F', 'D',
             'G', 'U', 'S')
    entries += sorted({type(np.dtype(c)) for c in codes}, key=lambda t: t.__name__)
    return entries


HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')
"""The statistics a pickled ``HistoryBuffer`` names (its default ``_statistics_methods``)."""


def history_buffer_statistic(owner: type, name: str) -> Callable:
    """``getattr(HistoryBuffer, name)`` for a default statistic, and nothing else.

    A pickled ``HistoryBuffer`` names its statistics as ``builtins.getattr(HistoryBuffer,
    'mean')``. ``getattr`` itself is never allowed (it reaches anything from any object); this
    function stands in for it under that name.

    Args:
        owner (type): Must be ``HistoryBuffer``.
        name (str): One of :data:`HISTORY_BUFFER_STATISTICS`.

    Returns:
        Callable: The method.

    Raises:
        pickle.UnpicklingError: For any other owner or name.
    """
    if owner is HistoryBuffer and name in HISTORY_BUFFER_STATISTICS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(f'GLOBAL builtins.getattr({owner!r}, {name!r}) is not allowed')


ALLOWED_GLOBALS: List[GlobalEntry] = _numpy_globals() + [
    HistoryBuffer, (history_buffer_statistic, 'builtins.getattr')
]
"""The classes and functions, beyond tensors and plain containers, a checkpoint may name
(``builtins.getattr`` stands for :func:`history_buffer_statistic`)."""


def _refusal(filename: str, wanted: List[str]) -> UnsafeCheckpointError:
    return UnsafeCheckpointError(
        f'{filename}: refused, not loaded: the checkpoint names {", ".join(wanted)}, which '
        'mmgrasp does not unpickle (loading it would let the file run code). A checkpoint holds '
        'tensors, numbers, strings, containers and the numpy/mmengine classes listed in '
        'mmgrasp/utils/safe_checkpoint.py. Ask its author for a checkpoint written by mmgrasp, or '
        'for its state_dict alone.')


def unsafe_globals(filename: str) -> Optional[List[str]]:
    """The globals a zip-format checkpoint names beyond torch's defaults and
    :data:`ALLOWED_GLOBALS`, read without unpickling anything.

    Args:
        filename (str): A local checkpoint.

    Returns:
        list[str] | None: ``module.name`` of each, sorted; None when the file is not in torch's
        zip format (a legacy pickle), which cannot be scanned this way.
    """
    try:
        with torch.serialization.safe_globals(ALLOWED_GLOBALS):
            found = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
    except (RuntimeError, ValueError, OSError, pickle.UnpicklingError):
        return None
    return sorted(set(found))


def load_checkpoint_safely(filename: str, map_location=None) -> dict:
    """Load a local checkpoint with ``torch.load(weights_only=True)`` and
    :data:`ALLOWED_GLOBALS`.

    Args:
        filename (str): The file (``~`` is expanded).
        map_location (optional): As in :func:`torch.load`. Defaults to None.

    Returns:
        dict: The checkpoint.

    Raises:
        FileNotFoundError: The file does not exist.
        UnsafeCheckpointError: The file names a class or function that is not allowed.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    wanted = unsafe_globals(filename)
    if wanted:
        raise _refusal(filename, wanted)
    try:
        with torch.serialization.safe_globals(ALLOWED_GLOBALS):
            return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        # legacy format, or something the scan did not see: torch's restricted unpickler stopped
        names = re.findall(r'GLOBAL ([\w.]+)', str(e))
        if not names:
            names = re.findall(r"<class '([\w.]+)'>", str(e))
        # torch names a builtin without its module ("GLOBAL exec")
        what = [n if '.' in n else f'builtins.{n}' for n in names]
        what = what or ['something outside the allow-list']
        raise _refusal(filename, sorted(set(what))) from None


def load_from_local_safe(filename: str, map_location=None) -> dict:
    """mmengine's local checkpoint loader, through :func:`load_checkpoint_safely`.

    Registered for every local path (the ``''`` prefix) of
    :class:`mmengine.runner.CheckpointLoader`; mmengine logs it as the "local_safe" backend.
    """
    return load_checkpoint_safely(filename, map_location)


def register_safe_loader() -> None:
    """Make :func:`load_from_local_safe` mmengine's loader of local paths (idempotent)."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local_safe, force=True)


register_safe_loader()
