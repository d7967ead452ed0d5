# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasp detection head: orientation classification + unrotated-frame box regression.

Paper IV-B (Eq. 3-7) and docs/conventions.md section 2. Each RoI is classified into
``num_classes=18`` orientation bins or "invalid" (mmdet's background slot: 19 logits), and
regresses one box per bin in the grasp's own unrotated frame. A decoded grasp is
``(cx, cy, bw, bh, bin_centre)`` (``test_cfg.rcnn.angle_decoding='local_mean'`` moves the angle
towards the neighbouring bins by their probabilities instead, see the class).

::

    RoIAlign 14x14 -> avg pool 2 -> 7x7 -> fc 1024 -> norm -> LeakyReLU
                                        -> fc 1024 -> norm -> LeakyReLU -> fc_cls (19)
                                                                       \\-> fc_reg (4 x 18)
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmdet.models.roi_heads.bbox_heads import BBoxHead
from mmdet.utils import ConfigType, OptMultiConfig
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor

from mmgrasp.models.layers import prefix_multiclass_nms
from mmgrasp.registry import MODELS
from mmgrasp.structures import bin_to_angle, hbox_to_grasp, local_mean_angles, neighbourhood_scores

ANGLE_DECODINGS = ('bin_centre', 'local_mean')
BIN_SCORES = ('bin', 'neighbourhood')


def angle_decoding_of(rcnn_test_cfg: ConfigDict) -> str:
    """``rcnn_test_cfg.angle_decoding`` (default ``'bin_centre'``), checked.

    Raises:
        ValueError: A value other than those in ``ANGLE_DECODINGS``.
    """
    decoding = rcnn_test_cfg.get('angle_decoding', 'bin_centre')
    if decoding not in ANGLE_DECODINGS:
        raise ValueError(f'test_cfg.rcnn.angle_decoding must be one of {ANGLE_DECODINGS}, '
                         f'got {decoding!r}')
    return decoding


def bin_score_of(rcnn_test_cfg: ConfigDict) -> str:
    """``rcnn_test_cfg.bin_score`` (default ``'bin'``), checked.

    Raises:
        ValueError: A value other than those in ``BIN_SCORES``.
    """
    score = rcnn_test_cfg.get('bin_score', 'bin')
    if score not in BIN_SCORES:
        raise ValueError(f'test_cfg.rcnn.bin_score must be one of {BIN_SCORES}, got {score!r}')
    return score


@MODELS.register_module()
class GraspBBoxHead(BBoxHead):
    """RoI head of the grasp detection branch (18 orientation bins + invalid).

    Training is mmdet's ``BBoxHead``: softmax cross-entropy over the 19 logits (Eq. 4) and
    class-specific smooth-L1 on the unrotated-frame box deltas (Eq. 5), against
    the unrotated-frame boxes and bins that ``GraspDetSeg.loss`` derives from the ground-truth
    grasps (:func:`mmgrasp.structures.detection_target_samples`).
    Prediction runs mmdet's class-wise NMS (one NMS per orientation bin, as the paper's code does),
    through :func:`~mmgrasp.models.layers.prefix_multiclass_nms` (mmdet's output, on the best
    candidates first), and returns rotated grasps ``(x, y, w, h, theta)``.

    ``theta`` is the bin centre (the paper's decoding, ``test_cfg.rcnn.angle_decoding=
    'bin_centre'``, the default), or with ``angle_decoding='local_mean'`` the mean angle of the
    bin and its two neighbours weighted by the RoI's probabilities of the three
    (:func:`mmgrasp.structures.local_mean_angles`): a grasp the classifier splits between two
    bins lands between their centres. Scores, labels (the bin whose score it is) and boxes are the
    same under both; only the angle moves, by less than one bin, so a detection's angle may lie in
    a neighbour of its label's bin.

    A detection's score is its bin's probability (``test_cfg.rcnn.bin_score='bin'``, the default),
    or with ``bin_score='neighbourhood'`` the bin's and its two neighbours' summed
    (:func:`mmgrasp.structures.neighbourhood_scores`), before the score threshold and the NMS:
    the ranking then asks "a grasp here, at about this angle" rather than "in exactly this bin".

    Args:
        roi_feat_size (int): Side of the RoIAlign output. Defaults to 14.
        pool_size (int): Average pooling applied to the RoI features before the fcs.
            Defaults to 2 (14x14 -> 7x7).
        in_channels (int): Channels of the RoI features. Defaults to 256.
        fc_out_channels (int): Width of the two shared fcs. Defaults to 1024.
        num_shared_fcs (int): Number of shared fcs. Defaults to 2.
        num_classes (int): Orientation bins over ``[0, pi)``. Defaults to 18.
        norm_cfg (dict): Norm after each fc (the paper's InPlaceABN ~ BN + LeakyReLU).
            Defaults to ``dict(type='BN1d')``.
        act_cfg (dict): Activation. Defaults to ``dict(type='LeakyReLU', negative_slope=0.01)``.
        **kwargs: ``bbox_coder``, ``loss_cls``, ``loss_bbox`` ... of mmdet's ``BBoxHead``.
    """

    def __init__(self,
                 roi_feat_size: int = 14,
                 pool_size: int = 2,
                 in_channels: int = 256,
                 fc_out_channels: int = 1024,
                 num_shared_fcs: int = 2,
                 num_classes: int = 18,
                 norm_cfg: ConfigType = dict(type='BN1d'),
                 act_cfg: ConfigType = dict(type='LeakyReLU', negative_slope=0.01),
                 init_cfg: OptMultiConfig = None,
                 **kwargs) -> None:
        if roi_feat_size % pool_size != 0:
            raise ValueError(f'roi_feat_size={roi_feat_size} must be a multiple of '
                             f'pool_size={pool_size}')
        self.pool_size = pool_size
        self.fc_out_channels = fc_out_channels
        # BBoxHead builds fc_cls / fc_reg on `in_channels * roi_feat_area` (with_avg_pool=False);
        # we build them on the last shared fc below.
        super().__init__(
            with_avg_pool=False,
            roi_feat_size=roi_feat_size,
            in_channels=in_channels,
            num_classes=num_classes,
            init_cfg=init_cfg,
            **kwargs)
        self.pool = nn.AvgPool2d(pool_size) if pool_size > 1 else nn.Identity()
        pooled = (roi_feat_size // pool_size)**2 * in_channels
        layers = []
        for i in range(num_shared_fcs):
            layers.append(nn.Linear(pooled if i == 0 else fc_out_channels, fc_out_channels))
            layers.append(build_norm_layer(norm_cfg, fc_out_channels)[1])
            layers.append(build_activation_layer(act_cfg))
        self.shared_fcs = nn.Sequential(*layers)
        last = fc_out_channels if num_shared_fcs > 0 else pooled
        cls_cfg = self.cls_predictor_cfg.copy()
        cls_cfg.update(in_features=last, out_features=num_classes + 1)
        self.fc_cls = MODELS.build(cls_cfg)
        reg_dim = self.bbox_coder.encode_size * (1 if self.reg_class_agnostic else num_classes)
        reg_cfg = self.reg_predictor_cfg.copy()
        reg_cfg.update(in_features=last, out_features=reg_dim)
        self.fc_reg = MODELS.build(reg_cfg)
        if init_cfg is None:  # Xavier for the shared fcs; fc_cls / fc_reg keep mmdet's Normal
            self.init_cfg = [dict(type='Xavier', distribution='uniform', layer='Linear')
                             ] + self.init_cfg

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """Classify and regress RoI features.

        Args:
            x (Tensor): ``(R, C, S, S)`` RoI features, ``S = roi_feat_size``.

        Returns:
            tuple: ``cls_score`` ``(R, num_classes + 1)`` and ``bbox_pred``
            ``(R, 4 * num_classes)``.
        """
        if x.numel() == 0:
            feats = x.new_zeros(0, self.fc_out_channels)
        else:
            feats = self.shared_fcs(self.pool(x).flatten(1))  # (R, 1024)
        return self.fc_cls(feats), self.fc_reg(feats)

    def _predict_by_feat_single(self,
                                roi: Tensor,
                                cls_score: Tensor,
                                bbox_pred: Tensor,
                                img_meta: dict,
                                rescale: bool = False,
                                rcnn_test_cfg: Optional[ConfigDict] = None) -> InstanceData:
        """Decode one image's RoI outputs into rotated grasps after class-wise NMS.

        Args:
            roi (Tensor): ``(R, 5)`` RoIs ``(batch_idx, x1, y1, x2, y2)``.
            cls_score (Tensor): ``(R, num_classes + 1)`` logits.
            bbox_pred (Tensor): ``(R, 4 * num_classes)`` deltas.
            img_meta (dict): Image meta information.
            rescale (bool): Map the grasps back to the original resolution with
                ``scale_factor``. Defaults to False.
            rcnn_test_cfg (ConfigDict, optional): ``score_thr``, ``nms``, ``max_per_img`` and
                optionally ``angle_decoding`` (``'bin_centre'``, default, or ``'local_mean'``)
                and ``bin_score`` (``'bin'``, default, or ``'neighbourhood'``).

        Returns:
            InstanceData: ``bboxes`` ``(K, 5)`` grasps ``(x, y, w, h, theta)``, ``scores`` ``(K,)``,
            ``labels`` ``(K,)`` orientation bins, sorted by score.
        """
        if rcnn_test_cfg is None:
            raise ValueError('GraspBBoxHead needs a test_cfg (score_thr, nms, max_per_img)')
        decoding = angle_decoding_of(rcnn_test_cfg)
        bin_score = bin_score_of(rcnn_test_cfg)
        if roi.size(0) == 0:
            results = super()._predict_by_feat_single(roi, cls_score, bbox_pred, img_meta,
                                                      rescale, rcnn_test_cfg)
            hboxes, scores, labels = results.bboxes.reshape(-1, 4), results.scores, results.labels
            inds = []  # nothing kept
        else:
            # mmdet's decoding without its NMS (its test_cfg=None path), then the same NMS run
            # on the best candidates first (prefix_multiclass_nms: mmdet's output, faster).
            raw = super()._predict_by_feat_single(roi, cls_score, bbox_pred, img_meta, rescale,
                                                  None)
            local_mean = decoding == 'local_mean'
            scores = raw.scores
            if bin_score == 'neighbourhood':  # (R, C + 1): the "invalid" column stays
                scores = torch.cat([neighbourhood_scores(scores[:, :-1]), scores[:, -1:]], dim=1)
            dets, labels, *inds = prefix_multiclass_nms(
                raw.bboxes, scores, rcnn_test_cfg.score_thr, rcnn_test_cfg.nms,
                rcnn_test_cfg.max_per_img, return_inds=local_mean)
            hboxes, scores = dets[:, :-1], dets[:, -1]
        if inds:  # local_mean: inds index the (R * C) flattened candidates
            theta = local_mean_angles(raw.scores[:, :-1]).reshape(-1)[inds[0]]
        else:
            theta = bin_to_angle(labels)
        grasps = hbox_to_grasp(hboxes, theta.to(hboxes))
        return InstanceData(bboxes=grasps, scores=scores, labels=labels)
