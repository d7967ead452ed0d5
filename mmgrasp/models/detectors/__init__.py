# Copyright (c) mmgrasp contributors. All rights reserved.
from .grasp_det_seg import GraspDetSeg

__all__ = ['GraspDetSeg']
