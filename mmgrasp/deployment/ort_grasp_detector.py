# Copyright (c) mmgrasp contributors. All rights reserved.
"""Run an exported grasp detector with onnxruntime, behind the model interface of mmengine."""
import json
import warnings
from typing import List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData, PixelData
from torch import nn

from mmgrasp.models.utils import channel_argmax, check_network_inputs
from mmgrasp.structures import grasps_to_original
from .onnx_checks import check_onnx_fits_model, open_onnx_session
from .onnx_export import META_CONFIG, META_DATASET, META_INPUT_SHAPE


def read_onnx_metadata(onnx_file: str) -> dict:
    """The metadata :func:`export_onnx` wrote: ``config`` (a dict: JSON data, never code that
    would run on loading), ``input_shape`` and ``dataset_meta``.

    Args:
        onnx_file (str): The ``.onnx`` file.

    Returns:
        dict: ``config`` (dict, empty when absent), ``input_shape`` (tuple or None),
        ``dataset_meta`` (dict).

    Raises:
        FileNotFoundError, ValueError: See :func:`~.onnx_checks.open_onnx_session`.
    """
    return session_metadata(open_onnx_session(onnx_file))


def session_metadata(session) -> dict:
    """:func:`read_onnx_metadata` of an open onnxruntime session."""
    meta = session.get_modelmeta().custom_metadata_map
    shape = meta.get(META_INPUT_SHAPE)
    config = meta.get(META_CONFIG, '')
    return dict(config=json.loads(config) if config else {},
                input_shape=tuple(int(v) for v in shape.split(',')) if shape else None,
                dataset_meta=json.loads(meta.get(META_DATASET, '{}') or '{}'))


class ORTGraspDetector(nn.Module):
    """The exported graph (:class:`~mmgrasp.deployment.GraspExportModule`) run by onnxruntime,
    with the PyTorch model's own preprocessing and post-processing around it.

    ``test_step`` takes what a :class:`~mmgrasp.models.GraspDetSeg` takes (packed inputs and data
    samples) and returns the same predictions: grasps at the original image resolution
    (``pred_instances``) and, for Det_Seg models, ``pred_sem_seg``. Each image is padded with
    zeros (the normalised value of mmdet's padding) to the export's input shape; when that is
    larger than PyTorch's padding of the image, a warning says the results can differ slightly
    (docs/deployment.md, "Input size").

    Args:
        model (nn.Module): The detector built from the export's config; only its data
            preprocessor and its semantic head's ``predict_by_feat`` (a resize) are used, so its
            weights do not matter.
        onnx_file (str): The exported model.
        num_threads (int, optional): onnxruntime's intra-op threads; None leaves its default.
        config (str, optional): The config's name, for the message when the file does not fit
            the model (:func:`~.onnx_checks.check_onnx_fits_model`). Defaults to None.

    Raises:
        ValueError: A file onnxruntime cannot load, or the export of another variant (input
            channels, semantic classes) than ``model``.
    """

    def __init__(self, model: nn.Module, onnx_file: str, num_threads: Optional[int] = None,
                 config: Optional[str] = None) -> None:
        super().__init__()
        import onnxruntime as ort
        self.model = model.eval()
        self.data_preprocessor = model.data_preprocessor
        options = ort.SessionOptions()
        if num_threads:
            options.intra_op_num_threads = int(num_threads)
        self.session = open_onnx_session(onnx_file, options)
        check_onnx_fits_model(self.session, model, onnx_file, config)
        self.output_names = [o.name for o in self.session.get_outputs()]
        shape = session_metadata(self.session)['input_shape']
        if shape is None:
            shape = tuple(self.session.get_inputs()[0].shape[-2:])
        self.input_shape: Tuple[int, int] = (int(shape[0]), int(shape[1]))
        self.onnx_file = onnx_file
        self._warned_padding = False

    @property
    def dataset_meta(self) -> dict:
        return getattr(self.model, 'dataset_meta', None) or {}

    @dataset_meta.setter
    def dataset_meta(self, meta: dict) -> None:
        self.model.dataset_meta = meta

    def _run(self, inputs: torch.Tensor, img_shape: Tuple[int, int]) -> dict:
        """Run the graph on one ``(C, h, w)`` normalised image (unpadded)."""
        h, w = inputs.shape[-2:]
        eh, ew = self.input_shape
        div = int(getattr(self.data_preprocessor, 'pad_size_divisor', 1) or 1)
        need = (-(-h // div) * div, -(-w // div) * div)  # what PyTorch pads it to
        if need[0] > eh or need[1] > ew:
            raise ValueError(f'the input is {h}x{w} after preprocessing but {self.onnx_file} was '
                             f'exported for {eh}x{ew}: export again with --shape {need[0]} '
                             f'{need[1]} (or larger)')
        if need != (eh, ew) and not self._warned_padding:
            warnings.warn(f'{self.onnx_file} was exported for {eh}x{ew}; this {h}x{w} input is '
                          f'padded to that size, not to {need[0]}x{need[1]} as PyTorch pads it, '
                          'so the semantic map (its pooling windows) and the proposals near the '
                          'padding can differ slightly from PyTorch: export with --shape '
                          f'{need[0]} {need[1]} for identical results')
            self._warned_padding = True
        padded = F.pad(inputs.detach().cpu().float(), (0, ew - w, 0, eh - h))[None]
        outs = self.session.run(None, {
            'inputs': padded.numpy(),
            'img_hw': np.array(img_shape[:2], dtype=np.float32)
        })
        return {name: torch.from_numpy(np.asarray(v)) for name, v in zip(self.output_names, outs)}

    def predict(self, inputs: torch.Tensor, data_samples: List[DetDataSample],
                rescale: bool = True) -> List[DetDataSample]:
        """Predictions as :meth:`GraspDetSeg.predict` returns them.

        Args:
            inputs (Tensor): ``(B, C, H, W)`` normalised, padded batch.
            data_samples (list[DetDataSample]): With metainfo.
            rescale (bool): Map back to the original image. Defaults to True.

        Returns:
            list[DetDataSample]: With ``pred_instances`` (and ``pred_sem_seg``).
        """
        for i, sample in enumerate(data_samples):
            meta = sample.metainfo
            h, w = meta['img_shape'][:2]
            out = self._run(inputs[i, :, :h, :w], (h, w))
            res = InstanceData(bboxes=out['grasps'].float(), scores=out['scores'].float(),
                               labels=out['labels'].long())
            if 'grasps_unrefined' in out:
                res.bboxes_unrefined = out['grasps_unrefined'].float()
            if rescale and len(res) > 0:
                for key in ('bboxes', 'bboxes_unrefined'):
                    if key in res:
                        res[key] = grasps_to_original(res[key], meta)
            sample.pred_instances = res
            if 'seg_logits' in out:
                seg_meta = dict(meta, batch_input_shape=self.input_shape)
                logits = self.model.semantic_head.predict_by_feat(out['seg_logits'], [seg_meta],
                                                                  rescale)[0]
                sample.pred_sem_seg = PixelData(sem_seg=channel_argmax(logits))
        return data_samples

    def test_step(self, data: dict) -> List[DetDataSample]:
        """mmengine's ``test_step``: the checks of the PyTorch model's
        (:func:`~mmgrasp.models.utils.check_network_inputs`), preprocess, :meth:`predict`."""
        check_network_inputs(data)
        data = self.data_preprocessor(data, False)
        return self.predict(data['inputs'], data['data_samples'])

    def forward(self, inputs: torch.Tensor, data_samples: List[DetDataSample],
                mode: str = 'predict'):
        if mode != 'predict':
            raise ValueError(f'an onnxruntime model only predicts, got mode={mode!r}')
        return self.predict(inputs, data_samples)
