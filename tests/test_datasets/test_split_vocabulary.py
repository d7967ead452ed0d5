# Copyright (c) mmgrasp contributors. All rights reserved.
"""One split vocabulary for every grasp dataset (issue 25): ``split``, ``fold``, ``num_folds``,
``fold_by``, ``val_ratio``, ``split_seed``, cut by :meth:`BaseGraspDataset.split_indices`; the
spellings of before (Cornell's ``object_map_file`` alone, OCID_grasp's ``val_group``) still work,
with a deprecation warning naming the new one. That the shipped configs keep their images is
``test_split_membership.py``'s."""
import os.path as osp
import shutil

import numpy as np
import pytest

from mmgrasp.datasets import (BaseGraspDataset, CornellGraspDataset, GraspJsonDataset,
                              JacquardGraspDataset, OCIDGraspDataset)
from mmgrasp.datasets.utils import kfold_indices


class _Items(BaseGraspDataset):
    """A dataset of nothing, to call the helper on its own."""

    GROUP_NAME = 'thing'

    def load_data_list(self):
        return []


def _helper(**kwargs) -> _Items:
    return _Items(lazy_init=True, **kwargs)


def _ids(dataset) -> list:
    return sorted(dataset.get_data_info(i)['img_id'] for i in range(len(dataset)))


def test_helper_cuts():
    groups = ['a', 'a', 'b', 'c', 'c', 'd', 'e', 'e', 'f', 'g']
    for fold in range(5):  # image-wise folds are the seeded k-fold of the images
        got = _helper(split='test', fold=fold).split_indices(10)
        assert got.tolist() == kfold_indices(10, 5, fold, 0)[1].tolist()
    for fold in range(3):  # group-wise: a group is on one side only
        sides = {split: _helper(split=split, fold=fold, num_folds=3, fold_by='thing',
                                val_ratio=0.3).split_indices(10, groups)
                 for split in ('train', 'val', 'test')}
        named = {k: {groups[i] for i in v} for k, v in sides.items()}
        assert all(named.values())
        assert not named['train'] & named['test'] and not named['val'] & (
            named['train'] | named['test'])
        assert sorted(np.concatenate(list(sides.values())).tolist()) == list(range(10))
    # the dataset's own sides win over a ratio; images marked for validation over val_ratio
    fixed = (np.array([0, 1, 2, 3]), np.array([4, 5]))
    ds = _helper(split='val', val_ratio=0.5)
    assert ds.split_indices(6, fixed=fixed, fixed_val=np.array([3])).tolist() == [3]
    assert len(ds.split_indices(6, fixed=fixed)) == 2
    assert _helper(split='test').split_indices(6, fixed=fixed, test_ratio=0.5).tolist() == [4, 5]
    assert len(_helper(split='test').split_indices(20, test_ratio=0.25)) == 5
    assert _helper(split='all', fold=1).split_indices(4).tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match='no split of its own'):
        _helper(split='test').split_indices(4)
    with pytest.raises(ValueError, match='3 thing.*cannot make 5 thing-wise folds'):
        _helper(split='test', fold=0, fold_by='group').split_indices(4, ['x', 'y', 'z', 'z'])
    with pytest.raises(ValueError, match='3 image.*cannot make 5 image-wise folds; use fewer '
                       'folds$'):  # image-wise too: not an empty test fold
        _helper(split='test', fold=4).split_indices(3)
    with pytest.raises(ValueError, match='needs the thing of every image'):
        _helper(split='test', fold=0, fold_by='thing').split_indices(4)


@pytest.mark.parametrize('kwargs,match', [
    (dict(split='side'), 'split must be one of'),
    (dict(fold_by='scene'), r"fold_by must be one of \('image', 'group', 'thing'\)"),
    (dict(fold=5), r'fold must be None or an integer in \[0, 5\)'),
    (dict(num_folds=1), 'num_folds must be an integer of at least 2'),
    (dict(val_ratio=1.0), r'val_ratio must be in \[0, 1\)'),
])
def test_arguments_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _helper(**kwargs)


def test_cornell_object_wise(cornell_root, tmp_path):
    common = dict(data_root=cornell_root, fold=3, split='test', pipeline=[])
    with pytest.warns(FutureWarning, match="use fold_by='object'"):
        old = CornellGraspDataset(object_map_file='01_objects.txt', **common)
    new = CornellGraspDataset(fold_by='object', object_map_file='01_objects.txt', **common)
    group = CornellGraspDataset(fold_by='group', object_map_file='01_objects.txt', **common)
    assert _ids(old) == _ids(new) == _ids(group)
    assert new.fold_by == 'object' and old.fold_by == 'object'
    # image-wise folds with a map are image-wise (the map only says which object is where)
    image = CornellGraspDataset(fold_by='image', object_map_file='01_objects.txt', **common)
    assert _ids(image) == _ids(CornellGraspDataset(**common)) != _ids(new)
    # without a map, object-wise folds read the release's processedData/z.txt
    with pytest.raises(FileNotFoundError, match='processedData/z.txt.*object_map_file'):
        CornellGraspDataset(fold_by='object', **common)
    shutil.copytree(osp.join(cornell_root, '01'), tmp_path / '01')
    (tmp_path / 'processedData').mkdir()
    shutil.copy(osp.join(cornell_root, '01_objects.txt'), tmp_path / 'processedData' / 'z.txt')
    release = CornellGraspDataset(**dict(common, data_root=str(tmp_path)), fold_by='object')
    assert _ids(release) == _ids(new)
    with pytest.raises(ValueError, match='no split of its own'):
        CornellGraspDataset(**dict(common, fold=None))


def test_jacquard_group_is_object(jacquard_root):
    common = dict(data_root=jacquard_root, pipeline=[], split='test')
    assert _ids(JacquardGraspDataset(fold=1, **common)) == _ids(
        JacquardGraspDataset(fold=1, fold_by='group', **common)) == _ids(
            JacquardGraspDataset(fold=1, fold_by='object', **common))
    assert JacquardGraspDataset(fold=1, **common).fold_by == 'object'
    assert JacquardGraspDataset(**common).fold_by == 'image'  # the paper's 95/5
    # an object-wise 95/5: the test objects have no scene on the training side
    test = JacquardGraspDataset(fold_by='object', test_ratio=0.2, **common)
    train = JacquardGraspDataset(**dict(common, split='train'), fold_by='object', test_ratio=0.2)
    objects = [{ds.get_data_info(i)['object_id'] for i in range(len(ds))} for ds in (test, train)]
    assert len(objects[0]) == 2 and not objects[0] & objects[1]
    assert len(test) + len(train) == 48


def test_grasp_json_group_names(tmp_path, jacquard_root):
    from mmgrasp.datasets.converters import jacquard_to_grasp_json
    out = str(tmp_path / 'jacquard.json')
    jacquard_to_grasp_json(jacquard_root, out, root=jacquard_root)
    with pytest.raises(ValueError, match="fold_by must be one of .'image', 'group'.*'object'"):
        GraspJsonDataset(ann_file=out, fold=0, fold_by='object', pipeline=[])


@pytest.fixture
def ocid_two_sequences(ocid_root, tmp_path):
    root = tmp_path / 'ocid'
    shutil.copytree(ocid_root, root)
    shutil.copytree(root / 'ARID20/table/top/seq08', root / 'ARID20/table/top/seq09')
    split = root / 'data_split' / 'training_0.txt'
    lines = [line for line in split.read_text().splitlines() if line.strip()]
    split.write_text('\n'.join(lines + [line.replace('seq08', 'seq09') for line in lines]) + '\n')
    return str(root)


def test_ocid_vocabulary(ocid_two_sequences):
    common = dict(data_root=ocid_two_sequences, pipeline=[], val_ratio=0.5)
    train_file = dict(common, ann_file='data_split/training_0.txt')
    for val_group, fold_by in (('sequence', 'sequence'), ('sequence', 'group'),
                               ('image', 'image')):
        with pytest.warns(FutureWarning, match=f"val_group='{val_group}' is deprecated"):
            old = OCIDGraspDataset(split='val', val_group=val_group, **train_file)
        new = OCIDGraspDataset(split='val', fold_by=fold_by, **train_file)
        assert _ids(old) == _ids(new) and old.val_group == new.val_group == val_group
    assert OCIDGraspDataset(split='val', **train_file).fold_by == 'sequence'  # the default
    with pytest.warns(FutureWarning), pytest.raises(ValueError, match='disagree'):
        OCIDGraspDataset(split='val', val_group='image', fold_by='sequence', **train_file)
    # fold=k reads the release's split k: training_k.txt, or validation_k.txt for the test side
    for split in ('train', 'val', 'trainval'):
        assert _ids(OCIDGraspDataset(split=split, fold=0, **common)) == _ids(
            OCIDGraspDataset(split=split, **train_file))
    test = OCIDGraspDataset(split='test', fold=0, **common)
    assert _ids(test) == _ids(OCIDGraspDataset(
        ann_file='data_split/validation_0.txt', data_root=ocid_two_sequences, pipeline=[]))
    assert _ids(OCIDGraspDataset(split='test', **dict(common, ann_file=test.ann_file))) == \
        _ids(test)
    assert OCIDGraspDataset(split='train', fold=0, **train_file).fold == 0  # the same file
    with pytest.raises(ValueError, match='reads data_split/validation_0.txt.*give one of them'):
        OCIDGraspDataset(split='test', fold=0, **train_file)
