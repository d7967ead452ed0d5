# Copyright (c) mmgrasp contributors. All rights reserved.
"""mmcv's ``LoadImageFromFile`` that checks the file before OpenCV sees it."""
import os
from typing import Optional

import cv2
from mmcv.transforms import LoadImageFromFile as MMCVLoadImageFromFile

from mmgrasp.registry import TRANSFORMS
from ..safe_paths import check_before_get


@TRANSFORMS.register_module()
class LoadImageFromFile(MMCVLoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` (same arguments, same pixels) with the file checked first.

    Registered in mmgrasp's scope under mmcv's name, so every config with
    ``default_scope='mmgrasp'`` and ``dict(type='LoadImageFromFile')`` takes it, and so does
    ``mmdet.apis.inference_detector`` given a path (it runs the config's test pipeline). Only
    :meth:`transform` differs: before the bytes are decoded, a local file must be a regular file
    (not a FIFO, a device or a folder) of at most ``MAX_FILE_BYTES`` and not empty, and bytes
    OpenCV cannot decode raise a ``ValueError`` that names the file. mmcv's version reads an
    empty file into OpenCV, whose ``!buf.empty()`` assertion names no file.

    Args:
        **kwargs: mmcv's ``LoadImageFromFile`` arguments (``to_float32``, ``color_type``,
            ``imdecode_backend``, ``ignore_empty``, ``backend_args``).
    """

    def transform(self, results: dict) -> Optional[dict]:
        """Check ``results['img_path']``, then load it as mmcv does.

        Args:
            results (dict): With ``img_path``.

        Returns:
            dict | None: ``results`` with ``img`` ``(H, W, 3)`` (``(H, W)`` for grayscale),
            ``img_shape`` and ``ori_shape``; None for a missing file with ``ignore_empty``.
        """
        path = results['img_path']
        local = '://' not in str(path) and (self.backend_args
                                            or {}).get('backend', 'local') == 'local'
        if local:
            if not os.path.lexists(path):
                if self.ignore_empty:
                    return None
                raise FileNotFoundError(f'{path}: no such image file')
            check_before_get(path, self.backend_args, 'image')
            if os.path.getsize(path) == 0:
                raise ValueError(f'{path}: the file is empty (0 bytes), not an image')
        try:
            return super().transform(results)
        except (cv2.error, AssertionError) as e:  # OpenCV's, or mmcv's "failed to load image"
            raise ValueError(f'{path}: not an image OpenCV can read ({str(e).strip()})') from e
