# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasp inference on files, folders or arrays: drawings and JSON (mmdet ``DetInferencer`` shape).

Only the overrides that change ``DetInferencer``'s behaviour (each docstring says how); the work
is in :mod:`.inference_inputs`, :mod:`.inference_batches` (a failure stays with its input),
:mod:`.checkpoint_fit`, :mod:`.grasp_records` (the JSON format) and :mod:`.inference_drawing`.
"""
import os.path as osp
import warnings
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import mmengine
import numpy as np
import torch
import torch.nn as nn
from mmdet.apis import DetInferencer
from mmdet.structures import DetDataSample
from mmdet.utils import ConfigType
from mmengine.dataset import pseudo_collate
from mmengine.registry import FUNCTIONS
from mmengine.runner.checkpoint import _load_checkpoint_to_model
from mmengine.visualization import Visualizer

from mmgrasp.structures import best_grasp_per_object
from .checkpoint_fit import (check_checkpoint_fits, config_metainfo, grasp_dataset_meta,
                             model_from_checkpoint)
from .grasp_records import error_record, grasp_records, prediction_record  # noqa: F401
from .inference_batches import (FailedInput, InputItem, drawable, forward_each, load_chunks,
                                mark_failures)
from .inference_drawing import build_grasp_visualizer, draw_predictions
from .inference_inputs import (InputType, check_image_file, colour_of,  # noqa: F401
                               image_to_bgr_uint8, input_names, load_input, pipeline_needs_depth,
                               rgbd_data_info)
from .model_files import backend_model, check_weights_file, onnx_model_config

BACKENDS = ('pytorch', 'onnxruntime')
"""What runs the network: PyTorch, or onnxruntime on a model exported to ONNX."""
InputsType = Union[InputType, Sequence[InputType]]


class GraspInferencer(DetInferencer):
    """Run a grasp detector on images: predictions as JSON-ready dicts, and drawings.

    Inputs are image paths, a folder (its images, sorted, not recursive), ``(H, W, 3)`` uint8 BGR
    arrays (grayscale and BGRA arrays are converted), RGB-D dicts, or a list of those. An input
    that cannot be read or processed gets a record with an ``error`` message (and a logged
    warning); the other inputs of the batch are processed as usual.

    A call takes ``DetInferencer.__call__``'s arguments (``out_dir``: drawings in ``vis/``,
    JSON and semantic maps in ``preds/``; ``pred_score_thr``: drawn grasps only) and
    ``best_per_object``: only the best grasp per object (from the semantic map; the single best
    grasp without one), drawn and returned. It returns ``predictions`` (one per input, in input
    order; format in :mod:`~mmgrasp.apis.grasp_records`) and ``visualization``.

    Examples:
        >>> inferencer = GraspInferencer('configs/grasp/det_seg_refine_r101_fpn_ocid.py',
        ...                              'work_dirs/.../epoch_24.pth', device='cpu')
        >>> out = inferencer('scene.png', out_dir='outputs', no_save_pred=False,
        ...                  best_per_object=True)
        >>> best = out['predictions'][0]['grasps'][0]   # dict(center=..., opening=..., ...)

    Args:
        model (str | Config, optional): Config path or object; None to take the config saved in
            the checkpoint. Defaults to None.
        weights (str, optional): Checkpoint; random weights (with a warning) when None.
            Defaults to None.
        device (str, optional): ``'cpu'``, ``'cuda:0'``...; the available one when None.
            Defaults to None.
        scope (str): Default scope. Defaults to ``'mmgrasp'``.
        palette (str): mmdet's palette option (orientation-bin colours); semantic colours come
            from ``sem_palette``. Defaults to ``'none'``.
        show_progress (bool): Show a progress bar. Defaults to True.
        object_mode (str): What an object is for ``best_per_object``: ``'class'``,
            ``'component'`` or ``'auto'`` (see :func:`best_grasp_per_object`).
            Defaults to ``'auto'``.
        strict (bool): Refuse a checkpoint that does not fit the config (see
            :func:`check_checkpoint_fits`). Defaults to True.
        backend (str): ``'pytorch'``, or ``'onnxruntime'`` to run a model exported by
            ``tools/deployment/pytorch2onnx.py``: ``weights`` is then the ``.onnx`` file and
            ``model`` may be None (the config saved in the file). Needs ``onnxruntime``
            (``requirements/deploy.txt``). Defaults to ``'pytorch'``.
        num_threads (int, optional): CPU threads of the backend (PyTorch: process-wide); None
            keeps its default, one per core. On busy cores fewer threads can be many times
            faster (docs/speed.md). The choice is logged. Defaults to None.
    """

    forward_kwargs: set = {'best_per_object'}

    def __init__(self, model: Optional[Union[str, mmengine.Config]] = None,
                 weights: Optional[str] = None, device: Optional[str] = None,
                 scope: str = 'mmgrasp', palette: str = 'none', show_progress: bool = True,
                 object_mode: str = 'auto', strict: bool = True, backend: str = 'pytorch',
                 num_threads: Optional[int] = None) -> None:
        """Changes: the ONNX backend, the weights file checked first, ``num_threads``."""
        if backend not in BACKENDS:
            raise ValueError(f'backend must be one of {BACKENDS}, got {backend!r}')
        self.backend = backend
        self._onnx_meta: dict = {}
        onnx_file = None
        if backend == 'onnxruntime':
            model, self._onnx_meta = onnx_model_config(model, weights)
            onnx_file, weights, device = weights, None, 'cpu'
        check_weights_file(weights)
        self.strict = strict
        self.object_mode = object_mode
        self._weights = weights or ''
        self._config_name = model if isinstance(model, str) else ''
        self._warned_no_seg = False
        super().__init__(model=model, weights=weights, device=device, scope=scope,
                         palette=palette, show_progress=show_progress)
        self.model = backend_model(self.model, onnx_file, num_threads, self._config_name)
        self._weights = onnx_file or self._weights

    def _init_model(self, cfg: ConfigType, weights: Optional[str],
                    device: str = 'cpu') -> nn.Module:
        """Changes: a config taken from the checkpoint is read as data, never run as Python
        (:func:`~mmgrasp.apis.checkpoint_fit.model_from_checkpoint`)."""
        if cfg or weights is None:
            return super()._init_model(cfg, weights, device)
        model, checkpoint = model_from_checkpoint(cfg, weights)
        self._load_weights_to_model(model, checkpoint, cfg)
        model.to(device)
        model.eval()
        return model

    def _load_weights_to_model(self, model: nn.Module, checkpoint: Optional[dict],
                               cfg: ConfigType) -> None:
        """Changes: the checkpoint is checked against the config (:func:`check_checkpoint_fits`)
        and ``dataset_meta`` is the grasp one (:func:`grasp_dataset_meta`), not COCO's."""
        meta = config_metainfo(cfg)
        saved_meta = None
        if checkpoint is not None:
            check_checkpoint_fits(model, checkpoint, self._weights, self._config_name, self.strict)
            _load_checkpoint_to_model(model, checkpoint)
            saved_meta = checkpoint.get('meta', {}).get('dataset_meta', {}) or {}
        elif self.backend == 'onnxruntime':  # the weights are in the graph
            saved_meta = self._onnx_meta.get('dataset_meta', {})
        else:
            warnings.warn('No checkpoint given: the predictions come from random weights.')
        model.dataset_meta = grasp_dataset_meta(model, meta, saved_meta, self.palette)

    def _init_visualizer(self, cfg: ConfigType) -> Optional[Visualizer]:
        """Changes: a ``GraspLocalVisualizer`` unless the config's draws grasps, no backends."""
        return build_grasp_visualizer(cfg, self.model.dataset_meta, f'grasp_inferencer_{id(self)}')

    def _init_collate(self, cfg: ConfigType) -> Callable:
        """Changes: takes ``collate_fn=dict(type=...)`` as the Runner does (mmengine's raises)."""
        collate_cfg = cfg.get('test_dataloader', {}).get('collate_fn')
        if collate_cfg is None:
            return pseudo_collate
        with FUNCTIONS.switch_scope_and_registry('mmengine') as registry:
            return registry.get(collate_cfg['type'] if isinstance(collate_cfg, dict)
                                else collate_cfg)

    def _inputs_to_list(self, inputs: InputsType) -> list:
        """Changes: a folder's images sorted by name (mmdet's come in directory order)."""
        if isinstance(inputs, str) and osp.isdir(inputs):
            return sorted(super()._inputs_to_list(inputs))
        return super()._inputs_to_list(inputs)

    def _load_one(self, single_input: InputType) -> Tuple[InputType, dict]:
        """Check one input and run the pipeline on it (:func:`~.inference_inputs.load_input`)."""
        return load_input(single_input, self.pipeline)

    def preprocess(self, inputs: list, batch_size: int = 1,
                   **kwargs) -> Iterator[Tuple[List[InputItem], list]]:
        """Changes: an input that cannot be loaded yields its exception as its data (reported by
        :meth:`postprocess`), not a stop; chunks are ``(InputItem list, data list)``."""
        names = input_names(inputs, self.num_visualized_imgs)
        yield from load_chunks(inputs, names, self._load_one, batch_size)

    @torch.no_grad()
    def forward(self, inputs: list, best_per_object: bool = False, **kwargs) -> list:
        """Changes: collates here, an image that fails fails alone (the batch is retried image by
        image), and ``best_per_object`` (:meth:`select_best_per_object`)."""
        outs = forward_each(self.model.test_step, self.collate_fn, inputs)
        for out in outs:
            if best_per_object and not isinstance(out, Exception):
                self.select_best_per_object(out)
        return outs

    @property
    def needs_depth(self) -> bool:
        """Whether the model is an RGB-D one: its inputs are ``dict(img=..., depth=...)``."""
        return pipeline_needs_depth(self.cfg)

    def select_best_per_object(self, data_sample: DetDataSample) -> DetDataSample:
        """Replace ``pred_instances`` by the best grasp per object (:func:`best_grasp_per_object`:
        adds ``obj_labels``, ``obj_ids``, ``grasp_inds``), in place; without a semantic map the
        single best grasp is kept. Returns the same sample."""
        preds = data_sample.pred_instances
        if 'pred_sem_seg' in data_sample:
            num = len(self.model.dataset_meta.get('sem_classes') or []) or None
            data_sample.pred_instances = best_grasp_per_object(
                preds, data_sample.pred_sem_seg.sem_seg, self.object_mode, num)
        else:
            if not self._warned_no_seg:
                warnings.warn('best_per_object needs a semantic head: keeping the best grasp')
                self._warned_no_seg = True
            data_sample.pred_instances = preds[preds.scores.argsort(descending=True)[:1]]
        return data_sample

    def visualize(self, inputs: list, preds: list, return_vis: bool = False, show: bool = False,
                  wait_time: int = 0, draw_pred: bool = True, pred_score_thr: float = 0.3,
                  no_save_vis: bool = False, img_out_dir: str = '',
                  img_names: Optional[List[str]] = None,
                  **kwargs) -> Optional[List[np.ndarray]]:
        """Changes: failed inputs are marked for :meth:`postprocess` and not drawn; drawings are
        ``vis/<name>.png`` of :func:`~mmgrasp.apis.inference_drawing.draw_predictions`."""
        names = img_names or input_names(inputs, self.num_visualized_imgs)
        items = mark_failures(inputs, names, preds)  # for postprocess: names, errors
        if no_save_vis:
            img_out_dir = ''
        if not show and not img_out_dir and not return_vis:
            return None
        drawings = draw_predictions(self.visualizer, *drawable(items, preds), show, wait_time,
                                    draw_pred, pred_score_thr, img_out_dir)
        self.num_visualized_imgs += len(drawings)
        return drawings

    def postprocess(self, preds: list, visualization: Optional[List[np.ndarray]] = None,
                    return_datasamples: bool = False, print_result: bool = False,
                    no_save_pred: bool = False, pred_out_dir: str = '',
                    img_names: Optional[List[str]] = None, **kwargs) -> Dict:
        """Changes: failed inputs get error records (:func:`~.grasp_records.error_record`), and
        records are written as ``preds/<name>.json`` under the inputs' names."""
        if no_save_pred:
            pred_out_dir = ''
        results = []
        for i, pred in enumerate(preds):
            if isinstance(pred, FailedInput):
                results.append(error_record(pred.item.input, pred.error, pred.item.name,
                                            pred_out_dir))
            elif return_datasamples:
                results.append(pred)
            else:
                name = (img_names[i] if img_names else pred.metainfo.get('img_name')
                        or f'{self.num_predicted_imgs + i:08d}')
                results.append(self.pred2dict(pred, pred_out_dir, name))
        self.num_predicted_imgs += len(preds)
        if print_result:
            print(results)
        return dict(predictions=results, visualization=visualization)

    def pred2dict(self, data_sample: DetDataSample, pred_out_dir: str = '',
                  img_name: Optional[str] = None) -> Dict:
        """Changes: the grasp record (:func:`~.grasp_records.prediction_record`), not mmdet's
        boxes and labels; written as ``<pred_out_dir>/preds/<img_name>.json`` when set."""
        return prediction_record(data_sample, self.model.dataset_meta.get('sem_classes'),
                                 pred_out_dir, img_name or f'{self.num_predicted_imgs:08d}')
