# Copyright (c) mmgrasp contributors. All rights reserved.
"""A grasp per object, scored on a hand-made scene."""
import math

import numpy as np
import pytest

from mmgrasp.evaluation.functional.object_grasp_eval import (score_object_grasps,
                                                             summarise_object_grasps)


def test_hand_made_scene():
    h, w = 100, 300
    pred_seg = np.zeros((h, w), np.int64)
    pred_seg[20:80, 20:80] = 1  # predicted object 1
    pred_seg[20:80, 120:180] = 1  # predicted object 2
    gt1 = np.zeros((h, w), bool)
    gt1[25:75, 25:75] = True  # object 1: its grasp will be on it and right
    gt2 = np.zeros((h, w), bool)
    gt2[20:80, 150:180] = True  # object 2: the predicted region is wider than the object
    gt3 = np.zeros((h, w), bool)
    gt3[40:60, 240:260] = True  # object 3: not segmented at all
    objects = [dict(mask=gt1, grasps=np.array([[50., 50., 30., 10., 0.]])),
               dict(mask=gt2, grasps=np.array([[165., 50., 20., 10., math.pi / 2]])),
               dict(mask=gt3, grasps=np.array([[250., 50., 10., 5., 0.]]))]
    bboxes = np.array([
        [250., 50., 10., 5., 0.],  # the best score, but its centre is on the background
        [51., 49., 30., 10., math.radians(10)],  # object 1: matches (10 deg, IoU ~0.7)
        [50., 50., 30., 10., math.radians(80)],  # object 1, lower score: ignored
        [130., 50., 20., 10., math.pi / 2],  # object 2's region, off its ground-truth mask
        [165., 50., 20., 10., math.pi / 2],  # on object 2 and right, but scores lower
    ])
    scores = np.array([0.99, 0.9, 0.8, 0.7, 0.6])
    records = score_object_grasps(bboxes, scores, pred_seg, objects)
    assert [(r['found'], r['on_object'], r['matches'], r['correct']) for r in records] == [
        (True, True, True, True), (True, False, False, False), (False, False, False, False)]
    assert records[0]['grasp'] == pytest.approx(bboxes[1].tolist())
    assert records[1]['grasp'] == pytest.approx(bboxes[3].tolist())
    summary = summarise_object_grasps(records)
    assert summary == pytest.approx(dict(num_objects=3, found=2 / 3, on_object=1 / 3,
                                         matches=1 / 3, correct=1 / 3))


def test_wrong_angle_on_the_object_is_not_correct():
    seg = np.zeros((50, 50), np.int64)
    seg[10:40, 10:40] = 1
    obj = dict(mask=seg > 0, grasps=np.array([[25., 25., 20., 8., 0.]]))
    rec = score_object_grasps(np.array([[25., 25., 20., 8., math.radians(45)]]), np.ones(1),
                              seg, [obj])[0]
    assert rec['found'] and rec['on_object'] and not rec['matches'] and not rec['correct']


def test_a_match_off_the_object_is_not_correct():
    seg = np.zeros((50, 80), np.int64)
    seg[10:40, 10:70] = 1  # the predicted region covers the object and beyond
    mask = np.zeros((50, 80), bool)
    mask[10:40, 10:40] = True
    label = np.array([[45., 25., 20., 8., 0.]])  # a label whose centre is off the object
    rec = score_object_grasps(label, np.ones(1), seg, [dict(mask=mask, grasps=label)])[0]
    assert rec['matches'] and not rec['on_object'] and not rec['correct']


def test_nothing_to_score_is_an_error():
    with pytest.raises(ValueError, match='no objects'):
        summarise_object_grasps([])


def test_metric_reads_the_objects_beside_the_image(tmp_path):
    import cv2
    import torch
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData, PixelData

    from mmgrasp.evaluation import JacquardObjectGraspMetric
    mask = np.zeros((60, 60), np.uint8)
    mask[10:50, 10:50] = 255
    stem = str(tmp_path / '0_obj')
    cv2.imwrite(stem + '_mask.png', mask)
    with open(stem + '_grasps.txt', 'w') as f:
        f.write('30;30;0;20;8\n')  # x;y;theta_deg;opening;jaw
    sample = DetDataSample(metainfo=dict(img_path=stem + '_RGB.png'))
    sample.pred_instances = InstanceData(
        bboxes=torch.tensor([[31., 30., 20., 8., 0.05], [5., 5., 20., 8., 0.]]),
        scores=torch.tensor([0.5, 0.9]))  # the better score lies on the background
    sample.pred_sem_seg = PixelData(sem_seg=torch.as_tensor(mask[None] > 0).long())
    metric = JacquardObjectGraspMetric()
    metric.process({}, [sample])
    assert metric.compute_metrics(metric.results) == pytest.approx(
        dict(num_objects=1, found=1, on_object=1, matches=1, correct=1))
    with pytest.raises(ValueError, match='not a Jacquard scene'):
        metric.process({}, [DetDataSample(metainfo=dict(img_path='x.jpg'))])
