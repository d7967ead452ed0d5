# Copyright (c) mmgrasp contributors. All rights reserved.
"""Pinhole camera intrinsics of an RGB-D camera, read from a plain JSON file or pyrealsense2."""
import json
import numbers
from dataclasses import asdict, dataclass
from typing import Any, Mapping, Optional

import numpy as np

#: Smallest focal length, pixels: a focal length in metres (0.002) or normalised by the image
#: size (0.9) is not a pinhole model of pixels.
MIN_FOCAL_PX = 1.0

# accepted spellings of each field: mmgrasp's, pyrealsense2's (rs.intrinsics), ROS CameraInfo's K
_ALIASES = {
    'fx': ('fx', ),
    'fy': ('fy', ),
    'cx': ('cx', 'ppx'),
    'cy': ('cy', 'ppy'),
}


@dataclass(frozen=True)
class CameraIntrinsics:
    """Pinhole intrinsics of the depth image (aligned to the colour image the model sees).

    A pixel ``(u, v)`` with depth ``z`` metres is the camera-frame point
    ``((u - cx) z / fx, (v - cy) z / fy, z)``: x right, y down, z forward along the optical axis.
    ``(u, v)`` are OpenCV's and pyrealsense2's pixel coordinates, where the centre of the top-left
    pixel is ``(0, 0)``; mmgrasp's grasp coordinates put it at ``(0.5, 0.5)`` (docs/conventions.md
    section 1), so a grasp centre ``(x, y)`` is ``(u, v) = (x - 0.5, y - 0.5)``
    (:func:`~mmgrasp.structures.grasps_to_camera_frame` does this).

    Args:
        fx (float): Focal length in pixels along x.
        fy (float): Focal length in pixels along y.
        cx (float): Principal point x in pixels (pyrealsense2: ``ppx``).
        cy (float): Principal point y in pixels (pyrealsense2: ``ppy``).
        depth_scale (float): Metres per unit of the camera's *integer* depth (RealSense
            ``z16``: 0.001, millimetres). A float depth image is in metres and does not use it
            (:func:`~mmgrasp.structures.depth_scale_for`). Defaults to 0.001.
        width (int, optional): Image width the intrinsics belong to, for a size check.
        height (int, optional): Image height, for a size check.

    Raises:
        ValueError: ``fx, fy, cx, cy, depth_scale`` are not finite real numbers (a bool or a
            string is refused), a focal length is under ``MIN_FOCAL_PX`` (1 px),
            ``depth_scale <= 0``, ``width`` / ``height`` are not positive whole numbers, or the
            principal point lies outside ``[0, width) x [0, height)`` where those are known.
    """
    fx: float
    fy: float
    cx: float
    cy: float
    depth_scale: float = 0.001
    width: Optional[int] = None
    height: Optional[int] = None

    def __post_init__(self) -> None:
        for name in ('fx', 'fy', 'cx', 'cy', 'depth_scale'):
            _check_real(getattr(self, name), name)
        for name in ('fx', 'fy'):
            if not getattr(self, name) >= MIN_FOCAL_PX:
                raise ValueError(f'{name} must be a focal length of at least {MIN_FOCAL_PX:g} '
                                 f'pixel, got {getattr(self, name)!r} (a focal length in metres '
                                 'or normalised by the image size is not in pixels)')
        if not self.depth_scale > 0:
            raise ValueError(f'depth_scale must be a positive number of metres per depth unit, '
                             f'got {self.depth_scale!r}')
        for name in ('width', 'height'):
            value = getattr(self, name)
            if value is not None and not (_is_real(value) and float(value).is_integer()
                                          and value > 0):
                raise ValueError(f'{name} must be a positive whole number of pixels, got '
                                 f'{value!r}')
        self._check_principal_point(self.width, self.height)

    def _check_principal_point(self, width: Optional[int], height: Optional[int],
                               image: str = 'the image') -> None:
        """Raise ValueError unless ``cx`` lies in ``[0, width)`` and ``cy`` in ``[0, height)``
        (a side that is None is not checked)."""
        for name, value, size, side in (('cx', self.cx, width, 'width'),
                                        ('cy', self.cy, height, 'height')):
            if size is not None and not 0 <= value < size:
                raise ValueError(f'{name} = {value:g} lies outside {image} ({side} {size} px): '
                                 'the principal point must be inside it, in pixels of the '
                                 'image the depth is aligned to')

    def check_image_size(self, width: int, height: int, source: Optional[str] = None,
                         image: str = 'the image') -> None:
        """Check that these intrinsics fit an image of ``width x height`` pixels.

        Args:
            width (int): The image's width in pixels.
            height (int): Its height.
            source (str, optional): Where the intrinsics come from (their file), for the
                message.
            image (str): The image (its file), for the message.

        Raises:
            ValueError: The intrinsics' own ``width`` / ``height`` differ, or the principal
                point lies outside the image; the message names ``source`` and ``image``.
        """
        where = f'{source}: ' if source else ''
        if self.width not in (None, width) or self.height not in (None, height):
            raise ValueError(f'{where}the intrinsics are for {self.width}x{self.height} '
                             f'images, {image} is {width}x{height}: align the depth to the '
                             'colour image and use the intrinsics of that stream')
        try:
            self._check_principal_point(width, height, image)
        except ValueError as e:
            raise ValueError(f'{where}{e}') from None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any],
                  source: str = 'the intrinsics') -> 'CameraIntrinsics':
        """Read ``fx, fy, cx|ppx, cy|ppy`` and optional ``depth_scale, width, height``.

        A ROS ``CameraInfo``-style ``K`` (or ``k``, 9 numbers, row-major) is accepted instead
        of the four fields.

        Args:
            data (Mapping): The fields.
            source (str): Where they come from, for error messages.

        Raises:
            ValueError: A field is missing, not a number (JSON ``true`` and ``"500"`` are
                refused) or out of range (:class:`CameraIntrinsics`); the message names
                ``source`` and the key.
        """
        values = {}
        k = data.get('K', data.get('k'))
        if k is not None:
            key = 'K' if 'K' in data else 'k'
            try:
                k = np.asarray(k, dtype=object).reshape(-1)
            except ValueError:  # ragged rows
                raise ValueError(f'{source}: {key} must hold 9 numbers (row-major 3x3)') from None
            if k.size != 9:
                raise ValueError(f'{source}: {key} must hold 9 numbers (row-major 3x3), got '
                                 f'{k.size}')
            for i, value in enumerate(k):
                _check_real(value, f'{key}[{i}]', source)
            values = dict(fx=float(k[0]), fy=float(k[4]), cx=float(k[2]), cy=float(k[5]))
        for name, keys in _ALIASES.items():
            if name in values:
                continue
            key = next((key for key in keys if key in data), None)
            if key is None:
                raise ValueError(f'{source}: missing "{name}" (or {" / ".join(keys[1:]) or "K"}); '
                                 f'an intrinsics file needs fx, fy, cx, cy (or ppx, ppy)')
            _check_real(data[key], key, source)
            values[name] = float(data[key])
        for name in ('depth_scale', 'width', 'height'):
            if data.get(name) is not None:
                _check_real(data[name], name, source)
                values[name] = (float(data[name]) if name == 'depth_scale' else
                                int(data[name]) if float(data[name]).is_integer() else
                                data[name])
        try:
            return cls(**values)
        except ValueError as e:
            raise ValueError(f'{source}: {e}') from None

    @classmethod
    def from_json(cls, path: str) -> 'CameraIntrinsics':
        """Read a JSON file of :meth:`from_dict`'s fields (the pyrealsense2 names work too)."""
        try:
            with open(path) as f:
                data = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f'{path}: not valid JSON (line {e.lineno}: {e.msg})') from None
        if not isinstance(data, dict):
            raise ValueError(f'{path}: expected a JSON object with fx, fy, cx, cy')
        return cls.from_dict(data, source=path)

    @classmethod
    def from_realsense(cls, intrinsics: Any, depth_scale: float = 0.001) -> 'CameraIntrinsics':
        """From a ``pyrealsense2.intrinsics`` (``fx, fy, ppx, ppy, width, height``).

        Args:
            intrinsics: ``profile.as_video_stream_profile().get_intrinsics()`` of the stream
                the depth is aligned to.
            depth_scale (float): ``device.first_depth_sensor().get_depth_scale()``.
        """
        return cls(fx=float(intrinsics.fx), fy=float(intrinsics.fy), cx=float(intrinsics.ppx),
                   cy=float(intrinsics.ppy), depth_scale=float(depth_scale),
                   width=int(intrinsics.width), height=int(intrinsics.height))

    def to_dict(self) -> dict:
        """The fields, for a JSON file :meth:`from_json` reads back."""
        return asdict(self)

    def backproject(self, uv: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Camera-frame points of pixels ``uv`` ``(..., 2)`` at depths ``z`` ``(...)`` metres.

        Returns:
            ndarray: ``(..., 3)`` points ``(X, Y, Z)`` in metres.
        """
        uv = np.asarray(uv, dtype=np.float64)
        z = np.asarray(z, dtype=np.float64)
        return np.stack([(uv[..., 0] - self.cx) * z / self.fx,
                         (uv[..., 1] - self.cy) * z / self.fy, z], axis=-1)

    def rays(self, uv: np.ndarray) -> np.ndarray:
        """Unit viewing rays ``(..., 3)`` through pixels ``uv`` ``(..., 2)`` (z > 0)."""
        d = self.backproject(uv, np.ones(np.shape(uv)[:-1]))
        return d / np.linalg.norm(d, axis=-1, keepdims=True)


def _is_real(value: Any) -> bool:
    """A real number: int or float (Python or numpy), not a bool (a subclass of int)."""
    return (isinstance(value, numbers.Real)
            and not isinstance(value, (bool, np.bool_)))


def _check_real(value: Any, key: str, source: Optional[str] = None) -> None:
    """Raise ValueError naming ``source`` and ``key`` unless ``value`` is a finite real number.

    JSON ``true`` (a bool, which Python counts as an int) and ``"500"`` (a string) are refused.
    """
    if not _is_real(value) or not np.isfinite(float(value)):
        where = f'{source}: ' if source else ''
        raise ValueError(f'{where}{key} must be a finite number, got {value!r} '
                         f'({type(value).__name__})')
