# Copyright (c) mmgrasp contributors. All rights reserved.
"""Nothing is chosen on test data (docs/conventions.md section 5).

Every shipped config is built on the data at hand (the real Cornell and Jacquard samples of
``../shared/data``, generated synthetic scenes, the OCID_grasp fixture with a second training
sequence) and its validation set, the one ``save_best`` ranks checkpoints on, must be non-empty,
disjoint from the test set and disjoint from the images the model trains on.
"""
import glob
import os
import os.path as osp
import shutil

import numpy as np
import pytest
from mmengine.config import Config

from mmgrasp.datasets import CornellGraspDataset, generate_synthetic_dataset
from mmgrasp.datasets.utils import holdout_indices, select_split
from mmgrasp.registry import DATASETS

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', 'grasp', '*.py')))


@pytest.fixture(scope='module')
def synthetic_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synthetic_protocol'))
    generate_synthetic_dataset(root, num=20, size=64, seed=0)
    return root


@pytest.fixture(scope='module')
def ocid_two_sequences(ocid_root, tmp_path_factory):
    """The OCID_grasp fixture with a second training sequence (a copy of the first), so that a
    sequence can be held out for validation as in the real release (which has many)."""
    root = str(tmp_path_factory.mktemp('ocid_protocol') / 'ocid')
    shutil.copytree(ocid_root, root)
    seq = 'ARID20/table/top/seq08'
    shutil.copytree(osp.join(root, seq), osp.join(root, 'ARID20/table/top/seq09'))
    split = osp.join(root, 'data_split', 'training_0.txt')
    lines = [line for line in open(split).read().splitlines() if line.strip()]
    with open(split, 'w') as f:
        f.write('\n'.join(lines + [line.replace('seq08', 'seq09') for line in lines]) + '\n')
    return root


def _own_json(ocid_root: str) -> str:
    """The OCID fixture in the grasp JSON format, training and test lists as image splits."""
    out = osp.join(ocid_root, 'grasps.json')
    if not osp.isfile(out):
        from mmgrasp.datasets.converters import ocid_to_grasp_json
        ocid_to_grasp_json(ocid_root, out, {'train': 'data_split/training_0.txt',
                                            'test': 'data_split/validation_0.txt'})
    return out


def _root_for(dataset_cfg, roots):
    if dataset_cfg.type == 'CornellGraspDataset':
        return roots['cornell']
    if dataset_cfg.type == 'JacquardGraspDataset':
        return roots['jacquard']
    if 'synthetic' in dataset_cfg.data_root:
        return roots['synthetic']
    return roots['ocid']


def _image_paths(cfg, phase, roots):
    dataset_cfg = cfg[f'{phase}_dataloader'].dataset.copy()
    if dataset_cfg.type == 'GraspJsonDataset':  # one's own images: the OCID fixture converted
        dataset_cfg.ann_file = roots['own']
        dataset_cfg.data_root = None
    else:
        dataset_cfg.data_root = _root_for(dataset_cfg, roots)
    dataset_cfg.pipeline = []
    dataset = DATASETS.build(dataset_cfg)
    return {dataset.get_data_info(i)['img_path'] for i in range(len(dataset))}


@pytest.mark.parametrize('config', CONFIGS, ids=[osp.basename(c) for c in CONFIGS])
def test_validation_is_never_test_data(config, cornell_root, jacquard_root, synthetic_root,
                                       ocid_two_sequences):
    roots = dict(cornell=cornell_root, jacquard=jacquard_root, synthetic=synthetic_root,
                 ocid=ocid_two_sequences, own=_own_json(ocid_two_sequences))
    cfg = Config.fromfile(config)
    save_best = cfg.default_hooks.checkpoint.get('save_best')
    assert save_best, 'the configs rank checkpoints on validation: save_best is expected'
    assert cfg.get('val_dataloader') and cfg.get('val_cfg') is not None
    train = _image_paths(cfg, 'train', roots)
    val = _image_paths(cfg, 'val', roots)
    test = _image_paths(cfg, 'test', roots)
    assert val and train and test
    assert not val & test, f'{len(val & test)} validation image(s) are test images'
    assert not val & train, f'{len(val & train)} validation image(s) are training images'
    assert not train & test


def test_ocid_validation_holds_out_whole_sequences(ocid_two_sequences):
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', '_base_', 'datasets', 'ocid_grasp.py'))
    roots = dict(ocid=ocid_two_sequences)
    seqs = {phase: {p.split('/rgb/')[0] for p in _image_paths(cfg, phase, roots)}
            for phase in ('train', 'val')}
    assert seqs['train'] and seqs['val'] and not seqs['train'] & seqs['val']


def test_cornell_split_sides(cornell_root):
    """Fold 0 of folder 01: 20 test images, the 80 others split 72 train / 8 validation."""
    def ids(split, **kw):
        ds = CornellGraspDataset(data_root=cornell_root, fold=0, split=split, val_ratio=0.1, **kw)
        return {ds.get_data_info(i)['img_id'] for i in range(len(ds))}

    train, val, trainval, test = ids('train'), ids('val'), ids('trainval'), ids('test')
    assert (len(train), len(val), len(trainval), len(test)) == (72, 8, 80, 20)
    assert train | val == trainval and not train & val and not trainval & test
    assert ids('val') == val  # seeded
    assert ids('val', split_seed=1) != val
    with pytest.raises(ValueError, match='val_ratio > 0'):
        CornellGraspDataset(data_root=cornell_root, split='val')
    # without a hold-out, 'train' is the whole training side, as before
    ds = CornellGraspDataset(data_root=cornell_root, fold=0, split='train')
    assert {ds.get_data_info(i)['img_id'] for i in range(len(ds))} == trainval


def test_cornell_object_wise_validation_holds_out_objects(cornell_root, tmp_path):
    """Object-wise folds hold out whole objects for validation too."""
    os.makedirs(tmp_path / 'processedData')
    with open(tmp_path / 'processedData' / 'z.txt', 'w') as f:  # 10 images per object
        f.writelines(f'{n} obj{(n - 100) // 10} thing\n' for n in range(100, 200))
    os.symlink(osp.join(cornell_root, '01'), tmp_path / '01')
    sides = {}
    for split in ('train', 'val', 'test'):
        ds = CornellGraspDataset(data_root=str(tmp_path), fold=0, split=split, val_ratio=0.25,
                                 fold_by='object', object_map_file='processedData/z.txt')
        sides[split] = {(int(ds.get_data_info(i)['img_id'][3:]) - 100) // 10
                        for i in range(len(ds))}
    assert len(sides['test']) == 2 and len(sides['val']) == 2 and len(sides['train']) == 6
    assert not sides['val'] & sides['train'] and not sides['val'] & sides['test']


def test_holdout_by_hand():
    groups = ['a', 'a', 'b', 'c', 'c', 'c', 'd']
    kept, held = holdout_indices(groups, 0.5, seed=0)
    held_groups = {groups[i] for i in held}
    assert len(held_groups) == 2  # round(4 * 0.5)
    assert {groups[i] for i in kept}.isdisjoint(held_groups)
    assert sorted(np.concatenate([kept, held]).tolist()) == list(range(7))
    assert len(holdout_indices(groups, 0.01, seed=0)[1]) > 0  # at least one group
    with pytest.raises(ValueError, match='at least 2'):
        holdout_indices(['a', 'a'], 0.5, seed=0)
    with pytest.raises(ValueError, match='training side'):
        select_split('train', np.array([0, 1]), np.array([2]), 3, val=np.array([2]))
