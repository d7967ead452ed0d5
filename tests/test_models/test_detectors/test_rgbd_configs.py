# Copyright (c) mmgrasp contributors. All rights reserved.
"""The RGB-D Jacquard configs: depth through the whole pipeline into a 4-channel backbone, a few
training steps and a test on the real samples, and the refinement stage keeping the stem frozen."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmgrasp.registry import DATASETS
from mmgrasp.testing import get_config, get_detector_cfg, shared_data_path

RGBD = ['grasp/det_mobilenetv2_fpn_rgbd_jacquard.py',
        'grasp/det_seg_mobilenetv2_fpn_rgbd_jacquard.py',
        'grasp/det_seg_mobilenetv2_fpn_rgbd_jacquard_48e.py',
        'grasp/det_seg_refine_mobilenetv2_fpn_rgbd_jacquard_24e.py']


def _jacquard_root() -> str:
    return shared_data_path('jacquard', 'Samples')


@pytest.mark.parametrize('name', RGBD)
def test_rgbd_config_is_its_rgb_config_plus_depth(name):
    rgb = get_config(name.replace('_rgbd', ''))
    cfg = get_config(name)
    assert cfg.model.backbone.type == 'RGBDMobileNetV2'
    assert cfg.model.backbone.get('stem_trainable', True) == ('refine' not in name)  # VI-C
    assert cfg.model.data_preprocessor.type == 'RGBDDataPreprocessor'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        steps = [s['type'] for s in cfg[loader].dataset.pipeline]
        rgb_steps = [s['type'] for s in rgb[loader].dataset.pipeline]
        assert steps == rgb_steps[:1] + ['LoadDepthFromFile'] + rgb_steps[1:], loader
        assert {k: v for k, v in cfg[loader].dataset.items() if k != 'pipeline'} == \
            {k: v for k, v in rgb[loader].dataset.items() if k != 'pipeline'}
    assert cfg.train_cfg == rgb.train_cfg and cfg.param_scheduler == rgb.param_scheduler


@pytest.mark.slow
def test_depth_reaches_the_model(tmp_path):
    """The test pipeline gives (4, 512, 512) inputs whose last channel is the scene's depth in
    metres (1.4-1.6 m in the samples); a few training steps and a test run go through."""
    root = _jacquard_root()
    init_default_scope('mmgrasp')
    name = RGBD[1]
    cfg = get_config(name)
    dataset = DATASETS.build(dict(cfg.test_dataloader.dataset, data_root=root))
    item = dataset[0]
    assert item['inputs'].shape == (4, 512, 512)
    depth = item['inputs'][3]
    assert 1.3 < float(depth.min()) and float(depth.max()) < 1.7

    cfg.model = get_detector_cfg(name)
    cfg.work_dir = str(tmp_path / 'work')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].num_workers = 0
        cfg[loader].persistent_workers = False
        cfg[loader].dataset.data_root = root
    cfg.train_dataloader.batch_size = 2
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=100)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.visualizer = dict(type='mmdet.DetLocalVisualizer', name='rgbd_vis')
    runner = Runner.from_cfg(cfg)
    stem = runner.model.backbone.conv1.conv.weight
    assert stem.shape[1] == 4
    before = stem.detach().clone()
    runner.train()
    assert not torch.equal(before, runner.model.backbone.conv1.conv.weight)  # the stem learns
    metrics = runner.test()
    assert 0 <= metrics['grasp/acc_a30_iou25'] <= 100
