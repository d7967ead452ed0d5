# Copyright (c) mmgrasp contributors. All rights reserved.
from .pretrained_files import PRETRAINED_FETCH_COMMANDS, check_pretrained_files

__all__ = ['PRETRAINED_FETCH_COMMANDS', 'check_pretrained_files']
