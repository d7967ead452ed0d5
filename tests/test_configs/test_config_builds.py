# Copyright (c) mmgrasp contributors. All rights reserved.
"""Every shipped config builds its model and optimizer, and its variant is the one its name says."""
import glob
import os.path as osp
import re

import pytest
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from mmgrasp.registry import MODELS
from mmgrasp.testing import get_config, get_detector_cfg

CONFIG_DIR = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs')
CONFIGS = sorted(
    osp.relpath(p, CONFIG_DIR) for p in glob.glob(osp.join(CONFIG_DIR, 'grasp', '*.py')))
BASE_MODEL = '_base_/models/grasp_det_seg_r50_fpn.py'
REFINE_BLOCK = '_base_/models/grasp_refine_head.py'


def variant(name: str) -> str:
    """'det', 'det_seg' or 'det_seg_refine' from a config name."""
    stem = osp.basename(name)
    for prefix in ('det_seg_refine_', 'det_seg_', 'det_'):
        if stem.startswith(prefix):
            return prefix[:-1]
    raise ValueError(f'{name}: not named after a variant')


def _config_names_in_docs() -> set:
    """Config file names (``det*_....py``) that README.md and docs/*.md mention."""
    repo = osp.dirname(CONFIG_DIR)
    names = set()
    for path in [osp.join(repo, 'README.md')] + glob.glob(osp.join(repo, 'docs', '*.md')):
        with open(path, encoding='utf-8') as f:
            names |= set(re.findall(r'\b(det(?:_seg)?(?:_refine)?_[a-z0-9_]+\.py)', f.read()))
    return names


def test_configs_are_the_documented_ones():
    """The glob finds the shipped configs, each documented, and every config the docs name
    exists (a renamed or deleted config fails here, as does an undocumented new one)."""
    shipped = {osp.basename(name) for name in CONFIGS}
    documented = _config_names_in_docs()
    assert 'det_mobilenetv2_fpn_cornell.py' in shipped  # the README's quick start
    assert sorted(shipped - documented) == [], 'configs no doc mentions'
    assert sorted(documented - shipped) == [], 'configs the docs name that do not exist'
    assert 'grasp/det_r50_fpn_cornell.py' not in CONFIGS  # the paper's Cornell model is R-101


@pytest.mark.parametrize('name', CONFIGS)
def test_config_builds_its_variant(name):
    """The full-size model (no pretrained weights) and its optimizer wrapper build."""
    init_default_scope('mmgrasp')
    cfg = get_config(name)
    model = MODELS.build(get_detector_cfg(name, tiny=False))
    kind = variant(name)
    assert model.with_semantic_head == (kind != 'det'), name
    assert model.with_refine_head == (kind == 'det_seg_refine'), name
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert optim_wrapper.optimizer.defaults['lr'] == cfg.optim_wrapper.optimizer.lr
    if '_r101_' in name:  # the paper's backbone (IV-A), from ImageNet weights
        backbone = cfg.model.backbone
        assert backbone.type == 'mmdet.ResNet' and backbone.depth == 101
        assert backbone.init_cfg == dict(type='Pretrained', checkpoint='torchvision://resnet101')


def test_base_model_has_no_refine_head():
    """The base model is Det_Seg; only the refine configs add the head, from one file."""
    model = get_config(BASE_MODEL).model
    assert model.get('refine_head') is None
    assert 'refine' not in model.train_cfg
    block = get_config(REFINE_BLOCK)
    assert block.refine_head.type == 'GraspRefineHead'
    for name in CONFIGS:
        cfg = get_config(name)
        if variant(name) != 'det_seg_refine':
            assert cfg.model.get('refine_head') is None, name
            continue
        head = dict(cfg.model.refine_head)
        expected = dict(block.refine_head)
        if 'synthetic' in name or 'mobilenetv2' in name:  # the CPU configs narrow the head
            assert head.pop('fc_channels') == (128, 128)
            expected.pop('fc_channels')
        if 'inplace' in name:  # the paper's form: the same block with its type and map size
            assert head.pop('type') == 'InPlaceGraspRefineHead'
            # the paper's own 128x128 map for the loss as printed; 64x64 in the earlier config
            assert head.pop('map_size') == ((128, 128) if '_eq9_' in name else (64, 64))
            expected.pop('type')
        if '_eq9_' in name:  # Eq. 9 as printed: the block's eq9 coder and loss
            assert head.pop('bbox_coder') == block.eq9_bbox_coder, name
            assert head.pop('loss_refine') == block.eq9_loss_refine, name
            expected.pop('bbox_coder')
            expected.pop('loss_refine')
        assert head == expected, name
        assert set(cfg.model.train_cfg.refine) == set(block.refine_train_cfg), name
