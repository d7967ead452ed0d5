# Copyright (c) mmgrasp contributors. All rights reserved.
"""How well the RPN anchors of a config cover the ground-truth boxes of its dataset.

    python tools/analysis_tools/anchor_coverage.py CONFIG [--split test] [--max-images 200] \
        [--cfg-options ...]

Each grasp's detection target is its box in its own unrotated frame (docs/conventions.md
section 2). The tool runs the dataset's test pipeline (no random augmentation), lays the config's
anchors over the padded image, and prints the fraction of target boxes whose best anchor reaches
IoU 0.7 (the RPN's positive threshold) and 0.5, with the box size statistics.
"""
import argparse
from typing import Dict

import numpy as np
import torch
from mmdet.structures.bbox import bbox_overlaps
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from mmgrasp.registry import DATASETS, TASK_UTILS
from mmgrasp.structures import grasp_detection_targets


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='RPN anchor coverage of ground-truth boxes')
    parser.add_argument('config')
    parser.add_argument('--split', choices=['train', 'test'], default='test',
                        help='which dataloader dataset to read (always with the test pipeline)')
    parser.add_argument('--max-images', type=int, default=200)
    parser.add_argument('--pad-size-divisor', type=int, default=32)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def anchor_coverage(cfg: Config, split: str = 'test', max_images: int = 200,
                    pad_size_divisor: int = 32) -> Dict[str, float]:
    """Coverage figures of the config's anchors over its dataset.

    Args:
        cfg (Config): A full mmgrasp config.
        split (str): ``'train'`` or ``'test'`` dataset. Defaults to ``'test'``.
        max_images (int): Images read at most. Defaults to 200.
        pad_size_divisor (int): Padding of the network input. Defaults to 32.

    Returns:
        dict: ``boxes``, ``cover_iou70``, ``cover_iou50`` (fractions) and ``median_w``,
        ``median_h``, ``min_side``, ``max_side`` of the target boxes in pixels.
    """
    init_default_scope(cfg.get('default_scope', 'mmgrasp'))
    ds_cfg = cfg[f'{split}_dataloader'].dataset.copy()
    ds_cfg.pipeline = cfg.test_dataloader.dataset.pipeline
    ds_cfg.test_mode = True
    dataset = DATASETS.build(ds_cfg)
    generator = TASK_UTILS.build(cfg.model.rpn_head.anchor_generator)
    best, sizes = [], []
    for i in range(min(len(dataset), max_images)):
        sample = dataset[i]['data_samples']
        boxes = grasp_detection_targets(sample.gt_instances).bboxes  # unrotated frames (N, 4)
        if len(boxes) == 0:
            continue
        h, w = sample.img_shape
        ph = int(np.ceil(h / pad_size_divisor) * pad_size_divisor)
        pw = int(np.ceil(w / pad_size_divisor) * pad_size_divisor)
        featmap_sizes = [(int(np.ceil(ph / s[1])), int(np.ceil(pw / s[0])))
                         for s in generator.strides]
        anchors = torch.cat(generator.grid_priors(featmap_sizes, device='cpu'))
        best.append(bbox_overlaps(boxes.float(), anchors).max(dim=1).values)
        sizes.append(torch.stack([boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]], 1))
    if not best:
        raise ValueError(f'no ground-truth boxes in the first {max_images} images of the dataset')
    best_t, sizes_t = torch.cat(best), torch.cat(sizes)
    return dict(
        boxes=float(len(best_t)),
        cover_iou70=float((best_t >= 0.7).float().mean()),
        cover_iou50=float((best_t >= 0.5).float().mean()),
        median_w=float(sizes_t[:, 0].median()),
        median_h=float(sizes_t[:, 1].median()),
        min_side=float(sizes_t.min()),
        max_side=float(sizes_t.max()))


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    res = anchor_coverage(cfg, args.split, args.max_images, args.pad_size_divisor)
    gen = cfg.model.rpn_head.anchor_generator
    print(f'anchors: scales {gen.scales}, ratios {gen.ratios}, strides {gen.strides}')
    print(f'{int(res["boxes"])} target boxes: opening (w) median {res["median_w"]:.1f} px, '
          f'jaw (h) median {res["median_h"]:.1f} px, sides {res["min_side"]:.1f}-'
          f'{res["max_side"]:.1f} px')
    print(f'covered by an anchor at IoU >= 0.7: {res["cover_iou70"] * 100:.1f} %, '
          f'at IoU >= 0.5: {res["cover_iou50"] * 100:.1f} %')


if __name__ == '__main__':
    main()
