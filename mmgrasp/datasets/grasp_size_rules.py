# Copyright (c) mmgrasp contributors. All rights reserved.
"""The size rules of grasps read from annotation files (docs/bad_data.md).

Below 1 px (:data:`~mmgrasp.structures.grasp_convert.MIN_GRASP_SIZE`) a grasp is dropped with one
warning per file; longer than the image's diagonal it is refused
(:func:`~mmgrasp.datasets.annotation_checks.check_grasp_sizes`). The native loaders (Cornell,
Jacquard, OCID_grasp) apply both through :func:`drop_small_grasps`.
"""
import logging
from typing import Optional, Sequence, Tuple

import numpy as np
from mmengine.logging import print_log

from mmgrasp.structures.grasp_convert import MIN_GRASP_SIZE, small_grasps
from .annotation_checks import check_grasp_sizes

MAX_LISTED = 20
"""Most image ids or lines a warning lists before it says how many more there are."""


def listing(items: Sequence[str], limit: int = MAX_LISTED) -> str:
    """``'a, b, c'``, cut after ``limit`` items with ``'... (N more)'``."""
    shown = ', '.join(items[:limit])
    return shown + (f', ... ({len(items) - limit} more)' if len(items) > limit else '')


def drop_small_grasps(grasps: np.ndarray, linenos: Sequence[int], path: str,
                      min_size: float = MIN_GRASP_SIZE,
                      image_wh: Optional[Tuple[int, int]] = None) -> Tuple[np.ndarray, int]:
    """Drop the grasps of one annotation file whose opening or jaw is below ``min_size`` pixels.

    The rule of :data:`~mmgrasp.structures.grasp_convert.MIN_GRASP_SIZE` (docs/bad_data.md): a
    zero-size grasp would make the box regression target ``log(0)`` and the loss NaN. One warning
    per file names the file, the line of each dropped grasp (for a 4-line rectangle, its first
    line) and its ``w`` and ``h``.

    Args:
        grasps (ndarray): ``(N, 5)`` grasps ``(x, y, w, h, theta)`` read from ``path``.
        linenos (Sequence[int]): ``(N,)`` 1-based line number of each grasp in ``path``.
        path (str): The annotation file (for the warning).
        min_size (float): Smallest usable opening and jaw in pixels. Defaults to 1.
        image_wh (tuple[int, int], optional): ``(width, height)`` of the image: a grasp longer
            than its diagonal (``annotation_checks.MAX_GRASP_DIAGONALS``), say an opening of
            1e30, is an error naming its line rather than a grasp that can never match.

    Returns:
        tuple[ndarray, int]: The kept ``(M, 5)`` grasps and the number dropped.
    """
    grasps = np.asarray(grasps, dtype=np.float64).reshape(-1, 5)
    if len(linenos) != len(grasps):
        raise ValueError(f'{path}: {len(linenos)} line numbers for {len(grasps)} grasps')
    if image_wh is not None:  # non-finite grasps are the 1 px rule's (dropped below)
        finite = np.isfinite(grasps).all(axis=1)
        check_grasp_sizes(grasps[finite], image_wh[0], image_wh[1],
                          [f'line {int(n)}' for n in np.asarray(linenos)[finite]], path)
    small = np.asarray(small_grasps(grasps, min_size), dtype=bool)
    if not small.any():
        return grasps, 0
    lines = [f'line {int(n)} (w={g[2]:.3g}, h={g[3]:.3g})'
             for n, g in zip(np.asarray(linenos)[small], grasps[small])]
    print_log(f'{path}: dropped {len(lines)} of {len(grasps)} grasp(s) with an opening or jaw '
              f'below {min_size:g} px: {listing(lines)}', logger='current',
              level=logging.WARNING)
    return grasps[~small], int(small.sum())
