# Copyright (c) mmgrasp contributors. All rights reserved.
from .rgbd_data_preprocessor import RGBDDataPreprocessor

__all__ = ['RGBDDataPreprocessor']
