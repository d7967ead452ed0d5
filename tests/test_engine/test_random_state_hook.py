# Copyright (c) mmgrasp contributors. All rights reserved.
"""Resuming from a checkpoint saved in the middle of an epoch (or of an iteration-based run)
continues exactly as the uninterrupted run."""
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmgrasp.testing import tiny_train_config


class Crash(Exception):
    pass


class CrashAt(Hook):
    """Stops the process's training (as a kill would) after iteration ``at`` (1-based)."""

    def __init__(self, at: int) -> None:
        self.at = at

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if runner.iter + 1 == self.at:
            raise Crash


def iteration_checkpoint_config(synthetic_root: str, work_dir: str, loop: str):
    """8 iterations (2 epochs of 4, or an IterBasedTrainLoop), a checkpoint every 3."""
    cfg = tiny_train_config(synthetic_root, work_dir, refine=False, max_epochs=2)
    cfg.experiment_name = f'{loop}_{work_dir[-8:]}'
    cfg.randomness = dict(seed=0, deterministic=True)
    cfg.train_dataloader.num_batch_per_epoch = 4
    cfg.train_cfg.val_interval = 100
    if loop == 'iter':
        cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=8, val_interval=100)
        cfg.log_processor = dict(type='LogProcessor', window_size=20, by_epoch=False)
        cfg.default_hooks.logger.log_metric_by_epoch = False
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False, interval=3)
    return cfg


@pytest.mark.slow
@pytest.mark.parametrize('loop', ['epoch', 'iter'])
def test_resume_from_a_mid_epoch_checkpoint_is_exact(synthetic_root, tmp_path, loop):
    whole = Runner.from_cfg(iteration_checkpoint_config(synthetic_root, str(tmp_path / 'a'), loop))
    whole.train()
    assert whole.iter == 8

    cfg = iteration_checkpoint_config(synthetic_root, str(tmp_path / 'b'), loop)
    broken = Runner.from_cfg(cfg)
    broken.register_hook(CrashAt(5))  # after iter_3.pth, before iter_6.pth
    with pytest.raises(Crash):
        broken.train()

    cfg.resume = True
    cfg.experiment_name += '_resumed'
    resumed = Runner.from_cfg(cfg)
    resumed.train()
    assert resumed.iter == 8
    expected, actual = whole.model.state_dict(), resumed.model.state_dict()
    differ = [k for k in expected if not torch.equal(expected[k], actual[k])]
    assert not differ, f'{len(differ)} of {len(expected)} tensors differ, e.g. {differ[:3]}'
