# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasp geometry shared by datasets, heads and metrics (docs/conventions.md sections 1-2)."""
from .camera_intrinsics import CameraIntrinsics
from .depth_units import DepthUnitWarning, depth_scale_for
from .grasp_angles import (NUM_ORIENTATION_BINS, angle_diff, angle_to_bin, bin_to_angle, wrap_angle,
                           wrap_angle_half)
from .grasp_boxes import GraspBoxes
from .grasp_camera_frame import GraspPoses, depth_in_metres, grasps_to_camera_frame
from .grasp_convert import corners_to_grasps, grasp_to_hbox, grasps_to_corners, hbox_to_grasp
from .grasp_detection_targets import (class_agnostic_samples, detection_target_samples,
                                      grasp_detection_targets)
from .grasp_iou import grasp_iou, grasp_iou_shapely
from .grasp_per_object import (best_grasp_per_object, centre_pixels, grasp_centre_labels,
                               object_map, resolve_object_mode)
from .grasp_transform import (FLIP_DIRECTIONS, affine_grasps, flip_matrix, grasps_to_original,
                              input_to_original_matrix, original_pixels_in_input)

__all__ = [
    'NUM_ORIENTATION_BINS', 'wrap_angle', 'wrap_angle_half', 'angle_diff', 'angle_to_bin',
    'bin_to_angle', 'corners_to_grasps', 'grasps_to_corners', 'grasp_to_hbox', 'hbox_to_grasp',
    'grasp_iou', 'grasp_iou_shapely', 'affine_grasps', 'grasps_to_original',
    'input_to_original_matrix', 'original_pixels_in_input',
    'best_grasp_per_object', 'centre_pixels', 'grasp_centre_labels',
    'object_map', 'resolve_object_mode', 'CameraIntrinsics', 'GraspPoses', 'depth_in_metres',
    'grasps_to_camera_frame', 'GraspBoxes', 'grasp_detection_targets', 'detection_target_samples',
    'class_agnostic_samples', 'FLIP_DIRECTIONS', 'flip_matrix', 'depth_scale_for',
    'DepthUnitWarning'
]
