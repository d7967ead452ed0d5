# Copyright (c) mmgrasp contributors. All rights reserved.
"""The base dataset configs build and their pipelines produce what the model expects."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmgrasp.datasets import generate_synthetic_dataset
from mmgrasp.registry import DATASETS

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def build(name, phase, data_root):
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', '_base_', 'datasets', f'{name}.py'))
    dataset_cfg = cfg[f'{phase}_dataloader'].dataset
    dataset_cfg.data_root = data_root
    return cfg, DATASETS.build(dataset_cfg)


def check_sample(item, shape, with_seg):
    inputs, sample = item['inputs'], item['data_samples']
    assert inputs.shape == (3, *shape) and inputs.dtype == torch.uint8
    assert sample.img_shape == shape
    gt = sample.gt_instances
    assert len(gt) > 0
    assert gt.bboxes.tensor.shape == (len(gt), 4) and gt.labels.max() < 18
    assert gt.grasps.shape == (len(gt), 5) and gt.obj_labels.shape == (len(gt), )
    assert ('gt_sem_seg' in sample) == with_seg
    if with_seg:
        assert sample.gt_sem_seg.sem_seg.shape == (1, *shape)
    return sample


@pytest.fixture(scope='module')
def synthetic_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synthetic_cfg'))
    generate_synthetic_dataset(root, num=10, size=96, seed=0)
    return root


def test_synthetic(synthetic_root):
    cfg, train = build('synthetic_grasp', 'train', synthetic_root)
    _, val = build('synthetic_grasp', 'val', synthetic_root)
    assert (len(train), len(val)) == (9, 1)
    assert len(train.metainfo['sem_classes']) == 6
    check_sample(train[0], (96, 96), True)
    check_sample(val[0], (96, 96), True)
    assert cfg.val_evaluator == dict(type='GraspJaccardMetric', mode='top1')


def test_ocid(ocid_root):
    cfg, train = build('ocid_grasp', 'train', ocid_root)
    _, val = build('ocid_grasp', 'val', ocid_root)
    np.random.seed(0)
    check_sample(train[0], (48, 64), True)
    sample = check_sample(val[0], (48, 64), True)
    assert sample.gt_instances.obj_labels.tolist() == [1]
    assert cfg.val_evaluator.mode == 'per_class'


def test_jacquard(jacquard_root):
    _, train = build('jacquard_grasp', 'train', jacquard_root)
    _, val = build('jacquard_grasp', 'val', jacquard_root)
    assert (len(train), len(val)) == (46, 2)
    check_sample(train[0], (512, 512), True)
    sample = check_sample(val[0], (512, 512), True)
    assert sample.scale_factor == (0.5, 0.5) and sample.ori_shape == (1024, 1024)
    assert set(sample.gt_sem_seg.sem_seg.unique().tolist()) == {0, 1}


def test_cornell(cornell_root):
    _, train = build('cornell_grasp', 'train', cornell_root)
    _, val = build('cornell_grasp', 'val', cornell_root)
    assert (len(train), len(val)) == (80, 20)
    check_sample(train[0], (351, 351), False)
    check_sample(val[0], (351, 351), False)
