# Copyright (c) mmgrasp contributors. All rights reserved.
import cv2
import numpy as np
import pytest

from mmgrasp.datasets.transforms import LoadGraspAnnotations


def _results(tmp_path, mask_value=255, shape=(20, 30)):
    path = str(tmp_path / 'mask.png')
    mask = np.zeros(shape, np.uint8)
    mask[5:10, 5:10] = mask_value
    cv2.imwrite(path, mask)
    return dict(
        img_path='img.png', seg_map_path=path, img_shape=(20, 30),
        instances=[dict(grasp=[7, 7, 6, 2, 0.5], bbox_label=2, obj_label=1, ignore_flag=0),
                   dict(grasp=[1, 2, 3, 4, 3.0], bbox_label=17, obj_label=3, ignore_flag=1)])


def test_grasps_and_labels(tmp_path):
    out = LoadGraspAnnotations()(_results(tmp_path))
    assert out['gt_bboxes'].numpy().dtype == np.float32 and out['gt_bboxes'].numpy().shape == (2, 5)
    np.testing.assert_allclose(out['gt_bboxes'].numpy()[0], [7, 7, 6, 2, 0.5])
    assert out['gt_bboxes_labels'].dtype == np.int64 and out['gt_bboxes_labels'].tolist() == [1, 3]
    assert out['gt_ignore_flags'].tolist() == [False, True]
    assert 'gt_seg_map' not in out


def test_empty_instances():
    out = LoadGraspAnnotations()(dict(instances=[]))
    assert out['gt_bboxes'].numpy().shape == (0, 5) and out['gt_bboxes_labels'].shape == (0, )


def test_seg_map_with_label_map(tmp_path):
    results = _results(tmp_path)
    results['label_map'] = {255: 1}
    out = LoadGraspAnnotations(with_seg=True)(results)
    seg = out['gt_seg_map']
    assert seg.dtype == np.uint8 and seg.shape == (20, 30)
    assert set(np.unique(seg)) == {0, 1} and seg[7, 7] == 1
    # without a label map the values are kept (OCID class ids)
    out = LoadGraspAnnotations(with_seg=True)(_results(tmp_path, mask_value=26))
    assert set(np.unique(out['gt_seg_map'])) == {0, 26}


def test_seg_map_errors(tmp_path):
    results = _results(tmp_path, shape=(21, 30))
    with pytest.raises(ValueError, match='mask size .* differs'):
        LoadGraspAnnotations(with_seg=True)(results)
    results = _results(tmp_path)
    del results['seg_map_path']
    with pytest.raises(KeyError, match='seg_map_path'):
        LoadGraspAnnotations(with_seg=True)(results)
    results = _results(tmp_path)
    results['seg_map_path'] = str(tmp_path / 'missing.png')
    with pytest.raises(FileNotFoundError):
        LoadGraspAnnotations(with_seg=True)(results)


def test_inference_input_passes_through():
    # what mmdet.apis.inference_detector / GraspInferencer feed the test pipeline
    img = np.zeros((20, 30, 3), dtype=np.uint8)
    for results in (dict(img=img, img_id=0), dict(img_path='x.png', img=img)):
        out = LoadGraspAnnotations(with_seg=True)(dict(results))
        assert not any(k.startswith('gt_') for k in out) and 'seg_fields' not in out
    # a dataset sample without a mask is still an error
    with pytest.raises(KeyError, match='seg_map_path'):
        LoadGraspAnnotations(with_seg=True)(dict(img=img, instances=[]))


def test_mask_threshold_binarises_before_the_class_check(tmp_path):
    results = _results(tmp_path, mask_value=128)  # an anti-aliased Jacquard value
    results.update(mask_threshold=128, num_sem_classes=2)
    seg = LoadGraspAnnotations(with_seg=True)(results)['gt_seg_map']
    assert seg[7, 7] == 1 and seg.sum() == 25 and set(np.unique(seg)) == {0, 1}
    results = _results(tmp_path, mask_value=127)
    results.update(mask_threshold=128, num_sem_classes=2)
    assert LoadGraspAnnotations(with_seg=True)(results)['gt_seg_map'].max() == 0


def test_class_ids_are_checked_against_num_sem_classes(tmp_path):
    # from the data info (the grasp datasets add it) ...
    results = _results(tmp_path, mask_value=7)
    results['num_sem_classes'] = 6
    with pytest.raises(ValueError, match=r'mask.png: mask values 7 \(25 px\) are not class ids of '
                       r'the 6 semantic classes \(expected 0..5, or 255 = ignore\)'):
        LoadGraspAnnotations(with_seg=True)(results)
    # ... or from the argument, which wins
    results = _results(tmp_path, mask_value=7)
    results['num_sem_classes'] = 32
    with pytest.raises(ValueError, match='mask values 7'):
        LoadGraspAnnotations(with_seg=True, num_sem_classes=6)(results)
    # a label map is applied first and named in the message
    results = _results(tmp_path, mask_value=200)
    results.update(label_map={255: 1}, num_sem_classes=2)
    with pytest.raises(ValueError, match=r'mask values 200 .*after label_map=\{255: 1\}'):
        LoadGraspAnnotations(with_seg=True)(results)
    # 255 is the ignore value; without a class count nothing is checked
    results = _results(tmp_path, mask_value=255)
    results['num_sem_classes'] = 2
    assert LoadGraspAnnotations(with_seg=True)(results)['gt_seg_map'].max() == 255
    assert LoadGraspAnnotations(with_seg=True)(_results(tmp_path, 77))['gt_seg_map'].max() == 77
    with pytest.raises(ValueError, match='num_sem_classes'):
        LoadGraspAnnotations(num_sem_classes=0)


def test_empty_and_broken_mask_files_are_named(tmp_path):
    results = _results(tmp_path)
    with open(results['seg_map_path'], 'wb'):
        pass  # 0 bytes: cv2 alone says "!buf.empty()" without the file name
    with pytest.raises(ValueError, match=r'mask.png: empty mask file \(0 bytes\)'):
        LoadGraspAnnotations(with_seg=True)(results)
    results = _results(tmp_path)
    with open(results['seg_map_path'], 'rb') as f:
        data = f.read()
    with open(results['seg_map_path'], 'wb') as f:
        f.write(data[:-20])
    with pytest.raises(ValueError, match='mask.png: truncated PNG mask'):
        LoadGraspAnnotations(with_seg=True)(results)
