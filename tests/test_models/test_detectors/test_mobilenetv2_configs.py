# Copyright (c) mmgrasp contributors. All rights reserved.
"""The ImageNet MobileNetV2 configs: model build, a loss step, frozen stages and the error that
names the fetch command when the weights are missing at the start of training."""
import os.path as osp

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmgrasp.datasets import generate_synthetic_dataset
from mmgrasp.registry import MODELS
from mmgrasp.testing import demo_grasp_inputs, get_config, get_detector_cfg

CONFIGS = ['grasp/det_mobilenetv2_fpn_cornell.py', 'grasp/det_seg_mobilenetv2_fpn_synthetic.py',
           'grasp/det_seg_refine_mobilenetv2_fpn_synthetic.py']


@pytest.mark.parametrize('name', CONFIGS)
def test_config_points_at_the_converted_weights(name, monkeypatch):
    monkeypatch.delenv('MMGRASP_PRETRAINED_DIR', raising=False)
    backbone = get_config(name).model.backbone
    assert backbone.type == 'GraspMobileNetV2' and backbone.out_indices == (1, 2, 4, 6)
    assert backbone.init_cfg == dict(
        type='Pretrained', checkpoint='~/.cache/mmgrasp/pretrained/mobilenetv2_imagenet_mmdet.pth')
    monkeypatch.setenv('MMGRASP_PRETRAINED_DIR', '/weights')
    assert get_config(name).model.backbone.init_cfg.checkpoint == \
        '/weights/mobilenetv2_imagenet_mmdet.pth'


def test_loss_step_and_frozen_stages():
    init_default_scope('mmgrasp')
    cfg = get_detector_cfg(CONFIGS[0], tiny=False)  # the real backbone and 64-channel FPN
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.train()  # mmdet's MobileNetV2 freezes its stages in train()
    data = model.data_preprocessor(demo_grasp_inputs(batch_size=2, num_sem_classes=None), True)
    feats = model.backbone(data['inputs'])
    assert [f.shape[1] for f in feats] == [24, 32, 96, 320]
    assert [128 // f.shape[2] for f in feats] == [4, 8, 16, 32]
    losses = model(**data, mode='loss')
    assert {'rpn_loss_cls', 'rpn_loss_bbox', 'loss_cls', 'loss_bbox'} <= set(losses)
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    total.backward()
    params = dict(model.named_parameters())
    for frozen in ('backbone.conv1.conv.weight', 'backbone.layer2.1.linear_conv.conv.weight'):
        assert not params[frozen].requires_grad and params[frozen].grad is None
    assert params['backbone.layer3.0.expand_conv.conv.weight'].grad.abs().sum() > 0
    assert all(not m.training for m in model.backbone.modules()
               if isinstance(m, torch.nn.BatchNorm2d))  # norm_eval


@pytest.mark.slow
def test_training_stops_with_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv('MMGRASP_PRETRAINED_DIR', str(tmp_path / 'no_weights'))
    data_root = str(tmp_path / 'synthetic')
    generate_synthetic_dataset(data_root, num=4, size=64, seed=0, val_ratio=0.25)
    cfg = get_config('grasp/det_seg_refine_mobilenetv2_fpn_synthetic.py')
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[name].num_workers = 0
        cfg[name].persistent_workers = False
        cfg[name].dataset.data_root = data_root
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    expected = osp.join(str(tmp_path / 'no_weights'), 'mobilenetv2_imagenet_mmdet.pth')
    with pytest.raises(FileNotFoundError) as err:
        runner.train()
    assert 'bash tools/model_converters/fetch_pretrained.sh' in str(err.value)
    assert expected in str(err.value)
