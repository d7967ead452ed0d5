# Copyright (c) mmgrasp contributors. All rights reserved.
from ._utils import demo_grasp_inputs, get_config, get_detector_cfg, shared_data_root

__all__ = ['demo_grasp_inputs', 'get_config', 'get_detector_cfg', 'shared_data_root']
