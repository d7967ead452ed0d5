# Copyright (c) mmgrasp contributors. All rights reserved.
"""Map grasps through affine transforms of the image plane, and back to the original image.

Geometric pipeline steps (resize, crop, flip, rotation) compose their affine maps into the
sample's ``homography_matrix`` (3x3, original image -> network input, mmdet's meta key).
Predictions and ground truth are taken back to the original image with its inverse, so crops
are undone as well as resizes (``scale_factor`` alone cannot undo a crop).
"""
from typing import Mapping, Tuple

import numpy as np
import torch

from .grasp_angles import ArrayLike, _as_tensor, _like, wrap_angle

FLIP_DIRECTIONS = ('horizontal', 'vertical', 'diagonal')


def flip_matrix(direction: str, height: int, width: int) -> np.ndarray:
    """Affine map (continuous coordinates) of an image flip, the one definition of it.

    ``'horizontal'``: ``x -> W - x``; ``'vertical'``: ``y -> H - y``; ``'diagonal'``: both. A
    grasp's angle becomes ``pi - theta`` (mod pi) for the first two and stays for ``'diagonal'``
    (a rotation by pi). Used by :meth:`GraspBoxes.flip_` and for the ``homography_matrix`` of
    :class:`~mmgrasp.datasets.transforms.GraspRandomFlip`.

    Args:
        direction (str): One of :data:`FLIP_DIRECTIONS`.
        height (int): Image height.
        width (int): Image width.

    Returns:
        ndarray: ``(2, 3)`` float64 matrix.

    Raises:
        ValueError: For another direction.
    """
    if direction not in FLIP_DIRECTIONS:
        raise ValueError(f'direction must be one of {FLIP_DIRECTIONS}, got {direction!r}')
    sx = -1.0 if direction in ('horizontal', 'diagonal') else 1.0
    sy = -1.0 if direction in ('vertical', 'diagonal') else 1.0
    return np.array([[sx, 0.0, width if sx < 0 else 0.0], [0.0, sy, height if sy < 0 else 0.0]])


def affine_grasps(grasps: ArrayLike, matrix: ArrayLike) -> ArrayLike:
    """Map grasps through an affine transform ``p' = A p + t`` of the image plane.

    The centre is mapped as a point; the opening vector ``w (cos t, sin t)`` and the jaw vector
    ``h (-sin t, cos t)`` as vectors, giving the new ``w``, ``h`` and ``theta`` (wrapped into
    ``[0, pi)``). Exact for rotations, translations, flips and isotropic scaling (a rotation by
    ``alpha`` clockwise on screen gives ``theta + alpha``, a horizontal flip ``pi - theta``);
    under anisotropic scaling the opening vector is kept exactly and the jaw's length.

    Args:
        grasps (Tensor | ndarray): ``(N, 5)`` grasps ``(x, y, w, h, theta)``.
        matrix (Tensor | ndarray): ``(2, 3)`` or ``(3, 3)`` affine map.

    Returns:
        Tensor | ndarray: ``(N, 5)`` mapped grasps, same kind and float dtype as ``grasps``.
    """
    if isinstance(grasps, torch.Tensor):
        out_dtype = grasps.dtype if grasps.is_floating_point() else torch.float32
    else:
        kind = np.asarray(grasps).dtype
        out_dtype = torch.float64 if kind == np.float64 else torch.float32
    g = _as_tensor(grasps).reshape(-1, 5).double()
    m = _as_tensor(matrix).to(g.device).double()[:2]
    a, t = m[:, :2], m[:, 2]
    cos, sin = torch.cos(g[:, 4]), torch.sin(g[:, 4])
    centre = g[:, :2] @ a.T + t  # (N, 2)
    opening = torch.stack([cos, sin], dim=1) @ a.T * g[:, 2:3]  # (N, 2)
    jaw = torch.stack([-sin, cos], dim=1) @ a.T * g[:, 3:4]  # (N, 2)
    theta = wrap_angle(torch.atan2(opening[:, 1], opening[:, 0]))
    out = torch.stack([centre[:, 0], centre[:, 1], opening.norm(dim=1), jaw.norm(dim=1), theta],
                      dim=1).to(out_dtype)
    return _like(out, grasps)


def input_to_original_matrix(metainfo: Mapping) -> np.ndarray:
    """The ``(3, 3)`` map from the network input back to the original image of a sample.

    The inverse of ``homography_matrix`` when the pipeline recorded one, else of the
    ``scale_factor`` resize (identity when neither is present).

    Args:
        metainfo (Mapping): A data sample's metainfo (or its dict form).

    Returns:
        ndarray: ``(3, 3)`` float64 matrix.
    """
    if metainfo.get('homography_matrix') is not None:
        return np.linalg.inv(np.asarray(metainfo['homography_matrix'], dtype=np.float64))
    sx, sy = metainfo.get('scale_factor', (1.0, 1.0))[:2]
    return np.diag([1.0 / float(sx), 1.0 / float(sy), 1.0])


def original_pixels_in_input(metainfo: Mapping,
                             shape: Tuple[int, int]) -> Tuple[np.ndarray, np.ndarray]:
    """Where the centre of each pixel of the original image lies in the network input.

    The one sampling geometry of everything that brings an input-frame map back to the original
    image: the semantic logits (:func:`mmgrasp.models.utils.warp_to_original`, bilinear) and the
    ground-truth labels of the segmentation metric (nearest).

    Args:
        metainfo (Mapping): A data sample's metainfo (``homography_matrix`` or ``scale_factor``).
        shape (tuple[int, int]): ``(H, W)`` of the original-image grid.

    Returns:
        tuple[ndarray, ndarray]: ``qx, qy``, each ``(H, W)`` float64 input coordinates (pixel
        ``(0, 0)``'s centre is ``(0.5, 0.5)``, docs/conventions.md section 1).
    """
    to_input = np.linalg.inv(input_to_original_matrix(metainfo))  # original -> input
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]] + 0.5
    qx = to_input[0, 0] * xs + to_input[0, 1] * ys + to_input[0, 2]
    qy = to_input[1, 0] * xs + to_input[1, 1] * ys + to_input[1, 2]
    return qx, qy


def grasps_to_original(grasps: ArrayLike, metainfo: Mapping) -> ArrayLike:
    """Map ``(N, 5)`` grasps from the network input to the original image of their sample.

    Args:
        grasps (Tensor | ndarray): ``(N, 5)`` grasps in input pixels.
        metainfo (Mapping): The sample's metainfo (``homography_matrix`` or ``scale_factor``).

    Returns:
        Tensor | ndarray: ``(N, 5)`` grasps in original pixels.
    """
    matrix = input_to_original_matrix(metainfo)
    if np.allclose(matrix, np.eye(3)):
        return grasps
    return affine_grasps(grasps, matrix)
