# Copyright (c) mmgrasp contributors. All rights reserved.
"""Random erasing away from the grasps: patches of noise where no grasp (and no object of a
mask) is."""
from typing import Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmgrasp.registry import TRANSFORMS
from mmgrasp.structures import grasps_to_corners
from .grasp_geometry import get_grasps


@TRANSFORMS.register_module()
class GraspRandomBackgroundErasing(BaseTransform):
    """Fill random rectangles of the image that touch no grasp with uniform noise.

    Not the paper's (issue 26's lever for unseen objects): the detector meets textures in the
    background that are not graspable, so that it learns grasps from the object's shape rather
    than from anything that differs from a plain table. mmdet's ``RandomErasing`` is not used
    because it erases anywhere and then drops the boxes it covers; a grasp rectangle must keep
    every pixel it was annotated on, so here a patch is kept only if it stays at least ``margin``
    pixels clear of every grasp polygon (the polygons are rasterised and grown by
    ``margin + 1`` pixels, the extra one absorbing the rounding of their corners) and, when the
    sample has a ``gt_seg_map``, touches no object pixel (label > 0 and not
    ``seg_ignore_label``): grasps and masks stay true to the image and are not modified. Without
    a mask (Cornell) only the grasps are protected: a patch may cover a part of an object that
    carries no grasp. Depth maps are not touched (the noise is a texture, not a shape).

    Each patch's area is drawn uniformly from ``area_range`` (a fraction of the image) and its
    aspect ratio log-uniformly from ``aspect_range``; a patch that overlaps a protected pixel is
    redrawn, ``max_tries`` times at most, then given up. Random numbers come from
    :mod:`numpy.random`, which mmengine seeds per worker.

    Required keys: ``img``; optional ``gt_bboxes`` (:class:`GraspBoxes`), ``gt_seg_map``.
    Modified keys: ``img``. Added key: ``erased_patches`` (``(K, 4)`` int ``x1, y1, x2, y2``,
    end-exclusive).

    Args:
        prob (float): Probability of erasing anything in a sample. Defaults to 0.5.
        num_patches (tuple[int, int]): Inclusive range of the number of patches. Defaults to
            ``(1, 3)``.
        area_range (tuple[float, float]): A patch's area over the image's. Defaults to
            ``(0.02, 0.1)``.
        aspect_range (tuple[float, float]): A patch's height over width. Defaults to
            ``(0.3, 3.3)``.
        margin (int): Pixels kept clear around every grasp polygon, at least. Defaults to 4.
        max_tries (int): Draws per patch before it is given up. Defaults to 10.
        seg_ignore_label (int): The mask's ignore value, not an object. Defaults to 255.
    """

    def __init__(self,
                 prob: float = 0.5,
                 num_patches: Tuple[int, int] = (1, 3),
                 area_range: Tuple[float, float] = (0.02, 0.1),
                 aspect_range: Tuple[float, float] = (0.3, 3.3),
                 margin: int = 4,
                 max_tries: int = 10,
                 seg_ignore_label: int = 255) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        if not (len(num_patches) == 2 and 1 <= num_patches[0] <= num_patches[1]):
            raise ValueError(f'num_patches must be (low, high) with 1 <= low <= high, '
                             f'got {num_patches}')
        if not (len(area_range) == 2 and 0 < area_range[0] <= area_range[1] < 1):
            raise ValueError(f'area_range must be (low, high) with 0 < low <= high < 1, '
                             f'got {area_range}')
        if not (len(aspect_range) == 2 and 0 < aspect_range[0] <= aspect_range[1]):
            raise ValueError(f'aspect_range must be (low, high) with 0 < low <= high, '
                             f'got {aspect_range}')
        if margin < 0 or max_tries < 1:
            raise ValueError(f'margin must be >= 0 and max_tries >= 1, got {margin}, '
                             f'{max_tries}')
        self.prob = float(prob)
        self.num_patches = (int(num_patches[0]), int(num_patches[1]))
        self.area_range = (float(area_range[0]), float(area_range[1]))
        self.aspect_range = (float(aspect_range[0]), float(aspect_range[1]))
        self.margin = int(margin)
        self.max_tries = int(max_tries)
        self.seg_ignore_label = int(seg_ignore_label)

    def protected_mask(self, results: dict) -> np.ndarray:
        """``(H, W)`` bool: the pixels no patch may touch (grasps grown by ``margin``, objects)."""
        height, width = results['img'].shape[:2]
        mask = np.zeros((height, width), np.uint8)
        grasps = get_grasps(results)
        if grasps is not None and len(grasps):
            corners = np.asarray(grasps_to_corners(grasps), np.float64).reshape(-1, 4, 2)
            cv2.fillPoly(mask, [np.round(c).astype(np.int32) for c in corners], 1)
            grow = self.margin + 1  # + 1: the corners were rounded to whole pixels
            mask = cv2.dilate(mask, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
        seg = results.get('gt_seg_map')
        if seg is not None:
            mask |= ((seg > 0) & (seg != self.seg_ignore_label)).astype(np.uint8)
        return mask.astype(bool)

    def _draw_patch(self, height: int, width: int) -> Tuple[int, int, int, int]:
        area = np.random.uniform(*self.area_range) * height * width
        aspect = float(np.exp(np.random.uniform(*np.log(self.aspect_range))))
        h = int(min(height, max(1, round(np.sqrt(area * aspect)))))
        w = int(min(width, max(1, round(np.sqrt(area / aspect)))))
        x1 = int(np.random.randint(0, width - w + 1))
        y1 = int(np.random.randint(0, height - h + 1))
        return x1, y1, x1 + w, y1 + h

    def transform(self, results: dict) -> dict:
        """Erase up to a drawn number of background patches (see the class docstring).

        Args:
            results (dict): Transform results.

        Returns:
            dict: The results, ``img`` with its patches filled with noise.
        """
        results['erased_patches'] = np.zeros((0, 4), np.int64)
        if self.prob < 1 and np.random.rand() >= self.prob:
            return results
        img = results['img']
        height, width = img.shape[:2]
        blocked = self.protected_mask(results)
        # an integral image answers "does this rectangle touch a protected pixel" in O(1)
        integral = cv2.integral(blocked.astype(np.uint8))
        patches = []
        img = img.copy()
        for _ in range(np.random.randint(self.num_patches[0], self.num_patches[1] + 1)):
            for _ in range(self.max_tries):
                x1, y1, x2, y2 = self._draw_patch(height, width)
                inside = (integral[y2, x2] - integral[y1, x2] - integral[y2, x1] +
                          integral[y1, x1])
                if inside == 0:
                    break
            else:
                continue
            shape = (y2 - y1, x2 - x1) + img.shape[2:]
            img[y1:y2, x1:x2] = np.random.randint(0, 256, shape).astype(img.dtype)
            patches.append((x1, y1, x2, y2))
        results['img'] = img
        if patches:
            results['erased_patches'] = np.asarray(patches, np.int64)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, num_patches={self.num_patches}, '
                f'area_range={self.area_range}, aspect_range={self.aspect_range}, '
                f'margin={self.margin}, max_tries={self.max_tries}, '
                f'seg_ignore_label={self.seg_ignore_label})')
