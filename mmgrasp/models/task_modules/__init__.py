# Copyright (c) mmgrasp contributors. All rights reserved.
from .assigners import FastBboxOverlaps2D
from .coders import DeltaXYWHTGraspCoder, delta2grasp, grasp2delta

__all__ = ['DeltaXYWHTGraspCoder', 'FastBboxOverlaps2D', 'grasp2delta', 'delta2grasp']
