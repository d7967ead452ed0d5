# Copyright (c) mmgrasp contributors. All rights reserved.
"""The random number generators' states of a process, and seeds for dataloader workers."""
import random
from typing import Any, Dict, Optional

import numpy as np
import torch


def capture_rng_state() -> Dict[str, Any]:
    """The states of Python's ``random``, NumPy's global generator, torch's CPU generator and,
    when CUDA is in use, every CUDA device's generator.

    Returns:
        dict: ``python``, ``numpy``, ``torch`` (a uint8 tensor) and optionally ``cuda`` (a list of
        uint8 tensors), ready for ``torch.save``.
    """
    state = dict(python=random.getstate(), numpy=np.random.get_state(),
                 torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: Dict[str, Any]) -> None:
    """Put back the states that :func:`capture_rng_state` returned.

    Args:
        state (dict): As returned by :func:`capture_rng_state`; a missing ``cuda`` entry leaves the
            CUDA generators alone.
    """
    random.setstate(state['python'])
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'].cpu())
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state['cuda']])


def worker_seed(seed: int, epoch: int, rank: int, worker_id: int) -> int:
    """A 63-bit seed for one dataloader worker in one epoch, from the run's seed.

    The four numbers are mixed by NumPy's ``SeedSequence`` (no two tuples give related streams),
    so the random augmentations of an epoch depend on (seed, epoch, rank, worker) only: not on
    what earlier epochs drew, hence the same after a resume.
    """
    words = np.random.SeedSequence([seed % 2**32, epoch, rank, worker_id]).generate_state(2)
    return int(words[0]) << 31 ^ int(words[1])


def seed_dataloader_worker(worker_id: int, seed: int, rank: int, sampler: Optional[Any] = None,
                           epoch: Optional[int] = None) -> None:
    """``worker_init_fn`` that seeds ``random``, NumPy and torch in a worker for this epoch.

    It replaces mmengine's ``worker_init_fn``, which seeds every worker with the same numbers at
    every epoch (``seed + rank * num_workers + worker_id``): with non-persistent workers each
    epoch repeats the previous epoch's random draws, with persistent workers the draws depend on
    every earlier epoch, so a resumed run draws differently.

    Args:
        worker_id (int): Given by the DataLoader.
        seed (int): The run's seed.
        rank (int): The process's rank.
        sampler (optional): The train sampler as the worker sees it when it starts; its ``epoch``
            attribute (mmengine's DefaultSampler) is the epoch. Defaults to None.
        epoch (int, optional): The epoch, when there is no sampler to read it from.
    """
    if epoch is None:
        epoch = int(getattr(sampler, 'epoch', 0))
    value = worker_seed(seed, epoch, rank, worker_id)
    random.seed(value)
    np.random.seed(value % 2**32)
    torch.manual_seed(value)
