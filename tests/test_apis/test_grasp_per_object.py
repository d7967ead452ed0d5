# Copyright (c) mmgrasp contributors. All rights reserved.
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from mmgrasp.apis import best_grasp_per_object, grasp_centre_labels, resolve_object_mode


def _preds(centres, scores):
    grasps = torch.tensor([[x, y, 10.0, 5.0, 0.3] for x, y in centres])
    return InstanceData(bboxes=grasps.reshape(-1, 5), scores=torch.tensor(scores).reshape(-1),
                        labels=torch.arange(len(scores)))


def _scene():
    """Three objects: class 1 at the left, class 2 in two separate blobs (middle, right)."""
    seg = np.zeros((20, 40), dtype=np.uint8)
    seg[5:15, 2:10] = 1
    seg[5:15, 15:22] = 2
    seg[5:15, 30:38] = 2
    return seg


def test_per_class():
    seg = _scene()
    preds = _preds([(5, 10), (6.9, 8), (18, 10), (33, 10), (25, 10), (39.5, 2)],
                   [0.5, 0.7, 0.4, 0.6, 0.99, 0.8])
    out = best_grasp_per_object(preds, torch.from_numpy(seg)[None], mode='class')
    assert out.obj_ids.tolist() == [1, 2] and out.obj_labels.tolist() == [1, 2]
    assert out.grasp_inds.tolist() == [1, 3]  # background grasps (0.99, 0.8) are dropped
    assert out.scores.tolist() == pytest.approx([0.7, 0.6])
    assert out.labels.tolist() == [1, 3]  # other fields come along


def test_per_component():
    seg = (_scene() > 0).astype(np.uint8)  # Jacquard-style: one "graspable" class
    preds = _preds([(5, 10), (6, 8), (18, 10), (33, 10), (34, 9)], [0.5, 0.7, 0.4, 0.6, 0.65])
    out = best_grasp_per_object(preds, seg, mode='auto')  # two classes: components
    assert out.grasp_inds.tolist() == [1, 2, 4]
    assert out.obj_ids.tolist() == [1, 2, 3] and out.obj_labels.tolist() == [1, 1, 1]
    # regions smaller than min_area are no objects
    small = best_grasp_per_object(preds, seg, mode='component', min_area=75)
    assert small.grasp_inds.tolist() == [1, 4]


def test_modes_and_edge_cases():
    seg = _scene()
    assert resolve_object_mode('auto', seg) == 'class'
    assert resolve_object_mode('auto', seg > 0) == 'component'
    assert resolve_object_mode('auto', seg > 0, num_classes=32) == 'class'
    with pytest.raises(ValueError, match='mode'):
        resolve_object_mode('instances', seg)
    empty = best_grasp_per_object(_preds([], []), seg)
    assert len(empty) == 0 and empty.obj_ids.numel() == 0
    with pytest.raises(ValueError, match='sem_seg'):
        best_grasp_per_object(_preds([(1, 1)], [0.5]), np.zeros((2, 3, 4)))
    # centres on the border are clipped into the image; pixel = floor of the coordinate
    labels = grasp_centre_labels(torch.tensor([[9.99, 5.0, 1, 1, 0], [10.0, 5.0, 1, 1, 0],
                                               [-3.0, 50.0, 1, 1, 0]]), seg)
    assert labels.tolist() == [1, 0, 0]
