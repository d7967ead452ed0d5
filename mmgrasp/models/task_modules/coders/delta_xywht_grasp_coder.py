# Copyright (c) mmgrasp contributors. All rights reserved.
"""Delta coder of the grasp refinement head (paper IV-D, Eq. 10; docs/conventions.md section 4).

Reference: S. Ainetter and F. Fraundorfer, "End-to-end Trainable Deep Neural Network for Robotic
Grasp Detection and Semantic Segmentation from RGB", ICRA 2021, Eq. 10.

Unlike mmrotate's ``DeltaXYWHTRBBoxCoder`` this coder never swaps edges and never regularises the
box: ``w`` is the opening and ``h`` the jaw, always (docs/conventions.md section 1).
"""
import math
from typing import TYPE_CHECKING, Optional, Sequence, Union

import torch
from mmdet.models.task_modules.coders.base_bbox_coder import BaseBBoxCoder
from mmdet.structures.bbox import get_box_tensor
from torch import Tensor

from mmgrasp.registry import TASK_UTILS
from mmgrasp.structures import GraspBoxes, wrap_angle, wrap_angle_half

if TYPE_CHECKING:  # for the annotations only
    from mmrotate.structures.bbox import RotatedBoxes

ANGLE_MODES = ('wrap', 'paper')


def grasp2delta(proposals: Tensor,
                gts: Tensor,
                means: Sequence[float] = (0., 0., 0., 0., 0.),
                stds: Sequence[float] = (1., 1., 1., 1., 1.),
                angle_mode: str = 'wrap') -> Tensor:
    """Encode target grasps as deltas from candidate grasps (Eq. 10).

    The centre offset is projected into the candidate's rotated frame (along its opening axis and
    its jaw axis) and divided by its ``w`` and ``h``; sizes are log ratios; the angle delta is the
    angle difference over pi. This is the inverse of :func:`delta2grasp`.

    Args:
        proposals (Tensor): ``(N, 5)`` candidate grasps ``(x, y, w, h, theta)``.
        gts (Tensor): ``(N, 5)`` target grasps.
        means (Sequence[float]): Means subtracted from the 5 deltas. Defaults to zeros.
        stds (Sequence[float]): Standard deviations the deltas are divided by. Defaults to ones.
        angle_mode (str): ``'wrap'``: angle difference wrapped into ``[-pi/2, pi/2)``, so the
            target is continuous, in ``[-0.5, 0.5)``; ``'paper'``: Eq. 10 as printed,
            ``((theta* - theta) mod pi) / pi`` in ``[0, 1)``. Defaults to ``'wrap'``.

    Returns:
        Tensor: ``(N, 5)`` deltas ``(tx, ty, tw, th, ttheta)``.
    """
    if angle_mode not in ANGLE_MODES:
        raise ValueError(f'angle_mode must be one of {ANGLE_MODES}, got {angle_mode!r}')
    gts = gts.to(proposals.dtype)
    px, py, pw, ph, pt = proposals.unbind(dim=-1)
    gx, gy, gw, gh, gt = gts.unbind(dim=-1)
    cos, sin = torch.cos(pt), torch.sin(pt)
    dx, dy = gx - px, gy - py
    tx = (cos * dx + sin * dy) / pw  # along the candidate's opening axis
    ty = (-sin * dx + cos * dy) / ph  # along its jaw axis
    tw = torch.log(gw / pw)
    th = torch.log(gh / ph)
    if angle_mode == 'wrap':
        tt = wrap_angle_half(gt - pt) / math.pi
    else:
        tt = wrap_angle(gt - pt) / math.pi
    deltas = torch.stack([tx, ty, tw, th, tt], dim=-1)
    means_t = deltas.new_tensor(means)
    stds_t = deltas.new_tensor(stds)
    return (deltas - means_t) / stds_t


def delta2grasp(proposals: Tensor,
                deltas: Tensor,
                means: Sequence[float] = (0., 0., 0., 0., 0.),
                stds: Sequence[float] = (1., 1., 1., 1., 1.),
                max_shape: Optional[Sequence[int]] = None,
                wh_ratio_clip: float = 16 / 1000) -> Tensor:
    """Apply deltas to candidate grasps; the inverse of :func:`grasp2delta`.

    Both angle modes decode the same way: ``theta = (theta_p + pi * ttheta) mod pi``.

    Args:
        proposals (Tensor): ``(N, 5)`` candidate grasps ``(x, y, w, h, theta)``.
        deltas (Tensor): ``(N, 5)`` deltas ``(tx, ty, tw, th, ttheta)``.
        means (Sequence[float]): Means the deltas were normalised with. Defaults to zeros.
        stds (Sequence[float]): Standard deviations of the normalisation. Defaults to ones.
        max_shape (Sequence[int], optional): ``(H, W)`` of the image: decoded centres are clamped
            into it. Defaults to None.
        wh_ratio_clip (float): Largest magnitude of a log size ratio is ``|log(wh_ratio_clip)|``.
            Defaults to 16 / 1000.

    Returns:
        Tensor: ``(N, 5)`` decoded grasps, theta in ``[0, pi)``.
    """
    deltas = deltas.to(proposals.dtype)
    deltas = deltas * deltas.new_tensor(stds) + deltas.new_tensor(means)
    px, py, pw, ph, pt = proposals.unbind(dim=-1)
    tx, ty, tw, th, tt = deltas.unbind(dim=-1)
    max_ratio = abs(math.log(wh_ratio_clip))
    tw = tw.clamp(min=-max_ratio, max=max_ratio)
    th = th.clamp(min=-max_ratio, max=max_ratio)
    cos, sin = torch.cos(pt), torch.sin(pt)
    ox, oy = tx * pw, ty * ph  # offset in the candidate's frame
    gx = px + cos * ox - sin * oy
    gy = py + sin * ox + cos * oy
    if max_shape is not None:
        gx = gx.clamp(min=0, max=max_shape[1])
        gy = gy.clamp(min=0, max=max_shape[0])
    gw = pw * tw.exp()
    gh = ph * th.exp()
    gt = wrap_angle(pt + math.pi * tt)
    return torch.stack([gx, gy, gw, gh, gt], dim=-1)


@TASK_UTILS.register_module()
class DeltaXYWHTGraspCoder(BaseBBoxCoder):
    """Delta XYWHT grasp coder of the refinement head (Eq. 10), with no edge swap.

    Encodes a target grasp ``(x, y, w, h, theta)`` relative to a candidate grasp as
    ``(tx, ty, tw, th, ttheta)`` and decodes deltas back; see :func:`grasp2delta` and
    :func:`delta2grasp`, which hold the maths.

    Args:
        target_means (Sequence[float]): Means of the deltas. Defaults to zeros.
        target_stds (Sequence[float]): Standard deviations the deltas are divided by. Defaults
            to ones, Eq. 10 as written (the refinement heads' default since the study of
            ``docs/refinement_head.md``). Anything else is a named deviation from the paper, e.g.
            mmgrasp's earlier refinement variant ``(0.1, 0.1, 0.2, 0.2, 0.05)``, which puts the
            matched candidates' deltas on a common scale for the smooth-L1 loss.
        angle_mode (str): ``'wrap'`` (continuous target in ``[-0.5, 0.5)``, default) or
            ``'paper'`` (Eq. 10 as printed, ``[0, 1)``).
        wh_ratio_clip (float): Clip of the decoded size ratios. Defaults to 16 / 1000.
        use_box_type (bool): Whether ``decode`` returns :class:`~mmgrasp.structures.GraspBoxes`
            (a ``RotatedBoxes`` whose members never swap a grasp's edges).
            Defaults to False (a plain ``(N, 5)`` tensor).
    """
    encode_size = 5

    def __init__(self,
                 target_means: Sequence[float] = (0., 0., 0., 0., 0.),
                 target_stds: Sequence[float] = (1., 1., 1., 1., 1.),
                 angle_mode: str = 'wrap',
                 wh_ratio_clip: float = 16 / 1000,
                 use_box_type: bool = False) -> None:
        super().__init__(use_box_type=use_box_type)
        if angle_mode not in ANGLE_MODES:
            raise ValueError(f'angle_mode must be one of {ANGLE_MODES}, got {angle_mode!r}')
        if len(target_means) != 5 or len(target_stds) != 5:
            raise ValueError('target_means and target_stds need 5 values each')
        self.means = tuple(target_means)
        self.stds = tuple(target_stds)
        self.angle_mode = angle_mode
        self.wh_ratio_clip = wh_ratio_clip

    def encode(self, bboxes: Union[Tensor, 'RotatedBoxes'],
               gt_bboxes: Union[Tensor, 'RotatedBoxes']) -> Tensor:
        """Encode target grasps relative to candidate grasps.

        Args:
            bboxes (Tensor | RotatedBoxes): ``(N, 5)`` candidate grasps.
            gt_bboxes (Tensor | RotatedBoxes): ``(N, 5)`` target grasps.

        Returns:
            Tensor: ``(N, 5)`` deltas.
        """
        bboxes = get_box_tensor(bboxes)
        gt_bboxes = get_box_tensor(gt_bboxes)
        if bboxes.shape != gt_bboxes.shape or bboxes.shape[-1] != 5:
            raise ValueError('encode needs two (N, 5) tensors of the same shape, got '
                             f'{tuple(bboxes.shape)} and {tuple(gt_bboxes.shape)}')
        return grasp2delta(bboxes, gt_bboxes, self.means, self.stds, self.angle_mode)

    def decode(self,
               bboxes: Union[Tensor, 'RotatedBoxes'],
               pred_bboxes: Tensor,
               max_shape: Optional[Sequence[int]] = None,
               wh_ratio_clip: Optional[float] = None
               ) -> Union[Tensor, 'RotatedBoxes']:
        """Apply deltas to candidate grasps.

        Args:
            bboxes (Tensor | RotatedBoxes): ``(N, 5)`` candidate grasps.
            pred_bboxes (Tensor): ``(N, 5)`` deltas.
            max_shape (Sequence[int], optional): ``(H, W)`` to clamp centres into.
            wh_ratio_clip (float, optional): Overrides the coder's clip.

        Returns:
            Tensor | GraspBoxes: ``(N, 5)`` decoded grasps.
        """
        bboxes = get_box_tensor(bboxes)
        if pred_bboxes.shape[0] != bboxes.shape[0] or pred_bboxes.shape[-1] != 5:
            raise ValueError('decode needs (N, 5) candidates and (N, 5) deltas, got '
                             f'{tuple(bboxes.shape)} and {tuple(pred_bboxes.shape)}')
        clip = self.wh_ratio_clip if wh_ratio_clip is None else wh_ratio_clip
        decoded = delta2grasp(bboxes, pred_bboxes, self.means, self.stds, max_shape, clip)
        if self.use_box_type:  # GraspBoxes, not RotatedBoxes: its project_ / regularize_boxes
            return GraspBoxes(decoded, clone=False)  # would swap the edges of a grasp
        return decoded
