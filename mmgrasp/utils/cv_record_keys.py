# Copyright (c) mmgrasp contributors. All rights reserved.
"""Names that stay the same when a cross-validation run moves to another machine.

A run's per-image outcomes name each image by the path it was read from and its ``split.json``
names the absolute data root and object map, all of which differ between machines. Paired
comparisons (``tools/analysis_tools/compare_cv_runs.py``) and the records kept in the repository
(``tools/analysis_tools/archive_cv_run.py``, ``docs/cv_records/``) use these keys instead.
"""
import os.path as osp
import re
from typing import Dict

# a fold's folder in a cross-validation work dir or record (fold<K>, fold<K>_seed<S>), and the
# file of its per-image outcomes
RUN_DIR = re.compile(r'^fold(\d+)(?:_seed(\d+))?$')
PER_IMAGE_FILE = 'test_per_image.json'


def image_key(img_path: str) -> str:
    """An image's name across machines: its folder and file name.

    Cornell's file names are unique across its folders; the folder is kept so that two runs on
    other folder sets never pair by accident.

    Args:
        img_path (str): The path an image was read from, e.g.
            ``'../shared/data/cornell/01/pcd0100r.png'``.

    Returns:
        str: E.g. ``'01/pcd0100r.png'`` (``/`` on every platform).
    """
    parts = img_path.replace('\\', '/').rstrip('/').split('/')
    return '/'.join(parts[-2:])


def split_key(params: Dict) -> Dict:
    """A run's ``split.json`` as compared between runs: without the data root, the object map
    by name.

    The data root does not decide the folds (the folders, the fold count and rule and the object
    map do), and it differs between machines (``/work/shared/data/cornell`` on one, a default
    ``None`` or ``/home/user/Cornell`` on another). Runs on different data are still refused:
    the comparison checks that each fold tested the same images (:func:`image_key`).

    Args:
        params (dict): ``split.json``'s contents (``folds``, ``fold_by``, ``object_map``,
            ``data_root``, ``folders``).

    Returns:
        dict: A copy without ``data_root`` and with ``object_map`` reduced to its base name.
    """
    key = {k: v for k, v in params.items() if k != 'data_root'}
    if key.get('object_map'):
        key['object_map'] = osp.basename(osp.normpath(str(key['object_map'])))
    return key
