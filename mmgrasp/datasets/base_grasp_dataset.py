# Copyright (c) mmgrasp contributors. All rights reserved.
"""Base class of the grasp datasets: the data-info layout every loader returns.

Each ``load_data_list()`` entry is a dict (see :class:`BaseGraspDataset`)::

    dict(img_path=str, img_id=str, height=int, width=int,
         seg_map_path=str,               # only where the dataset has a mask
         label_map=dict,                 # optional: mask value -> class id
         mask_threshold=int,             # optional: binary mask, value >= it is class 1 (Jacquard)
         instances=[dict(grasp=[x, y, w, h, theta],   # docs/conventions.md section 1,
                                                      # theta in [0, pi)
                         bbox_label=int,              # orientation bin of theta (18 bins)
                         obj_label=int,               # semantic class of the grasped object
                         ignore_flag=0), ...])

:meth:`BaseGraspDataset.get_data_info` adds ``num_sem_classes`` (the length of the metainfo's
``sem_classes``), which :class:`~mmgrasp.datasets.transforms.LoadGraspAnnotations` checks the mask
values against. What the loaders reject, drop and warn about is listed in docs/bad_data.md.
"""
import logging
import numbers
import warnings
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from mmgrasp.structures import NUM_ORIENTATION_BINS, angle_to_bin, wrap_angle
from .grasp_size_rules import listing
from .transforms.grasp_geometry import centres_inside
from .utils import (FOLD_BY, ORIENTATION_BIN_NAMES, SPLITS, group_kfold_indices,
                    group_ratio_split_indices, holdout_indices, orientation_bin_palette,
                    select_split)


class BaseGraspDataset(BaseDataset):
    """Common base of :class:`CornellGraspDataset`, :class:`JacquardGraspDataset` and
    :class:`OCIDGraspDataset`.

    ``METAINFO['classes']`` are the 18 orientation bins of the detection head
    (docs/conventions.md section 2; bin ``k`` holds ``[k*10, (k+1)*10)`` degrees), not object
    classes: mmdet code that reads ``classes`` (samplers, visualizers) then sees the detector's
    classes. The semantic classes of the segmentation branch live under ``sem_classes`` /
    ``sem_palette``; the ground-truth ``gt_instances.labels`` of a packed sample are indices into
    ``sem_classes`` (the grasped objects), while the detector's predicted ``labels`` are bins.

    Subclasses implement ``load_data_list()`` with the layout of the module docstring, building the
    instances with :meth:`make_instances`, and choose their images with :meth:`split_indices`.

    **Which images: one vocabulary for every dataset** (docs/evaluation_protocol.md):

    - ``split``: the side to load, ``'train'`` (the training side without the validation
      hold-out), ``'val'`` (the hold-out, always drawn from the training side), ``'trainval'``
      (the whole training side), ``'test'`` or ``'all'``.
    - ``fold``: ``K`` makes fold ``K`` of ``num_folds`` seeded folds the test side (k-fold
      cross-validation); None uses the dataset's own split where it has one (Jacquard's seeded
      95/5, a grasp JSON file's ``split`` fields, OCID_grasp's split file).
    - ``fold_by``: the unit of every cut (folds, the 95/5 split and the validation hold-out):
      ``'image'``, or ``'group'``: whole groups of images, so that no group is on two sides. A
      group is an object for Cornell (from its ``object_map_file``) and Jacquard (its folder), a
      sequence for OCID_grasp and the ``group`` field of a grasp JSON file; each dataset accepts
      that name (:attr:`GROUP_NAME`: ``'object'``, ``'sequence'``) for ``'group'``.
    - ``val_ratio``: the fraction of the training side's units held out for validation; 0 holds
      out nothing (``split='train'`` is then the whole training side, ``'val'`` an error).
    - ``split_seed``: the seed of the folds, of the 95/5 split and of the hold-out.

    **Images without usable ground truth.** After loading, :meth:`filter_data` counts the grasps
    of each image that the pipeline will hand to the model: those whose centre lies in the image
    and that survive the deterministic geometric steps of ``pipeline`` (the steps with a
    ``transform_grasps`` method: :class:`~mmgrasp.datasets.transforms.GraspResize` drops grasps
    it shrinks below 1 px, :class:`~mmgrasp.datasets.transforms.GraspCenterCrop` those whose
    centre falls outside its window). Random augmentations are not replayed. Images left with no
    usable grasp (an empty or all-NaN annotation file, grasps all outside the image or the crop)
    are listed by id in one warning and in :attr:`images_without_gt`; grasps dropped by a step
    are counted in one warning per step.

    Args:
        split (str): One of :data:`~mmgrasp.datasets.utils.SPLITS`. Defaults to ``'train'``.
        fold (int, optional): The test fold, in ``[0, num_folds)``; None for the dataset's own
            split. Defaults to None.
        num_folds (int): Number of cross-validation folds. Defaults to 5.
        fold_by (str): ``'image'``, ``'group'`` or :attr:`GROUP_NAME`. Defaults to ``'image'``.
        val_ratio (float): Fraction of the training side held out for validation, in
            ``[0, 1)``. Defaults to 0.
        split_seed (int): Seed of every cut. Defaults to 0.
        filter_cfg (dict, optional): ``dict(filter_empty_gt=True)`` drops the images without a
            usable grasp from the training side (never in ``test_mode``, where they stay and are
            scored as misses). Defaults to None.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    GROUP_NAME: str = 'group'
    """What a group of images is in this dataset; ``fold_by`` accepts it for ``'group'``."""

    images_without_gt: Sequence[str] = ()
    """Ids of the loaded images without a usable ground-truth grasp (set by :meth:`filter_data`)."""

    METAINFO = {
        'classes': ORIENTATION_BIN_NAMES,
        'palette': orientation_bin_palette(NUM_ORIENTATION_BINS),
        'sem_classes': ('background', 'object'),
        'sem_palette': [(0, 0, 0), (0, 200, 120)],
    }

    def __init__(self,
                 *args,
                 split: str = 'train',
                 fold: Optional[int] = None,
                 num_folds: int = 5,
                 fold_by: str = 'image',
                 val_ratio: float = 0.0,
                 split_seed: int = 0,
                 **kwargs) -> None:
        name = type(self).__name__
        if split not in SPLITS:
            raise ValueError(f'{name}: split must be one of {SPLITS}, got {split!r}')
        choices = tuple(dict.fromkeys(FOLD_BY + (self.GROUP_NAME, )))
        if fold_by not in choices:
            raise ValueError(f'{name}: fold_by must be one of {choices}, got {fold_by!r}')
        if isinstance(num_folds, bool) or not isinstance(num_folds, numbers.Integral) \
                or num_folds < 2:
            raise ValueError(f'{name}: num_folds must be an integer of at least 2, '
                             f'got {num_folds!r}')
        if fold is not None and (isinstance(fold, bool) or not isinstance(fold, numbers.Integral)
                                 or not 0 <= fold < num_folds):
            raise ValueError(f'{name}: fold must be None or an integer in [0, {num_folds}), '
                             f'got {fold!r}')
        if not 0 <= val_ratio < 1:
            raise ValueError(f'{name}: val_ratio must be in [0, 1), got {val_ratio!r}')
        self.split = split
        self.fold = fold
        self.num_folds = num_folds
        self.fold_by = fold_by
        self.val_ratio = val_ratio
        self.split_seed = split_seed
        super().__init__(*args, **kwargs)

    @property
    def group_wise(self) -> bool:
        """Whether the cuts keep whole groups together (``fold_by`` is not ``'image'``)."""
        return self.fold_by != 'image'

    @staticmethod
    def _deprecated(old: str, new: str) -> None:
        """Warn that the argument spelling ``old`` is replaced by ``new`` (still accepted)."""
        warnings.warn(f'{old} is deprecated: use {new} (docs/evaluation_protocol.md)',
                      FutureWarning, stacklevel=3)

    def split_indices(self,
                      num_images: int,
                      groups: Optional[Sequence] = None,
                      image_keys: Optional[Sequence] = None,
                      fixed: Optional[Tuple[np.ndarray, np.ndarray]] = None,
                      fixed_val: Optional[np.ndarray] = None,
                      test_ratio: Optional[float] = None) -> np.ndarray:
        """Indices of the images on the side ``split``: the one split rule of every dataset.

        The units of every cut are the images (``fold_by='image'``; ordered by ``image_keys``,
        by default their index) or their ``groups``. The training and test sides are, in this
        order of precedence:

        1. ``fixed``: the dataset's own sides (a grasp JSON file's ``split`` fields, an OCID_grasp
           split file);
        2. ``fold=K``: the sorted distinct units are shuffled with ``split_seed`` and cut into
           ``num_folds`` nearly equal folds; fold ``K`` is the test side
           (:func:`~mmgrasp.datasets.utils.group_kfold_indices`);
        3. ``test_ratio``: a seeded ``test_ratio`` of the units is the test side (Jacquard's 95/5,
           :func:`~mmgrasp.datasets.utils.group_ratio_split_indices`).

        The validation set is ``fixed_val`` when given and not empty (images marked ``val``), else,
        for ``split='train'`` and ``'val'`` with ``val_ratio > 0``, a seeded ``val_ratio`` of the
        training side's units (:func:`~mmgrasp.datasets.utils.holdout_indices`); never a test
        image. ``split='all'`` is every image, whatever the sides.

        Args:
            num_images (int): Number of images, in the dataset's order.
            groups (Sequence, optional): ``(num_images,)`` the group of each image (hashable,
                sortable); needed when ``fold_by`` is group-wise. Defaults to None.
            image_keys (Sequence, optional): ``(num_images,)`` sortable keys that order the
                images for image-wise cuts. Defaults to None: their index.
            fixed (tuple[ndarray, ndarray], optional): The dataset's own training and test
                sides. Defaults to None.
            fixed_val (ndarray, optional): With ``fixed``: the images marked for validation, a
                subset of its training side. Defaults to None.
            test_ratio (float, optional): Fraction of the units on the test side when neither
                ``fixed`` nor ``fold`` gives the sides. Defaults to None.

        Returns:
            ndarray: Sorted indices of the chosen images.

        Raises:
            ValueError: Without a way to cut (no ``fixed``, ``fold`` or ``test_ratio``), with
                fewer groups than folds, or a hold-out that cannot be drawn.
        """
        if self.split == 'all':
            return np.arange(num_images)
        where = self.ann_file or self.data_root or type(self).__name__
        if self.group_wise:
            if groups is None or len(groups) != num_images:
                raise ValueError(f'{where}: fold_by={self.fold_by!r} needs the '
                                 f'{self.GROUP_NAME} of every image')
            units = list(groups)
        else:
            units = list(range(num_images)) if image_keys is None else list(image_keys)
        if fixed is not None:
            train, test = (np.asarray(side, np.int64) for side in fixed)
        elif self.fold is not None:
            distinct = len(set(units))
            if distinct < self.num_folds:
                unit = self.GROUP_NAME if self.group_wise else 'image'
                hint = " or fold_by='image'" if self.group_wise else ''
                raise ValueError(f'{where}: {distinct} {unit}(s) cannot make '
                                 f'{self.num_folds} {unit}-wise folds; use fewer folds{hint}')
            train, test = group_kfold_indices(units, self.num_folds, self.fold, self.split_seed)
        elif test_ratio is not None:
            train, test = group_ratio_split_indices(units, test_ratio, self.split_seed)
        else:
            raise ValueError(f'{where}: {type(self).__name__} has no split of its own: set '
                             f'fold=K (K in [0, {self.num_folds})) for k-fold '
                             "cross-validation, or split='all'")
        val = fixed_val if fixed is not None and fixed_val is not None and len(fixed_val) else None
        if val is None and self.val_ratio and self.split in ('train', 'val'):
            try:
                held = holdout_indices([units[i] for i in train], self.val_ratio,
                                       self.split_seed)[1]
            except ValueError as e:
                raise ValueError(f'{where}: {e} (fold_by={self.fold_by!r})') from None
            val = train[held]
        return select_split(self.split, train, test, num_images, val)

    @staticmethod
    def make_instances(grasps: np.ndarray, obj_labels=None) -> List[dict]:
        """Build the ``instances`` list of one image.

        Args:
            grasps (ndarray): ``(N, 5)`` grasps ``(x, y, w, h, theta)``; theta is wrapped into
                ``[0, pi)`` here.
            obj_labels (ndarray | int, optional): ``(N,)`` semantic class of the grasped object,
                or one class for all. Defaults to 0 (unknown).

        Returns:
            list[dict]: One dict per grasp with keys ``grasp``, ``bbox_label``, ``obj_label`` and
            ``ignore_flag``.
        """
        grasps = np.asarray(grasps, dtype=np.float64).reshape(-1, 5).copy()
        grasps[:, 4] = wrap_angle(grasps[:, 4])
        if obj_labels is None:
            obj_labels = 0
        obj_labels = np.broadcast_to(np.asarray(obj_labels, dtype=np.int64), (len(grasps), ))
        bins = angle_to_bin(grasps[:, 4], NUM_ORIENTATION_BINS)
        return [
            dict(grasp=[float(v) for v in g], bbox_label=int(b), obj_label=int(o), ignore_flag=0)
            for g, b, o in zip(grasps, bins, obj_labels)
        ]

    def get_data_info(self, idx: int) -> dict:
        """The data info of image ``idx``, with ``num_sem_classes`` added.

        ``num_sem_classes`` (the length of ``metainfo['sem_classes']``) lets
        :class:`~mmgrasp.datasets.transforms.LoadGraspAnnotations` reject mask values that are
        not class ids, naming the mask file (mmengine passes no metainfo to the pipeline).

        Args:
            idx (int): Index of the image.

        Returns:
            dict: The data info.
        """
        info = super().get_data_info(idx)
        info.setdefault('num_sem_classes', len(self.metainfo['sem_classes']))
        return info

    def _replay_steps(self) -> List[Tuple[str, object]]:
        """``(name, step)`` of the pipeline steps whose effect on the grasps can be computed
        without the image (those with a ``transform_grasps`` method)."""
        return [(repr(t), t) for t in getattr(self.pipeline, 'transforms', [])
                if callable(getattr(t, 'transform_grasps', None))]

    @staticmethod
    def _usable_grasps(info: dict, steps: list, drops: Dict[str, Counter]) -> Tuple[int, str]:
        """Number of grasps of ``info`` that reach the model, and why there are none.

        Args:
            info (dict): A data info.
            steps (list): ``(name, step)`` of the replayable pipeline steps, in order.
            drops (dict[str, Counter]): Updated in place: per step (or ``'image'``), the number
                of grasps dropped from each image id.

        Returns:
            tuple[int, str]: The count and, when it is 0, the reason.
        """
        grasps = np.array([inst['grasp'] for inst in info['instances']
                           if not inst.get('ignore_flag', 0)], dtype=np.float64).reshape(-1, 5)
        if len(grasps) == 0:
            return 0, 'no grasp in its annotation'
        img_id = str(info.get('img_id', info.get('img_path')))
        height, width = int(info['height']), int(info['width'])
        inside = centres_inside(grasps, height, width)
        if not inside.all():
            drops['image'][img_id] += int((~inside).sum())
        if not inside.any():
            return 0, f'all {len(grasps)} grasp centres outside the {width}x{height} image'
        grasps, shape = grasps[inside], (height, width)
        for step_name, step in steps:
            mapped, keep, shape = step.transform_grasps(grasps, shape)
            if not keep.all():
                drops[step_name][img_id] += int((~keep).sum())
            if not keep.any():
                return 0, f'{step_name} drops all {len(grasps)} of its grasps'
            grasps = mapped[keep]
        return len(grasps), ''

    def filter_data(self) -> List[dict]:
        """Find the images without usable ground truth; drop them from training on request.

        See the class docstring: images without a usable grasp are warned about by id (and
        kept in ``test_mode``); with ``filter_cfg=dict(filter_empty_gt=True)`` they are dropped
        from the training side. Grasps that the image bounds or a pipeline step drop are
        counted in one warning per cause.

        Returns:
            list[dict]: The kept data infos.
        """
        name = type(self).__name__
        split = getattr(self, 'split', None)
        where = f'{name}' + (f' (split {split!r})' if split is not None else '')
        steps = self._replay_steps()
        drops: Dict[str, Counter] = {'image': Counter(), **{n: Counter() for n, _ in steps}}
        empty, usable = [], []
        for info in self.data_list:
            count, reason = self._usable_grasps(info, steps, drops)
            usable.append(count > 0)
            if count == 0:
                empty.append((str(info.get('img_id', info.get('img_path'))), reason))
        for cause, counter in drops.items():
            if counter:
                what = ('have their centre outside the image' if cause == 'image' else
                        f'are dropped by the pipeline step {cause}')
                print_log(f'{where}: {sum(counter.values())} grasp(s) of {len(counter)} image(s) '
                          f'{what}: {listing(sorted(counter))}', logger='current',
                          level=logging.WARNING)
        self.images_without_gt = [img_id for img_id, _ in empty]
        filtering = (not self.test_mode and bool(self.filter_cfg)
                     and bool(self.filter_cfg.get('filter_empty_gt')))
        if empty:
            fate = ('dropped by filter_empty_gt' if filtering else
                    'they stay and will be scored as misses' if self.test_mode else
                    'they stay, as training samples without a grasp')
            print_log(f'{where}: {len(empty)} of {len(self.data_list)} image(s) have no usable '
                      f'ground-truth grasp ({fate}): '
                      f'{listing([f"{i} ({r})" for i, r in empty])}', logger='current',
                      level=logging.WARNING)
        if not filtering:
            return self.data_list
        return [info for info, keep in zip(self.data_list, usable) if keep]

    def get_cat_ids(self, idx: int) -> List[int]:
        """Orientation bins of the grasps of image ``idx`` (for class-aware samplers).

        Args:
            idx (int): Index of the image.

        Returns:
            list[int]: The orientation bin of each grasp.
        """
        return [inst['bbox_label'] for inst in self.get_data_info(idx)['instances']]
