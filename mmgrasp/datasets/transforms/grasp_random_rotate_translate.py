# Copyright (c) mmgrasp contributors. All rights reserved.
"""The paper's training augmentation (VI-B, VI-D): random rotation about the image centre and
random translation, applied to image, masks and grasps together."""
import math
from typing import Optional, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmgrasp.registry import TRANSFORMS
from mmgrasp.structures import affine_grasps
from .grasp_geometry import (centres_inside, compose_homography, get_grasps, rotation_matrix,
                             select_grasps, to_pixel_matrix)

_INTERPOLATION = {'nearest': cv2.INTER_NEAREST, 'bilinear': cv2.INTER_LINEAR,
                  'bicubic': cv2.INTER_CUBIC}


@TRANSFORMS.register_module()
class GraspRandomRotateTranslate(BaseTransform):
    """Rotate by a random angle about the image centre, then shift by a random offset.

    Paper VI-B/D: rotation uniform in 0-360 degrees and translation up to +-50 px in x and y,
    drawn independently (integers, so a pure translation does not blur the image). The image keeps
    its size; the uncovered border is filled with ``img_border_value`` in the image and with
    ``seg_ignore_label`` in the masks. The rotation turns +x towards +y (clockwise on screen),
    the sense of grasp angles: a grasp's centre is moved with the image and its angle becomes
    ``wrap(theta + alpha)``; ``w`` and ``h`` are unchanged. Grasps whose centre leaves the image
    are dropped (with their ``gt_bboxes_labels`` and ``gt_ignore_flags``).

    **When no grasp survives** (fallback): new parameters are drawn, up to ``max_retries`` times
    in all; if every draw loses all grasps, the sample is returned **un-augmented**. A sample that
    had grasps therefore never leaves this transform empty. A sample without grasps is augmented
    normally.

    **Scale** (``scale_range``, an mmgrasp option, not the paper's): an isotropic zoom about the
    image centre, drawn log-uniformly from ``scale_range`` together with the angle; a grasp's
    ``w`` and ``h`` are multiplied by it. With the default ``(1, 1)`` nothing is drawn, so the
    random stream (and every seeded run) is the same as without the option.

    Random numbers come from :mod:`numpy.random`, which mmengine seeds per worker.

    Required keys: ``img``; optional ``gt_bboxes``, ``gt_bboxes_labels``, ``gt_ignore_flags``,
    ``gt_seg_map`` (or the keys in ``seg_fields``), ``depth`` (the keys in ``depth_fields``:
    nearest-neighbour, 0 outside the image). Modified keys: those. Added key:
    ``rotate_translate`` ``(angle_deg, tx, ty)`` that was applied, or None, and ``rotate_scale``
    (the scale applied, 1.0 when none).

    Args:
        rotate_range (tuple[float, float]): Range of the angle in degrees. Defaults to (0, 360).
        max_translate (int | tuple[int, int]): Largest shift ``(tx, ty)`` in pixels, each drawn
            from ``[-max, max]``. Defaults to 50.
        prob (float): Probability of applying the transform. Defaults to 1.0.
        max_retries (int): Draws tried before falling back to the identity. Defaults to 10.
        img_border_value (int | tuple): Fill of the image border. Defaults to 0.
        seg_ignore_label (int): Fill of the mask border. Defaults to 255.
        interpolation (str): Image interpolation, ``'nearest'``, ``'bilinear'`` or ``'bicubic'``.
            Masks always use nearest. Defaults to ``'bilinear'``.
        scale_range (tuple[float, float]): Range of the zoom, ``0 < low <= high``. Defaults to
            ``(1.0, 1.0)`` (none).
    """

    def __init__(self,
                 rotate_range: Tuple[float, float] = (0.0, 360.0),
                 max_translate: Union[int, Tuple[int, int]] = 50,
                 prob: float = 1.0,
                 max_retries: int = 10,
                 img_border_value: Union[int, Tuple[int, ...]] = 0,
                 seg_ignore_label: int = 255,
                 interpolation: str = 'bilinear',
                 scale_range: Tuple[float, float] = (1.0, 1.0)) -> None:
        if len(scale_range) != 2 or not 0 < scale_range[0] <= scale_range[1]:
            raise ValueError(f'scale_range must be (low, high) with 0 < low <= high, '
                             f'got {scale_range}')
        self.scale_range = (float(scale_range[0]), float(scale_range[1]))
        if isinstance(max_translate, int):
            max_translate = (max_translate, max_translate)
        if min(max_translate) < 0:
            raise ValueError(f'max_translate must be >= 0, got {max_translate}')
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        if max_retries < 1:
            raise ValueError(f'max_retries must be >= 1, got {max_retries}')
        if interpolation not in _INTERPOLATION:
            raise ValueError(f'interpolation must be one of {tuple(_INTERPOLATION)}, '
                             f'got {interpolation!r}')
        self.rotate_range = tuple(float(v) for v in rotate_range)
        self.max_translate = tuple(int(v) for v in max_translate)
        self.prob = prob
        self.max_retries = max_retries
        self.img_border_value = img_border_value
        self.seg_ignore_label = seg_ignore_label
        self.interpolation = interpolation

    def _draw(self) -> Tuple[float, int, int]:
        """One random ``(angle_deg, tx, ty)``; the scale is drawn by :meth:`_draw_scale`."""
        angle = float(np.random.uniform(*self.rotate_range))
        tx = int(np.random.randint(-self.max_translate[0], self.max_translate[0] + 1))
        ty = int(np.random.randint(-self.max_translate[1], self.max_translate[1] + 1))
        return angle, tx, ty

    def _draw_scale(self) -> float:
        """A log-uniform scale from ``scale_range``; no draw when the range is one value."""
        low, high = self.scale_range
        if low == high:
            return low
        return float(np.exp(np.random.uniform(np.log(low), np.log(high))))

    def _choose(self, results: dict, height: int,
                width: int) -> Optional[Tuple[float, int, int, np.ndarray]]:
        """Draw parameters that keep at least one grasp; None means fall back to identity."""
        grasps = get_grasps(results)
        centre = (width / 2, height / 2)
        for _ in range(self.max_retries):
            angle, tx, ty = self._draw()
            scale = self._draw_scale()
            matrix = rotation_matrix(math.radians(angle), centre, (tx, ty), scale)
            if grasps is None or len(grasps) == 0:
                return angle, tx, ty, matrix
            if centres_inside(affine_grasps(grasps, matrix), height, width).any():
                return angle, tx, ty, matrix
        return None

    def transform(self, results: dict) -> dict:
        """Rotate and translate (or fall back to identity, see the class docstring).

        Args:
            results (dict): Transform results.

        Returns:
            dict: The augmented results.
        """
        results['rotate_translate'] = None
        results['rotate_scale'] = 1.0
        if self.prob < 1 and np.random.rand() >= self.prob:
            return results
        img = results['img']
        height, width = img.shape[:2]
        chosen = self._choose(results, height, width)
        if chosen is None:
            return results
        angle, tx, ty, matrix = chosen
        pixel_matrix = to_pixel_matrix(matrix)
        border = self.img_border_value
        if isinstance(border, (int, float)):
            border = (border, ) * (img.shape[2] if img.ndim == 3 else 1)
        results['img'] = cv2.warpAffine(img, pixel_matrix, (width, height),
                                        flags=_INTERPOLATION[self.interpolation],
                                        borderMode=cv2.BORDER_CONSTANT,
                                        borderValue=tuple(border))
        for key in results.get('seg_fields', ['gt_seg_map']):
            if key in results:
                results[key] = cv2.warpAffine(results[key], pixel_matrix, (width, height),
                                              flags=cv2.INTER_NEAREST,
                                              borderMode=cv2.BORDER_CONSTANT,
                                              borderValue=self.seg_ignore_label)
        for key in results.get('depth_fields', []):  # nearest, 0 = unknown outside the image
            if key in results:
                results[key] = cv2.warpAffine(results[key], pixel_matrix, (width, height),
                                              flags=cv2.INTER_NEAREST,
                                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        compose_homography(results, matrix)
        if 'gt_bboxes' in results:
            results['gt_bboxes'].project_(np.vstack([matrix[:2], [0.0, 0.0, 1.0]]))
            select_grasps(results, centres_inside(get_grasps(results), height, width))
        results['rotate_translate'] = (angle, tx, ty)
        results['rotate_scale'] = float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(rotate_range={self.rotate_range}, '
                f'max_translate={self.max_translate}, prob={self.prob}, '
                f'max_retries={self.max_retries}, img_border_value={self.img_border_value}, '
                f'seg_ignore_label={self.seg_ignore_label}, interpolation={self.interpolation!r}, '
                f'scale_range={self.scale_range})')
