# Copyright (c) mmgrasp contributors. All rights reserved.
from .bbox_heads import GraspBBoxHead
from .grasp_refine_head import GraspRefineHead, match_grasps
from .inplace_grasp_refine_head import InPlaceGraspRefineHead, grasp_coverage
from .roi_extractors import ParallelRoIExtractor

__all__ = [
    'GraspBBoxHead', 'GraspRefineHead', 'InPlaceGraspRefineHead', 'grasp_coverage', 'match_grasps',
    'ParallelRoIExtractor'
]
