# Copyright (c) mmgrasp contributors. All rights reserved.
from .hard_pixel_cross_entropy_loss import HardPixelCrossEntropyLoss

__all__ = ['HardPixelCrossEntropyLoss']
