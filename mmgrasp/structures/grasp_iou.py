# Copyright (c) mmgrasp contributors. All rights reserved.
"""Exact rotated IoU of grasp rectangles.

Two backends:

- ``'exact'`` (default): the intersection polygon by clipping one rectangle with the four
  half-planes of the other (Sutherland-Hodgman), vectorised over all pairs in float64 torch.
  It matches shapely to 1e-9 for every configuration, including the ones that grasp data is full
  of: same centre and angle with other jaw sizes (Jacquard repeats each grasp with several jaws),
  and predictions on a bin centre parallel to the ground truth.
- ``'mmcv'``: mmcv's compiled ``box_iou_rotated`` (float32). It is faster but wrong when edges are
  (nearly) collinear. Called directly on two grasps with the same centre (211.03, 378.45) and
  angle 0.4211 rad, openings 46.87 and 42.33 px, jaw 37.37 px, it returns 0.729 where the IoU is
  0.903; the same rectangle turned by pi gets 0.33 instead of 1. Even with each pair shifted to
  the origin and the angles aligned mod pi (done here), 405 of 3,000 grasp-like pairs with
  collinear edges were off by more than 1e-5 (up to 0.95). Use it only where that does not
  matter.

Angles follow the grasp convention (from +x towards +y, clockwise on screen), mmcv's
``clockwise=True``.
"""
from typing import Union

import numpy as np
import torch

from .grasp_angles import ArrayLike, _as_tensor, wrap_angle, wrap_angle_half

# Pairs processed at once: bounds the (chunk, 16, 2) float64 buffers to a few tens of MB.
_CHUNK = 1 << 17
_MAX_VERTS = 8  # two convex quadrilaterals intersect in at most 8 vertices
BACKENDS = ('exact', 'mmcv')


def _clip(verts: torch.Tensor, count: torch.Tensor, dist: torch.Tensor):
    """Clip convex polygons by one half-plane each (keep ``dist >= 0``).

    Args:
        verts (Tensor): ``(P, K, 2)`` vertices, the first ``count`` of each row valid, in order.
        count (Tensor): ``(P,)`` number of valid vertices.
        dist (Tensor): ``(P, K)`` signed distance of each vertex to the clipping line.

    Returns:
        tuple: ``verts`` ``(P, K', 2)`` and ``count`` ``(P,)`` of the clipped polygons,
        ``K' = min(2K, _MAX_VERTS)``.
    """
    p, k, _ = verts.shape
    idx = torch.arange(k, device=verts.device).expand(p, k)
    valid = idx < count[:, None]  # (P, K)
    nxt = torch.where(idx + 1 < count[:, None], idx + 1, torch.zeros_like(idx))  # wrap around
    v_next = verts.gather(1, nxt[..., None].expand(p, k, 2))
    d_next = dist.gather(1, nxt)
    inside = dist >= 0
    # A strict sign change only: a vertex on the line is itself the crossing point, and
    # emitting it twice could overflow the vertex budget.
    crosses = ((dist > 0) & (d_next < 0)) | ((dist < 0) & (d_next > 0))
    denom = torch.where(crosses, dist - d_next, torch.ones_like(dist))
    t = (dist / denom)[..., None]
    crossing = verts + (v_next - verts) * t  # (P, K, 2) where the edge i -> i+1 crosses
    out = torch.stack([verts, crossing], dim=2).reshape(p, 2 * k, 2)  # vertex, crossing, ...
    keep = torch.stack([valid & inside, valid & crosses], dim=2).reshape(p, 2 * k)
    # Compact: kept entries first, in their order (a stable sort on "not kept").
    order = torch.sort((~keep).to(torch.int8), dim=1, stable=True).indices[:, :_MAX_VERTS]
    out = out.gather(1, order[..., None].expand(-1, -1, 2))
    new_count = keep.sum(dim=1).clamp(max=_MAX_VERTS)
    return out, new_count


def _polygon_area(verts: torch.Tensor, count: torch.Tensor) -> torch.Tensor:
    """Shoelace area of ``(P, K, 2)`` polygons with ``count`` valid vertices each."""
    p, k, _ = verts.shape
    idx = torch.arange(k, device=verts.device).expand(p, k)
    valid = idx < count[:, None]
    nxt = torch.where(idx + 1 < count[:, None], idx + 1, torch.zeros_like(idx))
    v_next = verts.gather(1, nxt[..., None].expand(p, k, 2))
    cross = verts[..., 0] * v_next[..., 1] - verts[..., 1] * v_next[..., 0]
    return (cross * valid).sum(dim=1).abs() / 2


def _exact_aligned_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of row-wise pairs of ``(P, 5)`` float64 grasps, centred on ``a``."""
    b = b.clone()
    b[:, :2] -= a[:, :2]  # coordinates relative to the first rectangle's centre
    ax, ay = torch.zeros_like(a[:, 0]), torch.zeros_like(a[:, 1])
    # Corners of a (grasps_to_corners' order).
    cos, sin = torch.cos(a[:, 4]), torch.sin(a[:, 4])
    ux, uy = cos * a[:, 2] / 2, sin * a[:, 2] / 2
    vx, vy = -sin * a[:, 3] / 2, cos * a[:, 3] / 2
    verts = torch.stack([
        torch.stack([ax - ux - vx, ay - uy - vy], dim=1),
        torch.stack([ax + ux - vx, ay + uy - vy], dim=1),
        torch.stack([ax + ux + vx, ay + uy + vy], dim=1),
        torch.stack([ax - ux + vx, ay - uy + vy], dim=1),
    ], dim=1)  # (P, 4, 2)
    count = torch.full((a.shape[0], ), 4, dtype=torch.long, device=a.device)
    # The four half-planes of b: |<x - c_b, u_b>| <= w_b / 2 and |<x - c_b, v_b>| <= h_b / 2.
    bcos, bsin = torch.cos(b[:, 4]), torch.sin(b[:, 4])
    axes = [(bcos, bsin, b[:, 2] / 2), (-bcos, -bsin, b[:, 2] / 2), (-bsin, bcos, b[:, 3] / 2),
            (bsin, -bcos, b[:, 3] / 2)]
    for nx, ny, half in axes:
        rel_x = verts[..., 0] - b[:, 0:1]
        rel_y = verts[..., 1] - b[:, 1:2]
        dist = half[:, None] - (rel_x * nx[:, None] + rel_y * ny[:, None])
        verts, count = _clip(verts, count, dist)
    inter = _polygon_area(verts, count)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    return torch.where(union > 0, inter / union.clamp(min=1e-300), torch.zeros_like(inter))


def _mmcv_aligned_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """mmcv's float32 kernel on row-wise pairs, each shifted to its first box's centre."""
    from mmcv.ops import box_iou_rotated
    a, b = a.clone(), b.clone()
    b[:, :2] -= a[:, :2]
    a[:, :2] = 0
    a[:, 4] = wrap_angle(a[:, 4])
    b[:, 4] = a[:, 4] + wrap_angle_half(b[:, 4] - a[:, 4])
    return box_iou_rotated(a.float(), b.float(), aligned=True, clockwise=True).double()


def grasp_iou(grasps1: ArrayLike,
              grasps2: ArrayLike,
              aligned: bool = False,
              backend: str = 'exact',
              mode: str = 'iou') -> ArrayLike:
    """Polygon IoU (or IoF) between grasp rectangles.

    A rectangle with zero (or negative) width or height has no area: its IoU with anything,
    itself included, is 0 (and so is its IoF).

    Args:
        grasps1 (Tensor | ndarray): ``(N, 5)`` grasps ``(x, y, w, h, theta)``.
        grasps2 (Tensor | ndarray): ``(M, 5)`` grasps; ``M == N`` when ``aligned``.
        aligned (bool): If True, return the ``(N,)`` IoUs of row-wise pairs instead of the
            ``(N, M)`` matrix. Defaults to False.
        backend (str): ``'exact'`` (float64 polygon clipping, default) or ``'mmcv'`` (mmcv's
            float32 kernel; wrong on collinear edges, see the module docstring).
        mode (str): ``'iou'`` (intersection over union, default) or ``'iof'`` (intersection
            over the area of the ``grasps1`` rectangle), as in mmdet's ``bbox_overlaps``.

    Returns:
        Tensor | ndarray: ``(N, M)`` (or ``(N,)`` when aligned) values in ``[0, 1]``: a float32
        tensor on the device of ``grasps1`` for tensors, a float64 array for arrays.
    """
    if backend not in BACKENDS:
        raise ValueError(f'backend must be one of {BACKENDS}, got {backend!r}')
    if mode not in ('iou', 'iof'):
        raise ValueError(f"mode must be 'iou' or 'iof', got {mode!r}")
    a = _as_tensor(grasps1)
    b = _as_tensor(grasps2).to(a.device)
    for name, t in (('grasps1', a), ('grasps2', b)):
        if t.ndim != 2 or t.shape[1] != 5:
            raise ValueError(f'{name} must have shape (N, 5), got {tuple(t.shape)}')
    n, m = a.shape[0], b.shape[0]
    if aligned:
        if n != m:
            raise ValueError(f'aligned IoU needs as many rows in both inputs, got {n} and {m}')
        pa, pb = a.double(), b.double()
    else:
        pa = a.double()[:, None, :].expand(n, m, 5).reshape(-1, 5)
        pb = b.double()[None, :, :].expand(n, m, 5).reshape(-1, 5)
    kernel = _exact_aligned_iou if backend == 'exact' else _mmcv_aligned_iou
    out = torch.zeros(pa.shape[0], dtype=torch.float64, device=a.device)
    valid = (pa[:, 2] > 0) & (pa[:, 3] > 0) & (pb[:, 2] > 0) & (pb[:, 3] > 0)
    # Rectangles whose circumscribed circles are apart cannot overlap: skip them.
    reach = (pa[:, 2].hypot(pa[:, 3]) + pb[:, 2].hypot(pb[:, 3])) / 2
    valid &= (pa[:, :2] - pb[:, :2]).norm(dim=1) < reach
    idx = torch.nonzero(valid).squeeze(1)
    for start in range(0, idx.numel(), _CHUNK):
        sel = idx[start:start + _CHUNK]
        iou = kernel(pa[sel], pb[sel]).clamp(0, 1)
        if mode == 'iof':  # intersection = IoU (A1 + A2) / (1 + IoU), in float64
            area1 = pa[sel, 2] * pa[sel, 3]
            area2 = pb[sel, 2] * pb[sel, 3]
            iou = (iou * (area1 + area2) / (1 + iou) / area1).clamp(0, 1)
        out[sel] = iou
    if not aligned:
        out = out.view(n, m)
    if isinstance(grasps1, torch.Tensor):
        return out.float()
    return out.cpu().numpy()


def grasp_iou_shapely(grasp1: Union[np.ndarray, list], grasp2: Union[np.ndarray, list]) -> float:
    """Reference IoU of two grasps through shapely polygons (slow; for tests and checks).

    Args:
        grasp1 (ndarray | list): One grasp ``(x, y, w, h, theta)``.
        grasp2 (ndarray | list): Another grasp.

    Returns:
        float: Polygon IoU; 0 when either rectangle has no area.
    """
    from shapely.geometry import Polygon

    from .grasp_convert import grasps_to_corners
    corners = grasps_to_corners(np.asarray([grasp1, grasp2], dtype=np.float64))
    p1, p2 = Polygon(corners[0]), Polygon(corners[1])
    if p1.area <= 0 or p2.area <= 0:
        return 0.0
    inter = p1.intersection(p2).area
    return float(inter / (p1.area + p2.area - inter))
