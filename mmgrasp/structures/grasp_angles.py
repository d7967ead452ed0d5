# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasp angles and orientation bins (docs/conventions.md sections 1-2).

A grasp angle ``theta`` is the direction of the opening axis, measured from +x towards +y in image
coordinates (clockwise on screen). A grasp turned by pi is the same grasp, so angles live in
``[0, pi)``. The detection branch classifies the angle into ``num_bins`` equal intervals of
``[0, pi)``; bin ``k`` holds ``[k*pi/num_bins, (k+1)*pi/num_bins)`` and decodes to its centre.

All functions take and return ``torch.Tensor`` or ``np.ndarray`` (the same kind as the input).
"""
import math
from typing import Tuple, Union

import numpy as np
import torch

ArrayLike = Union[torch.Tensor, np.ndarray]

NUM_ORIENTATION_BINS = 18


def _as_tensor(x: Union[ArrayLike, float]) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x
    return torch.as_tensor(np.asarray(x, dtype=np.float64))


def _like(result: torch.Tensor, ref: Union[ArrayLike, float]) -> ArrayLike:
    """Return ``result`` as the same kind (tensor or ndarray) as ``ref``."""
    if isinstance(ref, torch.Tensor):
        return result
    return result.numpy()


def wrap_angle(theta: ArrayLike) -> ArrayLike:
    """Wrap grasp angles into ``[0, pi)``.

    Args:
        theta (Tensor | ndarray): Angles in radians, any shape.

    Returns:
        Tensor | ndarray: ``theta mod pi``, the same shape, with values in ``[0, pi)``.
    """
    t = _as_tensor(theta)
    wrapped = torch.remainder(t, math.pi)
    # remainder(-1e-9, pi) rounds to exactly pi in floating point: that is angle 0.
    wrapped = torch.where(wrapped >= math.pi, torch.zeros_like(wrapped), wrapped)
    return _like(wrapped, theta)


def wrap_angle_half(theta: ArrayLike) -> ArrayLike:
    """Wrap angle differences into ``[-pi/2, pi/2)`` (the signed form of :func:`wrap_angle`).

    Args:
        theta (Tensor | ndarray): Angles in radians, any shape.

    Returns:
        Tensor | ndarray: ``theta`` shifted by a multiple of pi into ``[-pi/2, pi/2)``.
    """
    t = _as_tensor(theta)
    shifted = _as_tensor(wrap_angle(t + math.pi / 2)) - math.pi / 2
    return _like(shifted, theta)


def angle_diff(a: ArrayLike, b: ArrayLike) -> ArrayLike:
    """Unsigned difference of two grasp angles, taken mod pi into ``[0, pi/2]``.

    179 and 1 degrees are 2 degrees apart; 0 and 90 degrees are 90 degrees apart.

    Args:
        a (Tensor | ndarray): Angles in radians.
        b (Tensor | ndarray): Angles in radians, broadcastable against ``a``.

    Returns:
        Tensor | ndarray: The broadcast shape of ``a`` and ``b``, values in ``[0, pi/2]``.
    """
    d = _as_tensor(wrap_angle(_as_tensor(a) - _as_tensor(b)))
    d = torch.minimum(d, math.pi - d)
    return _like(d, a)


def angle_to_bin(theta: ArrayLike, num_bins: int = NUM_ORIENTATION_BINS) -> ArrayLike:
    """Orientation bin of each angle: bin ``k`` holds ``[k*pi/num_bins, (k+1)*pi/num_bins)``.

    Args:
        theta (Tensor | ndarray): Angles in radians, any shape (wrapped mod pi first).
        num_bins (int): Number of equal bins over ``[0, pi)``. Defaults to 18.

    Returns:
        Tensor | ndarray: Integer (int64) bin indices in ``[0, num_bins)``, same shape.
    """
    t = _as_tensor(wrap_angle(_as_tensor(theta)))
    bins = torch.floor(t / (math.pi / num_bins)).long().clamp_(0, num_bins - 1)
    return _like(bins, theta)


def bin_to_angle(bins: ArrayLike, num_bins: int = NUM_ORIENTATION_BINS) -> ArrayLike:
    """Angle each orientation bin decodes to: the centre ``(k + 0.5) * pi / num_bins``.

    Args:
        bins (Tensor | ndarray): Integer bin indices, any shape.
        num_bins (int): Number of equal bins over ``[0, pi)``. Defaults to 18.

    Returns:
        Tensor | ndarray: Angles in radians (float; float32 for tensors), same shape.
    """
    b = _as_tensor(bins)
    dtype = torch.float64 if not isinstance(bins, torch.Tensor) else torch.get_default_dtype()
    angles = (b.to(dtype) + 0.5) * (math.pi / num_bins)
    return _like(angles, bins)


def _circular_neighbours(bin_probs: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """``(p_{k-1}, p_{k+1})`` for every bin ``k`` of ``(R, C)`` probabilities, circularly (bins
    ``C - 1`` and 0 are neighbours), by slices (no ``torch.roll``) so that it exports."""
    prev = torch.cat([bin_probs[:, -1:], bin_probs[:, :-1]], dim=1)
    nxt = torch.cat([bin_probs[:, 1:], bin_probs[:, :1]], dim=1)
    return prev, nxt


def local_mean_angles(bin_probs: torch.Tensor) -> torch.Tensor:
    """Each orientation bin's angle moved towards its neighbours by their probabilities.

    The detection branch decodes a grasp's angle to its bin's centre (the paper's decoding), so a
    grasp whose true angle lies near a bin edge, which the classifier splits between two bins,
    is off by almost half a bin either way. This decoding reads the probabilities of the bin and
    its two neighbours (circularly: bin 0 and bin ``C - 1`` are neighbours) as a local posterior
    and returns its mean angle::

        theta_k = (k + 0.5) * d + d * (p_{k+1} - p_{k-1}) / (p_{k-1} + p_k + p_{k+1}),  d = pi / C

    wrapped into ``[0, pi)``. Equal neighbours leave the bin centre; the shift is below one bin
    (``d``) in magnitude. Only traced tensor operations (slices, no ``torch.roll``), so the
    exported graph computes it too.

    Args:
        bin_probs (Tensor): ``(R, C)`` probabilities of the ``C`` orientation bins (the softmax
            over the bins and "invalid", the invalid column dropped).

    Returns:
        Tensor: ``(R, C)`` angles in radians; ``[r, k]`` is the angle of RoI ``r``'s grasp in
        bin ``k``.
    """
    num_bins = bin_probs.shape[1]
    step = math.pi / num_bins
    prev, nxt = _circular_neighbours(bin_probs)
    total = (prev + bin_probs + nxt).clamp(min=torch.finfo(bin_probs.dtype).tiny)
    centres = (torch.arange(num_bins, device=bin_probs.device, dtype=bin_probs.dtype) + 0.5) * step
    return wrap_angle(centres[None, :] + step * (nxt - prev) / total)


def neighbourhood_scores(bin_probs: torch.Tensor) -> torch.Tensor:
    """Each orientation bin's probability summed with its two neighbours' (circularly).

    ``s_k = p_{k-1} + p_k + p_{k+1}``: the probability that the grasp's angle lies in bin ``k``
    or next to it, i.e. within 1.5 bins of bin ``k``'s centre (30 degrees wide with 18 bins). A
    grasp the classifier is sure of but splits between two bins scores as high as one it puts in
    a single bin. Only traced tensor operations, as :func:`local_mean_angles`.

    Args:
        bin_probs (Tensor): ``(R, C)`` probabilities of the ``C`` orientation bins.

    Returns:
        Tensor: ``(R, C)`` scores in ``[0, 1]``.
    """
    prev, nxt = _circular_neighbours(bin_probs)
    return prev + bin_probs + nxt
