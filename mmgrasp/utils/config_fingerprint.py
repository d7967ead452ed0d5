# Copyright (c) mmgrasp contributors. All rights reserved.
"""The parts of a config that a resumed run must share with its checkpoint.

A checkpoint holds the model's weights, the optimizer's state and the schedulers' state. Resumed
with another model, the optimizer's state no longer fits its parameters (a ``RuntimeError`` deep
in ``torch/optim``); resumed with another optimizer or schedule, mmengine puts the checkpoint's
``lr`` and schedule back, so the edited values are silently ignored. Each checkpoint therefore
records the ``model``, ``optim_wrapper`` and ``param_scheduler`` parts of its config, flattened
to ``dotted.key -> repr(value)`` (data, no code), and a resume compares them with the new config.
``init_cfg`` entries are left out: they only say how weights start, and a resumed run takes its
weights from the checkpoint.
"""
import hashlib
import json
from typing import Any, Dict, List, Optional

from mmengine.config import Config, ConfigDict

RESUME_KEYS = ('model', 'optim_wrapper', 'param_scheduler')
# checkpoint['meta'][META_KEY] = {'sha256': ..., 'keys': {dotted key: repr}}
META_KEY = 'resume_fingerprint'


def _flatten(value: Any, prefix: str, out: Dict[str, str]) -> None:
    if isinstance(value, ConfigDict):
        value = value.to_dict()
    if isinstance(value, dict):
        if not value:
            out[prefix] = '{}'
        for key in sorted(value, key=str):
            if key == 'init_cfg':
                continue
            _flatten(value[key], f'{prefix}.{key}', out)
    elif isinstance(value, (list, tuple)):
        if not value:
            out[prefix] = repr(value)
        for i, item in enumerate(value):
            _flatten(item, f'{prefix}[{i}]', out)
    else:
        out[prefix] = repr(value)


def resume_fingerprint(cfg: Config) -> Optional[Dict[str, Any]]:
    """The fingerprint of ``cfg``'s model, optimizer and schedule (None without a model).

    Args:
        cfg (Config): A run's full config.

    Returns:
        dict, optional: ``{'sha256': str, 'keys': {dotted key: repr(value)}}``.
    """
    if cfg.get('model') is None:
        return None
    keys: Dict[str, str] = {}
    for name in RESUME_KEYS:
        _flatten(cfg.get(name), name, keys)
    digest = hashlib.sha256(json.dumps(keys, sort_keys=True).encode()).hexdigest()
    return dict(sha256=digest, keys=keys)


def fingerprint_differences(recorded: Dict[str, Any], current: Dict[str, Any]) -> List[str]:
    """The keys whose values differ, as ``key: <checkpoint's> -> <config's>`` lines.

    Args:
        recorded (dict): The fingerprint stored in the checkpoint.
        current (dict): The fingerprint of the config of the run.

    Returns:
        list[str]: Sorted; ``(absent)`` marks a key only one side has. Empty when they agree.
    """
    if recorded.get('sha256') == current.get('sha256'):
        return []
    old, new = recorded.get('keys') or {}, current.get('keys') or {}
    lines = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            lines.append(f"{key}: {old.get(key, '(absent)')} -> {new.get(key, '(absent)')}")
    return lines
