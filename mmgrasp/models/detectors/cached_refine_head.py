# Copyright (c) mmgrasp contributors. All rights reserved.
"""The refinement head alone, trained and evaluated on cached inputs (docs/refinement_head.md,
"Cached inputs").

With everything before the head frozen and a pipeline that draws nothing at random, a
Det_Seg_Refine fine-tuning gives the head the same inputs at every visit of an image. This model
wraps only the head (its parameters are named ``refine_head.*`` as in ``GraspDetSeg``, so its
checkpoint's weights drop into the detector) and reads batches of
:class:`~mmgrasp.datasets.RefineInputDataset` through mmengine's Runner: the same iterations give
the same weights as the uncached fine-tuning (tested), at the cost of the head alone.
"""
import hashlib
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmdet.utils import ConfigType, OptMultiConfig
from mmengine.model import BaseModel
from torch import Tensor

from mmgrasp.registry import MODELS


@MODELS.register_module()
class CachedRefineHead(BaseModel):
    """A grasp refinement head fed with cached inputs.

    Args:
        refine_head (dict): The head (``GraspRefineHead`` or ``InPlaceGraspRefineHead``) with its
            ``train_cfg``.
        data_preprocessor (dict, optional): Defaults to mmengine's ``BaseDataPreprocessor``
            (moves the batch to the device; the cached maps need no normalisation).
        init_cfg (dict, optional): E.g. ``dict(type='Pretrained', checkpoint=..., prefix=...)``.
    """

    def __init__(self, refine_head: ConfigType, data_preprocessor: Optional[dict] = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor or dict(type='BaseDataPreprocessor'),
                         init_cfg=init_cfg)
        self.refine_head = MODELS.build(refine_head)
        # per image (path and candidates), the in-place form's coverage of the grid: a pure
        # function of the cached candidates, computed at the first visit only
        self._coverage_memo: Dict[Tuple[str, str], Tuple[Tensor, Tensor, Tensor]] = {}

    def _coverage(self, inputs: Dict[str, Tensor],
                  data_samples: Optional[List[dict]]) -> Dict[str, Tuple[Tensor, ...]]:
        """``dict(coverage=...)`` for a head with a ``coverage`` method (the in-place form),
        assembled from each image's memoised coverage; an empty dict otherwise."""
        head = self.refine_head
        if not hasattr(head, 'coverage') or not data_samples:
            return {}
        parts, offset = [], 0
        for sample in data_samples:
            rois = sample['rois']
            digest = hashlib.sha1(rois.detach().cpu().numpy().tobytes()).hexdigest()
            key = (str(sample.get('img_path')), digest)
            if key not in self._coverage_memo:
                batch_rois = torch.cat([rois.new_zeros(len(rois), 1), rois], dim=1)
                self._coverage_memo[key] = head.coverage(inputs['fg_prob'].shape, batch_rois)
            kidx, cell, cov = self._coverage_memo[key]
            parts.append((kidx + offset, cell, cov))
            offset += len(rois)
        if offset != len(inputs['rois']):
            raise ValueError('the data samples do not list the batch\'s candidates')
        return dict(coverage=tuple(torch.cat(x) for x in zip(*parts)))

    def forward(self, inputs: Dict[str, Tensor], data_samples: Optional[List[dict]] = None,
                mode: str = 'tensor') -> Union[Dict[str, Tensor], List[dict], Tensor]:
        """Losses, per-image predictions or raw deltas of a collated cached batch.

        Args:
            inputs (dict): ``fg_prob`` ``(B, 1, h, w)``, ``rois`` ``(K, 6)``, ``pos`` ``(K,)``,
                ``targets`` ``(K, 5)`` (``mmgrasp.datasets.refine_input_collate``).
            data_samples (list[dict], optional): Per image ``index``, ``img_shape``, ``rois``,
                ``scores``, ``gts``.
            mode (str): ``'loss'``, ``'predict'`` or ``'tensor'``.

        Returns:
            ``'loss'``: ``loss_refine`` and ``refine_pos_frac``; ``'predict'``: per image a dict
            with ``index``, ``bboxes`` (refined ``(K_i, 5)``), ``bboxes_unrefined``, ``scores``,
            ``gts``, ``loss_sum`` (the Eq. 9 loss summed over its matched candidates) and
            ``num_pos``; ``'tensor'``: the ``(K, 5)`` deltas.
        """
        head = self.refine_head
        extra = self._coverage(inputs, data_samples)
        if mode == 'loss':
            return head.loss_by_inputs(inputs['fg_prob'], inputs['rois'], inputs['pos'],
                                       inputs['targets'], **extra)
        rois = inputs['rois'].to(inputs['fg_prob'])
        deltas = head(inputs['fg_prob'], rois, **extra) if len(rois) else rois.new_zeros(0, 5)
        if mode == 'tensor':
            return deltas
        if mode != 'predict':
            raise ValueError(f"mode must be 'loss', 'predict' or 'tensor', got {mode!r}")
        pos = inputs['pos'].to(device=rois.device, dtype=torch.bool)
        results = []
        for i, sample in enumerate(data_samples):
            sel = rois[:, 0] == i
            boxes, d = rois[sel, 1:], deltas[sel]
            shape = tuple(int(v) for v in sample['img_shape'])
            refined = head.bbox_coder.decode(boxes, d, max_shape=shape) if len(boxes) else boxes
            p = pos[sel]
            loss_sum = boxes.new_zeros(())
            if p.any():
                target = head.bbox_coder.encode(boxes[p], inputs['targets'].to(boxes)[sel][p])
                loss_sum = head.loss_refine(d[p], target, reduction_override='sum')
            results.append(dict(index=sample['index'], img_path=sample.get('img_path'),
                                bboxes=refined.detach().cpu(),
                                bboxes_unrefined=boxes.detach().cpu(),
                                scores=sample['scores'].cpu(), gts=sample['gts'].cpu(),
                                loss_sum=float(loss_sum), num_pos=int(p.sum())))
        return results
