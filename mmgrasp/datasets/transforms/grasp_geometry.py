# Copyright (c) mmgrasp contributors. All rights reserved.
"""Geometry shared by the grasp transforms.

Coordinates are continuous, as in mmdet: pixel ``(col, row)`` covers
``[col, col+1) x [row, row+1)``, so an image of width ``W`` spans ``x`` in ``[0, W]`` and its centre is ``(W/2, H/2)``. OpenCV's
warps index pixel centres instead (pixel ``col`` is at ``x = col``); :func:`to_pixel_matrix`
converts an affine map from the first convention to the second, so that image, masks and grasps
move together exactly.
"""
from typing import Tuple

import numpy as np

GRASP_KEYS = ('gt_grasps', 'gt_obj_labels', 'gt_ignore_flags')


def affine_grasps(grasps: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Map grasps through an affine transform of the image plane.

    The centre is mapped as a point; the opening vector ``w * (cos t, sin t)`` and the jaw vector
    ``h * (-sin t, cos t)`` as vectors, giving the new ``w``, ``h`` and ``theta`` (wrapped into
    ``[0, pi)``). For rotations, translations, flips and isotropic scaling this is exact: a
    rotation by ``alpha`` (clockwise on screen) gives ``theta + alpha``, a horizontal flip
    ``pi - theta``. Under anisotropic scaling a rectangle becomes a parallelogram; the result then
    keeps the mapped opening vector exactly and the length of the mapped jaw vector.

    Args:
        grasps (ndarray): ``(N, 5)`` grasps ``(x, y, w, h, theta)``.
        matrix (ndarray): ``(2, 3)`` affine map ``p' = A p + t`` in continuous coordinates.

    Returns:
        ndarray: ``(N, 5)`` mapped grasps, the dtype of ``grasps``.
    """
    dtype = np.asarray(grasps).dtype if np.asarray(grasps).dtype.kind == 'f' else np.float32
    g = np.asarray(grasps, dtype=np.float64).reshape(-1, 5)
    m = np.asarray(matrix, dtype=np.float64)
    a, t = m[:, :2], m[:, 2]
    cos, sin = np.cos(g[:, 4]), np.sin(g[:, 4])
    centre = g[:, :2] @ a.T + t  # (N, 2)
    opening = np.stack([cos, sin], axis=1) @ a.T * g[:, 2:3]  # (N, 2)
    jaw = np.stack([-sin, cos], axis=1) @ a.T * g[:, 3:4]  # (N, 2)
    theta = np.mod(np.arctan2(opening[:, 1], opening[:, 0]), np.pi)
    theta[theta >= np.pi] = 0.0
    out = np.stack([
        centre[:, 0], centre[:, 1],
        np.linalg.norm(opening, axis=1),
        np.linalg.norm(jaw, axis=1), theta
    ], axis=1)
    return out.astype(dtype)


def rotation_matrix(angle: float, centre: Tuple[float, float],
                    translate: Tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Affine map that rotates by ``angle`` about ``centre``, then translates.

    The rotation turns +x towards +y (clockwise on screen, y down), the sense of grasp angles, so
    a grasp's ``theta`` becomes ``theta + angle``.

    Args:
        angle (float): Rotation in radians.
        centre (tuple[float, float]): ``(cx, cy)`` in continuous coordinates.
        translate (tuple[float, float]): ``(tx, ty)`` added after the rotation. Defaults to 0.

    Returns:
        ndarray: ``(2, 3)`` float64 matrix ``[A | t]``.
    """
    c, s = np.cos(angle), np.sin(angle)
    a = np.array([[c, -s], [s, c]])
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
        results (dict): Transform results with ``gt_grasps`` and optionally ``gt_obj_labels``
            and ``gt_ignore_flags``.
        keep (ndarray): ``(N,)`` bool mask or indices.
    """
    for key in GRASP_KEYS:
        if key in results:
            results[key] = results[key][keep]
