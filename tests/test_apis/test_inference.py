# Copyright (c) mmgrasp contributors. All rights reserved.
"""mmdet's init_detector / inference_detector on an mmgrasp config (scope from the config)."""
import os.path as osp

import cv2
import numpy as np
import torch
from mmdet.apis import inference_detector, init_detector
from mmengine.dataset import Compose, pseudo_collate


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
    """Jacquard's test pipeline halves the image: the grasps come back at the original size,
    exactly twice those the network finds in the halved image (angles unchanged), and the
    semantic map at the original size."""
    from mmgrasp.testing import get_config, get_detector_cfg
    name = 'grasp/det_seg_refine_r101_fpn_jacquard.py'
    cfg = get_config(name)
    cfg.model = get_detector_cfg(name)
    torch.manual_seed(0)
    model = init_detector(cfg, None, device='cpu')
    path = osp.join(image_dir, 'a.png')
    result = inference_detector(model, path)
    assert result.metainfo['scale_factor'] == (0.5, 0.5)
    assert result.pred_sem_seg.sem_seg.shape == (1, 96, 128)
    # the same forward, left in the network's frame (the halved 48x64 image)
    pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
    data = model.data_preprocessor(pseudo_collate([pipeline(dict(img_path=path, img_id=0))]))
    with torch.no_grad():
        net = model.predict(data['inputs'], data['data_samples'], rescale=False)[0]
    assert net.pred_sem_seg.sem_seg.shape == (1, 48, 64)
    in_net, got = net.pred_instances.bboxes, result.pred_instances.bboxes
    assert len(got) == len(in_net) > 0
    expected = in_net.clone()
    expected[:, :4] *= 2  # x, y, opening, jaw; the angle is that of the halved image
    torch.testing.assert_close(got, expected)
    torch.testing.assert_close(result.pred_instances.scores, net.pred_instances.scores)
