# Copyright (c) mmgrasp contributors. All rights reserved.
"""Drawing primitives for grasps and semantic maps, on numpy images with OpenCV.

The paper's convention (Fig. 1, docs/conventions.md section 1): each grasp is its rectangle with the
two plates (the ``h`` sides) in blue and the opening (the ``w`` sides) in red. The functions draw
in place on ``uint8`` images of either channel order; ``channel_order`` only decides how the named
colours (blue, red, the RGB palettes of the datasets) are written.
"""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from mmgrasp.structures import grasps_to_corners

Colour = Tuple[int, int, int]
PLATE_RGB: Colour = (0, 0, 255)  # blue
OPENING_RGB: Colour = (255, 0, 0)  # red
IGNORE_RGB: Colour = (128, 128, 128)
_SHIFT = 4  # sub-pixel bits of the cv2 drawing calls


def _check_order(channel_order: str) -> None:
    if channel_order not in ('rgb', 'bgr'):
        raise ValueError(f"channel_order must be 'rgb' or 'bgr', got {channel_order!r}")


def _in_order(colour: Sequence[int], channel_order: str) -> Colour:
    """An RGB colour in the image's channel order."""
    c = tuple(int(v) for v in colour)
    return c if channel_order == 'rgb' else c[::-1]


def auto_line_width(height: int, width: int) -> int:
    """A line width that stays visible on big images: 1 px per 300 px of the short side."""
    return max(1, round(min(height, width) / 300))


def default_sem_palette(num_classes: int) -> list:
    """RGB colours for ``num_classes`` semantic classes: black background, then the hue circle.

    Args:
        num_classes (int): Number of classes, background (0) included.

    Returns:
        list[tuple[int, int, int]]: ``num_classes`` RGB colours.
    """
    import colorsys
    palette = [(0, 0, 0)]
    for k in range(1, num_classes):
        r, g, b = colorsys.hsv_to_rgb(((k - 1) * 0.618034) % 1.0, 0.75, 0.95)
        palette.append((int(r * 255), int(g * 255), int(b * 255)))
    return palette[:max(num_classes, 1)]


def draw_grasps(img: np.ndarray,
                grasps: np.ndarray,
                thickness: int = 1,
                channel_order: str = 'bgr',
                plate_color: Colour = PLATE_RGB,
                opening_color: Colour = OPENING_RGB) -> np.ndarray:
    """Draw grasps: plates (``h`` sides) blue, opening (``w`` sides) red.

    Args:
        img (ndarray): ``(H, W, 3)`` uint8 image, drawn on in place.
        grasps (ndarray | Tensor): ``(N, 5)`` grasps ``(x, y, w, h, theta)`` in continuous
            pixel coordinates (pixel ``i`` covers ``[i, i + 1)``).
        thickness (int): Line thickness. Defaults to 1.
        channel_order (str): ``'bgr'`` (OpenCV images) or ``'rgb'`` (mmengine visualizers).
            Defaults to ``'bgr'``.
        plate_color (tuple): RGB colour of the plates. Defaults to blue.
        opening_color (tuple): RGB colour of the opening sides. Defaults to red.

    Returns:
        ndarray: ``img``.
    """
    _check_order(channel_order)
    if hasattr(grasps, 'detach'):
        grasps = grasps.detach().cpu().numpy()
    grasps = np.asarray(grasps, dtype=np.float64).reshape(-1, 5)
    if len(grasps) == 0:
        return img
    plate, opening = _in_order(plate_color, channel_order), _in_order(opening_color, channel_order)
    corners = grasps_to_corners(grasps)  # (N, 4, 2), p0 -> p1 the opening
    pts = np.round((corners - 0.5) * (1 << _SHIFT)).astype(np.int32)  # pixel centres at .5
    for p in pts:
        for i, colour in ((0, opening), (2, opening), (1, plate), (3, plate)):
            a, b = p[i], p[(i + 1) % 4]
            cv2.line(img, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), colour, thickness,
                     cv2.LINE_AA, _SHIFT)
    return img


def overlay_sem_seg(img: np.ndarray,
                    sem_seg: np.ndarray,
                    palette: Optional[Sequence[Sequence[int]]],
                    alpha: float = 0.45,
                    channel_order: str = 'bgr',
                    background: int = 0,
                    ignore_index: int = 255) -> np.ndarray:
    """Blend the class colours of ``sem_seg`` into ``img`` (background left as it is).

    Args:
        img (ndarray): ``(H, W, 3)`` uint8 image.
        sem_seg (ndarray | Tensor): ``(H, W)`` or ``(1, H, W)`` class ids; resized (nearest) to
            the image when its size differs.
        palette (list, optional): RGB colour per class (``dataset_meta['sem_palette']``); classes
            beyond it get :func:`default_sem_palette` colours.
        alpha (float): Opacity of the overlay. Defaults to 0.45.
        channel_order (str): Channel order of ``img``. Defaults to ``'bgr'``.
        background (int): Class left undrawn. Defaults to 0.
        ignore_index (int): Class drawn grey. Defaults to 255.

    Returns:
        ndarray: A new blended image.
    """
    _check_order(channel_order)
    if hasattr(sem_seg, 'detach'):
        sem_seg = sem_seg.detach().cpu().numpy()
    seg = np.asarray(sem_seg)
    if seg.ndim == 3:
        seg = seg[0]
    seg = seg.astype(np.int64)
    if seg.shape != img.shape[:2]:
        seg = cv2.resize(seg.astype(np.uint8 if seg.max(initial=0) < 256 else np.int32),
                         (img.shape[1], img.shape[0]),
                         interpolation=cv2.INTER_NEAREST).astype(np.int64)
    num = max(int(seg.max(initial=0)) + 1, 256)
    colours = np.asarray(default_sem_palette(num), dtype=np.float64)
    if palette is not None and len(palette):
        colours[:len(palette)] = np.asarray(palette, dtype=np.float64)[:, :3]
    colours[ignore_index] = IGNORE_RGB
    if channel_order == 'bgr':
        colours = colours[:, ::-1]
    shown = (seg != background)[..., None]
    blended = img * (1 - alpha) + colours[seg] * alpha
    return np.where(shown, blended, img).astype(np.uint8)


def draw_label(img: np.ndarray,
               text: str,
               anchor: Tuple[float, float],
               font_scale: float = 0.4,
               channel_order: str = 'bgr',
               text_color: Colour = (255, 255, 255),
               box_color: Colour = (0, 0, 0)) -> np.ndarray:
    """Write ``text`` on a filled box whose lower-left corner is at ``anchor``, kept inside.

    Args:
        img (ndarray): ``(H, W, 3)`` uint8 image, drawn on in place.
        text (str): The label.
        anchor (tuple[float, float]): ``(x, y)`` in pixels.
        font_scale (float): OpenCV font scale. Defaults to 0.4.
        channel_order (str): Channel order of ``img``. Defaults to ``'bgr'``.
        text_color (tuple): RGB text colour. Defaults to white.
        box_color (tuple): RGB box colour. Defaults to black.

    Returns:
        ndarray: ``img``.
    """
    _check_order(channel_order)
    font = cv2.FONT_HERSHEY_SIMPLEX
    (tw, th), base = cv2.getTextSize(text, font, font_scale, 1)
    h, w = img.shape[:2]
    x = int(np.clip(anchor[0], 0, max(w - tw - 2, 0)))
    y = int(np.clip(anchor[1], th + base + 2, h - 1))
    cv2.rectangle(img, (x, y - th - base - 2), (x + tw + 2, y),
                  _in_order(box_color, channel_order), -1)
    cv2.putText(img, text, (x + 1, y - base), font, font_scale,
                _in_order(text_color, channel_order), 1, cv2.LINE_AA)
    return img
