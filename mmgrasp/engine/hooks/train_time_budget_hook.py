# Copyright (c) mmgrasp contributors. All rights reserved.
"""Keep training within a wall-clock budget (for CPU-budgeted benchmarks)."""
import os.path as osp
from time import perf_counter
from typing import Optional

import torch
from mmengine.dist import broadcast
from mmengine.hooks import CheckpointHook, Hook

from mmgrasp.registry import HOOKS

CKPT_KEY = 'train_time_budget'


@HOOKS.register_module()
class TrainTimeBudgetHook(Hook):
    """End training within ``minutes`` of training, at an epoch end.

    By default the budget is a limit: at each epoch end the hook stops when the next epoch, as
    long as the one that just ended, would end past the budget, so a run trains at most
    ``minutes`` (unless one epoch alone is longer; an epoch slower than the one before can also
    overshoot by the difference). With ``allow_overrun=True`` it stops at the first epoch end
    after the budget (the overshoot is at most one epoch; mmgrasp's only behaviour until
    2026-12-07). The last epoch is saved through ``CheckpointHook`` (its file name,
    ``last_checkpoint``, ``max_keep_ckpts``), whatever its interval, so the budgeted model can
    be tested and the run resumed; an epoch that ``CheckpointHook`` saved anyway is not saved
    again.

    - **One decision for all ranks**: rank 0's clock decides; its spent time is broadcast at each
      epoch end, so under DDP every rank stops after the same epoch.
    - **Resuming keeps the budget**: the spent time and the last epoch's length are saved in each
      checkpoint (``train_time_budget``) and counted on after ``--resume``; a run resumed with
      its budget spent, or with less of it left than that epoch took (unless
      ``allow_overrun``), stops before training (give a larger ``minutes`` to train on).

    Args:
        minutes (float): Training time budget in minutes (validation excluded).
        allow_overrun (bool): Stop at the first epoch end after the budget instead of before
            an epoch that would end past it. Defaults to False.
    """
    priority = 'LOWEST'  # after_train_epoch: after CheckpointHook, to see whether it saved

    def __init__(self, minutes: float, allow_overrun: bool = False) -> None:
        if minutes <= 0:
            raise ValueError(f'minutes must be positive, got {minutes}')
        self.budget_s = minutes * 60
        self.allow_overrun = allow_overrun
        self._spent = 0.0
        self._last_epoch_s = 0.0  # the length of the last finished epoch (0 before any)
        self._epoch_start: Optional[float] = None
        self._loaded: Optional[dict] = None

    def _checkpoint_hook(self, runner) -> CheckpointHook:
        hooks = [h for h in runner.hooks if isinstance(h, CheckpointHook) and h.by_epoch]
        if not hooks:
            raise ValueError('TrainTimeBudgetHook saves through an epoch-based CheckpointHook '
                             '(by_epoch=True), and the runner has none.')
        return hooks[0]

    def _spent_now(self) -> float:
        running = 0.0 if self._epoch_start is None else perf_counter() - self._epoch_start
        return self._spent + running

    def _stops(self, spent_s: float, epoch_s: float) -> bool:
        """Whether training stops with ``spent_s`` trained and epochs of ``epoch_s``."""
        if self.allow_overrun:
            return spent_s >= self.budget_s
        return spent_s + epoch_s > self.budget_s

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        # saved at an epoch end: the running epoch, just finished, is the last epoch's length
        epoch_s = (self._last_epoch_s if self._epoch_start is None else
                   perf_counter() - self._epoch_start)
        checkpoint[CKPT_KEY] = dict(spent_s=self._spent_now(), budget_s=self.budget_s,
                                    last_epoch_s=epoch_s)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # also called by `load_from` (fine-tuning): counted in before_train only if resumed
        self._loaded = checkpoint.get(CKPT_KEY)

    def before_train(self, runner) -> None:
        self._checkpoint_hook(runner)  # fail early, not after the first epoch
        loaded, self._loaded = self._loaded, None
        if runner.iter == 0 or not loaded or loaded.get('spent_s') is None:
            return
        self._spent = float(loaded['spent_s'])
        self._last_epoch_s = float(loaded.get('last_epoch_s', 0.0))  # absent before 2026-12-07
        runner.logger.info(f'Training time budget: {self._spent / 60:.1f} of '
                           f'{self.budget_s / 60:.1f} min spent before the resume.')
        if self._stops(self._spent, self._last_epoch_s):
            runner.logger.info('Training time budget already spent, or too little of it left '
                               'for another epoch: nothing to train (give a larger budget to '
                               'train on).')
            runner.train_loop.stop_training = True

    def before_train_epoch(self, runner) -> None:
        self._epoch_start = perf_counter()

    def after_train_epoch(self, runner) -> None:
        spent = torch.tensor([self._spent_now()], dtype=torch.float64)
        broadcast(spent, src=0)  # rank 0's clock decides for every rank
        epoch_s = float(spent[0]) - self._spent  # the epoch that just ended, by rank 0's clock
        self._spent, self._epoch_start, self._last_epoch_s = float(spent[0]), None, epoch_s
        if not self._stops(self._spent, epoch_s):
            return
        epoch = runner.epoch + 1  # the epoch that just ended (the loop counts after hooks)
        why = ('spent' if self._spent >= self.budget_s else
               f'left ({(self.budget_s - self._spent) / 60:.1f} min) shorter than an epoch '
               f'({epoch_s / 60:.1f} min)')
        runner.logger.info(f'Training time budget of {self.budget_s / 60:.1f} min {why} '
                           f'({self._spent / 60:.1f} min trained) after epoch {epoch}: stopping')
        runner.train_loop.stop_training = True
        hook = self._checkpoint_hook(runner)
        last = runner.message_hub.get_info('last_ckpt')
        if last is None or osp.basename(last) != hook.filename_tmpl.format(epoch):
            hook._save_checkpoint(runner)  # mmengine has no public "save now" on the hook
