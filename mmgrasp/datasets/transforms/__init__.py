# Copyright (c) mmgrasp contributors. All rights reserved.
from .formatting import PackGraspInputs
from .grasp_background_erasing import GraspRandomBackgroundErasing
from .grasp_center_crop import GraspCenterCrop
from .grasp_random_flip import GraspRandomFlip
from .grasp_random_rotate_translate import GraspRandomRotateTranslate
from .grasp_resize import GraspResize
from .grasp_translate import GraspTranslate
from .load_depth import LoadDepthFromFile
from .load_image import LoadImageFromFile
from .loading import LoadGraspAnnotations

__all__ = [
    'LoadGraspAnnotations', 'LoadImageFromFile', 'LoadDepthFromFile', 'GraspResize',
    'GraspCenterCrop', 'GraspRandomRotateTranslate', 'GraspRandomFlip', 'GraspTranslate',
    'GraspRandomBackgroundErasing', 'PackGraspInputs'
]
