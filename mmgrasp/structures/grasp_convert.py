# Copyright (c) mmgrasp contributors. All rights reserved.
"""Conversions between grasp rectangles, their corners and the detection head's boxes.

A grasp is ``(x, y, w, h, theta)`` (docs/conventions.md section 1): centre, opening ``w``
(distance between the plates, along the closing direction ``u = (cos theta, sin theta)``), jaw
size ``h`` (length of each plate, along ``v = (-sin theta, cos theta)``), and ``theta`` in
``[0, pi)`` measured from +x towards +y (clockwise on screen, y down). ``w`` and ``h`` are never
swapped.

Corner order for ``opening_edge='p0p1'`` (Cornell)::

    p0 = c - w/2 u - h/2 v      p1 = c + w/2 u - h/2 v     (p0 -> p1: the opening, length w)
    p3 = c - w/2 u + h/2 v      p2 = c + w/2 u + h/2 v     (p1 -> p2: a plate, length h)

For ``opening_edge='p1p2'`` (OCID_grasp) the same four points are rolled by one, so that
``p0 -> p1`` is a plate and ``p1 -> p2`` the opening.
"""
from typing import Tuple

import numpy as np
import torch

from .grasp_angles import ArrayLike, _as_tensor, _like, angle_to_bin, wrap_angle

OPENING_EDGES = ('p0p1', 'p1p2')

MIN_GRASP_SIZE = 1.0
"""Smallest opening ``w`` and jaw ``h``, in pixels, of a usable grasp (docs/bad_data.md).

A grasp with ``w = 0`` or ``h = 0`` (a Cornell rectangle with four equal corners, a Jacquard line
``x;y;theta;0;0``) has an empty box, and the box regression target ``log(w / w_proposal)`` is
``-inf``: the loss turns to NaN at the next iteration. The loaders drop such grasps with a warning
and :class:`~mmgrasp.datasets.transforms.GraspResize` drops the ones it shrinks below this size.
The smallest sizes in the real samples are far above it (Cornell folder 01: opening 12.0 px, jaw
8.2 px; Jacquard samples: opening 6 px, jaw 12 px, 3 px and 6 px after the configs' 0.5 resize)."""


def _check_opening_edge(opening_edge: str) -> None:
    if opening_edge not in OPENING_EDGES:
        raise ValueError(f'opening_edge must be one of {OPENING_EDGES}, got {opening_edge!r}')


def corners_to_grasps(corners: ArrayLike, opening_edge: str = 'p0p1') -> ArrayLike:
    """Convert grasp rectangles given by 4 corners to ``(x, y, w, h, theta)``.

    The centre is the mean of the four points, ``w`` the length of the opening edge, ``h`` the
    length of the following edge, ``theta`` the direction of the opening edge mod pi.

    Args:
        corners (Tensor | ndarray): ``(N, 4, 2)`` corner points ``(x, y)`` in drawing order.
        opening_edge (str): Which edge is the opening: ``'p0p1'`` (Cornell) or ``'p1p2'``
            (OCID_grasp). Defaults to ``'p0p1'``.

    Returns:
        Tensor | ndarray: ``(N, 5)`` grasps ``(x, y, w, h, theta)``, theta in ``[0, pi)``.
    """
    _check_opening_edge(opening_edge)
    pts = _as_tensor(corners)
    if pts.ndim != 3 or pts.shape[1:] != (4, 2):
        raise ValueError(f'corners must have shape (N, 4, 2), got {tuple(pts.shape)}')
    if opening_edge == 'p1p2':
        pts = torch.roll(pts, shifts=-1, dims=1)  # now p0 -> p1 is the opening
    centre = pts.mean(dim=1)  # (N, 2)
    opening = pts[:, 1] - pts[:, 0]  # (N, 2)
    jaw = pts[:, 2] - pts[:, 1]  # (N, 2)
    w = torch.linalg.norm(opening, dim=1)
    h = torch.linalg.norm(jaw, dim=1)
    theta = _as_tensor(wrap_angle(torch.atan2(opening[:, 1], opening[:, 0])))
    grasps = torch.stack([centre[:, 0], centre[:, 1], w, h, theta], dim=1)
    return _like(grasps, corners)


def grasps_to_corners(grasps: ArrayLike, opening_edge: str = 'p0p1') -> ArrayLike:
    """Convert grasps ``(x, y, w, h, theta)`` to their 4 corners; inverse of
    :func:`corners_to_grasps`.

    Args:
        grasps (Tensor | ndarray): ``(N, 5)`` grasps.
        opening_edge (str): Corner order, as in :func:`corners_to_grasps`. Defaults to ``'p0p1'``.

    Returns:
        Tensor | ndarray: ``(N, 4, 2)`` corners in the module docstring's order.
    """
    _check_opening_edge(opening_edge)
    g = _as_tensor(grasps)
    if g.ndim != 2 or g.shape[1] != 5:
        raise ValueError(f'grasps must have shape (N, 5), got {tuple(g.shape)}')
    x, y, w, h, theta = g.unbind(dim=1)
    cos, sin = torch.cos(theta), torch.sin(theta)
    u = torch.stack([cos, sin], dim=1) * (w / 2)[:, None]  # (N, 2) half opening
    v = torch.stack([-sin, cos], dim=1) * (h / 2)[:, None]  # (N, 2) half jaw
    c = torch.stack([x, y], dim=1)
    pts = torch.stack([c - u - v, c + u - v, c + u + v, c - u + v], dim=1)  # (N, 4, 2)
    if opening_edge == 'p1p2':
        pts = torch.roll(pts, shifts=1, dims=1)
    return _like(pts, grasps)


def grasp_to_hbox(grasps: ArrayLike, num_bins: int = 18) -> Tuple[ArrayLike, ArrayLike]:
    """The detection target of each grasp: its box in its own unrotated frame and its angle bin.

    Following the paper (Eq. 7) and Chu et al., the box regression target is the rectangle
    ``(x - w/2, y - h/2, x + w/2, y + h/2)``; the orientation is a class (docs/conventions.md,
    section 2).

    Args:
        grasps (Tensor | ndarray): ``(N, 5)`` grasps ``(x, y, w, h, theta)``.
        num_bins (int): Number of orientation bins over ``[0, pi)``. Defaults to 18.

    Returns:
        tuple: ``hboxes`` ``(N, 4)`` as ``(x1, y1, x2, y2)`` and ``labels`` ``(N,)`` int64 bins.
    """
    g = _as_tensor(grasps)
    if g.ndim != 2 or g.shape[1] != 5:
        raise ValueError(f'grasps must have shape (N, 5), got {tuple(g.shape)}')
    x, y, w, h, theta = g.unbind(dim=1)
    hboxes = torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], dim=1)
    labels = _as_tensor(angle_to_bin(theta, num_bins))
    return _like(hboxes, grasps), _like(labels, grasps)


def hbox_to_grasp(hboxes: ArrayLike, theta: ArrayLike) -> ArrayLike:
    """Inverse of :func:`grasp_to_hbox`: an unrotated-frame box and an angle back to a grasp.

    Args:
        hboxes (Tensor | ndarray): ``(N, 4)`` boxes ``(x1, y1, x2, y2)``.
        theta (Tensor | ndarray): ``(N,)`` angles in radians (e.g. the decoded bin centres).

    Returns:
        Tensor | ndarray: ``(N, 5)`` grasps ``(x, y, w, h, theta)``, theta wrapped into ``[0, pi)``.
    """
    b = _as_tensor(hboxes)
    t = _as_tensor(wrap_angle(_as_tensor(theta))).to(b.dtype)
    grasps = torch.stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2, b[:, 2] - b[:, 0],
                          b[:, 3] - b[:, 1], t], dim=1)
    return _like(grasps, hboxes)


def small_grasps(grasps: ArrayLike, min_size: float = MIN_GRASP_SIZE) -> ArrayLike:
    """Which grasps are too small (or not finite) to be used as ground truth.

    A grasp is *small* when its opening ``w`` or its jaw ``h`` is below ``min_size`` pixels, or
    when any of its five values is NaN or infinite (:data:`MIN_GRASP_SIZE`, docs/bad_data.md).

    Args:
        grasps (Tensor | ndarray): ``(N, 5)`` grasps ``(x, y, w, h, theta)``.
        min_size (float): Smallest usable opening and jaw, in pixels. Defaults to
            :data:`MIN_GRASP_SIZE` (1 px).

    Returns:
        Tensor | ndarray: ``(N,)`` bool, True for the grasps to drop; same kind as ``grasps``.
    """
    is_tensor = isinstance(grasps, torch.Tensor)
    # numpy stays numpy: datasets call this for every image when they are built
    g = grasps if is_tensor else np.asarray(grasps, dtype=np.float64)
    if g.ndim != 2 or g.shape[1] != 5:
        raise ValueError(f'grasps must have shape (N, 5), got {tuple(g.shape)}')
    finite = torch.isfinite(g).all(dim=1) if is_tensor else np.isfinite(g).all(axis=1)
    return ~finite | (g[:, 2] < min_size) | (g[:, 3] < min_size)
