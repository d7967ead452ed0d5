# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasp drawing (plates blue, opening red). Registered on import."""
