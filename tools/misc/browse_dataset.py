# Copyright (c) mmgrasp contributors. All rights reserved.
"""Draw what a config's data pipeline produces: grasps and masks on the image.

    python tools/misc/browse_dataset.py CONFIG --output-dir DIR [--phase train] [-n 10]

Each sample is written as a PNG after the whole pipeline (augmentations included): the semantic
mask overlaid in the dataset's ``sem_palette``, and every ground-truth grasp as its rectangle with
the two plates (the ``h`` sides) in blue and the opening (the ``w`` sides) in red, as in the
paper's Fig. 1 (drawn by :mod:`mmgrasp.visualization`).
"""
import argparse
import os
import os.path as osp
import re

import cv2
import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from mmgrasp.registry import DATASETS
from mmgrasp.visualization import auto_line_width, draw_grasps, overlay_sem_seg


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Browse a grasp dataset through its pipeline')
    parser.add_argument('config', help='config file')
    parser.add_argument('--output-dir', required=True, help='folder for the PNG files')
    parser.add_argument('--phase', default='train', choices=['train', 'val', 'test'],
                        help='which dataloader of the config')
    parser.add_argument('-n', '--show-number', type=int, default=10,
                        help='number of samples to draw')
    parser.add_argument('--alpha', type=float, default=0.45, help='opacity of the mask overlay')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. train_dataloader.dataset.data_root=X')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmgrasp'))
    dataset = DATASETS.build(cfg[f'{args.phase}_dataloader'].dataset)
    palette = dataset.metainfo.get('sem_palette', [])
    os.makedirs(args.output_dir, exist_ok=True)
    for i in range(min(args.show_number, len(dataset))):
        item = dataset[i]
        img = item['inputs'].permute(1, 2, 0).numpy().copy()
        sample = item['data_samples']
        if img.shape[2] == 1:
            img = np.repeat(img, 3, axis=2)
        if 'gt_sem_seg' in sample:
            img = overlay_sem_seg(img, sample.gt_sem_seg.sem_seg[0].numpy(), palette, args.alpha)
        draw_grasps(img, sample.gt_instances.bboxes.numpy(), auto_line_width(*img.shape[:2]))
        name = re.sub(r'[^A-Za-z0-9_.-]+', '_', str(sample.metainfo.get('img_id', i)))
        path = osp.join(args.output_dir, f'{i:04d}_{name}.png')
        cv2.imwrite(path, img)
        print(f'{path}: {len(sample.gt_instances)} grasps, image {img.shape[1]}x{img.shape[0]}')


if __name__ == '__main__':
    main()
