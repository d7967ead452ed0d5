# Copyright (c) mmgrasp contributors. All rights reserved.
"""Geometry shared by the grasp transforms.

Coordinates are continuous, as in mmdet: pixel ``(col, row)`` covers
``[col, col+1) x [row, row+1)``, so an image of width ``W`` spans ``x`` in ``[0, W]`` and its
centre is ``(W/2, H/2)``. OpenCV's
warps index pixel centres instead (pixel ``col`` is at ``x = col``); :func:`to_pixel_matrix`
converts an affine map from the first convention to the second, so that image, masks and grasps
move together exactly.
"""
from typing import Tuple

import numpy as np

from mmgrasp.structures import GraspBoxes

GRASP_KEYS = ('gt_bboxes', 'gt_bboxes_labels', 'gt_ignore_flags')
"""The per-grasp fields of a sample in the pipeline, mmdet's names: ``gt_bboxes``
(:class:`~mmgrasp.structures.GraspBoxes`), ``gt_bboxes_labels`` (the class of each grasped
object; the detector derives its orientation-bin labels in its loss) and ``gt_ignore_flags``."""


def get_grasps(results: dict):
    """The sample's grasps as a ``(N, 5)`` float32 array, or None without ``gt_bboxes``."""
    boxes = results.get('gt_bboxes')
    return None if boxes is None else boxes.tensor.detach().cpu().numpy().reshape(-1, 5)


def set_grasps(results: dict, grasps: np.ndarray) -> None:
    """Store ``(N, 5)`` grasps as the sample's :class:`GraspBoxes` (float32)."""
    results['gt_bboxes'] = GraspBoxes(np.asarray(grasps, dtype=np.float32).reshape(-1, 5))


def compose_homography(results: dict, matrix: np.ndarray) -> None:
    """Compose an affine step into ``results['homography_matrix']`` (original -> current).

    Args:
        results (dict): Transform results, updated in place.
        matrix (ndarray): ``(2, 3)`` affine map of this step, continuous coordinates.
    """
    step = np.eye(3)
    step[:2] = np.asarray(matrix, dtype=np.float64)
    results['homography_matrix'] = step @ np.asarray(
        results.get('homography_matrix', np.eye(3)), dtype=np.float64)


def rotation_matrix(angle: float, centre: Tuple[float, float],
                    translate: Tuple[float, float] = (0.0, 0.0), scale: float = 1.0) -> np.ndarray:
    """Affine map that rotates by ``angle`` (and scales by ``scale``) about ``centre``, then
    translates.

    The rotation turns +x towards +y (clockwise on screen, y down), the sense of grasp angles, so
    a grasp's ``theta`` becomes ``theta + angle``.

    Args:
        angle (float): Rotation in radians.
        centre (tuple[float, float]): ``(cx, cy)`` in continuous coordinates.
        translate (tuple[float, float]): ``(tx, ty)`` added after the rotation. Defaults to 0.
        scale (float): Isotropic scale about ``centre``. Defaults to 1.

    Returns:
        ndarray: ``(2, 3)`` float64 matrix ``[A | t]``.
    """
    c, s = np.cos(angle), np.sin(angle)
    a = scale * np.array([[c, -s], [s, c]])
    centre = np.asarray(centre, dtype=np.float64)
    t = centre - a @ centre + np.asarray(translate, dtype=np.float64)
    return np.concatenate([a, t[:, None]], axis=1)


def to_pixel_matrix(matrix: np.ndarray) -> np.ndarray:
    """Convert an affine map in continuous coordinates to OpenCV's pixel-centre coordinates.

    With ``q = p - 0.5`` (pixel index of continuous point ``p``): ``q' = A q + (t + A 0.5 - 0.5)``.

    Args:
        matrix (ndarray): ``(2, 3)`` map in continuous coordinates.

    Returns:
        ndarray: ``(2, 3)`` map for ``cv2.warpAffine``.
    """
    m = np.asarray(matrix, dtype=np.float64).copy()
    m[:, 2] += m[:, :2] @ np.array([0.5, 0.5]) - 0.5
    return m


def centres_inside(grasps: np.ndarray, height: int, width: int) -> np.ndarray:
    """Which grasp centres lie in the image ``[0, W) x [0, H)``.

    Args:
        grasps (ndarray): ``(N, 5)`` grasps.
        height (int): Image height.
        width (int): Image width.

    Returns:
        ndarray: ``(N,)`` bool.
    """
    g = np.asarray(grasps).reshape(-1, 5)
    return (g[:, 0] >= 0) & (g[:, 0] < width) & (g[:, 1] >= 0) & (g[:, 1] < height)


def select_grasps(results: dict, keep: np.ndarray) -> None:
    """Keep the grasps ``keep`` of ``results``, in every per-grasp field (in place).

    Args:
        results (dict): Transform results with ``gt_bboxes`` and optionally
            ``gt_bboxes_labels`` and ``gt_ignore_flags``.
        keep (ndarray): ``(N,)`` bool mask or indices.
    """
    for key in GRASP_KEYS:
        if key in results:
            results[key] = results[key][keep]
