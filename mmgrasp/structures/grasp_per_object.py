# Copyright (c) mmgrasp contributors. All rights reserved.
"""One grasp per object, from the semantic map (paper Fig. 1 and 4).

The detection branch predicts grasps for the whole scene; the segmentation branch says which
object each pixel belongs to. A grasp belongs to the object under its centre (pixel
``(floor(y), floor(x))``, the rule of the OCID_grasp evaluation, docs/conventions.md section 5),
and the best grasp of an object is its highest-scoring one. An "object" is either

- a semantic class (``mode='class'``): OCID_grasp-style maps with one class per object type, or
- a connected region of non-background pixels (``mode='component'``, 8-connectivity):
  Jacquard-style ``{background, graspable}`` maps, where one class covers every object.
"""
from typing import Optional, Union

import cv2
import numpy as np
import torch
from mmengine.structures import InstanceData
from torch import Tensor

ArrayLike = Union[Tensor, np.ndarray]
OBJECT_MODES = ('auto', 'class', 'component')


def _seg_to_numpy(sem_seg: ArrayLike) -> np.ndarray:
    seg = sem_seg.detach().cpu().numpy() if isinstance(sem_seg, Tensor) else np.asarray(sem_seg)
    if seg.ndim == 3 and seg.shape[0] == 1:
        seg = seg[0]
    if seg.ndim != 2:
        raise ValueError(f'sem_seg must be (H, W) or (1, H, W) class ids, got {seg.shape}')
    return seg.astype(np.int64)


def _grasps_to_numpy(grasps: ArrayLike) -> np.ndarray:
    g = grasps.detach().cpu().numpy() if isinstance(grasps, Tensor) else np.asarray(grasps)
    g = g.astype(np.float64).reshape(-1, g.shape[-1] if g.ndim else 5)
    if g.shape[1] != 5:
        raise ValueError(f'grasps must be (K, 5) (x, y, w, h, theta), got {g.shape}')
    return g


def centre_pixels(grasps: ArrayLike, height: int, width: int) -> np.ndarray:
    """Pixel ``(row, col)`` under each grasp centre, clipped into the image.

    Args:
        grasps (Tensor | ndarray): ``(K, 5)`` grasps ``(x, y, w, h, theta)`` in the pixels of
            the map.
        height (int): Map height.
        width (int): Map width.

    Returns:
        ndarray: ``(K, 2)`` int64 ``(row, col)``.
    """
    g = _grasps_to_numpy(grasps)
    cols = np.clip(np.floor(g[:, 0]).astype(np.int64), 0, width - 1)
    rows = np.clip(np.floor(g[:, 1]).astype(np.int64), 0, height - 1)
    return np.stack([rows, cols], axis=1)


def grasp_centre_labels(grasps: ArrayLike, sem_seg: ArrayLike) -> np.ndarray:
    """Semantic class under each grasp centre.

    Args:
        grasps (Tensor | ndarray): ``(K, 5)`` grasps in the pixels of ``sem_seg``.
        sem_seg (Tensor | ndarray): ``(H, W)`` or ``(1, H, W)`` class ids.

    Returns:
        ndarray: ``(K,)`` int64 class ids.
    """
    seg = _seg_to_numpy(sem_seg)
    rc = centre_pixels(grasps, *seg.shape)
    return seg[rc[:, 0], rc[:, 1]]


def resolve_object_mode(mode: str, sem_seg: ArrayLike, num_classes: Optional[int] = None,
                        ignore_index: int = 255) -> str:
    """Turn ``mode='auto'`` into ``'class'`` or ``'component'``.

    ``'auto'`` means ``'class'`` with more than two semantic classes (one class per object
    type, OCID_grasp) and ``'component'`` with two (background and "graspable", Jacquard).
    Without ``num_classes`` the number is taken as the largest class id in the map plus one,
    which cannot tell a two-class map from a many-class map that shows only class 1: pass
    ``num_classes`` (``len(dataset_meta['sem_classes'])``) where it is known.

    Args:
        mode (str): ``'auto'``, ``'class'`` or ``'component'``.
        sem_seg (Tensor | ndarray): The class map.
        num_classes (int, optional): Number of semantic classes. Defaults to None.
        ignore_index (int): Label left out. Defaults to 255.

    Returns:
        str: ``'class'`` or ``'component'``.
    """
    if mode not in OBJECT_MODES:
        raise ValueError(f'mode must be one of {OBJECT_MODES}, got {mode!r}')
    if mode != 'auto':
        return mode
    if num_classes is None:
        seg = _seg_to_numpy(sem_seg)
        ids = seg[seg != ignore_index]
        num_classes = int(ids.max()) + 1 if ids.size else 2
    return 'class' if num_classes > 2 else 'component'


def object_map(sem_seg: ArrayLike,
               mode: str = 'auto',
               num_classes: Optional[int] = None,
               background: int = 0,
               ignore_index: int = 255,
               min_area: int = 0) -> np.ndarray:
    """The objects of a semantic map: an id per pixel, 0 where there is none.

    Args:
        sem_seg (Tensor | ndarray): ``(H, W)`` or ``(1, H, W)`` class ids.
        mode (str): ``'class'``, ``'component'`` or ``'auto'`` (see
            :func:`best_grasp_per_object`). Defaults to ``'auto'``.
        num_classes (int, optional): Number of semantic classes, for ``'auto'``.
            Defaults to None.
        background (int): Background class id. Defaults to 0.
        ignore_index (int): Class id that is no object either. Defaults to 255.
        min_area (int): In ``'component'`` mode, regions of fewer pixels are no object.
            Defaults to 0.

    Returns:
        ndarray: ``(H, W)`` int64: the class id (``'class'``) or the region number from 1
        (``'component'``, 8-connectivity, numbered by OpenCV's scan order) of each pixel.
    """
    seg = _seg_to_numpy(sem_seg)
    mode = resolve_object_mode(mode, seg, num_classes, ignore_index)
    fg = (seg != background) & (seg != ignore_index)
    if mode == 'class':
        return np.where(fg, seg, 0)
    _, obj_map, stats, _ = cv2.connectedComponentsWithStats(fg.astype(np.uint8), connectivity=8)
    obj_map = obj_map.astype(np.int64)
    if min_area > 0:
        small = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] < min_area)
        obj_map[np.isin(obj_map, small[small > 0])] = 0
    return obj_map


def best_grasp_per_object(pred_instances: InstanceData,
                          sem_seg: ArrayLike,
                          mode: str = 'auto',
                          num_classes: Optional[int] = None,
                          background: int = 0,
                          ignore_index: int = 255,
                          min_area: int = 0) -> InstanceData:
    """Keep the highest-scoring grasp whose centre lies on each object.

    Objects without any grasp centre on them get no grasp; grasps whose centre lies on the
    background are dropped.

    Args:
        pred_instances (InstanceData): ``bboxes`` ``(K, 5)`` grasps ``(x, y, w, h, theta)`` in
            the pixels of ``sem_seg`` (``pred_instances`` and ``pred_sem_seg`` of
            :class:`mmgrasp.models.GraspDetSeg` are both at the original image size) and
            ``scores`` ``(K,)``; other fields are carried along.
        sem_seg (Tensor | ndarray): ``(H, W)`` or ``(1, H, W)`` class ids
            (``pred_sem_seg.sem_seg``).
        mode (str): ``'class'`` (an object is a semantic class), ``'component'`` (an object is
            a connected region of non-background pixels) or ``'auto'``
            (see :func:`resolve_object_mode`). Defaults to ``'auto'``.
        num_classes (int, optional): Number of semantic classes, for ``'auto'``.
            Defaults to None.
        background (int): Background class id. Defaults to 0.
        ignore_index (int): Class id that is no object either. Defaults to 255.
        min_area (int): In ``'component'`` mode, regions of fewer pixels are no object.
            Defaults to 0.

    Returns:
        InstanceData: One entry per object, in increasing ``obj_ids``: the fields of
        ``pred_instances`` plus ``obj_labels`` ``(M,)`` (semantic class under the grasp centre),
        ``obj_ids`` ``(M,)`` (the class id in ``'class'`` mode, the region number from 1 in
        ``'component'`` mode) and ``grasp_inds`` ``(M,)`` (indices into ``pred_instances``).
    """
    seg = _seg_to_numpy(sem_seg)
    obj_map = object_map(seg, mode, num_classes, background, ignore_index, min_area)

    grasps = pred_instances.bboxes
    grasps = grasps.tensor if hasattr(grasps, 'tensor') else grasps
    scores = pred_instances.scores
    scores_np = (scores.detach().cpu().numpy() if isinstance(scores, Tensor)
                 else np.asarray(scores)).reshape(-1)
    if len(scores_np):
        rc = centre_pixels(grasps, *seg.shape)
        ids = obj_map[rc[:, 0], rc[:, 1]]  # (K,) object under each centre, 0 = none
        labels = seg[rc[:, 0], rc[:, 1]]
    else:
        ids = labels = np.zeros(0, dtype=np.int64)
    order = np.argsort(-scores_np, kind='stable')
    order = order[ids[order] > 0]
    # np.unique keeps the first occurrence of each object: the best-scoring grasp.
    obj_ids, first = np.unique(ids[order], return_index=True)
    keep = order[first]  # (M,) in increasing object id

    device = scores.device if isinstance(scores, Tensor) else torch.device('cpu')
    keep_t = torch.as_tensor(keep, dtype=torch.long, device=device)
    out = pred_instances[keep_t]
    out.obj_labels = torch.as_tensor(labels[keep], dtype=torch.long, device=device)
    out.obj_ids = torch.as_tensor(obj_ids, dtype=torch.long, device=device)
    out.grasp_inds = keep_t
    return out
