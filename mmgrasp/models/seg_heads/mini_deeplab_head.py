# Copyright (c) mmgrasp contributors. All rights reserved.
"""Semantic segmentation branch: a Mini-DeepLab per FPN level (paper IV-C; docs/conventions.md
section 3).

::

    P2 -> MiniDeepLab --------------------\\
    P3 -> MiniDeepLab -> upsample to P2 ---\\
    P4 -> MiniDeepLab -> upsample to P2 ----> concat -> 1x1 conv -> logits at 1/4 of the input
    P5 -> MiniDeepLab -> upsample to P2 ---/
"""
from typing import Dict, List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.models.seg_heads.base_semantic_head import BaseSemanticHead
from mmdet.structures import SampleList
from mmdet.utils import ConfigType, OptMultiConfig
from torch import Tensor

from mmgrasp.registry import MODELS
from ..layers import MiniDeepLab
from ..utils import warp_to_original


@MODELS.register_module()
class MiniDeepLabHead(BaseSemanticHead):
    """Mini-DeepLab semantic head with hard-pixel-mined cross-entropy (Eq. 8).

    Args:
        num_classes (int): Semantic classes (Jacquard 2, OCID_grasp 32).
        in_channels (int): FPN channels. Defaults to 256.
        channels (int): Channels of each Mini-DeepLab. Defaults to 128.
        num_levels (int): FPN levels used, from P2 up. Defaults to 4 (P2-P5).
        dilation (int): Dilation of the dilated branch. Defaults to 6.
        pool_size (int): Local average pool window. Defaults to 64.
        norm_cfg (dict): Norm layer. Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation. Defaults to LeakyReLU(0.01).
        loss_seg (dict): The loss; its ``loss_weight`` is the paper's ``lambda_sem``.
            Defaults to ``HardPixelCrossEntropyLoss(top_ratio=0.25)``.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int = 256,
                 channels: int = 128,
                 num_levels: int = 4,
                 dilation: int = 6,
                 pool_size: int = 64,
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='LeakyReLU', negative_slope=0.01),
                 loss_seg: ConfigType = dict(
                     type='HardPixelCrossEntropyLoss', top_ratio=0.25, ignore_index=255,
                     loss_weight=1.0),
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(num_classes=num_classes, loss_seg=loss_seg, init_cfg=init_cfg)
        self.num_levels = num_levels
        self.levels = nn.ModuleList([
            MiniDeepLab(in_channels, channels, dilation, pool_size, norm_cfg, act_cfg)
            for _ in range(num_levels)
        ])
        self.conv_seg = nn.Conv2d(num_levels * channels, num_classes, 1)

    def forward(self, x: Tuple[Tensor]) -> Dict[str, Tensor]:
        """Args: x (tuple[Tensor]): FPN maps, ``x[0]`` is P2 ``(B, C, H/4, W/4)``.

        Returns:
            dict: ``seg_preds`` ``(B, num_classes, H/4, W/4)`` logits and ``seg_feats``
            ``(B, num_levels * channels, H/4, W/4)``.
        """
        if len(x) < self.num_levels:
            raise ValueError(f'MiniDeepLabHead needs {self.num_levels} FPN levels, got {len(x)}')
        size = x[0].shape[-2:]
        feats = []
        for level, module in zip(x[:self.num_levels], self.levels):
            y = module(level)
            if y.shape[-2:] != size:
                y = F.interpolate(y, size=size, mode='bilinear', align_corners=False)
            feats.append(y)
        seg_feats = torch.cat(feats, dim=1)
        return dict(seg_preds=self.conv_seg(seg_feats), seg_feats=seg_feats)

    def loss(self, x: Tuple[Tensor], batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """Hard-pixel-mined cross-entropy of the head's prediction from FPN maps ``x``.

        Args:
            x (tuple[Tensor]): FPN maps.
            batch_data_samples (list[DetDataSample]): With ``gt_sem_seg.sem_seg`` ``(1, H, W)``.

        Returns:
            dict: ``loss_seg``.
        """
        return self.loss_by_feat(self(x)['seg_preds'], batch_data_samples)

    def loss_by_feat(self, seg_preds: Tensor,
                     batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """Hard-pixel-mined cross-entropy at the resolution of the (padded) labels.

        The detector calls this with the logits it also hands to the refinement head, so the
        head runs once per step.

        Args:
            seg_preds (Tensor): ``(B, num_classes, H/4, W/4)`` logits.
            batch_data_samples (list[DetDataSample]): With ``gt_sem_seg.sem_seg`` ``(1, H, W)``,
                padded to the batch shape (``pad_seg=True, seg_pad_value=255``).

        Returns:
            dict: ``loss_seg``.
        """
        labels = self.stack_labels(batch_data_samples)  # (B, H, W)
        self.check_labels(labels, seg_preds.shape[1])
        seg_preds = F.interpolate(seg_preds, size=labels.shape[-2:], mode='bilinear',
                                  align_corners=False)
        return dict(loss_seg=self.loss_seg(seg_preds, labels))

    @staticmethod
    def check_labels(labels: Tensor, num_classes: int, ignore_index: int = 255) -> None:
        """Raise a clear error when a mask holds a class id the head cannot predict.

        Without it, the cross-entropy fails deep in torch ("Target k is out of bounds"), which
        does not say that the config's class count and the dataset's disagree.

        Args:
            labels (Tensor): ``(B, H, W)`` class ids, ``ignore_index`` for unlabelled pixels.
            num_classes (int): The head's classes.
            ignore_index (int): The unlabelled value. Defaults to 255.
        """
        valid = labels[labels != ignore_index]
        if valid.numel() and int(valid.max()) >= num_classes:
            raise ValueError(f'a mask holds class id {int(valid.max())}, but the semantic head '
                             f'predicts {num_classes} classes: set model.semantic_head.num_classes'
                             ' to 1 + the number of object classes of the dataset (its '
                             'sem_classes, background included)')

    def predict(self, x: Tuple[Tensor], batch_img_metas: List[dict],
                rescale: bool = False) -> List[Tensor]:
        """Per-image logits from FPN maps ``x`` (see :meth:`predict_by_feat`)."""
        return self.predict_by_feat(self(x)['seg_preds'], batch_img_metas, rescale)

    def predict_by_feat(self, seg_preds: Tensor, batch_img_metas: List[dict],
                        rescale: bool = False) -> List[Tensor]:
        """Logits at 1/4 -> per-image logits at the input or the original resolution.

        Unlike mmdet's ``BaseSemanticHead.predict`` (a resize to ``ori_shape``), ``rescale``
        warps each map back through the pipeline's ``homography_matrix``
        (:func:`~mmgrasp.models.utils.warp_to_original`), so a crop, shift or rotation is
        undone, not stretched; pixels the network did not see get logits 0.

        Args:
            seg_preds (Tensor): ``(B, num_classes, H/4, W/4)`` logits of the padded batch.
            batch_img_metas (list[dict]): ``batch_input_shape``, ``img_shape`` and, for
                ``rescale``, ``ori_shape`` and ``homography_matrix`` / ``scale_factor``.
            rescale (bool): Map to the original image. Defaults to False.

        Returns:
            list[Tensor]: ``(num_classes, h, w)`` logits per image, ``(h, w)`` its
            ``img_shape`` (``ori_shape`` with ``rescale``).
        """
        pad_h, pad_w = batch_img_metas[0]['batch_input_shape']
        up = F.interpolate(seg_preds, size=(pad_h, pad_w), mode='bilinear', align_corners=False)
        maps = []
        for i, meta in enumerate(batch_img_metas):
            h, w = meta['img_shape'][:2]
            logits = up[i:i + 1, :, :h, :w]  # (1, C, h, w)
            if rescale:
                logits = warp_to_original(logits, meta)
            maps.append(logits[0])
        return maps

    @staticmethod
    def stack_labels(batch_data_samples: SampleList) -> Tensor:
        """Stack the samples' ``gt_sem_seg`` into ``(B, H, W)`` int64, padding with 255."""
        maps: List[Tensor] = []
        for sample in batch_data_samples:
            if 'gt_sem_seg' not in sample:
                raise ValueError('The semantic head needs gt_sem_seg in every training sample '
                                 f'({sample.metainfo.get("img_path")} has none): use a dataset '
                                 'with masks, or a detection-only config')
            maps.append(sample.gt_sem_seg.sem_seg[0].long())
        h = max(m.shape[0] for m in maps)
        w = max(m.shape[1] for m in maps)
        return torch.stack([F.pad(m, (0, w - m.shape[1], 0, h - m.shape[0]), value=255)
                            for m in maps])
