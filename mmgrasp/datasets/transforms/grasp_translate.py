# Copyright (c) mmgrasp contributors. All rights reserved.
"""A fixed shift of image, masks and grasps: the test-time perturbation of the robustness check."""
from typing import Optional, Tuple, Union

import numpy as np

from mmgrasp.registry import TRANSFORMS
from .grasp_geometry import rotation_matrix
from .grasp_random_rotate_translate import GraspRandomRotateTranslate


@TRANSFORMS.register_module()
class GraspTranslate(GraspRandomRotateTranslate):
    """Shift image, masks and grasps by a fixed ``offset`` in pixels (no rotation, no randomness).

    The content moves by ``(dx, dy)`` (+x right, +y down); the image keeps its size, the uncovered
    border is filled with ``img_border_value`` (image) and ``seg_ignore_label`` (masks), and
    ``homography_matrix`` composes the shift, so predictions and the metric's ground truth map
    back to the original image. Unlike the random augmentation it never falls back to the
    identity: grasps whose centre leaves the image are dropped and the shift is applied anyway.

    Placed before a crop (Cornell's ``GraspCenterCrop``), it moves the object inside the crop
    window with real image content around it rather than a filled border.

    Required keys: ``img``; optional ``gt_bboxes``, ``gt_bboxes_labels``, ``gt_ignore_flags``,
    ``gt_seg_map``. Modified keys: those and ``homography_matrix``. Added key:
    ``rotate_translate`` ``(0.0, dx, dy)``.

    Args:
        offset (tuple[int, int]): ``(dx, dy)`` in pixels. Defaults to (30, 0).
        img_border_value (int | tuple): Fill of the image border. Defaults to 0.
        seg_ignore_label (int): Fill of the mask border. Defaults to 255.
        interpolation (str): Image interpolation (integer shifts do not blur with any of them).
            Defaults to ``'bilinear'``.
    """

    def __init__(self,
                 offset: Tuple[int, int] = (30, 0),
                 img_border_value: Union[int, Tuple[int, ...]] = 0,
                 seg_ignore_label: int = 255,
                 interpolation: str = 'bilinear') -> None:
        if len(offset) != 2:
            raise ValueError(f'offset must be (dx, dy), got {offset}')
        super().__init__(rotate_range=(0.0, 0.0), max_translate=0, prob=1.0, max_retries=1,
                         img_border_value=img_border_value, seg_ignore_label=seg_ignore_label,
                         interpolation=interpolation)
        self.offset = (int(offset[0]), int(offset[1]))

    def _choose(self, results: dict, height: int,
                width: int) -> Optional[Tuple[float, int, int, np.ndarray]]:
        """Always the fixed shift."""
        dx, dy = self.offset
        return 0.0, dx, dy, rotation_matrix(0.0, (width / 2, height / 2), (dx, dy))

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(offset={self.offset}, '
                f'img_border_value={self.img_border_value}, '
                f'seg_ignore_label={self.seg_ignore_label}, interpolation={self.interpolation!r})')
