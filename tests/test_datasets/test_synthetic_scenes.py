# Copyright (c) mmgrasp contributors. All rights reserved.
import hashlib
import os
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config

from mmgrasp.datasets import SYNTHETIC_METAINFO, OCIDGraspDataset, generate_synthetic_dataset
from mmgrasp.datasets.synthetic import render_scene
from mmgrasp.structures import grasps_to_corners

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadGraspAnnotations', with_seg=True),
            dict(type='PackGraspInputs')]


@pytest.fixture(scope='module')
def synthetic_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synthetic'))
    counts = generate_synthetic_dataset(root, num=40, size=128, seed=3)
    return root, counts


def _digest(root):
    h = hashlib.sha256()
    for dirpath, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            h.update(osp.relpath(osp.join(dirpath, name), root).encode())
            with open(osp.join(dirpath, name), 'rb') as f:
                h.update(f.read())
    return h.hexdigest()


def test_the_ocid_loader_reads_every_scene(synthetic_root):
    root, counts = synthetic_root
    train = OCIDGraspDataset(data_root=root, ann_file='data_split/training_0.txt',
                             metainfo=SYNTHETIC_METAINFO)
    val = OCIDGraspDataset(data_root=root, ann_file='data_split/validation_0.txt',
                           metainfo=SYNTHETIC_METAINFO)
    assert (len(train), len(val)) == (counts['train'], counts['val']) == (36, 4)
    infos = [ds.get_data_info(i) for ds in (train, val) for i in range(len(ds))]
    assert sum(len(i['instances']) for i in infos) == counts['grasps']
    assert all(len(i['instances']) > 0 for i in infos)
    assert train.metainfo['sem_classes'] == SYNTHETIC_METAINFO['sem_classes']
    assert {inst['obj_label'] for i in infos for inst in i['instances']} <= set(range(1, 6))


def test_deterministic_from_seed(synthetic_root, tmp_path):
    root, _ = synthetic_root
    generate_synthetic_dataset(str(tmp_path / 'again'), num=40, size=128, seed=3)
    assert _digest(str(tmp_path / 'again')) == _digest(root)
    a, b = render_scene(3, 0, 128), render_scene(4, 0, 128)
    assert not np.array_equal(a['img'], b['img'])


def test_grasps_are_antipodal_on_their_object(synthetic_root):
    """Every centre on its object's class, every plate (midpoint and ends) off the object."""
    root, _ = synthetic_root
    ds = OCIDGraspDataset(data_root=root, ann_file='data_split/training_0.txt',
                          metainfo=SYNTHETIC_METAINFO, pipeline=PIPELINE)
    centre_ok = plate_ok = inside = total = 0
    for i in range(len(ds)):
        sample = ds[i]['data_samples']
        mask = sample.gt_sem_seg.sem_seg[0].numpy()
        g = sample.gt_instances.bboxes.numpy().astype(np.float64)
        labels = sample.gt_instances.labels.numpy()
        u = np.stack([np.cos(g[:, 4]), np.sin(g[:, 4])], 1)
        v = np.stack([-u[:, 1], u[:, 0]], 1)
        at = lambda p: mask[np.floor(p[:, 1]).astype(int), np.floor(p[:, 0]).astype(int)]  # noqa
        centre_ok += int((at(g[:, :2]) == labels).sum())
        ok = np.ones(len(g), bool)
        for side in (1, -1):
            for along in (-0.5, 0.0, 0.5):
                p = g[:, :2] + side * u * g[:, 2:3] / 2 + along * v * g[:, 3:4]
                ok &= at(p) != labels
        plate_ok += int(ok.sum())
        h, w = mask.shape
        corners = grasps_to_corners(g)  # (N, 4, 2)
        inside += int(((corners >= 0).all((1, 2)) & (corners[..., 0] <= w).all(1)
                       & (corners[..., 1] <= h).all(1)).sum())
        total += len(g)
    assert total > 100  # enough grasps for the checks to mean something
    assert centre_ok == total
    assert plate_ok == total
    assert inside == total  # the grasp rectangles stay inside the image


def test_config_metainfo_matches():
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs/_base_/datasets/synthetic_grasp.py'))
    meta = cfg.train_dataloader.dataset.metainfo
    assert tuple(meta['sem_classes']) == SYNTHETIC_METAINFO['sem_classes']
    assert [tuple(c) for c in meta['sem_palette']] == SYNTHETIC_METAINFO['sem_palette']


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        generate_synthetic_dataset(str(tmp_path), num=0)
