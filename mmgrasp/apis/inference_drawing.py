# Copyright (c) mmgrasp contributors. All rights reserved.
"""The drawings of :class:`~mmgrasp.apis.GraspInferencer`: its visualizer, and predictions drawn
on the input images (``<out_dir>/vis/<name>.png``)."""
import copy
import os.path as osp
from typing import List, Sequence

import mmcv
import numpy as np
from mmdet.structures import DetDataSample
from mmdet.utils import ConfigType
from mmengine.visualization import Visualizer

from mmgrasp.registry import VISUALIZERS
from .inference_batches import InputItem
from .inference_inputs import colour_of


def build_grasp_visualizer(cfg: ConfigType, dataset_meta: dict, name: str) -> Visualizer:
    """The config's visualizer if it draws grasps, else a ``GraspLocalVisualizer``.

    Args:
        cfg (Config | ConfigDict): The config (its ``visualizer``, if any).
        dataset_meta (dict): The model's ``dataset_meta`` (class names and colours).
        name (str): The visualizer's instance name (unique per inferencer).

    Returns:
        Visualizer: Without vis backends: the inferencer writes its own files.
    """
    grasp_cls = VISUALIZERS.get('GraspLocalVisualizer')
    vis_cfg = copy.deepcopy(cfg.get('visualizer') or {})
    vis_cls = VISUALIZERS.get(vis_cfg.get('type', '')) if vis_cfg else None
    if vis_cls is None or not issubclass(vis_cls, grasp_cls):
        vis_cfg = dict(type='GraspLocalVisualizer')
    vis_cfg['name'] = name
    vis_cfg['vis_backends'] = None
    visualizer = VISUALIZERS.build(vis_cfg)
    visualizer.dataset_meta = dataset_meta
    return visualizer


def draw_predictions(visualizer: Visualizer,
                     items: Sequence[InputItem],
                     preds: Sequence[DetDataSample],
                     show: bool = False,
                     wait_time: int = 0,
                     draw_pred: bool = True,
                     pred_score_thr: float = 0.3,
                     img_out_dir: str = '') -> List[np.ndarray]:
    """Draw each prediction on its input image, and write it when ``img_out_dir`` is set.

    Args:
        visualizer (Visualizer): A ``GraspLocalVisualizer`` (:func:`build_grasp_visualizer`).
        items (list[InputItem]): The inputs (paths, BGR arrays or RGB-D dicts) and their names.
        preds (list[DetDataSample]): Their predictions, already selected (``best_per_object``).
        show (bool): Show each drawing in a window. Defaults to False.
        wait_time (int): Seconds to show each. Defaults to 0.
        draw_pred (bool): Draw the predictions. Defaults to True.
        pred_score_thr (float): Minimum score of a drawn grasp. Defaults to 0.3.
        img_out_dir (str): Writes ``<img_out_dir>/vis/<name>.png``; nothing when empty.
            Defaults to ''.

    Returns:
        list[ndarray]: The RGB drawings, in input order.
    """
    drawings = []
    for item, pred in zip(items, preds):
        single_input = colour_of(item.input)
        if isinstance(single_input, str):
            img = mmcv.imread(single_input, channel_order='rgb')
        else:
            img = single_input[..., ::-1]  # BGR -> RGB
        out_file = osp.join(img_out_dir, 'vis', f'{item.name}.png') if img_out_dir else None
        visualizer.add_datasample(
            item.name, img, pred, show=show, wait_time=wait_time, draw_gt=False,
            draw_pred=draw_pred, pred_score_thr=pred_score_thr, out_file=out_file,
            best_per_object=False)  # the selection, if any, is already in pred
        drawings.append(visualizer.get_image())
    return drawings
