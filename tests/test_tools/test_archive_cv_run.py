# Copyright (c) mmgrasp contributors. All rights reserved.
"""tools/analysis_tools/archive_cv_run.py: a run's outcomes kept under portable names, a record
that grows but never changes, and compare_cv_runs.py pairing a record with a run made elsewhere
(counts worked out by hand)."""
import json

import pytest

from mmgrasp.testing import load_script
from mmgrasp.utils.cv_record_keys import image_key, split_key

GRID = ['acc_a30_iou25', 'acc_a5_iou25']
T, F = True, False


@pytest.fixture(scope='module')
def archive_tool():
    return load_script('tools/analysis_tools/archive_cv_run.py')


@pytest.fixture(scope='module')
def compare_tool():
    return load_script('tools/analysis_tools/compare_cv_runs.py')


def write_run(work_dir, root, runs, folds=2):
    """runs: {(fold, seed): {file name: [bool at 30, 5]}}, images under ``root/01/``."""
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / 'split.json').write_text(json.dumps(dict(
        folds=folds, fold_by='object', object_map=f'{root}_maps/01_objects.txt', data_root=root,
        folders=['01'])))
    for (fold, seed), images in runs.items():
        d = work_dir / (f'fold{fold}' if seed == 0 else f'fold{fold}_seed{seed}')
        d.mkdir(exist_ok=True)
        (d / 'test_per_image.json').write_text(json.dumps(dict(grid=GRID, images=[
            dict(img_path=f'{root}/01/{k}', correct=[v]) for k, v in images.items()])))
        (d / 'test_metrics.json').write_text(json.dumps({'acc_a30_iou25': 50.0}))
        (d / 'lever.py').write_text('# the config the fold was trained with\n')


def test_keys():
    assert image_key('../shared/data/cornell/01/pcd0100r.png') == '01/pcd0100r.png'
    assert image_key('C:\\data\\cornell\\02\\pcd0200r.png') == '02/pcd0200r.png'
    params = dict(folds=5, data_root='/work/shared/data/cornell/', object_map='../x/01_objects.txt')
    assert split_key(params) == dict(folds=5, object_map='01_objects.txt')
    assert split_key(dict(folds=5, data_root=None)) == dict(folds=5)


def test_archive_grows_and_never_changes(archive_tool, tmp_path):
    work, record = tmp_path / 'work', tmp_path / 'record'
    write_run(work, '/machine_a/cornell', {(0, 0): {'pcd0100r.png': [T, F]}})
    assert archive_tool.main([str(work), str(record), '--note', 'baseline']) == ['fold0']
    kept = json.loads((record / 'fold0' / 'test_per_image.json').read_text())
    assert kept == dict(grid=GRID, images=[dict(img_path='01/pcd0100r.png', correct=[[T, F]])])
    split = json.loads((record / 'split.json').read_text())
    assert 'data_root' not in split and split['object_map'] == '01_objects.txt'
    assert json.loads((record / 'fold0' / 'test_metrics.json').read_text()) == {
        'acc_a30_iou25': 50.0}
    # again: nothing new; then a finished fold is added
    assert archive_tool.main([str(work), str(record)]) == []
    write_run(work, '/machine_a/cornell', {(1, 0): {'pcd0101r.png': [F, F]}})
    assert archive_tool.main([str(work), str(record)]) == ['fold1']
    info = json.loads((record / 'record.json').read_text())
    assert info['run'] == dict(work_dir='work', configs=['lever.py'])
    assert [a['folds'] for a in info['archived']] == [['fold0'], ['fold1']]
    assert info['archived'][0]['note'] == 'baseline'
    # a fold whose outcome changed is refused, the record keeps the first, and the new fold of
    # the same call is not half-archived
    write_run(work, '/machine_a/cornell', {(0, 0): {'pcd0100r.png': [T, T]},
                                           (2, 0): {'pcd0102r.png': [T, T]}})
    with pytest.raises(SystemExit, match='already in the record with other contents'):
        archive_tool.main([str(work), str(record)])
    assert json.loads((record / 'fold0' / 'test_per_image.json').read_text()) == kept
    assert not (record / 'fold2').exists()
    assert len(json.loads((record / 'record.json').read_text())['archived']) == 2
    # another run (another config) into the same record is refused
    (work / 'fold0' / 'lever.py').rename(work / 'fold0' / 'shipped.py')
    with pytest.raises(SystemExit, match="holds another run"):
        archive_tool.main([str(work), str(record)])
    # another split is refused too
    other = tmp_path / 'other'
    write_run(other, '/machine_a/cornell', {(0, 0): {'pcd0100r.png': [T, F]}}, folds=5)
    with pytest.raises(SystemExit, match='holds another run'):  # another work dir name
        archive_tool.main([str(other), str(record)])
    (tmp_path / 'r3').mkdir()
    (tmp_path / 'r3' / 'record.json').write_text('{"run": {"work_dir": "other", "configs": '
                                                 '["lever.py"]}, "archived": []}')
    (tmp_path / 'r3' / 'split.json').write_text('{"folds": 2}')
    with pytest.raises(SystemExit, match='split.json is already in the record'):
        archive_tool.main([str(other), str(tmp_path / 'r3')])
    with pytest.raises(SystemExit, match='no fold has a test_per_image.json'):
        (tmp_path / 'empty').mkdir()
        (tmp_path / 'empty' / 'split.json').write_text('{"folds": 2}')
        archive_tool.main([str(tmp_path / 'empty'), str(tmp_path / 'r2')])


def test_record_pairs_with_a_run_from_another_machine(archive_tool, compare_tool, tmp_path):
    # before: images a, b, c (seed 0); after, read from another data root: a lost, b and c gained
    write_run(tmp_path / 'A', '/machine_a/cornell', {(0, 0): {'a.png': [T, T], 'b.png': [F, F],
                                                              'c.png': [F, T]}})
    archive_tool.main([str(tmp_path / 'A'), str(tmp_path / 'rec')])
    write_run(tmp_path / 'B', '../elsewhere/cornell', {(0, 0): {'a.png': [F, T],
                                                                'b.png': [T, T],
                                                                'c.png': [T, T]}})
    res = compare_tool.main([str(tmp_path / 'rec'), str(tmp_path / 'B'), '--angles', '30', '5'])
    v30, v5 = res['keys']['acc_a30_iou25']['vote'], res['keys']['acc_a5_iou25']['vote']
    assert (v30['before'], v30['after'], v30['gained'], v30['lost']) == (1, 2, 2, 1)
    assert (v5['before'], v5['after'], v5['gained'], v5['lost']) == (2, 3, 1, 0)
    # the folds themselves still have to agree
    write_run(tmp_path / 'C', '/machine_a/cornell', {(0, 0): {'a.png': [T, T]}}, folds=5)
    with pytest.raises(SystemExit, match='different folds: folds 2 vs 5'):
        compare_tool.main([str(tmp_path / 'rec'), str(tmp_path / 'C')])
