# Copyright (c) mmgrasp contributors. All rights reserved.
import random
from functools import partial

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from mmgrasp.utils.rng_state import capture_rng_state, restore_rng_state, seed_dataloader_worker


def draws():
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_capture_and_restore_all_generators():
    state = capture_rng_state()
    first = draws()
    restore_rng_state(state)
    assert draws() == first


class RandomDataset(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return torch.tensor(draws())


def epoch_draws(epoch: int) -> torch.Tensor:
    loader = DataLoader(RandomDataset(), batch_size=2, num_workers=1,
                        worker_init_fn=partial(seed_dataloader_worker, seed=0, rank=0,
                                               epoch=epoch))
    return torch.cat(list(loader))


def test_worker_draws_depend_on_seed_and_epoch_only():
    torch.manual_seed(1)  # the main process's state does not matter
    e2 = epoch_draws(2)
    torch.manual_seed(2)
    assert torch.equal(epoch_draws(2), e2)
    assert not torch.equal(epoch_draws(1), e2)  # mmengine's worker_init_fn repeats epochs
