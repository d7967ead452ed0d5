# Copyright (c) mmgrasp contributors. All rights reserved.
"""tools/analysis_tools/compare_cv_runs.py on per-image files written by hand, with the counts,
votes and p values worked out by hand."""
import json
import os.path as osp

import pytest

from mmgrasp.testing import load_script

GRID = ['acc_a30_iou25', 'acc_a10_iou25', 'acc_a5_iou25']


@pytest.fixture(scope='module')
def tool():
    return load_script('tools/analysis_tools/compare_cv_runs.py')


def write_run(work_dir, runs, split=None):
    """runs: {(fold, seed): {image: [bool at 30, 10, 5]}}"""
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / 'split.json').write_text(json.dumps(split or dict(folds=2, fold_by='object')))
    for (fold, seed), images in runs.items():
        d = work_dir / (f'fold{fold}' if seed == 0 else f'fold{fold}_seed{seed}')
        d.mkdir()
        (d / 'test_per_image.json').write_text(json.dumps(dict(
            grid=GRID, images=[dict(img_path=k, correct=[v]) for k, v in images.items()])))


T, F = True, False


def test_votes_seeds_and_differences_by_hand(tool, tmp_path):
    # Fold 0 (images a, b, c), fold 1 (d, e), seeds 0, 1, 2 at 30 degrees only (10, 5: all false
    # in A, all true in B).
    a30 = {0: dict(a=[T, F, F], b=[F, F, F], c=[T, T, T]), 1: dict(d=[F, F, F], e=[T, T, T])}
    b30 = {0: dict(a=[T, T, T], b=[T, T, F], c=[T, F, F]), 1: dict(d=[T, T, T], e=[T, T, T])}

    def runs(table, other):
        return {(fold, seed): {im: [seeds[seed], other, other] for im, seeds in images.items()}
                for fold, images in table.items() for seed in range(3)}

    write_run(tmp_path / 'A', runs(a30, False))
    write_run(tmp_path / 'B', runs(b30, True))
    out = tmp_path / 'cmp.json'
    res = tool.main([str(tmp_path / 'A'), str(tmp_path / 'B'), '--out', str(out)])
    assert json.loads(out.read_text())['images'] == 5
    v = res['keys']['acc_a30_iou25']['vote']
    # votes A: a F, b F, c T, d F, e T; votes B: a T, b T, c F, d T, e T
    assert (v['before'], v['after'], v['gained'], v['lost']) == (2, 4, 3, 1)
    assert v['p'] == pytest.approx(0.625)  # 2 * P(X <= 1 | n=4) = 2 * 5/16
    seeds = res['keys']['acc_a30_iou25']['per_seed']
    # seed 0: A a,c,e -> B a,b,c,d,e: gained b, d; seed 1: A c,e -> B a,b,d,e gained a,b,d lost c
    assert (seeds['0']['gained'], seeds['0']['lost']) == (2, 0)
    assert (seeds['1']['gained'], seeds['1']['lost']) == (3, 1)
    d = res['keys']['acc_a30_iou25']['difference']
    # per run (fold 0 s0, s1, s2, fold 1 s0, s1, s2) in points: 33.3, 33.3, 0, 50, 50, 50
    assert d['runs'] == pytest.approx([100 / 3, 100 / 3, 0, 50, 50, 50])
    assert d['mean'] == pytest.approx(650 / 18)
    five = res['keys']['acc_a5_iou25']['vote']
    assert (five['gained'], five['lost'], five['p']) == (5, 0, 0.0625)
    assert d['ci95'][0] < d['mean'] < d['ci95'][1]


def test_refuses_what_cannot_be_paired(tool, tmp_path):
    one = {(0, 0): dict(a=[T, T, T], b=[F, F, F])}
    write_run(tmp_path / 'A', one)
    write_run(tmp_path / 'B', {(0, 0): dict(a=[T, T, T], c=[F, F, F])})
    with pytest.raises(SystemExit, match='other images'):
        tool.main([str(tmp_path / 'A'), str(tmp_path / 'B')])
    write_run(tmp_path / 'C', one, split=dict(folds=5, fold_by='object'))
    with pytest.raises(SystemExit, match='different folds: folds 2 vs 5'):
        tool.main([str(tmp_path / 'A'), str(tmp_path / 'C')])
    (tmp_path / 'D').mkdir()
    (tmp_path / 'D' / 'split.json').write_text(json.dumps(dict(folds=2, fold_by='object')))
    with pytest.raises(SystemExit, match='no fold has a test_per_image.json'):
        tool.main([str(tmp_path / 'A'), str(tmp_path / 'D')])
    bad = tmp_path / 'E'
    write_run(bad, {(0, 0): dict(a=[T, T], b=[F, F])})  # two grid points for three keys
    with pytest.raises(SystemExit, match=osp.join('fold0', 'test_per_image.json')):
        tool.main([str(tmp_path / 'A'), str(bad)])
