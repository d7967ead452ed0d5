# Copyright (c) mmgrasp contributors. All rights reserved.
"""The torch-free runtime of an exported model: numpy, OpenCV and onnxruntime (or OpenVINO).

``from mmgrasp.runtime import GraspRuntime`` imports neither torch nor the OpenMMLab packages
(docs/deployment.md, "A small process").
"""
from .frame_preprocessor import FramePreprocessor, PreparedFrame
from .grasp_postprocessor import GraspPostprocessor, GraspPrediction, affine_grasps_np
from .grasp_runtime import GraspRuntime

__all__ = ['FramePreprocessor', 'PreparedFrame', 'GraspPostprocessor', 'GraspPrediction',
           'affine_grasps_np', 'GraspRuntime']
