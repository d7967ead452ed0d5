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


def test_cross_validation_test_sweep(tmp_path):
    """--test-sweep tests the final checkpoint once per value, on the training images with
    --sweep-split train, and reads earlier results instead of testing again."""
    cv = load_script('tools/analysis_tools/cornell_cross_validation.py')
    argv = ['cv.py', 'cfg.py', '--folds', '5', '--test-sweep', 'model.test_cfg.rpn.max_per_img',
            '300', '100', '--sweep-split', 'train']
    with patch.object(sys, 'argv', argv):
        args = cv.parse_args()
    fold_dir = tmp_path / 'fold2'
    fold_dir.mkdir()
    (fold_dir / 'last_checkpoint').write_text(str(fold_dir / 'epoch_30.pth'))
    commands = []

    def fake_run(cmd):
        commands.append(cmd)
        out = cmd[cmd.index('--metrics-out') + 1]
        value = int(cmd[-1].split('=')[-1])
        json.dump({'grasp/acc_a30_iou25': value / 1000}, open(out, 'w'))

    with patch.object(cv, 'run', fake_run):
        results = cv.run_fold_sweep(args, 2, str(tmp_path))
        assert list(results) == ['300', '100']
        assert results['100']['grasp/acc_a30_iou25'] == 0.1
        assert len(commands) == 2
        assert cv.run_fold_sweep(args, 2, str(tmp_path)) == results
        assert len(commands) == 2  # read back, not tested again
    cmd = commands[1]
    assert cmd[1].endswith('test.py') and cmd[2] == 'cfg.py'
    assert str(fold_dir / 'epoch_30.pth') in cmd
    for opt in ('test_dataloader.dataset.fold=2', 'test_dataloader.dataset.split=train',
                'test_dataloader.dataset.val_ratio=0', 'model.test_cfg.rpn.max_per_img=100'):
        assert opt in cmd, opt
    assert (fold_dir / 'sweep' / 'train_model.test_cfg.rpn.max_per_img=100.json').is_file()
    with patch.object(sys, 'argv', ['cv.py', 'cfg.py', '--test-sweep', 'key']):
        with pytest.raises(SystemExit, match='needs a config key'):
            cv.main()
