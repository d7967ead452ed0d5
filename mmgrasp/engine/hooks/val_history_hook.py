# Copyright (c) mmgrasp contributors. All rights reserved.
"""Record every validation of a run in one JSON file of the work dir (a learning curve)."""
import json
import os.path as osp
from typing import Dict, Optional

from mmengine.hooks import Hook

from mmgrasp.registry import HOOKS
from mmgrasp.utils import write_json_atomic


@HOOKS.register_module()
class ValHistoryHook(Hook):
    """Append each validation's metrics, keyed by the training iteration, to a JSON file.

    The file maps ``str(iteration)`` to the metrics dict; a resumed run that validates the same
    iteration again overwrites that entry, so the file is the curve of one uninterrupted run.
    ``tools/analysis_tools/refine_head_study.py`` reads it to decide whether the validation loss
    has stopped falling and to plot the curves.

    Args:
        filename (str): File name in the work dir. Defaults to ``'val_history.json'``.
    """
    priority = 'LOW'

    def __init__(self, filename: str = 'val_history.json') -> None:
        self.filename = filename

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        if not metrics:
            return
        path = osp.join(runner.work_dir, self.filename)
        history = read_val_history(path)
        history[str(runner.iter)] = {k: float(v) for k, v in metrics.items()}
        write_json_atomic(path, dict(sorted(history.items(), key=lambda kv: int(kv[0]))))


def read_val_history(path: str) -> Dict[str, Dict[str, float]]:
    """The history written by :class:`ValHistoryHook` (empty when there is none yet)."""
    if not osp.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)
