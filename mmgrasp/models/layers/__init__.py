# Copyright (c) mmgrasp contributors. All rights reserved.
from .mini_deeplab import MiniDeepLab, box_filter
from .prefix_multiclass_nms import prefix_multiclass_nms

__all__ = ['MiniDeepLab', 'box_filter', 'prefix_multiclass_nms']
