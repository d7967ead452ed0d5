# Copyright (c) mmgrasp contributors. All rights reserved.
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmgrasp.engine.hooks import train_time_budget_hook
from mmgrasp.testing import tiny_train_config


class CountSaves(Hook):
    """Counts checkpoint saves."""

    def __init__(self) -> None:
        self.saves = 0

    def before_save_checkpoint(self, runner, checkpoint) -> None:
        self.saves += 1


def budget_config(synthetic_root: str, work_dir: str, minutes: float, interval: int = 100,
                  max_epochs: int = 50):
    """Epochs of 2 iterations, no validation; a CheckpointHook that saves every ``interval``."""
    cfg = tiny_train_config(synthetic_root, work_dir, max_epochs=max_epochs)
    cfg.train_dataloader.num_batch_per_epoch = 2
    cfg.train_cfg.val_interval = 100
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=interval)
    cfg.custom_hooks = [dict(type='TrainTimeBudgetHook', minutes=minutes)]
    return cfg


@pytest.mark.slow
def test_budget_stops_at_an_epoch_end_and_saves(synthetic_root, tmp_path):
    work_dir = str(tmp_path / 'budget')
    cfg = budget_config(synthetic_root, work_dir, minutes=1e-4)  # spent after 1 epoch
    runner = Runner.from_cfg(cfg)  # its CheckpointHook would never save
    runner.train()
    assert runner.epoch == 1  # stopped after the first epoch, not at 50
    ckpt = osp.join(work_dir, 'epoch_1.pth')
    assert osp.exists(ckpt) and osp.exists(ckpt + '.sha256')  # saved through CheckpointHook
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        assert f.read() == ckpt
    spent = torch.load(ckpt, weights_only=False)['train_time_budget']
    assert spent['budget_s'] == 1e-4 * 60 and spent['spent_s'] >= 1e-4 * 60


@pytest.mark.slow
def test_an_epoch_checkpointhook_saved_is_not_saved_again(synthetic_root, tmp_path):
    cfg = budget_config(synthetic_root, str(tmp_path / 'once'), minutes=1e-4, interval=1)
    runner = Runner.from_cfg(cfg)
    counter = CountSaves()
    runner.register_hook(counter)
    runner.train()
    assert runner.epoch == 1 and counter.saves == 1


@pytest.mark.slow
def test_resume_keeps_the_spent_budget(synthetic_root, tmp_path):
    work_dir = str(tmp_path / 'resumed')
    Runner.from_cfg(budget_config(synthetic_root, work_dir, minutes=1e-4)).train()
    cfg = budget_config(synthetic_root, work_dir, minutes=1e-4)
    cfg.resume = True
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.epoch == 1  # the budget was spent before the resume: nothing more is trained
    assert not osp.exists(osp.join(work_dir, 'epoch_2.pth'))


@pytest.mark.slow
def test_rank0_decides_for_every_rank(synthetic_root, tmp_path, monkeypatch):
    """A rank whose own clock says the budget is not spent stops when rank 0's says it is."""
    def rank0_spent_an_hour(tensor, src=0):
        assert src == 0
        tensor.fill_(3600.0)

    monkeypatch.setattr(train_time_budget_hook, 'broadcast', rank0_spent_an_hour)
    runner = Runner.from_cfg(budget_config(synthetic_root, str(tmp_path / 'ddp'), minutes=30))
    runner.train()
    assert runner.epoch == 1


class TenSecondEpochs(Hook):
    """Advances a fake clock by 10 s at every epoch end, before the budget hook reads it."""
    priority = 'HIGHEST'

    def __init__(self) -> None:
        self.now = 0.0

    def after_train_epoch(self, runner) -> None:
        self.now += 10.0


@pytest.mark.slow
@pytest.mark.parametrize('allow_overrun, epochs', [(False, 3), (True, 4)])
def test_budget_is_a_limit_unless_overrun_is_allowed(synthetic_root, tmp_path, monkeypatch,
                                                     allow_overrun, epochs):
    """10 s epochs, a 35 s budget: 3 epochs fit (30 s; a 4th would end at 40 s); the overrun
    mode stops at the first epoch end past 35 s, after the 4th."""
    clock = TenSecondEpochs()
    monkeypatch.setattr(train_time_budget_hook, 'perf_counter', lambda: clock.now)
    cfg = budget_config(synthetic_root, str(tmp_path / 'limit'), minutes=35 / 60)
    cfg.custom_hooks[0]['allow_overrun'] = allow_overrun
    runner = Runner.from_cfg(cfg)
    runner.register_hook(clock)
    runner.train()
    assert runner.epoch == epochs
    ckpt = osp.join(str(tmp_path / 'limit'), f'epoch_{epochs}.pth')
    spent = torch.load(ckpt, weights_only=False)['train_time_budget']['spent_s']
    assert spent == pytest.approx(10.0 * epochs)


@pytest.mark.slow
def test_a_run_stopped_by_the_limit_resumes_to_nothing(synthetic_root, tmp_path, monkeypatch):
    """Stopped after 3 epochs of 10 s with 35 s of budget (5 s left, shorter than an epoch):
    resumed with the same budget, it trains nothing (no 4th epoch ending at 40 s); with 45 s it
    trains the 4th and stops again (a 5th would end at 50 s)."""
    clock = TenSecondEpochs()
    monkeypatch.setattr(train_time_budget_hook, 'perf_counter', lambda: clock.now)
    work_dir = str(tmp_path / 'limit_resume')

    def train(minutes, resume):
        cfg = budget_config(synthetic_root, work_dir, minutes=minutes)
        cfg.resume = resume
        runner = Runner.from_cfg(cfg)
        runner.register_hook(clock)
        runner.train()
        return runner

    assert train(35 / 60, False).epoch == 3
    saved = torch.load(osp.join(work_dir, 'epoch_3.pth'), weights_only=False)
    assert saved['train_time_budget']['last_epoch_s'] == pytest.approx(10.0)
    assert train(35 / 60, True).epoch == 3
    assert not osp.exists(osp.join(work_dir, 'epoch_4.pth'))
    assert train(45 / 60, True).epoch == 4
    assert not osp.exists(osp.join(work_dir, 'epoch_5.pth'))
