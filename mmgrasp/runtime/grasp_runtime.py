# Copyright (c) mmgrasp contributors. All rights reserved.
"""A deployed grasp detector in a small process: numpy, OpenCV and a CPU runtime, no torch.

:class:`GraspRuntime` runs an ``.onnx`` export (``tools/deployment/pytorch2onnx.py``, fp32 or
``--int8``) from a BGR frame to grasps in the frame's pixels. It gives the grasps of
``GraspInferencer(backend='onnxruntime')`` (the same input pixels bit for bit, the same graph)
in a process of about a fifth of the memory (importing torch alone takes about 500 MiB) and
without the mmdet pipeline's per-image overhead (docs/speed.md, "The runtime"). The three steps
are separate methods so that a camera loop (:class:`~.stream_pipeline.StreamPipeline`) can
overlap them across frames: :meth:`infer` releases the GIL.
"""
from typing import Dict, Optional

import numpy as np

from .frame_preprocessor import FramePreprocessor, PreparedFrame
from .grasp_postprocessor import GraspPostprocessor, GraspPrediction
from .inference_sessions import open_session


def _test_pipeline(config: dict) -> list:
    pipeline = config.get('test_dataloader', {}).get('dataset', {}).get('pipeline')
    if pipeline is None:
        pipeline = config.get('test_pipeline')
    if pipeline is None:
        raise ValueError('the export\'s config has no test pipeline')
    return pipeline


class GraspRuntime:
    """An exported grasp detector, from a BGR frame to grasps in its pixels.

    Args:
        onnx_file (str): An export of ``tools/deployment/pytorch2onnx.py`` (RGB models).
        backend (str): ``'onnxruntime'`` or ``'openvino'``. Defaults to ``'onnxruntime'``.
        num_threads (int, optional): CPU threads of the runtime. Defaults to its own choice.

    Raises:
        FileNotFoundError, ValueError: A missing or damaged file, a file without mmgrasp's
            metadata, a pipeline step the runtime does not compute, an RGB-D model.

    Example:
        >>> runtime = GraspRuntime('det_cornell.onnx', num_threads=2)
        >>> pred = runtime(cv2.imread('frame.png'))
        >>> x, y, w, h, theta = pred.grasps[0]  # the best grasp, frame pixels
    """

    def __init__(self, onnx_file: str, backend: str = 'onnxruntime',
                 num_threads: Optional[int] = None) -> None:
        self.onnx_file = onnx_file
        self.session, meta = open_session(onnx_file, backend, num_threads)
        self.backend = backend
        self.config = meta['config']
        self.dataset_meta = meta['dataset_meta']
        self.input_shape = meta['input_shape']
        try:
            self.preprocessor = FramePreprocessor(
                _test_pipeline(self.config), self.config.get('model', {}).get(
                    'data_preprocessor', {}), self.input_shape)
        except ValueError as e:
            raise ValueError(f'{onnx_file}: {e}') from None
        self.postprocessor = GraspPostprocessor(self.input_shape)
        self.output_names = list(self.session.output_names)

    def preprocess(self, frame: np.ndarray) -> PreparedFrame:
        """``(H, W, 3)`` uint8 BGR frame -> the network input (:class:`PreparedFrame`)."""
        return self.preprocessor(frame)

    def infer(self, prepared: PreparedFrame) -> Dict[str, np.ndarray]:
        """The graph's outputs by name (``grasps``, ``scores``, ``labels``, ...)."""
        return self.session.run(prepared.inputs, prepared.img_hw)

    def postprocess(self, outputs: Dict[str, np.ndarray],
                    prepared: PreparedFrame) -> GraspPrediction:
        """Outputs -> :class:`GraspPrediction` in the frame's pixels."""
        return self.postprocessor(outputs, prepared)

    def __call__(self, frame: np.ndarray) -> GraspPrediction:
        """All three steps on one frame."""
        prepared = self.preprocess(frame)
        return self.postprocess(self.infer(prepared), prepared)
