# Copyright (c) mmgrasp contributors. All rights reserved.
"""OCIDGraspDataset on the fixture ``tests/data/ocid`` (the release layout, 3 tiny images).

The fixture's rectangles were written by hand, jaw edge ``p0 -> p1`` first:
``(20,10) (20,16) (34,16) (34,10)`` is a grasp at ``(27, 13)`` with opening 14 along +x and jaw 6.
"""
import math
import os
import os.path as osp
import shutil

import numpy as np
import pytest

from mmgrasp.datasets import OCIDGraspDataset

SEQ = 'ARID20/table/top/seq08'
STEM = 'result_2018-08-21-14-44-31'


def load(root, split='training_0', **kwargs):
    return OCIDGraspDataset(data_root=root, ann_file=f'data_split/{split}.txt', **kwargs)


def test_training_split(ocid_root):
    ds = load(ocid_root)
    assert len(ds) == 2
    info = ds.get_data_info(0)
    assert info['img_id'] == f'{SEQ}/{STEM}'
    assert info['img_path'] == osp.join(ocid_root, SEQ, 'rgb', STEM + '.png')
    assert info['seg_map_path'] == osp.join(ocid_root, SEQ, 'seg_mask_labeled_combi', STEM + '.png')
    assert (info['height'], info['width']) == (48, 64)
    grasps = np.array([inst['grasp'] for inst in info['instances']])
    labels = [inst['obj_label'] for inst in info['instances']]
    assert labels == [1, 26, 26]
    t = math.atan2(8, 6)
    np.testing.assert_allclose(grasps[0], [27, 13, 14, 6, 0], atol=1e-9)
    np.testing.assert_allclose(grasps[1], [41, 25.5, 10, 5, t], atol=1e-9)
    assert [inst['bbox_label'] for inst in info['instances']] == [0, 5, 5]
    # opening p1 -> p2 = (0, -14): theta = -90 deg = 90 deg mod 180
    np.testing.assert_allclose(ds.get_data_info(1)['instances'][0]['grasp'],
                               [13, 23, 14, 6, math.pi / 2], atol=1e-9)
    assert ds.get_data_info(1)['instances'][0]['obj_label'] == 6


def test_metainfo(ocid_root):
    meta = load(ocid_root).metainfo
    assert len(meta['classes']) == 18 and len(meta['palette']) == 18
    assert len(meta['sem_classes']) == 32 and len(meta['sem_palette']) == 32
    assert meta['sem_classes'][0] == 'background' and meta['sem_classes'][26] == 'soda_can'


def test_validation_split_with_empty_class_file(ocid_root):
    ds = load(ocid_root, 'validation_0')
    assert len(ds) == 1
    assert [inst['obj_label'] for inst in ds.get_data_info(0)['instances']] == [1]


def test_pipeline_masks_and_classes(ocid_root):
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadGraspAnnotations', with_seg=True),
                dict(type='PackGraspInputs')]
    ds = load(ocid_root, pipeline=pipeline)
    for i in range(len(ds)):
        sample = ds[i]['data_samples']
        mask = sample.gt_sem_seg.sem_seg[0].numpy()
        g = sample.gt_instances.bboxes.numpy()
        at_centre = mask[np.floor(g[:, 1]).astype(int), np.floor(g[:, 0]).astype(int)]
        np.testing.assert_array_equal(at_centre, sample.gt_instances.labels.numpy())


@pytest.fixture
def ocid_copy(ocid_root, tmp_path):
    root = str(tmp_path / 'ocid')
    shutil.copytree(ocid_root, root)
    return root


def _write(path, text):
    with open(path, 'w') as f:
        f.write(text)


def test_empty_split_file(ocid_copy):
    _write(osp.join(ocid_copy, 'data_split', 'training_0.txt'), '\n\n')
    with pytest.raises(ValueError, match='training_0.txt: empty split file'):
        load(ocid_copy)


def test_malformed_split_line(ocid_copy):
    _write(osp.join(ocid_copy, 'data_split', 'training_0.txt'),
           f'{SEQ},{STEM}.png\n{SEQ} {STEM}.png\n')
    with pytest.raises(ValueError, match='training_0.txt, line 2'):
        load(ocid_copy)


@pytest.mark.parametrize('sub, what', [('rgb', 'image'), ('seg_mask_labeled_combi', 'mask')])
def test_missing_image_or_mask(ocid_copy, sub, what):
    os.remove(osp.join(ocid_copy, SEQ, sub, STEM + '.png'))
    with pytest.raises(FileNotFoundError, match=f'training_0.txt, line 1: {what}'):
        load(ocid_copy)


def test_split_line_for_image_that_does_not_exist(ocid_copy):
    _write(osp.join(ocid_copy, 'data_split', 'training_0.txt'), f'{SEQ},{STEM}.png\n'
           f'{SEQ},result_nonexistent.png\n')
    with pytest.raises(FileNotFoundError, match='line 2: image .*result_nonexistent.png'):
        load(ocid_copy)


def test_malformed_annotation(ocid_copy):
    path = osp.join(ocid_copy, SEQ, 'Annotations_per_class', STEM, '26', STEM + '.txt')
    with open(path) as f:
        lines = f.read().splitlines()
    lines[5] = '40.5 twentyfour'
    _write(path, '\n'.join(lines) + '\n')
    with pytest.raises(ValueError, match=f'{STEM}.txt, line 6: expected a number'):
        load(ocid_copy)


def test_bad_class_folder(ocid_copy):
    anno = osp.join(ocid_copy, SEQ, 'Annotations_per_class', STEM)
    os.rename(osp.join(anno, '26'), osp.join(anno, '40'))
    with pytest.raises(ValueError, match='class folder'):
        load(ocid_copy)


def test_missing_ann_file(ocid_root):
    with pytest.raises(FileNotFoundError, match='nothing.txt'):
        load(ocid_root, 'nothing')
