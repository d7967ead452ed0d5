# Copyright (c) mmgrasp contributors. All rights reserved.
"""mmdet's init_detector / inference_detector on an mmgrasp config (scope from the config)."""
import os.path as osp

import cv2
import numpy as np
import torch
from mmdet.apis import inference_detector, init_detector


def test_init_and_inference_detector(tiny_cfg, image_dir):
    model = init_detector(tiny_cfg, None, device='cpu')
    assert type(model).__name__ == 'GraspDetSeg'
    path = osp.join(image_dir, 'a.png')
    from_path = inference_detector(model, path)
    # an array goes through mmdet.LoadImageFromNDArray; LoadGraspAnnotations passes it through
    from_array = inference_detector(model, [cv2.imread(path)])[0]
    for result in (from_path, from_array):
        preds = result.pred_instances
        assert preds.bboxes.ndim == 2 and preds.bboxes.shape[1] == 5
        assert preds.scores.shape == preds.labels.shape == preds.bboxes.shape[:1]
        assert result.pred_sem_seg.sem_seg.shape == (1, 96, 128)
        assert 'gt_instances' not in result and 'gt_sem_seg' not in result
        theta = preds.bboxes[:, 4]
        assert bool(((theta >= 0) & (theta < np.pi)).all())
    assert torch.allclose(from_path.pred_instances.bboxes, from_array.pred_instances.bboxes)
    assert torch.equal(from_path.pred_sem_seg.sem_seg, from_array.pred_sem_seg.sem_seg)


def test_inference_detector_resizing_pipeline(image_dir):
    """Jacquard's test pipeline halves the image: results still come at the original size."""
    from mmgrasp.testing import get_config, get_detector_cfg
    name = 'grasp/det_seg_refine_r101_fpn_jacquard.py'
    cfg = get_config(name)
    cfg.model = get_detector_cfg(name)
    model = init_detector(cfg, None, device='cpu')
    result = inference_detector(model, osp.join(image_dir, 'a.png'))
    assert result.metainfo['scale_factor'] == (0.5, 0.5)
    assert result.pred_sem_seg.sem_seg.shape == (1, 96, 128)
    centres = result.pred_instances.bboxes[:, :2]
    assert float(centres[:, 0].max()) > 64 or float(centres[:, 1].max()) > 48  # not halved
