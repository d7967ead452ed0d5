# Copyright (c) mmgrasp contributors. All rights reserved.
from .fast_bbox_overlaps import FastBboxOverlaps2D

__all__ = ['FastBboxOverlaps2D']
