# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasps in pixels -> metres in the camera frame, for the runtime.

The lifting (:func:`mmgrasp.structures.grasps_to_camera_frame`) and the intrinsics
(:class:`mmgrasp.structures.CameraIntrinsics`) are numpy only, and ``mmgrasp.structures``
imports its modules on first use, so these names load without torch: the same objects as
``mmgrasp.structures``'s, re-exported here for the runtime's users.
"""
from mmgrasp.structures.camera_intrinsics import CameraIntrinsics
from mmgrasp.structures.depth_units import depth_scale_for
from mmgrasp.structures.grasp_camera_frame import (GraspPoses, depth_in_metres,
                                                   grasps_to_camera_frame)

__all__ = ['CameraIntrinsics', 'GraspPoses', 'depth_in_metres', 'depth_scale_for',
           'grasps_to_camera_frame']
