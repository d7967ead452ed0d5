# Copyright (c) mmgrasp contributors. All rights reserved.
"""Training-time extensions (hooks, the checkpoint file backend). Registered on import."""
from .atomic_local_backend import AtomicLocalBackend
from .hooks import *  # noqa: F401,F403

__all__ = ['AtomicLocalBackend']
