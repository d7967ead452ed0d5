# Copyright (c) mmgrasp contributors. All rights reserved.
from .rgbd_mobilenet_v2 import RGBDMobileNetV2

__all__ = ['RGBDMobileNetV2']
