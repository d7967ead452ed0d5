# Copyright (c) mmgrasp contributors. All rights reserved.
"""tools/analysis_tools/jacquard_cross_validation.py: steps, resume and the summary.

Fold construction is tested on the real samples in tests/test_datasets/test_jacquard_folds.py;
the metrics it reports in tests/test_evaluation. Training itself is the Runner's (tested in
tests/test_engine); here every subprocess is recorded instead of run.
"""
import json
import os
import os.path as osp

import pytest

from mmgrasp.testing import load_script

cv = load_script('tools/analysis_tools/jacquard_cross_validation.py')


def _write(path, data):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(data, f)


def _metrics(acc, refine=False):
    m = {'grasp/acc_a30_iou25': acc, 'grasp/acc_a5_iou25': acc / 2, 'object/num_objects': 2.0,
         'object/correct': 0.5}
    if refine:
        m.update({'refine/a5_gained': 2.0, 'refine/a5_lost': 1.0, 'refine/angle_err_before': 10.0,
                  'refine/angle_err_after': 4.0, 'refine/angle_err_images': 3.0})
    return m


def test_refinement_needs_det_seg_first():
    with pytest.raises(SystemExit):
        cv.parse_args(['--variants', 'det_seg_refine', 'det_seg'])
    with pytest.raises(SystemExit):
        cv.parse_args(['--config', 'nonsense=x.py'])
    args = cv.parse_args(['--config', 'det=my.py', '--variants', 'det'])
    assert args.configs['det'] == 'my.py'


def test_finished_steps_are_read_back_not_run_again(tmp_path, monkeypatch):
    args = cv.parse_args(['--work-dir', str(tmp_path), '--variants', 'det', 'det_seg',
                          'det_seg_refine'])
    fold_dir = tmp_path / 'fold3'
    os.makedirs(fold_dir / 'composites')
    for v in args.variants:
        _write(str(fold_dir / v / 'train_done.json'), dict(checkpoint=f'{v}.pth'))
        _write(str(fold_dir / v / 'test_metrics.json'), _metrics(0.8, v == 'det_seg_refine'))
        if v != 'det':
            _write(str(fold_dir / v / 'composite_metrics.json'), _metrics(0.6))

    def no_run(cmd):
        raise AssertionError(f'ran {cmd}')

    monkeypatch.setattr(cv, 'run', no_run)
    res = cv.run_fold(args, 3)
    assert set(res) == {'det', 'det_seg', 'det_seg_refine'}
    assert ('composites' not in res['det']
            and res['det_seg']['composites']['grasp/acc_a30_iou25'] == 0.6)


def test_an_interrupted_fold_resumes_at_the_missing_step(tmp_path, monkeypatch):
    args = cv.parse_args(['--work-dir', str(tmp_path), '--variants', 'det_seg', 'det_seg_refine',
                          '--composites', '0', '--minutes', '7', '--refine-minutes', '3'])
    fold_dir = tmp_path / 'fold1'
    _write(str(fold_dir / 'det_seg' / 'train_done.json'), dict(checkpoint='ds.pth'))
    _write(str(fold_dir / 'det_seg' / 'test_metrics.json'), _metrics(0.8))
    calls = []

    def fake_run(cmd):
        calls.append(cmd)
        if cmd[1].endswith('train.py'):  # what mmengine leaves behind
            run_dir = cmd[cmd.index('--work-dir') + 1]
            os.makedirs(run_dir, exist_ok=True)
            with open(osp.join(run_dir, 'last_checkpoint'), 'w') as f:
                f.write(osp.join(run_dir, 'epoch_12.pth'))
        else:
            _write(cmd[cmd.index('--metrics-out') + 1], _metrics(0.9, True))

    monkeypatch.setattr(cv, 'run', fake_run)
    res = cv.run_fold(args, 1)
    assert len(calls) == 2  # the refinement's training and test; det_seg was done
    train = calls[0]
    assert train[2].endswith('det_seg_refine_mobilenetv2_fpn_jacquard.py')
    assert 'load_from=ds.pth' in train  # fine-tuned from the same fold's Det_Seg
    assert float(train[train.index('--train-minutes') + 1]) == 3
    assert '--resume' in train
    for opt in ('train_dataloader.dataset.fold=1', 'test_dataloader.dataset.fold=1',
                'train_dataloader.dataset.fold_by=object', 'val_dataloader=None'):
        assert opt in train
    test = calls[1]
    assert test[3] == osp.join(str(fold_dir), 'det_seg_refine', 'epoch_12.pth')
    assert 'test_dataloader.dataset.fold=1' in test
    assert res['det_seg_refine']['test']['grasp/acc_a30_iou25'] == 0.9
    # a second call finds everything done
    monkeypatch.setattr(cv, 'run', lambda cmd: pytest.fail(f'ran {cmd}'))
    cv.run_fold(args, 1)


def test_summary_means_rates_and_sums_counts():
    per_fold = {0: dict(test=_metrics(0.8, True)), 1: dict(test=_metrics(0.6, True))}
    per_fold[1]['test']['refine/angle_err_before'] = 20.0
    per_fold[1]['test']['refine/angle_err_images'] = 1.0
    s = cv.summarise_variant(per_fold)
    assert s['test']['grasp/acc_a30_iou25']['mean'] == pytest.approx(70.0)
    assert s['test']['grasp/acc_a30_iou25']['folds'] == [80.0, 60.0]
    assert 'object/num_objects' not in s['test']
    counts = s['test_counts']
    assert counts['refine/a5_gained']['total'] == 4 and counts['object/num_objects']['total'] == 4
    # the mean angle error weights each fold by its images: (3 * 10 + 1 * 20) / 4
    assert counts['refine/angle_err_before']['mean'] == pytest.approx(12.5)


def test_composites_are_made_from_the_test_fold_and_tested_whole(tmp_path, monkeypatch):
    from mmgrasp.testing import shared_data_path
    root = shared_data_path('jacquard', 'Samples')
    args = cv.parse_args(['--work-dir', str(tmp_path), '--data-root', root, '--variants',
                          'det_seg', '--composites', '1'])
    fold_dir = tmp_path / 'fold2'
    _write(str(fold_dir / 'det_seg' / 'train_done.json'), dict(checkpoint='ds.pth'))
    _write(str(fold_dir / 'det_seg' / 'test_metrics.json'), _metrics(0.8))
    calls = []

    def fake_run(cmd):
        calls.append(cmd)
        _write(cmd[cmd.index('--metrics-out') + 1], _metrics(0.5))

    monkeypatch.setattr(cv, 'run', fake_run)
    res = cv.run_fold(args, 2)
    test_objects = {osp.basename(osp.dirname(p)) for p in cv.fold_test_scenes(args, 2)}
    assert len(test_objects) == 2
    composites = sorted(os.listdir(fold_dir / 'composites'))
    assert composites == ['composite2_000', 'composite3_000', 'composite4_000']
    for name in composites:
        with open(fold_dir / 'composites' / name / f'0_{name}_objects.json') as f:
            sources = [o['source'] for o in json.load(f)['objects']]
        assert {osp.basename(osp.dirname(s)) for s in sources} == test_objects  # no leak
    (cmd, ) = calls
    opts = cmd[cmd.index('--cfg-options') + 1:]
    # the composites override the fold: every scene under their root
    assert opts.index('test_dataloader.dataset.fold=None') > opts.index(
        'test_dataloader.dataset.fold=2')
    assert f'test_dataloader.dataset.data_root={fold_dir / "composites"}' in opts
    assert 'test_dataloader.dataset.split=all' in opts
    assert res['det_seg']['composites']['grasp/acc_a30_iou25'] == 0.5


def test_a_work_dir_of_other_settings_is_refused(tmp_path):
    cv.check_params(cv.parse_args(['--work-dir', str(tmp_path)]))
    cv.check_params(cv.parse_args(['--work-dir', str(tmp_path)]))  # same settings: fine
    with pytest.raises(SystemExit, match='fold_by'):
        cv.check_params(cv.parse_args(['--work-dir', str(tmp_path), '--fold-by', 'image']))


def test_seeds_have_their_own_folds_and_no_minute_budget_by_default(tmp_path, monkeypatch):
    """Without --minutes each variant trains its fixed schedule; --seeds 0 3 trains every fold
    per seed (seed 0 in fold<K>, seed 3 in fold<K>_seed3), each fine-tuned from its own Det_Seg."""
    args = cv.parse_args(['--work-dir', str(tmp_path), '--variants', 'det_seg', 'det_seg_refine',
                          '--composites', '0', '--seeds', '0', '3'])
    calls = []

    def fake_run(cmd):
        calls.append(cmd)
        run_dir = cmd[cmd.index('--work-dir') + 1]
        if cmd[1].endswith('train.py'):
            os.makedirs(run_dir, exist_ok=True)
            with open(osp.join(run_dir, 'last_checkpoint'), 'w') as f:
                f.write(osp.join(run_dir, 'epoch_6.pth'))
        else:
            _write(cmd[cmd.index('--metrics-out') + 1], _metrics(0.5, True))

    monkeypatch.setattr(cv, 'run', fake_run)
    for seed in args.seeds:
        cv.run_fold(args, 2, seed)
    trains = [c for c in calls if c[1].endswith('train.py')]
    assert len(trains) == 4 and not any('--train-minutes' in c for c in trains)
    assert [c[c.index('--seed') + 1] for c in trains] == ['0', '0', '3', '3']
    refine_seed3 = trains[3]
    assert refine_seed3[refine_seed3.index('--work-dir') + 1] == osp.join(
        str(tmp_path), 'fold2_seed3', 'det_seg_refine')
    assert f'load_from={osp.join(str(tmp_path), "fold2_seed3", "det_seg", "epoch_6.pth")}' \
        in refine_seed3
