# Copyright (c) mmgrasp contributors. All rights reserved.
"""One training run per work dir (:class:`~mmgrasp.utils.work_dir_lock.WorkDirLock`)."""
import atexit
import os

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.runner import BaseLoop

from mmgrasp.registry import HOOKS
from mmgrasp.utils.checkpoint_files import leftover_temporaries
from mmgrasp.utils.work_dir_lock import WorkDirLock
from .checkpoint_integrity_hook import _decided_on_rank0


@HOOKS.register_module()
class WorkDirLockHook(Hook):
    """Take the work dir's lock before training; release it when the run ends.

    ``before_run`` of a training run (``runner.train()``; testing and validation take no lock, so
    ``tools/test.py`` can evaluate the checkpoints of a run in progress) creates
    ``<work_dir>/train.lock`` exclusively on rank 0. If another live run holds it, every rank
    stops with :class:`~mmgrasp.utils.work_dir_lock.WorkDirBusyError`, which names that run's PID,
    host, start time and command, before anything is loaded or written. A lock left by a dead
    process of this host is taken over with a warning. The lock is released in ``after_run`` and
    at the exit of the process (a run stopped by an exception); a killed process leaves it, and
    the next run takes it over, and removes the temporary files of a save it interrupted.

    Its priority is the highest, so that it runs before ``CheckpointIntegrityHook`` looks at the
    work dir's checkpoints.
    """
    priority = 'HIGHEST'

    def __init__(self) -> None:
        self._lock = None

    def before_run(self, runner) -> None:
        if not isinstance(runner._train_loop, BaseLoop):  # built by runner.train() only
            return
        lock = WorkDirLock(runner.work_dir)

        def take():
            notes = lock.acquire()
            atexit.register(lock.release)
            # holding the lock, no other run writes here: temporary files are left by a killed
            # run (a checkpoint half-written when SIGKILL came)
            leftovers = leftover_temporaries(runner.work_dir)
            for path in leftovers:
                os.remove(path)
            if leftovers:
                notes.append('Removed the temporary files of an interrupted save: '
                             + ', '.join(leftovers) + '.')
            return notes

        notes = _decided_on_rank0(take)
        if is_main_process():
            self._lock = lock
            for note in notes:
                runner.logger.warning(note)
            runner.logger.info(f'Holding {lock.path} for this run.')

    def after_run(self, runner) -> None:
        if self._lock is not None:
            self._lock.release()
            atexit.unregister(self._lock.release)
            self._lock = None
