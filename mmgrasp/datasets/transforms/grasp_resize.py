# Copyright (c) mmgrasp contributors. All rights reserved.
"""Resize the image, its masks and its grasps together."""
from typing import Optional, Tuple, Union

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from mmgrasp.registry import TRANSFORMS
from .grasp_geometry import affine_grasps, compose_homography


@TRANSFORMS.register_module()
class GraspResize(BaseTransform):
    """Resize image, masks (nearest) and grasps.

    The target size is ``scale`` or, if that is None, the image size times ``scale_factor``.
    With ``keep_ratio`` the image is rescaled as large as possible inside ``scale`` (mmcv
    :func:`mmcv.imrescale` rule: the long edge at most ``max(scale)``, the short edge at most
    ``min(scale)``). Grasp centres and sizes are multiplied by the actual factors ``(sx, sy)``
    (continuous coordinates, so ``x -> x * sx`` is exact); theta is unchanged when
    ``sx == sy`` (see :func:`~.grasp_geometry.affine_grasps` for the anisotropic case).

    The Jacquard configs use ``scale_factor=0.5`` (1024x1024 -> 512x512, paper VI-B).

    Required keys: ``img``; optional ``gt_grasps``, ``gt_seg_map`` (or the keys in
    ``seg_fields``). Modified keys: ``img``, ``img_shape``, ``gt_grasps``, the masks. Added keys:
    ``scale_factor`` ``(sx, sy)`` (multiplied into an earlier one, so it always maps the loaded
    image to this one), ``keep_ratio``.

    Args:
        scale (tuple[int, int] | int, optional): Target ``(w, h)``; an int means a square.
            Defaults to None.
        scale_factor (float | tuple[float, float], optional): Factor(s) ``(sx, sy)`` used when
            ``scale`` is None. Defaults to None.
        keep_ratio (bool): Keep the aspect ratio. Defaults to False.
        interpolation (str): Image interpolation for :func:`mmcv.imresize`. Defaults to
            ``'bilinear'``.
        backend (str): Resize backend, ``'cv2'`` or ``'pillow'``. Defaults to ``'cv2'``.
    """

    def __init__(self,
                 scale: Optional[Union[int, Tuple[int, int]]] = None,
                 scale_factor: Optional[Union[float, Tuple[float, float]]] = None,
                 keep_ratio: bool = False,
                 interpolation: str = 'bilinear',
                 backend: str = 'cv2') -> None:
        if (scale is None) == (scale_factor is None):
            raise ValueError('GraspResize needs exactly one of scale and scale_factor')
        self.scale = (scale, scale) if isinstance(scale, int) else scale
        if isinstance(scale_factor, (int, float)):
            scale_factor = (float(scale_factor), float(scale_factor))
        if scale_factor is not None and min(scale_factor) <= 0:
            raise ValueError(f'scale_factor must be positive, got {scale_factor}')
        self.scale_factor = scale_factor
        self.keep_ratio = keep_ratio
        self.interpolation = interpolation
        self.backend = backend

    def _target(self, width: int, height: int) -> Tuple[int, int]:
        if self.scale is not None:
            return tuple(self.scale)
        sx, sy = self.scale_factor
        return int(width * sx + 0.5), int(height * sy + 0.5)

    def transform(self, results: dict) -> dict:
        """Resize.

        Args:
            results (dict): Transform results.

        Returns:
            dict: The resized results.
        """
        img = results['img']
        height, width = img.shape[:2]
        target = self._target(width, height)
        if self.keep_ratio:
            img = mmcv.imrescale(img, target, interpolation=self.interpolation,
                                 backend=self.backend)
        else:
            img = mmcv.imresize(img, target, interpolation=self.interpolation,
                                backend=self.backend)
        new_h, new_w = img.shape[:2]
        sx, sy = new_w / width, new_h / height
        results['img'] = img
        results['img_shape'] = (new_h, new_w)
        old = results.get('scale_factor', (1.0, 1.0))
        results['scale_factor'] = (float(old[0]) * sx, float(old[1]) * sy)
        results['keep_ratio'] = self.keep_ratio

        for key in results.get('seg_fields', ['gt_seg_map']):
            if key in results:
                results[key] = mmcv.imresize(results[key], (new_w, new_h),
                                             interpolation='nearest', backend=self.backend)
        matrix = np.array([[sx, 0.0, 0.0], [0.0, sy, 0.0]])
        compose_homography(results, matrix)
        if 'gt_grasps' in results:
            results['gt_grasps'] = affine_grasps(results['gt_grasps'], matrix)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale={self.scale}, scale_factor={self.scale_factor}, '
                f'keep_ratio={self.keep_ratio}, interpolation={self.interpolation!r}, '
                f'backend={self.backend!r})')
