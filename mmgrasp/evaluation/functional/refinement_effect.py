# Copyright (c) mmgrasp contributors. All rights reserved.
"""The paired effect of the refinement head: the same images, the same candidates, before and after.

A Det_Seg_Refine model keeps each candidate of its grasp detection branch beside the refined grasp
(``pred_instances.bboxes_unrefined`` and ``pred_instances.bboxes``, one score for both). The top
grasp of an image is the highest-scoring one, so before and after refinement it is the *same*
candidate: comparing the two isolates what the head did (paper Table III compares two models,
which also differ in training).

Per angle threshold (IoU above ``iou_thr``, the metric's rule, docs/conventions.md section 5) each
image falls in one of four cells: correct before and after, gained (wrong before, correct after),
lost (correct before, wrong after), wrong before and after.

The angle error of the top grasp is its smallest angle difference (degrees, mod 180 into
[0, 90]) to the ground-truth grasps whose rotated IoU with the *unrefined* candidate is above
``iou_thr``; the same reference set before and after, so the two errors are paired. Images with
no such ground truth have no angle error (counted as ``no_reference``).
"""
from typing import Dict, Sequence

import numpy as np

from mmgrasp.structures import angle_diff, grasp_iou
from ..metrics.grasp_jaccard_metric import match_grid


def top_grasp_index(scores: np.ndarray) -> int:
    """Index of the highest score (the first one on ties), -1 when there is none."""
    scores = np.asarray(scores).reshape(-1)
    return int(np.argmax(scores)) if len(scores) else -1


def reference_angle_errors(before: np.ndarray, after: np.ndarray, gts: np.ndarray,
                           iou_thr: float = 0.25) -> np.ndarray:
    """Angle errors of a candidate and of its refined grasp against one reference set.

    Args:
        before (ndarray): ``(5,)`` the candidate ``(x, y, w, h, theta)``.
        after (ndarray): ``(5,)`` the refined grasp.
        gts (ndarray): ``(G, 5)`` ground-truth grasps.
        iou_thr (float): The reference set is the ground truths whose IoU with ``before`` is
            above this. Defaults to 0.25.

    Returns:
        ndarray: ``(2,)`` degrees (before, after), NaN when the reference set is empty.
    """
    gts = np.asarray(gts, dtype=np.float64).reshape(-1, 5)
    if len(gts) == 0:
        return np.full(2, np.nan)
    before = np.asarray(before, dtype=np.float64)
    after = np.asarray(after, dtype=np.float64)
    ious = grasp_iou(before[None], gts)[0]  # (G,)
    ref = gts[ious > iou_thr]
    if len(ref) == 0:
        return np.full(2, np.nan)
    out = []
    for grasp in (before, after):
        diff = np.degrees(angle_diff(np.full(len(ref), float(grasp[4])), ref[:, 4]))
        out.append(float(np.min(diff)))
    return np.array(out)


def reference_centre_errors(before: np.ndarray, after: np.ndarray, gts: np.ndarray,
                            iou_thr: float = 0.25) -> np.ndarray:
    """Centre errors (pixels) of a candidate and of its refined grasp against one reference set.

    The reference set is that of :func:`reference_angle_errors` (the ground truths whose IoU with
    ``before`` is above ``iou_thr``); the error is the distance to the nearest reference centre.

    Returns:
        ndarray: ``(2,)`` pixels (before, after), NaN when the reference set is empty.
    """
    gts = np.asarray(gts, dtype=np.float64).reshape(-1, 5)
    if len(gts) == 0:
        return np.full(2, np.nan)
    before = np.asarray(before, dtype=np.float64)
    after = np.asarray(after, dtype=np.float64)
    ref = gts[grasp_iou(before[None], gts)[0] > iou_thr]
    if len(ref) == 0:
        return np.full(2, np.nan)
    return np.array([float(np.hypot(ref[:, 0] - g[0], ref[:, 1] - g[1]).min())
                     for g in (before, after)])


def top_grasp_records(predictions: Sequence[Dict[str, np.ndarray]], gts: Sequence[np.ndarray],
                      angle_thrs: Sequence[float] = (30, 10, 5),
                      iou_thr: float = 0.25) -> Dict[str, np.ndarray]:
    """Per image, the top candidate and its refined grasp scored on the same ground truth.

    Args:
        predictions (Sequence[dict]): Per image, ``bboxes`` ``(P, 5)`` refined grasps,
            ``bboxes_unrefined`` ``(P, 5)`` their candidates and ``scores`` ``(P,)``, in the frame
            of ``gts``.
        gts (Sequence[ndarray]): Per image, ``(G, 5)`` ground-truth grasps.
        angle_thrs (Sequence[float]): Angle thresholds in degrees. Defaults to (30, 10, 5).
        iou_thr (float): IoU threshold. Defaults to 0.25.

    Returns:
        dict: ``before`` and ``after`` ``(N, A)`` bool (correct at each angle threshold),
        ``angle_error`` and ``centre_error`` ``(N, 2)`` (degrees / pixels, before and after;
        NaN without a reference set or without a grasp).

    Raises:
        ValueError: If the lists differ in length or a prediction lacks ``bboxes_unrefined``.
    """
    if len(predictions) != len(gts):
        raise ValueError(f'{len(predictions)} predictions for {len(gts)} ground-truth lists')
    grid = [(float(a), float(iou_thr)) for a in angle_thrs]
    before_ok = np.zeros((len(gts), len(grid)), dtype=bool)
    after_ok = np.zeros_like(before_ok)
    angle_err = np.full((len(gts), 2), np.nan)
    centre_err = np.full((len(gts), 2), np.nan)
    for i, (pred, gt) in enumerate(zip(predictions, gts)):
        if 'bboxes_unrefined' not in pred:
            raise ValueError(f'prediction {i} has no bboxes_unrefined: is it a Det_Seg_Refine '
                             'model?')
        top = top_grasp_index(pred['scores'])
        if top < 0:
            continue  # no grasp at all: wrong before and after
        gt = np.asarray(gt, dtype=np.float64).reshape(-1, 5)
        cand = np.asarray(pred['bboxes_unrefined'], dtype=np.float64).reshape(-1, 5)[top]
        refined = np.asarray(pred['bboxes'], dtype=np.float64).reshape(-1, 5)[top]
        before_ok[i] = match_grid(cand, gt, grid)
        after_ok[i] = match_grid(refined, gt, grid)
        angle_err[i] = reference_angle_errors(cand, refined, gt, iou_thr)
        centre_err[i] = reference_centre_errors(cand, refined, gt, iou_thr)
    return dict(before=before_ok, after=after_ok, angle_error=angle_err, centre_error=centre_err)


def paired_refinement_effect(predictions: Sequence[Dict[str, np.ndarray]],
                             gts: Sequence[np.ndarray],
                             angle_thrs: Sequence[float] = (30, 10, 5),
                             iou_thr: float = 0.25) -> Dict:
    """Count the images that refinement turns correct or wrong, and the top grasp's angle error.

    Args:
        predictions (Sequence[dict]): Per image, ``bboxes`` ``(P, 5)`` refined grasps,
            ``bboxes_unrefined`` ``(P, 5)`` their candidates and ``scores`` ``(P,)``, in the frame
            of ``gts``.
        gts (Sequence[ndarray]): Per image, ``(G, 5)`` ground-truth grasps.
        angle_thrs (Sequence[float]): Angle thresholds in degrees. Defaults to (30, 10, 5).
        iou_thr (float): IoU threshold. Defaults to 0.25.

    Returns:
        dict: ``num_images``; per threshold ``a{angle}``: ``before`` and ``after`` (correct
        images), ``gained``, ``lost``, ``both`` and ``neither``; ``angle_error``: ``before`` and
        ``after`` (mean degrees over the images with a reference set), ``num_images`` (those
        images), ``no_reference`` and ``improved`` / ``worsened`` (images whose error fell / rose
        by more than 0.5 degrees).

    Raises:
        ValueError: If the lists differ in length or a prediction lacks ``bboxes_unrefined``.
    """
    records = top_grasp_records(predictions, gts, angle_thrs, iou_thr)
    before_ok, after_ok = records['before'], records['after']
    result: Dict = dict(num_images=len(gts))
    for j, angle in enumerate(angle_thrs):
        b, a = before_ok[:, j], after_ok[:, j]
        result[f'a{float(angle):g}'] = dict(
            before=int(b.sum()), after=int(a.sum()), gained=int((~b & a).sum()),
            lost=int((b & ~a).sum()), both=int((b & a).sum()), neither=int((~b & ~a).sum()))
    err = records['angle_error']
    valid = ~np.isnan(err[:, 0])
    result['angle_error'] = dict(
        before=float(err[valid, 0].mean()) if valid.any() else float('nan'),
        after=float(err[valid, 1].mean()) if valid.any() else float('nan'),
        num_images=int(valid.sum()), no_reference=int((~valid).sum()),
        improved=int((err[valid, 1] < err[valid, 0] - 0.5).sum()),
        worsened=int((err[valid, 1] > err[valid, 0] + 0.5).sum()))
    return result
