# Copyright (c) mmgrasp contributors. All rights reserved.
"""The grasp JSON format: one file per dataset for one's own images, in the spirit of COCO.

Read by :class:`~mmgrasp.datasets.GraspJsonDataset`, written by the converters of
:mod:`mmgrasp.datasets.converters` (``tools/dataset_converters/to_grasp_json.py``), documented
for users in docs/own_objects.md::

    {
      "info": {"format": "mmgrasp-grasp-json", "version": 1, ...},
      "categories": [{"id": 1, "name": "mug"}, ...],
      "images": [{"id": "img_000", "file_name": "images/000.png", "width": 640, "height": 480,
                  "seg_map": "masks/000.png",   # optional: uint8 class ids, 0 background
                  "seg_map_threshold": 128,     # optional: binary mask, values >= it are class 1
                  "depth": "depth/000.tiff",    # optional: aligned depth image
                  "group": "mug_a",             # optional: object or sequence, for group-wise folds
                  "split": "train"}, ...],      # optional: "train", "val" or "test"
      "annotations": [{"id": 0, "image_id": "img_000", "category_id": 1,
                       "grasp": [x, y, opening, jaw, angle_deg]}, ...]
    }

- **Grasps** follow docs/conventions.md section 1: ``x, y`` the centre in pixels (y down),
  ``opening`` the distance between the plates along the closing direction, ``jaw`` the plate
  length, ``angle_deg`` the direction of the opening axis in degrees from +x towards +y
  (clockwise on screen), any value (taken mod 180). Instead of ``grasp`` an annotation may give
  ``"corners": [x0, y0, x1, y1, x2, y2, x3, y3]`` in drawing order and ``"opening_edge"``:
  ``"p0p1"`` (default: the first edge spans the opening) or ``"p1p2"`` (the first edge is a
  plate, as in OCID_grasp).
- **Categories** are the semantic classes of the segmentation branch: ids ``1..K``, each once;
  0 is the background and 255 the ignore value of the masks. An annotation's ``category_id`` is
  the class of the grasped object (0 or absent: unknown).
- **Paths** are relative to the JSON file's folder (or to the dataset's
  ``data_prefix=dict(img_path=...)`` when a config gives one).
- **Image ids** are integers or strings, unique. ``width`` and ``height`` are read from the
  image when absent.

Values that parse but make no sense are errors naming the file and the entry (index and id): a
negative opening or jaw, a non-finite number, an unknown ``image_id`` or ``category_id``, a
duplicate id, a ``width`` or ``height`` over 16384 px, an opening or jaw longer than the image
diagonal (:mod:`mmgrasp.datasets.annotation_checks`). A file that is not UTF-8 is an error with
the line. Grasps with an opening or jaw below 1 px are dropped with one warning
(docs/bad_data.md). When the dataset is built, a declared ``width`` x ``height`` must be that of
the image file (read from its header), and the grasps of an image without them are checked
against the size read from the image.
"""
import logging
import math
import os.path as osp
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np
from mmengine.logging import print_log

from mmgrasp.structures import corners_to_grasps, wrap_angle
from mmgrasp.structures.grasp_convert import MIN_GRASP_SIZE, OPENING_EDGES, small_grasps
from .annotation_checks import check_grasp_sizes, check_image_size, load_json_file

GRASP_JSON_FORMAT = 'mmgrasp-grasp-json'
"""The ``info.format`` value the writer puts in every file."""
GRASP_JSON_VERSION = 1
"""The format version written; a reader refuses a newer one."""
IMAGE_SPLITS = ('train', 'val', 'test')
"""Values of an image's optional ``split`` field."""
SIZE_KEYS = ('"width"', '"height"')
"""An image's size fields, as the messages name them."""

ImageId = Union[int, str]


@dataclass
class GraspJsonImage:
    """One image of a grasp JSON file, with its grasps in the convention of
    docs/conventions.md section 1.

    Attributes:
        id (int | str): The image id.
        file_name (str): Image path, relative to the data root.
        width (int | None): Width in pixels, None when the file does not say.
        height (int | None): Height in pixels, None when the file does not say.
        grasps (ndarray): ``(N, 5)`` float64 ``(x, y, w, h, theta)``, theta in radians in
            ``[0, pi)``.
        category_ids (ndarray): ``(N,)`` int64 class of each grasped object (0: unknown).
        annotation_ids (list): ``(N,)`` id of each grasp's annotation.
        seg_map (str | None): Semantic mask path, relative to the data root.
        seg_map_threshold (int | None): Binary-mask threshold.
        depth (str | None): Depth image path, relative to the data root.
        group (str | None): Object or sequence name for group-wise folds.
        split (str | None): ``'train'``, ``'val'`` or ``'test'``.
    """
    id: ImageId
    file_name: str
    width: Optional[int] = None
    height: Optional[int] = None
    grasps: np.ndarray = field(default_factory=lambda: np.zeros((0, 5)))
    category_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    annotation_ids: list = field(default_factory=list)
    seg_map: Optional[str] = None
    seg_map_threshold: Optional[int] = None
    depth: Optional[str] = None
    group: Optional[str] = None
    split: Optional[str] = None


@dataclass
class GraspJson:
    """A parsed and checked grasp JSON file.

    Attributes:
        categories (list[dict]): ``{'id', 'name'}``, sorted by id, ids ``1..K``.
        images (list[GraspJsonImage]): The images in file order, each with its grasps in
            annotation order.
        info (dict): The file's ``info`` block.
    """
    categories: List[dict]
    images: List[GraspJsonImage]
    info: dict = field(default_factory=dict)

    @property
    def sem_classes(self) -> Tuple[str, ...]:
        """``('background', <name of category 1>, ..., <name of category K>)``."""
        return ('background', ) + tuple(c['name'] for c in self.categories)


def exact_degrees(theta: float) -> float:
    """The angle in degrees whose conversion back (``radians(d) % pi``) is nearest ``theta``.

    ``math.degrees`` then ``math.radians`` can land one unit in the last place off, and an angle
    on a bin edge (90 degrees) would then fall into the neighbouring orientation bin. The few
    doubles around ``degrees(theta)`` are tried and the one that comes back nearest is kept: an
    angle that came from degrees (Jacquard's files, a bin edge) comes back bit for bit; any other
    comes back within one unit in the last place (the spacing of doubles near ``theta`` is finer
    than that of ``radians(d)``), which leaves its float32 value and its bin unchanged.

    Args:
        theta (float): An angle in radians in ``[0, pi)``.

    Returns:
        float: The angle in degrees, in ``[0, 180)``.
    """
    theta = float(theta)
    best = math.degrees(theta)
    best_err = abs(math.radians(best) % math.pi - theta)
    for direction in (math.inf, -math.inf):
        candidate = math.degrees(theta)
        for _ in range(4):
            if best_err == 0:
                return best
            candidate = math.nextafter(candidate, direction)
            err = abs(math.radians(candidate) % math.pi - theta)
            if err < best_err:
                best, best_err = candidate, err
    return best


def _fail(path: str, where: str, what: str) -> ValueError:
    return ValueError(f'{path}: {where}: {what}')


def _number(value: Any, path: str, where: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(path, where, f'{name} must be a number, got {value!r}')
    if not math.isfinite(value):
        raise _fail(path, where, f'{name} must be finite, got {value!r}')
    return float(value)


def _optional_str(entry: dict, key: str, path: str, where: str) -> Optional[str]:
    value = entry.get(key)
    if value is not None and not isinstance(value, str):
        raise _fail(path, where, f'"{key}" must be a string, got {value!r}')
    return value


def _check_id(value: Any, path: str, where: str, name: str = 'id') -> ImageId:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise _fail(path, where, f'"{name}" must be an integer or a string, got {value!r}')
    return value


def _entries(doc: dict, key: str, path: str) -> list:
    value = doc.get(key, [] if key == 'categories' else None)
    if not isinstance(value, list):
        raise ValueError(f'{path}: "{key}" must be a list, got '
                         f'{type(value).__name__ if value is not None else "nothing"}')
    for i, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise ValueError(f'{path}: {key}[{i}] must be an object, got {entry!r}')
    return value


def _parse_categories(doc: dict, path: str) -> List[dict]:
    categories = []
    for i, cat in enumerate(_entries(doc, 'categories', path)):
        where = f'categories[{i}]'
        cid = cat.get('id')
        if isinstance(cid, bool) or not isinstance(cid, int) or not 1 <= cid <= 254:
            raise _fail(path, where, f'"id" must be an integer in [1, 254] (0 is the background, '
                        f'255 the ignore value), got {cid!r}')
        name = cat.get('name')
        if not isinstance(name, str) or not name:
            raise _fail(path, where, f'"name" must be a non-empty string, got {name!r}')
        categories.append(dict(id=cid, name=name))
    categories.sort(key=lambda c: c['id'])
    ids = [c['id'] for c in categories]
    if ids != list(range(1, len(ids) + 1)):
        raise ValueError(f'{path}: category ids must be 1..K, each once (they are the mask '
                         f'values of the classes), got {ids}')
    return categories


def _parse_image(img: dict, i: int, path: str) -> GraspJsonImage:
    where = f'images[{i}] (id {img.get("id")!r})'
    image = GraspJsonImage(id=_check_id(img.get('id'), path, where),
                           file_name=_optional_str(img, 'file_name', path, where))
    if not image.file_name:
        raise _fail(path, where, '"file_name" is missing')
    for key in ('width', 'height'):
        value = img.get(key)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise _fail(path, where, f'"{key}" must be a positive integer, got {value!r}')
            setattr(image, key, value)
    if image.width is not None and image.height is not None:
        check_image_size(image.width, image.height, f'{path}: {where}', SIZE_KEYS)
    for key in ('seg_map', 'depth', 'group', 'split'):
        setattr(image, key, _optional_str(img, key, path, where))
    if image.split is not None and image.split not in IMAGE_SPLITS:
        raise _fail(path, where, f'"split" must be one of {IMAGE_SPLITS}, got {image.split!r}')
    threshold = img.get('seg_map_threshold')
    if threshold is not None:
        if isinstance(threshold, bool) or not isinstance(threshold, int) or \
                not 1 <= threshold <= 255:
            raise _fail(path, where, f'"seg_map_threshold" must be an integer in [1, 255], got '
                        f'{threshold!r}')
        if image.seg_map is None:
            raise _fail(path, where, '"seg_map_threshold" without "seg_map"')
        image.seg_map_threshold = threshold
    return image


def _parse_grasp(ann: dict, path: str, where: str) -> List[float]:
    """``[x, y, w, h, theta]`` (radians, wrapped) of one annotation."""
    if ('grasp' in ann) == ('corners' in ann):
        raise _fail(path, where, 'give either "grasp": [x, y, opening, jaw, angle_deg] or '
                    '"corners": [x0, y0, ..., x3, y3], not both or neither')
    if 'grasp' in ann:
        values = ann['grasp']
        if not isinstance(values, list) or len(values) != 5:
            raise _fail(path, where, f'"grasp" must be [x, y, opening, jaw, angle_deg], got '
                        f'{values!r}')
        x, y, w, h, deg = (_number(v, path, where, n)
                           for v, n in zip(values, ('x', 'y', 'opening', 'jaw', 'angle_deg')))
        if w < 0 or h < 0:
            raise _fail(path, where, f'negative opening or jaw: {values!r}')
        return [x, y, w, h, float(wrap_angle(np.float64(math.radians(deg))))]
    values = ann['corners']
    if not isinstance(values, list) or len(values) != 8:
        raise _fail(path, where, f'"corners" must be 8 numbers [x0, y0, ..., x3, y3], got '
                    f'{values!r}')
    corners = np.array([_number(v, path, where, 'corner') for v in values]).reshape(1, 4, 2)
    edge = ann.get('opening_edge', 'p0p1')
    if edge not in OPENING_EDGES:
        raise _fail(path, where, f'"opening_edge" must be one of {OPENING_EDGES}, got {edge!r}')
    return [float(v) for v in corners_to_grasps(corners, opening_edge=edge)[0]]


def parse_grasp_json(doc: Any, path: str = '<grasp json>', warn: bool = True) -> GraspJson:
    """Check a loaded grasp JSON document and gather each image's grasps.

    Args:
        doc (Any): The document, as :func:`json.load` returns it.
        path (str): The file it came from (for the messages).
        warn (bool): Log the grasps dropped for being below 1 px. Defaults to True.

    Returns:
        GraspJson: The categories and the images with their grasps.

    Raises:
        ValueError: On anything that breaks the format (the message names the file and the entry).
    """
    if not isinstance(doc, dict):
        raise ValueError(f'{path}: a grasp JSON file is an object with "images", "annotations" '
                         f'and "categories", got {type(doc).__name__}')
    info = doc.get('info', {})
    if not isinstance(info, dict):
        raise ValueError(f'{path}: "info" must be an object')
    version = info.get('version', GRASP_JSON_VERSION)
    if isinstance(version, int) and version > GRASP_JSON_VERSION:
        raise ValueError(f'{path}: format version {version} is newer than this mmgrasp reads '
                         f'({GRASP_JSON_VERSION}); update mmgrasp')
    categories = _parse_categories(doc, path)
    images, by_id, names = [], {}, set()
    for i, img in enumerate(_entries(doc, 'images', path)):
        image = _parse_image(img, i, path)
        if image.id in by_id or str(image.id) in names:
            raise _fail(path, f'images[{i}]', f'duplicate image id {image.id!r} (ids are '
                        'compared as text: 1 and "1" are the same image)')
        by_id[image.id] = image
        names.add(str(image.id))
        images.append(image)
    grasps: Dict[ImageId, list] = {img.id: [] for img in images}
    num_classes = len(categories) + 1
    seen = set()
    for i, ann in enumerate(_entries(doc, 'annotations', path)):
        where = f'annotations[{i}] (id {ann.get("id")!r})'
        ann_id = ann.get('id', f'annotations[{i}]')  # no id: named by its place
        _check_id(ann_id, path, where)
        if ann_id in seen:
            raise _fail(path, where, f'duplicate annotation id {ann_id!r}')
        seen.add(ann_id)
        image_id = _check_id(ann.get('image_id'), path, where, 'image_id')
        if image_id not in by_id:
            raise _fail(path, where, f'image_id {image_id!r} is not the id of an image')
        cat = ann.get('category_id', 0)
        if cat is None:
            cat = 0
        if isinstance(cat, bool) or not isinstance(cat, int) or not 0 <= cat < num_classes:
            raise _fail(path, where, f'category_id {cat!r} is not 0 (unknown) or a category id '
                        f'(1..{num_classes - 1})')
        grasps[image_id].append((ann_id, _parse_grasp(ann, path, where), cat, where))
    small_lines = []
    for image in images:
        rows = grasps[image.id]
        g = np.array([r[1] for r in rows], dtype=np.float64).reshape(-1, 5)
        if image.width is not None and image.height is not None:
            check_grasp_sizes(g, image.width, image.height, [r[3] for r in rows], path)
        keep = ~np.asarray(small_grasps(g, MIN_GRASP_SIZE), dtype=bool)
        small_lines += [f'id {r[0]!r} (w={r[1][2]:.3g}, h={r[1][3]:.3g})'
                        for r, k in zip(rows, keep) if not k]
        image.grasps = g[keep]
        image.category_ids = np.array([r[2] for r in rows], dtype=np.int64)[keep]
        image.annotation_ids = [r[0] for r, k in zip(rows, keep) if k]
    if small_lines and warn:
        shown = ', '.join(small_lines[:20]) + (f', ... ({len(small_lines) - 20} more)'
                                               if len(small_lines) > 20 else '')
        print_log(f'{path}: dropped {len(small_lines)} annotation(s) with an opening or jaw below '
                  f'{MIN_GRASP_SIZE:g} px: {shown}', logger='current', level=logging.WARNING)
    return GraspJson(categories=categories, images=images, info=info)


def load_grasp_json(path: str) -> GraspJson:
    """Read and check a grasp JSON file (see the module docstring).

    Args:
        path (str): The file.

    Returns:
        GraspJson: Its categories and images with their grasps.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If it is not UTF-8 or not JSON (the message has the line and column) or
            breaks the format (the message names the entry).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'grasp JSON file not found: {path}')
    return parse_grasp_json(load_json_file(path)[0], path)
