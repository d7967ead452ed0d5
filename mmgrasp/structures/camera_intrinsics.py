# Copyright (c) mmgrasp contributors. All rights reserved.
"""Pinhole camera intrinsics of an RGB-D camera, read from a plain JSON file or pyrealsense2."""
import json
from dataclasses import asdict, dataclass
from typing import Any, Mapping, Optional

import numpy as np

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
        depth_scale (float): Metres per unit of the depth image (RealSense ``z16``: 0.001;
            1.0 for a float depth image in metres). Defaults to 0.001.
        width (int, optional): Image width the intrinsics belong to, for a size check.
        height (int, optional): Image height, for a size check.
    """
    fx: float
    fy: float
    cx: float
    cy: float
    depth_scale: float = 0.001
    width: Optional[int] = None
    height: Optional[int] = None

    def __post_init__(self) -> None:
        for name in ('fx', 'fy', 'depth_scale'):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f'CameraIntrinsics.{name} must be a positive number, got {value}')
        for name in ('cx', 'cy'):
            if not np.isfinite(getattr(self, name)):
                raise ValueError(f'CameraIntrinsics.{name} must be finite, got '
                                 f'{getattr(self, name)}')

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
            ValueError: A field is missing or not a number; the message names ``source``.
        """
        values = {}
        k = data.get('K', data.get('k'))
        if k is not None:
            k = np.asarray(k, dtype=np.float64).reshape(-1)
            if k.size != 9:
                raise ValueError(f'{source}: K must hold 9 numbers (row-major 3x3), got {k.size}')
            values = dict(fx=k[0], fy=k[4], cx=k[2], cy=k[5])
        for name, keys in _ALIASES.items():
            if name in values:
                continue
            key = next((key for key in keys if key in data), None)
            if key is None:
                raise ValueError(f'{source}: missing "{name}" (or {" / ".join(keys[1:]) or "K"}); '
                                 f'an intrinsics file needs fx, fy, cx, cy (or ppx, ppy)')
            values[name] = data[key]
        for name in ('depth_scale', 'width', 'height'):
            if data.get(name) is not None:
                values[name] = data[name]
        try:
            floats = {n: float(values[n]) for n in ('fx', 'fy', 'cx', 'cy')}
            extra = {}
            if 'depth_scale' in values:
                extra['depth_scale'] = float(values['depth_scale'])
            for n in ('width', 'height'):
                if n in values:
                    extra[n] = int(values[n])
        except (TypeError, ValueError) as e:
            raise ValueError(f'{source}: intrinsics must be numbers ({e})') from None
        try:
            return cls(**floats, **extra)
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
