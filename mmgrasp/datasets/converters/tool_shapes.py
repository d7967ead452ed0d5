# Copyright (c) mmgrasp contributors. All rights reserved.
"""What the labelme and CVAT converters share: grasps and object polygons of one image, turned
into grasp annotations and a semantic mask.

Rules (docs/own_objects.md):

- an object polygon is filled into the mask with its category id, in drawing order (a later
  shape covers an earlier one): a pixel is the object's when its centre lies inside the polygon,
  where pixel ``(row, col)`` covers ``[col, col + 1) x [row, row + 1)`` (docs/conventions.md
  section 1), so a 20 x 10 px rectangle drawn on pixel corners fills exactly 200 pixels;
- a grasp takes the category of the object shape with its group id; a grasp without a group id
  takes the category of the mask at its centre pixel; where there is no mask, or the centre is
  on background, the category is 0 (unknown).
"""
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from matplotlib.path import Path

from mmgrasp.utils.atomic_files import write_bytes_atomic
from ..annotation_checks import check_grasp_sizes
from ..grasp_json_writer import dump_grasp_json, grasp_annotation
from .output_checks import check_outputs, input_set, mask_path, relative_inside


@dataclass
class ToolShape:
    """One shape of an annotation tool's file.

    Attributes:
        source (str): Where it comes from, for messages (``'file.json, shapes[3]'``).
        label (str): Its label.
        group (int | str | None): The tool's group id, linking a grasp to its object.
        grasp (ndarray | None): ``(5,)`` ``(x, y, w, h, theta)`` for a grasp shape.
        polygon (ndarray | None): ``(K, 2)`` vertices ``(x, y)`` for an object shape.
    """
    source: str
    label: str
    group: Optional[object] = None
    grasp: Optional[np.ndarray] = None
    polygon: Optional[np.ndarray] = None


def rasterise_objects(shapes: List[ToolShape], categories: Dict[str, int], width: int,
                      height: int) -> np.ndarray:
    """Fill the object polygons into a mask of category ids.

    Args:
        shapes (list[ToolShape]): The image's shapes; those with a ``polygon`` are drawn.
        categories (dict[str, int]): Label -> category id (1..K).
        width (int): Image width.
        height (int): Image height.

    Returns:
        ndarray: ``(height, width)`` uint8 mask, 0 background.
    """
    mask = np.zeros((height, width), np.uint8)
    for shape in shapes:
        if shape.polygon is None:
            continue
        poly = np.asarray(shape.polygon, dtype=np.float64)
        c0, r0 = np.maximum(np.floor(poly.min(axis=0)).astype(int), 0)
        c1, r1 = np.minimum(np.ceil(poly.max(axis=0)).astype(int), [width, height])
        if c1 <= c0 or r1 <= r0:
            continue
        cols, rows = np.meshgrid(np.arange(c0, c1), np.arange(r0, r1))
        centres = np.stack([cols.ravel() + 0.5, rows.ravel() + 0.5], axis=1)  # (P, 2)
        inside = Path(poly).contains_points(centres).reshape(rows.shape)
        mask[r0:r1, c0:c1][inside] = categories[shape.label]
    return mask


def link_grasps(shapes: List[ToolShape], categories: Dict[str, int],
                mask: Optional[np.ndarray]) -> List[Tuple[np.ndarray, int]]:
    """The grasps of one image with the category of their object (module docstring).

    Args:
        shapes (list[ToolShape]): The image's shapes.
        categories (dict[str, int]): Label -> category id.
        mask (ndarray, optional): ``(H, W)`` the image's mask, or None.

    Returns:
        list[tuple[ndarray, int]]: ``(grasp (5,), category id)`` per grasp shape, in order.

    Raises:
        ValueError: When a grasp's group id names no object, or objects of two labels.
    """
    by_group: Dict[object, set] = {}
    for shape in shapes:
        if shape.polygon is not None and shape.group is not None:
            by_group.setdefault(shape.group, set()).add(shape.label)
    linked = []
    for shape in shapes:
        if shape.grasp is None:
            continue
        if shape.group is not None:
            labels = by_group.get(shape.group)
            if not labels:
                raise ValueError(f'{shape.source}: grasp in group {shape.group!r}, but no object '
                                 'polygon has that group id')
            if len(labels) > 1:
                raise ValueError(f'{shape.source}: group {shape.group!r} holds objects of several '
                                 f'labels {sorted(labels)}; a grasp belongs to one object')
            linked.append((shape.grasp, categories[next(iter(labels))]))
            continue
        category = 0
        if mask is not None:
            col, row = int(np.floor(shape.grasp[0])), int(np.floor(shape.grasp[1]))
            if 0 <= row < mask.shape[0] and 0 <= col < mask.shape[1]:
                category = int(mask[row, col])
        linked.append((shape.grasp, category))
    return linked


def write_mask_png(path: str, mask: np.ndarray) -> None:
    """Write a uint8 mask as PNG atomically (temporary file renamed into place).

    Args:
        path (str): Destination; its folder is created if needed.
        mask (ndarray): ``(H, W)`` uint8.
    """
    ok, data = cv2.imencode('.png', mask)
    if not ok:
        raise RuntimeError(f'could not encode the mask for {path}')
    write_bytes_atomic(path, data.tobytes())


@dataclass
class ToolImage:
    """One annotated image of a labelme or CVAT export.

    Attributes:
        id (str): Image id (its path without extension, relative to the images folder).
        img_path (str): Absolute image path.
        width (int): Width in pixels.
        height (int): Height in pixels.
        shapes (list[ToolShape]): Its grasp and object shapes, in drawing order.
    """
    id: str
    img_path: str
    width: int
    height: int
    shapes: List[ToolShape]


def check_tool_grasps(image: ToolImage) -> None:
    """Refuse grasps longer than the image diagonal, naming their shapes
    (:func:`~mmgrasp.datasets.annotation_checks.check_grasp_sizes`).

    Args:
        image (ToolImage): The image, with its declared size.

    Raises:
        ValueError: Naming the file and shape of the first oversized grasp.
    """
    grasp_shapes = [s for s in image.shapes if s.grasp is not None]
    if grasp_shapes:
        check_grasp_sizes(np.stack([s.grasp for s in grasp_shapes]), image.width, image.height,
                          [s.source for s in grasp_shapes], '')


def write_tool_dataset(images: List[ToolImage], out: str, root: Optional[str] = None,
                       categories: Optional[List[str]] = None, mask_dir: Optional[str] = None,
                       split: Optional[str] = None, description: str = '',
                       inputs: Sequence[str] = ()) -> dict:
    """Write the grasp JSON file (and the masks) of images read from an annotation tool.

    Every output path is checked before anything is written
    (:mod:`mmgrasp.datasets.converters.output_checks`): the masks stay inside ``mask_dir``, no
    output replaces an image or ``inputs``, and the JSON file's paths stay inside ``root``; so
    are the grasps' sizes (:func:`check_tool_grasps`).

    Args:
        images (list[ToolImage]): The images.
        out (str): The JSON file to write.
        root (str, optional): Folder the paths are relative to. Defaults to ``out``'s folder.
        categories (list[str], optional): The object labels in class-id order (1..K); labels
            of object shapes not listed are an error. Defaults to the sorted labels found.
        mask_dir (str, optional): Where the masks go (``<mask_dir>/<image id>.png``). Defaults
            to ``masks/`` beside ``out``. Masks are written only when there are object shapes.
        split (str, optional): A ``split`` for every image (``'train'``, ``'val'``, ``'test'``).
        description (str): The ``info.description`` of the file.
        inputs (Sequence[str]): The annotation files read (the images count too). Defaults to
            ``()``.

    Returns:
        dict: Counts of ``images``, ``annotations``, ``masks`` and ``unknown_category`` (grasps
        not on an object).
    """
    root = root if root is not None else osp.dirname(osp.abspath(out))
    mask_dir = mask_dir if mask_dir is not None else osp.join(osp.dirname(osp.abspath(out)),
                                                              'masks')
    found = sorted({s.label for img in images for s in img.shapes if s.polygon is not None})
    names = list(categories) if categories else found
    unknown = [name for name in found if name not in names]
    if unknown:
        raise ValueError(f'object label(s) {unknown} are not in the given categories {names}')
    if len(names) > 254:
        raise ValueError(f'{len(names)} object labels; at most 254 fit in a uint8 mask')
    cat_ids = {name: i + 1 for i, name in enumerate(names)}
    with_masks = bool(found)
    ids = set()
    for img in images:
        if img.id in ids:
            raise ValueError(f'{img.img_path}: image id {img.id!r} appears twice')
        ids.add(img.id)
        check_tool_grasps(img)
    masks = {img.id: mask_path(mask_dir, img.id) for img in images} if with_masks else {}
    check_outputs(out, masks, input_set([img.img_path for img in images] + list(inputs)),
                  mask_dir)
    names = {img.id: relative_inside(img.img_path, root, f'image {img.id!r}') for img in images}
    seg_names = {i: relative_inside(m, root, f'--mask-dir {mask_dir}') for i, m in masks.items()}
    json_images, annotations, num_unknown = [], [], 0
    for img in images:  # nothing was written before this loop
        entry = dict(id=img.id, file_name=names[img.id], width=img.width, height=img.height)
        mask = None
        if with_masks:
            mask = rasterise_objects(img.shapes, cat_ids, img.width, img.height)
            entry['seg_map'] = seg_names[img.id]
            write_mask_png(masks[img.id], mask)
        if split is not None:
            entry['split'] = split
        json_images.append(entry)
        for grasp, category in link_grasps(img.shapes, cat_ids, mask):
            num_unknown += category == 0
            annotations.append(grasp_annotation(len(annotations), img.id, grasp, category))
    dump_grasp_json(out, json_images, annotations,
                    [dict(id=i, name=n) for n, i in cat_ids.items()],
                    info=dict(description=description))
    return dict(images=len(json_images), annotations=len(annotations),
                masks=len(json_images) if with_masks else 0, unknown_category=num_unknown)
