# Copyright (c) mmgrasp contributors. All rights reserved.
import math
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmgrasp.datasets import JacquardGraspDataset
from mmgrasp.datasets.jacquard import load_jacquard_grasps

PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadGraspAnnotations', with_seg=True),
    dict(type='PackGraspInputs')
]


def test_samples_load_48_images_and_4832_grasps(jacquard_root):
    ds = JacquardGraspDataset(data_root=jacquard_root, split='all')
    assert len(ds) == 48
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert sum(len(info['instances']) for info in infos) == 4832
    for info in infos:
        assert osp.isfile(info['seg_map_path']) and info['mask_threshold'] == 128
        assert (info['height'], info['width']) == (1024, 1024)
        assert all(inst['obj_label'] == 1 for inst in info['instances'])
    assert ds.metainfo['sem_classes'] == ('background', 'graspable')


def test_first_line_by_hand(jacquard_root):
    obj = '1a9fa4c269cfcc1b738e43095496b061'
    grasps = load_jacquard_grasps(osp.join(jacquard_root, obj, f'0_{obj}_grasps.txt'))
    # "470.14815;253.89551;68.2615;25.5;25.6211": x;y;theta_deg;opening;jaw
    np.testing.assert_allclose(grasps[0], [470.14815, 253.89551, 25.5, 25.6211,
                                           math.radians(68.2615)], atol=1e-9)


def ids(ds):
    return [ds.get_data_info(i)['img_id'] for i in range(len(ds))]


def test_split_95_5(jacquard_root):
    train = JacquardGraspDataset(data_root=jacquard_root, split='train')
    test = JacquardGraspDataset(data_root=jacquard_root, split='test')
    train_ids = set(ids(train))
    test_ids = set(ids(test))
    assert len(test_ids) == round(48 * 0.05) and len(train_ids) == 48 - len(test_ids)
    assert not train_ids & test_ids
    again = JacquardGraspDataset(data_root=jacquard_root, split='test')
    assert ids(again) == ids(test)


def test_convention_through_the_loader(jacquard_root):
    """With the right convention grasp centres lie on the object and plates off it."""
    ds = JacquardGraspDataset(data_root=jacquard_root, split='all', pipeline=PIPELINE)
    on = off = total = 0
    for i in range(len(ds)):
        sample = ds[i]['data_samples']
        mask = sample.gt_sem_seg.sem_seg[0].numpy()
        assert set(np.unique(mask)) <= {0, 1}
        g = sample.gt_instances.bboxes.numpy().astype(np.float64)
        h, w = mask.shape

        def value(x, y):
            xi, yi = np.floor(x).astype(int), np.floor(y).astype(int)
            inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            out = np.zeros(len(x), dtype=mask.dtype)
            out[inside] = mask[yi[inside], xi[inside]]
            return out

        u = np.stack([np.cos(g[:, 4]), np.sin(g[:, 4])], axis=1) * g[:, 2:3] / 2
        on += int((value(g[:, 0], g[:, 1]) == 1).sum())
        for sign in (1, -1):
            off += int((value(g[:, 0] + sign * u[:, 0], g[:, 1] + sign * u[:, 1]) == 0).sum())
        total += len(g)
    assert total == 4832
    centre_on, plates_off = on / total, off / (2 * total)
    print(f'Jacquard: centres on mask {centre_on:.3f}, plate midpoints off mask {plates_off:.3f}')
    assert centre_on >= 0.85 and plates_off >= 0.85


def _write_jacquard(root, lines, rgb=True, mask=True, grasps=True):
    folder = osp.join(root, 'objA')
    os.makedirs(folder, exist_ok=True)
    if rgb:
        cv2.imwrite(osp.join(folder, '0_objA_RGB.png'), np.zeros((32, 32, 3), np.uint8))
    if mask:
        cv2.imwrite(osp.join(folder, '0_objA_mask.png'), np.zeros((32, 32), np.uint8))
    if grasps:
        with open(osp.join(folder, '0_objA_grasps.txt'), 'w', newline='') as f:
            f.write(lines)


def test_negative_angles_wrap_and_crlf(tmp_path):
    _write_jacquard(str(tmp_path), '10;12;-30;8;4\r\n10;12;150;8;4 \r\n\r\n')
    ds = JacquardGraspDataset(data_root=str(tmp_path), split='all')
    grasps = np.array([inst['grasp'] for inst in ds[0]['instances']])
    np.testing.assert_allclose(grasps[:, 4], [math.radians(150)] * 2, atol=1e-9)
    assert [inst['bbox_label'] for inst in ds[0]['instances']] == [15, 15]


@pytest.mark.parametrize('lines, message', [
    ('10;12;30;8;4\n10;12;30;8\n', 'line 2.*5 fields'),
    ('10;12;30;8;4\n\n10;x;30;8;4\n', 'line 3.*number'),
    ('10;12;30;-8;4\n', 'line 1.*negative'),
])
def test_malformed_grasp_lines(tmp_path, lines, message):
    _write_jacquard(str(tmp_path), lines)
    with pytest.raises(ValueError, match=message) as err:
        JacquardGraspDataset(data_root=str(tmp_path), split='all')
    assert '0_objA_grasps.txt' in str(err.value)


@pytest.mark.parametrize('missing, name', [('mask', '0_objA_mask.png'), ('rgb', '0_objA_RGB.png'),
                                           ('grasps', '0_objA_grasps.txt')])
def test_missing_files(tmp_path, missing, name):
    _write_jacquard(str(tmp_path), '10;12;30;8;4\n', **{missing: False})
    with pytest.raises(FileNotFoundError, match=f'objA/{name} not found'):
        JacquardGraspDataset(data_root=str(tmp_path), split='all')


def test_annotation_without_image(tmp_path):
    _write_jacquard(str(tmp_path), '10;12;30;8;4\n', rgb=False, mask=True, grasps=True)
    with pytest.raises(FileNotFoundError, match='0_objA_RGB.png not found'):
        JacquardGraspDataset(data_root=str(tmp_path), split='all')
    (tmp_path / 'empty' / 'objB').mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match='no Jacquard samples'):
        JacquardGraspDataset(data_root=str(tmp_path / 'empty'), split='all')
    with pytest.raises(FileNotFoundError, match='data_root not found'):
        JacquardGraspDataset(data_root=str(tmp_path / 'nowhere'), split='all')
