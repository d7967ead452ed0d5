# Copyright (c) mmgrasp contributors. All rights reserved.
"""Crop the centre of the image with its masks and grasps."""
from typing import Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmgrasp.registry import TRANSFORMS
from .grasp_geometry import (centres_inside, compose_homography, get_grasps, select_grasps,
                             set_grasps)


@TRANSFORMS.register_module()
class GraspCenterCrop(BaseTransform):
    """Crop a ``crop_size`` window from the image centre (paper VI-B: Cornell 351x351).

    The window starts at ``((W - cw) // 2, (H - ch) // 2)``; where the image is smaller than the
    window in a direction, the whole extent is kept in that direction (no padding). Grasps move
    with the window and those whose centre leaves it are dropped, together with their
    ``gt_bboxes_labels`` and ``gt_ignore_flags``.

    The crop does not change grasp sizes, so it cannot make a grasp smaller than the loaders'
    1 px rule. :meth:`transform_grasps` computes the same result for grasps alone; datasets use
    it to find the images whose grasps all lie outside the window (docs/bad_data.md).

    Required keys: ``img``; optional ``gt_bboxes``, ``gt_seg_map`` (or the keys in ``seg_fields``),
    ``depth`` (the keys in ``depth_fields``).
    Modified keys: ``img``, ``img_shape``, grasp fields, masks. Added key: ``crop_offset``
    ``(x0, y0)`` of the window in the input image.

    Args:
        crop_size (int | tuple[int, int]): Window ``(w, h)``; an int means a square.
    """

    def __init__(self, crop_size: Union[int, Tuple[int, int]]) -> None:
        if isinstance(crop_size, int):
            crop_size = (crop_size, crop_size)
        if len(crop_size) != 2 or min(crop_size) <= 0:
            raise ValueError(f'crop_size must be a positive int or (w, h), got {crop_size}')
        self.crop_size = tuple(int(v) for v in crop_size)

    def _window(self, height: int, width: int) -> Tuple[int, int, int, int]:
        """``(x0, y0, crop_w, crop_h)`` of the window in an image of this size."""
        crop_w, crop_h = min(self.crop_size[0], width), min(self.crop_size[1], height)
        return (width - crop_w) // 2, (height - crop_h) // 2, crop_w, crop_h

    def transform_grasps(self, grasps: np.ndarray, img_shape: Tuple[int, int]
                         ) -> Tuple[np.ndarray, np.ndarray, Tuple[int, int]]:
        """What :meth:`transform` does to the grasps of an image of size ``img_shape``.

        Args:
            grasps (ndarray): ``(N, 5)`` grasps ``(x, y, w, h, theta)``.
            img_shape (tuple[int, int]): ``(height, width)`` of the input image.

        Returns:
            tuple: ``(N, 5)`` grasps in the window's coordinates, ``(N,)`` bool of those kept
            (centre inside the window), and the window's ``(height, width)``.
        """
        x0, y0, crop_w, crop_h = self._window(*img_shape[:2])
        moved = np.array(grasps, copy=True).reshape(-1, 5)
        moved[:, 0] -= x0
        moved[:, 1] -= y0
        return moved, centres_inside(moved, crop_h, crop_w), (crop_h, crop_w)

    def transform(self, results: dict) -> dict:
        """Crop.

        Args:
            results (dict): Transform results.

        Returns:
            dict: The cropped results.
        """
        img = results['img']
        height, width = img.shape[:2]
        x0, y0, crop_w, crop_h = self._window(height, width)
        results['img'] = img[y0:y0 + crop_h, x0:x0 + crop_w]
        results['img_shape'] = (crop_h, crop_w)
        results['crop_offset'] = (x0, y0)
        compose_homography(results, np.array([[1.0, 0.0, -x0], [0.0, 1.0, -y0]]))
        for key in results.get('seg_fields', ['gt_seg_map']) + results.get('depth_fields', []):
            if key in results:
                results[key] = results[key][y0:y0 + crop_h, x0:x0 + crop_w]
        if 'gt_bboxes' in results:
            grasps, keep, _ = self.transform_grasps(get_grasps(results), (height, width))
            set_grasps(results, grasps)
            select_grasps(results, keep)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(crop_size={self.crop_size})'
