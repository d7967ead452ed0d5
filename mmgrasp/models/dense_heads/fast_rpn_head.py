# Copyright (c) mmgrasp contributors. All rights reserved.
"""mmdet's ``RPNHead`` with the same proposals, found without sorting every anchor."""
from typing import List, Tuple

import torch
from mmdet.models.dense_heads import RPNHead
from mmdet.structures.bbox import cat_boxes, empty_box_as, get_box_tensor, get_box_wh, scale_boxes
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor

from mmgrasp.registry import MODELS
from ..layers import prefix_batched_nms


def top_scores(scores: Tensor, k: int) -> Tuple[Tensor, Tensor]:
    """The ``k`` best scores and their indices, best first; equal scores in index order.

    mmdet's RPN sorts every anchor's score of a level (93 k on the stride-4 level of a 351 px
    input) to keep the first ``nms_pre``. ``topk`` finds them without the full sort. When the
    ``k + 1`` best scores are all different, the result is the full sort's, to the bit. With
    equal scores among them (a uniform image region gives equal anchors), the order of a
    non-stable sort among them is not defined; this function orders them by index (a stable
    sort's order), so its result is always the same for the same scores. A non-finite score
    takes torch's ``sort`` itself.

    Args:
        scores (Tensor): ``(N, )`` scores, ``k < N``.
        k (int): How many to keep.

    Returns:
        tuple: ``values`` ``(k, )`` descending and ``indices`` ``(k, )`` into ``scores``.
    """
    values, indices = scores.topk(k + 1)
    if not torch.isfinite(values).all():
        values, indices = scores.sort(descending=True)
        return values[:k], indices[:k]
    if bool((values[:-1] > values[1:]).all()):
        return values[:k], indices[:k]
    candidates = (scores >= values[k - 1]).nonzero(as_tuple=False).squeeze(1)
    order = scores[candidates].sort(descending=True, stable=True).indices[:k]
    return scores[candidates[order]], candidates[order]


@MODELS.register_module()
class FastRPNHead(RPNHead):
    """mmdet's ``RPNHead`` (same arguments, same training), faster proposals at inference.

    Two steps of mmdet's proposal decoding are replaced by ones with the same result:

    - the ``nms_pre`` best anchors of a level come from :func:`top_scores` (``topk``) instead of
      a sort of all anchors (:meth:`_predict_by_feat_single`);
    - the NMS across levels runs on the best-scoring candidates first and stops once
      ``max_per_img`` proposals survive (:func:`~mmgrasp.models.layers.prefix_batched_nms`,
      :meth:`_bbox_post_process`).

    Training runs mmdet's methods unchanged (the proposals that train the RoI head, and so every
    trained model, are mmdet's); the faster steps run in eval mode. There, with distinct scores
    the proposals are mmdet's, bit for bit
    (``tests/test_models/test_heads/test_fast_rpn_head.py``). Equal scores are frequent (float32
    sigmoid scores of 116 k anchors repeat, and a uniform image region gives equal anchors);
    mmdet orders them by non-stable sorts, so its choice among them is not defined. Here they
    are ranked by index, the same way every time (``ties='stable'`` of
    :func:`~mmgrasp.models.layers.prefix_batched_nms`). On a trained MobileNetV2 Detection model
    at 351 px the proposals take about a third of mmdet's time (``docs/speed.md``).
    """

    def _predict_by_feat_single(self,
                                cls_score_list: List[Tensor],
                                bbox_pred_list: List[Tensor],
                                score_factor_list: List[Tensor],
                                mlvl_priors: List[Tensor],
                                img_meta: dict,
                                cfg: ConfigDict,
                                rescale: bool = False,
                                with_nms: bool = True) -> InstanceData:
        """mmdet's method with :func:`top_scores` in place of the sort of every anchor.

        Args:
            cls_score_list (list[Tensor]): Per level ``(A * C, H, W)`` scores of one image.
            bbox_pred_list (list[Tensor]): Per level ``(A * 4, H, W)`` box deltas.
            score_factor_list (list[Tensor]): Not used (mmdet's interface).
            mlvl_priors (list[Tensor]): Per level ``(H * W * A, 4)`` anchors.
            img_meta (dict): Image meta information.
            cfg (ConfigDict): Test config (``nms_pre``, ``nms``, ``max_per_img``,
                ``min_bbox_size``).
            rescale (bool): Boxes in the original image. Defaults to False.
            with_nms (bool): Must be True (mmdet's RPN). Defaults to True.

        Returns:
            InstanceData: ``bboxes`` ``(K, 4)``, ``scores`` ``(K, )``, ``labels`` ``(K, )``.
        """
        if self.training:  # the proposals that train the RoI head: mmdet's own
            return super()._predict_by_feat_single(
                cls_score_list, bbox_pred_list, score_factor_list, mlvl_priors, img_meta, cfg,
                rescale, with_nms)
        cfg = self.test_cfg if cfg is None else cfg
        nms_pre = cfg.get('nms_pre', -1)
        reg_dim = self.bbox_coder.encode_size
        mlvl_bbox_preds, mlvl_valid_priors, mlvl_scores, level_ids = [], [], [], []
        for level_idx, (cls_score, bbox_pred, priors) in enumerate(
                zip(cls_score_list, bbox_pred_list, mlvl_priors)):
            assert cls_score.size()[-2:] == bbox_pred.size()[-2:]
            cls_score = cls_score.permute(1, 2, 0).reshape(-1, self.cls_out_channels)
            if self.use_sigmoid_cls:
                scores = cls_score.sigmoid()
            else:
                scores = cls_score.softmax(-1)[:, :-1]
            scores = torch.squeeze(scores)
            if 0 < nms_pre < scores.shape[0]:
                scores, topk_inds = top_scores(scores, nms_pre)
                # the deltas of the kept anchors only (mmdet permutes all of them first):
                # anchor i is (y, x, a) = (i // (W * A), i // A % W, i % A), A anchors a place
                num_anchors = bbox_pred.size(0) // reg_dim
                deltas = bbox_pred.reshape(num_anchors, reg_dim, -1)
                bbox_pred = deltas[topk_inds % num_anchors, :, topk_inds // num_anchors]
                priors = priors[topk_inds]
            else:
                bbox_pred = bbox_pred.permute(1, 2, 0).reshape(-1, reg_dim)
            mlvl_bbox_preds.append(bbox_pred)
            mlvl_valid_priors.append(priors)
            mlvl_scores.append(scores)
            level_ids.append(scores.new_full((scores.size(0), ), level_idx, dtype=torch.long))

        bboxes = self.bbox_coder.decode(
            cat_boxes(mlvl_valid_priors), torch.cat(mlvl_bbox_preds),
            max_shape=img_meta['img_shape'])
        results = InstanceData()
        results.bboxes = bboxes
        results.scores = torch.cat(mlvl_scores)
        results.level_ids = torch.cat(level_ids)
        return self._bbox_post_process(
            results=results, cfg=cfg, rescale=rescale, img_meta=img_meta)

    def _bbox_post_process(self,
                           results: InstanceData,
                           cfg: ConfigDict,
                           rescale: bool = False,
                           with_nms: bool = True,
                           img_meta: dict = None) -> InstanceData:
        """mmdet's method with :func:`prefix_batched_nms` in place of ``batched_nms``.

        mmdet runs NMS on every candidate and then keeps the first ``max_per_img``;
        :func:`prefix_batched_nms` returns those same first ``max_per_img``.

        Args:
            results (InstanceData): ``bboxes`` ``(N, 4)``, ``scores`` ``(N, )``, ``level_ids``.
            cfg (ConfigDict): Test config.
            rescale (bool): Boxes in the original image. Defaults to False.
            with_nms (bool): Must be True. Defaults to True.
            img_meta (dict, optional): Image meta information.

        Returns:
            InstanceData: ``bboxes``, ``scores`` and ``labels`` (all 0) of the proposals.
        """
        assert with_nms, '`with_nms` must be True in RPNHead'
        if self.training or cfg.max_per_img <= 0:  # (mmdet slices [:max_per_img] after NMS)
            return super()._bbox_post_process(results, cfg, rescale, with_nms, img_meta)
        if rescale:
            assert img_meta.get('scale_factor') is not None
            scale_factor = [1 / s for s in img_meta['scale_factor']]
            results.bboxes = scale_boxes(results.bboxes, scale_factor)
        if cfg.get('min_bbox_size', -1) >= 0:
            w, h = get_box_wh(results.bboxes)
            valid_mask = (w > cfg.min_bbox_size) & (h > cfg.min_bbox_size)
            if not valid_mask.all():
                results = results[valid_mask]
        if results.bboxes.numel() == 0:
            empty = InstanceData()
            empty.bboxes = empty_box_as(results.bboxes)
            empty.scores = results.scores.new_zeros(0)
            empty.labels = results.scores.new_zeros(0)
            return empty
        det_bboxes, keep_idxs = prefix_batched_nms(
            get_box_tensor(results.bboxes), results.scores, results.level_ids, cfg.nms,
            cfg.max_per_img, ties='stable')
        results = results[keep_idxs]
        results.scores = det_bboxes[:, -1]  # (an NMS may reweight the scores: mmdet's rule)
        results.labels = results.scores.new_zeros(len(results), dtype=torch.long)
        del results.level_ids
        return results
