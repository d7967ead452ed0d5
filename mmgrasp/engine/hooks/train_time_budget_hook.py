# Copyright (c) mmgrasp contributors. All rights reserved.
"""Stop training once a wall-clock budget is spent (for CPU-budgeted benchmarks)."""
import os.path as osp
import time
from typing import Optional

from mmengine.hooks import Hook

from mmgrasp.registry import HOOKS


@HOOKS.register_module()
class TrainTimeBudgetHook(Hook):
    """End training at the first epoch end after ``minutes`` of training.

    The loop finishes the running epoch (the overshoot is at most one epoch), and the hook saves
    that epoch's checkpoint (and ``last_checkpoint``), whatever the CheckpointHook's interval, so
    the budgeted model can be tested and the run resumed.

    Args:
        minutes (float): Training time budget in minutes (validation excluded).
    """
    priority = 'LOW'

    def __init__(self, minutes: float) -> None:
        if minutes <= 0:
            raise ValueError(f'minutes must be positive, got {minutes}')
        self.budget_s = minutes * 60
        self._spent = 0.0
        self._epoch_start: Optional[float] = None

    def before_train_epoch(self, runner) -> None:
        self._epoch_start = time.perf_counter()

    def after_train_epoch(self, runner) -> None:
        if self._epoch_start is not None:
            self._spent += time.perf_counter() - self._epoch_start
        if self._spent >= self.budget_s:
            epoch = runner.epoch + 1  # the epoch that just ended (the loop counts after hooks)
            runner.logger.info(f'Training time budget of {self.budget_s / 60:.1f} min spent '
                               f'({self._spent / 60:.1f} min) after epoch {epoch}: stopping')
            runner.train_loop.stop_training = True
            filename = f'epoch_{epoch}.pth'
            runner.save_checkpoint(runner.work_dir, filename)
            with open(osp.join(runner.work_dir, 'last_checkpoint'), 'w') as f:
                f.write(osp.join(runner.work_dir, filename))
