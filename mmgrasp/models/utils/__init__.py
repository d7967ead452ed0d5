# Copyright (c) mmgrasp contributors. All rights reserved.
from .channel_argmax import channel_argmax
from .image_input_checks import MAX_INPUT_PIXELS, MIN_INPUT_SIDE, check_network_inputs
from .pretrained_files import PRETRAINED_FETCH_COMMANDS, check_pretrained_files
from .roi_align_rotated_grid import roi_align_rotated_grid
from .warp_to_original import warp_to_original

__all__ = [
    'channel_argmax', 'MAX_INPUT_PIXELS', 'MIN_INPUT_SIDE', 'check_network_inputs',
    'PRETRAINED_FETCH_COMMANDS', 'check_pretrained_files',
    'roi_align_rotated_grid', 'warp_to_original'
]
