# Copyright (c) mmgrasp contributors. All rights reserved.
"""Jacquard k-fold cross-validation on the published samples (48 scenes, 10 objects)."""
import os.path as osp

import pytest

from mmgrasp.datasets import JacquardGraspDataset


def _scenes(root, **kwargs):
    ds = JacquardGraspDataset(data_root=root, pipeline=[], test_mode=True, **kwargs)
    return [ds.get_data_info(i) for i in range(len(ds))]


def _objects(infos):
    return {osp.basename(osp.dirname(info['img_path'])) for info in infos}


def test_object_wise_folds_hold_two_objects_each_and_never_leak(jacquard_root):
    seen_test, seen_objects = [], []
    for fold in range(5):
        test = _scenes(jacquard_root, split='test', fold=fold)
        train = _scenes(jacquard_root, split='train', fold=fold)
        assert len(_objects(test)) == 2  # 10 objects in 5 folds of 2
        assert _objects(test).isdisjoint(_objects(train))  # no object on both sides
        assert {i['img_id'] for i in test}.isdisjoint({i['img_id'] for i in train})
        assert len(test) + len(train) == 48
        assert all(i['object_id'] == osp.basename(osp.dirname(i['img_path'])) for i in test)
        seen_test += [i['img_id'] for i in test]
        seen_objects += sorted(_objects(test))
    assert sorted(seen_test) == sorted({*seen_test}) and len(seen_test) == 48  # each once
    assert len(set(seen_objects)) == 10


def test_object_wise_validation_is_whole_training_objects(jacquard_root):
    test = _scenes(jacquard_root, split='test', fold=1, val_ratio=0.125)
    val = _scenes(jacquard_root, split='val', fold=1, val_ratio=0.125)
    train = _scenes(jacquard_root, split='train', fold=1, val_ratio=0.125)
    assert len(_objects(val)) == 1  # 12.5 % of the 8 training objects
    assert _objects(val).isdisjoint(_objects(train) | _objects(test))
    assert len(val) + len(train) + len(test) == 48


def test_image_wise_folds_cover_every_scene_once(jacquard_root):
    tests = [_scenes(jacquard_root, split='test', fold=k, fold_by='image') for k in range(5)]
    assert [len(t) for t in tests] == [10, 10, 10, 9, 9]  # 48 images in 5 folds
    ids = [i['img_id'] for t in tests for i in t]
    assert len(ids) == len(set(ids)) == 48
    # image-wise folds put scenes of one object on both sides
    train0 = _scenes(jacquard_root, split='train', fold=0, fold_by='image')
    assert _objects(tests[0]) & _objects(train0)


def test_fold_arguments_are_checked(jacquard_root):
    with pytest.raises(ValueError, match='fold_by'):
        JacquardGraspDataset(data_root=jacquard_root, fold=0, fold_by='scene', pipeline=[])
    with pytest.raises(ValueError, match='10 object.*11 object-wise folds'):
        _scenes(jacquard_root, split='test', fold=0, num_folds=11)


def test_ratio_split_is_unchanged_without_fold(jacquard_root):
    test = _scenes(jacquard_root, split='test')  # the paper's 95/5 image-wise split
    assert len(test) == 2
