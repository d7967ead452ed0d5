# Copyright (c) mmgrasp contributors. All rights reserved.
"""OCID_grasp dataset (Ainetter & Fraundorfer, ICRA 2021) in its original layout.

::

    data_root/
        data_split/training_0.txt, validation_0.txt, ...     # lines "seq_path,image.png"
        <seq_path>/rgb/<image>.png                            # 640x480
        <seq_path>/depth/<image>.png                          # uint16 mm, for RGB-D configs
        <seq_path>/seg_mask_labeled_combi/<image>.png         # uint8 class ids 0..31
        <seq_path>/Annotations/<stem>.txt                     # all grasps (not used)
        <seq_path>/Annotations_per_class/<stem>/<class_id>/<stem>.txt

A rectangle is 4 lines ``x y``; its first edge ``p0 -> p1`` is the **jaw** and ``p1 -> p2`` the
opening (docs/conventions.md section 1). Each grasp keeps the class of the folder it was read from,
for the per-class metric (paper VI-A). Class names and colours follow the release
(``grasp_det_seg/data_OCID/OCID_class_dict.py`` of the paper's code).
"""
import os
import os.path as osp
from typing import List, Optional, Tuple

import numpy as np

from mmgrasp.registry import DATASETS
from mmgrasp.structures import corners_to_grasps
from .base_grasp_dataset import BaseGraspDataset
from .grasp_size_rules import drop_small_grasps
from .safe_paths import UnsafePathError, check_regular_file, path_inside
from .utils import image_size, read_quad_file, read_text_lines

OCID_SEM_CLASSES = ('background', 'apple', 'ball', 'banana', 'bell_pepper', 'binder', 'bowl',
                    'cereal_box', 'coffee_mug', 'flashlight', 'food_bag', 'food_box', 'food_can',
                    'glue_stick', 'hand_towel', 'instant_noodles', 'keyboard', 'kleenex', 'lemon',
                    'lime', 'marker', 'orange', 'peach', 'pear', 'potato', 'shampoo', 'soda_can',
                    'sponge', 'stapler', 'tomato', 'toothpaste', 'unknown')
OCID_SEM_PALETTE = [(0, 0, 0), (211, 47, 47), (0, 255, 0), (123, 31, 162), (81, 45, 168),
                    (48, 63, 159), (25, 118, 210), (2, 136, 209), (153, 51, 102), (0, 121, 107),
                    (56, 142, 60), (104, 159, 56), (175, 180, 43), (251, 192, 45), (255, 160, 0),
                    (245, 124, 0), (230, 74, 25), (93, 64, 55), (97, 97, 97), (84, 110, 122),
                    (255, 255, 102), (0, 151, 167), (153, 255, 102), (51, 255, 102), (0, 255, 255),
                    (255, 255, 255), (255, 204, 204), (153, 102, 0), (204, 255, 204), (204, 255, 0),
                    (255, 0, 255), (194, 24, 91)]


def load_ocid_grasps(path: str, image_wh: Optional[Tuple[int, int]] = None) -> np.ndarray:
    """Read an OCID_grasp rectangle file into grasps.

    Args:
        path (str): The rectangle file (4 lines ``x y`` per rectangle, jaw edge first).
        image_wh (tuple[int, int], optional): ``(width, height)`` of its image: a grasp longer
            than the image's diagonal is an error naming its line.

    Rectangles whose opening or jaw is below 1 px are dropped with one warning naming the file
    and their lines (docs/bad_data.md).

    Returns:
        ndarray: ``(N, 5)`` grasps ``(x, y, w, h, theta)`` (opening edge ``p1 -> p2``).
    """
    corners, _, linenos = read_quad_file(path, allow_nan=False, return_linenos=True)
    if len(corners) == 0:
        return np.zeros((0, 5))
    return drop_small_grasps(corners_to_grasps(corners, opening_edge='p1p2'), linenos, path,
                             image_wh=image_wh)[0]


@DATASETS.register_module()
class OCIDGraspDataset(BaseGraspDataset):
    """OCID_grasp dataset: grasps per object class and labelled semantic masks.

    The images are those listed in ``ann_file`` (a ``data_split/*.txt`` file of the release, one
    ``seq_path,image.png`` per line, paths relative to ``data_root``). ``METAINFO['sem_classes']``
    has the 31 object classes plus background; a different label set (the synthetic scenes of
    :mod:`mmgrasp.datasets.synthetic`) is given with ``metainfo=dict(sem_classes=...,
    sem_palette=...)``.

    The release has five splits ``k``, each a training and a test list (``training_k.txt`` /
    ``validation_k.txt``; the paper tests on ``validation_0`` and reports the mean of the five,
    Table V). In the vocabulary of :class:`BaseGraspDataset` (docs/evaluation_protocol.md):

    - ``fold=None`` (default): ``ann_file`` is one side of a split, given in the config;
      ``fold=k`` (with ``num_folds=5``, the release's) picks split ``k``'s files instead:
      ``data_split/validation_k.txt`` for ``split='test'``, ``data_split/training_k.txt``
      otherwise. The folds are the release's, not drawn: ``split_seed`` only draws the hold-out.
    - ``split``: ``'train'`` (the file without the validation hold-out), ``'val'`` (the
      hold-out), ``'trainval'``, or ``'test'`` / ``'all'`` (every image of the file).
    - ``fold_by``: the unit of the validation hold-out, whole sequences by default
      (``'sequence'``, or ``'group'``: frames of one sequence are near-duplicates, so an
      image-wise hold-out would validate on training scenes), or single images (``'image'``,
      for scenes that are independent, like the synthetic ones).
    - ``val_ratio``: the fraction of the file's sequences (or images) held out.

    Args:
        ann_file (str): The split file, relative to ``data_root`` unless absolute; may be left
            out when ``fold`` is given.
        split (str): Which images of ``ann_file``: ``'all'`` or ``'test'`` (every image),
            ``'trainval'`` (every image, as a training side), ``'train'`` (without the validation
            hold-out) or ``'val'`` (the hold-out). Defaults to ``'all'``.
        val_ratio (float): Fraction of the groups (sequences or images) of ``ann_file`` held out
            for validation; 0 holds out nothing. Defaults to 0.
        val_group (str, optional): Deprecated spelling of ``fold_by`` (``'sequence'`` is
            ``fold_by='group'``); still accepted, with a deprecation warning. Defaults to None.
        split_seed (int): Seed of the hold-out. Defaults to 0.
        fold (int, optional): The release's split ``k`` whose file to read. Defaults to None:
            ``ann_file``.
        num_folds (int): Number of splits of the release. Defaults to 5.
        fold_by (str, optional): ``'sequence'`` (``'group'`` is the same) or ``'image'``: the unit
            of the hold-out. Defaults to None: ``'sequence'``.
        **kwargs: Passed to :class:`BaseGraspDataset` (``data_root``, ``pipeline``, ...).
    """

    GROUP_NAME = 'sequence'
    METAINFO = dict(
        BaseGraspDataset.METAINFO,
        sem_classes=OCID_SEM_CLASSES,
        sem_palette=OCID_SEM_PALETTE)

    def __init__(self,
                 *args,
                 split: str = 'all',
                 val_ratio: float = 0.0,
                 val_group: Optional[str] = None,
                 split_seed: int = 0,
                 fold: Optional[int] = None,
                 num_folds: int = 5,
                 fold_by: Optional[str] = None,
                 **kwargs) -> None:
        if split not in ('all', 'trainval', 'train', 'val', 'test'):
            raise ValueError("OCIDGraspDataset split must be 'all', 'trainval', 'train', 'val' or "
                             f"'test', got {split!r}")
        if val_group is not None:
            if val_group not in ('sequence', 'image'):
                raise ValueError(f"val_group must be 'sequence' or 'image', got {val_group!r}")
            self._deprecated(f'val_group={val_group!r}', f'fold_by={val_group!r}')
            if fold_by is not None and (fold_by == 'image') != (val_group == 'image'):
                raise ValueError(f'val_group={val_group!r} and fold_by={fold_by!r} disagree: '
                                 'give fold_by only')
            fold_by = fold_by or val_group
        fold_by = fold_by or self.GROUP_NAME
        if fold is not None:
            args, kwargs = self._split_file(fold, split, args, kwargs)
        super().__init__(
            *args, split=split, fold=fold, num_folds=num_folds, fold_by=fold_by,
            val_ratio=val_ratio, split_seed=split_seed, **kwargs)

    @property
    def val_group(self) -> str:
        """The unit of the hold-out in the spelling before ``fold_by``: ``'sequence'`` or
        ``'image'``."""
        return 'image' if self.fold_by == 'image' else 'sequence'

    @staticmethod
    def _split_file(fold: int, split: str, args: tuple, kwargs: dict) -> Tuple[tuple, dict]:
        """``args`` and ``kwargs`` with ``ann_file`` set to the release's file of split
        ``fold`` (an ``ann_file`` given too must be that file)."""
        side = 'validation' if split == 'test' else 'training'
        expected = osp.join('data_split', f'{side}_{fold}.txt')
        given = args[0] if args else kwargs.get('ann_file')
        if given and osp.normpath(given) != expected:
            raise ValueError(f'fold={fold} with split={split!r} reads {expected}, but ann_file is '
                             f'{given!r}: give one of them')
        if args:
            return (expected, ) + tuple(args[1:]), kwargs
        return args, dict(kwargs, ann_file=expected)

    def _load_sample(self, seq_path: str, image: str, where: str) -> dict:
        """Data info of one split line; ``where`` names the line for error messages."""
        seq_dir = path_inside(self.data_root, seq_path, f'{where}, sequence')
        if osp.basename(image) != image or image in ('.', '..'):
            raise UnsafePathError(f'{where}: image {image!r} must be a file name, without folders')
        img_path = osp.join(seq_dir, 'rgb', image)
        seg_map_path = osp.join(seq_dir, 'seg_mask_labeled_combi', image)
        stem = osp.splitext(image)[0]
        anno_dir = osp.join(seq_dir, 'Annotations_per_class', stem)
        for path, what in ((img_path, 'image'), (seg_map_path, 'mask'),
                           (anno_dir, 'annotation folder')):
            if not osp.exists(path):
                raise FileNotFoundError(f'{where}: {what} {path} not found')
        height, width = image_size(img_path)
        num_classes = len(self.metainfo['sem_classes'])
        instances = []
        for class_dir in sorted(os.listdir(anno_dir)):
            class_path = osp.join(anno_dir, class_dir)
            if not osp.isdir(class_path):
                continue
            if not class_dir.isdigit() or not 0 < int(class_dir) < num_classes:
                raise ValueError(f'{class_path}: class folder must be an object class id in '
                                 f'[1, {num_classes - 1}] (sem_classes of the dataset)')
            grasp_file = osp.join(class_path, stem + '.txt')
            if not osp.isfile(grasp_file):
                raise FileNotFoundError(f'{where}: annotation file {grasp_file} not found')
            instances += self.make_instances(
                load_ocid_grasps(grasp_file, (width, height)), int(class_dir))
        info = dict(img_path=img_path, img_id=f'{seq_path}/{stem}', height=height, width=width,
                    seg_map_path=seg_map_path, instances=instances)
        check_regular_file(seg_map_path, f'{where}: mask')
        depth_path = osp.join(seq_dir, 'depth', image)  # uint16 millimetres (RGB-D configs)
        if osp.lexists(depth_path):
            check_regular_file(depth_path, f'{where}: depth')
            info['depth_path'] = depth_path
        return info

    def load_data_list(self) -> List[dict]:
        """Load the images of the split file.

        Returns:
            list[dict]: Data infos (see :mod:`mmgrasp.datasets.base_grasp_dataset`) with
            ``seg_map_path``; each instance's ``obj_label`` is its object class.
        """
        if not self.ann_file:
            raise ValueError('OCIDGraspDataset needs ann_file, a data_split/*.txt file')
        lines = read_text_lines(self.ann_file)
        if not lines:
            raise ValueError(f'{self.ann_file}: empty split file')
        entries = []
        for lineno, line in lines:
            fields = [f.strip() for f in line.split(',')]
            if len(fields) != 2 or not all(fields):
                raise ValueError(f'{self.ann_file}, line {lineno}: expected "seq_path,image.png", '
                                 f'got {line!r}')
            entries.append((lineno, fields))
        everything, nothing = np.arange(len(entries)), np.zeros(0, np.int64)
        # the file is one side of the release's split: the test side for split='test'
        fixed = (nothing, everything) if self.split == 'test' else (everything, nothing)
        chosen = self.split_indices(len(entries), [f[0] for _, f in entries],
                                    image_keys=[f'{f[0]},{f[1]}' for _, f in entries],
                                    fixed=fixed)
        return [self._load_sample(*entries[i][1], where=f'{self.ann_file}, line {entries[i][0]}')
                for i in chosen]
