# Copyright (c) mmgrasp contributors. All rights reserved.
"""Using a trained model: the inferencer and the grasp-per-object selection.

``mmdet.apis.init_detector`` and ``mmdet.apis.inference_detector`` work on mmgrasp configs as they
are (the config sets ``default_scope='mmgrasp'``).
"""
# grasp_per_object first: mmgrasp.visualization imports it, and grasp_inferencer builds the
# visualizer through the registry, so that there is no import cycle.
from .grasp_per_object import (best_grasp_per_object, grasp_centre_labels,
                               resolve_object_mode)
from .grasp_inferencer import (GraspInferencer, check_checkpoint_fits, grasp_records,
                               image_to_bgr_uint8)

__all__ = [
    'GraspInferencer', 'best_grasp_per_object', 'grasp_centre_labels', 'resolve_object_mode',
    'grasp_records', 'check_checkpoint_fits', 'image_to_bgr_uint8'
]
