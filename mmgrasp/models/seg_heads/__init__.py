# Copyright (c) mmgrasp contributors. All rights reserved.
from .mini_deeplab_head import MiniDeepLabHead

__all__ = ['MiniDeepLabHead']
