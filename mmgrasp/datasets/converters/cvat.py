# Copyright (c) mmgrasp contributors. All rights reserved.
"""CVAT exports ("CVAT for images 1.1" XML) to the grasp JSON format.

In CVAT a grasp is drawn as a **rotated box** (``<box>`` with ``rotation``) whose label is one
of ``grasp_labels`` (default ``grasp``). CVAT stores the box unrotated (``xtl ytl xbr ybr``) and
its ``rotation`` in degrees, applied about the centre from +x towards +y (clockwise on screen,
as CVAT's own rotated-box-to-polygon conversion does), which is mmgrasp's sense of rotation
(docs/conventions.md section 1): ``x, y`` = the box centre, ``theta`` = ``rotation``. With
``opening_side='width'`` (default) the box's width (``xbr - xtl``) is the opening and its height
the jaw; ``'height'`` swaps them (and turns ``theta`` by 90 degrees, so the grasp stays the same
rectangle). A grasp may also be a 4-point ``<polygon>`` (corners in order, as in labelme).

Other ``<polygon>`` and ``<box>`` shapes are objects: their label is their category and they
become the image's mask. A grasp's ``group_id`` links it to its object; without one it takes the
category under its centre (:mod:`mmgrasp.datasets.converters.tool_shapes`). ``<mask>``,
``<polyline>``, ``<points>`` and ``<ellipse>`` shapes are errors naming the image and the shape.

Numbers are checked, naming the line of the ``<image>``: an image's ``width`` and ``height``
are whole numbers of pixels (``"63.7"`` is refused, not truncated), equal to the image file's
size and at most :data:`~mmgrasp.datasets.annotation_checks.MAX_IMAGE_SIDE`; a ``group_id`` is
a whole number; coordinates are finite, a ``rotation`` within :data:`MAX_ROTATION` degrees, and
a grasp no longer than the image diagonal (:mod:`mmgrasp.datasets.annotation_checks`).
"""
import math
import os.path as osp
import xml.etree.ElementTree as ET
from typing import List, Optional
from xml.parsers import expat

import numpy as np

from mmgrasp.structures import corners_to_grasps
from mmgrasp.structures.grasp_convert import OPENING_EDGES
from ..annotation_checks import check_image_size, check_size_matches_image
from ..safe_paths import check_regular_file, path_inside
from .tool_shapes import ToolImage, ToolShape, write_tool_dataset

OPENING_SIDES = ('width', 'height')
"""Which side of a CVAT box is the grasp's opening."""

MAX_ROTATION = 360.0
"""Largest ``|rotation|`` of a box, in degrees (CVAT writes ``[0, 360)``)."""


def _float(elem: ET.Element, key: str, where: str, default: Optional[float] = None) -> float:
    text = elem.get(key)
    if text is None:
        if default is not None:
            return default
        raise ValueError(f'{where}: attribute {key!r} is missing')
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f'{where}: {key}={text!r} is not a number') from None
    if not math.isfinite(value):
        raise ValueError(f'{where}: {key}={text!r} is not finite')
    return value


def _whole(elem: ET.Element, key: str, where: str) -> int:
    """An attribute that counts pixels or ids: a whole number (``"48"``, also ``"48.0"``)."""
    value = _float(elem, key, where)
    if not value.is_integer():
        unit = ' of pixels' if key in ('width', 'height') else ''
        raise ValueError(f'{where}: {key}={elem.get(key)!r} is not a whole number{unit}')
    return int(value)


def _group_id(elem: ET.Element, where: str) -> Optional[str]:
    """A shape's ``group_id`` as text (``"2.0"`` is ``"2"``); None when absent or 0."""
    if elem.get('group_id') in (None, ''):
        return None
    group = _whole(elem, 'group_id', where)
    return None if group == 0 else str(group)


def _polygon_points(elem: ET.Element, where: str) -> np.ndarray:
    text = elem.get('points', '')
    try:
        pts = np.array([[float(v) for v in p.split(',')] for p in text.split(';') if p],
                       dtype=np.float64)
    except ValueError:
        raise ValueError(f'{where}: points={text!r} is not "x,y;x,y;..."') from None
    if pts.ndim != 2 or pts.shape[1] != 2 or not np.isfinite(pts).all():
        raise ValueError(f'{where}: points={text!r} is not "x,y;x,y;..."')
    return pts


def _box_grasp(elem: ET.Element, where: str, opening_side: str) -> np.ndarray:
    xtl, ytl, xbr, ybr = (_float(elem, k, where) for k in ('xtl', 'ytl', 'xbr', 'ybr'))
    if xbr < xtl or ybr < ytl:
        raise ValueError(f'{where}: xbr < xtl or ybr < ytl')
    rotation = _float(elem, 'rotation', where, default=0.0)
    if abs(rotation) > MAX_ROTATION:
        raise ValueError(f'{where}: rotation={elem.get("rotation")!r} is outside '
                         f'[-{MAX_ROTATION:g}, {MAX_ROTATION:g}] degrees')
    theta = math.radians(rotation)
    w, h = xbr - xtl, ybr - ytl
    if opening_side == 'height':
        w, h, theta = h, w, theta + math.pi / 2
    return np.array([(xtl + xbr) / 2, (ytl + ybr) / 2, w, h, theta % math.pi])


def _box_polygon(elem: ET.Element, where: str) -> np.ndarray:
    x, y, w, h, theta = _box_grasp(elem, where, 'width')
    cos, sin = math.cos(theta), math.sin(theta)
    half = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2
    return np.array([x, y]) + half @ np.array([[cos, sin], [-sin, cos]])


def _image_lines(path: str) -> List[int]:
    """The line of each ``<image>`` start tag of the file, in order (ElementTree keeps none)."""
    lines: List[int] = []
    parser = expat.ParserCreate()

    def start(tag: str, attrs: dict) -> None:
        if tag == 'image':
            lines.append(parser.CurrentLineNumber)

    parser.StartElementHandler = start
    with open(path, 'rb') as f:
        parser.ParseFile(f)
    return lines


def read_cvat_xml(path: str, images_dir: str, grasp_labels=('grasp', ),
                  opening_side: str = 'width', opening_edge: str = 'p0p1') -> List[ToolImage]:
    """Read a "CVAT for images 1.1" ``annotations.xml``.

    Args:
        path (str): The XML file.
        images_dir (str): The folder the ``<image name=...>`` paths are relative to.
        grasp_labels (Sequence[str]): Labels that mark a grasp. Defaults to ``('grasp',)``.
        opening_side (str): ``'width'`` or ``'height'`` of a grasp box. Defaults to ``'width'``.
        opening_edge (str): Opening edge of a grasp polygon. Defaults to ``'p0p1'``.

    Returns:
        list[ToolImage]: The images with their grasps and objects, in file order.
    """
    if opening_side not in OPENING_SIDES:
        raise ValueError(f'opening_side must be one of {OPENING_SIDES}, got {opening_side!r}')
    if opening_edge not in OPENING_EDGES:
        raise ValueError(f'opening_edge must be one of {OPENING_EDGES}, got {opening_edge!r}')
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise ValueError(f'{path}, line {e.position[0]}, column {e.position[1]}: not valid XML '
                         f'({e})') from None
    if root.tag != 'annotations':
        raise ValueError(f'{path}: not a CVAT export (root <{root.tag}>, expected <annotations>)')
    images = []
    lines = _image_lines(path)
    for n, img in enumerate(root.iter('image')):
        name = img.get('name')
        line = f', line {lines[n]}' if n < len(lines) else ''
        where_img = f'{path}{line}, <image name={name!r}>'
        if not name:
            raise ValueError(f'{where_img}: attribute "name" is missing')
        # the name must stay inside images_dir: the mask is named after it
        img_path = path_inside(images_dir, name, f'{where_img} (a name relative to --images-dir)')
        width, height = check_image_size(_whole(img, 'width', where_img),
                                         _whole(img, 'height', where_img), where_img)
        shapes: List[ToolShape] = []
        for i, elem in enumerate(img):
            label = elem.get('label')
            where = f'{where_img}, shape {i} <{elem.tag} label={label!r}>'
            if elem.tag not in ('box', 'polygon'):
                if elem.tag in ('mask', 'polyline', 'points', 'ellipse', 'cuboid', 'skeleton',
                                'tag'):
                    if elem.tag == 'tag':
                        continue
                    raise ValueError(f'{where}: <{elem.tag}> is not supported; draw grasps as '
                                     'rotated boxes and objects as polygons or boxes')
                continue
            if not label:
                raise ValueError(f'{where}: a shape needs a label')
            group = _group_id(elem, where)
            if label in grasp_labels:
                if elem.tag == 'box':
                    grasp = _box_grasp(elem, where, opening_side)
                else:
                    pts = _polygon_points(elem, where)
                    if len(pts) != 4:
                        raise ValueError(f'{where}: a grasp polygon has 4 corners, got {len(pts)}')
                    grasp = corners_to_grasps(pts[None], opening_edge=opening_edge)[0]
                shapes.append(ToolShape(where, label, group, grasp=grasp))
            else:
                polygon = (_box_polygon(elem, where) if elem.tag == 'box' else
                           _polygon_points(elem, where))
                if len(polygon) < 3:
                    raise ValueError(f'{where}: an object polygon needs 3 points or more')
                shapes.append(ToolShape(where, label, group, polygon=polygon))
        if not osp.lexists(img_path):
            raise FileNotFoundError(f'{where_img}: image {img_path} not found (is --images-dir '
                                    f'{images_dir!r} the folder the export names images from?)')
        check_regular_file(img_path, where_img)
        check_size_matches_image(width, height, img_path, where_img)
        image_id = osp.splitext(osp.relpath(img_path, images_dir))[0]
        images.append(ToolImage(image_id, osp.abspath(img_path), width, height, shapes))
    if not images:
        raise ValueError(f'{path}: no <image> entries (export "CVAT for images 1.1")')
    return images


def cvat_to_grasp_json(xml_path: str, images_dir: str, out: str, grasp_labels=('grasp', ),
                       opening_side: str = 'width', opening_edge: str = 'p0p1',
                       categories: Optional[List[str]] = None, mask_dir: Optional[str] = None,
                       root: Optional[str] = None, split: Optional[str] = None) -> dict:
    """Convert a CVAT export to a grasp JSON file.

    Args:
        xml_path (str): ``annotations.xml`` of a "CVAT for images 1.1" export.
        images_dir (str): The folder the image names are relative to.
        out (str): The grasp JSON file to write.
        grasp_labels (Sequence[str]): Labels that mark a grasp. Defaults to ``('grasp',)``.
        opening_side (str): Which box side is the opening. Defaults to ``'width'``.
        opening_edge (str): Opening edge of grasp polygons. Defaults to ``'p0p1'``.
        categories (list[str], optional): Object labels in class-id order. Defaults to the
            sorted labels found.
        mask_dir (str, optional): Where the masks go. Defaults to ``masks/`` beside ``out``.
        root (str, optional): Folder the paths are relative to. Defaults to ``out``'s folder.
        split (str, optional): A ``split`` for every image.

    Returns:
        dict: The counts of :func:`write_tool_dataset`.
    """
    images = read_cvat_xml(xml_path, images_dir, tuple(grasp_labels), opening_side, opening_edge)
    return write_tool_dataset(images, out, root=root, categories=categories, mask_dir=mask_dir,
                              split=split, description=f'CVAT export {xml_path}',
                              inputs=[xml_path])
