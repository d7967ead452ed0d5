# Copyright (c) mmgrasp contributors. All rights reserved.
"""tools/analysis_tools/cornell_cross_validation.py with object-wise folds (``--object-map`` /
``--fold-by object``): on the real folder 01 and its ``01_objects.txt``, a fold's test objects
never appear on its training side nor in its validation hold-out."""
import argparse
import json
import os.path as osp

import pytest
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from mmgrasp.datasets.cornell import load_cornell_object_map
from mmgrasp.registry import DATASETS
from mmgrasp.testing import load_script, shared_data_path

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'grasp', 'det_mobilenetv2_fpn_cornell.py')


@pytest.fixture(scope='module')
def tool():
    return load_script('tools/analysis_tools/cornell_cross_validation.py')


@pytest.fixture(scope='module')
def cornell_root() -> str:
    return shared_data_path('cornell')


def _ids(cfg: Config, options: list, loader: str) -> set:
    """Image ids of ``loader``'s dataset once train.py / test.py applied ``options``."""
    import mmgrasp.datasets  # noqa: F401
    init_default_scope('mmgrasp')
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg = Config(cfg.to_dict())
    cfg.merge_from_dict(parser.parse_args(['--cfg-options'] + options).cfg_options)
    dataset = DATASETS.build(dict(cfg[loader].dataset, serialize_data=False))
    return {info['img_id'] for info in dataset.data_list}


def test_object_wise_folds_keep_test_objects_off_the_training_side(tool, cornell_root):
    object_map = osp.join(cornell_root, '01_objects.txt')
    mapping = load_cornell_object_map(object_map)

    def objects(ids):
        return {mapping[int(i[3:])] for i in ids}

    cfg = Config.fromfile(CONFIG)
    args = tool.parse_args([CONFIG, '--data-root', cornell_root, '--folders', '01',
                            '--object-map', object_map])
    assert args.fold_by == 'object'  # --object-map alone means object-wise folds
    tested = []
    for fold in range(5):
        opts = tool.fold_options(args, fold)
        assert 'test_dataloader.dataset.fold_by=object' in opts
        train = _ids(cfg, opts + tool.NO_VALIDATION, 'train_dataloader')
        test = _ids(cfg, opts, 'test_dataloader')
        assert train and test and not objects(train) & objects(test)
        assert len(train | test) == 100 and not train & test
        tested += sorted(objects(test))
    assert sorted(tested) == sorted(set(mapping.values()))  # each object tested once

    # --validate: the hold-out is whole training objects too
    args = tool.parse_args([CONFIG, '--data-root', cornell_root, '--fold-by', 'object',
                            '--object-map', object_map, '--validate'])
    opts = tool.fold_options(args, 2)
    sides = {loader: objects(_ids(cfg, opts, f'{loader}_dataloader'))
             for loader in ('train', 'val', 'test')}
    assert all(sides.values())
    assert not sides['train'] & sides['val'] and not sides['train'] & sides['test']
    assert not sides['val'] & sides['test']


def test_object_map_arguments(tool, tmp_path, cornell_root):
    object_map = osp.join(cornell_root, '01_objects.txt')
    with pytest.raises(SystemExit):  # a map makes no sense with image-wise folds
        tool.parse_args([CONFIG, '--fold-by', 'image', '--object-map', object_map])
    with pytest.raises(SystemExit):
        tool.parse_args([CONFIG, '--object-map', str(tmp_path / 'none.txt')])
    image_wise = tool.parse_args([CONFIG])
    assert not any('fold_by' in o or 'object_map' in o for o in tool.fold_options(image_wise, 0))
    # a work dir remembers its folds and refuses to resume under others
    work = str(tmp_path / 'cv')
    (tmp_path / 'cv').mkdir()
    tool.check_split_params(image_wise, work)
    tool.check_split_params(image_wise, work)
    with open(osp.join(work, 'split.json')) as f:
        assert json.load(f)['fold_by'] == 'config'
    object_wise = tool.parse_args([CONFIG, '--object-map', object_map])
    with pytest.raises(SystemExit, match='fold_by'):
        tool.check_split_params(object_wise, work)


def test_folds_keep_per_image_outcomes(tool, tmp_path, monkeypatch):
    """A new fold's test writes test_per_image.json; a fold tested before per-image files existed
    is tested again from its checkpoint (and only tested); a complete fold runs nothing."""
    calls = []
    monkeypatch.setattr(tool, 'run', lambda cmd: calls.append(cmd))
    args = tool.parse_args([CONFIG, '--folds', '5'])
    fold_dir = tmp_path / 'fold1'
    fold_dir.mkdir()
    (fold_dir / 'test_metrics.json').write_text(json.dumps({tool.MAIN_KEY: 0.5}))
    (fold_dir / 'last_checkpoint').write_text(str(fold_dir / 'epoch_30.pth'))
    assert tool.run_fold(args, 1, str(tmp_path)) == {tool.MAIN_KEY: 0.5}
    assert len(calls) == 1 and osp.basename(calls[0][1]) == 'test.py'
    assert calls[0][3] == str(fold_dir / 'epoch_30.pth')
    assert f'test_evaluator.per_image_out={fold_dir / "test_per_image.json"}' in calls[0]
    (fold_dir / 'test_per_image.json').write_text('{}')
    tool.run_fold(args, 1, str(tmp_path))
    assert len(calls) == 1


def _fake_test_runs(tool, monkeypatch, metric: float) -> list:
    """Replace the tool's subprocess runner: record each command, write ``metric`` as its
    metrics file. Returns the list the commands are recorded in."""
    calls = []

    def fake_run(cmd):
        calls.append(cmd)
        with open(cmd[cmd.index('--metrics-out') + 1], 'w') as f:
            json.dump({tool.MAIN_KEY: metric}, f)

    monkeypatch.setattr(tool, 'run', fake_run)
    return calls


def _trained_run(work_dir, name: str, weights: bytes):
    """``work_dir/name`` as a trained run: ``last_checkpoint`` naming its ``epoch_30.pth``, and
    the work dir's ``split.json``."""
    (work_dir / 'split.json').write_text(json.dumps({'num_folds': 5}))
    run_dir = work_dir / name
    run_dir.mkdir()
    (run_dir / 'last_checkpoint').write_text(str(run_dir / 'epoch_30.pth'))
    (run_dir / 'epoch_30.pth').write_bytes(weights)
    return run_dir


def test_tta_results_mirror_the_work_dir(tool, tmp_path, monkeypatch):
    """--tta tests each fold's last checkpoint with tools/test.py --tta into <work>/tta/<fold>,
    copies split.json there (so compare_cv_runs.py can pair the two), reads a finished fold back
    without running anything, tests again when the fold was retrained (same name, other
    weights), and skips a fold without a checkpoint."""
    calls = _fake_test_runs(tool, monkeypatch, 0.75)
    args = tool.parse_args([CONFIG, '--folds', '5', '--tta'])
    fold_dir = _trained_run(tmp_path, 'fold2_seed1', b'weights one')

    def run_fold_tta(fold):  # what main() runs for --tta
        return tool.run_fold_retest(args, fold, str(tmp_path), 1, 'tta', ['--tta'], [])

    tta_dir = tmp_path / 'tta' / 'fold2_seed1'
    tta_dir.mkdir(parents=True)  # test.py makes it; the fake does not
    assert run_fold_tta(2) == {tool.MAIN_KEY: 0.75}
    assert len(calls) == 1
    cmd = calls[0]
    assert osp.basename(cmd[1]) == 'test.py' and cmd[3] == str(fold_dir / 'epoch_30.pth')
    assert '--tta' in cmd and cmd[cmd.index('--work-dir') + 1] == str(tta_dir)
    assert f'test_evaluator.per_image_out={tta_dir / "test_per_image.json"}' in cmd
    assert 'test_dataloader.dataset.fold=2' in cmd
    assert json.loads((tmp_path / 'tta' / 'split.json').read_text()) == {'num_folds': 5}
    # the record of the weights tested: the same as before --retest existed, so TTA results
    # made then are read back, not tested again
    sha = tool.sha256_of_file(str(fold_dir / 'epoch_30.pth'))
    assert (tta_dir / 'checkpoint.txt').read_text() == f'{fold_dir / "epoch_30.pth"} {sha}\n'
    run_fold_tta(2)
    assert len(calls) == 1
    (fold_dir / 'epoch_30.pth').write_bytes(b'weights two')  # retrained
    run_fold_tta(2)
    assert len(calls) == 2
    assert run_fold_tta(3) is None  # never trained
    assert len(calls) == 2


def test_retest_mirrors_the_work_dir_and_remembers_its_options(tool, tmp_path, monkeypatch):
    """--retest NAME KEY=V tests each fold's last checkpoint with those options into
    <work>/NAME/<fold> (split.json beside, for compare_cv_runs.py), reuses a result only for the
    same weights and options, and refuses a name that is not one folder of the work dir."""
    calls = _fake_test_runs(tool, monkeypatch, 0.5)
    option = 'model.test_cfg.rcnn.angle_decoding=local_mean'
    args = tool.parse_args([CONFIG, '--retest', 'local_mean', option])
    fold_dir = _trained_run(tmp_path, 'fold0', b'weights')
    out_dir = tmp_path / 'local_mean' / 'fold0'
    out_dir.mkdir(parents=True)  # test.py makes it; the fake does not
    retest = tool.run_fold_retest
    assert retest(args, 0, str(tmp_path), 0, 'local_mean', [], [option]) == {tool.MAIN_KEY: 0.5}
    cmd = calls[0]
    assert cmd[3] == str(fold_dir / 'epoch_30.pth') and '--tta' not in cmd
    assert option in cmd and cmd[cmd.index('--work-dir') + 1] == str(out_dir)
    assert f'test_evaluator.per_image_out={out_dir / "test_per_image.json"}' in cmd
    assert json.loads((tmp_path / 'local_mean' / 'split.json').read_text()) == {'num_folds': 5}
    retest(args, 0, str(tmp_path), 0, 'local_mean', [], [option])
    assert len(calls) == 1  # the same weights, the same options: read back
    retest(args, 0, str(tmp_path), 0, 'local_mean', [],
           ['model.test_cfg.rcnn.angle_decoding=bin_centre'])
    assert len(calls) == 2  # other options under the same name: tested again
    for bad in (['../elsewhere', option], ['tta', option], ['TTA', option], ['.hidden', option],
                ['ok\n', option], ['fold0', option], ['fold3_seed1', option],
                ['cross_validation.json', option], ['name'], ['name', 'no_equals_sign']):
        with pytest.raises(SystemExit):
            tool.parse_args([CONFIG, '--retest', *bad])
