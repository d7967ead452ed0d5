# Copyright (c) mmgrasp contributors. All rights reserved.
from .coders import DeltaXYWHTGraspCoder, delta2grasp, grasp2delta

__all__ = ['DeltaXYWHTGraspCoder', 'grasp2delta', 'delta2grasp']
