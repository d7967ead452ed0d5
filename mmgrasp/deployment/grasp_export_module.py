# Copyright (c) mmgrasp contributors. All rights reserved.
"""The detector's test path as one traceable module, for ONNX export.

:class:`GraspExportModule` computes, from a normalised image of a fixed padded size, what
:meth:`GraspDetSeg.predict` computes before its ``rescale`` step: the RPN proposals (mmdet's
``RPNHead`` decoding, per-level top-k, minimum size, NMS), the RoI features (mmdet's
``SingleRoIExtractor`` level mapping, RoIAlign), the grasp head's class-wise NMS over the
orientation bins (mmdet's ``multiclass_nms``) and the semantic logits. Every step is written with
operators that ONNX has (``TopK``, ``NonMaxSuppression`` through
:func:`traced_batched_nms`, ``RoiAlign`` through :func:`torchvision.ops.roi_align`),
so the exported graph needs no custom operator library; the anchors are constants of the export
size. The image's own size (``img_shape``, before padding) is an input, as the decoders clip to
it.

What stays in Python, in :class:`~mmgrasp.deployment.ORTGraspDetector`: the normalisation
(the config's data preprocessor), the map back to the original image and the semantic map's
resize. The refinement head's rotated RoIAlign (mmcv's ``RoIAlignRotated``, which has no ONNX
operator) is exported as ``GridSample`` (:func:`~mmgrasp.models.utils.roi_align_rotated_grid`);
the in-place form is not exported yet.
"""
from typing import Tuple

import torch
from mmdet.models.task_modules.coders.delta_xywh_bbox_coder import delta2bbox
from torch import Tensor, nn
from torchvision.ops import nms, roi_align

from mmgrasp.models.roi_heads.bbox_heads.grasp_bbox_head import angle_decoding_of, bin_score_of
from mmgrasp.models.task_modules.coders.delta_xywht_grasp_coder import delta2grasp
from mmgrasp.models.utils import roi_align_rotated_grid
from mmgrasp.structures import (angle_to_bin, bin_to_angle, hbox_to_grasp, local_mean_angles,
                                neighbourhood_scores)


def _clip(boxes: Tensor, img_hw: Tensor) -> Tensor:
    """Clamp ``(N, 4)`` boxes to ``[0, w] x [0, h]``; ``img_hw`` is ``(2,)`` float."""
    x = boxes[:, 0::2].clamp(min=0)
    y = boxes[:, 1::2].clamp(min=0)
    x = torch.min(x, img_hw[1].expand_as(x))
    y = torch.min(y, img_hw[0].expand_as(y))
    return torch.stack([x[:, 0], y[:, 0], x[:, 1], y[:, 1]], dim=1)


def _decode(coder, priors: Tensor, deltas: Tensor, img_hw: Tensor) -> Tensor:
    """mmdet's ``DeltaXYWHBBoxCoder.decode`` with the clip to a tensor image size."""
    boxes = delta2bbox(priors, deltas, coder.means, coder.stds, max_shape=None,
                       wh_ratio_clip=16 / 1000, clip_border=False,  # decode()'s default
                       add_ctr_clamp=coder.add_ctr_clamp, ctr_clamp=coder.ctr_clamp)
    return _clip(boxes, img_hw) if coder.clip_border else boxes


def traced_batched_nms(boxes: Tensor, scores: Tensor, idxs: Tensor,
                       iou_threshold: float) -> Tensor:
    """:func:`torchvision.ops.batched_nms` (mmcv's offset trick: each group's boxes shifted by
    ``group * (max coordinate + 1)``), written to be traced.

    torchvision's own version is scripted when traced (``_script_if_tracing``, for its empty-input
    branch) and exports as an ONNX ``If`` whose branches lose the boxes' shape, which OpenVINO's
    ``NonMaxSuppression`` refuses. Here the maximum is taken over the boxes and a zero, so empty
    input needs no branch; the boxes reaching NMS are clipped to the image (coordinates >= 0),
    where this is the same maximum and the same shifted boxes, so the same decisions.

    Args:
        boxes (Tensor): ``(N, 4)`` boxes ``(x1, y1, x2, y2)``.
        scores (Tensor): ``(N,)``.
        idxs (Tensor): ``(N,)`` group of each box.
        iou_threshold (float): IoU above which a lower-scored box is dropped.

    Returns:
        Tensor: int64 indices of the kept boxes, by decreasing score.
    """
    max_coordinate = torch.cat([boxes.reshape(-1), boxes.new_zeros(1)]).max()
    offsets = idxs.to(boxes) * (max_coordinate + 1)
    # the reshape gives the boxes a static last dimension (4) in the graph, which OpenVINO needs
    return nms((boxes + offsets[:, None]).reshape(-1, 4), scores.reshape(-1), iou_threshold)


def adaptive_pool_matrix(size: int, out: int) -> Tensor:
    """``(out, size)`` matrix whose product with a vector is PyTorch's adaptive average pooling
    of it (bin ``i`` averages ``[floor(i * size / out), ceil((i + 1) * size / out))``)."""
    mat = torch.zeros(out, size)
    for i in range(out):
        start, end = (i * size) // out, -((-(i + 1) * size) // out)
        mat[i, start:end] = 1.0 / (end - start)
    return mat


def input_channels(model: nn.Module) -> int:
    """4 for an RGB-D model (:class:`RGBDDataPreprocessor`), else 3."""
    from mmgrasp.models.data_preprocessors import RGBDDataPreprocessor
    return 4 if isinstance(model.data_preprocessor, RGBDDataPreprocessor) else 3


class GraspExportModule(nn.Module):
    """A :class:`~mmgrasp.models.GraspDetSeg` (Detection, Det_Seg or Det_Seg_Refine with the
    aligned refinement head) for one image of a fixed padded size.

    Args:
        model (GraspDetSeg): The trained detector, in eval mode.
        input_shape (tuple[int, int]): ``(H, W)`` of the padded network input.

    Inputs of :meth:`forward`: ``inputs`` ``(1, C, H, W)`` normalised image (C = 4 for RGB-D),
    ``img_hw`` ``(2,)`` float its size before padding. Outputs: ``grasps`` ``(K, 5)``
    ``(x, y, w, h, theta)`` in input pixels, ``scores`` ``(K,)``, ``labels`` ``(K,)`` orientation
    bins (sorted by score, ``K <= max_per_img``), with a semantic head ``seg_logits``
    ``(1, num_classes, H/4, W/4)``, and with a refinement head ``grasps`` refined and
    ``grasps_unrefined`` (the candidates), as :meth:`GraspDetSeg.predict` gives them.
    """

    def __init__(self, model: nn.Module, input_shape: Tuple[int, int]) -> None:
        super().__init__()
        from mmgrasp.models.roi_heads import InPlaceGraspRefineHead
        if isinstance(getattr(model, 'refine_head', None), InPlaceGraspRefineHead):
            raise NotImplementedError(
                'the in-place refinement head (InPlaceGraspRefineHead) is not exported yet; the '
                'aligned GraspRefineHead is')
        self.model = model
        self.input_shape = tuple(int(v) for v in input_shape)
        self.in_channels = input_channels(model)
        with torch.no_grad():
            feats = model.extract_feat(torch.zeros(1, self.in_channels, *self.input_shape))
        sizes = [f.shape[-2:] for f in feats]
        priors = model.rpn_head.prior_generator.grid_priors(sizes, device='cpu')
        for i, p in enumerate(priors):
            self.register_buffer(f'priors_{i}', p.float(), persistent=False)
        self.num_levels = len(priors)
        self.rpn_cfg = model.test_cfg.rpn
        self.rcnn_cfg = model.test_cfg.rcnn
        if getattr(model, 'with_refine_head', False):
            head = model.refine_head
            seg_size = [s // head.feat_stride for s in self.input_shape]
            self.register_buffer('pool_rows', adaptive_pool_matrix(seg_size[0], head.roi_size[0]),
                                 persistent=False)
            self.register_buffer('pool_cols', adaptive_pool_matrix(seg_size[1], head.roi_size[1]),
                                 persistent=False)
        self.eval()

    def _proposals(self, x: Tuple[Tensor], img_hw: Tensor) -> Tensor:
        """RPNHead's test path for one image: ``(P, 4)`` proposals, best first."""
        head, cfg = self.model.rpn_head, self.rpn_cfg
        cls_scores, bbox_preds = head(x)
        scores, deltas, priors, levels = [], [], [], []
        for i in range(self.num_levels):
            score = cls_scores[i][0].permute(1, 2, 0).reshape(-1)
            score = score.sigmoid() if head.use_sigmoid_cls else score
            delta = bbox_preds[i][0].permute(1, 2, 0).reshape(-1, head.bbox_coder.encode_size)
            prior = getattr(self, f'priors_{i}')
            k = min(int(cfg.nms_pre), score.shape[0]) if cfg.nms_pre > 0 else score.shape[0]
            score, idx = score.topk(k)
            scores.append(score)
            deltas.append(delta[idx])
            priors.append(prior[idx])
            levels.append(torch.full((k, ), i, dtype=torch.long))
        scores = torch.cat(scores)
        boxes = _decode(head.bbox_coder, torch.cat(priors), torch.cat(deltas), img_hw)
        levels = torch.cat(levels)
        if cfg.get('min_bbox_size', -1) >= 0:
            keep = ((boxes[:, 2] - boxes[:, 0]) > cfg.min_bbox_size) & \
                ((boxes[:, 3] - boxes[:, 1]) > cfg.min_bbox_size)
            boxes, scores, levels = boxes[keep], scores[keep], levels[keep]
        keep = traced_batched_nms(boxes, scores, levels, float(cfg.nms.iou_threshold))
        return boxes[keep[:int(cfg.max_per_img)]]

    def _roi_feats(self, x: Tuple[Tensor], proposals: Tensor) -> Tensor:
        """SingleRoIExtractor: each RoI pooled from its FPN level."""
        extractor = self.model.roi_head.bbox_roi_extractor
        strides = extractor.featmap_strides
        layer = extractor.roi_layers[0]
        size = layer.output_size
        rois = torch.cat([proposals.new_zeros(proposals.shape[0], 1), proposals], dim=1)
        scale = torch.sqrt((proposals[:, 2] - proposals[:, 0]) *
                           (proposals[:, 3] - proposals[:, 1]))
        lvls = torch.floor(torch.log2(scale / extractor.finest_scale + 1e-6))
        lvls = lvls.clamp(min=0, max=len(strides) - 1).long()
        # Each level's RoIs pooled from it, then put back in proposal order. Not with
        # ``feats[inds] = ...`` (mmdet's way): traced, that assignment fixes the values' shape
        # of the traced image in a Reshape, and an image with another number of RoIs on a
        # level (e.g. none) then fails in onnxruntime.
        pooled, order = [], []
        for i, stride in enumerate(strides):
            inds = (lvls == i).nonzero().reshape(-1)
            pooled.append(roi_align(x[i], rois[inds], size, spatial_scale=1.0 / stride,
                                    sampling_ratio=layer.sampling_ratio, aligned=layer.aligned))
            order.append(inds)
        return torch.cat(pooled)[torch.argsort(torch.cat(order))]

    def _grasps(self, x: Tuple[Tensor], proposals: Tensor, img_hw: Tensor):
        """The grasp head and mmdet's ``multiclass_nms`` over the orientation bins."""
        head, cfg = self.model.roi_head.bbox_head, self.rcnn_cfg
        cls_score, bbox_pred = head(self._roi_feats(x, proposals))
        num_bins = head.num_classes
        probs = cls_score.softmax(dim=-1)[:, :num_bins]  # (R, 18)
        if bin_score_of(cfg) == 'neighbourhood':  # as GraspBBoxHead
            scores = neighbourhood_scores(probs).reshape(-1)  # (R * 18,)
        else:
            scores = probs.reshape(-1)
        priors = proposals.repeat_interleave(num_bins, dim=0)
        boxes = _decode(head.bbox_coder, priors, bbox_pred.reshape(-1, 4), img_hw)
        labels = torch.arange(num_bins).repeat(proposals.shape[0])
        if angle_decoding_of(cfg) == 'local_mean':  # as GraspBBoxHead
            angles = local_mean_angles(probs).reshape(-1)
        else:
            angles = bin_to_angle(labels, num_bins).to(boxes)
        keep = scores > cfg.score_thr
        boxes, scores, labels, angles = boxes[keep], scores[keep], labels[keep], angles[keep]
        keep = traced_batched_nms(boxes, scores, labels, float(cfg.nms.iou_threshold))
        keep = keep[:int(cfg.max_per_img)] if cfg.max_per_img > 0 else keep
        boxes, scores, labels, angles = boxes[keep], scores[keep], labels[keep], angles[keep]
        grasps = hbox_to_grasp(boxes, angles.to(boxes))
        return grasps, scores, labels

    def _refine(self, seg_logits: Tensor, grasps: Tensor, img_hw: Tensor) -> Tensor:
        """GraspRefineHead.predict for one image, with its rotated RoIAlign as ``grid_sample``
        (:func:`~mmgrasp.models.utils.roi_align_rotated_grid`, mmcv's samples to 1e-5)."""
        head = self.model.refine_head
        fg = head.foreground_prob(seg_logits)  # (1, 1, H/4, W/4)
        boxes = torch.cat([grasps.new_zeros(grasps.shape[0], 1), grasps], dim=1)
        scaled = torch.cat([boxes[:, :3], boxes[:, 3:5] * head.crop_scale, boxes[:, 5:]], dim=1)
        crops = roi_align_rotated_grid(fg, scaled, head.roi_size, 1.0 / head.feat_stride,
                                       sampling_ratio=head.roi_align.sampling_ratio)
        # adaptive average pooling of the fixed-size map, as two averaging matrices
        whole = (self.pool_rows @ fg[0, 0] @ self.pool_cols.t())[None, None]
        whole = whole.expand(grasps.shape[0], -1, -1, -1)
        feats = torch.cat([crops, whole], dim=1).flatten(1)
        deltas = head.fc_delta(head.mlp(feats))
        coder = head.bbox_coder
        refined = delta2grasp(grasps, deltas, coder.means, coder.stds, None, coder.wh_ratio_clip)
        x = torch.min(refined[:, 0].clamp(min=0), img_hw[1].expand_as(refined[:, 0]))
        y = torch.min(refined[:, 1].clamp(min=0), img_hw[0].expand_as(refined[:, 1]))
        return torch.cat([x[:, None], y[:, None], refined[:, 2:]], dim=1)

    def forward(self, inputs: Tensor, img_hw: Tensor):
        """See the class docstring."""
        x = self.model.extract_feat(inputs)
        grasps, scores, labels = self._grasps(x, self._proposals(x, img_hw), img_hw)
        if not getattr(self.model, 'with_semantic_head', False):
            return grasps, scores, labels
        seg_logits = self.model.semantic_head(x)['seg_preds']
        if getattr(self.model, 'with_refine_head', False):
            refined = self._refine(seg_logits, grasps, img_hw)
            return refined, scores, angle_to_bin(refined[:, 4]), seg_logits, grasps
        return grasps, scores, labels, seg_logits


def output_names(model: nn.Module) -> Tuple[str, ...]:
    """Names of the exported graph's outputs, in :meth:`GraspExportModule.forward` order."""
    names = ('grasps', 'scores', 'labels')
    if getattr(model, 'with_semantic_head', False):
        names += ('seg_logits', )
    if getattr(model, 'with_refine_head', False):
        names += ('grasps_unrefined', )
    return names
