# Copyright (c) mmgrasp contributors. All rights reserved.
"""Train only the refinement head of a Det_Seg_Refine model (paper VI-C)."""
import time
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmgrasp.registry import HOOKS

TRAINABLE = 'refine_head'


@HOOKS.register_module()
class FreezeAllButRefineHook(Hook):
    """Train only the refinement head (paper VI-C), optionally within a time budget.

    Before training, every parameter outside ``refine_head`` stops requiring gradients; before
    each iteration the other sub-modules are put in eval mode, so that their norm layers keep
    their statistics (the loop's ``model.train()`` would otherwise update them).

    Args:
        minutes (float, optional): Stop training (and save a checkpoint) after this many
            minutes. Defaults to None.
    """
    priority = 'VERY_HIGH'

    def __init__(self, minutes: Optional[float] = None) -> None:
        self.budget_s = None if minutes is None else minutes * 60
        self._start = 0.0

    @staticmethod
    def _model(runner):
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def before_train(self, runner) -> None:
        model = self._model(runner)
        if getattr(model, TRAINABLE, None) is None:
            raise ValueError(f'the model has no {TRAINABLE}: nothing to fine-tune')
        for name, param in model.named_parameters():
            param.requires_grad_(name.startswith(TRAINABLE + '.'))
        self._start = time.perf_counter()

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        for name, child in self._model(runner).named_children():
            if name != TRAINABLE:
                child.eval()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self.budget_s is not None and time.perf_counter() - self._start >= self.budget_s:
            runner.logger.info(f'time budget of {self.budget_s / 60:.1f} min spent at iteration '
                               f'{runner.iter + 1}: stopping')
            runner.train_loop.stop_training = True
