# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasp refinement head, aligned form (paper IV-D, Eq. 9-10; docs/conventions.md section 4).

The paper's authors never published this head; this is a re-implementation from the text.
Each grasp candidate of the detection branch is cropped, in its own rotated frame, out of the
segmentation branch's foreground probability map (mmcv ``RoIAlignRotated``) and stacked with the
whole map area-pooled to the same size; an MLP regresses the Eq. 10 deltas that move the candidate
onto the matched ground-truth grasp::

    P(fg) (B, 1, H/4, W/4) --RoIAlignRotated(candidate)--> (K, 1, h, w) --\\
    P(fg) (B, 1, H/4, W/4) --area pooling to (h, w)-----> (K, 1, h, w) ---> (K, 2, h, w)
        -> flatten -> [fc -> norm -> LeakyReLU] x n -> fc -> (K, 5) deltas (tx, ty, tw, th, tt)

The paper's own form (the candidate cut out *in place* on the map) is
:class:`~mmgrasp.models.roi_heads.InPlaceGraspRefineHead`, a subclass that only changes
:meth:`GraspRefineHead.build_input`.

Named deviations from the paper (docs/conventions.md section 4):

- Eq. 10's angle delta is wrapped into ``[-pi/2, pi/2)`` before dividing by pi (the coder's
  ``angle_mode='wrap'``; ``'paper'`` keeps the printed form).
- The deltas may be divided by the coder's ``target_stds`` before the loss; Eq. 10 has none, and
  neither has the default (unit stds, since the study of docs/refinement_head.md chose Eq. 9 as
  printed; mmgrasp's earlier variant used ``(0.1, 0.1, 0.2, 0.2, 0.05)``). The stds a head was
  trained with are kept in its state dict (``coder_stds``) and checked when weights are loaded:
  decoding a head's deltas with other stds would move every grasp 5-20 times too far.
- Eq. 9 (the loss of one candidate) sums its five smooth-L1 terms, as here; averaging these sums
  over the matched candidates of the batch is a normalisation Eq. 9 does not state, so that the
  loss does not grow with the number of candidates.
"""
import math
import warnings
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmcv.ops import RoIAlignRotated
from mmdet.structures import SampleList
from mmdet.structures.bbox import get_box_tensor
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from torch import Tensor

from mmgrasp.registry import MODELS, TASK_UTILS
from mmgrasp.structures import angle_diff, angle_to_bin, grasp_iou


def match_grasps(candidates: Tensor, gt_grasps: Tensor, iou_thr: float,
                 angle_thr_deg: float) -> Tuple[Tensor, Tensor]:
    """Match candidates to ground-truth grasps by the metric's rule (docs/conventions.md section 5).

    A candidate matches a ground-truth grasp when their rotated IoU is above ``iou_thr`` and
    their angle difference, mod pi into ``[0, pi/2]``, is below ``angle_thr_deg`` (the two strict
    inequalities of :class:`~mmgrasp.evaluation.GraspJaccardMetric`). Among the matching ground
    truths the one with the highest IoU is the target.

    Args:
        candidates (Tensor): ``(K, 5)`` candidate grasps.
        gt_grasps (Tensor): ``(G, 5)`` ground-truth grasps.
        iou_thr (float): IoU threshold.
        angle_thr_deg (float): Angle threshold in degrees.

    Returns:
        tuple: ``pos`` ``(K,)`` bool and ``index`` ``(K,)`` long, the matched ground truth of
        each candidate (0 where ``pos`` is False).
    """
    k, g = candidates.shape[0], gt_grasps.shape[0]
    if k == 0 or g == 0:
        return (torch.zeros(k, dtype=torch.bool, device=candidates.device),
                torch.zeros(k, dtype=torch.long, device=candidates.device))
    ious = grasp_iou(candidates, gt_grasps)  # (K, G)
    dangle = angle_diff(candidates[:, None, 4], gt_grasps[None, :, 4].to(candidates))  # (K, G)
    ok = (ious > iou_thr) & (dangle < math.radians(angle_thr_deg))
    best_iou, index = torch.where(ok, ious, ious.new_full((), -1.0)).max(dim=1)
    pos = best_iou >= 0
    return pos, torch.where(pos, index, torch.zeros_like(index))


@MODELS.register_module()
class GraspRefineHead(BaseModule):
    """Refine grasp candidates from the semantic probability map (aligned form).

    Args:
        roi_size (Sequence[int]): ``(h, w)`` of each crop and of the pooled whole map; ``w`` runs
            along the candidate's opening axis. Defaults to ``(16, 16)``.
        crop_scale (float): Scale of the cropped window relative to the candidate rectangle
            (1.0 crops exactly the candidate area). Defaults to 1.0.
        feat_stride (int): Stride of the semantic logits relative to the input. Defaults to 4.
        fc_channels (Sequence[int]): Widths of the hidden fc layers. Defaults to ``(256, 256)``.
        norm_cfg (dict, optional): Norm after each hidden fc; None for none.
            Defaults to ``dict(type='BN1d')``.
        act_cfg (dict): Activation. Defaults to LeakyReLU(0.01).
        bbox_coder (dict): The Eq. 10 coder. Defaults to ``DeltaXYWHTGraspCoder`` with unit
            ``target_stds`` (the raw Eq. 10 deltas, as printed; mmgrasp's earlier variant divided
            them by ``(0.1, 0.1, 0.2, 0.2, 0.05)``, docs/refinement_head.md).
        loss_refine (dict): Eq. 9 loss; its ``loss_weight`` is ``lambda_refine``.
            Defaults to ``SmoothL1Loss(beta=1, loss_weight=0.8)`` (Eq. 6's smooth-L1, as
            printed). Its five terms are summed per candidate and averaged over the matched
            candidates (Eq. 9).
        train_cfg (dict, optional): ``pos_iou_thr`` (default 0.25) and ``pos_angle_thr``
            (degrees, default 30): a candidate carries loss when it matches a ground-truth grasp
            by the metric's rule (:func:`match_grasps`); ``max_candidates`` per image
            (default 64).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 roi_size: Sequence[int] = (16, 16),
                 crop_scale: float = 1.0,
                 feat_stride: int = 4,
                 fc_channels: Sequence[int] = (256, 256),
                 norm_cfg: OptConfigType = dict(type='BN1d'),
                 act_cfg: ConfigType = dict(type='LeakyReLU', negative_slope=0.01),
                 bbox_coder: ConfigType = dict(
                     type='DeltaXYWHTGraspCoder', target_stds=(1.0, 1.0, 1.0, 1.0, 1.0)),
                 loss_refine: ConfigType = dict(
                     type='mmdet.SmoothL1Loss', beta=1.0, loss_weight=0.8),
                 train_cfg: OptConfigType = None,
                 init_cfg: OptMultiConfig = dict(
                     type='Normal', std=0.001, override=dict(name='fc_delta'))) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(roi_size) != 2 or min(roi_size) < 1:
            raise ValueError(f'roi_size must be (h, w) with positive sizes, got {roi_size}')
        self.roi_size = (int(roi_size[0]), int(roi_size[1]))
        self.crop_scale = crop_scale
        self.feat_stride = feat_stride
        self.fc_channels = tuple(fc_channels)
        self.norm_cfg = norm_cfg
        self.act_cfg = act_cfg
        self.roi_align = RoIAlignRotated(
            self.roi_size, spatial_scale=1.0 / feat_stride, sampling_ratio=2, aligned=True,
            clockwise=True)
        self._init_layers()
        self.bbox_coder = TASK_UTILS.build(bbox_coder)
        # the stds the deltas are trained and decoded with travel with the weights (checked in
        # _load_from_state_dict)
        self.register_buffer('coder_stds', torch.tensor(self.bbox_coder.stds, dtype=torch.float32))
        self.loss_refine = MODELS.build(loss_refine)
        train_cfg = dict(train_cfg or {})
        self.pos_iou_thr = float(train_cfg.get('pos_iou_thr', 0.25))
        self.pos_angle_thr = float(train_cfg.get('pos_angle_thr', 30.0))
        self.max_candidates = int(train_cfg.get('max_candidates', 64))

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs) -> None:
        """Refuse weights trained with other target stds than this head decodes with.

        A checkpoint from before the stds were recorded (2026-12-07) loads with a warning: it was
        trained with the stds of the config it was trained with, ``(0.1, 0.1, 0.2, 0.2, 0.05)``
        unless that config said otherwise.
        """
        key = prefix + 'coder_stds'
        mine = self.coder_stds
        if key in state_dict:
            saved = state_dict[key].to(mine)
            if saved.shape != mine.shape or not torch.allclose(saved, mine):
                raise ValueError(
                    f'refinement head {prefix.rstrip(".") or "(root)"}: the weights were trained '
                    f'with target_stds {tuple(round(v, 4) for v in saved.tolist())}, this model '
                    f'decodes with {tuple(round(v, 4) for v in mine.tolist())}; set the config\'s '
                    'refine_head.bbox_coder to the one the weights were trained with (e.g. '
                    'mmgrasp_bbox_coder of configs/_base_/models/grasp_refine_head.py for '
                    'target_stds (0.1, 0.1, 0.2, 0.2, 0.05))')
        else:
            state_dict = dict(state_dict)
            state_dict[key] = mine.clone()  # not a missing key: warned about here instead
            if any(k.startswith(prefix) for k in state_dict if k != key):
                warnings.warn(
                    f'refinement head {prefix.rstrip(".") or "(root)"}: the checkpoint does not '
                    'record the target stds it was trained with (saved before 2026-12-07, when '
                    'the default became unit stds); it decodes with '
                    f'{tuple(round(v, 4) for v in mine.tolist())}. Weights trained with '
                    "mmgrasp's earlier default need refine_head.bbox_coder=mmgrasp_bbox_coder "
                    '(docs/refinement_head.md)')
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)

    @property
    def input_size(self) -> Tuple[int, int]:
        """``(h, w)`` of each of the two input planes of the fc layers."""
        return self.roi_size

    def _init_layers(self) -> None:
        """Build the MLP for ``2 * h * w`` inputs, ``(h, w) = self.input_size``."""
        layers: List[nn.Module] = []
        in_features = 2 * self.input_size[0] * self.input_size[1]
        for width in self.fc_channels:
            layers.append(nn.Linear(in_features, width))
            if self.norm_cfg is not None:
                layers.append(build_norm_layer(self.norm_cfg, width)[1])
            layers.append(build_activation_layer(self.act_cfg))
            in_features = width
        self.mlp = nn.Sequential(*layers)
        self.fc_delta = nn.Linear(in_features, 5)

    @staticmethod
    def foreground_prob(seg_logits: Tensor) -> Tensor:
        """``(B, C, h, w)`` logits -> ``(B, 1, h, w)`` foreground probability ``1 - P(bg)``."""
        return 1.0 - seg_logits.softmax(dim=1)[:, :1]

    def build_input(self, fg_prob: Tensor, rois: Tensor) -> Tensor:
        """The two planes the fc layers see: the rotated crop and the area-pooled whole map.

        Args:
            fg_prob (Tensor): ``(B, 1, H/s, W/s)`` foreground probability.
            rois (Tensor): ``(K, 6)`` candidates ``(batch_idx, x, y, w, h, theta)`` in input
                pixels, ``K > 0``.

        Returns:
            Tensor: ``(K, 2, h, w)``, ``(h, w) = roi_size``.
        """
        boxes = rois.clone()
        boxes[:, 3:5] *= self.crop_scale
        crops = self.roi_align(fg_prob, boxes)  # (K, 1, h, w)
        # Area pooling, not bilinear: a thin object must not vanish between the samples.
        whole = F.adaptive_avg_pool2d(fg_prob, self.roi_size)  # (B, 1, h, w)
        whole = whole[rois[:, 0].long()]  # (K, 1, h, w)
        return torch.cat([crops, whole], dim=1)

    def forward(self, fg_prob: Tensor, rois: Tensor) -> Tensor:
        """Predict deltas for candidate grasps.

        Args:
            fg_prob (Tensor): ``(B, 1, H/s, W/s)`` foreground probability.
            rois (Tensor): ``(K, 6)`` candidates ``(batch_idx, x, y, w, h, theta)`` in input pixels.

        Returns:
            Tensor: ``(K, 5)`` deltas.
        """
        if rois.shape[0] == 0:
            return fg_prob.new_zeros(0, 5)
        x = self.build_input(fg_prob, rois).flatten(1)  # (K, 2 * h * w)
        if self.training and x.shape[0] == 1 and self.norm_cfg is not None:
            # BatchNorm cannot normalise one sample: run it on a copy pair, keep one.
            return self.fc_delta(self.mlp(x.expand(2, -1)))[:1]
        return self.fc_delta(self.mlp(x))

    # ------------------------------------------------------------------------------------------
    def _rois(self, candidates: List[InstanceData]) -> Tensor:
        rois = [torch.cat([c.bboxes.new_full((len(c), 1), i), c.bboxes], dim=1)
                for i, c in enumerate(candidates)]
        return torch.cat(rois, dim=0) if rois else torch.zeros(0, 6)

    def match(self, candidates: InstanceData, gt_grasps: Tensor) -> Tuple[Tensor, Tensor]:
        """Match candidates to ground-truth grasps by rotated IoU and angle (the metric's rule).

        Args:
            candidates (InstanceData): ``bboxes`` ``(K, 5)`` candidate grasps.
            gt_grasps (Tensor): ``(G, 5)`` ground-truth grasps.

        Returns:
            tuple: ``pos`` ``(K,)`` bool (IoU > ``pos_iou_thr`` and angle difference below
            ``pos_angle_thr`` degrees with some ground truth) and ``targets`` ``(K, 5)``, the
            matching ground truth of highest IoU of each candidate (any row where not ``pos``).
        """
        k = len(candidates)
        if k == 0 or len(gt_grasps) == 0:
            return (torch.zeros(k, dtype=torch.bool, device=gt_grasps.device),
                    gt_grasps.new_zeros(k, 5))
        pos, index = match_grasps(candidates.bboxes.detach(), gt_grasps, self.pos_iou_thr,
                                  self.pos_angle_thr)
        return pos, gt_grasps[index]

    def loss_targets(self, candidates: List[InstanceData],
                     batch_data_samples: SampleList) -> Tuple[Tensor, Tensor, Tensor]:
        """The candidates that enter the head and their matched targets.

        Per image the ``max_candidates`` best candidates (by score, best first) are kept and
        matched to the ground truth by the metric's rule (:meth:`match`). With a frozen detector
        and a pipeline that draws nothing at random, this and the probability map are all the
        head needs: ``tools/analysis_tools/refine_head_study.py`` computes them once (cached
        inputs) and trains the head with :meth:`loss_by_inputs` alone.

        Args:
            candidates (list[InstanceData]): Per image, ``bboxes`` ``(K_i, 5)`` candidate grasps
                in input pixels and ``scores``.
            batch_data_samples (list[DetDataSample]): With ``gt_instances.bboxes``
                (:class:`GraspBoxes`, ``(G, 5)``).

        Returns:
            tuple: ``rois`` ``(K, 6)`` ``(batch_idx, x, y, w, h, theta)``, ``pos`` ``(K,)`` bool
            and ``targets`` ``(K, 5)`` (the matched ground truth; any row where not ``pos``).
        """
        kept, pos_list, target_list = [], [], []
        for cand, sample in zip(candidates, batch_data_samples):
            # a stable sort: equal scores keep their order, so the cached inputs of
            # tools/analysis_tools/refine_head_study.py are these very rows
            order = torch.sort(cand.scores, descending=True, stable=True)[1]
            cand = cand[order[:self.max_candidates]]
            gts = get_box_tensor(sample.gt_instances.bboxes).reshape(-1, 5)
            pos, targets = self.match(cand, gts.to(cand.bboxes))
            kept.append(cand)
            pos_list.append(pos)
            target_list.append(targets)
        rois = self._rois(kept)
        pos = torch.cat(pos_list) if pos_list else torch.zeros(0, dtype=torch.bool)
        targets = torch.cat(target_list) if target_list else rois.new_zeros(0, 5)
        return rois, pos, targets.to(rois)

    def loss_by_inputs(self, fg_prob: Tensor, rois: Tensor, pos: Tensor, targets: Tensor,
                       **forward_kwargs) -> Dict[str, Tensor]:
        """Eq. 9 from the head's inputs: smooth-L1 between predicted and target deltas.

        The five terms of a matched candidate are summed (Eq. 9) and the sums averaged over the
        matched candidates of the batch. Every candidate goes through the fc layers (their norm
        layers see the whole batch); only the matched ones carry loss.

        Args:
            fg_prob (Tensor): ``(B, 1, H/s, W/s)`` foreground probability.
            rois (Tensor): ``(K, 6)`` candidates ``(batch_idx, x, y, w, h, theta)``.
            pos (Tensor): ``(K,)`` bool, the matched candidates.
            targets (Tensor): ``(K, 5)`` their matched ground-truth grasps.
            **forward_kwargs: Passed on to :meth:`forward` (e.g. a known ``coverage`` of the
                in-place form).

        Returns:
            dict: ``loss_refine`` and ``refine_pos_frac`` (not a loss: the fraction of matched
            candidates).
        """
        rois = rois.to(fg_prob)
        if rois.shape[0] == 0:
            # No candidate in the batch (early training): a zero loss that still touches every
            # parameter, so that DDP's gradient reduction sees them all.
            zero = sum(p.sum() for p in self.parameters()) * 0
            return dict(loss_refine=zero, refine_pos_frac=fg_prob.new_zeros(()))
        deltas = self(fg_prob, rois, **forward_kwargs)  # (K, 5)
        pos = pos.to(device=rois.device, dtype=torch.bool)
        if pos.any():
            target = self.bbox_coder.encode(rois[pos, 1:], targets.to(rois)[pos])
            # Eq. 9: the sum of the five terms, averaged over the matched candidates only.
            loss = self.loss_refine(deltas[pos], target, avg_factor=max(int(pos.sum()), 1))
        else:
            loss = deltas.sum() * 0
        frac = pos.float().mean()
        return dict(loss_refine=loss, refine_pos_frac=frac.detach())

    def loss(self, seg_logits: Tensor, candidates: List[InstanceData],
             batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """Eq. 9 for a batch: :meth:`loss_targets`, then :meth:`loss_by_inputs`.

        Args:
            seg_logits (Tensor): ``(B, C, H/s, W/s)`` semantic logits (detached by the caller
                if the segmentation branch should not learn from this loss).
            candidates (list[InstanceData]): Per image, ``bboxes`` ``(K_i, 5)`` candidate grasps
                in input pixels and ``scores``; the ``max_candidates`` best are used.
            batch_data_samples (list[DetDataSample]): With ``gt_instances.bboxes``
                (:class:`GraspBoxes`, ``(G, 5)``).

        Returns:
            dict: ``loss_refine`` and ``refine_pos_frac``.
        """
        rois, pos, targets = self.loss_targets(candidates, batch_data_samples)
        return self.loss_by_inputs(self.foreground_prob(seg_logits), rois.to(seg_logits), pos,
                                   targets)

    def predict(self, seg_logits: Tensor, candidates: List[InstanceData],
                batch_img_metas: List[dict]) -> List[InstanceData]:
        """Replace each candidate by its refined grasp; keep the candidate as ``bboxes_unrefined``.

        Args:
            seg_logits (Tensor): ``(B, C, H/s, W/s)`` semantic logits.
            candidates (list[InstanceData]): Per image, ``bboxes`` ``(K_i, 5)`` in input pixels,
                ``scores``, ``labels``.
            batch_img_metas (list[dict]): Image metas (``img_shape`` clamps the centres).

        Returns:
            list[InstanceData]: ``bboxes`` refined ``(K_i, 5)``, ``bboxes_unrefined``, ``scores``,
            ``labels`` (the bin of the refined angle).
        """
        rois = self._rois(candidates).to(seg_logits)
        deltas = self(self.foreground_prob(seg_logits), rois)
        results = []
        for i, (cand, meta) in enumerate(zip(candidates, batch_img_metas)):
            sel = rois[:, 0] == i
            refined = self.bbox_coder.decode(
                rois[sel, 1:], deltas[sel], max_shape=meta['img_shape'])
            out = InstanceData(
                bboxes=refined, bboxes_unrefined=cand.bboxes, scores=cand.scores,
                labels=angle_to_bin(refined[:, 4]))
            results.append(out)
        return results
