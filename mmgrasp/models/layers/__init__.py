# Copyright (c) mmgrasp contributors. All rights reserved.
from .mini_deeplab import MiniDeepLab, box_filter

__all__ = ['MiniDeepLab', 'box_filter']
