# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasp refinement head, the paper's form (paper IV-D and Fig. 3; docs/conventions.md section 4).

Reference: S. Ainetter and F. Fraundorfer, "End-to-end Trainable Deep Neural Network for Robotic
Grasp Detection and Semantic Segmentation from RGB", ICRA 2021, section IV-D: "the area of the
grasp candidate" is cut out of the probability map and stacked with the original map, an
``N x 2 x H x W`` input "whereas (H, W) defines the height and width of the probability map",
into two fc layers (each followed by InPlaceABNSync and LeakyReLU 0.01) and five outputs.

Read literally, the cut-out stays *in place*: each candidate's rotated rectangle keeps its
position on the map and everything outside it is zero::

    P(fg) (B, 1, H/4, W/4) --area pooling to map_size (if needed)--> (B, 1, h, w)
    coverage of each cell by the candidate (K, h, w) x map --> (K, 1, h, w) --\\
    the map of the candidate's image -------------------------> (K, 1, h, w) ---> (K, 2, h, w)
        -> flatten -> [fc -> norm -> LeakyReLU] x 2 -> fc -> (K, 5) deltas (tx, ty, tw, th, tt)

The mask is the exact fraction of each cell the rectangle covers (polygon clipping, the
``grasp_iou`` kernel), not a 0/1 test of the cell centres: a candidate smaller than a cell then
keeps its mass (its coverage sums to its area over the cell area) instead of vanishing or filling
a whole cell (measured in ``docs/refinement_head.md``).
"""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from mmgrasp.registry import MODELS
from mmgrasp.structures import grasp_iou, grasps_to_corners
from .grasp_refine_head import GraspRefineHead


def grasp_coverage_sparse(grasps: Tensor, grid_size: Sequence[int],
                          cell_size: Sequence[float]) -> Tuple[Tensor, Tensor, Tensor]:
    """The non-zero entries of :func:`grasp_coverage`: ``(grasp, flat cell, coverage)`` triples.

    Args:
        grasps (Tensor): ``(K, 5)`` grasps ``(x, y, w, h, theta)`` in pixels.
        grid_size (Sequence[int]): ``(H, W)`` cells.
        cell_size (Sequence[float]): ``(ch, cw)``, pixels per cell along y and x.

    Returns:
        tuple: ``grasp`` ``(P,)`` long, ``cell`` ``(P,)`` long (``i * W + j``) and ``coverage``
        ``(P,)`` in ``(0, 1]`` (the dtype of ``grasps``), one entry per covered cell.
    """
    height, width = int(grid_size[0]), int(grid_size[1])
    ch, cw = float(cell_size[0]), float(cell_size[1])
    k = grasps.shape[0]
    empty = (grasps.new_zeros(0, dtype=torch.long), grasps.new_zeros(0, dtype=torch.long),
             grasps.new_zeros(0))
    if k == 0:
        return empty
    g = grasps.detach().double()
    corners = grasps_to_corners(g)  # (K, 4, 2)
    x0 = torch.floor(corners[..., 0].amin(dim=1) / cw).clamp(0, width).long()
    x1 = torch.ceil(corners[..., 0].amax(dim=1) / cw).clamp(0, width).long()
    y0 = torch.floor(corners[..., 1].amin(dim=1) / ch).clamp(0, height).long()
    y1 = torch.ceil(corners[..., 1].amax(dim=1) / ch).clamp(0, height).long()
    nx, ny = (x1 - x0).clamp(min=0), (y1 - y0).clamp(min=0)
    counts = nx * ny  # cells in each grasp's bounding box
    total = int(counts.sum())
    if total == 0:
        return empty
    kidx = torch.repeat_interleave(torch.arange(k, device=g.device), counts)  # (P,)
    offset = torch.arange(total, device=g.device) - (counts.cumsum(0) - counts)[kidx]
    jj = x0[kidx] + offset % nx[kidx]
    ii = y0[kidx] + torch.div(offset, nx[kidx], rounding_mode='floor')
    gp = g[kidx]  # (P, 5) the grasp of each (grasp, cell) pair
    cx, cy = (jj + 0.5) * cw, (ii + 0.5) * ch
    # Separating axes: the cell's offset and half-extent along the grasp's two axes u and v.
    cos, sin = torch.cos(gp[:, 4]), torch.sin(gp[:, 4])
    du = (cx - gp[:, 0]) * cos + (cy - gp[:, 1]) * sin
    dv = -(cx - gp[:, 0]) * sin + (cy - gp[:, 1]) * cos
    ru = (cw * cos.abs() + ch * sin.abs()) / 2
    rv = (cw * sin.abs() + ch * cos.abs()) / 2
    half_w, half_h = gp[:, 2] / 2, gp[:, 3] / 2
    inside = (du.abs() + ru <= half_w) & (dv.abs() + rv <= half_h)
    cut = ~inside & (du.abs() < half_w + ru) & (dv.abs() < half_h + rv)  # on an edge
    cov = inside.to(g.dtype)  # (P,): 1 inside, 0 apart, clipped below on the edges
    if cut.any():
        n = int(cut.sum())
        cells = torch.stack([cx[cut], cy[cut], g.new_full((n, ), cw), g.new_full((n, ), ch),
                             g.new_zeros(n)], dim=1)  # (n, 5)
        iou = grasp_iou(gp[cut], cells, aligned=True).double()  # (n,)
        area_g = (gp[cut, 2] * gp[cut, 3]).clamp(min=0)
        inter = iou * (area_g + cw * ch) / (1 + iou)  # IoU = I / (A + B - I)
        cov[cut] = (inter / (cw * ch)).clamp(0, 1)
    keep = cov > 0
    return kidx[keep], (ii * width + jj)[keep], cov[keep].to(grasps.dtype)


def grasp_coverage(grasps: Tensor, grid_size: Sequence[int], cell_size: Sequence[float]) -> Tensor:
    """Fraction of each grid cell that each grasp rectangle covers.

    Cell ``(i, j)`` is the axis-aligned rectangle ``[j * cw, (j + 1) * cw) x [i * ch, (i + 1) *
    ch)`` in the grasps' pixels. Its coverage is the exact area of its intersection with the
    rotated rectangle over the cell's area (float64 polygon clipping of :func:`grasp_iou`), for
    the cells of each grasp's bounding box only, so the cost grows with the candidates' areas in
    cells, not with the grid. Not differentiable.

    Args:
        grasps (Tensor): ``(K, 5)`` grasps ``(x, y, w, h, theta)`` in pixels.
        grid_size (Sequence[int]): ``(H, W)`` cells.
        cell_size (Sequence[float]): ``(ch, cw)``, pixels per cell along y and x.

    Returns:
        Tensor: ``(K, H, W)`` coverage in ``[0, 1]``, the dtype and device of ``grasps``.
    """
    height, width = int(grid_size[0]), int(grid_size[1])
    out = grasps.new_zeros(grasps.shape[0], height * width)
    kidx, cell, cov = grasp_coverage_sparse(grasps, grid_size, cell_size)
    out[kidx, cell] = cov
    return out.view(-1, height, width)


@MODELS.register_module()
class InPlaceGraspRefineHead(GraspRefineHead):
    """Refinement head in the paper's form: the candidate cut out in place on the map.

    Only :meth:`build_input` (and the fc input size) differ from :class:`GraspRefineHead`:
    matching, Eq. 9-10, loss and prediction are shared. The fc layers see two planes of
    ``map_size``: the foreground probability map of the candidate's image multiplied by the
    candidate's rectangle (its fractional coverage of each cell, :func:`grasp_coverage`), and the
    map itself.

    The first fc layer has ``2 * h * w`` inputs, so the map size must be known when the head is
    built: ``map_size`` is required (there is no ``None``; an fc built at the first forward pass
    would not exist when the optimizer is built, and its checkpoint would depend on the data).
    When the stride-4 map already has ``map_size`` it is used as is (the paper's form at the
    map's own resolution: set ``map_size`` to the padded input size over the stride, e.g.
    ``(88, 88)`` for 351x351 inputs padded to 352 or ``(128, 128)`` for Jacquard at 512x512);
    otherwise it is area-pooled to ``map_size`` (``F.adaptive_avg_pool2d``, anti-aliased: exact
    box averages when the sizes divide, overlapping windows otherwise), and the rectangle is
    rasterised on the pooled grid. So images of other sizes still work, at a different scale per
    cell; set ``map_size`` to a size the maps divide into when the input sizes vary.

    Args:
        map_size (Sequence[int]): ``(h, w)`` of the fc input planes. Defaults to ``(32, 32)``.
        **kwargs: Everything else of :class:`GraspRefineHead` (``roi_size`` is unused here).
    """

    def __init__(self, map_size: Optional[Sequence[int]] = (32, 32), **kwargs) -> None:
        if map_size is None or len(map_size) != 2 or min(int(s) for s in map_size) < 1:
            raise ValueError(
                f'InPlaceGraspRefineHead needs map_size=(h, w) with positive sizes, got '
                f'{map_size!r}: its first fc layer is built for 2*h*w inputs. To keep the '
                'stride-4 map as is, give its size, e.g. (88, 88) for 352x352 padded inputs.')
        # Set before the base __init__, which builds the fc layers from `input_size`
        # (mmdet's `_init_layers` pattern).
        self.map_size = (int(map_size[0]), int(map_size[1]))
        super().__init__(**kwargs)

    @property
    def input_size(self) -> Tuple[int, int]:
        """``(h, w)`` of each of the two input planes of the fc layers: ``map_size``."""
        return self.map_size

    def _pooled(self, fg_prob: Tensor) -> Tensor:
        """``(B, 1, H/s, W/s)`` -> ``(B, 1, h, w)``: as is at ``map_size``, else area-pooled."""
        if tuple(fg_prob.shape[-2:]) == self.map_size:
            return fg_prob
        return F.adaptive_avg_pool2d(fg_prob, self.map_size)

    def coverage(self, map_shape: Sequence[int], rois: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Each candidate's coverage of the cells of the (pooled) grid, sparse.

        Args:
            map_shape (Sequence[int]): Shape of the stride-``feat_stride`` map, ``(..., H, W)``.
            rois (Tensor): ``(K, 6)`` candidates ``(batch_idx, x, y, w, h, theta)``.

        Returns:
            tuple: ``(candidate, flat cell, coverage)`` triples of
            :func:`grasp_coverage_sparse` on the ``map_size`` grid.
        """
        map_h, map_w = map_shape[-2:]
        # Input pixels per cell of the pooled grid (the map spans the padded input).
        cell = (self.feat_stride * map_h / self.map_size[0],
                self.feat_stride * map_w / self.map_size[1])
        boxes = rois[:, 1:].detach().clone()
        boxes[:, 2:4] *= self.crop_scale
        return grasp_coverage_sparse(boxes, self.map_size, cell)

    def build_input(self, fg_prob: Tensor, rois: Tensor) -> Tensor:
        """The two planes of Fig. 3: the candidate cut out in place, and the whole map.

        Overrides :meth:`GraspRefineHead.build_input` (the rotated crop) with the paper's
        in-place cut-out. :meth:`forward` computes the fc layers on these planes without
        building them.

        Args:
            fg_prob (Tensor): ``(B, 1, H/s, W/s)`` foreground probability over the padded input.
            rois (Tensor): ``(K, 6)`` candidates ``(batch_idx, x, y, w, h, theta)`` in input
                pixels, ``K > 0``.

        Returns:
            Tensor: ``(K, 2, h, w)``, ``(h, w) = map_size``: channel 0 the map times the
            candidate's coverage, channel 1 the map.
        """
        pooled = self._pooled(fg_prob)  # (B, 1, h, w)
        kidx, cell, cov = self.coverage(fg_prob.shape, rois)
        mask = pooled.new_zeros(rois.shape[0], self.map_size[0] * self.map_size[1])
        mask[kidx, cell] = cov.to(pooled)
        whole = pooled[rois[:, 0].long()]  # (K, 1, h, w)
        return torch.cat([whole * mask.view(-1, 1, *self.map_size), whole], dim=1)

    def forward(self, fg_prob: Tensor, rois: Tensor,
                coverage: Optional[Tuple[Tensor, Tensor, Tensor]] = None) -> Tensor:
        """Deltas of the candidates: the fc layers on :meth:`build_input`'s planes, computed
        without building them.

        Overrides :meth:`GraspRefineHead.forward` with the same function computed another way
        (the result differs by float rounding only, tested): the first fc layer on
        ``[map x cut-out, map]`` is ``W_cut @ (map x cut-out) + W_map @ map + b``. The map's half
        depends on the image only, so it runs once per image (B rows instead of K); the
        cut-out is zero outside the candidate, so its half runs over the covered cells only
        (a sparse product). At the paper's 128x128 map this is what lets the head train for
        thousands of iterations on a CPU (docs/refinement_head.md).

        Args:
            fg_prob (Tensor): ``(B, 1, H/s, W/s)`` foreground probability.
            rois (Tensor): ``(K, 6)`` candidates ``(batch_idx, x, y, w, h, theta)``.
            coverage (tuple, optional): :meth:`coverage` of ``rois`` if already known (the
                cached training reuses it); computed when None.

        Returns:
            Tensor: ``(K, 5)`` deltas.
        """
        if rois.shape[0] == 0:
            return fg_prob.new_zeros(0, 5)
        first = self.mlp[0]  # nn.Linear(2 * h * w, C)
        pooled = self._pooled(fg_prob).flatten(1)  # (B, h * w)
        hw = pooled.shape[1]
        image = rois[:, 0].long()
        kidx, cell, cov = coverage if coverage is not None else self.coverage(fg_prob.shape, rois)
        values = pooled[image[kidx], cell] * cov.to(pooled)  # (P,) the cut-out's non-zeros
        cut = torch.sparse_coo_tensor(
            torch.stack([kidx, cell]), values, (rois.shape[0], hw), check_invariants=False)
        y = (torch.sparse.mm(cut, first.weight[:, :hw].t())
             + F.linear(pooled, first.weight[:, hw:])[image] + first.bias)  # (K, C)
        rest = self.mlp[1:]
        if self.training and y.shape[0] == 1 and self.norm_cfg is not None:
            # BatchNorm cannot normalise one sample: run it on a copy pair, keep one.
            return self.fc_delta(rest(y.expand(2, -1)))[:1]
        return self.fc_delta(rest(y))
