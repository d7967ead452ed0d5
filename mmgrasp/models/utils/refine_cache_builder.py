# Copyright (c) mmgrasp contributors. All rights reserved.
"""Compute the refinement head's cached inputs with a frozen Det_Seg_Refine model.

See :mod:`mmgrasp.datasets.refine_input_dataset` for the file layout and docs/refinement_head.md
("Cached inputs") for when caching is exact.
"""
from typing import Dict, Iterable, List

import torch
from mmdet.structures.bbox import get_box_tensor
from mmengine.structures import InstanceData

from mmgrasp.datasets.refine_input_dataset import CACHE_VERSION


@torch.no_grad()
def compute_refine_cache(model: torch.nn.Module, dataloader: Iterable, mode: str,
                         fingerprint: str = '') -> Dict:
    """Run the frozen stages once per image and collect what the refinement head reads.

    The model is put in eval mode (as ``FreezeAllButRefineHook`` runs every stage before the
    head), each batch goes through its data preprocessor and ``GraspDetSeg.refine_inputs``, and
    the candidates through ``GraspRefineHead.loss_targets`` (best ``max_candidates`` per image,
    matched to the ground truth). The dataloader's pipeline must draw nothing at random, or the
    cache is one draw of it.

    Args:
        model (nn.Module): A ``GraspDetSeg`` with semantic and refinement heads.
        dataloader (Iterable): Batches of the split (its ``gt_instances`` give the targets).
        mode (str): ``'train'``: the candidates the training loss gives the head; ``'eval'``:
            those of inference (``predict``).
        fingerprint (str): What the cache was computed from, stored for reuse checks.

    Returns:
        dict: A cache (:func:`~mmgrasp.datasets.save_refine_cache` writes it).
    """
    if mode not in ('train', 'eval'):
        raise ValueError(f"mode must be 'train' or 'eval', got {mode!r}")
    was_training = model.training
    model.eval()
    head = model.refine_head
    parts: Dict[str, List] = {k: [] for k in (
        'img_paths', 'img_shapes', 'fg_prob', 'rois', 'roi_image', 'scores', 'pos', 'targets',
        'gts', 'gt_image')}
    try:
        for data in dataloader:
            data = model.data_preprocessor(data, False)
            samples = data['data_samples']
            fg_prob, candidates = model.refine_inputs(data['inputs'], samples,
                                                      training=mode == 'train')
            # loss_targets keeps the best max_candidates by a stable sort; sorting first with
            # the same stable sort gives the scores of its rows in its order
            kept = []
            for cand in candidates:
                order = torch.sort(cand.scores, descending=True, stable=True)[1]
                kept.append(cand[order[:head.max_candidates]])
            rois, pos, targets = head.loss_targets(
                [InstanceData(bboxes=c.bboxes, scores=c.scores) for c in kept], samples)
            for i, sample in enumerate(samples):
                image = len(parts['img_paths'])
                sel = rois[:, 0] == i
                parts['img_paths'].append(str(sample.metainfo.get('img_path', image)))
                parts['img_shapes'].append(torch.tensor(sample.metainfo['img_shape'][:2]))
                parts['fg_prob'].append(fg_prob[i].float().cpu())
                parts['rois'].append(rois[sel, 1:].float().cpu())
                parts['roi_image'].append(torch.full((int(sel.sum()), ), image, dtype=torch.long))
                parts['scores'].append(kept[i].scores.float().cpu())
                parts['pos'].append(pos[sel].cpu())
                parts['targets'].append(targets[sel].float().cpu())
                gts = get_box_tensor(sample.gt_instances.bboxes).reshape(-1, 5).float().cpu()
                parts['gts'].append(gts)
                parts['gt_image'].append(torch.full((len(gts), ), image, dtype=torch.long))
    finally:
        model.train(was_training)
    if not parts['img_paths']:
        raise ValueError('no images to cache: the dataloader is empty')
    sizes = {tuple(p.shape) for p in parts['fg_prob']}
    if len(sizes) != 1:
        raise ValueError(f'probability maps of different sizes {sorted(sizes)}: the head trains '
                         'on batches of one padded size; cache images of one size')
    cache = dict(version=CACHE_VERSION, fingerprint=fingerprint, mode=mode,
                 img_paths=parts.pop('img_paths'))
    cache['img_shapes'] = torch.stack(parts.pop('img_shapes')).long()
    cache['fg_prob'] = torch.stack(parts.pop('fg_prob'))
    for key, value in parts.items():
        cache[key] = torch.cat(value)
    return cache
