# Copyright (c) mmgrasp contributors. All rights reserved.
from .assigners import FastBboxOverlaps2D, FastMaxIoUAssigner
from .coders import DeltaXYWHTGraspCoder, delta2grasp, grasp2delta

__all__ = [
    'DeltaXYWHTGraspCoder', 'FastBboxOverlaps2D', 'FastMaxIoUAssigner', 'grasp2delta', 'delta2grasp'
]
