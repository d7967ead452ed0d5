# Copyright (c) mmgrasp contributors. All rights reserved.
import glob
import math
import os
import os.path as osp
from unittest import mock

import cv2
import numpy as np
import pytest

from mmgrasp.datasets import CornellGraspDataset
from mmgrasp.datasets.cornell import load_cornell_grasps


def count_rectangles(folder: str):
    """Count the positive rectangles of a Cornell folder independently of the loader."""
    valid = nan = 0
    for path in glob.glob(osp.join(folder, 'pcd*cpos.txt')):
        with open(path) as f:
            values = [[float(v) for v in line.split()] for line in f if line.strip()]
        rects = np.asarray(values).reshape(-1, 4, 2)
        has_nan = np.isnan(rects).any(axis=(1, 2))
        valid += int((~has_nan).sum())
        nan += int(has_nan.sum())
    return valid, nan


def test_folder01_loads_all_images_and_non_nan_rectangles(cornell_root):
    with mock.patch('mmgrasp.datasets.cornell.print_log') as log:
        ds = CornellGraspDataset(data_root=cornell_root, split='all')
    valid, nan = count_rectangles(osp.join(cornell_root, '01'))
    assert len(ds) == 100
    assert sum(len(ds[i]['instances']) for i in range(len(ds))) == valid
    assert ds.num_nan_dropped == nan
    # the cpos files of folder 01 hold 1896 lines = 474 rectangles, one of them with NaN corners
    # (../shared/data/README.md says 476; the files say 474)
    assert (valid, nan) == (473, 1)
    assert nan >= 1  # pcd0165cpos.txt has a NaN rectangle
    # one warning with the count and the file
    (message, ), kwargs = log.call_args
    assert f'dropped {nan} rectangle' in message and 'pcd0165cpos.txt' in message
    info = ds.get_data_info(0)
    assert info['img_id'] == 'pcd0100'
    assert (info['height'], info['width']) == (480, 640)
    assert 'seg_map_path' not in info
    assert len(ds.metainfo['classes']) == 18


def test_first_rectangle_by_hand(cornell_root):
    # pcd0100cpos.txt begins "253 319.7 / 309 324 / 307 350 / 251 345.7": p0 -> p1 is the opening.
    grasps, num_nan = load_cornell_grasps(osp.join(cornell_root, '01', 'pcd0100cpos.txt'))
    p = np.array([[253, 319.7], [309, 324], [307, 350], [251, 345.7]])
    expected = [p[:, 0].mean(), p[:, 1].mean(), math.hypot(56, 4.3), math.hypot(-2, 26),
                math.atan2(4.3, 56)]
    np.testing.assert_allclose(grasps[0], expected, atol=1e-9)
    assert num_nan == 0


def ids(ds):
    return [ds.get_data_info(i)['img_id'] for i in range(len(ds))]


def test_five_folds_partition_the_images(cornell_root):
    all_ids = set(ids(CornellGraspDataset(data_root=cornell_root, split='all')))
    seen = []
    for fold in range(5):
        train = set(ids(CornellGraspDataset(data_root=cornell_root, fold=fold, split='train')))
        test = set(ids(CornellGraspDataset(data_root=cornell_root, fold=fold, split='test')))
        assert not train & test and train | test == all_ids
        assert len(test) == 20
        seen += sorted(test)
    assert sorted(seen) == sorted(all_ids)
    # seeded: the same seed gives the same folds, another seed others
    first = ids(CornellGraspDataset(data_root=cornell_root, fold=0, split='test'))
    assert ids(CornellGraspDataset(data_root=cornell_root, fold=0, split='test')) == first
    assert ids(CornellGraspDataset(data_root=cornell_root, fold=0, split='test',
                                   split_seed=1)) != first


def test_object_wise_folds(cornell_root, tmp_path):
    # 25 objects of 4 consecutive images each, in the release's "image object description" form
    z = tmp_path / 'z.txt'
    z.write_text(''.join(f'{n} {(n - 100) // 4} thing{(n - 100) // 4} 0 0\r\n'
                         for n in range(100, 200)))

    def objects(img_ids):
        return {(int(i[3:]) - 100) // 4 for i in img_ids}

    for fold in range(5):
        kwargs = dict(data_root=cornell_root, fold=fold, fold_by='object',
                      object_map_file=str(z))
        train = ids(CornellGraspDataset(split='train', **kwargs))
        test = ids(CornellGraspDataset(split='test', **kwargs))
        assert not objects(train) & objects(test)
        assert len(objects(test)) == 5 and len(test) == 20 and len(train) == 80
    # an image missing from the map is an error naming the map and the image
    z.write_text('100 0 mug\n')
    with pytest.raises(ValueError, match='z.txt: no object for image.*pcd0101'):
        CornellGraspDataset(data_root=cornell_root, fold_by='object', object_map_file=str(z))


def _write_cornell(root, cpos_text, image=True, number=100):
    folder = osp.join(root, '01')
    os.makedirs(folder, exist_ok=True)
    if image:
        cv2.imwrite(osp.join(folder, f'pcd{number:04d}r.png'), np.zeros((48, 64, 3), np.uint8))
    if cpos_text is not None:
        with open(osp.join(folder, f'pcd{number:04d}cpos.txt'), 'w', newline='') as f:
            f.write(cpos_text)
    return folder


def test_crlf_trailing_spaces_and_nan(tmp_path):
    _write_cornell(str(tmp_path), '10 10 \r\n30 10 \r\n30 20 \r\n10 20\r\n'
                   'NaN NaN \r\n1 2 \r\n3 4 \r\nNaN NaN\r\n\r\n')
    ds = CornellGraspDataset(data_root=str(tmp_path), split='all')
    assert ds.num_nan_dropped == 1
    np.testing.assert_allclose(ds[0]['instances'][0]['grasp'], [20, 15, 20, 10, 0], atol=1e-9)


@pytest.mark.parametrize('text, message', [
    ('10 10\n30 abc\n30 20\n10 20\n', 'line 2'),
    ('10 10\n30 10 5\n30 20\n10 20\n', 'line 2'),
    ('10 10\n30 10\n30 20\n', 'multiple of 4'),
])
def test_malformed_rectangle_file(tmp_path, text, message):
    _write_cornell(str(tmp_path), text)
    with pytest.raises(ValueError, match=message) as err:
        CornellGraspDataset(data_root=str(tmp_path), split='all')
    assert 'pcd0100cpos.txt' in str(err.value)


def test_missing_image_or_annotation(tmp_path):
    _write_cornell(str(tmp_path / 'a'), '1 1\n2 1\n2 2\n1 2\n', image=False)
    with pytest.raises(FileNotFoundError, match='pcd0100cpos.txt.*does not exist'):
        CornellGraspDataset(data_root=str(tmp_path / 'a'), split='all')
    _write_cornell(str(tmp_path / 'b'), None)
    with pytest.raises(FileNotFoundError, match='pcd0100r.png.*pcd0100cpos.txt'):
        CornellGraspDataset(data_root=str(tmp_path / 'b'), split='all')
    with pytest.raises(FileNotFoundError, match='not found'):
        CornellGraspDataset(data_root=str(tmp_path / 'nowhere'), split='all')


def test_bad_split_arguments(cornell_root):
    with pytest.raises(ValueError, match='fold'):
        CornellGraspDataset(data_root=cornell_root, fold=5)
    with pytest.raises(ValueError, match='split'):
        CornellGraspDataset(data_root=cornell_root, split='validation')
    with pytest.raises(ValueError, match='val_ratio'):
        CornellGraspDataset(data_root=cornell_root, split='val')


def test_folder_set(tmp_path):
    """``folders`` picks the folder set the folds are drawn from; 1 (from --cfg-options) is 01."""
    _write_cornell(str(tmp_path), '10 10\n30 10\n30 20\n10 20\n')
    second = tmp_path / '02'
    second.mkdir()
    for name in os.listdir(tmp_path / '01'):
        os.link(tmp_path / '01' / name, second / name.replace('0100', '0200'))
    assert len(CornellGraspDataset(data_root=str(tmp_path), split='all')) == 2
    for folders in (['02'], [2], ('2', )):
        ds = CornellGraspDataset(data_root=str(tmp_path), split='all', folders=folders)
        assert [ds[i]['img_id'] for i in range(len(ds))] == ['pcd0200']
    with pytest.raises(FileNotFoundError, match=r"\['03'\] not found"):
        CornellGraspDataset(data_root=str(tmp_path), split='all', folders=['02', '03'])
    with pytest.raises(ValueError, match='01..10'):
        CornellGraspDataset(data_root=str(tmp_path), split='all', folders=['x1'])
