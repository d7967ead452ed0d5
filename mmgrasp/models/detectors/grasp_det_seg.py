# Copyright (c) mmgrasp contributors. All rights reserved.
"""The paper's network: one two-stage detector with optional semantic and refinement heads.

Reference: S. Ainetter and F. Fraundorfer, "End-to-end Trainable Deep Neural Network for Robotic
Grasp Detection and Semantic Segmentation from RGB", ICRA 2021 (arXiv 2107.05287), sections IV-V.
The three variants of the paper are three configs of this class:

- Detection: ``semantic_head=None, refine_head=None``;
- Det_Seg: a ``semantic_head``;
- Det_Seg_Refine: a ``semantic_head`` and a ``refine_head``.

The attachment of the semantic head follows mmdet's ``TwoStagePanopticSegmentor``.
"""
import copy
from typing import Dict, List, Optional, Tuple

import torch
from mmdet.models.detectors import TwoStageDetector
from mmdet.structures import SampleList
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from mmengine.structures import InstanceData, PixelData
from torch import Tensor

from mmgrasp.models.utils import channel_argmax, check_network_inputs, check_pretrained_files
from mmgrasp.registry import MODELS
from mmgrasp.structures import class_agnostic_samples, detection_target_samples, grasps_to_original


@MODELS.register_module()
class GraspDetSeg(TwoStageDetector):
    """Grasp detection (RPN + grasp RoI head), semantic segmentation and grasp refinement.

    Losses: ``rpn_loss_cls``, ``rpn_loss_bbox``, ``loss_cls``, ``loss_bbox`` (grasp head),
    ``loss_seg`` (semantic head) and ``loss_refine`` (refinement head); their weights
    (``lambda_grasp``, ``lambda_sem``, ``lambda_refine``) are the ``loss_weight`` of each loss
    config.

    Predictions (``pred_instances``): ``bboxes`` ``(K, 5)`` rotated grasps ``(x, y, w, h, theta)``
    at the original image resolution, ``scores``, ``labels`` (orientation bins) and, with a
    refinement head, ``bboxes_unrefined``; ``pred_sem_seg.sem_seg`` ``(1, H, W)`` class ids.

    Args:
        backbone, neck, rpn_head, roi_head (dict): As in mmdet's ``TwoStageDetector``.
        semantic_head (dict, optional): E.g. ``MiniDeepLabHead``. Defaults to None.
        refine_head (dict, optional): ``GraspRefineHead``; needs a semantic head.
            Defaults to None.
        train_cfg (dict): ``rpn``, ``rpn_proposal``, ``rcnn`` as in mmdet, and ``refine``
            (``num_proposals``: proposals per image the candidates are drawn from during
            training; ``detach_seg``: whether the refinement loss leaves the segmentation
            branch untouched, default True).
        test_cfg (dict): ``rpn`` and ``rcnn`` as in mmdet.
    """

    def __init__(self,
                 backbone: ConfigType,
                 neck: ConfigType,
                 rpn_head: ConfigType,
                 roi_head: ConfigType,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 semantic_head: OptConfigType = None,
                 refine_head: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            backbone=backbone,
            neck=neck,
            rpn_head=rpn_head,
            roi_head=roi_head,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        if refine_head is not None and semantic_head is None:
            raise ValueError('refine_head crops the semantic probability map: it needs a '
                             'semantic_head (Det_Seg_Refine)')
        if semantic_head is not None:
            self.semantic_head = MODELS.build(semantic_head)
        if refine_head is not None:
            refine_head = copy.deepcopy(refine_head)
            if train_cfg is not None and 'refine' in train_cfg:
                refine_head.setdefault('train_cfg', train_cfg['refine'])
            self.refine_head = MODELS.build(refine_head)
        refine_cfg = (train_cfg or {}).get('refine', {}) or {}
        self.refine_num_proposals = int(refine_cfg.get('num_proposals', 300))
        self.refine_detach_seg = bool(refine_cfg.get('detach_seg', True))

    def init_weights(self) -> None:
        """Initialise the weights; first, fail with the command that fetches them if a local
        ``Pretrained`` checkpoint is missing
        (:func:`~mmgrasp.models.utils.check_pretrained_files`)."""
        check_pretrained_files(self)
        super().init_weights()

    @property
    def with_semantic_head(self) -> bool:
        """bool: whether the detector has a semantic head."""
        return getattr(self, 'semantic_head', None) is not None

    @property
    def with_refine_head(self) -> bool:
        """bool: whether the detector has a grasp refinement head."""
        return getattr(self, 'refine_head', None) is not None

    # ------------------------------------------------------------------------------------------
    def loss(self, batch_inputs: Tensor, batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """Losses of all branches from one backbone pass.

        Args:
            batch_inputs (Tensor): ``(B, 3, H, W)`` normalised images.
            batch_data_samples (list[DetDataSample]): ``gt_instances`` (``bboxes``
                :class:`GraspBoxes` ``(N, 5)``, ``labels`` object classes), ``ignored_instances``
                likewise, and ``gt_sem_seg`` with a semantic head.

        Returns:
            dict: Loss components (and ``acc``, ``refine_pos_frac`` for the log).
        """
        x = self.extract_feat(batch_inputs)
        losses: Dict[str, Tensor] = {}
        # The grasps' detection targets (unrotated-frame boxes, bins), derived here and not
        # stored in the samples (mmgrasp/structures/grasp_detection_targets.py).
        num_bins = self.roi_head.bbox_head.num_classes
        det_samples = detection_target_samples(batch_data_samples, num_bins)
        rpn_samples = class_agnostic_samples(det_samples)

        proposal_cfg = self.train_cfg.get('rpn_proposal', self.test_cfg.rpn)
        rpn_losses, rpn_results_list = self.rpn_head.loss_and_predict(
            x, rpn_samples, proposal_cfg=proposal_cfg)
        for key in list(rpn_losses):  # mmdet's loss_rpn_cls -> rpn_loss_cls, loss_x -> rpn_loss_x
            if key.startswith('loss_'):
                rpn_losses['rpn_' + key.replace('loss_rpn_', 'loss_')] = rpn_losses.pop(key)
        losses.update(rpn_losses)
        losses.update(self.roi_head.loss(x, rpn_results_list, det_samples))

        if self.with_semantic_head:
            seg_logits = self.semantic_head(x)['seg_preds']  # (B, C, H/4, W/4)
            losses.update(self.semantic_head.loss_by_feat(seg_logits, batch_data_samples))
            if self.with_refine_head:
                candidates = self._training_candidates(x, rpn_results_list, det_samples)
                seg_in = seg_logits.detach() if self.refine_detach_seg else seg_logits
                losses.update(self.refine_head.loss(seg_in, candidates, batch_data_samples))
        return losses

    @torch.no_grad()
    def _training_candidates(self, x, rpn_results_list: List[InstanceData],
                             batch_data_samples: SampleList) -> List[InstanceData]:
        """The grasp head's current detections (no gradient), as refinement candidates."""
        proposals = []
        for res in rpn_results_list:
            # StandardRoIHead.loss renamed the proposals' `bboxes` to `priors` in place.
            boxes = res.bboxes if 'bboxes' in res else res.priors
            order = res.scores.argsort(descending=True)[:self.refine_num_proposals]
            proposals.append(InstanceData(bboxes=boxes[order], scores=res.scores[order]))
        was_training = self.roi_head.training
        self.roi_head.eval()  # predict with BN running statistics, not the batch's
        try:
            cands = self.roi_head.predict(x, proposals, batch_data_samples, rescale=False)
        finally:
            self.roi_head.train(was_training)
        return cands

    @torch.no_grad()
    def refine_inputs(self, batch_inputs: Tensor, batch_data_samples: SampleList,
                      training: bool = True) -> Tuple[Tensor, List[InstanceData]]:
        """What the refinement head reads, from the frozen stages before it.

        With ``training=True``, the very candidates :meth:`loss` gives the head (the RPN's
        ``rpn_proposal`` proposals, the best ``num_proposals`` of them, the grasp head's
        detections); with ``training=False``, those of :meth:`predict` (the ``test_cfg``
        proposals). Call it with the model in eval mode, as a frozen fine-tuning runs the stages
        before the head (``FreezeAllButRefineHook``): the inputs are then a pure function of the
        image, and ``tools/analysis_tools/refine_head_study.py`` computes them once.

        Args:
            batch_inputs (Tensor): ``(B, 3, H, W)`` normalised images.
            batch_data_samples (list[DetDataSample]): Samples with metainfo.
            training (bool): The candidates of training (True) or of inference (False).

        Returns:
            tuple: ``fg_prob`` ``(B, 1, H/4, W/4)`` foreground probability and, per image,
            ``InstanceData`` candidates (``bboxes`` ``(K_i, 5)`` in input pixels, ``scores``,
            ``labels``).
        """
        if not (self.with_semantic_head and self.with_refine_head):
            raise ValueError('refine_inputs needs a Det_Seg_Refine model (semantic and '
                             'refinement heads)')
        x = self.extract_feat(batch_inputs)
        if training:
            metas = [s.metainfo for s in batch_data_samples]
            proposal_cfg = self.train_cfg.get('rpn_proposal', self.test_cfg.rpn)
            # mmdet's loss_and_predict: predict_by_feat on the RPN's outputs with proposal_cfg
            rpn_results_list = self.rpn_head.predict_by_feat(
                *self.rpn_head(x), batch_img_metas=metas, cfg=proposal_cfg)
            candidates = self._training_candidates(x, rpn_results_list, batch_data_samples)
        else:
            rpn_results_list = self.rpn_head.predict(x, batch_data_samples, rescale=False)
            candidates = self.roi_head.predict(x, rpn_results_list, batch_data_samples,
                                               rescale=False)
        seg_logits = self.semantic_head(x)['seg_preds']
        return self.refine_head.foreground_prob(seg_logits), candidates

    def test_step(self, data: dict) -> SampleList:
        """mmengine's ``test_step``, after :func:`~mmgrasp.models.utils.check_network_inputs`:
        an image that is not a uint8-like BGR image or is smaller than 32 px a side is refused
        with a message naming it, one above 4.2 Mpx warns (docs/inference.md)."""
        check_network_inputs(data)
        return super().test_step(data)

    def predict(self, batch_inputs: Tensor, batch_data_samples: SampleList,
                rescale: bool = True) -> SampleList:
        """Grasps (refined when a refinement head exists) and semantic segmentation.

        Args:
            batch_inputs (Tensor): ``(B, 3, H, W)`` normalised images.
            batch_data_samples (list[DetDataSample]): Samples with metainfo.
            rescale (bool): Return results at the original image resolution. Defaults to True.

        Returns:
            list[DetDataSample]: With ``pred_instances`` and, with a semantic head,
            ``pred_sem_seg``.
        """
        x = self.extract_feat(batch_inputs)
        batch_img_metas = [s.metainfo for s in batch_data_samples]
        if batch_data_samples[0].get('proposals', None) is None:
            rpn_results_list = self.rpn_head.predict(x, batch_data_samples, rescale=False)
        else:
            rpn_results_list = [s.proposals for s in batch_data_samples]
        results = self.roi_head.predict(x, rpn_results_list, batch_data_samples, rescale=False)

        if self.with_semantic_head:
            seg_logits = self.semantic_head(x)['seg_preds']
            if self.with_refine_head:
                results = self.refine_head.predict(seg_logits, results, batch_img_metas)
            seg_maps = self.semantic_head.predict_by_feat(seg_logits, batch_img_metas, rescale)
            for sample, logits in zip(batch_data_samples, seg_maps):
                sample.pred_sem_seg = PixelData(sem_seg=channel_argmax(logits))

        for sample, res in zip(batch_data_samples, results):
            if rescale and len(res) > 0:  # undo the pipeline's resize and crop
                for key in ('bboxes', 'bboxes_unrefined'):
                    if key in res:
                        res[key] = grasps_to_original(res[key], sample.metainfo)
            sample.pred_instances = res
        return batch_data_samples

    def _forward(self, batch_inputs: Tensor, batch_data_samples: Optional[SampleList] = None):
        """Tensor mode: raw outputs of the RoI head and, if present, the semantic logits."""
        x = self.extract_feat(batch_inputs)
        rpn_results_list = self.rpn_head.predict(x, batch_data_samples, rescale=False)
        results = (self.roi_head.forward(x, rpn_results_list, batch_data_samples), )
        if self.with_semantic_head:
            results = results + (self.semantic_head(x)['seg_preds'], )
        return results
