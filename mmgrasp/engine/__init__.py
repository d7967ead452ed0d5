# Copyright (c) mmgrasp contributors. All rights reserved.
"""Training-time extensions (hooks). Registered on import."""
from .hooks import *  # noqa: F401,F403
