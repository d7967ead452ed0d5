# Copyright (c) mmgrasp contributors. All rights reserved.
from .checkpoint_files import CheckpointError, check_checkpoint
from .dist_utils import setup_cpu_distributed, teardown_distributed
from .json_io import write_json_atomic
from .safe_checkpoint import UnsafeCheckpointError, load_checkpoint_safely
from .setup_env import register_all_modules
from .stored_config import StoredConfigError, config_from_text, stored_config

__all__ = [
    'CheckpointError', 'check_checkpoint', 'register_all_modules', 'setup_cpu_distributed',
    'teardown_distributed', 'write_json_atomic', 'UnsafeCheckpointError',
    'load_checkpoint_safely', 'StoredConfigError', 'config_from_text', 'stored_config'
]
