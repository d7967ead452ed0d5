# Copyright (c) mmgrasp contributors. All rights reserved.
from .fast_bbox_overlaps import FastBboxOverlaps2D
from .fast_max_iou_assigner import FastMaxIoUAssigner

__all__ = ['FastBboxOverlaps2D', 'FastMaxIoUAssigner']
