# Copyright (c) mmgrasp contributors. All rights reserved.
from .functional.robustness import insert_after_loading, robustness_conditions
from .metrics import *  # noqa: F401,F403

__all__ = ['insert_after_loading', 'robustness_conditions']
