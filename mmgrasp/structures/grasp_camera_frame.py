# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasps in pixels -> grasps an arm can execute: metres in the camera frame.

Given grasps ``(x, y, w, h, theta)`` in pixels of an image, the depth image aligned to it and the
camera intrinsics, :func:`grasps_to_camera_frame` returns per grasp:

- ``position``: the 3-D grasp centre (metres, camera frame: x right, y down, z forward);
- ``approach``: the unit direction the gripper moves along to reach it: the viewing ray through
  the centre (``approach='ray'``, a top-down grasp as the camera sees it) or the local surface
  normal (``approach='normal'``), both pointing away from the camera;
- ``closing``: the unit direction the plates close along (the opening axis ``theta`` in 3-D, made
  perpendicular to ``approach``); ``rotation``: the ``(3, 3)`` gripper frame with columns
  ``closing``, ``approach x closing`` (along the plates) and ``approach`` (right-handed);
- ``opening`` and ``jaw``: ``w`` and ``h`` in metres (the 3-D distance between the two plate
  points, and between the two ends of a plate);
- ``depth``: the centre's depth; ``valid``: False where no depth could be read, the centre lies
  outside the image, the grasp is not finite, or the result is implausible for a tabletop
  gripper (then NaN); ``reason`` says why, e.g. ``'no depth at the grasp'``.

**Plausibility.** A grasp whose depth lies outside ``MIN_DEPTH_M``-``MAX_DEPTH_M`` (0.1-10 m),
whose opening is not in ``(0, MAX_OPENING_M]`` (0.5 m) or whose jaw exceeds ``MAX_JAW_M``
(0.5 m) is invalid, with the numbers in its ``reason``: a depth read in the wrong unit
(millimetres taken as metres: 500 m, an opening of 25 m) is flagged, never passed on.

**Units.** The depth image's unit follows :func:`~mmgrasp.structures.depth_scale_for`: a float
image is metres, an integer one is in units of ``intrinsics.depth_scale`` (0.001: millimetres),
an 8-bit one is refused. Convert other units yourself (``depth * scale``, a float array).

**The depth window and holes.** Depth is read from a ``window x window`` patch around the
centre pixel. Values that are 0, negative or not finite are holes and are skipped. The centre
depth is the median of the valid values; with none, the grasp is invalid. The valid points are
also fitted with a plane (least squares); the fit is used when it rests on 6 or more points over
3 or more rows and columns, faces the camera (normal within 78 degrees of the viewing ray) and
predicts the measured depths to ``plane_tol`` metres RMS (a window across an object's edge is
not a plane), else the surface is taken as the fronto-parallel plane at the median depth. The
centre is where its viewing ray meets that surface.

**The plates.** A grasp's plates lie *beyond* the object's edge, where the depth image shows the
table, not the height at which the gripper closes. So by default (``plate_depth='surface'``) the
plates and the jaw ends are placed where their viewing rays meet the surface at the centre; on a
flat or tilted face this is exact. ``plate_depth='measured'`` reads the median depth in a window at
each plate instead (holes there fall back to the surface).

Pixel coordinates: mmgrasp puts the centre of the top-left pixel at ``(0.5, 0.5)``, OpenCV and
pyrealsense2 at ``(0, 0)``; the conversion subtracts 0.5 (:class:`CameraIntrinsics`).
"""
from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

import numpy as np

from .camera_intrinsics import CameraIntrinsics
from .depth_units import MAX_DEPTH_M, MIN_DEPTH_M, depth_scale_for

APPROACHES = ('ray', 'normal')
PLATE_DEPTHS = ('surface', 'measured')
#: Widest plausible opening and longest plausible jaw of a grasp, metres.
MAX_OPENING_M = 0.5
MAX_JAW_M = 0.5
#: ``reason`` of a grasp whose depth window held no valid depth.
NO_DEPTH = 'no depth at the grasp'


@dataclass
class GraspPoses:
    """``N`` grasps in the camera frame (metres); see the module docstring.

    Attributes:
        position (ndarray): ``(N, 3)``.
        approach (ndarray): ``(N, 3)`` unit vectors, ``z > 0``.
        closing (ndarray): ``(N, 3)`` unit vectors perpendicular to ``approach``.
        rotation (ndarray): ``(N, 3, 3)``, columns ``closing, approach x closing, approach``.
        opening (ndarray): ``(N,)`` metres between the plates.
        jaw (ndarray): ``(N,)`` plate length in metres.
        depth (ndarray): ``(N,)`` median depth around the centre, metres.
        valid (ndarray): ``(N,)`` bool; False where the grasp could not be lifted or the
            result is implausible (its other fields are then NaN).
        reason (list[str], optional): ``N`` strings, why a grasp is invalid (``''`` where valid).
            Defaults to ``'invalid'`` for each invalid grasp.
    """
    position: np.ndarray
    approach: np.ndarray
    closing: np.ndarray
    rotation: np.ndarray
    opening: np.ndarray
    jaw: np.ndarray
    depth: np.ndarray
    valid: np.ndarray
    reason: Optional[List[str]] = None

    def __post_init__(self) -> None:
        if self.reason is None:
            self.reason = ['' if v else 'invalid' for v in self.valid]

    def __len__(self) -> int:
        return len(self.valid)

    def to_records(self, digits: int = 6) -> List[dict]:
        """JSON-ready dicts, one per grasp: ``valid``, ``reason`` (None where valid) and the
        fields in metres (None for an invalid grasp)."""
        records = []
        for i in range(len(self)):
            if not self.valid[i]:
                records.append(
                    dict(valid=False, reason=self.reason[i], position_m=None, approach=None,
                         closing=None, rotation=None, opening_m=None, jaw_m=None,
                         depth_m=None))
                continue

            def r(a):
                return np.round(np.asarray(a, dtype=np.float64), digits).tolist()

            records.append(
                dict(valid=True, reason=None, position_m=r(self.position[i]),
                     approach=r(self.approach[i]), closing=r(self.closing[i]),
                     rotation=r(self.rotation[i]),
                     opening_m=r(self.opening[i]), jaw_m=r(self.jaw[i]),
                     depth_m=r(self.depth[i])))
        return records


def depth_in_metres(depth: np.ndarray, intrinsics: CameraIntrinsics) -> np.ndarray:
    """``(H, W)`` depth image -> float64 metres, holes as NaN.

    The unit follows :func:`~mmgrasp.structures.depth_scale_for` (no warning here: the grasps
    are checked one by one): float = metres, integer = ``intrinsics.depth_scale`` metres per
    unit, 8-bit refused.
    """
    depth = np.asarray(depth)
    if depth.ndim == 3 and depth.shape[2] == 1:
        depth = depth[..., 0]
    if depth.ndim != 2:
        raise ValueError(f'depth must be an (H, W) image, got shape {depth.shape}')
    h, w = depth.shape
    intrinsics.check_image_size(w, h, image='the depth image')
    scale, _ = depth_scale_for(depth, intrinsics_scale=intrinsics.depth_scale, warn=False)
    z = depth.astype(np.float64) * scale
    z[~np.isfinite(z) | (z <= 0)] = np.nan
    return z


def _window(z: np.ndarray, x: float, y: float, size: int) -> Tuple[np.ndarray, np.ndarray]:
    """Valid depths of the ``size x size`` patch around mmgrasp point ``(x, y)`` and their
    OpenCV pixel coordinates ``(M, 2)``."""
    h, w = z.shape
    i, j = int(np.floor(y)), int(np.floor(x))
    r = size // 2
    i0, i1, j0, j1 = max(i - r, 0), min(i + r + 1, h), max(j - r, 0), min(j + r + 1, w)
    if i0 >= i1 or j0 >= j1:
        return np.zeros(0), np.zeros((0, 2))
    patch = z[i0:i1, j0:j1]
    rows, cols = np.nonzero(np.isfinite(patch))
    return patch[rows, cols], np.stack([cols + j0, rows + i0], axis=1).astype(np.float64)


def _surface(points: np.ndarray, pixels: np.ndarray, median: float,
             plane_tol: float) -> Tuple[np.ndarray, float]:
    """Plane ``n . p = d`` (``d > 0``, ``n`` pointing away from the camera) fitted to ``(M, 3)``
    points seen at OpenCV pixels ``(M, 2)``, or the fronto-parallel plane ``z = median``.

    The fit is kept when it rests on at least 6 points spanning 3 or more rows and columns of
    the window, faces the camera (its normal within 78 degrees of the viewing ray to the
    points' centroid) and predicts the measured depths along the points' viewing rays to
    ``plane_tol`` metres RMS (a window across an object's edge fails this: its best plane is a
    wall along the edge).
    """
    if (len(points) >= 6 and len(np.unique(pixels[:, 0])) >= 3
            and len(np.unique(pixels[:, 1])) >= 3):
        centroid = points.mean(axis=0)
        _, _, vt = np.linalg.svd(points - centroid, full_matrices=False)
        n = vt[2] if vt[2] @ centroid > 0 else -vt[2]
        d = float(n @ centroid)
        if n @ (centroid / np.linalg.norm(centroid)) >= 0.2:
            rays = points / points[:, 2:3]  # z = 1
            with np.errstate(divide='ignore', invalid='ignore'):
                predicted = d / (rays @ n)
            if np.sqrt(np.mean((predicted - points[:, 2])**2)) <= plane_tol:
                return n, d
    return np.array([0.0, 0.0, 1.0]), float(median)


def _on_surface(intrinsics: CameraIntrinsics, uv: np.ndarray, n: np.ndarray,
                d: float) -> np.ndarray:
    """Where the viewing rays of OpenCV pixels ``uv`` ``(K, 2)`` meet the plane ``n . p = d``."""
    rays = intrinsics.backproject(uv, np.ones(len(uv)))  # (K, 3), z = 1
    denom = rays @ n
    with np.errstate(divide='ignore', invalid='ignore'):
        t = np.where(np.abs(denom) > 1e-9, d / denom, np.nan)
    t[~(t > 0)] = np.nan  # a ray that meets the plane behind the camera has no point on it
    return rays * t[:, None]


def implausible_grasp_reason(depth: float, opening: float, jaw: float) -> str:
    """Why a lifted grasp is implausible for a tabletop gripper, ``''`` if it is not.

    Args:
        depth (float): The centre's depth, metres: within ``MIN_DEPTH_M``-``MAX_DEPTH_M``.
        opening (float): Metres between the plates: in ``(0, MAX_OPENING_M]``.
        jaw (float): Plate length, metres: at most ``MAX_JAW_M``.

    Returns:
        str: The broken ranges with the numbers, joined by ``'; '``.
    """
    problems = []
    if not MIN_DEPTH_M <= depth <= MAX_DEPTH_M:
        problems.append(f'depth {depth:.4g} m outside the plausible '
                        f'{MIN_DEPTH_M:g}-{MAX_DEPTH_M:g} m (depth in the wrong unit?)')
    if not 0 < opening <= MAX_OPENING_M:
        problems.append(f'opening {opening:.4g} m outside the plausible (0, {MAX_OPENING_M:g}] m')
    if not jaw <= MAX_JAW_M:  # a jaw of 0 (h = 0) is a point contact, not an error
        problems.append(f'jaw {jaw:.4g} m over the plausible {MAX_JAW_M:g} m')
    return '; '.join(problems)


def _lift_one(grasp: np.ndarray, z: np.ndarray, intrinsics: CameraIntrinsics, window: int,
              approach: str, plate_depth: str, plane_tol: float) -> Union[dict, str]:
    """One grasp ``(x, y, w, h, theta)`` -> its :class:`GraspPoses` fields, or why it cannot
    be lifted (:func:`grasps_to_camera_frame`'s arguments, ``z`` in metres)."""
    height, width = z.shape
    x, y, w, h, theta = grasp
    if not np.all(np.isfinite(grasp)):
        return 'the grasp is not finite'
    if not (0 <= x < width and 0 <= y < height):
        return 'the centre lies outside the image'  # no depth of its own
    values, pixels = _window(z, x, y, window)
    if len(values) == 0:
        return NO_DEPTH
    median = float(np.median(values))
    n, d = _surface(intrinsics.backproject(pixels, values), pixels, median, plane_tol)
    u = np.array([np.cos(theta), np.sin(theta)])  # opening axis on screen
    v = np.array([-np.sin(theta), np.cos(theta)])  # along the plates
    c = np.array([x, y])
    pts = np.stack([c, c - u * w / 2, c + u * w / 2, c - v * h / 2, c + v * h / 2])
    world = _on_surface(intrinsics, pts - 0.5, n, d)  # (5, 3)
    if plate_depth == 'measured':
        for p in (1, 2):
            if not (0 <= pts[p, 0] < width and 0 <= pts[p, 1] < height):
                continue
            plate_values, _ = _window(z, pts[p, 0], pts[p, 1], window)
            if len(plate_values):
                world[p] = intrinsics.backproject(pts[p] - 0.5, np.median(plate_values))
    if not np.all(np.isfinite(world)):
        return 'a plate or jaw end does not meet the surface'
    centre = world[0]
    a = centre / np.linalg.norm(centre) if approach == 'ray' else n
    closing = world[2] - world[1]
    closing = closing - (closing @ a) * a
    norm = np.linalg.norm(closing)
    if norm < 1e-12:
        return 'opening 0 m: the plates coincide'
    closing = closing / norm
    return dict(position=centre, approach=a, closing=closing,
                rotation=np.stack([closing, np.cross(a, closing), a], axis=1),
                opening=np.linalg.norm(world[2] - world[1]),
                jaw=np.linalg.norm(world[4] - world[3]), depth=median)


def grasps_to_camera_frame(grasps: np.ndarray,
                           depth: np.ndarray,
                           intrinsics: CameraIntrinsics,
                           window: int = 9,
                           approach: str = 'ray',
                           plate_depth: str = 'surface',
                           plane_tol: float = 0.005) -> GraspPoses:
    """Grasps in pixels of the colour image -> grasps in metres in the camera frame.

    Args:
        grasps (ndarray): ``(N, 5)`` grasps ``(x, y, w, h, theta)`` in pixels of the image the
            depth is aligned to (what the inference API returns).
        depth (ndarray): ``(H, W)`` depth image: integer raw units (``intrinsics.depth_scale``
            metres each) or float metres (:func:`depth_in_metres`); 0 and NaN are holes.
        intrinsics (CameraIntrinsics): Of that image.
        window (int): Side of the depth window around the centre (and each plate), odd.
            Defaults to 9.
        approach (str): ``'ray'`` or ``'normal'``. Defaults to ``'ray'``.
        plate_depth (str): ``'surface'`` or ``'measured'``. Defaults to ``'surface'``.
        plane_tol (float): Largest RMS residual (metres) of the plane fitted to the window.
            Defaults to 0.005.

    Returns:
        GraspPoses: Per grasp, in the input order; implausible ones invalid (module docstring).
    """
    if approach not in APPROACHES:
        raise ValueError(f'approach must be one of {APPROACHES}, got {approach!r}')
    if plate_depth not in PLATE_DEPTHS:
        raise ValueError(f'plate_depth must be one of {PLATE_DEPTHS}, got {plate_depth!r}')
    if window < 1 or window % 2 == 0:
        raise ValueError(f'window must be a positive odd number of pixels, got {window}')
    g = np.asarray(grasps, dtype=np.float64).reshape(-1, 5)
    z = depth_in_metres(depth, intrinsics)
    n_grasps = len(g)
    out = dict(position=np.full((n_grasps, 3), np.nan), approach=np.full((n_grasps, 3), np.nan),
               closing=np.full((n_grasps, 3), np.nan),
               rotation=np.full((n_grasps, 3, 3), np.nan), opening=np.full(n_grasps, np.nan),
               jaw=np.full(n_grasps, np.nan), depth=np.full(n_grasps, np.nan),
               valid=np.zeros(n_grasps, dtype=bool))
    reasons = []
    for k in range(n_grasps):
        lifted = _lift_one(g[k], z, intrinsics, window, approach, plate_depth, plane_tol)
        if isinstance(lifted, str):
            reasons.append(lifted)
            continue
        reason = implausible_grasp_reason(lifted['depth'], lifted['opening'], lifted['jaw'])
        reasons.append(reason)
        if not reason:
            for key, value in lifted.items():
                out[key][k] = value
            out['valid'][k] = True
    out['reason'] = reasons
    return GraspPoses(**out)
