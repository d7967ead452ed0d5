# Copyright (c) mmgrasp contributors. All rights reserved.
"""Where a converter may write: checked before anything is written.

A converter reads an export (a labelme folder, a CVAT ``annotations.xml``, a public dataset) and
writes one grasp JSON file and, for the annotation tools, one mask per image. The names it
writes come partly from the export (an image name ``../imgs/photo.png`` would make the mask
``masks/../imgs/photo.png``, the source photo), so every output path is checked first:

- the JSON file ends with ``.json`` and is not a folder, one of the files read or a mask;
- a mask lies inside the mask folder and is not one of the files read (nor the JSON file);
- the paths written into the JSON file stay inside its root (the dataset refuses names that
  leave it: :func:`mmgrasp.datasets.safe_paths.path_inside`).
"""
import os.path as osp
from typing import Dict, Iterable, Set

from ..safe_paths import UnsafePathError, path_inside


def _key(path: str) -> str:
    """One spelling per file: the absolute, symlink-resolved path."""
    return osp.realpath(osp.abspath(path))


def input_set(paths: Iterable[str]) -> Set[str]:
    """The files a converter read, as :func:`_key` spellings."""
    return {_key(p) for p in paths}


def relative_inside(path: str, root: str, where: str) -> str:
    """``path`` relative to ``root`` for the JSON file, refusing one outside ``root``.

    Args:
        path (str): A file the JSON file will name (an image, mask or depth image).
        root (str): The folder its names are relative to.
        where (str): What names it, for the message.

    Returns:
        str: The relative path.

    Raises:
        UnsafePathError: ``path`` is outside ``root``: the dataset would refuse the name.
    """
    rel = osp.relpath(osp.abspath(path), osp.abspath(root))
    if rel == '..' or rel.startswith('..' + osp.sep):
        raise UnsafePathError(
            f'{where}: {path} is outside {root}, the folder the JSON file names its files '
            'from; the dataset reads only files inside it. Write the JSON file into a folder '
            'that holds the images (e.g. data/own/grasps.json with data/own/images/), or pass '
            '--root with such a folder (and set data_prefix=dict(img_path=ROOT) in the config)')
    return rel


def check_outputs(out: str, masks: Dict[str, str], inputs: Set[str], mask_dir: str) -> None:
    """Refuse a conversion whose outputs would leave their folder or replace a file read.

    Args:
        out (str): The JSON file to write.
        masks (dict[str, str]): Image id -> mask path to write.
        inputs (set[str]): The files read (:func:`input_set`).
        mask_dir (str): The mask folder.

    Raises:
        UnsafePathError: An output is a folder, lies outside its folder, or is a file read.
    """
    if osp.isdir(out):
        raise UnsafePathError(f'output {out} is a folder; give the grasp JSON file to write')
    if not out.lower().endswith('.json'):
        raise UnsafePathError(f'output {out}: a grasp JSON file ends with .json (so that it '
                              'cannot replace an image or an annotation file)')
    if _key(out) in inputs:
        raise UnsafePathError(f'output {out} is one of the files being converted; write the '
                              'grasp JSON file elsewhere')
    out_key = _key(out)
    seen: Dict[str, str] = {}
    for image_id, mask in masks.items():
        where = f'the mask of image {image_id!r}'
        path_inside(mask_dir, osp.relpath(osp.abspath(mask), osp.abspath(mask_dir)), where)
        key = _key(mask)
        if key in inputs:
            raise UnsafePathError(f'{where} would be written over {mask}, one of the files '
                                  'being converted; pass another --mask-dir')
        if key == out_key:
            raise UnsafePathError(f'{where} would be written over the output {out}')
        if key in seen:
            raise UnsafePathError(f'{where} and of image {seen[key]!r} are the same file {mask}')
        seen[key] = image_id


def mask_path(mask_dir: str, image_id: str) -> str:
    """``<mask_dir>/<image id>.png``, refusing an id that leaves ``mask_dir``."""
    return path_inside(mask_dir, f'{image_id}.png', f'image id {image_id!r}')
