# Copyright (c) mmgrasp contributors. All rights reserved.
"""Issue 11, data half: what the loaders reject, drop and warn about (docs/bad_data.md).

1. zero-size grasps (opening or jaw below 1 px) are dropped with one warning per file;
5. mask values that are not class ids are an error naming the mask; Jacquard masks are
   thresholded at 128;
6. images without a usable grasp are listed by id; a truncated PNG fails when the dataset is built.
"""
import math
import os
import os.path as osp
import shutil
from unittest import mock

import cv2
import numpy as np
import pytest

from mmgrasp.datasets import (SYNTHETIC_METAINFO, CornellGraspDataset, JacquardGraspDataset,
                              OCIDGraspDataset, generate_synthetic_dataset)
from mmgrasp.datasets.ocid_grasp import load_ocid_grasps

LOG = 'mmgrasp.datasets.base_grasp_dataset.print_log'
SIZE_LOG = 'mmgrasp.datasets.grasp_size_rules.print_log'  # the 1 px rule's warnings
CROP_PIPELINE = [dict(type='GraspCenterCrop', crop_size=351)]
SEQ = 'ARID20/table/top/seq08'
STEM = 'result_2018-08-21-14-44-31'


def messages(log) -> list:
    return [call.args[0] for call in log.call_args_list]


def rect(x0, y0, x1, y1, x2, y2, x3, y3) -> str:
    return f'{x0} {y0}\r\n{x1} {y1}\r\n{x2} {y2}\r\n{x3} {y3}\r\n'


def write_cornell(root, texts, size=(480, 640)):
    """Cornell images ``pcd0100..`` of ``size`` with the given ``cpos`` texts."""
    folder = osp.join(str(root), '01')
    os.makedirs(folder, exist_ok=True)
    for k, text in enumerate(texts):
        cv2.imwrite(osp.join(folder, f'pcd{100 + k:04d}r.png'), np.zeros(size + (3, ), np.uint8))
        with open(osp.join(folder, f'pcd{100 + k:04d}cpos.txt'), 'w', newline='') as f:
            f.write(text)
    return folder


def write_jacquard(root, lines, mask=None, name='objA'):
    folder = osp.join(str(root), name)
    os.makedirs(folder, exist_ok=True)
    cv2.imwrite(osp.join(folder, f'0_{name}_RGB.png'), np.zeros((32, 32, 3), np.uint8))
    cv2.imwrite(osp.join(folder, f'0_{name}_mask.png'),
                np.zeros((32, 32), np.uint8) if mask is None else mask)
    with open(osp.join(folder, f'0_{name}_grasps.txt'), 'w', newline='') as f:
        f.write(lines)
    return folder


GOOD = rect(300, 200, 340, 200, 340, 220, 300, 220)  # w=40, h=20 at (320, 210)


# ---------------------------------------------------------------- 1: zero-size grasps

def test_cornell_zero_size_rectangles_are_dropped_with_one_warning(tmp_path):
    equal = rect(5, 5, 5, 5, 5, 5, 5, 5)  # four equal corners: w = h = 0
    no_opening = rect(50, 60, 50, 60, 50, 80, 50, 80)  # p0 = p1: w = 0, jaw 20
    thin = rect(10, 10, 10.5, 10, 10.5, 30, 10, 30)  # opening 0.5 px
    folder = write_cornell(tmp_path, [GOOD + equal + no_opening + GOOD + thin])
    with mock.patch(SIZE_LOG) as log:
        ds = CornellGraspDataset(data_root=str(tmp_path), split='all')
    grasps = np.array([inst['grasp'] for inst in ds.get_data_info(0)['instances']])
    np.testing.assert_allclose(grasps, [[320, 210, 40, 20, 0]] * 2, atol=1e-9)
    small = [m for m in messages(log) if 'below 1 px' in m]
    assert len(small) == 1  # one warning for the file
    path = osp.join(folder, 'pcd0100cpos.txt')
    assert small[0].startswith(f'{path}: dropped 3 of 5 grasp(s)')
    assert 'line 5 (w=0, h=0)' in small[0] and 'line 9 (w=0, h=20)' in small[0]
    assert 'line 17 (w=0.5, h=20)' in small[0]


def test_jacquard_zero_lines_are_dropped_with_one_warning(tmp_path):
    folder = write_jacquard(tmp_path, '10;12;30;8;4\r\n10;12;30;0;0\r\n10;12;30;6;0.9\r\n'
                            '11;12;30;1;1\r\n')
    with mock.patch(SIZE_LOG) as log:
        ds = JacquardGraspDataset(data_root=str(tmp_path), split='all')
    grasps = np.array([inst['grasp'] for inst in ds.get_data_info(0)['instances']])
    np.testing.assert_allclose(grasps[:, :4], [[10, 12, 8, 4], [11, 12, 1, 1]])  # 1 px is kept
    (message, ) = [m for m in messages(log) if 'below 1 px' in m]
    assert message.startswith(osp.join(folder, '0_objA_grasps.txt') + ': dropped 2 of 4')
    assert 'line 2 (w=0, h=0)' in message and 'line 3 (w=6, h=0.9)' in message


def test_ocid_zero_jaw_is_dropped(tmp_path):
    path = str(tmp_path / 'r.txt')
    with open(path, 'w') as f:  # OCID: p0 -> p1 is the jaw; the second rectangle has none
        f.write(rect(20, 10, 20, 16, 34, 16, 34, 10) + rect(20, 10, 20, 10, 34, 10, 34, 10))
    with mock.patch(SIZE_LOG) as log:
        grasps = load_ocid_grasps(path)
    np.testing.assert_allclose(grasps, [[27, 13, 14, 6, 0]], atol=1e-9)
    (message, ) = messages(log)
    assert message.startswith(f'{path}: dropped 1 of 2') and 'line 5 (w=14, h=0)' in message


def test_native_loaders_refuse_grasps_longer_than_the_image(tmp_path):
    """An opening of 1e30 (or one longer than the image's diagonal) trained with no positive;
    the native loaders now name the file and the line. 32 x 32 Jacquard image: diagonal 45 px,
    so an opening of 45 is kept and 46 refused."""
    write_jacquard(tmp_path / 'j', '10;12;30;45;4\r\n')
    ds = JacquardGraspDataset(data_root=str(tmp_path / 'j'), split='all')
    assert ds.get_data_info(0)['instances'][0]['grasp'][2] == 45
    folder = write_jacquard(tmp_path / 'k', '10;12;30;8;4\r\n10;12;30;1e30;4\r\n'
                            '10;12;30;46;4\r\n')
    path = osp.join(folder, '0_objA_grasps.txt')
    with pytest.raises(ValueError, match=rf'{path}: line 2: opening 1e\+30 px .* longer than '
                       r'the image diagonal \(45 px of the 32 x 32 image\).*; also line 3'):
        JacquardGraspDataset(data_root=str(tmp_path / 'k'), split='all')
    huge = rect(0, 0, 1e6, 0, 1e6, 20, 0, 20)  # a 1e6 px opening in a 640 x 480 image
    folder = write_cornell(tmp_path / 'c', [GOOD + huge])
    with pytest.raises(ValueError, match=r'pcd0100cpos\.txt: line 5: opening 1e\+06 px'):
        CornellGraspDataset(data_root=str(tmp_path / 'c'), split='all')
    path = str(tmp_path / 'r.txt')
    with open(path, 'w') as f:  # OCID corner order: the jaw first, then a 2000 px opening
        f.write(rect(20, 10, 20, 16, 2020, 16, 2020, 10))
    with pytest.raises(ValueError, match=r'r\.txt: line 1: opening 2000 px'):
        load_ocid_grasps(path, (640, 480))
    assert len(load_ocid_grasps(path)) == 1  # without the image's size: no check


def test_the_rule_drops_nothing_from_the_real_samples(cornell_root, jacquard_root):
    """1 px is far below the smallest real grasps; resize by 0.5 and crop 351 lose none."""
    with mock.patch(LOG) as log, mock.patch(SIZE_LOG) as size_log:
        cornell = CornellGraspDataset(data_root=cornell_root, split='all',
                                      pipeline=CROP_PIPELINE)
        jacquard = JacquardGraspDataset(data_root=jacquard_root, split='all',
                                        pipeline=[dict(type='GraspResize', scale_factor=0.5)])
    assert messages(log) == [] and messages(size_log) == []
    cornell_grasps = np.array([inst['grasp'] for i in range(len(cornell))
                               for inst in cornell.get_data_info(i)['instances']])
    jacquard_grasps = np.array([inst['grasp'] for i in range(len(jacquard))
                                for inst in jacquard.get_data_info(i)['instances']])
    # folder 01: 474 rectangles in its cpos files, one with NaN corners (pcd0165)
    assert len(cornell_grasps) == 473 and cornell.num_nan_dropped == 1
    assert len(jacquard_grasps) == 4832
    assert cornell_grasps[:, 2:4].min() > 8 and jacquard_grasps[:, 2:4].min() >= 6
    assert list(cornell.images_without_gt) == [] and list(jacquard.images_without_gt) == []


# ---------------------------------------------------------------- 5: mask values

JACQUARD_PIPELINE = [dict(type='LoadImageFromFile'),
                     dict(type='LoadGraspAnnotations', with_seg=True),
                     dict(type='PackGraspInputs')]


def test_jacquard_anti_aliased_mask_is_thresholded_at_128(tmp_path):
    mask = np.zeros((32, 32), np.uint8)
    mask[:, 8:16] = 255
    mask[:, 16:20] = 128  # anti-aliased edge: object
    mask[:, 20:24] = 127  # background
    mask[:, 24:] = 3
    write_jacquard(tmp_path, '10;12;30;8;4\n', mask=mask)
    ds = JacquardGraspDataset(data_root=str(tmp_path), split='all', pipeline=JACQUARD_PIPELINE)
    seg = ds[0]['data_samples'].gt_sem_seg.sem_seg[0].numpy()
    expected = np.zeros((32, 32), np.int64)
    expected[:, 8:20] = 1
    np.testing.assert_array_equal(seg, expected)


@pytest.fixture
def ocid_copy(ocid_root, tmp_path):
    root = str(tmp_path / 'ocid')
    shutil.copytree(ocid_root, root)
    return root


def _ocid(root, **kwargs):
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadGraspAnnotations', with_seg=True),
                dict(type='PackGraspInputs')]
    return OCIDGraspDataset(data_root=root, ann_file='data_split/training_0.txt',
                            pipeline=pipeline, **kwargs)


def _assert_names_mask(err, path, value, num_px, num_classes):
    message = str(err.value)
    assert message.startswith(f'{path}: mask values {value} ({num_px} px)'), message
    assert f'of the {num_classes} semantic classes (expected 0..{num_classes - 1}' in message


def test_ocid_label_40_names_the_mask(ocid_copy):
    path = osp.join(ocid_copy, SEQ, 'seg_mask_labeled_combi', STEM + '.png')
    mask = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    mask[:3, :4] = 40
    mask[3:5, :4] = 255  # ignore: allowed
    cv2.imwrite(path, mask)
    ds = _ocid(ocid_copy)
    with pytest.raises(ValueError) as err:
        ds[0]
    _assert_names_mask(err, path, 40, 12, 32)


def test_synthetic_label_7_of_6_classes_names_the_mask(tmp_path):
    root = str(tmp_path / 'synthetic')
    generate_synthetic_dataset(root, num=2, size=64, seed=0)
    ds = OCIDGraspDataset(data_root=root, ann_file='data_split/training_0.txt',
                          metainfo=SYNTHETIC_METAINFO, pipeline=[
                              dict(type='LoadImageFromFile'),
                              dict(type='LoadGraspAnnotations', with_seg=True)])
    assert ds[0]['gt_seg_map'].max() <= 5  # the generated masks pass
    path = ds.get_data_info(0)['seg_map_path']
    mask = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    mask[0, :5] = 7
    cv2.imwrite(path, mask)
    with pytest.raises(ValueError) as err:
        ds[0]
    _assert_names_mask(err, path, 7, 5, 6)


def test_ignore_value_and_valid_ids_pass(ocid_copy):
    path = osp.join(ocid_copy, SEQ, 'seg_mask_labeled_combi', STEM + '.png')
    mask = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    mask[:2, :2] = 255
    mask[2:4, :2] = 31
    cv2.imwrite(path, mask)
    seg = _ocid(ocid_copy)[0]['data_samples'].gt_sem_seg.sem_seg
    assert seg[0, 0, 0] == 255 and seg[0, 2, 0] == 31


@pytest.mark.parametrize('content, message', [
    (b'', 'empty mask file \\(0 bytes\\)'),
    ('truncated', 'truncated PNG mask'),
    (b'not an image at all', 'not a readable mask image'),
])
def test_broken_mask_file_is_named(ocid_copy, content, message):
    path = osp.join(ocid_copy, SEQ, 'seg_mask_labeled_combi', STEM + '.png')
    if content == 'truncated':
        with open(path, 'rb') as f:
            content = f.read()[:-40]
    with open(path, 'wb') as f:
        f.write(content)
    ds = _ocid(ocid_copy)  # the mask is read by the pipeline, not when the dataset is built
    with pytest.raises(ValueError, match=message) as err:
        ds[0]
    assert str(err.value).startswith(path)


# ---------------------------------------------------------------- 6: no usable ground truth

def test_images_without_usable_grasps_are_listed_by_id(tmp_path):
    nan = 'NaN NaN\r\n' * 4
    outside_crop = rect(10, 10, 50, 10, 50, 30, 10, 30)  # centre (30, 20): crop starts at 144, 64
    outside_image = rect(700, 10, 740, 10, 740, 30, 700, 30)
    write_cornell(tmp_path, [GOOD, '', nan, outside_crop, outside_image, GOOD + outside_crop])
    with mock.patch(LOG) as log:
        ds = CornellGraspDataset(data_root=str(tmp_path), split='all', test_mode=True,
                                 pipeline=CROP_PIPELINE)
    assert len(ds) == 6  # the test side keeps them: they are scored, as misses
    assert list(ds.images_without_gt) == ['pcd0101', 'pcd0102', 'pcd0103', 'pcd0104']
    (message, ) = [m for m in messages(log) if 'no usable' in m]
    assert message.startswith("CornellGraspDataset (split 'all'): 4 of 6 image(s) have no usable "
                              'ground-truth grasp (they stay and will be scored as misses)')
    assert 'pcd0101 (no grasp in its annotation)' in message
    assert 'pcd0102 (no grasp in its annotation)' in message
    assert 'pcd0103 (GraspCenterCrop(crop_size=(351, 351)) drops all 1 of its grasps)' in message
    assert 'pcd0104 (all 1 grasp centres outside the 640x480 image)' in message
    # grasps lost on the way are counted per cause, with the images
    assert any(m.endswith('2 grasp(s) of 2 image(s) are dropped by the pipeline step '
                          'GraspCenterCrop(crop_size=(351, 351)): pcd0103, pcd0105')
               for m in messages(log))
    assert any('1 grasp(s) of 1 image(s) have their centre outside the image: pcd0104' in m
               for m in messages(log))


def test_training_side_drops_them_with_filter_empty_gt(tmp_path):
    outside_crop = rect(10, 10, 50, 10, 50, 30, 10, 30)
    write_cornell(tmp_path, [GOOD, '', outside_crop, GOOD])
    with mock.patch(LOG) as log:
        ds = CornellGraspDataset(data_root=str(tmp_path), split='all', pipeline=CROP_PIPELINE,
                                 filter_cfg=dict(filter_empty_gt=True))
    assert [ds.get_data_info(i)['img_id'] for i in range(len(ds))] == ['pcd0100', 'pcd0103']
    assert any('2 of 4 image(s) have no usable ground-truth grasp (dropped by filter_empty_gt): '
               'pcd0101' in m for m in messages(log))


def test_resize_that_shrinks_all_grasps_below_1px_is_reported(tmp_path):
    write_jacquard(tmp_path, '10;12;30;8;4\n10;12;30;8;1.5\n')
    with mock.patch(LOG) as log:
        ds = JacquardGraspDataset(data_root=str(tmp_path), split='all', test_mode=True,
                                  pipeline=[dict(type='GraspResize', scale_factor=0.2)])
    assert list(ds.images_without_gt) == ['0_objA']
    assert any('2 grasp(s) of 1 image(s) are dropped by the pipeline step GraspResize(' in m
               for m in messages(log))


def test_truncated_png_fails_when_the_dataset_is_built(tmp_path):
    folder = write_cornell(tmp_path, [GOOD, GOOD])
    path = osp.join(folder, 'pcd0101r.png')
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])
    with pytest.raises(ValueError, match='truncated PNG') as err:
        CornellGraspDataset(data_root=str(tmp_path), split='all')
    assert str(err.value).startswith(path)


def test_num_sem_classes_reaches_the_pipeline(jacquard_root, ocid_root):
    jacquard = JacquardGraspDataset(data_root=jacquard_root, split='test')
    assert jacquard.get_data_info(0)['num_sem_classes'] == 2
    assert jacquard.get_data_info(0)['mask_threshold'] == 128
    ocid = OCIDGraspDataset(data_root=ocid_root, ann_file='data_split/training_0.txt')
    assert ocid.get_data_info(0)['num_sem_classes'] == 32
    assert math.isclose(ocid.get_data_info(0)['instances'][0]['grasp'][2], 14)


def test_a_zero_size_line_no_longer_turns_the_loss_to_nan(tmp_path):
    """The issue's symptom, end to end: a Jacquard line ``x;y;theta;0;0`` through the loader and
    the pipeline into a (narrow) Det model; every loss must stay finite."""
    import torch
    from mmengine.dataset import pseudo_collate

    from mmgrasp.registry import MODELS
    from mmgrasp.testing import get_detector_cfg

    folder = osp.join(str(tmp_path), 'objA')
    os.makedirs(folder)
    rng = np.random.default_rng(0)
    cv2.imwrite(osp.join(folder, '0_objA_RGB.png'), rng.integers(0, 255, (128, 128, 3), np.uint8))
    cv2.imwrite(osp.join(folder, '0_objA_mask.png'), np.zeros((128, 128), np.uint8))
    with open(osp.join(folder, '0_objA_grasps.txt'), 'w') as f:
        f.write('64;64;0;0;0\n40;50;30;24;12\n64;64;0;0;0\n')
    with mock.patch(LOG):
        ds = JacquardGraspDataset(data_root=str(tmp_path), split='all', pipeline=[
            dict(type='LoadImageFromFile'), dict(type='LoadGraspAnnotations'),
            dict(type='PackGraspInputs')])
    assert len(ds[0]['data_samples'].gt_instances) == 1
    cfg = get_detector_cfg('_base_/models/grasp_det_seg_r50_fpn.py')
    cfg.semantic_head = None  # detection only: Det
    if cfg.get('refine_head'):
        cfg.refine_head = None
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    data = model.data_preprocessor(pseudo_collate([ds[0], ds[0]]), True)
    losses = model(**data, mode='loss')
    total, log_vars = model.parse_losses(losses)  # on the old loader: loss_bbox = nan
    assert torch.isfinite(total)
    assert all(math.isfinite(float(torch.as_tensor(v).detach())) for k, v in log_vars.items()
               if 'loss' in k), log_vars
