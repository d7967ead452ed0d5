# Copyright (c) mmgrasp contributors. All rights reserved.
from .grasp_efficientnet_lite import GraspEfficientNetLite
from .grasp_mobilenet_v2 import GraspMobileNetV2
from .rgbd_mobilenet_v2 import RGBDMobileNetV2

__all__ = ['GraspEfficientNetLite', 'GraspMobileNetV2', 'RGBDMobileNetV2']
