# Copyright (c) mmgrasp contributors. All rights reserved.
import math

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from mmgrasp.datasets.transforms import PackGraspInputs
from mmgrasp.structures import GraspBoxes, class_agnostic_samples, detection_target_samples


def test_pack():
    grasps = np.array([[50, 40, 20, 10, math.radians(95)], [10, 10, 4, 2, 0.0],
                       [30, 30, 6, 6, math.radians(179.9)]], np.float32)
    results = dict(img=np.zeros((60, 80, 3), np.uint8), gt_bboxes=GraspBoxes(grasps),
                   gt_bboxes_labels=np.array([2, 5, 7]),
                   gt_ignore_flags=np.array([False, True, False]),
                   gt_seg_map=np.ones((60, 80), np.uint8), img_id='a', img_path='a.png',
                   ori_shape=(60, 80), img_shape=(60, 80), scale_factor=(1.0, 1.0),
                   rotate_translate=(10.0, 1, 2))
    packed = PackGraspInputs()(results)
    inputs, sample = packed['inputs'], packed['data_samples']
    assert inputs.shape == (3, 60, 80) and inputs.dtype == torch.uint8
    assert isinstance(sample, DetDataSample)
    gt = sample.gt_instances
    assert set(gt.keys()) == {'bboxes', 'labels'}  # the grasps once, no targets beside them
    assert isinstance(gt.bboxes, GraspBoxes) and gt.bboxes.tensor.dtype == torch.float32
    torch.testing.assert_close(gt.bboxes.tensor, torch.from_numpy(grasps[[0, 2]]))
    assert gt.labels.tolist() == [2, 7] and gt.labels.dtype == torch.int64
    assert len(sample.ignored_instances) == 1
    assert sample.ignored_instances.labels.tolist() == [5]
    torch.testing.assert_close(sample.ignored_instances.bboxes.tensor,
                               torch.from_numpy(grasps[[1]]))

    # The detector derives the detection targets: unrotated-frame boxes and bins, by hand.
    targets = detection_target_samples([sample])[0]
    torch.testing.assert_close(targets.gt_instances.bboxes,
                               torch.tensor([[40., 35, 60, 45], [27, 27, 33, 33]]))
    assert targets.gt_instances.labels.tolist() == [9, 17]
    torch.testing.assert_close(targets.ignored_instances.bboxes, torch.tensor([[8., 9, 12, 11]]))
    assert targets.ignored_instances.labels.tolist() == [0]
    rpn = detection_target_samples([sample], class_agnostic=True)[0]
    assert rpn.gt_instances.labels.tolist() == [0, 0] and 'gt_sem_seg' not in rpn
    torch.testing.assert_close(rpn.gt_instances.bboxes, targets.gt_instances.bboxes)
    assert rpn.ignored_instances.labels.tolist() == [0]
    # the detector's copy for the RPN: the RoI head's boxes, shared, labels 0, bins untouched
    shared = class_agnostic_samples([targets])[0]
    assert shared.gt_instances.bboxes is targets.gt_instances.bboxes
    assert shared.gt_instances.labels.tolist() == [0, 0]
    assert targets.gt_instances.labels.tolist() == [9, 17]
    assert gt.labels.tolist() == [2, 7]  # the sample itself untouched
    assert sample.gt_sem_seg.sem_seg.shape == (1, 60, 80)
    assert sample.gt_sem_seg.sem_seg.dtype == torch.int64
    assert sample.metainfo['img_id'] == 'a' and sample.metainfo['scale_factor'] == (1.0, 1.0)
    assert 'flip' not in sample.metainfo and 'rotate_translate' not in sample.metainfo


def test_pack_without_grasps_or_mask():
    packed = PackGraspInputs()(dict(img=np.zeros((8, 8, 3), np.uint8),
                                    gt_bboxes=GraspBoxes(np.zeros((0, 5), np.float32)),
                                    gt_bboxes_labels=np.zeros(0, np.int64)))
    sample = packed['data_samples']
    assert len(sample.gt_instances) == 0 and sample.gt_instances.bboxes.tensor.shape == (0, 5)
    assert len(sample.ignored_instances) == 0 and 'labels' in sample.ignored_instances
    assert detection_target_samples([sample])[0].gt_instances.bboxes.shape == (0, 4)
    assert 'gt_sem_seg' not in sample


@pytest.mark.parametrize('bad', [[10, 10, 0, 4, 0.1], [10, 10, 4, 0, 0.1], [10, np.nan, 4, 4, 0],
                                 [10, 10, 4, np.inf, 0]])
def test_zero_size_or_nan_grasp_is_an_error_naming_the_image(bad):
    """Such a grasp makes the detection loss NaN; it must not reach the model."""
    grasps = np.array([[20, 20, 8, 4, 0.3], bad], np.float32)
    with pytest.raises(ValueError, match=r'pcd0100r.png: 1 ground-truth grasp.*grasp 1: \['):
        PackGraspInputs()(dict(img=np.zeros((8, 8, 3), np.uint8), gt_bboxes=GraspBoxes(grasps),
                               gt_bboxes_labels=np.zeros(2, np.int64), img_path='01/pcd0100r.png'))


def test_image_without_annotations_packs_no_ground_truth():
    """As the inference APIs build it (LoadGraspAnnotations passes it through)."""
    sample = PackGraspInputs()(dict(img=np.zeros((8, 8, 3), np.uint8), img_path='a.png'))
    sample = sample['data_samples']
    assert 'gt_instances' not in sample and 'ignored_instances' not in sample
    with pytest.raises(ValueError, match='no ground-truth grasps'):
        detection_target_samples([sample])


def test_targets_refuse_boxes_that_are_not_grasps():
    sample = DetDataSample()
    sample.gt_instances = InstanceData(bboxes=torch.zeros((2, 4)), labels=torch.zeros(2).long())
    with pytest.raises(ValueError, match=r'must be \(N, 5\)'):
        detection_target_samples([sample])
