# Copyright (c) mmgrasp contributors. All rights reserved.
"""Using a trained model: the inferencer and the grasp-per-object selection.

``mmdet.apis.init_detector`` and ``mmdet.apis.inference_detector`` work on mmgrasp configs as they
are (the config sets ``default_scope='mmgrasp'``).
"""
# The grasp-per-object selection lives in mmgrasp.structures (the visualizer and the metrics use
# it too); it is re-exported here, where users of a trained model look for it.
from mmgrasp.structures import best_grasp_per_object, grasp_centre_labels, resolve_object_mode
from .checkpoint_fit import check_checkpoint_fits
from .grasp_inferencer import GraspInferencer
from .grasp_records import grasp_records
from .inference_inputs import image_to_bgr_uint8

__all__ = [
    'GraspInferencer', 'best_grasp_per_object', 'grasp_centre_labels', 'resolve_object_mode',
    'grasp_records', 'check_checkpoint_fits', 'image_to_bgr_uint8'
]
