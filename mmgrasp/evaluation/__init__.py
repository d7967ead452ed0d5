# Copyright (c) mmgrasp contributors. All rights reserved.
from .metrics import *  # noqa: F401,F403
from .robustness import insert_after_loading, robustness_conditions

__all__ = ['insert_after_loading', 'robustness_conditions']
