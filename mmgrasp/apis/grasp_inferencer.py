# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasp inference on files, folders or arrays: drawings and JSON (mmdet ``DetInferencer`` shape).

Output format (one dict per input image, also written to ``<out_dir>/preds/<name>.json``)::

    {
      "img_path": "scene.png",            # null for array inputs
      "img_shape": [H, W],                # the original image
      "grasps": [                         # sorted by score, best first
        {"center": [x, y],                # pixels of the original image, x right, y down
         "opening": w,                    # distance between the plates (pixels)
         "jaw": h,                        # length of each plate (pixels)
         "angle_deg": a,                  # direction of the opening in [0, 180), from +x
                                          # towards +y (clockwise on screen)
         "corners": [[x, y] x 4],         # p0->p1 and p2->p3 the opening sides, p1->p2 and
                                          # p3->p0 the plates
         "score": s,
         "orientation_bin": k,            # the detection head's bin (0..17, 10 degrees each)
         "object": "box", "object_label": 1,   # class under the centre, with a semantic head
         "object_id": 1,                  # with best_per_object: which object (class id or
                                          # connected region)
         "unrefined": {"center", "opening", "jaw", "angle_deg"}},   # with a refinement head
        ...],
      "sem_seg_path": "<out_dir>/preds/<name>_sem_seg.png",   # class ids, when saved
      "sem_seg": ndarray (H, W) uint8,    # instead, when predictions are not saved
      "error": "..."                      # only for an image that could not be processed
    }

**RGB-D models** (``*_rgbd_*`` configs, whose test pipeline has ``LoadDepthFromFile``) take an
input as ``dict(img=<path or BGR array>, depth=<path or array>)``: a depth file is read as the
config says (raw units times its ``depth_scale``), a depth array is taken in metres. An RGB-D
model given an image alone reports that image as an error naming the missing depth.

Annotations are never loaded: the config's test pipeline is used as it is, and
``LoadGraspAnnotations`` passes a data info without annotations through unchanged (see its
docstring). The first loading step becomes mmdet's ``InferencerLoader`` (paths and arrays).
"""
import copy
import math
import os.path as osp
import warnings
from typing import Callable, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple, Union

import mmcv
import mmengine
import numpy as np
import torch
import torch.nn as nn
from mmdet.apis import DetInferencer
from mmdet.structures import DetDataSample
from mmdet.utils import ConfigType
from mmengine.dataset import pseudo_collate
from mmengine.logging import print_log
from mmengine.registry import FUNCTIONS, MODELS
from mmengine.runner.checkpoint import _load_checkpoint, _load_checkpoint_to_model
from mmengine.visualization import Visualizer

from mmgrasp.registry import DATASETS, VISUALIZERS
from mmgrasp.structures import best_grasp_per_object, grasp_centre_labels, grasps_to_corners
from mmgrasp.utils.stored_config import stored_config
from .inference_inputs import (InputType, check_image_file, colour_of,  # noqa: F401
                               image_to_bgr_uint8, rgbd_data_info)
from .model_files import check_weights_file

BACKENDS = ('pytorch', 'onnxruntime')
"""What runs the network: PyTorch, or onnxruntime on a model exported to ONNX."""
InputsType = Union[InputType, Sequence[InputType]]


class _Item(NamedTuple):
    """An input of a chunk: its place in the call, itself, its output file stem."""
    index: int
    input: InputType
    name: str


class _Failed(NamedTuple):
    """An input that could not be loaded or predicted, and why."""
    item: _Item
    error: Exception


def check_checkpoint_fits(model: nn.Module, checkpoint: dict, weights: str = '',
                          config: str = '', strict: bool = True) -> None:
    """Compare a checkpoint's tensors with the model built from the config, and explain.

    Args:
        model (nn.Module): The model built from the config.
        checkpoint (dict): The loaded checkpoint (with ``state_dict``).
        weights (str): Checkpoint path, for the message. Defaults to ''.
        config (str): Config name, for the message. Defaults to ''.
        strict (bool): Raise on tensors of the model that are missing from the checkpoint or
            differ in shape; otherwise warn. Tensors of the checkpoint that the model lacks
            only ever warn (e.g. a Det_Seg_Refine checkpoint run as Det_Seg). Defaults to True.

    Raises:
        ValueError: With ``strict``, when the checkpoint does not fit.
    """
    state = checkpoint.get('state_dict', checkpoint)
    state = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [(k, tuple(state[k].shape), tuple(v.shape)) for k, v in own.items()
              if k in state and hasattr(state[k], 'shape') and tuple(state[k].shape) != tuple(
                  v.shape)]

    def modules(keys: List[str]) -> str:
        heads = sorted({'.'.join(k.split('.')[:2]) for k in keys})
        return ', '.join(heads[:6]) + (', ...' if len(heads) > 6 else '')

    problems = []
    if shapes:
        k, ck, mk = shapes[0]
        where_shapes = modules([s[0] for s in shapes])
        problems.append(f'{len(shapes)} tensors differ in shape (in {where_shapes}), e.g. {k}: '
                        f'checkpoint {ck}, config {mk}')
    if missing:
        problems.append(f'{len(missing)} tensors of the model are not in the checkpoint (in '
                        f'{modules(missing)})')
    where = (f'checkpoint {weights!r}' if weights else 'the checkpoint') + (
        f' and config {config!r}' if config else ' and the config')
    hint = ('Use the config the checkpoint was trained with: it is saved in the work_dir next to '
            'the checkpoint, and inside the checkpoint (GraspInferencer(model=None, weights=...) '
            'reads it from there).')
    if problems:
        msg = f'The {where} do not match: ' + '; '.join(problems) + '. ' + hint
        if strict:
            raise ValueError(msg)
        warnings.warn(msg)
    if unexpected:
        warnings.warn(f'{len(unexpected)} tensors of the checkpoint are not used by the model of '
                      f'the config (in {modules(unexpected)}); they are ignored.')


class GraspInferencer(DetInferencer):
    """Run a grasp detector on images: predictions as JSON-ready dicts, and drawings.

    Inputs are image paths, a folder (its images, not recursive), ``(H, W, 3)`` uint8 BGR arrays
    (grayscale and BGRA arrays are converted), or a list of those. An input that cannot be read
    or processed gets a result with an ``error`` message (and a logged warning); the other
    inputs of the batch are processed as usual. See the module docstring for the output format.

    Examples:
        >>> from mmgrasp.apis import GraspInferencer
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
        num_threads (int, optional): CPU threads of the backend: ``torch.set_num_threads`` for
            PyTorch (process-wide), the session's intra-op threads for onnxruntime. None keeps
            the backend's default (one per core), which is right on an idle machine; on cores
            that other work keeps busy, fewer threads can be many times faster (docs/speed.md).
            The choice is logged. Defaults to None.
    """

    preprocess_kwargs: set = set()
    forward_kwargs: set = {'best_per_object'}
    visualize_kwargs: set = {
        'return_vis', 'show', 'wait_time', 'draw_pred', 'pred_score_thr', 'img_out_dir',
        'no_save_vis'
    }
    postprocess_kwargs: set = {
        'print_result', 'pred_out_dir', 'return_datasamples', 'no_save_pred'
    }

    def __init__(self,
                 model: Optional[Union[str, mmengine.Config]] = None,
                 weights: Optional[str] = None,
                 device: Optional[str] = None,
                 scope: str = 'mmgrasp',
                 palette: str = 'none',
                 show_progress: bool = True,
                 object_mode: str = 'auto',
                 strict: bool = True,
                 backend: str = 'pytorch',
                 num_threads: Optional[int] = None) -> None:
        if backend not in BACKENDS:
            raise ValueError(f'backend must be one of {BACKENDS}, got {backend!r}')
        self.backend = backend
        self._onnx_meta: dict = {}
        onnx_file = None
        if backend == 'onnxruntime':
            if not weights or not str(weights).endswith('.onnx'):
                raise ValueError("backend='onnxruntime' runs an exported model: weights must be "
                                 f'the .onnx file of tools/deployment/pytorch2onnx.py, got '
                                 f'{weights!r}')
            from mmgrasp.deployment import read_onnx_metadata
            self._onnx_meta = read_onnx_metadata(weights)
            if model is None:
                if not self._onnx_meta['config']:
                    raise ValueError(f'{weights} holds no config: pass the config as model')
                model = mmengine.Config(self._onnx_meta['config'])
            onnx_file, weights, device = weights, None, 'cpu'
        check_weights_file(weights)
        self.strict = strict
        self.object_mode = object_mode
        self._weights = weights or ''
        self._config_name = model if isinstance(model, str) else ''
        self._warned_no_seg = False
        super().__init__(model=model, weights=weights, device=device, scope=scope,
                         palette=palette, show_progress=show_progress)
        if onnx_file is not None:
            from mmgrasp.deployment import ORTGraspDetector
            self.model = ORTGraspDetector(self.model, onnx_file, num_threads=num_threads,
                                          config=self._config_name or None)
            self._weights = onnx_file
        elif num_threads:
            torch.set_num_threads(int(num_threads))
        threads = num_threads or (torch.get_num_threads() if onnx_file is None else 'default')
        print_log(f'GraspInferencer: {backend} on {threads} CPU thread(s) (num_threads= to '
                  'change; fewer threads help on a busy machine)', logger='current')

    # ---------------------------------------------------------------------------- building
    def _init_model(self, cfg: ConfigType, weights: Optional[str],
                    device: str = 'cpu') -> nn.Module:
        """mmengine's model building, except that a config taken from the checkpoint (``model``
        None) is read as data (:func:`~mmgrasp.utils.stored_config.stored_config`), never run as
        Python as mmengine's ``Config.fromstring`` would; the checkpoint itself is loaded by
        mmgrasp's safe loader (:mod:`mmgrasp.utils.safe_checkpoint`) either way."""
        if cfg or weights is None:
            return super()._init_model(cfg, weights, device)
        checkpoint = _load_checkpoint(weights, map_location='cpu')
        cfg.update(stored_config(checkpoint, weights)._cfg_dict)
        if cfg.model.get('pretrained') is not None:
            del cfg.model.pretrained
        model = MODELS.build(cfg.model)
        model.cfg = cfg
        self._load_weights_to_model(model, checkpoint, cfg)
        model.to(device)
        model.eval()
        return model

    @staticmethod
    def _config_metainfo(cfg: ConfigType) -> dict:
        """``metainfo`` of the config's test dataset (built lazily: no annotation is read)."""
        try:
            dataset_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
            dataset_cfg['lazy_init'] = True
            return dict(DATASETS.build(dataset_cfg).metainfo)
        except Exception as e:  # a config without a (buildable) test dataset
            print_log(f'no metainfo from the test dataset of the config ({e}); using class ids',
                      logger='current', level=30)
            return {}

    def _load_weights_to_model(self, model: nn.Module, checkpoint: Optional[dict],
                               cfg: ConfigType) -> None:
        """Check and load the weights; ``dataset_meta`` from the checkpoint, else the config.

        ``dataset_meta`` keeps ``classes`` (orientation bins), ``sem_classes`` and
        ``sem_palette``; ``sem_classes`` is made to agree with the semantic head's
        ``num_classes`` (class ids as names where they do not).
        """
        meta = self._config_metainfo(cfg)
        if checkpoint is not None:
            check_checkpoint_fits(model, checkpoint, self._weights, self._config_name, self.strict)
            _load_checkpoint_to_model(model, checkpoint)
            ckpt_meta = checkpoint.get('meta', {}).get('dataset_meta', {}) or {}
            meta.update({k.lower(): v for k, v in ckpt_meta.items()})
        elif self.backend == 'onnxruntime':  # the weights are in the graph
            meta.update({k.lower(): v for k, v in self._onnx_meta.get('dataset_meta', {}).items()})
        else:
            warnings.warn('No checkpoint given: the predictions come from random weights.')
        sem_head = getattr(model, 'semantic_head', None)
        if sem_head is not None:
            num = int(sem_head.num_classes)
            names = list(meta.get('sem_classes') or [])
            if len(names) != num:
                if names:
                    warnings.warn(f'sem_classes of the dataset ({len(names)}) do not match the '
                                  f'semantic head ({num} classes); class ids are used as names')
                meta['sem_classes'] = ['background'] + [f'class {k}' for k in range(1, num)]
                meta.pop('sem_palette', None)
        if self.palette != 'none':
            meta['palette'] = self.palette
        model.dataset_meta = meta

    def _init_visualizer(self, cfg: ConfigType) -> Optional[Visualizer]:
        """The config's visualizer if it draws grasps, else a :class:`GraspLocalVisualizer`."""
        grasp_cls = VISUALIZERS.get('GraspLocalVisualizer')
        vis_cfg = copy.deepcopy(cfg.get('visualizer') or {})
        vis_cls = VISUALIZERS.get(vis_cfg.get('type', '')) if vis_cfg else None
        if vis_cls is None or not issubclass(vis_cls, grasp_cls):
            vis_cfg = dict(type='GraspLocalVisualizer')
        vis_cfg['name'] = f'grasp_inferencer_{id(self)}'
        vis_cfg['vis_backends'] = None  # the inferencer writes its own files
        visualizer = VISUALIZERS.build(vis_cfg)
        visualizer.dataset_meta = self.model.dataset_meta
        return visualizer

    def _init_collate(self, cfg: ConfigType) -> Callable:
        """``test_dataloader.collate_fn`` (mmengine's functions) or ``pseudo_collate``."""
        collate_cfg = cfg.get('test_dataloader', {}).get('collate_fn')
        if collate_cfg is None:
            return pseudo_collate
        with FUNCTIONS.switch_scope_and_registry('mmengine') as registry:
            return registry.get(collate_cfg['type'] if isinstance(collate_cfg, dict)
                                else collate_cfg)

    # --------------------------------------------------------------------------- inputs
    def _inputs_to_list(self, inputs: InputsType) -> list:
        """A list of inputs; a folder becomes its image files, sorted by name."""
        if isinstance(inputs, str) and osp.isdir(inputs):
            return sorted(super()._inputs_to_list(inputs))
        return super()._inputs_to_list(inputs)

    def _load_one(self, single_input) -> Tuple[InputType, dict]:
        """Run the pipeline on one input; returns the (checked) input and the packed data."""
        if isinstance(single_input, np.ndarray):
            single_input = image_to_bgr_uint8(single_input)
        elif isinstance(single_input, dict):
            info = rgbd_data_info(single_input)
            if 'img' in info:
                single_input = dict(single_input, img=info['img'])
            return single_input, self.pipeline(info)
        elif not isinstance(single_input, str):
            raise TypeError('an input must be an image path, a numpy array or an RGB-D '
                            f'dict(img=..., depth=...), got {type(single_input).__name__}')
        else:
            check_image_file(single_input)
        return single_input, self.pipeline(single_input)

    def preprocess(self, inputs: list, batch_size: int = 1, **kwargs
                   ) -> Iterator[Tuple[List['_Item'], list]]:
        """Load the inputs through the test pipeline, ``batch_size`` at a time.

        Overrides ``DetInferencer.preprocess`` so that an input that cannot be loaded does not
        stop the others: its data is the exception, reported by :meth:`postprocess`.

        Args:
            inputs (list): From :meth:`_inputs_to_list`.
            batch_size (int): Images per chunk. Defaults to 1.

        Yields:
            tuple[list, list]: The chunk's inputs (``_Item``: index, input, output file stem)
            and their packed data (or the exception raised while loading).
        """
        names = self._names(inputs)
        items: List[_Item] = []
        datas: list = []
        for index, (single_input, name) in enumerate(zip(inputs, names)):
            try:
                single_input, data = self._load_one(single_input)
            except Exception as e:  # an unreadable image must not stop the others
                data = e
            items.append(_Item(index, single_input, name))
            datas.append(data)
            if len(items) == batch_size:
                yield items, datas
                items, datas = [], []
        if items:
            yield items, datas

    @torch.no_grad()
    def forward(self, inputs: list, best_per_object: bool = False, **kwargs) -> list:
        """Predict a chunk; an image that fails fails alone.

        Overrides ``BaseInferencer.forward``: the chunk is forwarded as one batch and, if that
        fails, image by image; with ``best_per_object`` each prediction keeps its best grasp per
        object (:meth:`select_best_per_object`).

        Args:
            inputs (list): Packed data (or loading exceptions) of the chunk.
            best_per_object (bool): See :meth:`__call__`. Defaults to False.

        Returns:
            list: Per input, its :class:`DetDataSample` or the exception that stopped it.
        """
        outs = list(inputs)
        loaded = [i for i, d in enumerate(inputs) if not isinstance(d, Exception)]
        for i, out in zip(loaded, self._forward_safe([inputs[i] for i in loaded])):
            if best_per_object and not isinstance(out, Exception):
                self.select_best_per_object(out)
            outs[i] = out
        return outs

    def _forward_safe(self, datas: list) -> list:
        """Forward packed data; when the batch fails, each image alone."""
        if not datas:
            return []
        try:
            return list(self.model.test_step(self.collate_fn(datas)))
        except Exception as e:
            if len(datas) == 1:
                return [e]
            return [out for data in datas for out in self._forward_safe([data])]

    def _names(self, inputs: list) -> List[str]:
        """Output file stems: the file name without extension, made unique; array numbers."""
        names, seen = [], set()
        for i, single_input in enumerate(inputs):
            single_input = colour_of(single_input)
            if isinstance(single_input, str):
                name = osp.splitext(osp.basename(single_input.rstrip('/')))[0] or f'{i:08d}'
            else:
                name = f'{self.num_visualized_imgs + i:08d}'
            if name in seen:
                name = f'{name}_{i}'
            seen.add(name)
            names.append(name)
        return names

    # ----------------------------------------------------------------------------- call
    def __call__(self,
                 inputs: InputsType,
                 batch_size: int = 1,
                 return_vis: bool = False,
                 show: bool = False,
                 wait_time: int = 0,
                 no_save_vis: bool = False,
                 draw_pred: bool = True,
                 pred_score_thr: float = 0.3,
                 best_per_object: bool = False,
                 return_datasamples: bool = False,
                 print_result: bool = False,
                 no_save_pred: bool = True,
                 out_dir: str = '',
                 **kwargs) -> dict:
        """Predict, draw and save.

        Args:
            inputs (str | ndarray | list): Image path(s), a folder, or BGR array(s).
            batch_size (int): Images per forward pass. Defaults to 1.
            return_vis (bool): Return the drawings (RGB arrays). Defaults to False.
            show (bool): Show the drawings in a window. Defaults to False.
            wait_time (int): Seconds to show each drawing. Defaults to 0.
            no_save_vis (bool): Do not write drawings. Defaults to False.
            draw_pred (bool): Draw the predictions. Defaults to True.
            pred_score_thr (float): Minimum score of a drawn grasp (the JSON holds all
                predictions). Defaults to 0.3.
            best_per_object (bool): Keep only the best grasp per object (from the semantic map;
                the single best grasp without one), in the drawings and the predictions.
                Defaults to False.
            return_datasamples (bool): Return :class:`DetDataSample` s instead of dicts.
                Defaults to False.
            print_result (bool): Print the predictions. Defaults to False.
            no_save_pred (bool): Do not write JSON files. Defaults to True.
            out_dir (str): Output folder: drawings in ``vis/``, JSON and semantic maps in
                ``preds/``. Nothing is written when empty. Defaults to ''.

        Returns:
            dict: ``predictions`` (one entry per input, in input order) and ``visualization``
            (the RGB drawings with ``return_vis``, else an empty list).
        """
        return super().__call__(
            inputs, batch_size=batch_size, return_vis=return_vis, show=show,
            wait_time=wait_time, no_save_vis=no_save_vis, draw_pred=draw_pred,
            pred_score_thr=pred_score_thr, return_datasamples=return_datasamples,
            print_result=print_result, no_save_pred=no_save_pred, out_dir=out_dir,
            best_per_object=best_per_object, **kwargs)

    def _error_result(self, single_input, error: Exception, name: str, pred_out_dir: str) -> dict:
        colour = colour_of(single_input) if isinstance(single_input, (dict, str)) else None
        path = colour if isinstance(colour, str) else None
        what = path if path is not None else f'array input {name}'
        message = f'{type(error).__name__}: {error}'
        print_log(f'skipped {what}: {message}', logger='current', level=30)
        result = dict(img_path=path, error=message, grasps=[])
        if pred_out_dir:
            mmengine.dump(result, osp.join(pred_out_dir, 'preds', f'{name}.json'), indent=1)
        return result

    @property
    def needs_depth(self) -> bool:
        """Whether the model is an RGB-D one (its test pipeline loads depth): its inputs are then
        ``dict(img=..., depth=...)`` (module docstring)."""
        pipeline = self.cfg.get('test_dataloader', {}).get('dataset', {}).get('pipeline', [])
        return any(str(step.get('type', '')).split('.')[-1] == 'LoadDepthFromFile'
                   for step in pipeline)

    def select_best_per_object(self, data_sample: DetDataSample) -> DetDataSample:
        """Replace ``pred_instances`` by the best grasp per object, in place.

        Adds ``obj_labels``, ``obj_ids`` and ``grasp_inds`` (see :func:`best_grasp_per_object`).
        Without a semantic map the single best grasp is kept.

        Args:
            data_sample (DetDataSample): A prediction.

        Returns:
            DetDataSample: The same sample.
        """
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

    # ----------------------------------------------------------------------- outputs
    def visualize(self,
                  inputs: list,
                  preds: List[DetDataSample],
                  return_vis: bool = False,
                  show: bool = False,
                  wait_time: int = 0,
                  draw_pred: bool = True,
                  pred_score_thr: float = 0.3,
                  no_save_vis: bool = False,
                  img_out_dir: str = '',
                  img_names: Optional[List[str]] = None,
                  **kwargs) -> Optional[List[np.ndarray]]:
        """Draw predictions on the input images; write ``<img_out_dir>/vis/<name>.png``.

        Args:
            inputs (list): Paths or BGR arrays.
            preds (list[DetDataSample]): Predictions.
            return_vis (bool): Return the drawings. Defaults to False.
            show (bool): Show them. Defaults to False.
            wait_time (int): Seconds to show each. Defaults to 0.
            draw_pred (bool): Draw the predictions. Defaults to True.
            pred_score_thr (float): Minimum score of a drawn grasp. Defaults to 0.3.
            no_save_vis (bool): Write nothing. Defaults to False.
            img_out_dir (str): Output folder. Defaults to ''.
            img_names (list[str], optional): File stems. Defaults to :meth:`_names`.

        Returns:
            list[ndarray] | None: RGB drawings, or None when nothing is drawn.
        """
        items = [x if isinstance(x, _Item) else _Item(i, x, n) for i, (x, n) in
                 enumerate(zip(inputs, img_names or self._names(inputs)))]
        for i, (item, pred) in enumerate(zip(items, preds)):  # for postprocess: names, errors
            if isinstance(pred, Exception):
                preds[i] = _Failed(item, pred)
            elif isinstance(pred, DetDataSample):
                pred.set_metainfo(dict(img_name=item.name))
        if no_save_vis:
            img_out_dir = ''
        if not show and not img_out_dir and not return_vis:
            return None
        results = []
        for item, pred in zip(items, preds):
            if isinstance(pred, _Failed):
                continue
            single_input, name = colour_of(item.input), item.name
            if isinstance(single_input, str):
                img = mmcv.imread(single_input, channel_order='rgb')
            else:
                img = single_input[..., ::-1]  # BGR -> RGB
            out_file = osp.join(img_out_dir, 'vis', f'{name}.png') if img_out_dir else None
            self.visualizer.add_datasample(
                name, img, pred, show=show, wait_time=wait_time, draw_gt=False,
                draw_pred=draw_pred, pred_score_thr=pred_score_thr, out_file=out_file,
                best_per_object=False)  # the selection, if any, is already in pred
            results.append(self.visualizer.get_image())
            self.num_visualized_imgs += 1
        return results

    def postprocess(self,
                    preds: List[DetDataSample],
                    visualization: Optional[List[np.ndarray]] = None,
                    return_datasamples: bool = False,
                    print_result: bool = False,
                    no_save_pred: bool = False,
                    pred_out_dir: str = '',
                    img_names: Optional[List[str]] = None,
                    **kwargs) -> Dict:
        """Turn predictions into dicts (module docstring) and write them as JSON.

        Args:
            preds (list[DetDataSample]): Predictions.
            visualization (list[ndarray], optional): Drawings. Defaults to None.
            return_datasamples (bool): Return the samples themselves. Defaults to False.
            print_result (bool): Print the results. Defaults to False.
            no_save_pred (bool): Write nothing. Defaults to False.
            pred_out_dir (str): Output folder (files go to ``preds/``). Defaults to ''.
            img_names (list[str], optional): File stems. Defaults to numbers.

        Returns:
            dict: ``predictions`` and ``visualization``.
        """
        if no_save_pred:
            pred_out_dir = ''
        results = []
        for i, pred in enumerate(preds):
            if isinstance(pred, _Failed):
                results.append(self._error_result(pred.item.input, pred.error, pred.item.name,
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
        """One prediction as a dict of plain numbers (module docstring); written to
        ``<pred_out_dir>/preds/<img_name>.json`` when ``pred_out_dir`` is set.

        Args:
            data_sample (DetDataSample): The prediction.
            pred_out_dir (str): Output folder. Defaults to ''.
            img_name (str, optional): File stem. Defaults to a number.

        Returns:
            dict: The prediction.
        """
        img_name = img_name or f'{self.num_predicted_imgs:08d}'
        meta = data_sample.metainfo
        result = dict(img_path=meta.get('img_path'),
                      img_shape=[int(v) for v in meta.get('ori_shape', (0, 0))[:2]])
        result['grasps'] = grasp_records(data_sample, self.model.dataset_meta.get('sem_classes'))
        if 'pred_sem_seg' in data_sample:
            seg = data_sample.pred_sem_seg.sem_seg[0].cpu().numpy().astype(np.uint8)
            if pred_out_dir:
                path = osp.join(pred_out_dir, 'preds', f'{img_name}_sem_seg.png')
                mmcv.imwrite(seg, path)
                result['sem_seg_path'] = path
            else:
                result['sem_seg'] = seg
        if pred_out_dir:
            mmengine.dump(result, osp.join(pred_out_dir, 'preds', f'{img_name}.json'), indent=1)
        return result


def _grasp_fields(g: Sequence[float]) -> dict:
    return dict(center=[round(g[0], 2), round(g[1], 2)], opening=round(g[2], 2),
                jaw=round(g[3], 2), angle_deg=round(math.degrees(g[4]) % 180.0, 2))


def grasp_records(data_sample: DetDataSample,
                  sem_classes: Optional[Sequence[str]] = None) -> List[dict]:
    """The predicted grasps of a sample as JSON-ready dicts, best first.

    Args:
        data_sample (DetDataSample): ``pred_instances`` (``bboxes`` ``(K, 5)`` at the original
            resolution, ``scores``, ``labels``; optional ``bboxes_unrefined``, ``obj_labels``,
            ``obj_ids``) and optional ``pred_sem_seg``.
        sem_classes (list[str], optional): Names of the semantic classes. Defaults to None.

    Returns:
        list[dict]: One dict per grasp (keys in the module docstring).
    """
    if 'pred_instances' not in data_sample:
        return []
    preds = data_sample.pred_instances.cpu()
    if len(preds) == 0:
        return []
    preds = preds[preds.scores.argsort(descending=True, stable=True)]  # ties keep their order
    grasps = preds.bboxes.float()
    corners = grasps_to_corners(grasps)  # (K, 4, 2)
    if 'obj_labels' in preds:
        obj_labels = preds.obj_labels.numpy()
    elif 'pred_sem_seg' in data_sample:
        obj_labels = grasp_centre_labels(grasps, data_sample.pred_sem_seg.sem_seg)
    else:
        obj_labels = None
    records = []
    for i in range(len(preds)):
        rec = _grasp_fields(grasps[i].tolist())
        rec['corners'] = [[round(x, 2), round(y, 2)] for x, y in corners[i].tolist()]
        rec['score'] = round(float(preds.scores[i]), 4)
        rec['orientation_bin'] = int(preds.labels[i]) if 'labels' in preds else None
        if obj_labels is not None:
            label = int(obj_labels[i])
            rec['object'] = (sem_classes[label] if sem_classes is not None
                             and 0 <= label < len(sem_classes) else f'class {label}')
            rec['object_label'] = label
        if 'obj_ids' in preds:
            rec['object_id'] = int(preds.obj_ids[i])
        if 'bboxes_unrefined' in preds:
            rec['unrefined'] = _grasp_fields(preds.bboxes_unrefined[i].float().tolist())
        records.append(rec)
    return records
