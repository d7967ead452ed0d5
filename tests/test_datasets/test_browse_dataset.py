# Copyright (c) mmgrasp contributors. All rights reserved.
import glob
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np

from mmgrasp.datasets import generate_synthetic_dataset

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def test_browse_synthetic(tmp_path):
    root = str(tmp_path / 'synthetic')
    generate_synthetic_dataset(root, num=4, size=128, seed=0)
    out = str(tmp_path / 'vis')
    subprocess.run([
        sys.executable, osp.join(REPO_ROOT, 'tools', 'misc', 'browse_dataset.py'),
        osp.join(REPO_ROOT, 'configs', '_base_', 'datasets', 'synthetic_grasp.py'),
        '--output-dir', out, '--phase', 'val', '-n', '2', '--cfg-options',
        f'val_dataloader.dataset.data_root={root}'
    ], check=True, cwd=REPO_ROOT)
    files = sorted(glob.glob(osp.join(out, '*.png')))
    assert len(files) == 1  # the validation side of 4 scenes holds 1
    img = cv2.imread(files[0])
    blue = (img[..., 0] > 200) & (img[..., 1] < 60) & (img[..., 2] < 60)
    red = (img[..., 2] > 200) & (img[..., 0] < 60) & (img[..., 1] < 60)
    assert blue.sum() > 20 and red.sum() > 20
    assert img.shape == (128, 128, 3) and np.any(img != 0)
