# Copyright (c) mmgrasp contributors. All rights reserved.
from .grasp_bbox_head import GraspBBoxHead

__all__ = ['GraspBBoxHead']
