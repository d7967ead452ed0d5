# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasps as an mmdet box type: mmrotate's ``RotatedBoxes`` whose edges never swap.

``GraspBoxes`` (registered as ``'grasp'`` with mmdet's ``register_box``) holds ``(N, 5)`` grasps
``(x, y, w, h, theta)`` in the convention of docs/conventions.md section 1: ``w`` the opening,
``h`` the jaw, ``theta`` the opening's direction in ``[0, pi)``, clockwise on screen, the sense
of mmrotate's ``RotatedBoxes``. mmdet's and mmrotate's transforms, samplers and heads use boxes
only through their methods and the registered converters, so every public method of
``GraspBoxes`` either gives the grasp's answer or raises an error that says why and what to use
(each has a test in ``tests/test_structures/test_grasp_boxes.py``). ``RotatedBoxes`` gets these
wrong for a grasp, so ``GraspBoxes`` overrides them:

- ``project_`` and ``corner2rbox`` go through ``cv2.minAreaRect``, which picks its own edge
  order: a grasp ``(w=10, h=40, theta=2.0)`` comes back as ``(40, 10, 0.43)``, its opening
  turned into its jaw; ``from_instance_masks`` too (it raises here: a mask has no opening);
- ``rescale_`` (detectron2's formula) turns the angle the wrong way under anisotropic scaling
  (63.4 instead of 26.6 degrees for 45 degrees scaled by (2, 1));
- ``regularize_boxes`` swaps ``w`` and ``h`` to make a box canonical;
- ``flip_`` and ``rotate_`` leave ``theta`` outside ``[0, pi)``; ``rbox2corner`` orders the
  corners so that the opening edge is not ``p0 -> p1``;
- ``overlaps`` converts to ``'rbox'`` and calls mmcv's ``box_iou_rotated`` (wrong on collinear
  edges, see :mod:`mmgrasp.structures.grasp_iou`; and mmrotate 1.0.1 passes it an ``eps`` it does
  not take, a ``TypeError``);
- ``is_inside`` is inclusive at ``W`` and ignores ``all_inside``;
- ``clip_`` warns on every call of mmdet's ``Resize``.

The geometric ones use the exact affine map of :func:`affine_grasps` (the centre as a point,
the opening and jaw as vectors), the map the grasp transforms of :mod:`mmgrasp.datasets.transforms`
use. What ``GraspBoxes`` inherits unchanged is right for a grasp as it stands: ``translate_``,
``resize_`` (opening times ``sx``, jaw times ``sy``), ``find_inside_points``, the ``centers``,
``areas``, ``widths`` (openings) and ``heights`` (jaws) properties and mmdet's tensor-like
methods, which keep the type.

Converters (mmdet's ``register_box_converter``, so that ``convert_to``, ``get_box_type``,
``convert_box_type`` and mmrotate's ``ConvertBoxType`` work):

- ``grasp -> rbox``: the same numbers ``(x, y, w, h, theta)``, the same rectangle. No
  regularisation: mmrotate's ``'le90'`` would swap the edges of every grasp whose jaw is longer
  than its opening, which ``rbox -> grasp`` could not undo. mmrotate code that needs a pattern
  calls ``regularize_boxes(pattern)`` on the ``RotatedBoxes`` itself.
- ``rbox -> grasp``: ``theta`` wrapped into ``[0, pi)``, ``w`` and ``h`` kept as they are. A
  rotated box does not say which side is the opening; its ``w`` is taken as the opening, as
  written. After a regularisation (``'le90'``: ``w`` the longer side) that is the longer side,
  whatever the gripper: the converter cannot know and does not guess.
- ``grasp -> hbox``: the axis-aligned hull of the four corners (mmrotate's ``rbox -> hbox``).
  It is **not** the detection target of docs/conventions.md section 2, the grasp's box in its own
  unrotated frame (:func:`~mmgrasp.structures.grasp_to_hbox`).
- ``hbox -> grasp``: the box as a grasp at ``theta = 0``: ``w`` along x, ``h`` along y.
"""
from typing import Optional, Tuple, Union

import numpy as np
import torch
from mmdet.structures.bbox import BaseBoxes, register_box, register_box_converter
from mmdet.structures.bbox.box_type import box_converters, get_box_type
from mmdet.structures.mask import BitmapMasks, PolygonMasks
from mmrotate.structures.bbox import RotatedBoxes
from torch import BoolTensor, Tensor

from .grasp_angles import wrap_angle
from .grasp_convert import corners_to_grasps, grasps_to_corners
from .grasp_iou import grasp_iou
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
        """Wrap ``theta`` into ``[0, pi)`` in place and return the ``(..., 5)`` tensor; ``w`` and
        ``h`` never swap.

        Overrides ``RotatedBoxes.regularize_boxes``, which makes a box canonical by swapping its
        edges: for a grasp the opening is not interchangeable with the jaw, so the grasp's own
        canonical form (``theta`` mod pi, docs/conventions.md section 1) is the only one.
        ``width_longer`` and ``start_angle`` are accepted for the signature and ignored.

        Args:
            pattern (str, optional): Must be None. Defaults to None.
            width_longer (bool): Ignored. Defaults to True.
            start_angle (float): Ignored. Defaults to -90.

        Returns:
            Tensor: ``(..., 5)`` grasps, ``self.tensor`` itself (as ``RotatedBoxes`` does).

        Raises:
            NotImplementedError: For a ``pattern`` (``'oc'``, ``'le90'``, ``'le135'``): each of
                them swaps the edges of some grasps.
        """
        if pattern is not None:
            raise NotImplementedError(
                f'GraspBoxes.regularize_boxes({pattern!r}): every mmrotate pattern swaps w and h '
                'of some boxes, which turns a grasp\'s opening into its jaw. A grasp is canonical '
                'with theta in [0, pi) (regularize_boxes() without a pattern); for a regularised '
                f'rotated box use boxes.convert_to(\'rbox\').regularize_boxes({pattern!r}).')
        boxes = self.tensor.clone()
        boxes[..., 4] = wrap_angle(boxes[..., 4])
        self.tensor = boxes
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

    def is_inside(self,
                  img_shape: Tuple[int, int],
                  all_inside: bool = False,
                  allowed_border: int = 0) -> BoolTensor:
        """Which grasps lie in the image, half-open ``[0, W) x [0, H)`` like pixels.

        A point ``(x, y)`` is on the pixel of column ``floor(x)`` and row ``floor(y)``
        (docs/conventions.md section 1), so ``x = W`` is on no pixel: the image is
        ``[0, W) x [0, H)``, the rule of
        :func:`mmgrasp.datasets.transforms.grasp_geometry.centres_inside` (which the datasets and
        transforms use to drop grasps) and of mmdet's ``HorizontalBoxes.is_inside``. Overrides
        ``RotatedBoxes.is_inside``, which is inclusive at ``W`` and ``H`` and ignores
        ``all_inside``.

        Args:
            img_shape (tuple[int, int]): ``(H, W)``.
            all_inside (bool): False: the centre is inside (a grasp whose centre is in the image
                is kept, as in the datasets). True: all four corners are inside. Defaults to
                False.
            allowed_border (int): The image grows by this margin on each side:
                ``[-b, W + b) x [-b, H + b)``. Defaults to 0.

        Returns:
            BoolTensor: ``(...)`` for ``(..., 5)`` grasps.
        """
        img_h, img_w = img_shape
        b = allowed_border
        if all_inside:
            points = self.rbox2corner(self.tensor)  # (..., 4, 2)
        else:
            points = self.tensor[..., None, :2]  # (..., 1, 2)
        x, y = points[..., 0], points[..., 1]
        inside = (x >= -b) & (x < img_w + b) & (y >= -b) & (y < img_h + b)
        return inside.all(dim=-1)

    @staticmethod
    def overlaps(boxes1: BaseBoxes,
                 boxes2: BaseBoxes,
                 mode: str = 'iou',
                 is_aligned: bool = False,
                 eps: float = 1e-6) -> Tensor:
        """Exact polygon IoU (or IoF) of two sets of boxes, converted to grasps.

        Overrides ``RotatedBoxes.overlaps``, which converts to ``'rbox'`` and calls mmcv's
        ``box_iou_rotated``, wrong when edges are collinear (common in grasp data); here it is
        :func:`~mmgrasp.structures.grasp_iou` (float64 polygon clipping, equal to shapely to
        1e-9). Any box type with a converter to ``'grasp'`` is accepted (``'hbox'``: mmdet's
        ``MinIoURandomCrop`` passes its crop as a ``HorizontalBoxes``; ``'rbox'``).

        Args:
            boxes1 (BaseBoxes): ``(m, box_dim)`` boxes.
            boxes2 (BaseBoxes): ``(n, box_dim)`` boxes.
            mode (str): ``'iou'`` (intersection over union) or ``'iof'`` (intersection over the
                area of ``boxes1``). Defaults to ``'iou'``.
            is_aligned (bool): Row-wise pairs (``m == n``). Defaults to False.
            eps (float): Unused: the exact IoU needs no guard; a rectangle without area has
                IoU 0 with everything. Defaults to 1e-6.

        Returns:
            Tensor: ``(m, n)`` float32, or ``(m,)`` when ``is_aligned``, on ``boxes1``'s device.
        """
        if mode not in ('iou', 'iof'):
            raise ValueError(f"mode must be 'iou' or 'iof', got {mode!r}")
        grasps1 = boxes1.convert_to('grasp').tensor
        grasps2 = boxes2.convert_to('grasp').tensor
        return grasp_iou(grasps1, grasps2, aligned=is_aligned, mode=mode)

    @staticmethod
    def from_instance_masks(masks: Union[BitmapMasks, PolygonMasks]) -> 'GraspBoxes':
        """Raise: a mask does not say where a gripper's opening is.

        Overrides ``RotatedBoxes.from_instance_masks`` (reached through mmdet's
        ``masks.get_bboxes('grasp')``, e.g. ``RandomCrop(recompute_bbox=True)`` or ``CopyPaste``),
        whose ``cv2.minAreaRect`` returns an oriented box with sides in OpenCV's order: as a grasp,
        a rectangle whose opening is whichever side OpenCV lists first.

        Args:
            masks (BitmapMasks | PolygonMasks): ``n`` instance masks.

        Raises:
            NotImplementedError: Always.
        """
        raise NotImplementedError(
            'GraspBoxes.from_instance_masks: a mask has no opening and no jaw, so it does not '
            'make a grasp (cv2.minAreaRect orders the sides its own way). Grasps come from '
            'annotated rectangles (mmgrasp.structures.corners_to_grasps with the dataset\'s '
            'opening_edge); for the oriented box of a mask use RotatedBoxes.from_instance_masks. '
            'In a grasp pipeline, do not recompute boxes from masks (mmdet RandomCrop: '
            'recompute_bbox=False; no CopyPaste).')

    def convert_to(self, dst_type: Union[str, type]) -> BaseBoxes:
        """Convert to another box type through the registered converters (module docstring):
        ``'grasp'`` (a copy), ``'rbox'``, ``'hbox'``.

        Overrides ``BaseBoxes.convert_to`` only to name the types that exist when there is no
        converter (mmdet's message is a bare ``AssertionError``).

        Args:
            dst_type (str | type): Destination box type.

        Returns:
            BaseBoxes: ``(..., box_dim)`` boxes of ``dst_type``.

        Raises:
            NotImplementedError: For a type without a ``grasp`` converter (e.g. mmrotate's
                ``'qbox'``).
        """
        name, _ = get_box_type(dst_type)
        if name != 'grasp' and f'grasp2{name}' not in box_converters:
            known = sorted(k[len('grasp2'):] for k in box_converters if k.startswith('grasp2'))
            raise NotImplementedError(
                f'GraspBoxes has no converter to {name!r}; registered: {known}. For corners with '
                'the opening edge first use GraspBoxes.rbox2corner (mmgrasp\'s order); '
                f'convert_to(\'rbox\').convert_to({name!r}) gives mmrotate\'s conversion of the '
                'same rectangle, which forgets which side is the opening.')
        return super().convert_to(dst_type)

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


@register_box_converter('grasp', 'rbox')
def grasp2rbox(boxes: Tensor) -> Tensor:
    """Grasps as rotated boxes: the same ``(x, y, w, h, theta)`` (module docstring).

    Args:
        boxes (Tensor): ``(..., 5)`` grasps.

    Returns:
        Tensor: ``(..., 5)`` rotated boxes, not regularised (``theta`` stays in ``[0, pi)``).
    """
    return boxes.clone()


@register_box_converter('rbox', 'grasp')
def rbox2grasp(boxes: Tensor) -> Tensor:
    """Rotated boxes as grasps: ``theta`` wrapped into ``[0, pi)``, the rotated box's ``w`` the
    opening and ``h`` the jaw, never swapped (module docstring).

    Args:
        boxes (Tensor): ``(..., 5)`` rotated boxes.

    Returns:
        Tensor: ``(..., 5)`` grasps.
    """
    grasps = boxes.clone()
    grasps[..., 4] = wrap_angle(grasps[..., 4])
    return grasps


@register_box_converter('grasp', 'hbox')
def grasp2hbox(boxes: Tensor) -> Tensor:
    """The axis-aligned hull ``(x1, y1, x2, y2)`` of each grasp's four corners.

    Not the detection target of docs/conventions.md section 2 (the box in the grasp's own
    unrotated frame, :func:`~mmgrasp.structures.grasp_to_hbox`).

    Args:
        boxes (Tensor): ``(..., 5)`` grasps.

    Returns:
        Tensor: ``(..., 4)`` horizontal boxes.
    """
    ctrs, w, h, theta = torch.split(boxes, (2, 1, 1, 1), dim=-1)
    cos, sin = torch.cos(theta).abs(), torch.sin(theta).abs()
    half = torch.cat([w / 2 * cos + h / 2 * sin, w / 2 * sin + h / 2 * cos], dim=-1)
    return torch.cat([ctrs - half, ctrs + half], dim=-1)


@register_box_converter('hbox', 'grasp')
def hbox2grasp(boxes: Tensor) -> Tensor:
    """Horizontal boxes ``(x1, y1, x2, y2)`` as grasps at ``theta = 0``: the opening ``w`` along
    x, the jaw ``h`` along y.

    Args:
        boxes (Tensor): ``(..., 4)`` horizontal boxes.

    Returns:
        Tensor: ``(..., 5)`` grasps.
    """
    ctrs = (boxes[..., :2] + boxes[..., 2:]) / 2
    wh = boxes[..., 2:] - boxes[..., :2]
    return torch.cat([ctrs, wh, boxes.new_zeros((*boxes.shape[:-1], 1))], dim=-1)
