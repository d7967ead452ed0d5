# Copyright (c) mmgrasp contributors. All rights reserved.
"""tools/analysis_tools/ocid_cross_validation.py: each split trains on training_k and tests on
validation_k, and the summary is the mean over the splits (the paper's Table V protocol)."""
import json
import os
import os.path as osp
from unittest.mock import patch

import pytest

from mmgrasp.testing import load_script

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'grasp', 'det_seg_r101_fpn_ocid.py')


@pytest.fixture
def ocid_root(tmp_path):
    root = tmp_path / 'ocid'
    (root / 'data_split').mkdir(parents=True)
    for k in range(5):
        for side in ('training', 'validation'):
            (root / 'data_split' / f'{side}_{k}.txt').write_text('')
    return str(root)


def test_splits_select_their_lists_and_the_mean_is_over_splits(ocid_root, tmp_path):
    tool = load_script('tools/analysis_tools/ocid_cross_validation.py')
    commands = []
    accuracy = {0: 0.8, 1: 0.9, 2: 1.0}

    def fake_run(cmd):
        commands.append(cmd)
        run_dir = cmd[cmd.index('--work-dir') + 1]
        split = int(osp.basename(run_dir)[len('split'):].split('_')[0])
        if cmd[1].endswith('train.py'):
            os.makedirs(run_dir, exist_ok=True)
            open(osp.join(run_dir, 'iter_1.pth'), 'wb').close()
            with open(osp.join(run_dir, 'last_checkpoint'), 'w') as f:
                f.write(osp.join(run_dir, 'iter_1.pth'))
        else:
            with open(cmd[cmd.index('--metrics-out') + 1], 'w') as f:
                json.dump({'grasp/acc_a30_iou25': accuracy[split]}, f)

    work = str(tmp_path / 'cv')
    with patch.object(tool, 'run', fake_run):
        result = tool.main([CONFIG, '--data-root', ocid_root, '--splits', '0', '1', '2',
                            '--work-dir', work])
    trains = [c for c in commands if c[1].endswith('train.py')]
    assert len(trains) == 3
    for k, cmd in enumerate(trains):
        assert f'train_dataloader.dataset.ann_file=data_split/training_{k}.txt' in cmd
        assert f'val_dataloader.dataset.ann_file=data_split/training_{k}.txt' in cmd
        assert f'test_dataloader.dataset.ann_file=data_split/validation_{k}.txt' in cmd
        assert '--seed' in cmd and '--train-minutes' not in cmd  # fixed schedule, seeded
    assert result['summary']['grasp/acc_a30_iou25']['mean'] == pytest.approx(90.0)
    assert result['summary']['grasp/acc_a30_iou25']['folds'] == [80.0, 90.0, 100.0]
    assert osp.exists(osp.join(work, 'ocid_cv.json'))


def test_missing_split_lists_are_refused_before_training(ocid_root, tmp_path):
    tool = load_script('tools/analysis_tools/ocid_cross_validation.py')
    os.remove(osp.join(ocid_root, 'data_split', 'validation_3.txt'))
    with pytest.raises(SystemExit, match='validation_3.txt'):
        tool.main([CONFIG, '--data-root', ocid_root, '--work-dir', str(tmp_path / 'cv')])
