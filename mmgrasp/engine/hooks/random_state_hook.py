# Copyright (c) mmgrasp contributors. All rights reserved.
"""Make a resumed run draw the same random numbers as a run that was never interrupted."""
from functools import partial
from typing import Any, Dict, List, Optional

from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import CheckpointHook, Hook
from mmengine.runner import IterBasedTrainLoop

from mmgrasp.registry import HOOKS
from mmgrasp.utils.rng_state import capture_rng_state, restore_rng_state, seed_dataloader_worker

CKPT_KEY = 'rng_state'


class _SkipTrainedBatches:
    """The train dataloader of a run resumed mid-epoch, for that epoch only.

    mmengine's ``EpochBasedTrainLoop`` restarts an epoch from its first batch; this proxy draws
    (and drops) the batches the checkpoint had already trained on, then calls ``on_skipped``
    (which restores the random state) before the next batch is loaded, so the rest of the epoch
    sees the batches and random draws of the uninterrupted run. The loop's ``batch_idx`` counts
    from 0 again in that epoch (log lines only).
    """

    def __init__(self, loader, skip: int, on_skipped) -> None:
        self._loader = loader
        self._skip = skip
        self._on_skipped = on_skipped

    def __iter__(self):
        batches = iter(self._loader)
        for _ in range(self._skip):
            next(batches)
        self._on_skipped()
        yield from batches

    def __len__(self) -> int:
        return len(self._loader)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _RestoreAfterSkip:
    """``IterBasedTrainLoop.dataloader_iterator`` after a resume: mmengine draws ``skip`` batches
    to skip them, then this restores the random state before the next batch is loaded."""

    def __init__(self, iterator, skip: int, on_skipped) -> None:
        self._iterator = iterator
        self._left = skip
        self._on_skipped = on_skipped

    def __iter__(self):
        return self

    def __next__(self):
        if self._left == 0 and self._on_skipped is not None:
            self._on_skipped()
            self._on_skipped = None
        self._left -= 1
        return next(self._iterator)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._iterator, name)


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Keep the random state in checkpoints, so that a resumed run continues bit for bit.

    - **Checkpoints** get ``rng_state``: the states of Python's ``random``, NumPy, torch (and
      CUDA) of every rank at the moment of saving, and the train sampler's seed. A resume puts
      them back just before the first batch after the checkpoint is loaded (after mmengine has
      skipped the batches already trained on).
    - **Validation** during training runs on a copy of the state: it is put back afterwards, so
      validating (or not, as in a resumed run that starts after a validation) changes nothing.
    - **Dataloader workers** are seeded from (seed, epoch, rank, worker id)
      (:func:`~mmgrasp.utils.rng_state.seed_dataloader_worker`) and, when persistent, started
      again at each epoch: a worker's random augmentations in an epoch then depend on nothing
      that happened before it.
    - **Mid-epoch checkpoints** (a ``CheckpointHook`` with ``by_epoch=False`` under an
      ``EpochBasedTrainLoop``): the resumed epoch skips the batches already trained on, where
      mmengine would train on them again.

    Args:
        reseed_workers (bool): Seed train dataloader workers per epoch as above. Defaults to True.
    """
    priority = 'LOW'  # after_train_*: before CheckpointHook (VERY_LOW) saves

    def __init__(self, reseed_workers: bool = True) -> None:
        self.reseed_workers = reseed_workers
        self._loaded: Optional[Dict[str, Any]] = None
        self._pending: Optional[Dict[str, Any]] = None
        self._gathered: Optional[List[Dict[str, Any]]] = None
        self._gathered_at: Optional[tuple] = None
        self._val_state: Optional[Dict[str, Any]] = None
        self._real_loader = None

    # -- saving -----------------------------------------------------------------------------
    def _gather(self, runner) -> None:
        """Collect every rank's state where a checkpoint may be saved (a collective call)."""
        if get_world_size() > 1:
            self._gathered = all_gather_object(capture_rng_state())
            self._gathered_at = (runner.epoch, runner.iter)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        for hook in runner.hooks:
            if isinstance(hook, CheckpointHook) and not hook.by_epoch and (
                    hook.every_n_train_iters(runner, hook.interval, hook.save_begin)
                    or (hook.save_last and hook.is_last_train_iter(runner))):
                self._gather(runner)
                return

    def after_train_epoch(self, runner) -> None:
        self._gather(runner)
        if self._real_loader is not None:  # the resumed epoch is over
            runner.train_loop.dataloader = self._real_loader
            self._real_loader = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if get_world_size() > 1 and self._gathered_at == (runner.epoch, runner.iter):
            ranks = self._gathered
        else:  # one process, or a save at a point where the ranks were not gathered
            ranks = [self._val_state if self._val_state is not None else capture_rng_state()]
        sampler = getattr(runner.train_dataloader, 'sampler', None)
        checkpoint[CKPT_KEY] = dict(ranks=ranks, sampler_seed=getattr(sampler, 'seed', None))

    # -- validation -------------------------------------------------------------------------
    def before_val(self, runner) -> None:
        self._val_state = capture_rng_state()

    def after_val(self, runner) -> None:
        if self._val_state is not None:
            restore_rng_state(self._val_state)
            self._val_state = None

    # -- resuming ---------------------------------------------------------------------------
    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # also called by `load_from` (fine-tuning): used in before_train only if the run resumed
        self._loaded = checkpoint.get(CKPT_KEY)

    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        if self.reseed_workers and getattr(loader, 'num_workers', 0) > 0:
            loader.worker_init_fn = partial(
                seed_dataloader_worker, seed=runner.seed, rank=get_rank(),
                sampler=getattr(loader, 'sampler', None))
        loaded, self._loaded = self._loaded, None
        if runner.iter == 0:
            return
        if loaded is None:
            runner.logger.warning(
                f'Resumed at iteration {runner.iter} from a checkpoint without random state '
                '(saved before mmgrasp kept it): the run continues, but not exactly as an '
                'uninterrupted one would.')
            return
        ranks = loaded['ranks']
        if len(ranks) == get_world_size():
            state = ranks[get_rank()]
        else:
            state = ranks[0]
            runner.logger.warning(
                f'The checkpoint holds the random state of {len(ranks)} process(es), this run has '
                f'{get_world_size()}: every process continues from the state of rank 0.')
        sampler = getattr(loader, 'sampler', None)
        seed = loaded.get('sampler_seed')
        if seed is not None and getattr(sampler, 'seed', seed) != seed:
            sampler.seed = seed  # a run without a fixed seed drew it at random
        self._pending = state
        done = runner.iter - runner.epoch * len(loader)
        if isinstance(runner.train_loop, IterBasedTrainLoop):
            loop = runner.train_loop
            loop.dataloader_iterator = _RestoreAfterSkip(loop.dataloader_iterator, runner.iter,
                                                         self._restore)
        elif 0 < done < len(loader):
            runner.logger.info(f'Resumed in the middle of epoch {runner.epoch + 1}: skipping the '
                               f'{done} batches of it trained before the checkpoint.')
            self._real_loader = loader
            runner.train_loop.dataloader = _SkipTrainedBatches(loader, done, self._restore)

    def _restore(self) -> None:
        if self._pending is not None:
            restore_rng_state(self._pending)
            self._pending = None

    def before_train_epoch(self, runner) -> None:
        if isinstance(runner.train_loop, IterBasedTrainLoop):
            # one "epoch" for the whole run; its iterator (and persistent workers) lives in the
            # loop, and mmengine's skip on resume replays the workers' draws exactly
            return
        loader = self._real_loader or runner.train_dataloader
        if self.reseed_workers and getattr(loader, 'persistent_workers', False) and getattr(
                loader, '_iterator', None) is not None:
            # persistent workers keep their random state across epochs; start them again so
            # that `seed_dataloader_worker` seeds them for this epoch (torch has no public API)
            loader._iterator._shutdown_workers()
            loader._iterator = None
        if self._real_loader is None:
            self._restore()  # at an epoch boundary: before this epoch's iterator is created
