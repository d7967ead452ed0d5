# Copyright (c) mmgrasp contributors. All rights reserved.
"""Checks shared by the grasp JSON loader and the labelme and CVAT converters: text encoding,
declared image sizes and grasp sizes (docs/bad_data.md).

Values that parse but cannot be right are refused with an error naming the file and the line
or entry, never truncated or passed on:

- **encoding**: annotation files are UTF-8 (labelme and CVAT write it, JSON requires it). A
  UTF-8 byte order mark is skipped; any other encoding (latin-1, UTF-16) is an error with the
  line and column of the first byte that is not UTF-8.
- **image size**: a declared ``width`` and ``height`` are whole positive numbers of pixels, at
  most :data:`MAX_IMAGE_SIDE` each, and equal to the size of the image file (read from its
  header), since the masks are drawn and the grasps checked at the declared size.
- **grasp size**: an opening or jaw longer than :data:`MAX_GRASP_DIAGONALS` times the image
  diagonal is refused: no such rectangle fits in the image in any orientation, and a grasp of
  1e30 px has no anchor to match, so the image would train with no positive at all. It is a
  unit or scale mistake of the whole file more likely than of one grasp, hence an error, not a
  drop (grasps *below* 1 px are dropped with a warning: ``MIN_GRASP_SIZE``). The largest grasps
  of the real samples are 0.12 (Cornell folder 01) and 0.19 (Jacquard samples) of the diagonal.
"""
import codecs
import json
import math
import re
from typing import Any, Optional, Sequence, Tuple

import numpy as np

from .utils import image_size

MAX_IMAGE_SIDE = 16384
"""Largest declared image width or height, in pixels. A 48 MP camera gives 8064 x 6048; a
mask of 16384 x 16384 is already 256 MiB, and a typo (``imageWidth: 200000``) would otherwise be
drawn as a mask of that size."""

MAX_GRASP_DIAGONALS = 1.0
"""Largest grasp opening or jaw, as a multiple of the image diagonal (module docstring)."""

_MAX_LISTED = 5


def decode_utf8(data: bytes, path: str) -> str:
    """The text of an annotation file's bytes, refusing any encoding but UTF-8.

    A leading UTF-8 byte order mark (as Windows Notepad writes) is skipped.

    Args:
        data (bytes): The file's content.
        path (str): The file, for the message.

    Returns:
        str: The text.

    Raises:
        ValueError: The bytes are not UTF-8 (the message has the line and column of the first
            bad byte), or hold NUL bytes (UTF-16 without a byte order mark).
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    utf16 = data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    nul = data.find(b'\x00')  # never in a text file: UTF-16 without a byte order mark
    try:
        text, bad = data.decode('utf-8'), -1
    except UnicodeDecodeError as e:
        text, bad = '', e.start
    if nul >= 0 and (bad < 0 or nul < bad):
        bad, what, utf16 = nul, 'a NUL byte', True
    elif bad >= 0:
        what = f'byte 0x{data[bad]:02x}'
    else:
        return text
    start = data.rfind(b'\n', 0, bad) + 1
    line = data.count(b'\n', 0, bad) + 1
    column = len(data[start:bad].decode('utf-8', errors='replace')) + 1
    hint = ' (it looks like UTF-16)' if utf16 else ''
    raise ValueError(f'{path}, line {line}, column {column}: not UTF-8 text ({what}){hint}; '
                     'save the file as UTF-8')


def load_json_file(path: str) -> Tuple[Any, str]:
    """Read a JSON annotation file: UTF-8 only (:func:`decode_utf8`), errors with the line.

    Args:
        path (str): The file.

    Returns:
        tuple[Any, str]: The document and its text (to find the line of a key later).

    Raises:
        ValueError: It is not UTF-8 or not valid JSON (the message names the line and column).
    """
    with open(path, 'rb') as f:
        text = decode_utf8(f.read(), path)
    try:
        return json.loads(text), text
    except json.JSONDecodeError as e:
        raise ValueError(f'{path}, line {e.lineno}, column {e.colno}: not valid JSON '
                         f'({e.msg})') from None


def key_line(text: str, key: str) -> Optional[int]:
    """The line of the first ``"key":`` in a JSON text (1-based), None if it is not there."""
    match = re.search(r'"' + re.escape(key) + r'"\s*:', text)
    return text.count('\n', 0, match.start()) + 1 if match else None


def check_image_size(width: Any, height: Any, where: str,
                     names: Tuple[str, str] = ('width', 'height')) -> Tuple[int, int]:
    """Refuse a declared image size that is not two whole positive numbers up to
    :data:`MAX_IMAGE_SIDE`.

    Args:
        width (Any): The declared width (an int; a bool or float is refused).
        height (Any): The declared height.
        where (str): The file and entry, for the message.
        names (tuple[str, str]): How the file calls them. Defaults to ``('width', 'height')``.

    Returns:
        tuple[int, int]: ``(width, height)``.

    Raises:
        ValueError: Not positive integers, or a side over :data:`MAX_IMAGE_SIDE`.
    """
    what = f'{where}: {names[0]} x {names[1]} {width!r} x {height!r}'
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (width, height)):
        raise ValueError(f'{what}: each must be a positive integer (pixels)')
    if max(width, height) > MAX_IMAGE_SIDE:
        raise ValueError(f'{what}: larger than {MAX_IMAGE_SIDE} px on a side '
                         '(mmgrasp.datasets.annotation_checks.MAX_IMAGE_SIDE); not a plausible '
                         'image size')
    return width, height


def check_size_matches_image(width: int, height: int, img_path: str, where: str,
                             names: Tuple[str, str] = ('width', 'height')) -> None:
    """Refuse a declared size that is not the image file's (read from its header).

    Args:
        width (int): The declared width.
        height (int): The declared height.
        img_path (str): The image file.
        where (str): The file and entry that declare the size, for the message.
        names (tuple[str, str]): How the file calls them. Defaults to ``('width', 'height')``.

    Raises:
        ValueError: The sizes differ (or the image is not readable: :func:`image_size`).
    """
    real_height, real_width = image_size(img_path)
    if (width, height) != (real_width, real_height):
        raise ValueError(
            f'{where}: {names[0]} x {names[1]} {width} x {height} disagree with the image '
            f'{img_path} ({real_width} x {real_height}); the file describes another image (or a '
            'resized copy): fix the size, or re-annotate the image')


def oversized_grasps(grasps: np.ndarray, width: int, height: int) -> np.ndarray:
    """Which grasps have an opening or jaw over :data:`MAX_GRASP_DIAGONALS` image diagonals,
    or a size that is not finite.

    Args:
        grasps (ndarray): ``(N, 5)`` grasps ``(x, y, w, h, theta)``.
        width (int): Image width.
        height (int): Image height.

    Returns:
        ndarray: ``(N,)`` bool.
    """
    sizes = np.asarray(grasps, dtype=np.float64).reshape(-1, 5)[:, 2:4]
    limit = MAX_GRASP_DIAGONALS * math.hypot(width, height)
    return ~(np.isfinite(sizes).all(axis=1) & (sizes <= limit).all(axis=1))


def check_grasp_sizes(grasps: np.ndarray, width: int, height: int, names: Sequence[str],
                      where: str) -> None:
    """Refuse grasps too large for their image (:func:`oversized_grasps`), naming them.

    Args:
        grasps (ndarray): ``(N, 5)`` grasps ``(x, y, w, h, theta)``.
        width (int): Image width.
        height (int): Image height.
        names (Sequence[str]): ``(N,)`` the entry of each grasp (``'annotations[3] (id 3)'``).
        where (str): What precedes the names in the message (the file), or ``''``.

    Raises:
        ValueError: Naming the first oversized grasps and how many there are.
    """
    bad = np.flatnonzero(oversized_grasps(grasps, width, height))
    if not len(bad):
        return
    grasps = np.asarray(grasps, dtype=np.float64).reshape(-1, 5)
    diagonal = math.hypot(width, height)
    first = bad[0]
    more = ''
    if len(bad) > 1:
        others = ', '.join(names[i] for i in bad[1:1 + _MAX_LISTED])
        rest = len(bad) - 1 - _MAX_LISTED
        more = f'; also {others}' + (f' and {rest} more' if rest > 0 else '')
    prefix = f'{where}: ' if where else ''
    w, h = grasps[first, 2:4]
    problem = (f'is longer than the image diagonal ({diagonal:.0f} px of the {width} x {height} '
               'image)' if np.isfinite([w, h]).all() else 'is not finite')
    raise ValueError(
        f'{prefix}{names[first]}: opening {w:.4g} px or jaw {h:.4g} px {problem}: not a '
        'plausible grasp (a unit or scale mistake?); the limit is '
        f'mmgrasp.datasets.annotation_checks.MAX_GRASP_DIAGONALS = {MAX_GRASP_DIAGONALS:g} '
        f'diagonal{more}')
