# Copyright (c) mmgrasp contributors. All rights reserved.
"""Helpers shared by the grasp dataset loaders: reading text annotations with errors that name the
file and line, image sizes without decoding, and seeded splits.
"""
import math
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from .safe_paths import check_regular_file

ORIENTATION_BIN_NAMES = tuple(f'{k * 10}-{(k + 1) * 10}deg' for k in range(18))
"""Names of the 18 orientation classes (docs/conventions.md section 2): bin ``k`` holds
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


def read_quad_file(path: str, allow_nan: bool = False,
                   return_linenos: bool = False) -> Tuple[np.ndarray, ...]:
    """Read a file of grasp rectangles given as 4 lines ``x y`` each (Cornell, OCID_grasp).

    Args:
        path (str): The file.
        allow_nan (bool): Whether a rectangle may have ``NaN`` corners (Cornell's release has a
            few); such rectangles are dropped and counted. Defaults to False.
        return_linenos (bool): Also return the line of each rectangle. Defaults to False.

    Returns:
        tuple: ``(N, 4, 2)`` float64 corners ``(x, y)`` in file order, the number of rectangles
        dropped because of a NaN corner, and with ``return_linenos`` the ``(N,)`` int64 1-based
        line number of each kept rectangle's first corner.

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
    if return_linenos:
        first_lines = np.array([n for n, _ in lines[::4]], dtype=np.int64)
        return corners[~nan], int(nan.sum()), first_lines[~nan]
    return corners[~nan], int(nan.sum())


_PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
_PNG_END = b'IEND\xaeB`\x82'  # type and CRC of the IEND chunk that closes every PNG


def is_truncated_png(data: bytes) -> bool:
    """Whether ``data`` is the start of a PNG file that was cut short.

    A PNG ends with its ``IEND`` chunk; a file cut short (an interrupted copy or download) lacks
    it, but its header still gives the image size, so only decoding would notice. The chunk is
    looked for in the last 4 KiB (decoders ignore bytes after it).

    Args:
        data (bytes): The file's bytes, or at least its first 8 and its last 4096.

    Returns:
        bool: True for a PNG without its end; False for a complete PNG and for other formats.
    """
    return data[:8] == _PNG_SIGNATURE and _PNG_END not in data[-4096:]


def image_size(path: str) -> Tuple[int, int]:
    """Size of an image file without decoding its pixels.

    Args:
        path (str): The image.

    Returns:
        tuple[int, int]: ``(height, width)``.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If the file is not a regular file or is over
            :data:`~mmgrasp.datasets.safe_paths.MAX_FILE_BYTES` (checked before it is opened), is
            empty, not a readable image, or a truncated PNG (its end is read too, so that a file
            cut short fails when the dataset is built, not at training).
    """
    if not osp.lexists(path):
        raise FileNotFoundError(f'image not found: {path}')
    check_regular_file(path, 'image')
    try:
        with Image.open(path) as im:
            width, height = im.size
            fmt = im.format
    except Exception as e:  # PIL raises several kinds of error for a broken file
        raise ValueError(f'{path}: not a readable image ({e})') from e
    if fmt == 'PNG':
        with open(path, 'rb') as f:
            head = f.read(8)
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(size - 4096, 8))
            tail = f.read()
        if is_truncated_png(head + tail):
            raise ValueError(f'{path}: truncated PNG (no IEND chunk at the end of its {size} '
                             'bytes; the image cannot be decoded)')
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


def group_kfold_indices(groups: Sequence, num_folds: int, fold: int,
                        seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Seeded k-fold split of items by group: the sorted distinct groups are cut into folds
    (:func:`kfold_indices`), so that no group has items on both sides.

    Args:
        groups (Sequence): ``(n,)`` the group of each item (hashable, sortable).
        num_folds (int): Number of folds (at most the number of groups).
        fold (int): The test fold, in ``[0, num_folds)``.
        seed (int): Seed of the shuffle of the groups.

    Returns:
        tuple[ndarray, ndarray]: Sorted indices of the training and the test side.
    """
    distinct = sorted(set(groups))
    _, test_groups = kfold_indices(len(distinct), num_folds, fold, seed)
    held = {distinct[i] for i in test_groups}
    test = np.array([i for i, g in enumerate(groups) if g in held], np.int64)
    train = np.array([i for i, g in enumerate(groups) if g not in held], np.int64)
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


def group_ratio_split_indices(groups: Sequence, test_ratio: float,
                              seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Seeded split of items by group into a training and a test side: the sorted distinct
    groups are split with :func:`ratio_split_indices`, so that no group has items on both sides.
    With one group per item (``groups = range(n)``) this is ``ratio_split_indices(n, ...)``.

    Args:
        groups (Sequence): ``(n,)`` the group of each item (hashable, sortable).
        test_ratio (float): Fraction of the groups on the test side, in ``(0, 1)``.
        seed (int): Seed of the shuffle of the groups.

    Returns:
        tuple[ndarray, ndarray]: Sorted indices of the training and the test side.
    """
    distinct = sorted(set(groups))
    _, test_groups = ratio_split_indices(len(distinct), test_ratio, seed)
    held = {distinct[i] for i in test_groups}
    test = np.array([i for i, g in enumerate(groups) if g in held], np.int64)
    train = np.array([i for i, g in enumerate(groups) if g not in held], np.int64)
    return train, test


def holdout_indices(groups: Sequence, ratio: float, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Seeded group-wise hold-out of a fraction of items, for a validation set.

    The distinct groups (image ids for an image-wise hold-out, object or sequence names for a
    group-wise one) are sorted, shuffled with ``seed``, and the first ``round(ratio * groups)`` of
    them (at least 1, at most all but one) are held out with all their items, so that no group is
    on both sides.

    Args:
        groups (Sequence): ``(n,)`` the group of each item (hashable, sortable).
        ratio (float): Fraction of the groups to hold out, in ``(0, 1)``.
        seed (int): Seed of the shuffle.

    Returns:
        tuple[ndarray, ndarray]: Sorted indices into ``groups`` of the kept and the held-out
        items.

    Raises:
        ValueError: If ``ratio`` is outside ``(0, 1)`` or there are fewer than 2 groups.
    """
    if not 0 < ratio < 1:
        raise ValueError(f'val_ratio must be in (0, 1), got {ratio}')
    distinct = sorted(set(groups))
    if len(distinct) < 2:
        raise ValueError(f'cannot hold out a validation set: the training side has '
                         f'{len(distinct)} group(s) ({distinct[:3]}); it needs at least 2')
    num_held = min(max(int(round(len(distinct) * ratio)), 1), len(distinct) - 1)
    order = seeded_permutation(len(distinct), seed)
    held = {distinct[i] for i in order[:num_held]}
    mask = np.array([g in held for g in groups], dtype=bool)
    idx = np.arange(len(groups))
    return idx[~mask], idx[mask]


FOLD_BY = ('image', 'group')
"""The unit of every cut of a grasp dataset (``fold_by``): single images, or whole groups of
images (a dataset's group is an object for Cornell and Jacquard, a sequence for OCID_grasp, the
``group`` field for a grasp JSON file; each dataset also accepts that name for ``'group'``)."""

SPLITS = ('train', 'val', 'trainval', 'test', 'all')
"""The sides a grasp dataset can load: ``train`` (the training side without the validation
hold-out), ``val`` (the hold-out, drawn from the training side), ``trainval`` (the whole training
side), ``test`` and ``all``."""


def select_split(split: str, train: np.ndarray, test: np.ndarray, n: Optional[int] = None,
                 val: Optional[np.ndarray] = None) -> np.ndarray:
    """Pick the side of a split named in a config.

    The validation set is always a part of the training side, never of the test side
    (docs/conventions.md section 5: nothing is chosen on test data).

    Args:
        split (str): One of :data:`SPLITS`.
        train (ndarray): Indices of the whole training side.
        test (ndarray): Indices of the test side.
        n (int, optional): Number of items, for ``'all'``. Defaults to ``len(train) + len(test)``.
        val (ndarray, optional): Indices of the validation hold-out, a subset of ``train``;
            None when no validation set is held out (``val_ratio=0``). Defaults to None.

    Returns:
        ndarray: The chosen indices, sorted.

    Raises:
        ValueError: On an unknown ``split``, or ``'val'`` without a hold-out.
    """
    if split not in SPLITS:
        raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
    if val is not None and not np.isin(val, train).all():
        raise ValueError('the validation hold-out must be drawn from the training side')
    if split == 'train':
        return train if val is None else np.setdiff1d(train, val)
    if split == 'val':
        if val is None or len(val) == 0:
            raise ValueError("split='val' needs a validation hold-out drawn from the training side:"
                             ' set val_ratio > 0 (the test side is never used for validation)')
        return np.sort(val)
    if split == 'trainval':
        return train
    if split == 'test':
        return test
    return np.arange(len(train) + len(test) if n is None else n)
