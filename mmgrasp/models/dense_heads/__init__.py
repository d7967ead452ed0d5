# Copyright (c) mmgrasp contributors. All rights reserved.
from .fast_rpn_head import FastRPNHead, top_scores

__all__ = ['FastRPNHead', 'top_scores']
