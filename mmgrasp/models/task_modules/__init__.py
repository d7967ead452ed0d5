# Copyright (c) mmgrasp contributors. All rights reserved.
from .assigners import FastBboxOverlaps2D, FastMaxIoUAssigner
from .coders import DeltaXYWHTGraspCoder, delta2grasp, grasp2delta
from .prior_generators import CachedAnchorGenerator

__all__ = [
    'CachedAnchorGenerator', 'DeltaXYWHTGraspCoder', 'FastBboxOverlaps2D', 'FastMaxIoUAssigner',
    'grasp2delta', 'delta2grasp'
]
