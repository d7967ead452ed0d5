# Copyright (c) mmgrasp contributors. All rights reserved.
"""Load grasp annotations and semantic masks (the grasp version of mmdet ``LoadAnnotations``)."""
from typing import Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.fileio import get

from mmgrasp.registry import TRANSFORMS
from mmgrasp.structures import GraspBoxes
from ..safe_paths import check_before_get
from ..utils import is_truncated_png

IGNORE_INDEX = 255
"""Mask value of pixels without a label (the segmentation loss ignores them)."""


@TRANSFORMS.register_module()
class LoadGraspAnnotations(BaseTransform):
    """Load the grasps of a data info and, optionally, its semantic mask.

    Required keys: ``instances`` (list of dicts with ``grasp``, ``obj_label``, ``ignore_flag``);
    ``seg_map_path`` when ``with_seg``; optional ``mask_threshold`` (int: a binary mask, values
    ``>= mask_threshold`` become class 1 and the others class 0; Jacquard's anti-aliased 0/255
    masks use 128), ``label_map`` (dict mask value -> class id, applied after the threshold),
    ``num_sem_classes`` (added by the grasp datasets from their ``sem_classes``) and
    ``img_shape`` (to check that mask and image agree).

    **Mask checks** (docs/bad_data.md). Every error names the mask file: an empty (0-byte),
    truncated or undecodable file; a mask with more than one channel or values outside
    ``[0, 255]``; and, when the number of semantic classes ``n`` is known (``num_sem_classes``
    argument, else the data info's), any value that is neither a class id ``< n`` nor
    ``255`` (ignore), with the offending values and their pixel counts. Without it the values
    are not checked.

    Added keys:

    - ``gt_bboxes`` (:class:`~mmgrasp.structures.GraspBoxes`): ``(N, 5)`` float32 grasps
      ``(x, y, w, h, theta)``, an mmdet box type, so that mmdet's and mmrotate's transforms can
      move them too.
    - ``gt_bboxes_labels`` (ndarray): ``(N,)`` int64 semantic class of each grasped object.
    - ``gt_ignore_flags`` (ndarray): ``(N,)`` bool.
    - ``gt_seg_map`` (ndarray): ``(H, W)`` uint8 class ids, when ``with_seg``.

    The orientation bins and unrotated-frame boxes of the detection head are not made in the
    pipeline: the detector derives them from the grasps in its loss
    (:func:`mmgrasp.structures.detection_target_samples`).

    **Inference.** A data info that carries no annotation at all (neither ``instances`` nor
    ``seg_map_path``) is an image to predict on, as :func:`mmdet.apis.inference_detector` and
    :class:`mmgrasp.apis.GraspInferencer` build it (``dict(img_path=...)`` or ``dict(img=...)``):
    the transform then passes it through unchanged and adds no ``gt_*`` key, so that a config's
    test pipeline serves for inference as it is. A data info with ``instances`` but without
    ``seg_map_path`` is still an error when ``with_seg`` (a dataset without masks).

    Args:
        with_grasp (bool): Load the grasps. Defaults to True.
        with_seg (bool): Load the semantic mask. Defaults to False.
        imdecode_backend (str): Backend of :func:`mmcv.imfrombytes`. Defaults to ``'cv2'``.
        backend_args (dict, optional): File backend arguments. Defaults to None.
        num_sem_classes (int, optional): Number of semantic classes the mask values are checked
            against; overrides the data info's ``num_sem_classes``. Defaults to None.
    """

    def __init__(self,
                 with_grasp: bool = True,
                 with_seg: bool = False,
                 imdecode_backend: str = 'cv2',
                 backend_args: Optional[dict] = None,
                 num_sem_classes: Optional[int] = None) -> None:
        if num_sem_classes is not None and not 1 <= num_sem_classes <= IGNORE_INDEX:
            raise ValueError(f'num_sem_classes must be in [1, {IGNORE_INDEX}], '
                             f'got {num_sem_classes}')
        self.with_grasp = with_grasp
        self.with_seg = with_seg
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args
        self.num_sem_classes = num_sem_classes

    @staticmethod
    def is_inference_input(results: dict) -> bool:
        """Whether ``results`` is an image without annotations (neither ``instances`` nor
        ``seg_map_path``), as the inference APIs make it."""
        return 'instances' not in results and 'seg_map_path' not in results

    def _load_grasps(self, results: dict) -> None:
        instances = results.get('instances', [])
        results['gt_bboxes'] = GraspBoxes(np.array([inst['grasp'] for inst in instances],
                                                   dtype=np.float32).reshape(-1, 5))
        results['gt_bboxes_labels'] = np.array([inst.get('obj_label', 0) for inst in instances],
                                               dtype=np.int64)
        results['gt_ignore_flags'] = np.array([inst.get('ignore_flag', 0) for inst in instances],
                                              dtype=bool)

    def _load_seg_map(self, results: dict) -> None:
        path = results.get('seg_map_path')
        if path is None:
            raise KeyError('LoadGraspAnnotations(with_seg=True) needs seg_map_path, but the '
                           f'sample {results.get("img_path")} has none (a dataset without masks?)')
        check_before_get(path, self.backend_args, 'mask')
        img_bytes = get(path, backend_args=self.backend_args)
        if len(img_bytes) == 0:
            raise ValueError(f'{path}: empty mask file (0 bytes)')
        if is_truncated_png(img_bytes):
            raise ValueError(f'{path}: truncated PNG mask (no IEND chunk at the end of its '
                             f'{len(img_bytes)} bytes)')
        try:
            seg = mmcv.imfrombytes(img_bytes, flag='unchanged', backend=self.imdecode_backend)
        except Exception as e:  # cv2 and PIL raise several kinds of error for a broken file
            raise ValueError(f'{path}: not a readable mask image ({e})') from e
        if seg is None:
            raise ValueError(f'{path}: not a readable mask image')
        seg = seg.squeeze()
        if seg.ndim != 2:
            raise ValueError(f'{path}: a mask must have one channel, got shape {seg.shape}')
        if seg.dtype != np.uint8:
            if seg.size and (seg.min() < 0 or seg.max() > 255):
                raise ValueError(f'{path}: mask values must be class ids in [0, 255], got '
                                 f'[{seg.min()}, {seg.max()}]')
            seg = seg.astype(np.uint8)
        threshold = results.get('mask_threshold')
        if threshold is not None:
            seg = (seg >= threshold).astype(np.uint8)
        label_map = results.get('label_map')
        if label_map:
            lut = np.arange(256, dtype=np.uint8)
            for old, new in label_map.items():
                lut[old] = new
            seg = lut[seg]
        num_classes = self.num_sem_classes or results.get('num_sem_classes')
        if num_classes:
            self._check_class_ids(seg, int(num_classes), path, threshold, label_map)
        img_shape = results.get('img_shape')
        if img_shape is not None and tuple(seg.shape) != tuple(img_shape[:2]):
            raise ValueError(f'{path}: mask size {seg.shape} differs from image size '
                             f'{tuple(img_shape[:2])} of {results.get("img_path")}')
        results['gt_seg_map'] = seg.astype(np.uint8)
        results.setdefault('seg_fields', []).append('gt_seg_map')

    @staticmethod
    def _check_class_ids(seg: np.ndarray, num_classes: int, path: str,
                         threshold: Optional[int], label_map: Optional[dict]) -> None:
        """Raise if ``seg`` (uint8, ``(H, W)``) holds a value that is neither a class id below
        ``num_classes`` nor the ignore value 255, naming the file and the values."""
        counts = np.bincount(seg.ravel(), minlength=256)  # (256,) pixels per value
        values = np.flatnonzero(counts)
        bad = values[(values >= num_classes) & (values != IGNORE_INDEX)]
        if len(bad) == 0:
            return
        shown = ', '.join(f'{v} ({counts[v]} px)' for v in bad[:10])
        more = f' and {len(bad) - 10} more' if len(bad) > 10 else ''
        how = ''.join([f', after mask_threshold={threshold}' if threshold is not None else '',
                       f', after label_map={label_map}' if label_map else ''])
        raise ValueError(f'{path}: mask values {shown}{more} are not class ids of the '
                         f'{num_classes} semantic classes (expected 0..{num_classes - 1}, or '
                         f'{IGNORE_INDEX} = ignore{how})')

    def transform(self, results: dict) -> dict:
        """Load the annotations.

        Args:
            results (dict): The data info, usually after ``LoadImageFromFile``.

        Returns:
            dict: ``results`` with the keys listed in the class docstring, or ``results``
            unchanged when it holds no annotation (inference, see the class docstring).
        """
        if self.is_inference_input(results):
            return results
        if self.with_grasp:
            self._load_grasps(results)
        if self.with_seg:
            self._load_seg_map(results)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(with_grasp={self.with_grasp}, with_seg={self.with_seg}, '
                f'imdecode_backend={self.imdecode_backend!r}, backend_args={self.backend_args}, '
                f'num_sem_classes={self.num_sem_classes})')
