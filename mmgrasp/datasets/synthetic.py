# Copyright (c) mmgrasp contributors. All rights reserved.
"""Synthetic grasp scenes, written in the OCID_grasp on-disk layout.

The embedded default dataset of the quick start and the tests: deterministic from a seed, fast
(numpy and OpenCV drawing, no per-pixel Python), and read by :class:`OCIDGraspDataset` with
``metainfo=SYNTHETIC_METAINFO`` (``configs/_base_/datasets/synthetic_grasp.py``).

Each scene is a wood-textured table with 2-5 objects of simple shapes and distinct colours, their
labelled mask (one class per shape) and antipodal grasp rectangles derived from each shape's
geometry. Rules (the same for every scene, so that they can be learnt), with the gripper's largest
opening ``0.3 * size``, plate clearance ``m = 0.025 * size`` and jaw sizes ``{0.05, 0.08} * size``:

- ``box`` (rectangle, aspect 1-1.7) and ``bar`` (long thin rectangle): grasped across each pair
  of opposite sides whose distance plus ``2m`` fits the gripper (bars: across the short side
  only), at 3 (box) or 5 (bar) positions along the other side;
- ``disc``: across a diameter, at 6 angles 30 degrees apart;
- ``ellipse``: across the minor axis, at the centre and half-way to each end;
- ``triangle`` (isosceles): along its altitude, one plate on the base and one beyond the apex,
  centred half-way up the altitude, at 3 offsets parallel to the base.

In every case the opening ``w`` spans the object plus ``m`` on each side, so the centre lies on
the object and both plates lie outside it. Objects are placed so that their grasp rectangles
neither overlap other objects nor leave the image.

Layout written (see :mod:`mmgrasp.datasets.ocid_grasp`)::

    out_dir/data_split/training_0.txt, validation_0.txt
    out_dir/scenes/seq00/{rgb, seg_mask_labeled_combi}/scene_00000.png
    out_dir/scenes/seq00/Annotations/scene_00000.txt
    out_dir/scenes/seq00/Annotations_per_class/scene_00000/<class_id>/scene_00000.txt
    out_dir/synthetic_meta.json
"""
import json
import math
import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from mmgrasp.structures import grasps_to_corners

SYNTHETIC_CLASSES = ('background', 'box', 'bar', 'disc', 'ellipse', 'triangle')
# RGB; no red or blue, the colours of openings and plates in browse_dataset
SYNTHETIC_PALETTE = [(0, 0, 0), (255, 225, 25), (60, 180, 75), (70, 240, 240), (245, 130, 48),
                     (240, 50, 230)]
SYNTHETIC_METAINFO = dict(
    sem_classes=SYNTHETIC_CLASSES, sem_palette=SYNTHETIC_PALETTE)
"""``metainfo`` to pass to :class:`OCIDGraspDataset` for the synthetic scenes."""

SEQ_PATH = 'scenes/seq00'
# Object colours (BGR), well apart from the wood tones of the table.
# No pure red or blue: browse_dataset draws openings red and plates blue.
_OBJECT_COLOURS = np.array([(0, 140, 255), (40, 170, 40), (160, 160, 0), (30, 200, 230),
                            (180, 50, 170), (200, 200, 40), (230, 230, 230), (60, 60, 60),
                            (130, 60, 230), (180, 105, 255)], dtype=np.float64)
_WOOD_COLOURS = np.array([(90, 140, 190), (70, 110, 160), (120, 160, 200), (60, 90, 130)],
                         dtype=np.float64)
_SHIFT = 4  # sub-pixel bits for OpenCV drawing


class _Shape:
    """One object: its class, outline and grasps in scene coordinates."""

    def __init__(self, label: int, grasps: np.ndarray, polygon: Optional[np.ndarray] = None,
                 ellipse: Optional[Tuple] = None) -> None:
        self.label = label
        self.grasps = grasps  # (N, 5) relative to the object's centre
        self.polygon = polygon  # (K, 2) relative, or None
        self.ellipse = ellipse  # (a, b, phi) or None

    def radius(self) -> float:
        """Radius about the centre that holds the object and all its grasp rectangles."""
        pts = grasps_to_corners(self.grasps).reshape(-1, 2)
        r = np.linalg.norm(pts, axis=1).max() if len(pts) else 0.0
        if self.polygon is not None:
            r = max(r, np.linalg.norm(self.polygon, axis=1).max())
        if self.ellipse is not None:
            r = max(r, self.ellipse[0])
        return float(r)


def _grasps_along(axis_angle: float, half_extent: float, offsets: np.ndarray,
                  jaws: List[float], clearance: float) -> np.ndarray:
    """Grasps whose opening crosses an object of half-width ``half_extent`` along ``axis_angle``.

    The grasp centres are shifted by ``offsets`` along the perpendicular direction.
    """
    u = np.array([math.cos(axis_angle), math.sin(axis_angle)])
    v = np.array([-u[1], u[0]])
    rows = []
    for jaw in jaws:
        for t in offsets:
            x, y = t * v
            rows.append((x, y, 2 * (half_extent + clearance), jaw, axis_angle % math.pi))
    return np.asarray(rows, dtype=np.float64).reshape(-1, 5)


def _rect_shape(rng: np.random.Generator, label: int, a: float, b: float, positions: int,
                jaws: List[float], clearance: float, max_open: float) -> _Shape:
    """A rectangle with half sizes ``a >= b``, long axis at a random angle."""
    phi = rng.uniform(0, math.pi)
    c, s = math.cos(phi), math.sin(phi)
    long_axis, short_axis = np.array([c, s]), np.array([-s, c])
    polygon = np.array([sa * a * long_axis + sb * b * short_axis
                        for sa, sb in ((-1, -1), (1, -1), (1, 1), (-1, 1))])
    grasps = []
    # Across the short side: opening along the short axis, centres along the long axis.
    for half, along_half, angle in ((b, a, phi + math.pi / 2), (a, b, phi)):
        if 2 * (half + clearance) > max_open:
            continue
        for jaw in jaws:
            reach = max(along_half - jaw / 2, 0.0)
            offsets = np.linspace(-reach, reach, positions) * 0.8
            grasps.append(_grasps_along(angle, half, offsets, [jaw], clearance))
    return _Shape(label, np.concatenate(grasps), polygon=polygon)


def _random_shape(rng: np.random.Generator, size: int) -> _Shape:
    """Draw one object with its grasps, centred at the origin."""
    clearance = 0.025 * size
    max_open = 0.3 * size
    jaws = [0.05 * size, 0.08 * size]
    label = int(rng.integers(1, len(SYNTHETIC_CLASSES)))
    name = SYNTHETIC_CLASSES[label]
    if name == 'box':
        a = rng.uniform(0.07, 0.11) * size
        return _rect_shape(rng, label, a, a * rng.uniform(0.6, 1.0), 3, jaws, clearance, max_open)
    if name == 'bar':
        a = rng.uniform(0.15, 0.22) * size
        b = rng.uniform(0.025, 0.045) * size
        return _rect_shape(rng, label, a, b, 5, jaws, clearance, max_open)
    if name == 'disc':
        r = rng.uniform(0.05, 0.1) * size
        phi0 = rng.uniform(0, math.pi / 6)
        grasps = np.concatenate([
            _grasps_along(phi0 + k * math.pi / 6, r, np.zeros(1), jaws, clearance)
            for k in range(6)
        ])
        return _Shape(label, grasps, ellipse=(r, r, 0.0))
    if name == 'ellipse':
        a = rng.uniform(0.08, 0.13) * size
        b = a * rng.uniform(0.45, 0.7)
        phi = rng.uniform(0, math.pi)
        grasps = _grasps_along(phi + math.pi / 2, b, np.array([-a / 2, 0.0, a / 2]), jaws,
                               clearance)
        return _Shape(label, grasps, ellipse=(a, b, phi))
    # triangle: base half-width hb, altitude ha, altitude direction n (from base to apex)
    hb = rng.uniform(0.07, 0.11) * size
    ha = rng.uniform(0.12, 0.18) * size
    phi = rng.uniform(0, 2 * math.pi)
    n = np.array([math.cos(phi), math.sin(phi)])
    along_base = np.array([-n[1], n[0]])
    polygon = np.array([-ha / 2 * n - hb * along_base, -ha / 2 * n + hb * along_base, ha / 2 * n])
    grasps = _grasps_along(phi, ha / 2, np.array([-hb / 4, 0.0, hb / 4]), jaws, clearance)
    return _Shape(label, grasps, polygon=polygon)


def _table(rng: np.random.Generator, size: int) -> np.ndarray:
    """A wood-like table texture, ``(size, size, 3)`` uint8 BGR."""
    base = _WOOD_COLOURS[rng.integers(len(_WOOD_COLOURS))]
    coarse = cv2.resize(rng.random((6, 6)), (size, size), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) / size
    angle = rng.uniform(0, math.pi)
    along = xx * math.cos(angle) + yy * math.sin(angle)
    grain = np.sin(2 * math.pi * (rng.uniform(8, 16) * along + 1.5 * coarse))
    shade = 0.82 + 0.08 * grain + 0.15 * coarse  # (size, size)
    img = shade[..., None] * base + rng.normal(0, 2, (size, size, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def _fixed(points: np.ndarray) -> np.ndarray:
    """Points as OpenCV fixed-point integers (``_SHIFT`` fractional bits, pixel centres)."""
    return np.round((points - 0.5) * (1 << _SHIFT)).astype(np.int32)


def _fixed_point(point: np.ndarray) -> Tuple[int, int]:
    """One point as an OpenCV fixed-point ``(x, y)`` tuple of Python ints."""
    x, y = _fixed(point)
    return int(x), int(y)


def _draw(shape: _Shape, centre: np.ndarray, img: np.ndarray, mask: np.ndarray,
          colour: np.ndarray) -> None:
    """Draw a shadow, the object and its outline into ``img`` and its class into ``mask``."""
    shadow_offset = np.array([3.0, 3.0])
    outline = tuple(float(v) for v in colour * 0.6)
    fill = tuple(float(v) for v in colour)
    if shape.polygon is not None:
        pts = shape.polygon + centre
        shadow = img.copy()
        cv2.fillPoly(shadow, [_fixed(pts + shadow_offset)], (20, 20, 20), cv2.LINE_AA, _SHIFT)
        cv2.addWeighted(shadow, 0.35, img, 0.65, 0, dst=img)
        cv2.fillPoly(img, [_fixed(pts)], fill, cv2.LINE_AA, _SHIFT)
        cv2.polylines(img, [_fixed(pts)], True, outline, 1, cv2.LINE_AA, _SHIFT)
        cv2.fillPoly(mask, [_fixed(pts)], shape.label, cv2.LINE_8, _SHIFT)
        return
    a, b, phi = shape.ellipse
    axes = (int(round(a * (1 << _SHIFT))), int(round(b * (1 << _SHIFT))))
    deg = math.degrees(phi)
    shadow = img.copy()
    cv2.ellipse(shadow, _fixed_point(centre + shadow_offset), axes, deg, 0, 360, (20, 20, 20), -1,
                cv2.LINE_AA, _SHIFT)
    cv2.addWeighted(shadow, 0.35, img, 0.65, 0, dst=img)
    cv2.ellipse(img, _fixed_point(centre), axes, deg, 0, 360, fill, -1, cv2.LINE_AA, _SHIFT)
    cv2.ellipse(img, _fixed_point(centre), axes, deg, 0, 360, outline, 1, cv2.LINE_AA, _SHIFT)
    cv2.ellipse(mask, _fixed_point(centre), axes, deg, 0, 360, shape.label, -1, cv2.LINE_8, _SHIFT)


def render_scene(seed: int, index: int, size: int = 256,
                 num_objects: Tuple[int, int] = (2, 5)) -> Dict[str, np.ndarray]:
    """Render one synthetic scene, deterministically from ``(seed, index)``.

    Args:
        seed (int): Dataset seed.
        index (int): Scene index.
        size (int): Image side in pixels. Defaults to 256.
        num_objects (tuple[int, int]): Inclusive range of objects tried per scene; an object that
            finds no free place in 50 tries is left out (at least one always fits). Defaults to
            (2, 5).

    Returns:
        dict: ``img`` ``(size, size, 3)`` uint8 BGR, ``mask`` ``(size, size)`` uint8 class ids,
        ``grasps`` ``(N, 5)`` float64 ``(x, y, w, h, theta)``, ``labels`` ``(N,)`` int64 class
        of the grasped object and ``num_objects``.
    """
    rng = np.random.default_rng([seed, index])
    img = _table(rng, size)
    mask = np.zeros((size, size), dtype=np.uint8)
    placed: List[Tuple[np.ndarray, float]] = []
    grasps, labels = [], []
    colours = rng.permutation(len(_OBJECT_COLOURS))
    for k in range(int(rng.integers(num_objects[0], num_objects[1] + 1))):
        shape = _random_shape(rng, size)
        radius = shape.radius()
        if 2 * radius + 2 >= size:
            continue
        for _ in range(50):
            centre = rng.uniform(radius + 1, size - radius - 1, 2)
            if all(np.linalg.norm(centre - c) > radius + r + 2 for c, r in placed):
                break
        else:
            continue
        placed.append((centre, radius))
        colour = _OBJECT_COLOURS[colours[k % len(colours)]] + rng.uniform(-15, 15, 3)
        _draw(shape, centre, img, mask, np.clip(colour, 0, 255))
        g = shape.grasps.copy()
        g[:, :2] += centre
        grasps.append(g)
        labels.append(np.full(len(g), shape.label, dtype=np.int64))
    return dict(
        img=img,
        mask=mask,
        grasps=np.concatenate(grasps) if grasps else np.zeros((0, 5)),
        labels=np.concatenate(labels) if labels else np.zeros(0, dtype=np.int64),
        num_objects=len(placed))


def _write_rectangles(path: str, grasps: np.ndarray) -> None:
    """Write grasps as OCID_grasp rectangles: 4 lines ``x y``, jaw edge ``p0 -> p1`` first."""
    corners = grasps_to_corners(np.asarray(grasps, dtype=np.float64), opening_edge='p1p2')
    with open(path, 'w') as f:
        f.write(''.join(f'{x:.2f} {y:.2f}\n' for x, y in corners.reshape(-1, 2)))


def generate_synthetic_dataset(out_dir: str, num: int = 500, size: int = 256, seed: int = 0,
                               val_ratio: float = 0.1) -> Dict[str, int]:
    """Write ``num`` synthetic scenes in the OCID_grasp layout (see the module docstring).

    The same ``(num, size, seed)`` always gives the same files. The validation side is every
    scene whose seeded shuffle position is below ``round(num * val_ratio)``.

    Args:
        out_dir (str): Output folder (created; existing scenes are overwritten).
        num (int): Number of scenes. Defaults to 500.
        size (int): Image side in pixels. Defaults to 256.
        seed (int): Seed. Defaults to 0.
        val_ratio (float): Fraction of scenes in ``data_split/validation_0.txt`` (the test side,
            as in OCID_grasp's release; configs hold their validation set out of
            ``training_0.txt``); the others go
            to ``training_0.txt``. Defaults to 0.1.

    Returns:
        dict: Counts ``images``, ``grasps``, ``objects``, ``train`` and ``val``.
    """
    if num < 1 or size < 32:
        raise ValueError(f'need num >= 1 and size >= 32, got num={num}, size={size}')
    seq_dir = osp.join(out_dir, SEQ_PATH)
    for sub in ('rgb', 'seg_mask_labeled_combi', 'Annotations', 'Annotations_per_class'):
        os.makedirs(osp.join(seq_dir, sub), exist_ok=True)
    os.makedirs(osp.join(out_dir, 'data_split'), exist_ok=True)
    counts = dict(images=0, grasps=0, objects=0)
    names = []
    for index in range(num):
        scene = render_scene(seed, index, size)
        name = f'scene_{index:05d}'
        names.append(name)
        cv2.imwrite(osp.join(seq_dir, 'rgb', name + '.png'), scene['img'])
        cv2.imwrite(osp.join(seq_dir, 'seg_mask_labeled_combi', name + '.png'), scene['mask'])
        _write_rectangles(osp.join(seq_dir, 'Annotations', name + '.txt'), scene['grasps'])
        for label in np.unique(scene['labels']):
            class_dir = osp.join(seq_dir, 'Annotations_per_class', name, str(int(label)))
            os.makedirs(class_dir, exist_ok=True)
            _write_rectangles(osp.join(class_dir, name + '.txt'),
                              scene['grasps'][scene['labels'] == label])
        counts['images'] += 1
        counts['grasps'] += len(scene['grasps'])
        counts['objects'] += scene['num_objects']
    num_val = min(max(int(round(num * val_ratio)), 1 if num > 1 else 0), num - 1)
    order = np.random.default_rng(seed).permutation(num)
    val = set(order[:num_val].tolist())
    splits = {'training_0.txt': [], 'validation_0.txt': []}
    for index, name in enumerate(names):
        key = 'validation_0.txt' if index in val else 'training_0.txt'
        splits[key].append(f'{SEQ_PATH},{name}.png\n')
    for fname, lines in splits.items():
        with open(osp.join(out_dir, 'data_split', fname), 'w') as f:
            f.write(''.join(lines))
    counts['train'], counts['val'] = len(splits['training_0.txt']), len(splits['validation_0.txt'])
    with open(osp.join(out_dir, 'synthetic_meta.json'), 'w') as f:
        json.dump(dict(num=num, size=size, seed=seed, val_ratio=val_ratio, layout='ocid_grasp',
                       sem_classes=list(SYNTHETIC_CLASSES),
                       sem_palette=[list(c) for c in SYNTHETIC_PALETTE], **counts), f, indent=1)
    return counts
