# Copyright (c) mmgrasp contributors. All rights reserved.
from .dist_utils import setup_cpu_distributed, teardown_distributed
from .json_io import write_json_atomic
from .setup_env import register_all_modules

__all__ = [
    'register_all_modules', 'setup_cpu_distributed', 'teardown_distributed', 'write_json_atomic'
]
