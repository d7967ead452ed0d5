# Copyright (c) mmgrasp contributors. All rights reserved.
from .bbox_heads import GraspBBoxHead
from .grasp_refine_head import GraspRefineHead

__all__ = ['GraspBBoxHead', 'GraspRefineHead']
