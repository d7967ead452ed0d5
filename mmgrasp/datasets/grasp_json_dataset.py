# Copyright (c) mmgrasp contributors. All rights reserved.
"""Dataset of one's own images, read from a grasp JSON file (:mod:`mmgrasp.datasets.grasp_json`)."""
import os.path as osp
from typing import List, Optional, Tuple

import numpy as np

from mmgrasp.registry import DATASETS
from .annotation_checks import check_grasp_sizes, check_size_matches_image
from .base_grasp_dataset import BaseGraspDataset
from .grasp_json import SIZE_KEYS, GraspJson, GraspJsonImage, load_grasp_json
from .safe_paths import check_if_present, path_inside
from .utils import image_size


@DATASETS.register_module()
class GraspJsonDataset(BaseGraspDataset):
    """Grasps, masks and classes of one's own images, from one grasp JSON file.

    The format is that of :mod:`mmgrasp.datasets.grasp_json` (docs/own_objects.md); the
    converters of ``tools/dataset_converters/to_grasp_json.py`` write it from Cornell, Jacquard,
    OCID_grasp, labelme and CVAT. The semantic classes are ``('background', *category names)``
    unless the config's ``metainfo`` gives ``sem_classes``.

    **Which images** (``split``; the vocabulary of :class:`BaseGraspDataset`):

    - ``fold=None`` (default): by each image's ``split`` field. ``'val'`` are the images marked
      ``val``; when none is, and ``val_ratio > 0``, a seeded hold-out of the images marked
      ``train``. ``'train'`` are the images marked ``train`` without that hold-out,
      ``'trainval'`` both, ``'test'`` those marked ``test``, ``'all'`` every image. Every image
      needs the field unless ``split='all'``.
    - ``fold=K``: k-fold cross-validation, fold ``K`` of ``num_folds`` is the test side, cut
      image-wise (``fold_by='image'``: the images in file order are shuffled with
      ``split_seed``, as :class:`CornellGraspDataset` does) or group-wise (``fold_by='group'``:
      the sorted distinct ``group`` values are shuffled and cut, as
      :class:`JacquardGraspDataset` does with objects, so that no group is on both sides).

    The validation hold-out (``val_ratio``) is always drawn from the training side, by image or
    by group like the folds; the test side is never used for validation.

    Args:
        ann_file (str): The grasp JSON file, relative to ``data_root`` unless absolute.
        split (str): The side to load (see above). Defaults to ``'train'``.
        fold (int, optional): The test fold, in ``[0, num_folds)``; None to use the images'
            ``split`` fields. Defaults to None.
        num_folds (int): Number of cross-validation folds. Defaults to 5.
        fold_by (str): ``'image'`` or ``'group'``. Defaults to ``'image'``.
        split_seed (int): Seed of the fold shuffle and of the hold-out. Defaults to 0.
        val_ratio (float): Fraction of the training side's images (or groups) held out for
            validation; 0 holds out nothing. With ``fold=None`` it applies only when no image
            is marked ``val``. Defaults to 0.
        **kwargs: Passed to :class:`BaseGraspDataset` (``data_root``, ``pipeline``, ...). The
            file's image, mask and depth paths are relative to the JSON file's folder, or to
            ``data_prefix=dict(img_path=...)`` (joined to ``data_root``) when given.
    """

    def __init__(self,
                 ann_file: str = '',
                 split: str = 'train',
                 fold: Optional[int] = None,
                 num_folds: int = 5,
                 fold_by: str = 'image',
                 split_seed: int = 0,
                 val_ratio: float = 0.0,
                 **kwargs) -> None:
        self._parsed: Optional[GraspJson] = None
        self._given_metainfo = dict(kwargs.get('metainfo') or {})
        self._given_img_prefix = (kwargs.get('data_prefix') or {}).get('img_path')
        super().__init__(ann_file=ann_file, split=split, fold=fold, num_folds=num_folds,
                         fold_by=fold_by, val_ratio=val_ratio, split_seed=split_seed, **kwargs)

    def _load_metainfo_from_file(self) -> None:
        """Take ``sem_classes`` from the file's categories unless the config gave them."""
        if 'sem_classes' in self._given_metainfo:
            return
        names = self._parsed.sem_classes
        palette = list(self.METAINFO['sem_palette'])
        while len(palette) < len(names):
            k = len(palette)
            palette.append(((k * 67) % 256, (k * 151) % 256, (k * 211) % 256))
        self._metainfo['sem_classes'] = names
        self._metainfo['sem_palette'] = palette[:len(names)]

    def full_init(self) -> None:
        """Parse the JSON file before mmengine builds the data list, so that the metainfo
        (``sem_classes``) follows its categories."""
        if self._fully_initialized:
            return
        if not self.ann_file:
            raise ValueError('GraspJsonDataset needs ann_file, a grasp JSON file')
        self._parsed = load_grasp_json(self.ann_file)
        self._load_metainfo_from_file()
        super().full_init()

    def _root(self) -> str:
        """The folder the file's paths are relative to: ``data_prefix['img_path']`` (joined to
        ``data_root`` by mmengine) when the config gives one, else the JSON file's folder."""
        if self._given_img_prefix:
            return self.data_prefix['img_path']
        return osp.dirname(osp.abspath(self.ann_file))

    def _groups(self) -> Optional[List]:
        """The ``group`` of each image for group-wise cuts (None for image-wise ones)."""
        images = self._parsed.images
        if not self.group_wise:
            return None
        missing = [str(img.id) for img in images if img.group is None]
        if missing:
            raise ValueError(f'{self.ann_file}: fold_by=\'group\' needs a "group" on every image; '
                             f'image(s) {", ".join(missing[:5])} have none')
        return [img.group for img in images]

    def _marked_sides(self) -> Tuple[Tuple[np.ndarray, np.ndarray], np.ndarray]:
        """The sides the images' ``split`` fields give: ``(training side, test side)`` and the
        images marked ``val`` (part of the training side)."""
        images = self._parsed.images
        unmarked = [str(img.id) for img in images if img.split is None]
        if unmarked:
            raise ValueError(f'{self.ann_file}: split={self.split!r} needs a "split" field on '
                             f'every image (or set fold=K for cross-validation, or '
                             f'split=\'all\'); image(s) {", ".join(unmarked[:5])} have none')
        marks = np.array([img.split for img in images])
        return (np.flatnonzero(marks != 'test'), np.flatnonzero(marks == 'test')), \
            np.flatnonzero(marks == 'val')

    def _chosen(self) -> np.ndarray:
        """Indices of the images of ``split`` (see the class docstring)."""
        num_images = len(self._parsed.images)
        if self.split == 'all':
            return np.arange(num_images)
        fixed, marked_val = (None, None) if self.fold is not None else self._marked_sides()
        return self.split_indices(num_images, self._groups(), fixed=fixed, fixed_val=marked_val)

    @staticmethod
    def _image_size(image: GraspJsonImage, img_path: str, where: str) -> Tuple[int, int]:
        """``(width, height)`` of an image, checked against its file (which is only opened
        where it exists: a missing file is left to the step that reads it, which names it).

        A declared size must be the image file's (from its header); without one, the size is
        read from the file and the grasps are checked against it
        (:mod:`mmgrasp.datasets.annotation_checks`; a declared size had them checked when the
        file was parsed).
        """
        if image.width is None or image.height is None:
            height, width = image_size(img_path)
            check_grasp_sizes(image.grasps, width, height,
                              [f'{where}, annotation id {a!r}' for a in image.annotation_ids], '')
            return width, height
        check_if_present(img_path, f'{where}, "file_name"')
        if osp.lexists(img_path):
            check_size_matches_image(image.width, image.height, img_path, where, SIZE_KEYS)
        return image.width, image.height

    def load_data_list(self) -> List[dict]:
        """Load the chosen side.

        Returns:
            list[dict]: Data infos (see :mod:`mmgrasp.datasets.base_grasp_dataset`), with
            ``seg_map_path`` (and ``mask_threshold``) where the image has a mask, ``depth_path``
            where it has depth and ``group`` where it has one.
        """
        chosen = self._chosen()
        root = self._root()
        data_list = []
        for i in chosen:
            image = self._parsed.images[i]
            where = f'{self.ann_file}: images[{i}] (id {image.id!r})'
            img_path = path_inside(root, image.file_name, f'{where}, "file_name"')
            width, height = self._image_size(image, img_path, where)
            info = dict(img_path=img_path, img_id=str(image.id), height=height, width=width,
                        instances=self.make_instances(image.grasps, image.category_ids))
            if image.seg_map is not None:
                info['seg_map_path'] = path_inside(root, image.seg_map, f'{where}, "seg_map"')
                check_if_present(info['seg_map_path'], f'{where}, "seg_map"')
                if image.seg_map_threshold is not None:
                    info['mask_threshold'] = image.seg_map_threshold
            if image.depth is not None:
                info['depth_path'] = path_inside(root, image.depth, f'{where}, "depth"')
                check_if_present(info['depth_path'], f'{where}, "depth"')
            if image.group is not None:
                info['group'] = image.group
            data_list.append(info)
        return data_list
