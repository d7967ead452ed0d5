# Copyright (c) mmgrasp contributors. All rights reserved.
"""The MobileNetV2 Jacquard configs of the Jacquard benchmark (three variants + the paper form)."""
import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from mmgrasp.registry import MODELS
from mmgrasp.testing import demo_grasp_inputs, get_config

DET = 'grasp/det_mobilenetv2_fpn_jacquard.py'
DET_SEG = 'grasp/det_seg_mobilenetv2_fpn_jacquard.py'
REFINE = 'grasp/det_seg_refine_mobilenetv2_fpn_jacquard.py'
INPLACE = 'grasp/det_seg_refine_inplace_mobilenetv2_fpn_jacquard.py'


def _build(name):
    init_default_scope('mmgrasp')
    cfg = get_config(name)
    cfg.model.backbone.init_cfg = None  # no ImageNet file needed to check the structure
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    return cfg, model


def test_variants_share_data_folds_and_backbone():
    cfgs = {n: get_config(n) for n in (DET, DET_SEG, REFINE, INPLACE)}
    assert cfgs[DET].model.semantic_head is None
    assert cfgs[DET_SEG].model.get('refine_head') is None
    assert cfgs[REFINE].model.refine_head.type == 'GraspRefineHead'
    assert cfgs[INPLACE].model.refine_head.type == 'InPlaceGraspRefineHead'
    for cfg in cfgs.values():
        assert cfg.model.backbone.type == 'GraspMobileNetV2'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            ds = cfg[loader].dataset
            assert (ds.fold, ds.num_folds, ds.fold_by) == (0, 5, 'object')
    assert cfgs[REFINE].load_from.endswith(
        f'det_seg_mobilenetv2_fpn_jacquard/epoch_{cfgs[DET_SEG].train_cfg.max_epochs}.pth')
    evaluators = [e['type'] for e in cfgs[REFINE].test_evaluator]
    assert evaluators == ['GraspJaccardMetric', 'JacquardObjectGraspMetric',
                          'RefinementEffectMetric']
    assert cfgs[DET].test_evaluator.type == 'GraspJaccardMetric'


@pytest.mark.parametrize('name', [REFINE, INPLACE])
def test_refinement_freezes_backbone_and_fpn_and_trains_the_heads(name):
    cfg, model = _build(name)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    data = model.data_preprocessor(demo_grasp_inputs(batch_size=2, num_sem_classes=2), True)
    for _ in range(2):
        loss, _ = model.parse_losses(model(**data, mode='loss'))
        optim_wrapper.update_params(loss)
    changed = {k for k, v in model.state_dict().items() if not torch.equal(before[k], v)}
    assert not [k for k in changed if k.startswith(('backbone.', 'neck.'))]
    assert any(k.startswith('refine_head.') for k in changed)
    assert any(k.startswith('roi_head.') for k in changed)
