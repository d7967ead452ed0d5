# Copyright (c) mmgrasp contributors. All rights reserved.
"""Draw what a config's data pipeline produces: grasps and masks on the image.

    python tools/misc/browse_dataset.py CONFIG --output-dir DIR [--phase train] [-n 10]

Each sample is written as a PNG after the whole pipeline (augmentations included): the semantic
mask overlaid in the dataset's ``sem_palette``, and every ground-truth grasp as its rectangle with
the two plates (the ``h`` sides) in blue and the opening (the ``w`` sides) in red, as in the
paper's Fig. 1.
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
from mmgrasp.structures import grasps_to_corners

BLUE, RED = (255, 0, 0), (0, 0, 255)  # BGR
_SHIFT = 4


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


def overlay_mask(img: np.ndarray, sem_seg: np.ndarray, palette, alpha: float) -> np.ndarray:
    """Blend the class colours of ``sem_seg`` (background 0 and ignore 255 left out) into ``img``.

    Args:
        img (ndarray): ``(H, W, 3)`` uint8 BGR image.
        sem_seg (ndarray): ``(H, W)`` class ids.
        palette (list): RGB colour per class.
        alpha (float): Opacity of the overlay.

    Returns:
        ndarray: The blended image.
    """
    colours = np.zeros((256, 3), dtype=np.float64)
    colours[:len(palette)] = np.asarray(palette, dtype=np.float64)[:, ::-1]  # RGB -> BGR
    colours[255] = (128, 128, 128)
    shown = (sem_seg > 0)[..., None]
    blended = img * (1 - alpha) + colours[sem_seg] * alpha
    return np.where(shown, blended, img).astype(np.uint8)


def draw_grasps(img: np.ndarray, grasps: np.ndarray, thickness: int = 1) -> np.ndarray:
    """Draw grasps: plates (``h`` sides) blue, opening (``w`` sides) red.

    Args:
        img (ndarray): ``(H, W, 3)`` uint8 BGR image (drawn on in place).
        grasps (ndarray): ``(N, 5)`` grasps ``(x, y, w, h, theta)`` in continuous coordinates.
        thickness (int): Line thickness. Defaults to 1.

    Returns:
        ndarray: ``img``.
    """
    if len(grasps) == 0:
        return img
    corners = grasps_to_corners(np.asarray(grasps, dtype=np.float64))  # (N, 4, 2), p0p1 = opening
    pts = np.round((corners - 0.5) * (1 << _SHIFT)).astype(np.int32)
    for p in pts:
        for i, colour in ((0, RED), (2, RED), (1, BLUE), (3, BLUE)):
            a, b = p[i], p[(i + 1) % 4]
            cv2.line(img, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), colour, thickness,
                     cv2.LINE_AA, _SHIFT)
    return img


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
            img = overlay_mask(img, sample.gt_sem_seg.sem_seg[0].numpy().astype(np.uint8),
                               palette, args.alpha)
        thickness = max(1, round(min(img.shape[:2]) / 300))
        draw_grasps(img, sample.gt_instances.grasps.numpy(), thickness)
        name = re.sub(r'[^A-Za-z0-9_.-]+', '_', str(sample.metainfo.get('img_id', i)))
        path = osp.join(args.output_dir, f'{i:04d}_{name}.png')
        cv2.imwrite(path, img)
        print(f'{path}: {len(sample.gt_instances)} grasps, image {img.shape[1]}x{img.shape[0]}')


if __name__ == '__main__':
    main()
