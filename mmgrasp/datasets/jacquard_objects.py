# Copyright (c) mmgrasp contributors. All rights reserved.
"""The ground-truth objects of a Jacquard scene or composite, read from beside its image.

A reader, kept apart from the composite generator (:mod:`mmgrasp.datasets.jacquard_composites`,
which writes these files) so that the object metric reads them without importing the generator.
"""
import json
import os.path as osp
from typing import Dict, List

import cv2
import numpy as np

from .jacquard import JACQUARD_MASK_THRESHOLD, load_jacquard_grasps


def read_image(path: str, flags: int) -> np.ndarray:
    """``cv2.imread`` that raises, naming the file, where OpenCV returns None."""
    img = cv2.imread(path, flags)
    if img is None:
        raise FileNotFoundError(f'cannot read {path}')
    return img


def load_composite_objects(prefix: str) -> List[Dict[str, np.ndarray]]:
    """The ground-truth objects of a composite (or of a plain one-object Jacquard scene).

    Args:
        prefix (str): ``<folder>/<k>_<name>``: a composite has ``_objects.png`` (object ``i``
            is the pixels of value ``i + 1``) and ``_objects.json`` (its grasps); a plain scene
            ``_mask.png`` and ``_grasps.txt``.

    Returns:
        list[dict]: Per object, ``mask`` ``(H, W)`` bool and ``grasps`` ``(G, 5)``.
    """
    if not osp.exists(prefix + '_objects.json'):  # a plain Jacquard scene: one object
        mask = read_image(prefix + '_mask.png', cv2.IMREAD_GRAYSCALE) >= JACQUARD_MASK_THRESHOLD
        return [dict(mask=mask, grasps=load_jacquard_grasps(prefix + '_grasps.txt'))]
    objects_map = read_image(prefix + '_objects.png', cv2.IMREAD_GRAYSCALE)
    with open(prefix + '_objects.json') as f:
        objects = json.load(f)['objects']
    return [dict(mask=objects_map == i + 1, grasps=np.asarray(o['grasps'], np.float64))
            for i, o in enumerate(objects)]
