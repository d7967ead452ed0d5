# Copyright (c) mmgrasp contributors. All rights reserved.
from .grasp_mobilenet_v2 import GraspMobileNetV2
from .rgbd_mobilenet_v2 import RGBDMobileNetV2

__all__ = ['GraspMobileNetV2', 'RGBDMobileNetV2']
