# Copyright (c) mmgrasp contributors. All rights reserved.
"""A grasp per object, scored against each object's own mask and grasps (paper Fig. 1 and 4).

What a robot does with Det_Seg: segment the scene, take for each object the best grasp whose centre
lies on it (:func:`mmgrasp.structures.best_grasp_per_object`), and grasp it. Scored per ground-truth
object:

1. the predicted object of a ground-truth object is the connected region of the predicted
   foreground that overlaps its ground-truth mask most (none: the object is *missed*);
2. its grasp is the highest-scoring grasp whose centre lies on that region (none: missed);
3. the grasp is *on the object* when its centre pixel (``floor(y), floor(x)``) lies on the
   object's ground-truth mask; it *matches* when it matches one of that object's ground-truth
   grasps by the metric's rule (angle below ``angle_thr``, IoU above ``iou_thr``); it is
   *correct* when both hold (issue 12's definition). ``matches`` alone is the metric's own rule:
   about 13 % of the Jacquard labels have their centre off the object mask (docs/conventions.md
   section 1), so a prediction equal to such a label matches without being on the object.

The rates are over all ground-truth objects, missed ones included.
"""
from typing import Dict, List, Sequence

import numpy as np
import torch
from mmengine.structures import InstanceData

from mmgrasp.structures import best_grasp_per_object, centre_pixels, object_map
from ..metrics.grasp_jaccard_metric import match_grid


def score_object_grasps(bboxes: np.ndarray, scores: np.ndarray, pred_seg: np.ndarray,
                        objects: Sequence[Dict[str, np.ndarray]], angle_thr: float = 30.0,
                        iou_thr: float = 0.25) -> List[Dict]:
    """Pick a grasp per predicted object and score it against each ground-truth object.

    Args:
        bboxes (ndarray): ``(P, 5)`` predicted grasps ``(x, y, w, h, theta)`` in the pixels of
            ``pred_seg``.
        scores (ndarray): ``(P,)`` their scores.
        pred_seg (ndarray): ``(H, W)`` predicted class ids, 0 background (a two-class map: the
            objects are its connected foreground regions).
        objects (Sequence[dict]): Per ground-truth object, ``mask`` ``(H, W)`` bool and
            ``grasps`` ``(G, 5)``.
        angle_thr (float): Angle threshold in degrees. Defaults to 30.
        iou_thr (float): IoU threshold. Defaults to 0.25.

    Returns:
        list[dict]: Per object: ``found`` (a predicted region overlaps it and has a grasp),
        ``on_object``, ``matches``, ``correct`` (bools) and ``grasp`` (the picked
        ``(x, y, w, h, theta)`` as a list, or None).
    """
    seg = np.asarray(pred_seg).reshape(np.asarray(pred_seg).shape[-2:]).astype(np.int64)
    regions = object_map(seg, mode='component')
    bboxes = np.asarray(bboxes, dtype=np.float64).reshape(-1, 5)
    picked = best_grasp_per_object(
        InstanceData(bboxes=torch.as_tensor(bboxes),
                     scores=torch.as_tensor(np.asarray(scores, dtype=np.float64).reshape(-1))),
        seg, mode='component')
    grasp_of_region = {int(r): bboxes[int(i)]
                       for r, i in zip(picked.obj_ids.tolist(), picked.grasp_inds.tolist())}
    out = []
    for obj in objects:
        mask = np.asarray(obj['mask'], dtype=bool)
        if mask.shape != seg.shape:
            raise ValueError(f'object mask {mask.shape} and predicted map {seg.shape} differ')
        hits = np.bincount(regions[mask], minlength=regions.max() + 1)
        hits[0] = 0
        region = int(np.argmax(hits)) if hits.any() else 0
        grasp = grasp_of_region.get(region) if region else None
        if grasp is None:
            out.append(dict(found=False, on_object=False, matches=False, correct=False,
                            grasp=None))
            continue
        row, col = centre_pixels(grasp[None], *seg.shape)[0]
        on_object = bool(mask[row, col])
        gts = np.asarray(obj['grasps'], dtype=np.float64).reshape(-1, 5)
        matches = bool(match_grid(grasp, gts, [(angle_thr, iou_thr)])[0])
        out.append(dict(found=True, on_object=on_object, matches=matches,
                        correct=on_object and matches, grasp=[float(v) for v in grasp]))
    return out


def summarise_object_grasps(records: Sequence[Dict]) -> Dict[str, float]:
    """Rates over objects: ``found``, ``on_object``, ``matches``, ``correct`` (fractions) and
    ``num_objects``.

    Raises:
        ValueError: On no records (an evaluation of nothing is an error, never 0).
    """
    if not records:
        raise ValueError('no objects to score')
    n = len(records)
    return dict(num_objects=n,
                found=sum(r['found'] for r in records) / n,
                on_object=sum(r['on_object'] for r in records) / n,
                matches=sum(r['matches'] for r in records) / n,
                correct=sum(r['correct'] for r in records) / n)
