# Copyright (c) mmgrasp contributors. All rights reserved.
"""tools/analysis_tools/compare_refine_heads.py on a tiny Det_Seg, two iterations per form."""
import json
from unittest.mock import patch

import pytest
import torch

from mmgrasp.datasets.synthetic import generate_synthetic_dataset
from mmgrasp.engine.hooks import FreezeAllButRefineHook
from mmgrasp.testing import load_script, tiny_train_config


@pytest.fixture(scope='module')
def det_seg(tmp_path_factory):
    """A tiny Det_Seg config (no refinement head) on 8 synthetic scenes (2 held out for the
    test side), and a checkpoint."""
    from mmengine.registry import init_default_scope

    from mmgrasp.registry import MODELS
    root = tmp_path_factory.mktemp('compare_refine')
    generate_synthetic_dataset(str(root / 'data'), num=8, size=128, seed=3, val_ratio=0.25)
    cfg = tiny_train_config(str(root / 'data'), str(root / 'unused'), refine=False)
    config = str(root / 'det_seg.py')
    cfg.dump(config)
    init_default_scope('mmgrasp')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    checkpoint = str(root / 'det_seg.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    return config, checkpoint, root


@pytest.mark.slow
def test_compare_refine_heads_smoke(det_seg, capsys):
    config, checkpoint, root = det_seg
    tool = load_script('tools/analysis_tools/compare_refine_heads.py')
    work = root / 'work'
    argv = [config, checkpoint, '--iters', '2', '--batch-size', '2', '--split', 'test',
            '--map-size', '8', '8', '--work-dir', str(work), '--cfg-options',
            'model.refine_head.fc_channels=[16,16]']
    results = tool.main(argv)
    assert set(results) == {'aligned', 'paper'}
    paper, aligned = results['paper'], results['aligned']
    assert paper['refine_head']['type'] == 'InPlaceGraspRefineHead'
    assert paper['refine_head']['map_size'] == [8, 8]
    # fc(2*8*8 -> 16) + BN + fc(16 -> 16) + BN + fc(16 -> 5); aligned: 2*16*16 inputs
    assert paper['params'] == 128 * 16 + 16 + 32 + 16 * 16 + 16 + 32 + 16 * 5 + 5
    assert aligned['params'] == 512 * 16 + 16 + 32 + 16 * 16 + 16 + 32 + 16 * 5 + 5
    held_out = open(root / 'data' / 'data_split' / 'validation_0.txt').read().split()
    assert paper['trained_iters'] == 2 and paper['images'] == len(held_out) == 2
    assert paper['ms_per_image'] > 0 and paper['max_fc_input_mb'] > 0
    # The detector is frozen: both forms refine the very same candidates.
    assert paper['before'] == aligned['before']
    for r in results.values():
        assert set(r['before']) == set(r['after']) == {'30', '20', '15', '10', '5'}
        assert all(0 <= v <= 1 for v in list(r['before'].values()) + list(r['after'].values()))

    # Only the refinement head was trained: everything else is the Det_Seg checkpoint, bit for bit
    # (norm statistics included).
    before = torch.load(checkpoint, map_location='cpu')['state_dict']
    after = torch.load(paper['weights'], map_location='cpu', weights_only=False)['state_dict']
    assert any(k.startswith('refine_head.') for k in after)
    for key, value in before.items():
        assert torch.equal(after[key], value), key

    table = capsys.readouterr().out
    assert 'aligned' in table and 'paper' in table and 'a5 before->after' in table
    assert json.load(open(work / 'comparison_test.json')) == json.loads(json.dumps(results))
    assert not list(work.rglob('*.tmp'))

    # Resumable: a form whose result exists is read back, not run again.
    with patch.object(tool.Runner, 'from_cfg', side_effect=AssertionError('ran again')):
        again = tool.main(argv)
    assert again == json.loads(json.dumps(results))


def test_compare_refine_heads_missing_checkpoint(det_seg):
    config, _, root = det_seg
    tool = load_script('tools/analysis_tools/compare_refine_heads.py')
    with pytest.raises(FileNotFoundError, match='none.pth'):
        tool.main([config, str(root / 'none.pth')])


def test_freeze_hook_trains_only_the_refine_head_and_keeps_the_budget():
    from types import SimpleNamespace
    model = torch.nn.Module()
    model.backbone = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    model.refine_head = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    loop = SimpleNamespace(stop_training=False)
    runner = SimpleNamespace(model=model, train_loop=loop, iter=4,
                             logger=SimpleNamespace(info=lambda msg: None))
    hook = FreezeAllButRefineHook(minutes=0)
    hook.before_train(runner)
    model.train()
    hook.before_train_iter(runner, 0)
    assert [p.requires_grad for p in model.backbone.parameters()] == [False] * 4
    assert all(p.requires_grad for p in model.refine_head.parameters())
    assert not model.backbone.training and model.refine_head.training
    hook.after_train_iter(runner, 0)
    assert loop.stop_training  # a budget of 0 minutes is spent after the first iteration
    loop.stop_training = False
    FreezeAllButRefineHook(minutes=None).after_train_iter(runner, 0)
    assert not loop.stop_training


def test_compare_refine_heads_defaults_to_validation():
    """The form is chosen on the validation hold-out, never on test data."""
    tool = load_script('tools/analysis_tools/compare_refine_heads.py')
    assert tool.parse_args(['c.py', 'w.pth']).split == 'val'
