# Copyright (c) mmgrasp contributors. All rights reserved.
"""The constant-guess baseline: what a model that learned nothing about the image scores."""
import math
from typing import Dict

import numpy as np
import torch
from mmdet.structures import DetDataSample
from mmengine.dataset import BaseDataset
from mmengine.structures import InstanceData

from mmgrasp.structures import NUM_ORIENTATION_BINS, angle_to_bin, grasps_to_original
from ..metrics import GraspJaccardMetric


def constant_guess(train_dataset: BaseDataset) -> np.ndarray:
    """The one grasp size and angle a guesser would learn from the training labels alone.

    Args:
        train_dataset (BaseDataset): A grasp dataset; only its data infos are read (no images).

    Returns:
        ndarray: ``(3,)`` ``(w, h, theta)``: the median width and height of the training grasps
        and the centre of their most frequent orientation bin.

    Raises:
        ValueError: If the dataset has no grasps.
    """
    grasps = np.array([inst['grasp'] for i in range(len(train_dataset))
                       for inst in train_dataset.get_data_info(i)['instances']], np.float64)
    if len(grasps) == 0:
        raise ValueError('the training set has no grasps to learn a constant guess from')
    bins = np.bincount(np.asarray(angle_to_bin(grasps[:, 4], NUM_ORIENTATION_BINS)),
                       minlength=NUM_ORIENTATION_BINS)
    theta = (bins.argmax() + 0.5) * math.pi / NUM_ORIENTATION_BINS
    return np.array([np.median(grasps[:, 2]), np.median(grasps[:, 3]), theta])


def constant_guess_metrics(train_dataset: BaseDataset,
                           test_dataset: BaseDataset) -> Dict[str, float]:
    """Top-1 metrics of one fixed grasp per test image, at the centre of the network input.

    The guess (:func:`constant_guess`) sits at the centre of each test image as the test
    pipeline leaves it (Cornell: the centre of the 351x351 crop window) and is mapped back to the
    original image like a prediction.

    Args:
        train_dataset (BaseDataset): Where the guess's size and angle come from.
        test_dataset (BaseDataset): Scored with its pipeline (it must keep the ground truth).

    Returns:
        dict[str, float]: The :class:`GraspJaccardMetric` grid (``grasp/acc_a30_iou25``, ...).
    """
    w, h, theta = constant_guess(train_dataset)
    metric = GraspJaccardMetric(mode='top1')
    metric.dataset_meta = test_dataset.metainfo
    samples = []
    for i in range(len(test_dataset)):
        item = test_dataset[i]['data_samples']
        height, width = item.img_shape
        guess = torch.tensor([[width / 2, height / 2, w, h, theta]], dtype=torch.float32)
        guess = torch.as_tensor(np.asarray(grasps_to_original(guess, item.metainfo)),
                                dtype=torch.float32).reshape(1, 5)
        sample = DetDataSample(metainfo=item.metainfo)
        sample.gt_instances = item.gt_instances
        sample.pred_instances = InstanceData(bboxes=guess, scores=torch.ones(1))
        samples.append(sample)
    metric.process({}, samples)
    return {f'grasp/{k}' if not k.startswith('grasp/') else k: float(v)
            for k, v in metric.evaluate(len(samples)).items()}
