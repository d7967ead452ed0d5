# Copyright (c) mmgrasp contributors. All rights reserved.
from .cached_refine_head import CachedRefineHead
from .grasp_det_seg import GraspDetSeg

__all__ = ['CachedRefineHead', 'GraspDetSeg']
