# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasp geometry shared by datasets, heads and metrics (docs/conventions.md sections 1-2).

The names below are imported from their modules on first use (PEP 562), so that the numpy-only
ones (the camera intrinsics, depth units and grasps in metres) load without torch for the
runtime (:mod:`mmgrasp.runtime`). ``GraspBoxes`` registers the ``'grasp'`` box type with mmdet
when its module is imported (``register_all_modules`` does it).
"""
import importlib
import sys
import types
from typing import Any, List

_EXPORTS = {
    'CameraIntrinsics': 'camera_intrinsics',
    'DepthUnitWarning': 'depth_units',
    'depth_scale_for': 'depth_units',
    'NUM_ORIENTATION_BINS': 'grasp_angles',
    'angle_diff': 'grasp_angles',
    'angle_to_bin': 'grasp_angles',
    'bin_to_angle': 'grasp_angles',
    'local_mean_angles': 'grasp_angles',
    'neighbourhood_scores': 'grasp_angles',
    'wrap_angle': 'grasp_angles',
    'wrap_angle_half': 'grasp_angles',
    'GraspBoxes': 'grasp_boxes',
    'GraspPoses': 'grasp_camera_frame',
    'depth_in_metres': 'grasp_camera_frame',
    'grasps_to_camera_frame': 'grasp_camera_frame',
    'corners_to_grasps': 'grasp_convert',
    'grasp_to_hbox': 'grasp_convert',
    'grasps_to_corners': 'grasp_convert',
    'hbox_to_grasp': 'grasp_convert',
    'class_agnostic_samples': 'grasp_detection_targets',
    'detection_target_samples': 'grasp_detection_targets',
    'grasp_detection_targets': 'grasp_detection_targets',
    'grasp_iou': 'grasp_iou',
    'grasp_iou_shapely': 'grasp_iou',
    'best_grasp_per_object': 'grasp_per_object',
    'centre_pixels': 'grasp_per_object',
    'grasp_centre_labels': 'grasp_per_object',
    'object_map': 'grasp_per_object',
    'resolve_object_mode': 'grasp_per_object',
    'FLIP_DIRECTIONS': 'grasp_transform',
    'affine_grasps': 'grasp_transform',
    'flip_matrix': 'grasp_transform',
    'grasps_to_original': 'grasp_transform',
    'input_to_original_matrix': 'grasp_transform',
    'original_pixels_in_input': 'grasp_transform',
}
"""Public name -> the module of this package that defines it."""

__all__ = [
    'NUM_ORIENTATION_BINS', 'wrap_angle', 'wrap_angle_half', 'angle_diff', 'angle_to_bin',
    'bin_to_angle', 'local_mean_angles', 'neighbourhood_scores', 'corners_to_grasps',
    'grasps_to_corners',
    'grasp_to_hbox', 'hbox_to_grasp',
    'grasp_iou', 'grasp_iou_shapely', 'affine_grasps', 'grasps_to_original',
    'input_to_original_matrix', 'original_pixels_in_input',
    'best_grasp_per_object', 'centre_pixels', 'grasp_centre_labels',
    'object_map', 'resolve_object_mode', 'CameraIntrinsics', 'GraspPoses', 'depth_in_metres',
    'grasps_to_camera_frame', 'GraspBoxes', 'grasp_detection_targets', 'detection_target_samples',
    'class_agnostic_samples', 'FLIP_DIRECTIONS', 'flip_matrix', 'depth_scale_for',
    'DepthUnitWarning'
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    value = getattr(importlib.import_module(f'.{module}', __name__), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(_EXPORTS))


class _Package(types.ModuleType):
    """This package's module type. Two functions share their module's name (``grasp_iou``,
    ``grasp_detection_targets``); importing such a module makes the import system bind the
    *module* to that name on the package, where the eager ``from .grasp_iou import grasp_iou``
    used to bind the function after it. Here the function is bound in its place."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
