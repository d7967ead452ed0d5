# Copyright (c) mmgrasp contributors. All rights reserved.
"""Which unit a depth image is in: metres per raw value, decided from its dtype and its values.

The rule (docs/inference.md, "Grasps in metres"):

1. An explicit scale (the demo's ``--depth-scale``, ``explicit_scale`` here) wins, for any dtype.
2. Otherwise a float depth (float16/32/64) is in metres (scale 1.0), whatever the intrinsics say:
   a camera's ``depth_scale`` (RealSense ``get_depth_scale()``) is the unit of its *raw integer*
   stream, and a float image has already been converted (Jacquard's ``perfect_depth.tiff``).
3. An integer depth of 16 bits or more (uint16: RealSense ``z16``, OCID, most datasets) is in
   units of the intrinsics' ``depth_scale`` (``intrinsics_scale``), millimetres (0.001) when
   none is given.
4. An 8-bit (or boolean) image is not a depth image (a visualisation, a mask): refused unless an
   explicit scale is given. Any other dtype (complex, strings, objects) is refused.

After the decision, the median of the valid values (finite and > 0) times the scale must lie in
``MIN_DEPTH_M``-``MAX_DEPTH_M`` (0.1-10 m, a tabletop camera's range); otherwise a
:class:`DepthUnitWarning` names the file, the scale, the resulting median depth and the scale
that would make it plausible. Grasps are also checked one by one
(:func:`~mmgrasp.structures.grasps_to_camera_frame`), so a wrong unit never passes silently.
"""
import warnings
from typing import Optional, Tuple

import numpy as np

#: Nearest and farthest plausible depth, metres, of a grasp (and of a depth image's median).
MIN_DEPTH_M = 0.1
MAX_DEPTH_M = 10.0
#: Metres per unit of integer depth when nothing else is known: millimetres (RealSense ``z16``).
DEFAULT_INTEGER_SCALE = 0.001
#: Scales tried, in this order, to suggest one that gives a plausible depth.
COMMON_SCALES = (1.0, 0.001, 0.0001, 0.00025, 0.01)


class DepthUnitWarning(UserWarning):
    """A depth image's median depth is implausible with the scale it is read with."""


def _dtype_scale(depth: np.ndarray, path: str,
                 intrinsics_scale: Optional[float]) -> Tuple[float, str]:
    """Scale and reason from the dtype alone (rules 2-4 of the module docstring)."""
    dtype = depth.dtype
    if np.issubdtype(dtype, np.floating):
        reason = f'{dtype} depth: metres'
        if intrinsics_scale is not None and intrinsics_scale != 1.0:
            reason += (f' (the intrinsics\' depth_scale {intrinsics_scale:g} is the unit of '
                       'integer depth and is not applied to a float image)')
        return 1.0, reason
    if dtype == np.bool_ or (np.issubdtype(dtype, np.integer) and dtype.itemsize == 1):
        kind = 'a boolean' if dtype == np.bool_ else f'an 8-bit ({dtype})'
        raise ValueError(
            f'{path}: {kind} image is not a depth image (depth is 16-bit integers, e.g. '
            'millimetres as RealSense z16 stores them, or floats in metres; an 8-bit image is '
            'a visualisation or a mask); if it really is depth, give its metres per unit '
            'explicitly (demo: --depth-scale)')
    if np.issubdtype(dtype, np.integer):
        if intrinsics_scale is None or intrinsics_scale == DEFAULT_INTEGER_SCALE:
            return DEFAULT_INTEGER_SCALE, (f'{dtype} depth: millimetres '
                                           f'({DEFAULT_INTEGER_SCALE:g} m per unit)')
        return float(intrinsics_scale), (f'{dtype} depth: {intrinsics_scale:g} m per unit (the '
                                         'intrinsics\' depth_scale)')
    raise ValueError(f'{path}: a depth image holds numbers, this one is {dtype}')


def median_depth(depth: np.ndarray, scale: float) -> Optional[float]:
    """Median of the valid (finite, > 0) values of ``depth`` times ``scale``; None if none."""
    values = np.asarray(depth, dtype=np.float64).reshape(-1)
    values = values[np.isfinite(values) & (values > 0)]
    return float(np.median(values)) * scale if values.size else None


def implausible_depth_message(depth: np.ndarray, scale: float, path: str,
                              reason: str = '') -> Optional[str]:
    """Why ``depth`` read with ``scale`` is implausible, or None when its median is plausible.

    Args:
        depth (ndarray): The raw depth image.
        scale (float): Metres per raw unit it is read with.
        path (str): Its file, for the message.
        reason (str): Where the scale comes from, for the message.

    Returns:
        str | None: A message naming the file, the scale, the median depth in metres and, where
        one of :data:`COMMON_SCALES` makes it plausible, that scale.
    """
    median = median_depth(depth, scale)
    if median is None:
        return (f'{path}: no valid depth (every value is 0, negative or not finite): no grasp '
                'can be placed in metres')
    if MIN_DEPTH_M <= median <= MAX_DEPTH_M:
        return None
    raw = median / scale
    likely = next((s for s in COMMON_SCALES if MIN_DEPTH_M <= raw * s <= MAX_DEPTH_M), None)
    hint = (f'the depth is likely {likely:g} m per unit (--depth-scale {likely:g}, giving '
            f'{raw * likely:.4g} m)' if likely is not None else
            'no common scale gives a plausible depth: check the file')
    source = f' ({reason})' if reason else ''
    return (f'{path}: with depth scale {scale:g}{source} the median depth is {median:.4g} m, '
            f'outside the plausible {MIN_DEPTH_M:g}-{MAX_DEPTH_M:g} m; {hint}')


def depth_scale_for(depth: np.ndarray,
                    path: str = 'the depth image',
                    explicit_scale: Optional[float] = None,
                    intrinsics_scale: Optional[float] = None,
                    warn: bool = True) -> Tuple[float, str]:
    """Metres per raw unit of ``depth`` and why (the module docstring's rule).

    Args:
        depth (ndarray): The depth image as read (its dtype matters).
        path (str): Its file, for messages. Defaults to ``'the depth image'``.
        explicit_scale (float, optional): A scale the user gave (``--depth-scale``); it wins.
        intrinsics_scale (float, optional): The intrinsics' ``depth_scale``; applies to integer
            depth only.
        warn (bool): Issue a :class:`DepthUnitWarning` when the median depth is implausible.
            Defaults to True.

    Returns:
        tuple[float, str]: The scale and a one-line reason, e.g. ``'uint16 depth: millimetres
        (0.001 m per unit)'``.

    Raises:
        ValueError: An 8-bit or boolean image without ``explicit_scale``, a non-numeric dtype, or
            a scale that is not a positive finite number; the message names ``path``.
    """
    depth = np.asarray(depth)
    if explicit_scale is not None:
        if isinstance(explicit_scale, (bool, np.bool_)) or not (
                np.isfinite(explicit_scale) and explicit_scale > 0):
            raise ValueError(f'{path}: the depth scale must be a positive number of metres per '
                             f'unit, got {explicit_scale!r}')
        if not (np.issubdtype(depth.dtype, np.integer)
                or np.issubdtype(depth.dtype, np.floating)):
            raise ValueError(f'{path}: a depth image holds numbers, this one is {depth.dtype}')
        scale, reason = float(explicit_scale), (f'{depth.dtype} depth: {explicit_scale:g} m per '
                                                'unit, given explicitly')
    else:
        scale, reason = _dtype_scale(depth, path, intrinsics_scale)
    if warn:
        message = implausible_depth_message(depth, scale, path, reason)
        if message is not None:
            warnings.warn(message, DepthUnitWarning, stacklevel=2)
    return scale, reason
