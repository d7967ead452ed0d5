# Copyright (c) mmgrasp contributors. All rights reserved.
from ._utils import (demo_grasp_inputs, get_config, get_detector_cfg, load_script, shared_data_path,
                     shared_data_root, tiny_scored_detector, tiny_train_config)

__all__ = [
    'demo_grasp_inputs', 'get_config', 'get_detector_cfg', 'load_script',
    'shared_data_path', 'shared_data_root', 'tiny_scored_detector', 'tiny_train_config'
]
