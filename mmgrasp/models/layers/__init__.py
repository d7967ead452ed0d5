# Copyright (c) mmgrasp contributors. All rights reserved.
from .channel_threaded_roi_align import ChannelThreadedRoIAlign
from .mini_deeplab import MiniDeepLab, box_filter
from .prefix_batched_nms import prefix_batched_nms
from .prefix_multiclass_nms import prefix_multiclass_nms

__all__ = [
    'ChannelThreadedRoIAlign', 'MiniDeepLab', 'box_filter', 'prefix_batched_nms',
    'prefix_multiclass_nms'
]
