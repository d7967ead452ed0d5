# Copyright (c) mmgrasp contributors. All rights reserved.
"""Test-time augmentation for grasps: the views of one image vote for each grasp."""
import math
from typing import List

import torch
from mmdet.models.test_time_augs import DetTTAModel
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData
from torch import Tensor

from mmgrasp.registry import MODELS
from mmgrasp.structures import angle_diff, angle_to_bin, grasp_iou


@MODELS.register_module()
class GraspTTAModel(DetTTAModel):
    """Merge the grasps that several views of one image predict (flips, quarter turns).

    mmdet's :class:`DetTTAModel` flips each view's axis-aligned boxes back and keeps the union
    after NMS, so a grasp seen in one view only can win. Grasps differ in two ways, and this
    class overrides the one method where they matter, :meth:`_merge_single_sample`:

    - nothing has to be undone: the grasp detector maps each view's grasps to the original image
      through the view's ``homography_matrix`` (:func:`mmgrasp.structures.grasps_to_original`),
      flips and rotations included;
    - the views **vote**: a grasp's merged score is the mean over the ``V`` views of the best
      score each view gives a grasp that matches it (rotated IoU above ``iou_thr`` and angle
      difference below ``angle_thr`` degrees; 0 for a view with none), so the top grasp is the
      one the views agree on. Grasps are then kept greedily by merged score, each suppressing the
      grasps that match it, up to ``max_per_img``. A grasp keeps its own rectangle (no
      averaging: the detection branch's angles are bin centres, or with the local-mean decoding
      already between them, which averaging would blur) and
      its label becomes the bin of its angle in the original image.

    Per-instance fields other than ``bboxes``, ``scores`` and ``labels`` (e.g.
    ``bboxes_unrefined``) follow their grasp; ``pred_sem_seg`` is the first view's (list the
    identity view first).

    Args:
        tta_cfg (dict): ``iou_thr`` (default 0.5), ``angle_thr`` (degrees, default 15),
            ``per_view`` (best grasps of each view that vote, default 20) and ``max_per_img``
            (default 100).
        **kwargs: ``module`` (the detector) and the rest of :class:`BaseTTAModel`'s arguments.
    """

    def __init__(self, tta_cfg: dict = None, **kwargs) -> None:
        cfg = dict(iou_thr=0.5, angle_thr=15.0, per_view=20, max_per_img=100)
        cfg.update(tta_cfg or {})
        unknown = set(cfg) - {'iou_thr', 'angle_thr', 'per_view', 'max_per_img'}
        if unknown:
            raise ValueError(f'GraspTTAModel: unknown tta_cfg keys {sorted(unknown)}')
        if not 0 <= cfg['iou_thr'] < 1 or not 0 < cfg['angle_thr'] <= 90:
            raise ValueError(f'GraspTTAModel: iou_thr must be in [0, 1) and angle_thr in '
                             f'(0, 90], got {cfg["iou_thr"]} and {cfg["angle_thr"]}')
        if cfg['per_view'] < 1 or cfg['max_per_img'] < 1:
            raise ValueError('GraspTTAModel: per_view and max_per_img must be >= 1')
        super().__init__(tta_cfg=cfg, **kwargs)

    def _merge_single_sample(self, data_samples: List[DetDataSample]) -> DetDataSample:
        """One prediction from the ``V`` views of one image (see the class docstring).

        Args:
            data_samples (list[DetDataSample]): The views' predictions, each with
                ``pred_instances.bboxes`` ``(N_v, 5)`` in original-image pixels and ``scores``
                ``(N_v,)``.

        Returns:
            DetDataSample: The first view's sample with the merged ``pred_instances``:
            ``bboxes`` ``(K, 5)``, ``scores`` ``(K,)`` (the views' mean), ``labels`` ``(K,)``.
        """
        cfg = self.tta_cfg
        num_views = len(data_samples)
        keys = set.intersection(*(set(s.pred_instances.keys()) for s in data_samples))
        parts, view_ids = [], []
        for v, sample in enumerate(data_samples):
            inst = sample.pred_instances
            order = inst.scores.argsort(descending=True)[:cfg['per_view']]
            parts.append(inst[order])
            view_ids.append(torch.full((len(order), ), v, dtype=torch.long,
                                       device=inst.scores.device))
        pool = InstanceData.cat([_select(p, keys) for p in parts])
        merged = data_samples[0]
        if len(pool) == 0:
            return merged
        views = torch.cat(view_ids)
        grasps = pool.bboxes.float()
        match = (grasp_iou(grasps, grasps) > cfg['iou_thr']) & (
            angle_diff(grasps[:, None, 4], grasps[None, :, 4]) < math.radians(cfg['angle_thr']))
        match |= torch.eye(len(grasps), dtype=torch.bool, device=grasps.device)
        votes = _votes(match, pool.scores.float(), views, num_views)  # (M,)
        keep = _greedy_keep(votes, match, cfg['max_per_img'])
        result = pool[keep]
        result.scores = votes[keep]
        result.labels = angle_to_bin(result.bboxes[:, 4])
        merged.pred_instances = result
        return merged


def _select(inst: InstanceData, keys: set) -> InstanceData:
    """``inst`` with only the fields in ``keys`` (those every view has)."""
    out = InstanceData(metainfo=inst.metainfo)
    for key in keys:
        out.set_field(inst.get(key), key)
    return out


def _votes(match: Tensor, scores: Tensor, views: Tensor, num_views: int) -> Tensor:
    """Mean over the views of each view's best score among the grasps that match.

    Args:
        match (Tensor): ``(M, M)`` bool, ``match[i, j]``: grasp ``j`` matches grasp ``i``.
        scores (Tensor): ``(M,)`` scores.
        views (Tensor): ``(M,)`` the view of each grasp.
        num_views (int): ``V``.

    Returns:
        Tensor: ``(M,)`` merged scores in ``[0, 1]`` for scores in ``[0, 1]``.
    """
    best = scores.new_zeros(match.shape[0], num_views)
    masked = torch.where(match, scores[None, :], scores.new_zeros(()))  # (M, M)
    index = views[None, :].expand_as(masked)
    best.scatter_reduce_(1, index, masked, reduce='amax')
    return best.sum(dim=1) / num_views


def _greedy_keep(votes: Tensor, match: Tensor, max_keep: int) -> Tensor:
    """Indices kept by descending ``votes``, each suppressing the grasps that match it.

    Ties keep the earlier grasp (the first view's, then the higher single-view score).
    """
    order = torch.sort(votes, descending=True, stable=True).indices
    suppressed = torch.zeros_like(votes, dtype=torch.bool)
    keep = []
    for i in order.tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        if len(keep) == max_keep:
            break
        suppressed |= match[i]
    return torch.tensor(keep, dtype=torch.long, device=votes.device)
