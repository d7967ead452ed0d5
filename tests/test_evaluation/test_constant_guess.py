# Copyright (c) mmgrasp contributors. All rights reserved.
"""The constant-guess baseline on a case worked out by hand."""
import math
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmgrasp.datasets import CornellGraspDataset
from mmgrasp.evaluation.functional.constant_guess import constant_guess, constant_guess_metrics
from mmgrasp.utils import register_all_modules

register_all_modules()

PIPELINE = [dict(type='LoadImageFromFile'),
            dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=False),
            dict(type='PackGraspInputs')]


def _cornell(root, rectangles):
    folder = osp.join(root, '01')
    os.makedirs(folder, exist_ok=True)
    for k, corners in enumerate(rectangles):
        cv2.imwrite(osp.join(folder, f'pcd{100 + k:04d}r.png'), np.zeros((48, 64, 3), np.uint8))
        with open(osp.join(folder, f'pcd{100 + k:04d}cpos.txt'), 'w') as f:
            f.write('\n'.join(f'{x} {y}' for x, y in corners) + '\n')
    return root


def test_constant_guess_by_hand(tmp_path):
    # image 0: a 20x10 grasp at the image centre (32, 24), angle 0; image 1: the same grasp at
    # (10, 10). The guess: median size 20x10, the centre of bin 0 (5 degrees), at (32, 24). It
    # matches image 0 (5 degrees off, IoU well above 0.25) and misses image 1 (no overlap): 50 %.
    root = _cornell(str(tmp_path), [[(22, 19), (42, 19), (42, 29), (22, 29)],
                                    [(0, 5), (20, 5), (20, 15), (0, 15)]])
    train = CornellGraspDataset(data_root=root, split='all', pipeline=[])
    test = CornellGraspDataset(data_root=root, split='all', test_mode=True, pipeline=PIPELINE)
    np.testing.assert_allclose(constant_guess(train), [20, 10, math.radians(5)], atol=1e-6)
    metrics = constant_guess_metrics(train, test)
    assert metrics['grasp/acc_a30_iou25'] == pytest.approx(0.5)
    assert metrics['grasp/acc_a30_iou35'] == pytest.approx(0.5)


def test_no_training_grasps(tmp_path):
    root = _cornell(str(tmp_path), [[]])
    with pytest.raises(ValueError, match='no grasps'):
        constant_guess(CornellGraspDataset(data_root=root, split='all', pipeline=[]))
