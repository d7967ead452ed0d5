# Copyright (c) mmgrasp contributors. All rights reserved.
"""tools/analysis_tools/robustness.py on a tiny model, and the cross-validation summary of it."""
import argparse
import json
import sys
from unittest.mock import patch

import pytest
import torch
from mmengine.config import DictAction

from mmgrasp.datasets import CornellGraspDataset
from mmgrasp.datasets.synthetic import generate_synthetic_dataset
from mmgrasp.testing import load_script, tiny_train_config


@pytest.fixture(scope='module')
def tiny_run(tmp_path_factory):
    """A tiny Det_Seg_Refine config on 20 synthetic scenes (5 held out) and a checkpoint."""
    from mmengine.registry import init_default_scope

    from mmgrasp.registry import MODELS
    root = tmp_path_factory.mktemp('robust')
    generate_synthetic_dataset(str(root / 'data'), num=20, size=128, seed=1, val_ratio=0.25)
    cfg = tiny_train_config(str(root / 'data'), str(root / 'work'))
    config = str(root / 'tiny.py')
    cfg.dump(config)
    init_default_scope('mmgrasp')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    checkpoint = str(root / 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    return config, checkpoint, root


def test_robustness_tool_tests_every_condition(tiny_run, capsys):
    config, checkpoint, root = tiny_run
    tool = load_script('tools/analysis_tools/robustness.py')
    out = str(root / 'robustness.json')
    tested = []
    original = tool.Runner.test

    def count(self):
        tested.append(list(self.cfg.test_dataloader.dataset.pipeline))
        return original(self)

    argv = ['robustness.py', config, checkpoint, '--out', out]
    with patch.object(sys, 'argv', argv), patch.object(tool.Runner, 'test', count):
        tool.main()
    results = json.load(open(out))
    assert list(results) == ['plain', 'brightness-20%', 'brightness+20%', 'shift30px_right',
                             'shift30px_left', 'shift30px_down', 'shift30px_up']
    for metrics in results.values():
        assert 0 <= metrics['grasp/acc_a30_iou25'] <= 1 and 'grasp/seg_mIoU' in metrics
    # each run had its own perturbation right after the loading steps
    third = [step['type'] for step in tested[2]]
    assert third[:3] == ['LoadImageFromFile', 'LoadGraspAnnotations', 'mmdet.Brightness']
    assert tested[3][2] == dict(type='GraspTranslate', offset=(30, 0))
    assert len(tested[0]) == len(tested[1]) - 1
    table = capsys.readouterr().out
    assert 'shift30px_up' in table and 'change' in table
    assert not list(root.glob('*.tmp'))


def test_robustness_tool_missing_checkpoint(tiny_run):
    config, _, root = tiny_run
    tool = load_script('tools/analysis_tools/robustness.py')
    with patch.object(sys, 'argv', ['robustness.py', config, str(root / 'none.pth')]):
        with pytest.raises(FileNotFoundError, match='none.pth'):
            tool.main()


def test_cross_validation_summary_of_robustness():
    cv = load_script('tools/analysis_tools/cornell_cross_validation.py')
    key = 'grasp/acc_a30_iou25'
    per_fold = {0: {'plain': {key: 0.80}, 'shift30px_up': {key: 0.70}},
                1: {'plain': {key: 0.90}, 'shift30px_up': {key: 0.50}}}
    summary = cv.summarise_robustness(per_fold)
    assert summary['plain']['mean'] == pytest.approx(85.0)
    assert summary['plain']['std'] == pytest.approx(5.0)
    assert summary['shift30px_up']['folds'] == [70.0, 50.0]


def test_cross_validation_fold_options():
    cv = load_script('tools/analysis_tools/cornell_cross_validation.py')
    with patch.object(sys, 'argv', ['cv.py', 'cfg.py', '--data-root', 'd/', '--folders', '01',
                                    '02', '--folds', '4', '--validate']):
        args = cv.parse_args()
    opts = cv.fold_options(args, 3)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert f'{loader}.dataset.fold=3' in opts and f'{loader}.dataset.num_folds=4' in opts
        assert f'{loader}.dataset.folders=[01,02]' in opts
        assert f'{loader}.dataset.data_root=d/' in opts
    # what DictAction makes of it reaches the dataset as folders 01 and 02
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parsed = parser.parse_args(['--cfg-options'] + opts).cfg_options
    assert [CornellGraspDataset._folder_name(f)
            for f in parsed['test_dataloader.dataset.folders']] == ['01', '02']


def test_cross_validation_without_validation_never_touches_val():
    """By default a fold trains on its whole training side with no validation loop."""
    cv = load_script('tools/analysis_tools/cornell_cross_validation.py')
    with patch.object(sys, 'argv', ['cv.py', 'cfg.py', '--folds', '5']):
        args = cv.parse_args()
    opts = cv.fold_options(args, 1)
    assert not any(o.startswith('val_dataloader.') for o in opts)
    assert 'train_dataloader.dataset.fold=1' in opts and 'test_dataloader.dataset.fold=1' in opts
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parsed = parser.parse_args(['--cfg-options'] + opts + cv.NO_VALIDATION).cfg_options
    assert parsed['val_dataloader'] is None and parsed['val_cfg'] is None
    assert parsed['val_evaluator'] is None and parsed['train_dataloader.dataset.val_ratio'] == 0
