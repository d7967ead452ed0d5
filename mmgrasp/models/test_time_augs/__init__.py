# Copyright (c) mmgrasp contributors. All rights reserved.
from .grasp_tta_model import GraspTTAModel

__all__ = ['GraspTTAModel']
