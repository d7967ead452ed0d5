# Copyright (c) mmgrasp contributors. All rights reserved.
"""The base dataset configs build and their pipelines produce what the model expects."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmgrasp.datasets import generate_synthetic_dataset
from mmgrasp.registry import DATASETS
from mmgrasp.structures import GraspBoxes

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def build(name, phase, data_root, **overrides):
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', '_base_', 'datasets', f'{name}.py'))
    dataset_cfg = cfg[f'{phase}_dataloader'].dataset
    dataset_cfg.data_root = data_root
    dataset_cfg.update(overrides)
    return cfg, DATASETS.build(dataset_cfg)


def check_sample(item, shape, with_seg):
    inputs, sample = item['inputs'], item['data_samples']
    assert inputs.shape == (3, *shape) and inputs.dtype == torch.uint8
    assert sample.img_shape == shape
    gt = sample.gt_instances
    assert len(gt) > 0
    assert isinstance(gt.bboxes, GraspBoxes) and gt.bboxes.tensor.shape == (len(gt), 5)
    assert gt.labels.shape == (len(gt), ) and gt.labels.dtype == torch.int64
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
    _, test = build('synthetic_grasp', 'test', synthetic_root)
    # training_0 (9 scenes) minus a 10 % validation hold-out; validation_0 is the test side
    assert (len(train), len(val), len(test)) == (8, 1, 1)
    assert len(train.metainfo['sem_classes']) == 6
    check_sample(train[0], (96, 96), True)
    check_sample(val[0], (96, 96), True)
    assert cfg.val_evaluator == dict(type='GraspJaccardMetric', mode='top1')


def test_ocid(ocid_root):
    # the fixture's training list is one sequence: no validation sequence to hold out
    # (test_split_protocol.py checks the hold-out on a two-sequence copy)
    cfg, train = build('ocid_grasp', 'train', ocid_root, val_ratio=0)
    _, val = build('ocid_grasp', 'test', ocid_root)
    np.random.seed(0)
    check_sample(train[0], (48, 64), True)
    sample = check_sample(val[0], (48, 64), True)
    assert sample.gt_instances.labels.tolist() == [1]
    assert cfg.val_evaluator.mode == 'per_class'


def test_jacquard(jacquard_root):
    _, train = build('jacquard_grasp', 'train', jacquard_root)
    _, val = build('jacquard_grasp', 'val', jacquard_root)
    _, test = build('jacquard_grasp', 'test', jacquard_root)
    assert (len(train), len(val), len(test)) == (44, 2, 2)
    check_sample(train[0], (512, 512), True)
    sample = check_sample(val[0], (512, 512), True)
    assert sample.scale_factor == (0.5, 0.5) and sample.ori_shape == (1024, 1024)
    assert set(sample.gt_sem_seg.sem_seg.unique().tolist()) == {0, 1}


def test_cornell(cornell_root):
    _, train = build('cornell_grasp', 'train', cornell_root)
    _, val = build('cornell_grasp', 'val', cornell_root)
    _, test = build('cornell_grasp', 'test', cornell_root)
    assert (len(train), len(val), len(test)) == (72, 8, 20)
    check_sample(train[0], (351, 351), False)
    check_sample(val[0], (351, 351), False)
