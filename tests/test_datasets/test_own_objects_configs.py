# Copyright (c) mmgrasp contributors. All rights reserved.
"""The grasp JSON format in training: a converted Cornell folder feeds the model exactly what the
native loader feeds it, and the *_own_objects configs train and test on a converted dataset."""
import os.path as osp
import random

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.structures import InstanceData, PixelData

from mmgrasp.datasets import generate_synthetic_dataset
from mmgrasp.datasets.converters import cornell_to_grasp_json, ocid_to_grasp_json
from mmgrasp.registry import DATASETS
from mmgrasp.structures import grasp_iou_shapely
from mmgrasp.testing import get_config, get_detector_cfg


def _seeded(dataset, idx, seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return dataset[idx]


def test_cornell_json_feeds_the_model_what_the_native_loader_does(cornell_root, tmp_path):
    """Same fold sides, and the same augmented tensors and targets under the same seed: a model
    trained on the converted folder is the model trained on the native one."""
    init_default_scope('mmgrasp')
    out = str(tmp_path / 'cornell.json')
    cornell_to_grasp_json(cornell_root, out, folders=['01'], root=cornell_root)
    cfg = get_config('grasp/det_mobilenetv2_fpn_cornell.py')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        native_cfg = dict(cfg[loader].dataset, data_root=cornell_root, folders=['01'])
        json_cfg = dict(cfg[loader].dataset, type='GraspJsonDataset', ann_file=out,
                        fold_by='image', data_prefix=dict(img_path=cornell_root))
        json_cfg.pop('data_root')
        native, converted = DATASETS.build(native_cfg), DATASETS.build(json_cfg)
        assert len(native) == len(converted) > 0
        for idx in (0, len(native) - 1):
            a, b = _seeded(native, idx, seed=idx), _seeded(converted, idx, seed=idx)
            torch.testing.assert_close(a['inputs'], b['inputs'], rtol=0, atol=0)
            ga, gb = a['data_samples'].gt_instances, b['data_samples'].gt_instances
            assert set(ga.keys()) == set(gb.keys()) == {'bboxes', 'labels'}
            for key in ga.keys():  # the grasps (GraspBoxes) and their objects' classes
                va, vb = ga.get(key), gb.get(key)
                torch.testing.assert_close(getattr(va, 'tensor', va), getattr(vb, 'tensor', vb),
                                           rtol=0, atol=0)
            assert a['data_samples'].img_id == b['data_samples'].img_id


@pytest.mark.slow
def test_own_objects_config_trains_and_tests(tmp_path):
    """det_seg_mobilenetv2_fpn_own_objects.py on scenes converted to the format (masks, classes,
    per-image splits): one epoch of training, validation on a hold-out of the training side, and
    a test run that reports the grasp metrics."""
    root = str(tmp_path / 'scenes')
    generate_synthetic_dataset(root, num=10, size=64, seed=0)
    out = osp.join(root, 'grasps.json')  # the file's names stay inside its folder
    ocid_to_grasp_json(root, out, {'train': 'data_split/training_0.txt',
                                   'test': 'data_split/validation_0.txt'})
    name = 'grasp/det_seg_mobilenetv2_fpn_own_objects.py'
    cfg = get_config(name)
    cfg.model = get_detector_cfg(name)
    cfg.model.semantic_head.num_classes = 32  # the OCID_grasp classes the converter writes
    cfg.work_dir = str(tmp_path / 'work')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].num_workers = 0
        cfg[loader].persistent_workers = False
        cfg[loader].dataset.data_root = None
        cfg[loader].dataset.ann_file = out
    for loader in ('train_dataloader', 'val_dataloader'):
        cfg[loader].dataset.val_ratio = 0.25  # no image is marked "val"
    cfg.train_dataloader.batch_size = 2
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1, val_interval=1)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.visualizer = dict(type='mmdet.DetLocalVisualizer', name='own_objects_vis')
    runner = Runner.from_cfg(cfg)
    train_set = runner.train_dataloader.dataset
    train_ids = {train_set.get_data_info(i)['img_id'] for i in range(len(train_set))}
    runner.train()
    metrics = runner.test()
    test_set = runner.test_dataloader.dataset
    test_ids = {test_set.get_data_info(i)['img_id'] for i in range(len(test_set))}
    assert test_ids and not train_ids & test_ids
    # the reported accuracy is the top-1 rule recomputed here, independently: the best-scored
    # grasp of each test image (original frame) against its raw annotations, angle within
    # 30 degrees and exact polygon IoU (shapely) above 0.25
    model = runner.model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(len(test_set)):
            pred = model.test_step(runner.test_dataloader.collate_fn([test_set[i]]))[0]
            gts = [ins['grasp'] for ins in test_set.get_data_info(i)['instances']]
            inst = pred.pred_instances
            if len(inst) == 0:
                continue
            top = inst.bboxes[int(inst.scores.argmax())].tolist()
            correct += any(_angle_gap_deg(top[4], g[4]) <= 30 and grasp_iou_shapely(top, g) > 0.25
                           for g in gts)
    assert len(test_ids) == len(test_set) >= 1
    assert metrics['grasp/acc_a30_iou25'] == pytest.approx(correct / len(test_set))
    # the config's evaluator on this dataset scores its own annotations (original frame) 1.0
    # and the same grasps turned by 45 degrees 0.0: the frames of the data and the metric agree
    for turn, expected in ((0.0, 1.0), (np.pi / 4, 0.0)):
        evaluator = runner.build_evaluator(cfg.test_evaluator)
        evaluator.dataset_meta = test_set.metainfo
        for i in range(len(test_set)):
            batch = runner.test_dataloader.collate_fn([test_set[i]])
            sample = batch['data_samples'][0]
            gts = torch.tensor([ins['grasp'] for ins in test_set.get_data_info(i)['instances']])
            gts[:, 4] += turn
            sample.pred_instances = InstanceData(bboxes=gts, scores=torch.ones(len(gts)))
            sample.pred_sem_seg = PixelData(sem_seg=torch.zeros((1, ) + sample.ori_shape,
                                                                dtype=torch.long))
            evaluator.process([sample], batch)
        oracle = evaluator.evaluate(len(test_set))
        assert oracle['grasp/acc_a30_iou25'] == pytest.approx(expected)


def _angle_gap_deg(a: float, b: float) -> float:
    """The angle between two grasp orientations (radians, period pi), in degrees."""
    gap = abs(a - b) % np.pi
    return float(np.degrees(min(gap, np.pi - gap)))
