# Copyright (c) mmgrasp contributors. All rights reserved.
from .parallel_roi_extractor import ParallelRoIExtractor

__all__ = ['ParallelRoIExtractor']
