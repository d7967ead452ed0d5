# Copyright (c) mmgrasp contributors. All rights reserved.
"""Random flips of the image with its masks and grasps."""
from typing import Sequence, Union

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from mmgrasp.registry import TRANSFORMS
from .grasp_geometry import compose_homography

DIRECTIONS = ('horizontal', 'vertical', 'diagonal')


def flip_matrix(direction: str, height: int, width: int) -> np.ndarray:
    """Affine map (continuous coordinates) of a flip.

    ``'horizontal'``: ``x -> W - x``; ``'vertical'``: ``y -> H - y``; ``'diagonal'``: both. A
    grasp's angle becomes ``pi - theta`` (mod pi) for the first two and stays for ``'diagonal'``
    (a rotation by pi).

    Args:
        direction (str): One of :data:`DIRECTIONS`.
        height (int): Image height.
        width (int): Image width.

    Returns:
        ndarray: ``(2, 3)`` matrix.
    """
    sx = -1.0 if direction in ('horizontal', 'diagonal') else 1.0
    sy = -1.0 if direction in ('vertical', 'diagonal') else 1.0
    return np.array([[sx, 0.0, width if sx < 0 else 0.0], [0.0, sy, height if sy < 0 else 0.0]])


@TRANSFORMS.register_module()
class GraspRandomFlip(BaseTransform):
    """Flip image, masks and grasps with probability ``prob``.

    Not part of the paper's augmentation; available for experiments. When a flip happens its
    direction is drawn uniformly from ``direction``.

    Required keys: ``img``; optional ``gt_bboxes``, ``gt_seg_map`` (or the keys in
    ``seg_fields``), ``depth`` (the keys in ``depth_fields``). Modified keys: those. Added
    keys: ``flip`` (bool), ``flip_direction`` (str or None).

    Args:
        prob (float): Probability of a flip. Defaults to 0.5.
        direction (str | Sequence[str]): Direction(s) among ``'horizontal'``, ``'vertical'``,
            ``'diagonal'``. Defaults to ``'horizontal'``.
    """

    def __init__(self, prob: float = 0.5,
                 direction: Union[str, Sequence[str]] = 'horizontal') -> None:
        directions = [direction] if isinstance(direction, str) else list(direction)
        if not directions or any(d not in DIRECTIONS for d in directions):
            raise ValueError(f'direction must be in {DIRECTIONS}, got {direction!r}')
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.prob = prob
        self.directions = directions

    def transform(self, results: dict) -> dict:
        """Flip, or record that no flip happened.

        Args:
            results (dict): Transform results.

        Returns:
            dict: The (possibly) flipped results.
        """
        if np.random.rand() >= self.prob:
            results['flip'] = False
            results['flip_direction'] = None
            return results
        direction = self.directions[np.random.randint(len(self.directions))]
        img = results['img']
        height, width = img.shape[:2]
        results['img'] = mmcv.imflip(img, direction=direction)
        for key in results.get('seg_fields', ['gt_seg_map']) + results.get('depth_fields', []):
            if key in results:
                results[key] = mmcv.imflip(results[key], direction=direction)
        matrix = flip_matrix(direction, height, width)
        compose_homography(results, matrix)
        if 'gt_bboxes' in results:
            results['gt_bboxes'].project_(np.vstack([matrix[:2], [0.0, 0.0, 1.0]]))
        results['flip'] = True
        results['flip_direction'] = direction
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(prob={self.prob}, direction={self.directions})'
