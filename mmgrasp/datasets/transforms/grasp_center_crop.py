# Copyright (c) mmgrasp contributors. All rights reserved.
"""Crop the centre of the image with its masks and grasps."""
from typing import Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmgrasp.registry import TRANSFORMS
from .grasp_geometry import centres_inside, compose_homography, select_grasps


@TRANSFORMS.register_module()
class GraspCenterCrop(BaseTransform):
    """Crop a ``crop_size`` window from the image centre (paper VI-B: Cornell 351x351).

    The window starts at ``((W - cw) // 2, (H - ch) // 2)``; where the image is smaller than the
    window in a direction, the whole extent is kept in that direction (no padding). Grasps move
    with the window and those whose centre leaves it are dropped, together with their
    ``gt_obj_labels`` and ``gt_ignore_flags``.

    Required keys: ``img``; optional ``gt_grasps``, ``gt_seg_map`` (or the keys in ``seg_fields``).
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

    def transform(self, results: dict) -> dict:
        """Crop.

        Args:
            results (dict): Transform results.

        Returns:
            dict: The cropped results.
        """
        img = results['img']
        height, width = img.shape[:2]
        crop_w, crop_h = min(self.crop_size[0], width), min(self.crop_size[1], height)
        x0, y0 = (width - crop_w) // 2, (height - crop_h) // 2
        results['img'] = img[y0:y0 + crop_h, x0:x0 + crop_w]
        results['img_shape'] = (crop_h, crop_w)
        results['crop_offset'] = (x0, y0)
        compose_homography(results, np.array([[1.0, 0.0, -x0], [0.0, 1.0, -y0]]))
        for key in results.get('seg_fields', ['gt_seg_map']):
            if key in results:
                results[key] = results[key][y0:y0 + crop_h, x0:x0 + crop_w]
        if 'gt_grasps' in results:
            grasps = results['gt_grasps'].copy()
            grasps[:, 0] -= x0
            grasps[:, 1] -= y0
            results['gt_grasps'] = grasps
            select_grasps(results, centres_inside(grasps, crop_h, crop_w))
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(crop_size={self.crop_size})'
