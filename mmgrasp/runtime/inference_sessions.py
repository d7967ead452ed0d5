# Copyright (c) mmgrasp contributors. All rights reserved.
"""The exported graph run by a CPU runtime: onnxruntime, or OpenVINO when it is installed.

Both take the ``.onnx`` file that ``tools/deployment/pytorch2onnx.py`` writes (with or without
``--int8``) and return its outputs by name as numpy arrays. Neither imports torch.
"""
import json
import os
import threading
from typing import Dict, Optional, Tuple

import numpy as np

META_CONFIG = 'mmgrasp_config'
META_INPUT_SHAPE = 'mmgrasp_input_shape'
META_DATASET = 'mmgrasp_dataset_meta'
"""The metadata keys of an export, written by :func:`mmgrasp.deployment.export_onnx`."""

BACKENDS = ('onnxruntime', 'openvino')


def check_model_file(onnx_file: str) -> None:
    """Refuse a missing or empty file, naming it."""
    if not os.path.isfile(onnx_file):
        raise FileNotFoundError(f'ONNX model not found: {onnx_file}')
    if os.path.getsize(onnx_file) == 0:
        raise ValueError(f'{onnx_file}: the file is empty (0 bytes), not an ONNX model')


def parse_metadata(meta: Dict[str, str], onnx_file: str) -> dict:
    """The export's metadata as data: ``config`` (dict), ``input_shape``, ``dataset_meta``.

    Raises:
        ValueError: A file without mmgrasp's metadata (not written by ``pytorch2onnx.py``).
    """
    if META_INPUT_SHAPE not in meta or META_CONFIG not in meta:
        raise ValueError(f'{onnx_file} has no mmgrasp metadata (config and input shape): '
                         'export it with tools/deployment/pytorch2onnx.py')
    try:
        config = json.loads(meta[META_CONFIG] or '{}')
        dataset_meta = json.loads(meta.get(META_DATASET) or '{}')
        shape = tuple(int(v) for v in meta[META_INPUT_SHAPE].split(','))
    except ValueError as e:
        raise ValueError(f'{onnx_file}: damaged mmgrasp metadata ({e})') from None
    return dict(config=config, input_shape=shape, dataset_meta=dataset_meta)


class OnnxRuntimeSession:
    """An onnxruntime CPU session of the export.

    Args:
        onnx_file (str): The exported model.
        num_threads (int, optional): Intra-op threads; None leaves onnxruntime's default (one
            per core).
    """

    name = 'onnxruntime'

    def __init__(self, onnx_file: str, num_threads: Optional[int] = None) -> None:
        import onnxruntime as ort
        check_model_file(onnx_file)
        options = ort.SessionOptions()
        if num_threads:
            options.intra_op_num_threads = int(num_threads)
            options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self.session = ort.InferenceSession(onnx_file, sess_options=options,
                                                providers=['CPUExecutionProvider'])
        except Exception as e:  # onnxruntime's own exceptions (Fail, InvalidProtobuf, ...)
            if not type(e).__module__.startswith('onnxruntime'):
                raise
            reason = ' '.join(str(e).split())[:200]
            raise ValueError(f'{onnx_file}: not a loadable ONNX model (truncated or '
                             f'damaged?): {reason}') from None
        self.output_names = [o.name for o in self.session.get_outputs()]
        self.metadata = parse_metadata(self.session.get_modelmeta().custom_metadata_map,
                                       onnx_file)

    def run(self, inputs: np.ndarray, img_hw: np.ndarray) -> Dict[str, np.ndarray]:
        """Outputs by name for one ``(1, 3, H, W)`` input and its ``(2,)`` image size."""
        outs = self.session.run(None, {'inputs': inputs, 'img_hw': img_hw})
        return dict(zip(self.output_names, outs))


class OpenVinoSession:
    """An OpenVINO CPU compiled model of the export (``pip install openvino``).

    Args:
        onnx_file (str): The exported model.
        num_threads (int, optional): Inference threads; None leaves OpenVINO's default.
        profile (bool): Count each layer's time (``PERF_COUNT``), read by
            :meth:`profiling_info` after a run; a little slower. Defaults to False.
    """

    name = 'openvino'

    def __init__(self, onnx_file: str, num_threads: Optional[int] = None,
                 profile: bool = False) -> None:
        try:
            import openvino as ov
        except ImportError:
            raise ImportError('the openvino backend needs OpenVINO: pip install -r '
                              'requirements/deploy.txt (or pip install openvino)') from None
        check_model_file(onnx_file)
        core = ov.Core()
        config = {'PERFORMANCE_HINT': 'LATENCY'}
        if num_threads:
            config['INFERENCE_NUM_THREADS'] = int(num_threads)
        if profile:
            config['PERF_COUNT'] = 'YES'
        try:
            self.compiled = core.compile_model(core.read_model(onnx_file), 'CPU', config)
        except RuntimeError as e:  # OpenVINO raises RuntimeError for a file it cannot read
            reason = ' '.join(str(e).split())[:200]
            raise ValueError(f'{onnx_file}: not a model OpenVINO can load (truncated or '
                             f'damaged?): {reason}') from None
        self.request = self.compiled.create_infer_request()
        self._lock = threading.Lock()  # one infer request: one frame at a time
        self.output_names = [o.get_any_name() for o in self.compiled.outputs]
        self.metadata = parse_metadata(_onnx_metadata(onnx_file), onnx_file)

    def run(self, inputs: np.ndarray, img_hw: np.ndarray) -> Dict[str, np.ndarray]:
        """Outputs by name for one ``(1, 3, H, W)`` input and its ``(2,)`` image size."""
        with self._lock:
            result = self.request.infer({'inputs': inputs, 'img_hw': img_hw})
            return {name: np.array(result[out])
                    for name, out in zip(self.output_names, self.compiled.outputs)}

    def profiling_info(self) -> list:
        """OpenVINO's per-layer records of the last run (``ProfilingInfo``: ``node_name``,
        ``node_type``, ``exec_type``, ``real_time``, ``status``); needs ``profile=True``."""
        with self._lock:
            return list(self.request.profiling_info)


def _onnx_metadata(onnx_file: str) -> Dict[str, str]:
    """The ``metadata_props`` of an ONNX file, read without loading its weights."""
    import onnx
    proto = onnx.load(onnx_file, load_external_data=False)
    return {p.key: p.value for p in proto.metadata_props}


def open_session(onnx_file: str, backend: str = 'onnxruntime',
                 num_threads: Optional[int] = None) -> Tuple[object, dict]:
    """A session of ``backend`` (one of :data:`BACKENDS`) and the export's metadata."""
    if backend == 'onnxruntime':
        session = OnnxRuntimeSession(onnx_file, num_threads)
    elif backend == 'openvino':
        session = OpenVinoSession(onnx_file, num_threads)
    else:
        raise ValueError(f'backend must be one of {BACKENDS}, got {backend!r}')
    return session, session.metadata
