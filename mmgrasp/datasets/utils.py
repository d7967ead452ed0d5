# Copyright (c) mmgrasp contributors. All rights reserved.
"""Helpers shared by the grasp dataset loaders: reading text annotations with errors that name the
file and line, image sizes without decoding, and seeded splits.
"""
import math
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

ORIENTATION_BIN_NAMES = tuple(f'{k * 10}-{(k + 1) * 10}deg' for k in range(18))
"""Names of the 18 orientation classes (DESIGN.md section 2): bin ``k`` holds
``[k*10, (k+1)*10)`` degrees."""


def orientation_bin_palette(num_bins: int = 18) -> List[Tuple[int, int, int]]:
    """A colour per orientation bin, going once round the hue circle.

    Args:
        num_bins (int): Number of orientation bins. Defaults to 18.

    Returns:
        list[tuple[int, int, int]]: ``num_bins`` RGB colours.
    """
    import colorsys
    palette = []
    for k in range(num_bins):
        r, g, b = colorsys.hsv_to_rgb(k / num_bins, 0.8, 0.95)
        palette.append((int(r * 255), int(g * 255), int(b * 255)))
    return palette


def read_text_lines(path: str) -> List[Tuple[int, str]]:
    """Read a text annotation file into ``(line_number, stripped_line)`` pairs.

    Handles CRLF and LF line endings, trailing spaces and blank lines (which are skipped). Line
    numbers are 1-based, as an editor shows them, so that error messages can point at the line.

    Args:
        path (str): The file.

    Returns:
        list[tuple[int, str]]: The non-blank lines with their 1-based numbers.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If the file is not valid UTF-8 text.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'annotation file not found: {path}')
    try:
        with open(path, 'r', encoding='utf-8', newline=None) as f:
            lines = f.read().splitlines()
    except UnicodeDecodeError as e:
        raise ValueError(f'{path}: not a text file ({e})') from e
    return [(i + 1, line.strip()) for i, line in enumerate(lines) if line.strip()]


def parse_floats(fields: Sequence[str], path: str, lineno: int,
                 allow_nan: bool = False) -> List[float]:
    """Convert the fields of one annotation line to floats, naming the file and line on failure.

    Args:
        fields (Sequence[str]): The text fields.
        path (str): The file they come from (for the error message).
        lineno (int): Their 1-based line number (for the error message).
        allow_nan (bool): Accept ``NaN`` (Cornell). Defaults to False.

    Returns:
        list[float]: The values.

    Raises:
        ValueError: If a field is not a number, is infinite, or is NaN when not allowed.
    """
    values = []
    for field in fields:
        try:
            value = float(field)
        except ValueError:
            raise ValueError(f'{path}, line {lineno}: expected a number, got {field!r}') from None
        if math.isinf(value) or (math.isnan(value) and not allow_nan):
            raise ValueError(f'{path}, line {lineno}: expected a finite number, got {field!r}')
        values.append(value)
    return values


def read_quad_file(path: str, allow_nan: bool = False) -> Tuple[np.ndarray, int]:
    """Read a file of grasp rectangles given as 4 lines ``x y`` each (Cornell, OCID_grasp).

    Args:
        path (str): The file.
        allow_nan (bool): Whether a rectangle may have ``NaN`` corners (Cornell's release has a
            few); such rectangles are dropped and counted. Defaults to False.

    Returns:
        tuple[ndarray, int]: ``(N, 4, 2)`` float64 corners ``(x, y)`` in file order, and the number
        of rectangles dropped because of a NaN corner.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: On a line that is not two numbers, or a number of lines that is not a
            multiple of 4 (the message names the file and the line).
    """
    lines = read_text_lines(path)
    points = []
    for lineno, line in lines:
        fields = line.split()
        if len(fields) != 2:
            raise ValueError(f'{path}, line {lineno}: expected 2 fields "x y", '
                             f'got {len(fields)}: {line!r}')
        points.append(parse_floats(fields, path, lineno, allow_nan=allow_nan))
    if len(points) % 4 != 0:
        last = lines[-1][0]
        raise ValueError(f'{path}, line {last}: {len(points)} corner lines is not a multiple of 4 '
                         '(each rectangle has 4 lines "x y")')
    corners = np.asarray(points, dtype=np.float64).reshape(-1, 4, 2)
    nan = np.isnan(corners).any(axis=(1, 2))
    return corners[~nan], int(nan.sum())


def image_size(path: str) -> Tuple[int, int]:
    """Size of an image file without decoding its pixels.

    Args:
        path (str): The image.

    Returns:
        tuple[int, int]: ``(height, width)``.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If the file is not a readable image.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'image not found: {path}')
    try:
        with Image.open(path) as im:
            width, height = im.size
    except Exception as e:  # PIL raises several kinds of error for a broken file
        raise ValueError(f'{path}: not a readable image ({e})') from e
    return height, width


def seeded_permutation(n: int, seed: int) -> np.ndarray:
    """A permutation of ``range(n)`` that depends only on ``n`` and ``seed``.

    Args:
        n (int): Number of items.
        seed (int): Seed of the shuffle.

    Returns:
        ndarray: ``(n,)`` int64 permutation.
    """
    return np.random.default_rng(seed).permutation(n)


def kfold_indices(n: int, num_folds: int, fold: int, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Seeded k-fold cross-validation split of ``n`` items.

    The items are shuffled once with ``seed`` and cut into ``num_folds`` nearly equal folds; fold
    ``fold`` is the test side and the others the training side. Every item is in exactly one test
    fold over ``fold = 0 .. num_folds - 1``.

    Args:
        n (int): Number of items.
        num_folds (int): Number of folds.
        fold (int): The test fold, in ``[0, num_folds)``.
        seed (int): Seed of the shuffle.

    Returns:
        tuple[ndarray, ndarray]: Sorted indices of the training and the test side.
    """
    if num_folds < 2:
        raise ValueError(f'num_folds must be at least 2, got {num_folds}')
    if not 0 <= fold < num_folds:
        raise ValueError(f'fold must be in [0, {num_folds}), got {fold}')
    folds = np.array_split(seeded_permutation(n, seed), num_folds)
    test = np.sort(folds[fold])
    train = np.sort(np.concatenate([f for i, f in enumerate(folds) if i != fold]))
    return train, test


def ratio_split_indices(n: int, test_ratio: float, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Seeded split of ``n`` items into a training and a test side.

    Args:
        n (int): Number of items.
        test_ratio (float): Fraction on the test side, in ``(0, 1)``; ``round(n * test_ratio)``
            items, at least 1 when ``n > 1``.
        seed (int): Seed of the shuffle.

    Returns:
        tuple[ndarray, ndarray]: Sorted indices of the training and the test side.
    """
    if not 0 < test_ratio < 1:
        raise ValueError(f'test_ratio must be in (0, 1), got {test_ratio}')
    num_test = int(round(n * test_ratio))
    if n > 1:
        num_test = min(max(num_test, 1), n - 1)
    perm = seeded_permutation(n, seed)
    return np.sort(perm[num_test:]), np.sort(perm[:num_test])


def select_split(split: str, train: np.ndarray, test: np.ndarray,
                 n: Optional[int] = None) -> np.ndarray:
    """Pick the side of a split named in a config.

    Args:
        split (str): ``'train'``, ``'test'`` (alias ``'val'``) or ``'all'``.
        train (ndarray): Indices of the training side.
        test (ndarray): Indices of the test side.
        n (int, optional): Number of items, for ``'all'``. Defaults to ``len(train) + len(test)``.

    Returns:
        ndarray: The chosen indices.
    """
    if split == 'train':
        return train
    if split in ('test', 'val'):
        return test
    if split == 'all':
        return np.arange(len(train) + len(test) if n is None else n)
    raise ValueError(f"split must be 'train', 'val', 'test' or 'all', got {split!r}")
