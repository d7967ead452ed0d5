# Copyright (c) mmgrasp contributors. All rights reserved.
"""Training-time extensions (hooks, loops). Registered on import."""
