# Copyright (c) mmgrasp contributors. All rights reserved.
"""Jaccard-index grasp accuracy (paper VI-A, Tables I-V; docs/conventions.md section 5).

A predicted grasp is correct against a ground-truth grasp when their angle difference, mod pi into
``[0, pi/2]``, is **below** the angle threshold and their rotated IoU is **above** the IoU
threshold.

- ``mode='top1'`` (Cornell, Jacquard): per image, the single highest-scoring prediction is correct
  when it matches any ground-truth grasp. Accuracy = correct images / images; an image without
  predictions is a failure, never dropped from the denominator.
- ``mode='per_class'`` (OCID_grasp): per (image, object class) pair with ground truth, the
  highest-scoring prediction whose centre lies on the *predicted* mask of that class; correct when
  it matches any ground-truth grasp of that class. Accuracy = correct pairs / pairs.

The whole threshold grid of Tables III-IV is evaluated in one pass, plus semantic segmentation IoU
when the samples carry ``pred_sem_seg`` and ``gt_sem_seg``, under two definitions
(docs/conventions.md section 5):

- ``seg_mIoU``: the dataset-level mean IoU over classes (intersections and unions summed over all
  images, then averaged over the classes present), the usual semantic-segmentation figure;
- ``seg_img_IoU``: the authors' OCID_grasp definition (``scripts/evaluate_det_seg_OCID.py`` of
  stefan-ainetter/grasp_det_seg_cnn), the one of the paper's Table V: per image, the IoU of each
  *predicted* object class covering at least ``seg_min_pixels`` (100) pixels, background excluded,
  averaged over those classes, then over the images. An image with no such class scores 0 (the
  authors' script divides by zero there).

``seg_fg_IoU`` is the foreground (any object vs background) IoU over all pixels.

``score_thr`` is the authors' score floor: their OCID_grasp script only considers predictions
scoring above 0.05. It defaults to 0 (the best grasp is taken whatever its score); the OCID_grasp
config sets 0.05. An evaluation of no samples (or, per class, of no (image, class) pair with
ground truth) is an error, never a silent 0.

Data sample fields read (see docs/conventions.md, "Data sample fields"):
``pred_instances.bboxes`` ``(P, 5)`` grasps ``(x, y, w, h, theta)`` (tensor or RotatedBoxes) in the
frame of the original image resolution, ``pred_instances.scores`` ``(P,)``,
``gt_instances.bboxes`` ``(G, 5)`` grasps (:class:`GraspBoxes` or tensor) in the pipeline's frame
(mapped back to the original image with the sample's ``homography_matrix``, or ``scale_factor``
when there is none), ``gt_instances.labels`` ``(G,)`` grasped objects' classes (per_class mode),
``pred_sem_seg.sem_seg`` ``(1, H, W)`` and ``gt_sem_seg.sem_seg`` ``(1, H', W')``.
"""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmengine.structures import BaseDataElement

from mmgrasp.registry import METRICS
from mmgrasp.structures import angle_diff, grasp_iou, grasps_to_original, original_pixels_in_input
from mmgrasp.utils.json_io import write_json_atomic

MODES = ('top1', 'per_class')


def _to_numpy(x) -> np.ndarray:
    if hasattr(x, 'tensor'):  # mmdet BaseBoxes (RotatedBoxes)
        x = x.tensor
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def threshold_key(angle_deg: float, iou_thr: float) -> str:
    """Metric key of one grid point, e.g. ``acc_a30_iou25`` for 30 degrees and IoU 0.25."""
    return f'acc_a{angle_deg:g}_iou{round(iou_thr * 100):02d}'


def match_grid(pred: np.ndarray, gts: np.ndarray,
               grid: Sequence[Tuple[float, float]]) -> np.ndarray:
    """Whether one predicted grasp matches any ground truth, at each grid point.

    Args:
        pred (ndarray): ``(5,)`` predicted grasp.
        gts (ndarray): ``(G, 5)`` ground-truth grasps.
        grid (Sequence[tuple]): ``(angle_deg, iou_thr)`` pairs.

    Returns:
        ndarray: ``(len(grid),)`` bool.
    """
    if len(gts) == 0:
        return np.zeros(len(grid), dtype=bool)
    ious = grasp_iou(pred[None].astype(np.float64), gts.astype(np.float64))[0]  # (G,)
    dangle = np.degrees(angle_diff(np.full(len(gts), float(pred[4])), gts[:, 4]))  # (G,)
    return np.array([bool(np.any((dangle < a) & (ious > t))) for a, t in grid])


@METRICS.register_module()
class GraspJaccardMetric(BaseMetric):
    """Grasp accuracy by the Jaccard index over a grid of thresholds, and segmentation IoU.

    Keys (with the default prefix ``grasp``): ``grasp/acc_a{angle}_iou{iou*100}`` for every grid
    point, e.g. ``grasp/acc_a30_iou25`` (the paper's headline figure), as fractions in [0, 1];
    ``grasp/seg_mIoU``, ``grasp/seg_img_IoU`` and ``grasp/seg_fg_IoU`` when segmentation is
    present (see the module docstring for the two IoU definitions).

    Args:
        mode (str): ``'top1'`` (Cornell, Jacquard) or ``'per_class'`` (OCID_grasp).
            Defaults to ``'top1'``.
        angle_thrs (Sequence[float]): Angle thresholds in degrees, evaluated at ``iou_thrs[0]``.
            Defaults to ``(30, 25, 20, 15, 10, 5)``.
        iou_thrs (Sequence[float]): IoU thresholds, evaluated at ``angle_thrs[0]``.
            Defaults to ``(0.25, 0.30, 0.35)``.
        num_sem_classes (int, optional): Number of semantic classes for the segmentation IoU.
            Defaults to None: ``len(dataset_meta['sem_classes'])``, else inferred from the labels.
        ignore_index (int): Label ignored by the segmentation IoU. Defaults to 255.
        score_thr (float): Predictions scoring at most this are ignored (the authors' OCID_grasp
            script uses 0.05). Defaults to 0.0 (none ignored).
        seg_min_pixels (int): Smallest predicted class area, in pixels, counted by
            ``seg_img_IoU`` (the authors' 100). Defaults to 100.
        per_image_out (str, optional): Also write each image's outcome at every grid point to this
            JSON file (atomically, on the rank that computes the metrics): ``{"grid": [keys],
            "images": [{"img_path": str, "correct": [[bool, ...], ...]}]}`` with one row per image
            (``top1``) or per (image, class) pair (``per_class``), in the order of ``grid``. The
            per-image paired tests compare two runs with it
            (``tools/analysis_tools/compare_cv_runs.py``). Defaults to None (not written).
        collect_device (str): Device to collect results across ranks. Defaults to ``'cpu'``.
        prefix (str, optional): Key prefix. Defaults to None (``'grasp'``).
    """
    default_prefix: Optional[str] = 'grasp'

    def __init__(self,
                 mode: str = 'top1',
                 angle_thrs: Sequence[float] = (30, 25, 20, 15, 10, 5),
                 iou_thrs: Sequence[float] = (0.25, 0.30, 0.35),
                 num_sem_classes: Optional[int] = None,
                 ignore_index: int = 255,
                 score_thr: float = 0.0,
                 seg_min_pixels: int = 100,
                 per_image_out: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
        if not angle_thrs or not iou_thrs:
            raise ValueError('angle_thrs and iou_thrs need at least one value each')
        self.mode = mode
        grid = [(float(a), float(iou_thrs[0])) for a in angle_thrs]
        grid += [(float(angle_thrs[0]), float(t)) for t in iou_thrs
                 if float(t) != float(iou_thrs[0])]
        self.grid: List[Tuple[float, float]] = grid
        self.num_sem_classes = num_sem_classes
        self.ignore_index = ignore_index
        self.score_thr = float(score_thr)
        self.seg_min_pixels = int(seg_min_pixels)
        self.per_image_out = per_image_out

    # ---------------------------------------------------------------------------------------------
    def process(self, data_batch: dict, data_samples: Sequence) -> None:
        """Score each sample at every grid point and keep only the small per-sample result.

        Args:
            data_batch (dict): The batch from the dataloader (unused).
            data_samples (Sequence[DetDataSample | dict]): Samples with predictions.
        """
        for sample in data_samples:
            if isinstance(sample, BaseDataElement):
                sample = sample.to_dict()
            result = dict(img_path=sample.get('img_path'))
            pred = sample.get('pred_instances', {})
            pred_grasps = _to_numpy(pred.get('bboxes', np.zeros((0, 5)))).reshape(-1, 5)
            scores = _to_numpy(pred.get('scores', np.zeros(len(pred_grasps)))).reshape(-1)
            if self.score_thr > 0:
                keep = scores > self.score_thr
                pred_grasps, scores = pred_grasps[keep], scores[keep]
            gt = sample['gt_instances']
            gt_grasps = _to_numpy(gt['bboxes']).reshape(-1, 5).astype(np.float64)
            gt_grasps = np.asarray(grasps_to_original(gt_grasps, sample), dtype=np.float64)
            pred_seg = sample.get('pred_sem_seg', {}).get('sem_seg')
            gt_seg = sample.get('gt_sem_seg', {}).get('sem_seg')

            if self.mode == 'top1':
                result['correct'] = self._top1(pred_grasps, scores, gt_grasps)[None]  # (1, grid)
            else:
                if pred_seg is None:
                    raise ValueError('GraspJaccardMetric(mode="per_class") needs pred_sem_seg in '
                                     f'the predictions of {sample.get("img_path")}')
                obj_labels = _to_numpy(gt['labels']).reshape(-1)
                result['correct'] = self._per_class(pred_grasps, scores, gt_grasps, obj_labels,
                                                    _to_numpy(pred_seg)[0], sample.get('ori_shape'))
            if pred_seg is not None and gt_seg is not None:
                result['seg'] = self._seg_stats(pred_seg, gt_seg, sample)
            self.results.append(result)

    def _top1(self, preds: np.ndarray, scores: np.ndarray, gts: np.ndarray) -> np.ndarray:
        if len(preds) == 0:
            return np.zeros(len(self.grid), dtype=bool)
        best = int(np.argmax(scores))
        return match_grid(preds[best], gts, self.grid)

    def _per_class(self, preds: np.ndarray, scores: np.ndarray, gts: np.ndarray,
                   obj_labels: np.ndarray, pred_seg: np.ndarray,
                   ori_shape: Optional[Sequence[int]]) -> np.ndarray:
        classes = np.unique(obj_labels)
        out = np.zeros((len(classes), len(self.grid)), dtype=bool)
        if len(preds) == 0:
            return out
        h, w = pred_seg.shape
        # The mask may be stored at another resolution than the predictions' frame.
        fy, fx = (h / ori_shape[0], w / ori_shape[1]) if ori_shape is not None else (1.0, 1.0)
        cols = np.clip(np.floor(preds[:, 0] * fx).astype(np.int64), 0, w - 1)
        rows = np.clip(np.floor(preds[:, 1] * fy).astype(np.int64), 0, h - 1)
        centre_class = pred_seg[rows, cols]  # (P,) predicted class under each grasp centre
        for i, c in enumerate(classes):
            on_mask = np.flatnonzero(centre_class == c)
            if len(on_mask) == 0:
                continue  # no prediction on this object: a failure
            best = on_mask[int(np.argmax(scores[on_mask]))]
            out[i] = match_grid(preds[best], gts[obj_labels == c], self.grid)
        return out

    def _gt_seg_in_pred_frame(self, gt: np.ndarray, pred_shape: Tuple[int, int],
                              sample: dict) -> np.ndarray:
        """The ``(H', W')`` pipeline-frame labels resampled (nearest) onto the prediction's
        ``(H, W)`` original-image grid through the inverse of the pipeline's geometry, so that a
        crop is undone, not stretched; pixels the pipeline cut away are ignored."""
        ori = tuple(sample.get('ori_shape', pred_shape)[:2])
        if gt.shape == tuple(pred_shape) and 'homography_matrix' not in sample:
            return gt
        if ori != tuple(pred_shape):  # predictions not at the original size: plain resize
            t = torch.as_tensor(gt)[None, None].float()
            return F.interpolate(t, size=pred_shape, mode='nearest')[0, 0].long().numpy()
        qx, qy = original_pixels_in_input(sample, pred_shape)  # as warp_to_original samples
        cols, rows = np.floor(qx).astype(np.int64), np.floor(qy).astype(np.int64)
        inside = (cols >= 0) & (cols < gt.shape[1]) & (rows >= 0) & (rows < gt.shape[0])
        out = np.full(pred_shape, self.ignore_index, dtype=np.int64)
        out[inside] = gt[rows[inside], cols[inside]]
        return out

    def _seg_stats(self, pred_seg, gt_seg, sample: dict) -> Dict[str, np.ndarray]:
        pred_np = _to_numpy(pred_seg).reshape(_to_numpy(pred_seg).shape[-2:])
        gt_np = self._gt_seg_in_pred_frame(
            _to_numpy(gt_seg).reshape(_to_numpy(gt_seg).shape[-2:]).astype(np.int64),
            pred_np.shape, sample)
        pred = torch.as_tensor(pred_np).long()
        gt = torch.as_tensor(gt_np).long()
        valid = gt != self.ignore_index
        pred, gt = pred[valid], gt[valid]
        n = self._num_sem_classes(int(max(pred.max().item() if pred.numel() else 0,
                                          gt.max().item() if gt.numel() else 0)) + 1)
        inter = torch.bincount(gt[pred == gt], minlength=n)[:n]
        area_p = torch.bincount(pred, minlength=n)[:n]
        area_g = torch.bincount(gt, minlength=n)[:n]
        fg_p, fg_g = pred != 0, gt != 0
        union = area_p + area_g - inter
        # the authors' per-image IoU: predicted object classes of at least seg_min_pixels pixels
        counted = [c for c in range(1, n) if area_p[c] >= self.seg_min_pixels]
        img_iou = float(np.mean([(inter[c] / union[c]).item()
                                 for c in counted])) if counted else 0.0
        return dict(
            inter=inter.numpy(), union=union.numpy(), img_iou=img_iou,
            fg=np.array([(fg_p & fg_g).sum().item(), (fg_p | fg_g).sum().item()]))

    def _num_sem_classes(self, observed: int) -> int:
        if self.num_sem_classes is not None:
            return self.num_sem_classes
        meta = self.dataset_meta or {}
        if 'sem_classes' in meta:
            return len(meta['sem_classes'])
        return max(observed, 2)

    def _write_per_image(self, results: list, keys: List[str]) -> None:
        """Write every image's ``correct`` rows to ``per_image_out`` (see the class docstring)."""
        images = [dict(img_path=r.get('img_path'),
                       correct=np.asarray(r['correct'], dtype=bool).tolist()) for r in results]
        write_json_atomic(self.per_image_out, dict(grid=keys, images=images))
        MMLogger.get_current_instance().info(
            f'Per-image outcomes of {len(images)} images written to {self.per_image_out}')

    # ---------------------------------------------------------------------------------------------
    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Accuracy at each grid point and segmentation IoU over all processed samples.

        Args:
            results (list): The per-sample results of :meth:`process`.

        Returns:
            dict: Flat metric dict (keys without the prefix).
        """
        logger = MMLogger.get_current_instance()
        if not results:
            raise ValueError('GraspJaccardMetric received no samples: the evaluated dataset is '
                             'empty (check the split and data_root); refusing to report 0 %')
        correct = np.concatenate([r['correct'] for r in results], axis=0)
        if len(correct) == 0:
            raise ValueError(f'GraspJaccardMetric(mode={self.mode!r}): none of the {len(results)} '
                             'images has a ground-truth grasp to score against')
        metrics: Dict[str, float] = OrderedDict()
        denom = len(correct)
        for j, (a, t) in enumerate(self.grid):
            metrics[threshold_key(a, t)] = float(correct[:, j].sum()) / denom
        unit = 'images' if self.mode == 'top1' else '(image, class) pairs'
        if self.per_image_out:
            self._write_per_image(results, list(metrics))
        table = ', '.join(f'{k}={v * 100:.2f}%' for k, v in metrics.items())
        logger.info(f'Grasp accuracy ({self.mode}) over {len(correct)} {unit}: {table}')

        seg = [r['seg'] for r in results if 'seg' in r]
        if seg:
            n = max(len(s['inter']) for s in seg)
            inter = sum(np.pad(s['inter'], (0, n - len(s['inter']))) for s in seg)
            union = sum(np.pad(s['union'], (0, n - len(s['union']))) for s in seg)
            present = union > 0
            metrics['seg_mIoU'] = float(np.mean(
                inter[present] / union[present])) if present.any() else 0.0
            fg = sum(s['fg'] for s in seg)
            metrics['seg_fg_IoU'] = float(fg[0] / fg[1]) if fg[1] > 0 else 0.0
            metrics['seg_img_IoU'] = float(np.mean([s['img_iou'] for s in seg]))
            logger.info(f'Segmentation over {len(seg)} images: '
                        f'mIoU={metrics["seg_mIoU"] * 100:.2f}%, '
                        f'foreground IoU={metrics["seg_fg_IoU"] * 100:.2f}%, per-image IoU of '
                        f'predicted classes (authors\' OCID_grasp definition)='
                        f'{metrics["seg_img_IoU"] * 100:.2f}%')
        return metrics
