# Copyright (c) mmgrasp contributors. All rights reserved.
"""Export a trained grasp detector to ONNX (``tools/deployment/pytorch2onnx.py``)."""
import io
import json
from typing import Optional, Tuple

import torch
from torch import nn

from mmgrasp.runtime.inference_sessions import META_CONFIG, META_DATASET, META_INPUT_SHAPE
from mmgrasp.utils.atomic_files import write_bytes_atomic
from .grasp_export_module import GraspExportModule, output_names

ONNX_OPSET = 17
"""The opset written: ``RoiAlign`` with ``half_pixel`` coordinates (mmcv's ``aligned=True``)
needs 16 or later."""


def export_onnx(model: nn.Module, out: str, input_shape: Tuple[int, int],
                config: Optional[dict] = None, dataset_meta: Optional[dict] = None,
                opset: int = ONNX_OPSET) -> dict:
    """Trace the detector's test path (:class:`GraspExportModule`) and write an ONNX file.

    The file holds, as metadata, the config as JSON data (so that the onnxruntime backend can
    rebuild the preprocessing and the post-processing from the ``.onnx`` file alone, without
    running code from the file), the input shape and the dataset meta (orientation bins,
    semantic classes and colours). It is written to a
    temporary file and renamed: an interrupted export leaves no half-written model.

    Args:
        model (nn.Module): A :class:`~mmgrasp.models.GraspDetSeg` with its trained weights.
        out (str): The ``.onnx`` file.
        input_shape (tuple[int, int]): ``(H, W)`` of the padded network input; smaller inputs
            are padded to it at run time, larger ones are refused.
        config (dict, optional): The config (``Config.to_dict()``). Defaults to None.
        dataset_meta (dict, optional): The checkpoint's ``dataset_meta``. Defaults to None.
        opset (int): ONNX opset. Defaults to :data:`ONNX_OPSET`.

    Returns:
        dict: ``inputs`` and ``outputs`` (names), ``input_shape``, ``bytes``.
    """
    import onnx
    model = model.eval()
    module = GraspExportModule(model, input_shape)
    h, w = module.input_shape
    dummy = (torch.zeros(1, module.in_channels, h, w), torch.tensor([h, w], dtype=torch.float32))
    names = list(output_names(model))
    buffer = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(module, dummy, buffer, dynamo=False, opset_version=opset,
                          input_names=['inputs', 'img_hw'], output_names=names,
                          dynamic_axes={n: {0: 'num'} for n in names if n != 'seg_logits'})
    proto = onnx.load_from_string(buffer.getvalue())
    for key, value in ((META_CONFIG, json.dumps(config or {}, default=str)),
                       (META_INPUT_SHAPE, f'{h},{w}'),
                       (META_DATASET, json.dumps(dataset_meta or {}, default=list))):
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    data = proto.SerializeToString()
    write_bytes_atomic(out, data)
    return dict(inputs=['inputs', 'img_hw'], outputs=names, input_shape=(h, w), bytes=len(data))
