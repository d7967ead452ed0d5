# Copyright (c) mmgrasp contributors. All rights reserved.
"""The exported network's outputs to grasps (and a semantic map) in the frame, numpy and OpenCV.

:class:`GraspPostprocessor` does what :class:`~mmgrasp.deployment.ORTGraspDetector` does after
the graph: grasps mapped from the network input back to the frame
(:func:`affine_grasps_np`, the numpy form of :func:`mmgrasp.structures.affine_grasps`), and
the semantic logits upsampled to the input, cut to the image and taken back to the frame before
the arg-max (:func:`logits_to_frame`).
"""
import math
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import cv2
import numpy as np


@dataclass
class GraspPrediction:
    """Grasps of one frame, best first.

    Attributes:
        grasps (ndarray): ``(K, 5)`` float32 ``(x, y, w, h, theta)`` in the frame's pixels
            (``w`` the opening, ``theta`` in radians in ``[0, pi)``, docs/conventions.md).
        scores (ndarray): ``(K,)`` float32.
        labels (ndarray): ``(K,)`` int64 orientation bins.
        grasps_unrefined (ndarray, optional): ``(K, 5)`` the candidates before the refinement
            head (Det_Seg_Refine only).
        sem_seg (ndarray, optional): ``(H, W)`` uint8 class ids of the frame (Det_Seg and
            Det_Seg_Refine).
    """
    grasps: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    grasps_unrefined: Optional[np.ndarray] = None
    sem_seg: Optional[np.ndarray] = None


def affine_grasps_np(grasps: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """:func:`mmgrasp.structures.affine_grasps` for numpy arrays, the same arithmetic (float64).

    Args:
        grasps (ndarray): ``(N, 5)`` grasps ``(x, y, w, h, theta)``.
        matrix (ndarray): ``(2, 3)`` or ``(3, 3)`` affine map.

    Returns:
        ndarray: ``(N, 5)`` mapped grasps, float32 (float64 for float64 input).
    """
    grasps = np.asarray(grasps)
    out_dtype = np.float64 if grasps.dtype == np.float64 else np.float32
    g = grasps.reshape(-1, 5).astype(np.float64)
    m = np.asarray(matrix, np.float64)[:2]
    a, t = m[:, :2], m[:, 2]
    cos, sin = np.cos(g[:, 4]), np.sin(g[:, 4])
    centre = g[:, :2] @ a.T + t
    opening = np.stack([cos, sin], axis=1) @ a.T * g[:, 2:3]
    jaw = np.stack([-sin, cos], axis=1) @ a.T * g[:, 3:4]
    theta = np.remainder(np.arctan2(opening[:, 1], opening[:, 0]), math.pi)
    theta = np.where(theta >= math.pi, 0.0, theta)
    out = np.stack([centre[:, 0], centre[:, 1], np.linalg.norm(opening, axis=1),
                    np.linalg.norm(jaw, axis=1), theta], axis=1)
    return out.astype(out_dtype)


def _is_identity(matrix: np.ndarray) -> bool:
    return bool(np.allclose(matrix, np.eye(3)))


def logits_to_frame(logits: np.ndarray, img_hw: Tuple[int, int], input_hw: Tuple[int, int],
                    input_to_frame: np.ndarray, frame_hw: Tuple[int, int]) -> np.ndarray:
    """The semantic head's logits at 1/4 of the input to ``(C, H, W)`` logits of the frame.

    What :meth:`MiniDeepLabHead.predict_by_feat` with ``rescale`` does: bilinear upsampling
    to the padded input (``align_corners=False``), the image cut out of the padding, then back to
    the frame: a resize for a pure scaling, a paste for a whole-pixel shift (a centre crop), and
    an affine warp with zeros outside otherwise.

    Args:
        logits (ndarray): ``(1, C, H/4, W/4)`` float32.
        img_hw (tuple[int, int]): The image's size inside the padding.
        input_hw (tuple[int, int]): The padded input's size.
        input_to_frame (ndarray): ``(3, 3)`` map from input to frame pixels.
        frame_hw (tuple[int, int]): The frame's size.

    Returns:
        ndarray: ``(C, H, W)`` float32 logits of the frame; zero where the input did not reach.
    """
    h, w = img_hw
    fh, fw = frame_hw
    maps = np.ascontiguousarray(logits[0].transpose(1, 2, 0))  # (h/4, w/4, C)
    up = cv2.resize(maps, (input_hw[1], input_hw[0]), interpolation=cv2.INTER_LINEAR)
    up = up.reshape(input_hw[0], input_hw[1], -1)[:h, :w]
    m = input_to_frame
    if _is_identity(m) and (fh, fw) == (h, w):
        out = up
    elif np.allclose(m[[0, 1], [1, 0]], 0) and np.allclose(m[:2, 2], 0):
        out = cv2.resize(up, (fw, fh), interpolation=cv2.INTER_LINEAR).reshape(fh, fw, -1)
    elif (np.allclose(m[:2, :2], np.eye(2)) and np.allclose(m[:2, 2], np.round(m[:2, 2]))):
        out = np.zeros((fh, fw, up.shape[2]), np.float32)
        x0, y0 = int(round(m[0, 2])), int(round(m[1, 2]))
        xs, ys = max(x0, 0), max(y0, 0)
        xe, ye = min(x0 + w, fw), min(y0 + h, fh)
        if xe > xs and ye > ys:
            out[ys:ye, xs:xe] = up[ys - y0:ye - y0, xs - x0:xe - x0]
    else:
        # frame pixel centre p -> input point q = M^-1 p; cv2's maps use pixel indices.
        to_input = np.linalg.inv(m)
        shift = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
        affine = (np.linalg.inv(shift) @ to_input @ shift)[:2]
        channels = [cv2.warpAffine(up[:, :, c], affine, (fw, fh),
                                   flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                   borderMode=cv2.BORDER_CONSTANT, borderValue=0)
                    for c in range(up.shape[2])]
        out = np.stack(channels, axis=2)
    return np.ascontiguousarray(out.transpose(2, 0, 1))


def class_argmax(logits: np.ndarray) -> np.ndarray:
    """``(C, H, W)`` logits -> ``(H, W)`` uint8 ids of the first maximum (as ``argmax``)."""
    if logits.shape[0] == 1:
        return np.zeros(logits.shape[1:], np.uint8)
    if logits.shape[0] == 2:  # one comparison: strictly larger, so ties stay class 0
        return (logits[1] > logits[0]).astype(np.uint8)
    ids = np.argmax(logits, axis=0)
    return ids.astype(np.uint8 if logits.shape[0] <= 256 else np.int64)


class GraspPostprocessor:
    """Outputs of the exported graph -> :class:`GraspPrediction` in the frame.

    Args:
        input_shape (tuple[int, int]): ``(H, W)`` of the export's padded input.
    """

    def __init__(self, input_shape: Tuple[int, int]) -> None:
        self.input_shape = (int(input_shape[0]), int(input_shape[1]))

    def __call__(self, outputs: Dict[str, np.ndarray], prepared) -> GraspPrediction:
        """Map one frame's outputs back to it.

        Args:
            outputs (dict[str, ndarray]): ``grasps`` ``(K, 5)``, ``scores``, ``labels`` and
                optionally ``grasps_unrefined`` and ``seg_logits`` ``(1, C, H/4, W/4)``.
            prepared (PreparedFrame): The frame's :class:`~.frame_preprocessor.PreparedFrame`.

        Returns:
            GraspPrediction: In the frame's pixels.
        """
        matrix = prepared.input_to_frame

        def to_frame(grasps: np.ndarray) -> np.ndarray:
            grasps = np.asarray(grasps, np.float32).reshape(-1, 5)
            if len(grasps) == 0 or _is_identity(matrix):
                return grasps
            return affine_grasps_np(grasps, matrix)

        pred = GraspPrediction(grasps=to_frame(outputs['grasps']),
                               scores=np.asarray(outputs['scores'], np.float32).reshape(-1),
                               labels=np.asarray(outputs['labels']).astype(np.int64).reshape(-1))
        if 'grasps_unrefined' in outputs:
            pred.grasps_unrefined = to_frame(outputs['grasps_unrefined'])
        if 'seg_logits' in outputs:
            h, w = (int(v) for v in prepared.img_hw)
            logits = logits_to_frame(np.asarray(outputs['seg_logits'], np.float32), (h, w),
                                     self.input_shape, matrix, prepared.frame_shape)
            pred.sem_seg = class_argmax(logits)
        return pred
