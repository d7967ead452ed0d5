# Copyright (c) mmgrasp contributors. All rights reserved.
from .checkpoint_integrity_hook import CheckpointIntegrityHook
from .freeze_all_but_refine_hook import FreezeAllButRefineHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .random_state_hook import RandomStateHook
from .train_time_budget_hook import TrainTimeBudgetHook
from .val_history_hook import ValHistoryHook, read_val_history
from .work_dir_lock_hook import WorkDirLockHook

__all__ = [
    'CheckpointIntegrityHook', 'FreezeAllButRefineHook', 'NonFiniteLossError',
    'NonFiniteLossHook', 'RandomStateHook', 'TrainTimeBudgetHook', 'ValHistoryHook',
    'read_val_history', 'WorkDirLockHook'
]
