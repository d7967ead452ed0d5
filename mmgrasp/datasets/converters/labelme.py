# Copyright (c) mmgrasp contributors. All rights reserved.
"""labelme annotations to the grasp JSON format (:mod:`mmgrasp.datasets.grasp_json`).

labelme (https://github.com/wkentaro/labelme) writes one JSON file per image. In it:

- a **grasp** is a 4-point ``polygon`` whose label is one of ``grasp_labels`` (default
  ``grasp``), its corners clicked in order around the rectangle: with
  ``opening_edge='p0p1'`` (default) the first two clicks span the opening (from plate to plate),
  with ``'p1p2'`` the first two clicks are along one plate;
- an **object** is any other ``polygon`` (3 points or more), ``rectangle`` or ``circle``; its label
  is its category; the objects become the image's semantic mask (``masks/<image id>.png``);
- a grasp's ``group_id`` links it to the object of the same ``group_id``; without one, a grasp
  takes the category under its centre (:mod:`mmgrasp.datasets.converters.tool_shapes`).

Other shape types (``line``, ``point``, ``linestrip``, ``mask``) are errors naming the file and the
shape, as is a grasp polygon without 4 points. So are a file that is not UTF-8, ``shapes`` that
are not a list of objects, and an ``imageWidth`` x ``imageHeight`` that is not the image file's
(:mod:`mmgrasp.datasets.annotation_checks`).
"""
import glob
import math
import os.path as osp
from typing import List, Optional

import numpy as np

from mmgrasp.structures import corners_to_grasps
from mmgrasp.structures.grasp_convert import OPENING_EDGES
from ..annotation_checks import check_image_size, check_size_matches_image, key_line, load_json_file
from ..safe_paths import UnsafePathError, check_regular_file, path_inside
from .tool_shapes import ToolImage, ToolShape, write_tool_dataset


def _points(shape: dict, where: str) -> np.ndarray:
    pts = shape.get('points')
    try:
        arr = np.asarray(pts, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim != 2 or arr.shape[1] != 2 or not np.isfinite(arr).all():
        raise ValueError(f'{where}: "points" must be a list of finite [x, y], got {pts!r}')
    return arr


def _object_polygon(shape: dict, pts: np.ndarray, where: str) -> np.ndarray:
    kind = shape.get('shape_type') or 'polygon'
    if kind == 'polygon':
        if len(pts) < 3:
            raise ValueError(f'{where}: an object polygon needs 3 points or more, got {len(pts)}')
        return pts
    if kind == 'rectangle' and len(pts) == 2:
        (x0, y0), (x1, y1) = pts
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    if kind == 'circle' and len(pts) == 2:
        radius = float(np.linalg.norm(pts[1] - pts[0]))
        t = np.linspace(0, 2 * math.pi, 64, endpoint=False)
        return pts[0] + radius * np.stack([np.cos(t), np.sin(t)], axis=1)
    raise ValueError(f'{where}: shape_type {kind!r} with {len(pts)} point(s) cannot be an object '
                     'mask; draw objects as polygons, rectangles or circles')


def _is_labelme(path: str) -> bool:
    """Whether ``path`` reads as a labelme file (a dict with ``shapes``)."""
    try:
        doc = load_json_file(path)[0]
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and 'shapes' in doc


def _image_path(path: str, text: str, image_path, images_root: str) -> str:
    """The image a labelme file names (``imagePath``, relative to the file's folder), refused
    when it is absolute, leaves ``images_root`` or is not a regular file."""
    where = f'{_where(path, text, "imagePath")}: "imagePath" {image_path!r}'
    name = str(image_path).replace('\\', '/')
    if not name or osp.isabs(name) or (len(name) > 1 and name[1] == ':'):
        raise UnsafePathError(f'{where} is not a path relative to the file\'s folder')
    joined = osp.join(osp.dirname(osp.abspath(path)), name)
    img_path = path_inside(images_root, osp.relpath(joined, osp.abspath(images_root)),
                           f'{where} (images must be inside the converted folder)')
    if not osp.lexists(img_path):
        raise FileNotFoundError(f'{path}: its image {img_path} ({where}) not found')
    check_regular_file(img_path, where)
    return osp.abspath(img_path)


def _where(path: str, text: str, key: str) -> str:
    """``'<file>, line N'`` of the first ``"key":`` in the file (the file alone if absent)."""
    line = key_line(text, key)
    return f'{path}, line {line}' if line else path


def _shape_list(doc: dict, path: str, text: str) -> list:
    """The file's ``shapes``: a list of objects."""
    shapes = doc['shapes']
    if not isinstance(shapes, list):
        raise ValueError(f'{_where(path, text, "shapes")}: "shapes" must be a list of shapes, '
                         f'got {type(shapes).__name__}')
    for i, shape in enumerate(shapes):
        if not isinstance(shape, dict):
            raise ValueError(f'{path}, shapes[{i}]: a shape must be an object, got {shape!r}')
    return shapes


def _group_id(shape: dict, where: str):
    """A shape's ``group_id``: an integer, a string or None (labelme writes an integer or
    null)."""
    group = shape.get('group_id')
    if group is not None and (isinstance(group, bool) or not isinstance(group, (int, str))):
        raise ValueError(f'{where}: "group_id" must be an integer, a string or null, got '
                         f'{group!r}')
    return group


def _read_shape(shape: dict, where: str, grasp_labels, opening_edge: str) -> ToolShape:
    label = shape.get('label')
    if not isinstance(label, str) or not label:
        raise ValueError(f'{where}: a shape needs a label')
    pts = _points(shape, where)
    group = _group_id(shape, where)
    if label in grasp_labels:
        kind = shape.get('shape_type') or 'polygon'
        if kind != 'polygon' or len(pts) != 4:
            raise ValueError(f'{where}: a grasp is a polygon of 4 corners, got {kind!r} with '
                             f'{len(pts)} point(s)')
        grasp = corners_to_grasps(pts[None], opening_edge=opening_edge)[0]
        return ToolShape(where, label, group, grasp=grasp)
    return ToolShape(where, label, group, polygon=_object_polygon(shape, pts, where))


def read_labelme_file(path: str, images_root: str, grasp_labels=('grasp', ),
                      opening_edge: str = 'p0p1') -> ToolImage:
    """Read one labelme JSON file.

    The file must be UTF-8, its ``imageWidth`` x ``imageHeight`` that of its image (each at most
    :data:`~mmgrasp.datasets.annotation_checks.MAX_IMAGE_SIDE`), and its grasps no longer than
    the image diagonal (:mod:`mmgrasp.datasets.annotation_checks`).

    Args:
        path (str): The labelme file.
        images_root (str): The folder image ids are relative to.
        grasp_labels (Sequence[str]): Labels that mark a grasp. Defaults to ``('grasp',)``.
        opening_edge (str): ``'p0p1'`` or ``'p1p2'`` (module docstring). Defaults to ``'p0p1'``.

    Returns:
        ToolImage: The image with its grasps and objects.

    Raises:
        ValueError: On anything above, naming the file and the line or shape.
    """
    doc, text = load_json_file(path)
    if not isinstance(doc, dict) or 'shapes' not in doc or 'imagePath' not in doc:
        raise ValueError(f'{path}: not a labelme file (no "shapes" and "imagePath")')
    size_where = _where(path, text, 'imageWidth')
    names = ('imageWidth', 'imageHeight')
    width, height = check_image_size(doc.get('imageWidth'), doc.get('imageHeight'), size_where,
                                     names)
    shapes: List[ToolShape] = []
    for i, shape in enumerate(_shape_list(doc, path, text)):
        where = f'{path}, shapes[{i}] (label {shape.get("label")!r})'
        shapes.append(_read_shape(shape, where, grasp_labels, opening_edge))
    img_path = _image_path(path, text, doc['imagePath'], images_root)
    check_size_matches_image(width, height, img_path, size_where, names)
    image_id = osp.splitext(osp.relpath(osp.abspath(path), osp.abspath(images_root)))[0]
    return ToolImage(image_id, img_path, width, height, shapes)


def labelme_to_grasp_json(src: str, out: str, grasp_labels=('grasp', ),
                          opening_edge: str = 'p0p1', categories: Optional[List[str]] = None,
                          mask_dir: Optional[str] = None, root: Optional[str] = None,
                          split: Optional[str] = None) -> dict:
    """Convert a folder of labelme files (searched recursively) to a grasp JSON file.

    Args:
        src (str): The folder of labelme ``*.json`` files.
        out (str): The grasp JSON file to write.
        grasp_labels (Sequence[str]): Labels that mark a grasp. Defaults to ``('grasp',)``.
        opening_edge (str): Which clicked edge is the opening. Defaults to ``'p0p1'``.
        categories (list[str], optional): Object labels in class-id order. Defaults to the
            sorted labels found.
        mask_dir (str, optional): Where the masks go. Defaults to ``masks/`` beside ``out``.
        root (str, optional): Folder the paths are relative to. Defaults to ``out``'s folder.
        split (str, optional): A ``split`` for every image.

    Returns:
        dict: The counts of :func:`write_tool_dataset`.
    """
    if opening_edge not in OPENING_EDGES:
        raise ValueError(f'opening_edge must be one of {OPENING_EDGES}, got {opening_edge!r}')
    files = sorted(glob.glob(osp.join(src, '**', '*.json'), recursive=True))
    if any(osp.abspath(f) == osp.abspath(out) for f in files) and _is_labelme(out):
        raise UnsafePathError(f'output {out} is a labelme file of {src}; write the grasp JSON '
                              'file elsewhere')
    files = [f for f in files if osp.abspath(f) != osp.abspath(out)]  # an earlier output
    if not files:
        raise FileNotFoundError(f'no labelme *.json files under {src}')
    images = [read_labelme_file(f, src, tuple(grasp_labels), opening_edge) for f in files]
    return write_tool_dataset(images, out, root=root, categories=categories, mask_dir=mask_dir,
                              split=split, description=f'labelme annotations from {src}',
                              inputs=files)
