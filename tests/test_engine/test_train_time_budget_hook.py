# Copyright (c) mmgrasp contributors. All rights reserved.
import os.path as osp

from mmengine.runner import Runner

from mmgrasp.testing import tiny_train_config


def test_budget_stops_at_an_epoch_end_and_saves(synthetic_root, tmp_path):
    cfg = tiny_train_config(synthetic_root, str(tmp_path / 'budget'), max_epochs=50)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)  # would never save
    cfg.custom_hooks = [dict(type='TrainTimeBudgetHook', minutes=1e-4)]  # spent after 1 epoch
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.epoch == 1  # stopped after the first epoch, not at 50
    ckpt = osp.join(str(tmp_path / 'budget'), 'epoch_1.pth')
    assert osp.exists(ckpt)
    with open(osp.join(str(tmp_path / 'budget'), 'last_checkpoint')) as f:
        assert f.read() == ckpt
