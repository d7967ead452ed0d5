# Copyright (c) mmgrasp contributors. All rights reserved.
"""A hook that kills its own training process right after a chosen checkpoint (for tests)."""
import os
import signal

from mmengine.hooks import Hook

from mmgrasp.registry import HOOKS


@HOOKS.register_module()
class KillAfterCheckpointHook(Hook):
    """SIGKILL the process at the end of epoch ``epoch``, after the checkpoint of that epoch.

    A test that kills a run from outside (polling for the checkpoint) cannot say at which point
    the kill lands: one poll may see the checkpoint of epoch 1 while the run has gone on to the
    next. This hook runs after ``CheckpointHook`` (priority ``'LOWEST'``, and ``after_train_epoch``
    is where the checkpoint is written) and kills the process itself, so the run always dies
    right after the checkpoint of ``epoch`` is published and before anything of the next epoch.
    ``SIGKILL`` runs no clean-up, as a machine that loses power would not.

    Args:
        epoch (int): 1-based epoch after whose checkpoint the process dies.
    """

    priority = 'LOWEST'

    def __init__(self, epoch: int) -> None:
        if epoch < 1:
            raise ValueError(f'epoch must be >= 1, got {epoch}')
        self.epoch = epoch

    def after_train_epoch(self, runner) -> None:
        """Kill the process once ``runner.epoch + 1 == epoch`` (the epoch just ended)."""
        if runner.epoch + 1 == self.epoch:
            os.kill(os.getpid(), signal.SIGKILL)
