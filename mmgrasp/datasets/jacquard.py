# Copyright (c) mmgrasp contributors. All rights reserved.
"""Jacquard grasp dataset (Depierre et al., IROS 2018) in its original layout.

::

    data_root/
        <objectID>/<k>_<objectID>_RGB.png        # 1024x1024
        <objectID>/<k>_<objectID>_mask.png       # uint8, 0 background / 255 object
        <objectID>/<k>_<objectID>_grasps.txt     # x;y;theta_deg;opening;jaw per line
        <objectID>/<k>_<objectID>_perfect_depth.tiff   # float32 metres (RGB-D configs)
        <objectID>/<k>_<objectID>_stereo_depth.tiff, ...  (not used)

A grasp line is in pixels of the 1024x1024 image, y down, so a positive angle already turns
clockwise on screen: ``w = opening``, ``h = jaw``, ``theta = theta_deg * pi / 180 mod pi``
(docs/conventions.md section 1). Consecutive lines with the same position are the same grasp with
other jaw sizes; every line is ground truth. The mask gives ``gt_sem_seg`` {0 background,
1 graspable} by a threshold: values ``>= 128`` (:data:`JACQUARD_MASK_THRESHOLD`) are the object,
so that an anti-aliased or re-saved mask (values between 0 and 255) still gives two classes
(docs/bad_data.md). A line with an opening or jaw below 1 px is dropped with a warning.
"""
import math
import os
import os.path as osp
from typing import List, Optional, Tuple

import numpy as np

from mmgrasp.registry import DATASETS
from .base_grasp_dataset import BaseGraspDataset
from .grasp_size_rules import drop_small_grasps
from .utils import image_size, parse_floats, read_text_lines

_SUFFIXES = {'img': '_RGB.png', 'mask': '_mask.png', 'grasps': '_grasps.txt'}
DEPTH_SUFFIX = '_perfect_depth.tiff'
"""The depth image of a scene (float32 metres, rendered, without holes): ``depth_path`` of the
data info where it exists, for RGB-D pipelines (:class:`LoadDepthFromFile`)."""

JACQUARD_MASK_THRESHOLD = 128
"""Mask values ``>= 128`` are the object (class 1), lower ones background (class 0); the released
masks are 0/255."""


def load_jacquard_grasps(path: str, image_wh: Optional[Tuple[int, int]] = None) -> np.ndarray:
    """Read a Jacquard ``*_grasps.txt`` into grasps.

    Args:
        path (str): The grasp file.
        image_wh (tuple[int, int], optional): ``(width, height)`` of its image: a grasp longer
            than the image's diagonal is an error naming its line.

    Lines whose opening or jaw is below 1 px (``x;y;theta;0;0``, say) are dropped with one
    warning naming the file and the lines (docs/bad_data.md).

    Returns:
        ndarray: ``(N, 5)`` grasps ``(x, y, w, h, theta)``, theta in ``[0, pi)``.

    Raises:
        ValueError: On a line that is not 5 numbers separated by ``;``, or with a negative
            opening or jaw size (the message names the file and the line).
    """
    rows, linenos = [], []
    for lineno, line in read_text_lines(path):
        fields = [f.strip() for f in line.split(';')]
        if len(fields) != 5:
            raise ValueError(f'{path}, line {lineno}: expected 5 fields "x;y;theta;opening;jaw", '
                             f'got {len(fields)}: {line!r}')
        x, y, theta_deg, opening, jaw = parse_floats(fields, path, lineno)
        if opening < 0 or jaw < 0:
            raise ValueError(f'{path}, line {lineno}: negative opening or jaw size: {line!r}')
        rows.append((x, y, opening, jaw, math.radians(theta_deg) % math.pi))
        linenos.append(lineno)
    return drop_small_grasps(np.asarray(rows, dtype=np.float64).reshape(-1, 5), linenos, path,
                             image_wh=image_wh)[0]


@DATASETS.register_module()
class JacquardGraspDataset(BaseGraspDataset):
    """Jacquard grasp dataset: a seeded 95/5 image-wise split (paper VI-A) or k-fold folds.

    Every ``*_grasps.txt`` under ``data_root/<objectID>/`` is a sample; its ``_RGB.png`` and
    ``_mask.png`` must exist. The samples are sorted by path; the object of a sample is its folder.
    The sides follow the vocabulary of :class:`BaseGraspDataset`:

    - ``fold=None`` (default): the units are shuffled with ``split_seed`` and
      ``round(units * test_ratio)`` of them form the test side: images by default (the paper's
      image-wise split), objects with ``fold_by='object'``.
    - ``fold=K``: k-fold cross-validation, fold ``K`` of ``num_folds`` is the test side. Object-
      wise by default (``fold_by='object'``): the sorted *objects* are shuffled with
      ``split_seed`` and cut into folds, so that no object has scenes on both sides (the 10
      objects of the published samples make 5 folds of 2); with ``fold_by='image'`` the images
      are.

    With ``val_ratio > 0`` a seeded part of the training side is held out for validation
    (``split='val'``), by object or by image like the test side, and ``split='train'`` is the
    rest; the test side is never used for validation.

    Args:
        split (str): ``'train'``, ``'val'``, ``'trainval'`` (``train`` and ``val``), ``'test'`` or
            ``'all'``. Defaults to ``'train'``.
        test_ratio (float): Fraction of the units on the test side when ``fold`` is None.
            Defaults to 0.05.
        split_seed (int): Seed of the split (or fold) shuffle and of the validation hold-out.
            Defaults to 0.
        val_ratio (float): Fraction of the training side's units (objects or images) held out
            for validation; 0 holds out nothing. Defaults to 0.
        fold (int, optional): The test fold, in ``[0, num_folds)``; None for the ratio split.
            Defaults to None.
        num_folds (int): Number of cross-validation folds. Defaults to 5.
        fold_by (str, optional): ``'object'`` (``'group'`` is the same) or ``'image'``. Defaults
            to None: ``'image'`` for the ratio split (the paper's), ``'object'`` for folds.
        **kwargs: Passed to :class:`BaseGraspDataset` (``data_root``, ``pipeline``, ...).
    """

    GROUP_NAME = 'object'
    METAINFO = dict(
        BaseGraspDataset.METAINFO,
        sem_classes=('background', 'graspable'),
        sem_palette=[(0, 0, 0), (0, 200, 120)])

    def __init__(self,
                 split: str = 'train',
                 test_ratio: float = 0.05,
                 split_seed: int = 0,
                 val_ratio: float = 0.0,
                 fold: Optional[int] = None,
                 num_folds: int = 5,
                 fold_by: Optional[str] = None,
                 **kwargs) -> None:
        if fold_by is None:
            fold_by = 'image' if fold is None else 'object'
        self.test_ratio = test_ratio
        super().__init__(split=split, fold=fold, num_folds=num_folds, fold_by=fold_by,
                         val_ratio=val_ratio, split_seed=split_seed, **kwargs)

    def _find_samples(self) -> List[str]:
        """Path prefixes ``<root>/<objectID>/<k>_<objectID>`` of every sample, sorted."""
        root = self.data_root
        if not osp.isdir(root):
            raise FileNotFoundError(f'Jacquard data_root not found: {root}')
        prefixes = []
        for obj in sorted(os.listdir(root)):
            folder = osp.join(root, obj)
            if not osp.isdir(folder):
                continue
            files = set(os.listdir(folder))
            stems = {name[:-len(suffix)] for name in files
                     for suffix in _SUFFIXES.values() if name.endswith(suffix)}
            for stem in sorted(stems):
                missing = [stem + sfx for sfx in _SUFFIXES.values() if stem + sfx not in files]
                if missing:
                    present = [stem + sfx for sfx in _SUFFIXES.values() if stem + sfx in files]
                    raise FileNotFoundError(
                        f'{osp.join(folder, missing[0])} not found: a Jacquard sample needs '
                        f'{", ".join(stem + sfx for sfx in _SUFFIXES.values())}, '
                        f'but {folder} has only {", ".join(present)}')
                prefixes.append(osp.join(folder, stem))
        if not prefixes:
            raise FileNotFoundError(f'no Jacquard samples (<objectID>/<k>_<objectID>_grasps.txt) '
                                    f'under {root}')
        return prefixes

    def load_data_list(self) -> List[dict]:
        """Load the chosen split side.

        Returns:
            list[dict]: Data infos (see :mod:`mmgrasp.datasets.base_grasp_dataset`) with
            ``seg_map_path``, ``mask_threshold=128`` and, where the scene has one,
            ``depth_path`` (its ``_perfect_depth.tiff``).
        """
        prefixes = self._find_samples()
        data_list = []
        objects = [osp.basename(osp.dirname(p)) for p in prefixes]
        for i in self.split_indices(len(prefixes), objects, test_ratio=self.test_ratio):
            prefix = prefixes[i]
            img_path = prefix + _SUFFIXES['img']
            height, width = image_size(img_path)
            grasps = load_jacquard_grasps(prefix + _SUFFIXES['grasps'], (width, height))
            info = dict(img_path=img_path, img_id=osp.basename(prefix), height=height,
                        width=width, object_id=osp.basename(osp.dirname(prefix)),
                        seg_map_path=prefix + _SUFFIXES['mask'],
                        mask_threshold=JACQUARD_MASK_THRESHOLD,
                        instances=self.make_instances(grasps, obj_labels=1))
            if osp.isfile(prefix + DEPTH_SUFFIX):
                info['depth_path'] = prefix + DEPTH_SUFFIX
            data_list.append(info)
        return data_list
