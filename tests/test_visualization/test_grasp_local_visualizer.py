# Copyright (c) mmgrasp contributors. All rights reserved.
import os.path as osp
from unittest.mock import Mock

import cv2
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData, PixelData

from mmgrasp.registry import HOOKS, VISUALIZERS
from mmgrasp.testing import get_config
from mmgrasp.visualization import GraspLocalVisualizer

META = dict(sem_classes=('background', 'box', 'bar'),
            sem_palette=[(0, 0, 0), (0, 255, 0), (255, 255, 0)])


def _sample(h=60, w=80):
    sample = DetDataSample(metainfo=dict(img_shape=(h // 2, w // 2), ori_shape=(h, w),
                                         scale_factor=(0.5, 0.5), img_path='x.png'))
    # ground truth in the frame of the network input (half size)
    sample.gt_instances = InstanceData(bboxes=torch.tensor([[10.0, 10.0, 8.0, 4.0, 0.0]]))
    seg = torch.zeros(1, h, w, dtype=torch.long)
    seg[0, 10:30, 10:30] = 1
    seg[0, 35:55, 45:75] = 2
    sample.pred_sem_seg = PixelData(sem_seg=seg)
    sample.pred_instances = InstanceData(
        bboxes=torch.tensor([[20.0, 20.0, 16.0, 8.0, 0.0], [22.0, 22.0, 16.0, 8.0, 1.0],
                             [60.0, 45.0, 16.0, 8.0, 0.5], [60.0, 5.0, 16.0, 8.0, 0.5]]),
        scores=torch.tensor([0.9, 0.5, 0.4, 0.2]), labels=torch.tensor([0, 5, 2, 2]))
    return sample


def _colours(img):
    red = (img[..., 0] > 150) & (img[..., 1] < 80) & (img[..., 2] < 80)
    blue = (img[..., 2] > 150) & (img[..., 0] < 80) & (img[..., 1] < 80)
    return red, blue


def _visualizer(name, **kwargs):
    vis = GraspLocalVisualizer(name=name, **kwargs)
    vis.dataset_meta = META
    return vis


def test_gt_and_pred_side_by_side(tmp_path):
    vis = _visualizer('vis_side')
    img = np.full((60, 80, 3), 128, np.uint8)
    out_file = str(tmp_path / 'out.png')
    vis.add_datasample('x', img, _sample(), out_file=out_file, pred_score_thr=0.3)
    drawn = vis.get_image()
    assert drawn.shape == (60, 160, 3)
    assert cv2.imread(out_file)[..., ::-1].tolist() == drawn.tolist()
    gt, pred = drawn[:, :80], drawn[:, 80:]
    red, blue = _colours(gt)
    # the ground-truth grasp (10, 10, 8, 4) at half size is drawn at (20, 20, 16, 8)
    assert red[16, 14:26].any() and blue[17:23, 12].any() and not red[40:, :].any()
    red, blue = _colours(pred)
    assert red.any() and blue.any()
    assert (red | blue)[35:55, 52:].any()  # the grasp at (60, 45) with score 0.4 is drawn
    assert not (red | blue)[:15, 45:].any()  # the one at (60, 5) with score 0.2 is not
    assert pred[50, 70].tolist() != [128, 128, 128]  # the semantic map is overlaid


def test_best_per_object_and_max_grasps():
    sample = _sample()
    vis = _visualizer('vis_obj', best_per_object=True)
    best = vis.select_predictions(sample, pred_score_thr=0.0)
    assert best.grasp_inds.tolist() == [0, 2] and best.obj_labels.tolist() == [1, 2]
    vis.add_datasample('x', np.zeros((60, 80, 3), np.uint8), sample, draw_gt=False,
                       pred_score_thr=0.0)
    red, _ = _colours(vis.get_image())
    assert red[:, 52:].any()  # the bar's best grasp (0.4) is drawn
    assert len(_visualizer('vis_max', max_grasps=1).select_predictions(sample, 0.0)) == 1
    # without a semantic map: the single best grasp
    del sample.pred_sem_seg
    assert vis.select_predictions(sample, 0.0).scores.tolist() == [pytest.approx(0.9)]


def test_registry_runtime_and_hook(tmp_path):
    """default_runtime.py: the visualizer and mmdet's visualization hook; what --show-dir does."""
    cfg = get_config('_base_/default_runtime.py')
    assert cfg.default_hooks.visualization.draw is False
    init_default_scope('mmgrasp')
    vis_cfg = cfg.visualizer.copy()
    vis_cfg.update(name='vis_runtime', vis_backends=None)
    vis = VISUALIZERS.build(vis_cfg)
    assert isinstance(vis, GraspLocalVisualizer)
    vis.dataset_meta = META

    hook = HOOKS.build(dict(cfg.default_hooks.visualization, draw=True, test_out_dir='show'))
    hook._visualizer = vis
    img_path = str(tmp_path / 'scene.png')
    cv2.imwrite(img_path, np.full((60, 80, 3), 90, np.uint8))
    sample = _sample()
    sample.set_metainfo(dict(img_path=img_path))
    runner = Mock(work_dir=str(tmp_path), timestamp='ts')
    hook.after_test_iter(runner, 0, {}, [sample])
    drawn = cv2.imread(osp.join(tmp_path, 'ts', 'show', 'scene.png'))
    assert drawn.shape == (60, 160, 3)


def test_ground_truth_is_mapped_back_through_the_crop():
    """A centre crop at (15, 5) then x0.5: the drawn grasp lands where the metric maps it."""
    sample = DetDataSample(metainfo=dict(
        img_shape=(20, 30), ori_shape=(60, 80), scale_factor=(0.5, 0.5),
        homography_matrix=np.array([[0.5, 0, -7.5], [0, 0.5, -2.5], [0, 0, 1]])))
    sample.gt_instances = InstanceData(bboxes=torch.tensor([[10.0, 10.0, 8.0, 4.0, 0.3]]))
    grasps = GraspLocalVisualizer._gt_grasps(sample, np.zeros((60, 80, 3), np.uint8))
    torch.testing.assert_close(grasps, torch.tensor([[35.0, 25.0, 16.0, 8.0, 0.3]]))
    same = GraspLocalVisualizer._gt_grasps(sample, np.zeros((20, 30, 3), np.uint8))
    torch.testing.assert_close(same, sample.gt_instances.bboxes)  # drawn on the input itself
