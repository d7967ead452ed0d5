# Copyright (c) mmgrasp contributors. All rights reserved.
"""Resize the image, its masks, its depth and its grasps together: mmdet's ``Resize`` with the
grasp rule that a grasp shrunk below 1 px is dropped."""
from typing import Optional, Tuple, Union

import mmcv
import numpy as np
from mmdet.datasets.transforms import Resize

from mmgrasp.registry import TRANSFORMS
from mmgrasp.structures import affine_grasps
from mmgrasp.structures.grasp_convert import MIN_GRASP_SIZE, small_grasps
from .grasp_geometry import get_grasps, select_grasps


@TRANSFORMS.register_module()
class GraspResize(Resize):
    """mmdet's ``Resize`` for grasps: image, masks (nearest), depth (nearest) and ``gt_bboxes``
    (:class:`~mmgrasp.structures.GraspBoxes`, whose ``rescale_`` is the exact affine map).

    What differs from mmdet's, each in one override: :meth:`_resize_bboxes` drops the grasps
    the resize shrinks below ``min_grasp_size`` (mmdet keeps a zero-size box, whose regression
    target is ``log(0)``); :meth:`transform` also resizes the depth (``depth_fields``, which
    mmdet does not know) and keeps ``scale_factor`` cumulative over several resizes (mmdet's is
    the last step's only), so that it always maps the loaded image to this one.

    The target size is ``scale`` or, if that is None, the image size times ``scale_factor``.
    With ``keep_ratio`` the image is rescaled as large as possible inside ``scale`` (mmcv
    :func:`mmcv.imrescale` rule: the long edge at most ``max(scale)``, the short edge at most
    ``min(scale)``). Grasp centres and sizes are multiplied by the actual factors ``(sx, sy)``
    (continuous coordinates, so ``x -> x * sx`` is exact); theta is unchanged when
    ``sx == sy`` (see :func:`~.grasp_geometry.affine_grasps` for the anisotropic case).

    The Jacquard configs use ``scale_factor=0.5`` (1024x1024 -> 512x512, paper VI-C).

    **Grasps shrunk below** ``min_grasp_size`` (opening or jaw, in output pixels) are dropped with
    their ``gt_bboxes_labels`` and ``gt_ignore_flags``: the same 1 px rule as the loaders
    (docs/bad_data.md), for grasps that were large enough in the file but not after a strong
    downscale (a zero-size box makes the detection loss NaN). The resize is deterministic, so
    :meth:`transform_grasps` replays it on a dataset's grasps when the dataset is built, and the
    dataset warns about the grasps and images this drops; the transform itself does not log.

    Required keys: ``img``; optional ``gt_bboxes``, ``gt_seg_map`` (or the keys in
    ``seg_fields``), ``depth`` (the keys in ``depth_fields``, nearest-neighbour). Modified
    keys: ``img``, ``img_shape``, ``gt_bboxes``, the masks, the depth. Added keys:
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
        min_grasp_size (float): Grasps whose opening or jaw is below this many pixels after the
            resize are dropped; 0 keeps every grasp. Defaults to 1.
    """

    def __init__(self,
                 scale: Optional[Union[int, Tuple[int, int]]] = None,
                 scale_factor: Optional[Union[float, Tuple[float, float]]] = None,
                 keep_ratio: bool = False,
                 interpolation: str = 'bilinear',
                 backend: str = 'cv2',
                 min_grasp_size: float = MIN_GRASP_SIZE) -> None:
        if (scale is None) == (scale_factor is None):
            raise ValueError('GraspResize needs exactly one of scale and scale_factor')
        if isinstance(scale_factor, (int, float)):
            scale_factor = (float(scale_factor), float(scale_factor))
        if scale_factor is not None and min(scale_factor) <= 0:
            raise ValueError(f'scale_factor must be positive, got {scale_factor}')
        if min_grasp_size < 0:
            raise ValueError(f'min_grasp_size must be >= 0, got {min_grasp_size}')
        super().__init__(scale=scale, scale_factor=scale_factor, keep_ratio=keep_ratio,
                         clip_object_border=False, backend=backend, interpolation=interpolation)
        self.min_grasp_size = float(min_grasp_size)

    def _target(self, width: int, height: int) -> Tuple[int, int]:
        if self.scale is not None:
            return tuple(self.scale)
        sx, sy = self.scale_factor
        return int(width * sx + 0.5), int(height * sy + 0.5)

    def _new_size(self, height: int, width: int) -> Tuple[int, int]:
        """``(new_w, new_h)`` of an image of this size (the :func:`mmcv.imrescale` rule with
        ``keep_ratio``)."""
        target = self._target(width, height)
        if self.keep_ratio:
            return tuple(mmcv.rescale_size((width, height), tuple(target)))
        return tuple(target)

    def transform_grasps(self, grasps: np.ndarray, img_shape: Tuple[int, int]
                         ) -> Tuple[np.ndarray, np.ndarray, Tuple[int, int]]:
        """What :meth:`transform` does to the grasps of an image of size ``img_shape``.

        Args:
            grasps (ndarray): ``(N, 5)`` grasps ``(x, y, w, h, theta)``.
            img_shape (tuple[int, int]): ``(height, width)`` of the input image.

        Returns:
            tuple: ``(N, 5)`` resized grasps (same dtype), ``(N,)`` bool of those kept (opening
            and jaw at least ``min_grasp_size``), and the output ``(height, width)``.
        """
        height, width = img_shape[:2]
        new_w, new_h = self._new_size(height, width)
        sx, sy = new_w / width, new_h / height
        grasps = np.asarray(grasps).reshape(-1, 5)
        if sx == sy:  # isotropic: theta is unchanged; cheap for datasets that replay this
            resized = grasps.astype(grasps.dtype if grasps.dtype == np.float64 else np.float32)
            resized[:, :4] *= sx
        else:
            resized = affine_grasps(grasps, np.array([[sx, 0.0, 0.0], [0.0, sy, 0.0]]))
        keep = ~np.asarray(small_grasps(resized, self.min_grasp_size), dtype=bool)
        return resized, keep, (new_h, new_w)

    def _resize_bboxes(self, results: dict) -> None:
        """mmdet's rescale of ``gt_bboxes``, then the grasps below ``min_grasp_size`` dropped
        with their labels and ignore flags (the one rule mmdet's ``Resize`` does not have)."""
        super()._resize_bboxes(results)
        grasps = get_grasps(results)
        if grasps is not None:
            keep = ~np.asarray(small_grasps(grasps, self.min_grasp_size), dtype=bool)
            if not keep.all():
                select_grasps(results, keep)

    def transform(self, results: dict) -> dict:
        """mmdet's resize, then the depth and the cumulative ``scale_factor``.

        Args:
            results (dict): Transform results.

        Returns:
            dict: The resized results.
        """
        old = results.get('scale_factor', (1.0, 1.0))
        results = super().transform(results)
        sx, sy = results['scale_factor']
        results['scale_factor'] = (float(old[0]) * sx, float(old[1]) * sy)
        new_h, new_w = results['img_shape'][:2]
        for key in results.get('depth_fields', []):  # nearest: no depth between two surfaces
            if key in results:
                results[key] = mmcv.imresize(results[key], (new_w, new_h),
                                             interpolation='nearest', backend=self.backend)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale={self.scale}, scale_factor={self.scale_factor}, '
                f'keep_ratio={self.keep_ratio}, interpolation={self.interpolation!r}, '
                f'backend={self.backend!r}, min_grasp_size={self.min_grasp_size:g})')
