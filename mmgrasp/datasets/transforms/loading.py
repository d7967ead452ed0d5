# Copyright (c) mmgrasp contributors. All rights reserved.
"""Load grasp annotations and semantic masks (the grasp version of mmdet ``LoadAnnotations``)."""
from typing import Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.fileio import get

from mmgrasp.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadGraspAnnotations(BaseTransform):
    """Load the grasps of a data info and, optionally, its semantic mask.

    Required keys: ``instances`` (list of dicts with ``grasp``, ``obj_label``, ``ignore_flag``);
    ``seg_map_path`` when ``with_seg``; optional ``label_map`` (dict mask value -> class id, e.g.
    Jacquard's ``{255: 1}``) and ``img_shape`` (to check that mask and image agree).

    Added keys:

    - ``gt_grasps`` (ndarray): ``(N, 5)`` float32 grasps ``(x, y, w, h, theta)``.
    - ``gt_obj_labels`` (ndarray): ``(N,)`` int64 semantic class of each grasped object.
    - ``gt_ignore_flags`` (ndarray): ``(N,)`` bool.
    - ``gt_seg_map`` (ndarray): ``(H, W)`` uint8 class ids, when ``with_seg``.

    The orientation bins and unrotated-frame boxes of the detection head are not made here but
    in :class:`PackGraspInputs`, after the geometric augmentations.

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
    """

    def __init__(self,
                 with_grasp: bool = True,
                 with_seg: bool = False,
                 imdecode_backend: str = 'cv2',
                 backend_args: Optional[dict] = None) -> None:
        self.with_grasp = with_grasp
        self.with_seg = with_seg
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args

    @staticmethod
    def is_inference_input(results: dict) -> bool:
        """Whether ``results`` is an image without annotations (neither ``instances`` nor
        ``seg_map_path``), as the inference APIs make it."""
        return 'instances' not in results and 'seg_map_path' not in results

    def _load_grasps(self, results: dict) -> None:
        instances = results.get('instances', [])
        results['gt_grasps'] = np.array([inst['grasp'] for inst in instances],
                                        dtype=np.float32).reshape(-1, 5)
        results['gt_obj_labels'] = np.array([inst.get('obj_label', 0) for inst in instances],
                                            dtype=np.int64)
        results['gt_ignore_flags'] = np.array([inst.get('ignore_flag', 0) for inst in instances],
                                              dtype=bool)

    def _load_seg_map(self, results: dict) -> None:
        path = results.get('seg_map_path')
        if path is None:
            raise KeyError('LoadGraspAnnotations(with_seg=True) needs seg_map_path, but the '
                           f'sample {results.get("img_path")} has none (a dataset without masks?)')
        img_bytes = get(path, backend_args=self.backend_args)
        seg = mmcv.imfrombytes(img_bytes, flag='unchanged', backend=self.imdecode_backend)
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
        label_map = results.get('label_map')
        if label_map:
            lut = np.arange(256, dtype=np.uint8)
            for old, new in label_map.items():
                lut[old] = new
            seg = lut[seg]
        img_shape = results.get('img_shape')
        if img_shape is not None and tuple(seg.shape) != tuple(img_shape[:2]):
            raise ValueError(f'{path}: mask size {seg.shape} differs from image size '
                             f'{tuple(img_shape[:2])} of {results.get("img_path")}')
        results['gt_seg_map'] = seg.astype(np.uint8)
        results.setdefault('seg_fields', []).append('gt_seg_map')

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
                f'imdecode_backend={self.imdecode_backend!r}, backend_args={self.backend_args})')
