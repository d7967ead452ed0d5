# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasps drawn on a camera frame with numpy and OpenCV only (no torch).

The look of :func:`mmgrasp.visualization.draw_grasps` (plates, the ``h`` sides, in blue; the
opening, the ``w`` sides, in red; anti-aliased lines with sub-pixel corners), for the torch-free
runtime. The corners are :func:`mmgrasp.structures.grasps_to_corners` in numpy
(:func:`grasp_corners_np`); the tests check both against the torch versions.
"""
import colorsys
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

Colour = Tuple[int, int, int]
PLATE_BGR: Colour = (255, 0, 0)  # blue
OPENING_BGR: Colour = (0, 0, 255)  # red
_SHIFT = 4  # sub-pixel bits of the cv2 drawing calls


def grasp_corners_np(grasps: np.ndarray, opening_edge: str = 'p0p1') -> np.ndarray:
    """The 4 corners of grasps ``(x, y, w, h, theta)``.

    Centre ``c``, opening axis ``u = (cos t, sin t)``, jaw axis ``v = (-sin t, cos t)``::

        p0 = c - w/2 u - h/2 v      p1 = c + w/2 u - h/2 v     (p0 -> p1: the opening)
        p3 = c - w/2 u + h/2 v      p2 = c + w/2 u + h/2 v     (p1 -> p2: a plate)

    ``opening_edge='p1p2'`` rolls them by one (OCID_grasp's order), as
    :func:`mmgrasp.structures.grasps_to_corners` does.

    Args:
        grasps (ndarray): ``(K, 5)`` grasps.
        opening_edge (str): ``'p0p1'`` or ``'p1p2'``. Defaults to ``'p0p1'``.

    Returns:
        ndarray: ``(K, 4, 2)`` corners, float64 (float32 for float32 input).
    """
    if opening_edge not in ('p0p1', 'p1p2'):
        raise ValueError(f"opening_edge must be 'p0p1' or 'p1p2', got {opening_edge!r}")
    grasps = np.asarray(grasps)
    if grasps.ndim != 2 or grasps.shape[1] != 5:
        raise ValueError(f'grasps must have shape (K, 5), got {tuple(grasps.shape)}')
    g = grasps.astype(np.float64)
    cos, sin = np.cos(g[:, 4]), np.sin(g[:, 4])
    u = np.stack([cos, sin], axis=1) * (g[:, 2:3] / 2)  # (K, 2) half opening
    v = np.stack([-sin, cos], axis=1) * (g[:, 3:4] / 2)  # (K, 2) half jaw
    c = g[:, :2]
    pts = np.stack([c - u - v, c + u - v, c + u + v, c - u + v], axis=1)  # (K, 4, 2)
    if opening_edge == 'p1p2':
        pts = np.roll(pts, 1, axis=1)
    return pts.astype(np.float32) if grasps.dtype == np.float32 else pts


def draw_grasps_np(img: np.ndarray, grasps: np.ndarray, thickness: int = 1,
                   plate_color: Colour = PLATE_BGR,
                   opening_color: Colour = OPENING_BGR) -> np.ndarray:
    """Draw grasps on a BGR image in place: plates blue, opening red.

    Args:
        img (ndarray): ``(H, W, 3)`` uint8 BGR image.
        grasps (ndarray): ``(K, 5)`` grasps ``(x, y, w, h, theta)`` in continuous pixel
            coordinates (pixel ``i`` covers ``[i, i + 1)``, docs/conventions.md).
        thickness (int): Line width in pixels. Defaults to 1.
        plate_color (tuple): BGR colour of the plates. Defaults to blue.
        opening_color (tuple): BGR colour of the opening sides. Defaults to red.

    Returns:
        ndarray: ``img``.
    """
    grasps = np.asarray(grasps, dtype=np.float64).reshape(-1, 5)
    grasps = grasps[np.isfinite(grasps).all(axis=1)]
    if len(grasps) == 0:
        return img
    corners = grasp_corners_np(grasps)  # (K, 4, 2), p0 -> p1 the opening
    pts = np.round((corners - 0.5) * (1 << _SHIFT)).astype(np.int32)  # pixel centres at .5
    for p in pts:
        for i, colour in ((0, opening_color), (2, opening_color), (1, plate_color),
                          (3, plate_color)):
            a, b = p[i], p[(i + 1) % 4]
            cv2.line(img, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), colour, thickness,
                     cv2.LINE_AA, _SHIFT)
    return img


def sem_palette_bgr(num_classes: int) -> np.ndarray:
    """BGR colours of :func:`mmgrasp.visualization.default_sem_palette`: black background,
    then steps of the golden angle around the hue circle.

    Returns:
        ndarray: ``(num_classes, 3)`` uint8.
    """
    palette = [(0, 0, 0)]
    for k in range(1, num_classes):
        r, g, b = colorsys.hsv_to_rgb(((k - 1) * 0.618034) % 1.0, 0.75, 0.95)
        palette.append((int(b * 255), int(g * 255), int(r * 255)))
    return np.asarray(palette[:max(num_classes, 1)], dtype=np.uint8)


def overlay_sem_seg_np(img: np.ndarray, sem_seg: np.ndarray, alpha: float = 0.45,
                       palette: Optional[Sequence[Sequence[int]]] = None) -> np.ndarray:
    """Blend the class colours of a semantic map into a BGR image (class 0 left as it is).

    Args:
        img (ndarray): ``(H, W, 3)`` uint8 BGR image.
        sem_seg (ndarray): ``(H, W)`` class ids (resized, nearest, when its size differs).
        alpha (float): Opacity. Defaults to 0.45.
        palette (list, optional): RGB colour per class (``dataset_meta['sem_palette']``);
            classes beyond it get :func:`sem_palette_bgr` colours.

    Returns:
        ndarray: A new ``(H, W, 3)`` uint8 image.
    """
    seg = np.asarray(sem_seg)
    if seg.shape != img.shape[:2]:
        seg = cv2.resize(seg.astype(np.uint8), (img.shape[1], img.shape[0]),
                         interpolation=cv2.INTER_NEAREST)
    colours = sem_palette_bgr(256).astype(np.float64)
    if palette is not None and len(palette):
        colours[:len(palette)] = np.asarray(palette, dtype=np.float64)[:, 2::-1]
    seg = seg.astype(np.intp)
    blended = img * (1 - alpha) + colours[np.clip(seg, 0, 255)] * alpha
    return np.where((seg != 0)[..., None], blended, img).astype(np.uint8)


def draw_text_np(img: np.ndarray, text: str, origin: Tuple[int, int] = (4, 4),
                 font_scale: float = 0.5) -> np.ndarray:
    """White text on a black box whose top-left corner is ``origin``, in place.

    Returns:
        ndarray: ``img``.
    """
    font = cv2.FONT_HERSHEY_SIMPLEX
    (tw, th), base = cv2.getTextSize(text, font, font_scale, 1)
    x, y = origin
    cv2.rectangle(img, (x, y), (x + tw + 4, y + th + base + 4), (0, 0, 0), -1)
    cv2.putText(img, text, (x + 2, y + th + 2), font, font_scale, (255, 255, 255), 1,
                cv2.LINE_AA)
    return img
