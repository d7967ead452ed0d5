# Copyright (c) mmgrasp contributors. All rights reserved.
"""Cornell grasp dataset (Lenz et al., IJRR 2015) in its original release layout.

::

    data_root/
        01/pcd0100r.png  pcd0100cpos.txt  pcd0100cneg.txt  ...
        01/pcd0100d.tiff                     # optional depth image (RGB-D configs)
        02/ ... 10/
        processedData/z.txt       # optional: image -> object map, for object-wise folds

A ``pcdNNNNcpos.txt`` holds 4 lines ``x y`` per positive rectangle (CRLF or LF, trailing spaces).
The opening edge is ``p0 -> p1`` (docs/conventions.md section 1). A few rectangles of the release
have ``NaN`` corners: they are dropped and counted in one logged warning. Negative rectangles
(``cneg``) are not used. There are no masks: Cornell configs are detection-only.
"""
import logging
import os
import os.path as osp
import re
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.logging import print_log

from mmgrasp.registry import DATASETS
from mmgrasp.structures import corners_to_grasps
from .base_grasp_dataset import BaseGraspDataset
from .grasp_size_rules import drop_small_grasps
from .utils import image_size, read_quad_file, read_text_lines

_IMAGE_RE = re.compile(r'^pcd(\d{4})r\.png$')
_POS_RE = re.compile(r'^pcd(\d{4})cpos\.txt$')


def load_cornell_grasps(path: str, image_wh: Optional[Tuple[int, int]] = None):
    """Read a Cornell ``pcdNNNNcpos.txt`` into grasps.

    Args:
        path (str): The rectangle file.
        image_wh (tuple[int, int], optional): ``(width, height)`` of its image: a grasp longer
            than the image's diagonal is an error naming its line.

    Rectangles whose opening or jaw is below 1 px (four equal corners, say) are dropped with one
    warning naming the file and their lines (docs/bad_data.md).

    Returns:
        tuple[ndarray, int]: ``(N, 5)`` grasps ``(x, y, w, h, theta)`` (opening edge ``p0 -> p1``)
        and the number of rectangles dropped for a NaN corner.
    """
    corners, num_nan, linenos = read_quad_file(path, allow_nan=True, return_linenos=True)
    if len(corners) == 0:
        return np.zeros((0, 5)), num_nan
    grasps, _ = drop_small_grasps(corners_to_grasps(corners, opening_edge='p0p1'), linenos, path,
                                  image_wh=image_wh)
    return grasps, num_nan


def load_cornell_object_map(path: str) -> Dict[int, str]:
    """Read the release's image-to-object mapping (``processedData/z.txt``).

    Each line starts with the image number and the object id (``100 5 mug ...``); further fields
    (the object's description) are ignored. A line may repeat; an image mapped to two objects
    is an error.

    Args:
        path (str): The mapping file.

    Returns:
        dict[int, str]: Image number -> object id.
    """
    mapping: Dict[int, str] = {}
    for lineno, line in read_text_lines(path):
        fields = line.split()
        if len(fields) < 2:
            raise ValueError(f'{path}, line {lineno}: expected "<image number> <object id> ...", '
                             f'got {line!r}')
        try:
            image = int(fields[0])
        except ValueError:
            raise ValueError(f'{path}, line {lineno}: image number {fields[0]!r} is not an '
                             'integer') from None
        if mapping.get(image, fields[1]) != fields[1]:
            raise ValueError(f'{path}, line {lineno}: image {image} is mapped to object '
                             f'{fields[1]!r} here and to {mapping[image]!r} before')
        mapping[image] = fields[1]
    return mapping


DEFAULT_OBJECT_MAP = osp.join('processedData', 'z.txt')
"""The release's image-to-object map, relative to ``data_root``: read for object-wise folds when
no ``object_map_file`` is given."""


@DATASETS.register_module()
class CornellGraspDataset(BaseGraspDataset):
    """Cornell grasp dataset with seeded 5-fold cross-validation (paper VI-A).

    All images of the folders ``01``..``10`` under ``data_root`` are found, sorted by number and
    split into ``num_folds`` folds (the vocabulary of :class:`BaseGraspDataset`):

    - image-wise (``fold_by='image'``, default): the images are shuffled with ``split_seed`` and
      cut into folds;
    - object-wise (``fold_by='object'``, or ``'group'``): the *objects* are shuffled and cut
      into folds, so that no object is on both sides. Which object each image shows comes from
      ``object_map_file`` (default: the release's ``processedData/z.txt``).

    ``fold`` picks the test fold and ``split`` the side: ``'test'`` (that fold), ``'trainval'``
    (the other folds), ``'val'`` (a seeded hold-out of ``val_ratio`` of the training side, image-
    or object-wise like the folds; never a test image), ``'train'`` (the training side without
    that hold-out) or ``'all'``. Cornell has no split of its own, so ``fold`` defaults to 0.

    Args:
        fold (int): The test fold, in ``[0, num_folds)``. Defaults to 0.
        num_folds (int): Number of cross-validation folds. Defaults to 5.
        split (str): ``'train'``, ``'val'``, ``'trainval'``, ``'test'`` or ``'all'``.
            Defaults to ``'train'``.
        split_seed (int): Seed of the fold shuffle and of the validation hold-out. Defaults to 0.
        val_ratio (float): Fraction of the training side (of its images, or of its objects for
            object-wise folds) held out for validation; 0 holds out nothing (``split='train'``
            is then the whole training side and ``split='val'`` an error). Defaults to 0.
        object_map_file (str, optional): Image-to-object mapping file (``<image number>
            <object id> ...`` per line), relative to ``data_root`` unless absolute. Read for
            object-wise folds; every image must be in it. Defaults to None:
            :data:`DEFAULT_OBJECT_MAP`. Given without ``fold_by``, it still turns on object-wise
            folds, as it did before ``fold_by`` existed, with a deprecation warning.
        folders (Sequence[str | int], optional): The folder set to use, e.g. ``['01']`` or
            ``['01', '02']`` (``1`` means ``'01'``); folds are drawn from its images. Defaults to
            None: every folder under ``data_root``.
        fold_by (str, optional): ``'image'`` or ``'object'`` (``'group'`` is the same). Defaults
            to None: ``'image'``.
        **kwargs: Passed to :class:`BaseGraspDataset` (``data_root``, ``pipeline``, ...).
    """

    GROUP_NAME = 'object'

    def __init__(self,
                 fold: Optional[int] = 0,
                 num_folds: int = 5,
                 split: str = 'train',
                 split_seed: int = 0,
                 val_ratio: float = 0.0,
                 object_map_file: Optional[str] = None,
                 folders: Optional[Sequence[Union[str, int]]] = None,
                 fold_by: Optional[str] = None,
                 **kwargs) -> None:
        if fold_by is None:
            fold_by = 'image'
            if object_map_file is not None:
                self._deprecated('object_map_file without fold_by (object-wise folds)',
                                 "fold_by='object' beside object_map_file")
                fold_by = 'object'
        self.folders = None if folders is None else [self._folder_name(f) for f in folders]
        self.object_map_file = object_map_file
        self.num_nan_dropped = 0
        super().__init__(split=split, fold=fold, num_folds=num_folds, fold_by=fold_by,
                         val_ratio=val_ratio, split_seed=split_seed, **kwargs)

    @staticmethod
    def _folder_name(folder: Union[str, int]) -> str:
        """``'01'`` from ``'01'``, ``'1'`` or ``1`` (``--cfg-options`` turns ``01`` into 1)."""
        text = str(folder).strip()
        if not text.isdigit() or not 1 <= int(text) <= 99:
            raise ValueError(f'Cornell folders are named 01..10, got {folder!r}')
        return f'{int(text):02d}'

    def _find_images(self) -> List[tuple]:
        """``(number, image path, cpos path)`` of every image of the chosen folders, sorted."""
        root = self.data_root
        if not osp.isdir(root):
            raise FileNotFoundError(f'Cornell data_root not found: {root}')
        present = sorted(d for d in os.listdir(root)
                         if re.fullmatch(r'\d{2}', d) and osp.isdir(osp.join(root, d)))
        if not present:
            raise FileNotFoundError(f'no Cornell folders 01..10 under {root}')
        folders = present
        if self.folders is not None:
            missing = [f for f in self.folders if f not in present]
            if missing:
                raise FileNotFoundError(f'Cornell folder(s) {missing} not found under {root} '
                                        f'(present: {present})')
            folders = sorted(set(self.folders))
        found = []
        for folder in folders:
            files = set(os.listdir(osp.join(root, folder)))
            images = {int(m.group(1)): name for name in files for m in [_IMAGE_RE.match(name)] if m}
            annos = {int(m.group(1)): name for name in files for m in [_POS_RE.match(name)] if m}
            for num in sorted(set(annos) - set(images)):
                raise FileNotFoundError(f'{osp.join(root, folder, annos[num])}: annotation file '
                                        f'for an image that does not exist (pcd{num:04d}r.png)')
            for num in sorted(set(images) - set(annos)):
                raise FileNotFoundError(f'{osp.join(root, folder, images[num])}: image without its '
                                        f'rectangle file pcd{num:04d}cpos.txt')
            found += [(num, osp.join(root, folder, images[num]), osp.join(root, folder, annos[num]))
                      for num in sorted(images)]
        numbers = Counter(num for num, _, _ in found)
        duplicates = [num for num, c in numbers.items() if c > 1]
        if duplicates:
            raise ValueError(f'Cornell image number(s) {duplicates[:5]} appear in several folders '
                             f'under {root}')
        return sorted(found)

    def _objects(self, numbers: List[int]) -> List[str]:
        """The object of each image, from the object map (see the class docstring)."""
        path = self.object_map_file or DEFAULT_OBJECT_MAP
        if not osp.isabs(path):
            path = osp.join(self.data_root, path)
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{path} not found: fold_by={self.fold_by!r} needs the object of every image, '
                "from the release's processedData/z.txt or a map given as object_map_file")
        mapping = load_cornell_object_map(path)
        missing = [n for n in numbers if n not in mapping]
        if missing:
            raise ValueError(f'{path}: no object for image(s) '
                             f'{", ".join(f"pcd{n:04d}" for n in missing[:5])}'
                             f'{" ..." if len(missing) > 5 else ""}')
        return [mapping[n] for n in numbers]

    def load_data_list(self) -> List[dict]:
        """Load the chosen fold side.

        Returns:
            list[dict]: Data infos (see :mod:`mmgrasp.datasets.base_grasp_dataset`), without
            ``seg_map_path``.
        """
        found = self._find_images()
        numbers = [num for num, _, _ in found]
        chosen = self.split_indices(len(numbers),
                                    self._objects(numbers) if self.group_wise else None)
        data_list = []
        nan_files = Counter()
        for i in chosen:
            num, img_path, pos_path = found[i]
            height, width = image_size(img_path)
            grasps, num_nan = load_cornell_grasps(pos_path, (width, height))
            if num_nan:
                nan_files[osp.basename(pos_path)] += num_nan
            info = dict(img_path=img_path, img_id=f'pcd{num:04d}', height=height, width=width,
                        instances=self.make_instances(grasps, obj_labels=1))
            depth_path = img_path[:-len('r.png')] + 'd.tiff'  # where a user made them
            if osp.isfile(depth_path):
                info['depth_path'] = depth_path
            data_list.append(info)
        self.num_nan_dropped = sum(nan_files.values())
        if self.num_nan_dropped:
            detail = ', '.join(f'{name}: {n}' for name, n in sorted(nan_files.items()))
            print_log(f'CornellGraspDataset: dropped {self.num_nan_dropped} rectangle(s) with a '
                      f'NaN corner ({detail})', logger='current', level=logging.WARNING)
        return data_list
