# Copyright (c) mmgrasp contributors. All rights reserved.
"""Static int8 quantization of an exported grasp detector (onnxruntime's quantization tools).

:func:`quantize_export` calibrates the activations' ranges on frames of the training side (never
test images), quantizes the convolutions and fully connected layers to int8 (QDQ format, weights
per channel) and keeps everything else in float32: the proposals' decoding, the NMS steps,
RoIAlign and the post-processing. Layers named by ``keep_fp32`` (node-name substrings, e.g. the
box regression ``fc_reg``) stay float32 too. The result is an ``.onnx`` file with the same
inputs, outputs and mmgrasp metadata, run by the same backends (docs/deployment.md, "int8").
"""
import os
import tempfile
from typing import Iterable, Iterator, List, Optional, Sequence

import numpy as np

from mmgrasp.utils.atomic_files import write_bytes_atomic

QUANTIZED_OPS = ('Conv', 'Gemm', 'MatMul')
"""The operator types that are quantized; every other node keeps float32."""

META_INT8 = 'mmgrasp_int8'
"""Metadata key of a quantized export: its calibration (JSON: frames, method, fp32 layers)."""


class FrameCalibrationReader:
    """onnxruntime's ``CalibrationDataReader`` over BGR frames, prepared by the runtime's
    :class:`~mmgrasp.runtime.FramePreprocessor` (the export's own test pipeline).

    The frames are prepared once, when the reader is made (a few MiB each), so that onnxruntime
    can calibrate them in strides (``set_range``): it holds every layer's outputs of one stride
    at a time, not of every frame.

    Args:
        preprocessor (FramePreprocessor): Of the export being quantized.
        frames (Iterable[ndarray]): ``(H, W, 3)`` uint8 BGR frames of the training side.

    Raises:
        ValueError: A frame is None (an image that could not be read).
    """

    def __init__(self, preprocessor, frames: Iterable[np.ndarray]) -> None:
        self._inputs: List[dict] = []
        for k, frame in enumerate(frames):
            if frame is None:
                raise ValueError(f'calibration frame {k} is None (an image that could not be '
                                 'read?); read them with read_frames(paths)')
            prepared = preprocessor(frame)
            self._inputs.append({'inputs': prepared.inputs, 'img_hw': prepared.img_hw})
        self.count = len(self._inputs)
        self.set_range(0, self.count)

    def __len__(self) -> int:
        return self.count

    def set_range(self, start_index: int, end_index: int) -> None:
        """Read frames ``start_index`` to ``end_index`` (exclusive) next."""
        self._next, self._end = int(start_index), min(int(end_index), self.count)

    def get_next(self) -> Optional[dict]:
        if self._next >= self._end:
            return None
        self._next += 1
        return self._inputs[self._next - 1]

    def rewind(self) -> None:  # onnxruntime calls it between passes of some methods
        self.set_range(0, self.count)


def calibration_stride(count: int, largest: int = 8) -> int:
    """The largest divisor of ``count`` that is at most ``largest``: onnxruntime's
    ``CalibStridedMinMax`` needs strides that tile the frames exactly."""
    return max(d for d in range(1, min(count, largest) + 1) if count % d == 0)


def training_frame_paths(cfg, count: int) -> List[str]:
    """``count`` image paths evenly spaced over a config's training side
    (``train_dataloader.dataset``): the calibration frames; never test images.

    Args:
        cfg (Config): The model's config (with its fold, if a cross-validation fold's).
        count (int): How many.

    Returns:
        list[str]: Image paths.
    """
    from mmengine.registry import init_default_scope

    from mmgrasp.registry import DATASETS
    init_default_scope(cfg.get('default_scope', 'mmgrasp'))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    n = len(dataset)
    if count <= 0 or n == 0:
        raise ValueError(f'no calibration frame: {count} asked, {n} training images')
    picks = np.unique(np.linspace(0, n - 1, min(count, n)).round().astype(int))
    return [dataset.get_data_info(int(i))['img_path'] for i in picks]


def read_frames(paths: Iterable[str]) -> Iterator[np.ndarray]:
    """Decode calibration images as BGR frames; an unreadable one is named, not skipped (it
    would end the calibration early)."""
    import cv2
    for path in paths:
        frame = cv2.imread(path, cv2.IMREAD_COLOR)
        if frame is None:
            raise ValueError(f'{path}: cannot read this calibration image')
        yield frame


def nodes_to_keep_fp32(model_proto, keep_fp32: Sequence[str]) -> List[str]:
    """Names of the quantizable nodes whose name contains one of ``keep_fp32``.

    Raises:
        ValueError: A pattern that matches no quantizable node (a typo would keep nothing).
    """
    names = [n.name for n in model_proto.graph.node if n.op_type in QUANTIZED_OPS]
    chosen = []
    for pattern in keep_fp32:
        hits = [n for n in names if pattern in n]
        if not hits:
            raise ValueError(f'--keep-fp32 {pattern!r} matches no quantizable layer; their names '
                             'look like ' + ', '.join(names[-4:]))
        chosen += hits
    return sorted(set(chosen))


def quantize_export(onnx_file: str, out: str, frames: Iterable[np.ndarray],
                    keep_fp32: Sequence[str] = (), method: str = 'minmax',
                    per_channel: bool = True, reduce_range: bool = True) -> dict:
    """Write a static int8 version of an export.

    Args:
        onnx_file (str): The float32 export (``tools/deployment/pytorch2onnx.py``).
        out (str): The int8 ``.onnx`` to write (atomically: never half written).
        frames (Iterable[ndarray]): Calibration frames, BGR uint8, from the training side.
        keep_fp32 (Sequence[str]): Node-name substrings of layers to keep in float32.
        method (str): ``'minmax'``, ``'entropy'`` or ``'percentile'`` (onnxruntime's
            ``CalibrationMethod``). Defaults to ``'minmax'``.
        per_channel (bool): Per-output-channel weight scales. Defaults to True.
        reduce_range (bool): 7-bit weights, which avoids the saturation of the u8s8 kernels
            on CPUs without VNNI (AVX2, onnxruntime's advice). Defaults to True.

    Returns:
        dict: ``frames`` (count), ``quantized`` (number of int8 layers), ``kept_fp32`` (names),
        ``bytes``.

    Raises:
        ValueError: No calibration frame, an unknown method or ``keep_fp32`` pattern.
    """
    import json

    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    from mmgrasp.runtime.grasp_runtime import GraspRuntime
    methods = {'minmax': CalibrationMethod.MinMax, 'entropy': CalibrationMethod.Entropy,
               'percentile': CalibrationMethod.Percentile}
    if method not in methods:
        raise ValueError(f'method must be one of {sorted(methods)}, got {method!r}')
    runtime = GraspRuntime(onnx_file, num_threads=1)  # checks the file and its metadata
    proto = onnx.load(onnx_file)
    exclude = nodes_to_keep_fp32(proto, keep_fp32)
    reader = FrameCalibrationReader(runtime.preprocessor, frames)
    if not len(reader):
        raise ValueError('no calibration frame: give images of the training side')
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, 'int8.onnx')
        quantize_static(onnx_file, raw, reader, quant_format=QuantFormat.QDQ,
                        op_types_to_quantize=list(QUANTIZED_OPS), nodes_to_exclude=exclude,
                        per_channel=per_channel, reduce_range=reduce_range,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=methods[method],
                        # activations are reduced to ranges every few frames, not all kept.
                        # Not CalibMaxIntermediateOutputs: onnxruntime 1.30 drops each full
                        # batch of outputs unused (only the last partial batch calibrates, and
                        # a count that is a multiple fails with "No data is collected")
                        extra_options={'CalibStridedMinMax': calibration_stride(len(reader))})
        quantized = onnx.load(raw)
    del quantized.metadata_props[:]
    for prop in proto.metadata_props:
        entry = quantized.metadata_props.add()
        entry.key, entry.value = prop.key, prop.value
    entry = quantized.metadata_props.add()
    entry.key = META_INT8
    entry.value = json.dumps(dict(frames=reader.count, method=method, per_channel=per_channel,
                                  reduce_range=reduce_range, kept_fp32=exclude))
    data = quantized.SerializeToString()
    write_bytes_atomic(out, data)
    layers = sum(1 for n in proto.graph.node if n.op_type in QUANTIZED_OPS)
    return dict(frames=reader.count, quantized=layers - len(exclude), kept_fp32=exclude,
                bytes=len(data))
