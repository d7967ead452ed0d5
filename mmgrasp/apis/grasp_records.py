# Copyright (c) mmgrasp contributors. All rights reserved.
"""The JSON records of :class:`~mmgrasp.apis.GraspInferencer`: one per input image.

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
         "orientation_bin": k,            # the bin whose score it is (0..17, 10 degrees each)
         "object": "box", "object_label": 1,   # class under the centre, with a semantic head
         "object_id": 1,                  # with best_per_object: which object (class id or
                                          # connected region)
         "unrefined": {"center", "opening", "jaw", "angle_deg"}},   # with a refinement head
        ...],
      "sem_seg_path": "<out_dir>/preds/<name>_sem_seg.png",   # class ids, when saved
      "sem_seg": ndarray (H, W) uint8,    # instead, when predictions are not saved
      "error": "..."                      # only for an image that could not be processed
    }
"""
import math
import os.path as osp
from typing import List, Optional, Sequence

import mmcv
import mmengine
import numpy as np
from mmdet.structures import DetDataSample
from mmengine.logging import print_log

from mmgrasp.structures import grasp_centre_labels, grasps_to_corners
from .inference_inputs import InputType, colour_of


def _grasp_fields(g: Sequence[float]) -> dict:
    """Centre, opening, jaw and angle (degrees) of one ``(x, y, w, h, theta)`` grasp."""
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


def prediction_record(data_sample: DetDataSample,
                      sem_classes: Optional[Sequence[str]] = None,
                      pred_out_dir: str = '',
                      img_name: str = '') -> dict:
    """One prediction as a dict of plain numbers (module docstring).

    With ``pred_out_dir``, the record is written to ``<pred_out_dir>/preds/<img_name>.json`` and
    the semantic map to ``<img_name>_sem_seg.png`` next to it (the record then holds its path
    instead of the array).

    Args:
        data_sample (DetDataSample): The prediction.
        sem_classes (list[str], optional): Names of the semantic classes. Defaults to None.
        pred_out_dir (str): Output folder; nothing is written when empty. Defaults to ''.
        img_name (str): File stem of the written files. Defaults to ''.

    Returns:
        dict: The record.
    """
    meta = data_sample.metainfo
    result = dict(img_path=meta.get('img_path'),
                  img_shape=[int(v) for v in meta.get('ori_shape', (0, 0))[:2]])
    result['grasps'] = grasp_records(data_sample, sem_classes)
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


def error_record(single_input: InputType, error: Exception, name: str,
                 pred_out_dir: str = '') -> dict:
    """The record of an input that could not be processed; the error is logged as a warning.

    Args:
        single_input (str | ndarray | dict): The input (a path names itself in the message).
        error (Exception): What stopped it.
        name (str): File stem of the written record (and the message's name of an array).
        pred_out_dir (str): Output folder; nothing is written when empty. Defaults to ''.

    Returns:
        dict: ``img_path`` (None for an array), ``error`` and empty ``grasps``.
    """
    colour = colour_of(single_input) if isinstance(single_input, (dict, str)) else None
    path = colour if isinstance(colour, str) else None
    what = path if path is not None else f'array input {name}'
    message = f'{type(error).__name__}: {error}'
    print_log(f'skipped {what}: {message}', logger='current', level=30)
    result = dict(img_path=path, error=message, grasps=[])
    if pred_out_dir:
        mmengine.dump(result, osp.join(pred_out_dir, 'preds', f'{name}.json'), indent=1)
    return result
