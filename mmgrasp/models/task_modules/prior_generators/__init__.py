# Copyright (c) mmgrasp contributors. All rights reserved.
from .cached_anchor_generator import CachedAnchorGenerator

__all__ = ['CachedAnchorGenerator']
