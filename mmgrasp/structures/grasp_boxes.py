# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasps as an mmdet box type: mmrotate's ``RotatedBoxes`` whose edges never swap.

``GraspBoxes`` (registered as ``'grasp'`` with mmdet's ``register_box``) holds ``(N, 5)`` grasps
``(x, y, w, h, theta)`` in the convention of docs/conventions.md section 1: ``w`` the opening,
``h`` the jaw, ``theta`` the opening's direction in ``[0, pi)``, clockwise on screen, the sense
of mmrotate's ``RotatedBoxes``. mmdet's and mmrotate's geometric transforms (``Resize``,
``RandomFlip``, ``RandomRotate``, ...) move boxes through their methods; ``RotatedBoxes``
implements some of them in ways that are right for a box but wrong for a grasp:

- ``project_`` goes through ``cv2.minAreaRect``, which picks its own edge order: a grasp
  ``(w=10, h=40, theta=2.0)`` comes back as ``(40, 10, 0.43)``, its opening turned into its jaw;
- ``rescale_`` (detectron2's formula) turns the angle the wrong way under anisotropic scaling
  (63.4 instead of 26.6 degrees for 45 degrees scaled by (2, 1));
- ``regularize_boxes`` swaps ``w`` and ``h`` to make a box canonical;
- ``flip_`` and ``rotate_`` leave ``theta`` outside ``[0, pi)``.

Each of these is overridden with the exact affine map of :func:`affine_grasps` (the centre as a
point, the opening and jaw as vectors), the map the grasp transforms of
:mod:`mmgrasp.datasets.transforms` use.
"""
from typing import Optional, Tuple, Union

import numpy as np
import torch
from mmdet.structures.bbox import register_box
from mmrotate.structures.bbox import RotatedBoxes
from torch import Tensor

from .grasp_angles import wrap_angle
from .grasp_convert import corners_to_grasps, grasps_to_corners
from .grasp_transform import affine_grasps, flip_matrix


@register_box('grasp')
class GraspBoxes(RotatedBoxes):
    """Grasp rectangles ``(x, y, w, h, theta)``: ``RotatedBoxes`` whose opening never becomes
    the jaw (module docstring).

    Args:
        data (Tensor | ndarray | Sequence): ``(..., 5)`` grasps.
        dtype (torch.dtype, optional): Defaults to None.
        device (str | torch.device, optional): Defaults to None.
        clone (bool): Copy ``data``. Defaults to True.
    """

    def _affine_(self, matrix: Union[Tensor, np.ndarray]) -> None:
        shape = self.tensor.shape
        mapped = affine_grasps(self.tensor.reshape(-1, 5), matrix)
        self.tensor = mapped.to(self.tensor).reshape(shape)

    def regularize_boxes(self, pattern: Optional[str] = None, width_longer: bool = True,
                         start_angle: float = -90) -> Tensor:
        """The grasps with ``theta`` wrapped into ``[0, pi)``; ``w`` and ``h`` never swap.

        Overrides ``RotatedBoxes.regularize_boxes``, which makes a box canonical by swapping its
        edges (``pattern``, ``width_longer``, ``start_angle`` are accepted and ignored): for a
        grasp the opening is not interchangeable with the jaw.

        Returns:
            Tensor: ``(..., 5)`` grasps.
        """
        boxes = self.tensor.clone()
        boxes[..., 4] = wrap_angle(boxes[..., 4])
        return boxes

    def flip_(self, img_shape: Tuple[int, int], direction: str = 'horizontal') -> None:
        """Flip in place (``'horizontal'``, ``'vertical'`` or ``'diagonal'``), ``theta`` kept in
        ``[0, pi)``: overrides ``RotatedBoxes.flip_``, which leaves ``-theta``.

        Args:
            img_shape (tuple[int, int]): ``(H, W)``.
            direction (str): Flip direction. Defaults to ``'horizontal'``.
        """
        self._affine_(flip_matrix(direction, img_shape[0], img_shape[1]))

    def rotate_(self, center: Tuple[float, float], angle: float) -> None:
        """Rotate in place by ``angle`` degrees clockwise on screen about ``center`` (mmdet's
        sense), ``theta`` kept in ``[0, pi)``: overrides ``RotatedBoxes.rotate_``, which does
        not wrap it.

        Args:
            center (tuple[float, float]): ``(x, y)``.
            angle (float): Degrees, positive clockwise on screen.
        """
        a = np.deg2rad(angle)
        cos, sin = np.cos(a), np.sin(a)
        cx, cy = center
        self._affine_(np.array([[cos, -sin, cx - cos * cx + sin * cy],
                                [sin, cos, cy - sin * cx - cos * cy]]))

    def project_(self, homography_matrix: Union[Tensor, np.ndarray]) -> None:
        """Map in place through an affine ``(3, 3)`` matrix, exactly: overrides
        ``RotatedBoxes.project_``, whose ``cv2.minAreaRect`` can swap the opening and the jaw.

        Args:
            homography_matrix (Tensor | ndarray): ``(3, 3)`` affine map (last row ``0 0 1``).

        Raises:
            ValueError: For a perspective map, which does not keep a rectangle a rectangle.
        """
        m = torch.as_tensor(homography_matrix, dtype=torch.float64)
        if m.shape == (3, 3) and not torch.allclose(m[2], m.new_tensor([0.0, 0.0, 1.0])):
            raise ValueError('GraspBoxes.project_ takes affine maps; a perspective map does not '
                             'keep a grasp rectangular')
        self._affine_(m)

    def rescale_(self, scale_factor: Tuple[float, float]) -> None:
        """Scale in place by ``(sx, sy)``, the centre as a point and the opening and jaw as
        vectors: overrides ``RotatedBoxes.rescale_``, whose angle turns the wrong way under
        anisotropic scaling.

        Args:
            scale_factor (tuple[float, float]): ``(sx, sy)``.
        """
        sx, sy = scale_factor
        self._affine_(np.array([[sx, 0.0, 0.0], [0.0, sy, 0.0]]))

    def clip_(self, img_shape: Tuple[int, int]) -> None:
        """Do nothing, silently: a grasp is not cut at the image border (the datasets drop
        grasps whose centre leaves the image). Overrides ``RotatedBoxes.clip_``, which warns on
        every call of mmdet's ``Resize``.

        Args:
            img_shape (tuple[int, int]): ``(H, W)`` (unused).
        """

    @staticmethod
    def rbox2corner(boxes: Tensor) -> Tensor:
        """``(..., 5)`` grasps -> ``(..., 4, 2)`` corners in mmgrasp's order (``p0 -> p1`` an
        opening side, docs/conventions.md section 1).

        Overrides ``RotatedBoxes.rbox2corner``'s corner order, so that corners and grasps convert
        back and forth without losing which edge is the opening.
        """
        shape = boxes.shape[:-1]
        return grasps_to_corners(boxes.reshape(-1, 5)).reshape(*shape, 4, 2)

    @staticmethod
    def corner2rbox(corners: Tensor) -> Tensor:
        """``(..., 4, 2)`` corners (``p0 -> p1`` the opening) -> ``(..., 5)`` grasps, exactly.

        Overrides ``RotatedBoxes.corner2rbox`` (``cv2.minAreaRect``, which reorders the edges).
        """
        shape = corners.shape[:-2]
        return corners_to_grasps(corners.reshape(-1, 4, 2)).reshape(*shape, 5)
