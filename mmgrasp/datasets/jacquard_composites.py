# Copyright (c) mmgrasp contributors. All rights reserved.
"""Multi-object scenes made of Jacquard scenes, for the grasp-per-object evaluation.

A Jacquard scene holds one object. To ask "which grasp for which object" on benchmark images,
:func:`make_jacquard_composites` pastes the masked objects of 2-4 scenes side by side onto one
background, each at its own position and scale:

- the canvas is a grid of scene-sized cells (2 objects: 1x2, 3: 1x3, 4: 2x2), so every object
  keeps its size in pixels (the model sees objects at the scale it was trained on);
- the background is the first scene's, its object removed by inpainting (``cv2.inpaint``, Telea,
  over the mask dilated by 15 px) and mirror-tiled over the canvas;
- each object's pixels (mask ``>= 128``) are copied into its cell at their place in the scene;
  its grasps move along by the cell's offset.

Each composite is written in the Jacquard layout, so :class:`JacquardGraspDataset` (and every
tool built on it) reads it as it is::

    out_root/<name>/0_<name>_RGB.png       # the composite
    out_root/<name>/0_<name>_mask.png      # 255 on every object
    out_root/<name>/0_<name>_grasps.txt    # every object's grasps, Jacquard lines
    out_root/<name>/0_<name>_objects.png   # uint8 object number (1..k), 0 background
    out_root/<name>/0_<name>_objects.json  # per object: source scene, offset, grasps

The whole set is written to a temporary folder and renamed into place, so ``out_root`` either
holds every composite or does not exist.
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

from .jacquard import JACQUARD_MASK_THRESHOLD, load_jacquard_grasps
from .jacquard_objects import read_image
from .utils import read_text_lines

GRID = {2: (1, 2), 3: (1, 3), 4: (2, 2)}
"""Rows and columns of the canvas for each number of objects."""


def remove_object(img: np.ndarray, mask: np.ndarray, margin: int = 15) -> np.ndarray:
    """The image with the masked object inpainted away (Telea, mask dilated by ``margin``).

    Args:
        img (ndarray): ``(H, W, 3)`` uint8 image.
        mask (ndarray): ``(H, W)`` bool object mask.
        margin (int): Dilation in pixels (covers the object's shadow and anti-aliased rim).

    Returns:
        ndarray: ``(H, W, 3)`` uint8.
    """
    kernel = np.ones((2 * margin + 1, 2 * margin + 1), np.uint8)
    hole = cv2.dilate(mask.astype(np.uint8), kernel)
    # Inpainting at a quarter of the size is as good on this smooth floor and 16x faster.
    small = cv2.resize(img, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    small_hole = cv2.resize(hole, (small.shape[1], small.shape[0]),
                            interpolation=cv2.INTER_NEAREST)
    filled = cv2.inpaint(small, cv2.dilate(small_hole, np.ones((3, 3), np.uint8)), 5,
                         cv2.INPAINT_TELEA)
    filled = cv2.resize(filled, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_LINEAR)
    out = img.copy()
    out[hole > 0] = filled[hole > 0]
    return out


def _shifted_lines(grasp_path: str, dx: int, dy: int) -> List[str]:
    """The scene's grasp lines ``x;y;theta;opening;jaw`` with the centre moved by ``(dx, dy)``."""
    lines = []
    for _, line in read_text_lines(grasp_path):
        fields = [f.strip() for f in line.split(';')]
        x, y = float(fields[0]) + dx, float(fields[1]) + dy
        lines.append(';'.join([f'{x:.10g}', f'{y:.10g}'] + fields[2:]))
    return lines


def compose_scenes(prefixes: Sequence[str]) -> Tuple[np.ndarray, np.ndarray, List[Dict]]:
    """Paste the objects of 2-4 Jacquard scenes side by side onto one background.

    Args:
        prefixes (Sequence[str]): Scene path prefixes ``<root>/<objectID>/<k>_<objectID>``.

    Returns:
        tuple: the composite ``(H, W, 3)`` uint8 BGR image, the object map ``(H, W)`` uint8
        (object ``i + 1`` for ``prefixes[i]``, 0 background) and per object a dict with
        ``source``, ``offset`` ``(dx, dy)``, ``grasps`` ``(G, 5)`` (the composite's pixels) and
        ``lines`` (its grasp lines in the Jacquard format).
    """
    if len(prefixes) not in GRID:
        raise ValueError(f'a composite holds {sorted(GRID)} objects, got {len(prefixes)}')
    rows, cols = GRID[len(prefixes)]
    images = [read_image(p + '_RGB.png', cv2.IMREAD_COLOR) for p in prefixes]
    masks = [read_image(p + '_mask.png', cv2.IMREAD_GRAYSCALE) >= JACQUARD_MASK_THRESHOLD
             for p in prefixes]
    h, w = images[0].shape[:2]
    for p, img in zip(prefixes, images):
        if img.shape[:2] != (h, w):
            raise ValueError(f'{p}_RGB.png is {img.shape[1]}x{img.shape[0]}, the first scene '
                             f'{w}x{h}: composites need scenes of one size')
    background = remove_object(images[0], masks[0])
    tile = np.concatenate([background, background[:, ::-1]], axis=1)
    tile = np.concatenate([tile, tile[::-1]], axis=0)  # mirror tiling: no seams
    canvas = np.tile(tile, (rows, cols, 1))[:rows * h, :cols * w].copy()
    objects_map = np.zeros(canvas.shape[:2], np.uint8)
    objects = []
    for i, (p, img, mask) in enumerate(zip(prefixes, images, masks)):
        r, c = divmod(i, cols)
        dx, dy = c * w, r * h
        cell = (slice(dy, dy + h), slice(dx, dx + w))
        canvas[cell][mask] = img[mask]
        objects_map[cell][mask] = i + 1
        grasps = load_jacquard_grasps(p + '_grasps.txt')
        grasps[:, 0] += dx
        grasps[:, 1] += dy
        objects.append(dict(source=p, offset=(dx, dy), grasps=grasps,
                            lines=_shifted_lines(p + '_grasps.txt', dx, dy)))
    return canvas, objects_map, objects


def draw_scenes(prefixes: Sequence[str], k: int, rng: np.random.Generator) -> List[str]:
    """``k`` distinct scenes, of as many distinct objects as there are (seeded).

    The objects (the scenes' folders) are shuffled and taken in turn, each time with a scene of
    that object not drawn yet; an object repeats (with another scene) only when a composite
    needs more objects than the set has.

    Args:
        prefixes (Sequence[str]): Scene path prefixes ``<root>/<objectID>/<k>_<objectID>``.
        k (int): Number of scenes, at most ``len(prefixes)``.
        rng (Generator): The random generator.

    Returns:
        list[str]: ``k`` prefixes.
    """
    by_object: Dict[str, List[str]] = {}
    for p in sorted(prefixes):
        by_object.setdefault(osp.basename(osp.dirname(p)), []).append(p)
    objects = [list(by_object)[i] for i in rng.permutation(len(by_object))]
    pools = {o: [by_object[o][i] for i in rng.permutation(len(by_object[o]))] for o in objects}
    chosen: List[str] = []
    while len(chosen) < k:
        for o in objects:
            if pools[o] and len(chosen) < k:
                chosen.append(pools[o].pop())
    return chosen


def make_jacquard_composites(prefixes: Sequence[str], out_root: str,
                             num_objects: Sequence[int] = (2, 3, 4), per_size: int = 4,
                             seed: int = 0) -> List[str]:
    """Write ``per_size`` composites of each size in ``num_objects`` from the given scenes.

    The scenes of a composite are distinct and of distinct objects as far as the set allows
    (:func:`draw_scenes`; with the 2 test objects of an object-wise fold of the Jacquard samples,
    a 3- or 4-object composite shows an object twice, from two scenes); with fewer scenes than a
    composite needs, that size is skipped.

    Args:
        prefixes (Sequence[str]): Scene path prefixes to draw from (e.g. a fold's test scenes).
        out_root (str): Folder to create; it must not exist yet.
        num_objects (Sequence[int]): Composite sizes, each in 2-4. Defaults to (2, 3, 4).
        per_size (int): Composites per size. Defaults to 4.
        seed (int): Seed of the draw. Defaults to 0.

    Returns:
        list[str]: The composites' path prefixes ``out_root/<name>/0_<name>`` (empty, and no
        folder written, when there are too few scenes for any size).
    """
    if osp.exists(out_root):
        raise FileExistsError(f'{out_root} exists; remove it to make the composites again')
    for k in num_objects:
        if k not in GRID:
            raise ValueError(f'a composite holds {sorted(GRID)} objects, got {k}')
    sizes = [k for k in num_objects if k <= len(prefixes)]
    if not sizes:
        return []
    rng = np.random.default_rng(seed)
    tmp_root = out_root + '.tmp'
    shutil.rmtree(tmp_root, ignore_errors=True)
    os.makedirs(tmp_root)
    made = []
    for k in sizes:
        for j in range(per_size):
            chosen = draw_scenes(prefixes, k, rng)
            canvas, objects_map, objects = compose_scenes(chosen)
            name = f'composite{k}_{j:03d}'
            folder = osp.join(tmp_root, name)
            os.makedirs(folder)
            stem = osp.join(folder, f'0_{name}')
            cv2.imwrite(stem + '_RGB.png', canvas)
            cv2.imwrite(stem + '_mask.png', np.where(objects_map > 0, 255, 0).astype(np.uint8))
            cv2.imwrite(stem + '_objects.png', objects_map)
            with open(stem + '_grasps.txt', 'w') as f:
                f.write('\n'.join(line for o in objects for line in o['lines']) + '\n')
            with open(stem + '_objects.json', 'w') as f:
                json.dump(dict(objects=[dict(source=o['source'], offset=list(o['offset']),
                                             grasps=o['grasps'].tolist()) for o in objects]),
                          f)
            made.append(osp.join(out_root, name, f'0_{name}'))
    os.replace(tmp_root, out_root)
    return made
