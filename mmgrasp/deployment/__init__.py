# Copyright (c) mmgrasp contributors. All rights reserved.
"""Export to ONNX and the onnxruntime backend (docs/deployment.md). ``onnx`` and ``onnxruntime``
are imported when used (``pip install -r requirements/deploy.txt``)."""
from .grasp_export_module import GraspExportModule
from .onnx_export import export_onnx
from .ort_grasp_detector import ORTGraspDetector, read_onnx_metadata

__all__ = ['GraspExportModule', 'export_onnx', 'ORTGraspDetector', 'read_onnx_metadata']
