# Copyright (c) mmgrasp contributors. All rights reserved.
"""Random flips of the image with its masks, depth and grasps: mmdet's ``RandomFlip``."""
from typing import Sequence, Union

import mmcv
from mmdet.datasets.transforms import RandomFlip

from mmgrasp.registry import TRANSFORMS
from mmgrasp.structures.grasp_transform import FLIP_DIRECTIONS, flip_matrix
from .grasp_geometry import compose_homography


@TRANSFORMS.register_module()
class GraspRandomFlip(RandomFlip):
    """mmdet's ``RandomFlip`` that also flips depth and every segmentation field.

    Not part of the paper's augmentation; the Jacquard configs use it. The flip decision and
    direction are mmcv's (``prob`` and ``direction`` as in ``RandomFlip``; one random draw a
    sample); the grasps move through :meth:`GraspBoxes.flip_`, which keeps the opening and wraps
    ``theta`` into ``[0, pi)``. Two methods differ from mmdet's:

    - :meth:`_flip` also flips the keys in ``seg_fields`` other than ``gt_seg_map`` and the depth
      maps in ``depth_fields`` (:class:`LoadDepthFromFile`), which mmdet does not know;
    - :meth:`_record_homography_matrix` composes in float64 like every other grasp step
      (mmdet's is float32), so ``homography_matrix`` keeps one dtype along the pipeline.

    Required keys: ``img``; optional ``gt_bboxes`` (:class:`GraspBoxes`), ``gt_seg_map`` (or the
    keys in ``seg_fields``), ``depth`` (the keys in ``depth_fields``). Modified keys: those and
    ``homography_matrix``. Added keys: ``flip`` (bool), ``flip_direction`` (str or None).

    Args:
        prob (float | list[float]): Probability of a flip (of each direction, for a list).
            Defaults to 0.5.
        direction (str | Sequence[str]): Direction(s) among ``'horizontal'``, ``'vertical'``,
            ``'diagonal'``. Defaults to ``'horizontal'``.
    """

    def __init__(self, prob: Union[float, Sequence[float]] = 0.5,
                 direction: Union[str, Sequence[str]] = 'horizontal') -> None:
        directions = [direction] if isinstance(direction, str) else list(direction)
        if not directions or any(d not in FLIP_DIRECTIONS for d in directions):
            raise ValueError(f'direction must be in {FLIP_DIRECTIONS}, got {direction!r}')
        if isinstance(prob, (int, float)) and not isinstance(prob, bool):
            if not 0 <= prob <= 1:
                raise ValueError(f'prob must be in [0, 1], got {prob}')
            prob = float(prob)
        super().__init__(prob=prob, direction=direction)

    def _flip(self, results: dict) -> None:
        """Flip with mmdet (image, ``gt_bboxes``, ``gt_seg_map``, homography), then the other
        segmentation fields and the depth maps."""
        super()._flip(results)
        direction = results['flip_direction']
        extra = [k for k in results.get('seg_fields', []) if k != 'gt_seg_map']
        for key in extra + list(results.get('depth_fields', [])):
            if results.get(key) is not None:
                results[key] = mmcv.imflip(results[key], direction=direction)

    def _record_homography_matrix(self, results: dict) -> None:
        """Compose the flip into ``homography_matrix`` in float64 (mmdet's is float32)."""
        height, width = results['img'].shape[:2]
        compose_homography(results, flip_matrix(results['flip_direction'], height, width))
