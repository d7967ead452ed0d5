# Copyright (c) mmgrasp contributors. All rights reserved.
"""Fingerprints of what each shipped config feeds its model and what the model computes on it.

A change that claims to be "structure only" (files moved, code split, a helper shared) must leave
every number alone. For each config, this tool packs the first ``--batches`` training batches
(seeded, augmentation included, on the real samples where the config's dataset is one of them,
on generated scenes otherwise), builds the full-size model with seeded weights (no pretrained
files) and runs its training loss on them, then prints the sha256 of the packed inputs, of the
ground truth and of the losses. Run it before and after a change, on the same machine and thread
count, and compare the two JSON files:

    python tools/analysis_tools/batch_fingerprint.py --out before.json   # on the old commit
    python tools/analysis_tools/batch_fingerprint.py --out after.json    # on the new one
    python tools/analysis_tools/batch_fingerprint.py --compare before.json after.json
"""
import argparse
import glob
import hashlib
import json
import os
import os.path as osp
import random
import sys
import tempfile
from typing import Dict, List, Optional

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Packed batches and losses of every config')
    parser.add_argument('--configs', nargs='+', help='config paths (default: configs/grasp/*.py)')
    parser.add_argument('--batches', type=int, default=2)
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument('--shared-data', default=osp.join(REPO, '..', 'shared', 'data'))
    parser.add_argument('--out', help='write the fingerprints to this JSON file')
    parser.add_argument('--compare', nargs=2, metavar=('BEFORE', 'AFTER'),
                        help='compare two JSON files written by --out; exit 1 on a difference')
    return parser.parse_args(argv)


def _digest(obj) -> str:
    """sha256 of tensors, arrays, numbers and strings nested in dicts and lists."""
    import numpy as np
    import torch
    h = hashlib.sha256()

    def feed(x):
        if isinstance(x, torch.Tensor):
            x = x.detach().cpu().contiguous()
            h.update(str((tuple(x.shape), str(x.dtype))).encode())
            h.update(x.numpy().tobytes() if x.dtype != torch.bfloat16 else x.float().numpy()
                     .tobytes())
        elif isinstance(x, np.ndarray):
            h.update(str((x.shape, str(x.dtype))).encode())
            h.update(np.ascontiguousarray(x).tobytes())
        elif isinstance(x, dict):
            for k in sorted(x, key=str):
                h.update(str(k).encode())
                feed(x[k])
        elif isinstance(x, (list, tuple)):
            h.update(f'[{len(x)}'.encode())
            for v in x:
                feed(v)
        elif hasattr(x, 'tensor'):  # mmdet box types
            feed(x.tensor)
        else:
            h.update(repr(x).encode())
    feed(obj)
    return h.hexdigest()


def _dataset_cfg(cfg, name: str, shared: str, scratch: str):
    """The training dataset of ``cfg`` on data that exists here, or None."""
    ds = cfg.train_dataloader.dataset
    kind = ds.type
    if kind == 'CornellGraspDataset':
        ds.data_root = osp.join(shared, 'cornell')
        ds.folders = ['01']
    elif kind == 'JacquardGraspDataset':
        ds.data_root = osp.join(shared, 'jacquard', 'Samples')
    elif kind == 'OCIDGraspDataset' and 'synthetic' not in str(ds.get('data_root')):
        ds.data_root = osp.join(REPO, 'tests', 'data', 'ocid')
        ds.val_ratio = 0.0  # the fixture has one sequence: no sequence-wise hold-out
    elif kind in ('OCIDGraspDataset', 'GraspJsonDataset'):  # generated scenes (OCID layout)
        from mmgrasp.datasets import generate_synthetic_dataset
        root = osp.join(scratch, 'synthetic')
        if not osp.isdir(root):
            generate_synthetic_dataset(root, num=12, size=128, seed=0)
        if kind == 'OCIDGraspDataset':
            ds.data_root = root
        else:
            from mmgrasp.datasets.converters import ocid_to_grasp_json
            out = osp.join(root, 'grasps.json')
            if not osp.exists(out):
                ocid_to_grasp_json(root, out, {'train': 'data_split/training_0.txt',
                                               'test': 'data_split/validation_0.txt'})
            ds.data_root = None
            ds.ann_file = out
            ds.val_ratio = 0.25
    else:
        return None
    return ds


def fingerprint(name: str, args: argparse.Namespace, scratch: str) -> Dict[str, object]:
    """The fingerprints of one config (or why there are none)."""
    import numpy as np
    import torch
    from mmengine.registry import init_default_scope

    from mmgrasp.registry import DATASETS, MODELS
    from mmgrasp.testing import get_config, get_detector_cfg
    init_default_scope('mmgrasp')
    rel = osp.relpath(name, osp.join(REPO, 'configs'))
    cfg = get_config(rel)
    ds_cfg = _dataset_cfg(cfg, rel, args.shared_data, scratch)
    if ds_cfg is None:
        return dict(skipped=f'no data for {cfg.train_dataloader.dataset.type}')
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    dataset = DATASETS.build(ds_cfg)
    from mmengine.dataset import pseudo_collate
    batches = []
    for b in range(args.batches):
        items = [dataset[(b * args.batch_size + i) % len(dataset)]
                 for i in range(args.batch_size)]
        batches.append(pseudo_collate(items))
    model_cfg = get_detector_cfg(rel, tiny=False)
    classes = dataset.metainfo.get('sem_classes')
    if model_cfg.get('semantic_head') is not None and classes and ds_cfg.type == 'GraspJsonDataset':
        model_cfg.semantic_head.num_classes = len(classes)  # as a user of their own data sets it
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.train()
    out = dict(inputs=[], gt=[], losses=[], num_images=len(dataset))
    for batch in batches:
        out['inputs'].append(_digest(batch['inputs']))
        out['gt'].append(_digest([s.gt_instances.to_dict() for s in batch['data_samples']]
                                 + [s.get('gt_sem_seg', None) and s.gt_sem_seg.sem_seg
                                    for s in batch['data_samples']]))
        torch.manual_seed(1)
        data = model.data_preprocessor(batch, True)
        losses = model(**data, mode='loss')
        out['losses'].append(_digest({k: v for k, v in losses.items()}))
        out.setdefault('loss_values', []).append(
            {k: float(sum(x.detach().sum() for x in v) if isinstance(v, list) else v.detach().sum())
             for k, v in losses.items()})
    return out


def compare(before: str, after: str) -> int:
    with open(before) as f:
        a = json.load(f)
    with open(after) as f:
        b = json.load(f)
    bad = 0
    for name in sorted(set(a) | set(b)):
        x, y = a.get(name), b.get(name)
        keys = ('inputs', 'gt', 'losses', 'num_images', 'skipped')
        same = x is not None and y is not None and all(x.get(k) == y.get(k) for k in keys)
        bad += not same
        print(f'{"same" if same else "DIFFERS":8s} {name}'
              + (f' ({x.get("skipped")})' if x and x.get('skipped') else ''))
    print(f'{len(set(a) | set(b)) - bad} of {len(set(a) | set(b))} configs identical')
    return 1 if bad else 0


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    from mmgrasp.utils import register_all_modules
    register_all_modules()
    names = args.configs or sorted(glob.glob(osp.join(REPO, 'configs', 'grasp', '*.py')))
    result = {}
    with tempfile.TemporaryDirectory(prefix='batch_fingerprint_') as scratch:
        for name in names:
            try:
                result[osp.basename(name)] = fingerprint(osp.abspath(name), args, scratch)
            except Exception as e:  # a config that cannot run here is reported, not fatal
                result[osp.basename(name)] = dict(skipped=f'{type(e).__name__}: {e}'[:300])
            print(osp.basename(name), json.dumps(result[osp.basename(name)])[:160], flush=True)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=1, sort_keys=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
