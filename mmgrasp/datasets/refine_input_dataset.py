# Copyright (c) mmgrasp contributors. All rights reserved.
"""Cached inputs of the grasp refinement head, as a dataset (docs/refinement_head.md, "Cached
inputs").

When every stage before the refinement head is frozen and the pipeline draws nothing at random,
what the head reads is a pure function of the image: the foreground probability map, the grasp
candidates and their matched ground truth (``GraspDetSeg.refine_inputs`` and
``GraspRefineHead.loss_targets``). ``mmgrasp.models.utils.compute_refine_cache`` computes them
once; this module stores them in one file of plain tensors (loaded with
``torch.load(weights_only=True)``: a cache file is data, never code) and serves them to mmengine's
Runner, so the head trains for thousands of iterations at the cost of an MLP.

A cache file holds a dict::

    version        int, CACHE_VERSION
    fingerprint    str, what it was computed from (checkpoint, config, images); a mismatch is
                   refused by the tool that reuses it
    mode           'train' (the candidates of training) or 'eval' (those of inference)
    img_paths      list[str], N images
    img_shapes     (N, 2) long, each image's (h, w) in input pixels (decoding clamps to it)
    fg_prob        (N, 1, h, w) float32 foreground probability (one padded size for all)
    rois           (M, 5) candidates (x, y, w, h, theta) in input pixels, best score first
                   per image; roi_image (M,) long: their image
    scores         (M,)
    pos            (M,) bool, matched by the metric's rule; targets (M, 5) their ground truth
    gts            (T, 5) all ground-truth grasps in input pixels; gt_image (T,) long
"""
import io
import os.path as osp
from typing import Dict, List, Sequence

import torch
from torch import Tensor
from torch.utils.data import Dataset

from mmgrasp.registry import DATASETS, FUNCTIONS
from mmgrasp.utils.atomic_files import write_bytes_atomic

CACHE_VERSION = 1
_TENSOR_KEYS = ('img_shapes', 'fg_prob', 'rois', 'roi_image', 'scores', 'pos', 'targets', 'gts',
                'gt_image')


def save_refine_cache(cache: Dict, path: str) -> None:
    """Write a cache dict atomically (no half-written file under ``path``)."""
    check_refine_cache(cache, path)
    buffer = io.BytesIO()
    torch.save(cache, buffer)
    write_bytes_atomic(path, buffer.getvalue())


def load_refine_cache(path: str) -> Dict:
    """Read a cache file as data (``weights_only=True``) and check its fields.

    Raises:
        ValueError: naming the file, when it is not a cache of this version or is inconsistent.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'refinement input cache not found: {path}')
    cache = torch.load(path, map_location='cpu', weights_only=True)
    check_refine_cache(cache, path)
    return cache


def check_refine_cache(cache: Dict, path: str = '<memory>') -> None:
    """Raise a ValueError naming ``path`` when the cache's fields disagree with each other."""
    if not isinstance(cache, dict) or cache.get('version') != CACHE_VERSION:
        raise ValueError(f'{path}: not a refinement input cache of version {CACHE_VERSION}')
    missing = [k for k in _TENSOR_KEYS + ('img_paths', 'mode', 'fingerprint') if k not in cache]
    if missing:
        raise ValueError(f'{path}: refinement input cache without {missing}')
    n = len(cache['img_paths'])
    m = cache['rois'].shape[0]
    checks = [
        (cache['fg_prob'].dim() == 4 and cache['fg_prob'].shape[:2] == (n, 1),
         f'fg_prob {tuple(cache["fg_prob"].shape)} is not ({n}, 1, h, w)'),
        (tuple(cache['img_shapes'].shape) == (n, 2), 'img_shapes is not (N, 2)'),
        (tuple(cache['rois'].shape) == (m, 5), 'rois is not (M, 5)'),
        (all(cache[k].shape[0] == m for k in ('roi_image', 'scores', 'pos', 'targets')),
         'roi_image, scores, pos and targets do not have one row per roi'),
        (cache['gts'].dim() == 2 and cache['gts'].shape[1] == 5
         and cache['gt_image'].shape[0] == cache['gts'].shape[0], 'gts is not (T, 5)'),
        (m == 0 or int(cache['roi_image'].max()) < n, 'roi_image points past the images'),
        (cache['mode'] in ('train', 'eval'), f'mode {cache["mode"]!r} is not train or eval'),
    ]
    for ok, message in checks:
        if not ok:
            raise ValueError(f'{path}: {message}')


@DATASETS.register_module()
class RefineInputDataset(Dataset):
    """The cached refinement-head inputs of one split, an image per item.

    Args:
        cache_file (str): A file written by :func:`save_refine_cache`.

    An item is a dict: ``index`` (int), ``img_shape`` ``(2,)``, ``fg_prob`` ``(1, h, w)``,
    ``rois`` ``(K, 5)``, ``scores`` ``(K,)``, ``pos`` ``(K,)``, ``targets`` ``(K, 5)`` and
    ``gts`` ``(G, 5)``.
    """

    def __init__(self, cache_file: str) -> None:
        self.cache_file = cache_file
        self.cache = load_refine_cache(cache_file)
        # per image, the rows of its candidates and of its ground truths
        self._roi_rows = _rows_per_image(self.cache['roi_image'], len(self))
        self._gt_rows = _rows_per_image(self.cache['gt_image'], len(self))
        self.metainfo = dict(cache_file=cache_file, mode=self.cache['mode'])

    def __len__(self) -> int:
        return len(self.cache['img_paths'])

    def __getitem__(self, index: int) -> Dict:
        c = self.cache
        rows, gt_rows = self._roi_rows[index], self._gt_rows[index]
        return dict(index=index, img_path=c['img_paths'][index], img_shape=c['img_shapes'][index],
                    fg_prob=c['fg_prob'][index], rois=c['rois'][rows], scores=c['scores'][rows],
                    pos=c['pos'][rows], targets=c['targets'][rows], gts=c['gts'][gt_rows])


def _rows_per_image(image_of_row: Tensor, n: int) -> List[Tensor]:
    """Row indices of each image, in their stored order."""
    return [torch.nonzero(image_of_row == i).flatten() for i in range(n)]


@FUNCTIONS.register_module()
def refine_input_collate(batch: Sequence[Dict]) -> Dict:
    """Collate cached items into the head's batch, as ``GraspRefineHead.loss_targets`` lays it out.

    Returns:
        dict: ``inputs``: ``fg_prob`` ``(B, 1, h, w)``, ``rois`` ``(K, 6)`` with the batch index
        first, ``pos`` ``(K,)``, ``targets`` ``(K, 5)``; ``data_samples``: per image a dict with
        ``index``, ``img_path``, ``img_shape``, ``rois`` ``(K_i, 5)``, ``scores`` and ``gts``.
    """
    if not batch:
        raise ValueError('refine_input_collate got an empty batch')
    sizes = {tuple(item['fg_prob'].shape) for item in batch}
    if len(sizes) != 1:
        raise ValueError(f'cached probability maps of different sizes {sorted(sizes)} cannot '
                         'share a batch: cache images of one size')
    rois = [torch.cat([r.new_full((len(r), 1), i), r], dim=1)
            for i, r in enumerate(item['rois'] for item in batch)]
    inputs = dict(
        fg_prob=torch.stack([item['fg_prob'] for item in batch]),
        rois=torch.cat(rois),
        pos=torch.cat([item['pos'] for item in batch]),
        targets=torch.cat([item['targets'] for item in batch]))
    samples = [dict(index=item['index'], img_path=item['img_path'], img_shape=item['img_shape'],
                    rois=item['rois'], scores=item['scores'], gts=item['gts']) for item in batch]
    return dict(inputs=inputs, data_samples=samples)
