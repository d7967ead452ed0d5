# Copyright (c) mmgrasp contributors. All rights reserved.
"""The paired refinement counts on a case worked out by hand."""
import math

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from mmgrasp.evaluation import RefinementEffectMetric
from mmgrasp.evaluation.functional.refinement_effect import paired_refinement_effect

GT = np.array([[100., 100., 40., 20., 0.]])


def _grasp(deg, x=100.):
    return [x, 100., 40., 20., math.radians(deg)]


def _case():
    """Four images with the same one ground-truth grasp, angles in degrees:

    A: candidate 8 -> refined 2 (correct at 10 before and after, gained at 5; error 8 -> 2),
    B: candidate 3 -> refined 173, i.e. 7 off the other way (lost at 5; error 3 -> 7),
    C: candidate 20 -> refined 20 (correct at 30 only; error 20 -> 20),
    D: no prediction (wrong everywhere, no angle error).
    A's second grasp is perfect but scores lower: only the top grasp counts.
    """
    preds = [
        dict(bboxes=np.array([_grasp(2), _grasp(0)]),
             bboxes_unrefined=np.array([_grasp(8), _grasp(0)]),
             scores=np.array([0.9, 0.5])),
        dict(bboxes=np.array([_grasp(173)]), bboxes_unrefined=np.array([_grasp(3)]),
             scores=np.array([0.8])),
        dict(bboxes=np.array([_grasp(20)]), bboxes_unrefined=np.array([_grasp(20)]),
             scores=np.array([0.7])),
        dict(bboxes=np.zeros((0, 5)), bboxes_unrefined=np.zeros((0, 5)), scores=np.zeros(0)),
    ]
    return preds, [GT] * 4


def test_counts_and_angle_errors_by_hand():
    preds, gts = _case()
    out = paired_refinement_effect(preds, gts, angle_thrs=(30, 10, 5))
    assert out['num_images'] == 4
    assert out['a30'] == dict(before=3, after=3, gained=0, lost=0, both=3, neither=1)
    assert out['a10'] == dict(before=2, after=2, gained=0, lost=0, both=2, neither=2)
    assert out['a5'] == dict(before=1, after=1, gained=1, lost=1, both=0, neither=2)
    err = out['angle_error']
    assert err['num_images'] == 3 and err['no_reference'] == 1
    assert err['before'] == pytest.approx((8 + 3 + 20) / 3, abs=1e-9)
    assert err['after'] == pytest.approx((2 + 7 + 20) / 3, abs=1e-9)
    assert (err['improved'], err['worsened']) == (1, 1)


def test_reference_set_is_the_candidates_overlap():
    # The refined grasp moved 100 px away: it matches nothing, but its angle error is still
    # measured against the ground truth the candidate overlapped.
    pred = dict(bboxes=np.array([_grasp(0, x=300.)]), bboxes_unrefined=np.array([_grasp(10)]),
                scores=np.array([1.0]))
    out = paired_refinement_effect([pred], [GT], angle_thrs=(30,))
    assert out['a30'] == dict(before=1, after=0, gained=0, lost=1, both=0, neither=0)
    assert out['angle_error']['before'] == pytest.approx(10)
    assert out['angle_error']['after'] == pytest.approx(0, abs=1e-9)


def test_metric_on_data_samples_maps_ground_truth_back():
    preds, gts = _case()
    metric = RefinementEffectMetric(angle_thrs=(30, 10, 5))
    samples = []
    for pred in preds:
        s = DetDataSample(metainfo=dict(img_path='x.png', scale_factor=(0.5, 0.5)))
        s.pred_instances = InstanceData(**{k: torch.as_tensor(v) for k, v in pred.items()})
        gt = GT.copy()
        gt[:, :4] *= 0.5  # the pipeline halved the image; the metric maps back
        s.gt_instances = InstanceData(bboxes=torch.as_tensor(gt))
        samples.append(s)
    metric.process({}, samples)
    out = metric.compute_metrics(metric.results)
    assert out['a5_gained'] == 1 and out['a5_lost'] == 1 and out['a10_before'] == 2
    assert out['angle_err_before'] == pytest.approx((8 + 3 + 20) / 3, abs=1e-4)


def test_refusing_a_model_without_refinement():
    s = DetDataSample(metainfo=dict(img_path='x.png'))
    s.pred_instances = InstanceData(bboxes=torch.zeros(1, 5), scores=torch.ones(1))
    s.gt_instances = InstanceData(bboxes=torch.as_tensor(GT))
    with pytest.raises(ValueError, match='bboxes_unrefined'):
        RefinementEffectMetric().process({}, [s])
