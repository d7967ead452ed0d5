# Copyright (c) mmgrasp contributors. All rights reserved.
"""Load an aligned depth image into the pipeline (RGB-D input)."""
from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.fileio import get
from scipy import ndimage

from mmgrasp.registry import TRANSFORMS
from ..safe_paths import check_before_get


def fill_invalid_depth(depth: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Give every invalid pixel the depth of the nearest valid pixel (Euclidean distance in
    pixels; among equally near ones, the first that :func:`scipy.ndimage.distance_transform_edt`
    finds).

    Args:
        depth (ndarray): ``(H, W)`` float32 depth in metres.
        valid (ndarray): ``(H, W)`` bool, at least one True.

    Returns:
        ndarray: ``(H, W)`` float32 depth without holes.
    """
    if valid.all():
        return depth
    _, (rows, cols) = ndimage.distance_transform_edt(~valid, return_indices=True)
    return depth[rows, cols].astype(np.float32)


@TRANSFORMS.register_module()
class LoadDepthFromFile(BaseTransform):
    """Load the depth image aligned with the colour image, in metres, without holes.

    The depth travels beside the image as ``results['depth']`` and is listed in
    ``depth_fields``: every geometric step of mmgrasp (:class:`GraspResize`,
    :class:`GraspCenterCrop`, :class:`GraspRandomFlip`, :class:`GraspRandomRotateTranslate`,
    :class:`GraspTranslate`) moves it with the image (nearest-neighbour sampling, so that no depth
    between an object and the table is invented; pixels brought in from outside the image get 0),
    and photometric steps, which only touch ``img``, leave it alone. :class:`PackGraspInputs` puts
    it after the colour channels (``inputs`` of shape ``(4, H, W)``) and
    :class:`~mmgrasp.models.data_preprocessors.RGBDDataPreprocessor` normalises it.

    **Invalid depth** (0, negative, NaN, infinite, or above ``max_depth``) is filled here: each
    invalid pixel takes the depth of the nearest valid pixel (:func:`fill_invalid_depth`), the
    rule of docs/datasets.md, "Depth". A depth image without one valid pixel, of another size than
    the colour image, or with more than one channel is an error naming the file.

    Required keys: ``depth_path`` (the data info's, from the dataset; raw units times
    ``depth_scale``) or ``depth`` (an array in metres, for inference); ``img`` (to check the
    size). Added keys: ``depth`` (``(H, W)`` float32
    metres), ``depth_fields``, ``depth_valid_ratio`` (fraction of valid pixels before filling).

    Args:
        depth_scale (float): Metres per raw unit: 1 for float images in metres (Jacquard's
            ``perfect_depth.tiff``), 0.001 for 16-bit images in millimetres (OCID_grasp,
            RealSense). Defaults to 1.0.
        max_depth (float, optional): Depths above it (metres) are invalid. Defaults to None.
        backend_args (dict, optional): File backend arguments. Defaults to None.
    """

    def __init__(self, depth_scale: float = 1.0, max_depth: Optional[float] = None,
                 backend_args: Optional[dict] = None) -> None:
        if not depth_scale > 0:
            raise ValueError(f'depth_scale must be positive, got {depth_scale}')
        self.depth_scale = depth_scale
        self.max_depth = max_depth
        self.backend_args = backend_args

    def _read(self, path: str) -> np.ndarray:
        check_before_get(path, self.backend_args, 'depth image')
        data = get(path, backend_args=self.backend_args)
        if len(data) == 0:
            raise ValueError(f'{path}: empty depth file (0 bytes)')
        raw = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        if raw is None:
            raise ValueError(f'{path}: not a readable depth image')
        return raw

    def transform(self, results: dict) -> dict:
        """Load, convert to metres, check and fill the depth.

        Args:
            results (dict): The data info after ``LoadImageFromFile``.

        Returns:
            dict: ``results`` with ``depth``, ``depth_fields`` and ``depth_valid_ratio``.
        """
        path = results.get('depth_path')
        if results.get('depth') is not None:  # an array, already in metres
            raw, where, scale = np.asarray(results['depth']), 'the depth array', 1.0
        elif path:
            raw, where, scale = self._read(path), path, self.depth_scale
        else:
            raise KeyError(f'{results.get("img_path") or "the image"}: an RGB-D pipeline needs its '
                           'depth image (depth_path in the data info, or a depth array), and '
                           'there is none')
        raw = np.squeeze(raw)
        if raw.ndim != 2:
            raise ValueError(f'{where}: a depth image has one channel, got shape {raw.shape}')
        img_shape = results['img'].shape[:2] if 'img' in results else None
        if img_shape is not None and tuple(raw.shape) != tuple(img_shape):
            raise ValueError(f'{where}: depth size {raw.shape} differs from the image size '
                             f'{tuple(img_shape)} of {results.get("img_path")}; the depth must '
                             'be aligned to the colour image')
        depth = raw.astype(np.float32) * np.float32(scale)
        valid = np.isfinite(depth) & (depth > 0)
        if self.max_depth is not None:
            valid &= depth <= self.max_depth
        if not valid.any():
            raise ValueError(f'{where}: no valid depth (every pixel is 0, negative, NaN, '
                             f'infinite or beyond max_depth={self.max_depth})')
        results['depth_valid_ratio'] = float(valid.mean())
        results['depth'] = fill_invalid_depth(np.where(valid, depth, 0).astype(np.float32), valid)
        fields = results.setdefault('depth_fields', [])
        if 'depth' not in fields:
            fields.append('depth')
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(depth_scale={self.depth_scale}, '
                f'max_depth={self.max_depth}, backend_args={self.backend_args})')
