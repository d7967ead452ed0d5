# Copyright (c) mmgrasp contributors. All rights reserved.
"""Dataset file names stay inside their root, only regular files are opened, and an image or
mask over ``MAX_FILE_BYTES`` is refused before it is read."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmgrasp.datasets import GraspJsonDataset, OCIDGraspDataset
from mmgrasp.datasets.safe_paths import MAX_FILE_BYTES, UnsafePathError
from mmgrasp.datasets.transforms import LoadGraspAnnotations

GRASP = dict(id=0, image_id='a', grasp=[20, 20, 10, 4, 0])


def _grasp_json(root, file_name='a.png', size=True, **extra) -> str:
    os.makedirs(str(root), exist_ok=True)
    image = dict(id='a', file_name=file_name, split='train', **extra)
    if size:
        image.update(width=64, height=48)
    doc = dict(info=dict(format='mmgrasp-grasp-json', version=1), categories=[],
               images=[image], annotations=[GRASP])
    path = osp.join(str(root), 'grasps.json')
    with open(path, 'w') as f:
        json.dump(doc, f)
    return path


def _build(path: str):
    return GraspJsonDataset(ann_file=path, split='all', pipeline=[], test_mode=True)


@pytest.mark.parametrize('name', ['../../../../etc/passwd', '/etc/passwd', '/dev/zero',
                                  'images/../../x.png'])
def test_names_leaving_the_root(tmp_path, name):
    path = _grasp_json(tmp_path / 'data', name)
    with pytest.raises(UnsafePathError, match=r'images\[0\] \(id .a.\), "file_name"'):
        _build(path)


@pytest.mark.parametrize('size', [True, False], ids=['sized', 'unsized'])
def test_device_behind_a_link_is_not_read(tmp_path, size):
    """``zero.png`` inside the root is a link to ``/dev/zero`` (read until memory runs out)."""
    root = tmp_path / 'data'
    root.mkdir()
    os.symlink('/dev/zero', str(root / 'zero.png'))
    with pytest.raises(UnsafePathError, match='character device, not a regular file'):
        _build(_grasp_json(root, 'zero.png', size=size))


@pytest.mark.parametrize('key', ['file_name', 'seg_map', 'depth'])
def test_fifo_is_not_opened(tmp_path, key):
    """A FIFO blocks whoever opens it until a writer comes: never."""
    root = tmp_path / 'data'
    root.mkdir()
    cv2.imwrite(str(root / 'a.png'), np.zeros((48, 64, 3), np.uint8))
    os.mkfifo(str(root / 'fifo.png'))
    extra = {} if key == 'file_name' else {key: 'fifo.png'}
    path = _grasp_json(root, 'fifo.png' if key == 'file_name' else 'a.png', **extra)
    with pytest.raises(UnsafePathError, match=f'"{key}".*FIFO'):
        _build(path)


def test_huge_file_is_refused_before_it_is_read(tmp_path):
    root = tmp_path / 'data'
    root.mkdir()
    with open(root / 'big.png', 'wb') as f:  # sparse: takes no disk space
        f.truncate(MAX_FILE_BYTES + 1)
    for size in (True, False):
        with pytest.raises(UnsafePathError, match='MiB limit'):
            _build(_grasp_json(root, 'big.png', size=size))


def test_names_inside_still_load(tmp_path):
    root = tmp_path / 'data'
    (root / 'images').mkdir(parents=True)
    cv2.imwrite(str(root / 'images' / 'a.png'), np.zeros((48, 64, 3), np.uint8))
    ds = _build(_grasp_json(root, 'images/./a.png', size=False))
    assert ds.get_data_info(0)['img_path'] == osp.join(str(root), 'images', 'a.png')


def test_mask_transform_does_not_open_a_fifo(tmp_path):
    os.mkfifo(str(tmp_path / 'mask.png'))
    with pytest.raises(UnsafePathError, match='FIFO'):
        LoadGraspAnnotations(with_grasp=False, with_seg=True)(
            dict(img_path='x.png', seg_map_path=str(tmp_path / 'mask.png'), instances=[]))


@pytest.mark.parametrize('line', ['../../../../etc,passwd', '/etc,passwd',
                                  'seq,../../../../etc/passwd'])
def test_ocid_split_lines_stay_inside(ocid_root, tmp_path, line):
    split = tmp_path / 'split.txt'
    split.write_text(line + '\n')
    with pytest.raises(UnsafePathError, match='split.txt, line 1'):
        OCIDGraspDataset(data_root=ocid_root, ann_file=str(split), pipeline=[], test_mode=True)
