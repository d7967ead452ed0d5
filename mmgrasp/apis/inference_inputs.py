# Copyright (c) mmgrasp contributors. All rights reserved.
"""The inputs of :class:`~mmgrasp.apis.GraspInferencer`, checked before its test pipeline.

What an input must be (docs/inference.md, "What an input must be"): an image file (not empty),
a uint8 BGR array (grayscale and BGRA converted), or for RGB-D models
``dict(img=..., depth=...)``. A refused input gets a message naming it and saying what to pass;
the inferencer reports it as that input's ``error`` and goes on with the others. The checks of
the network input itself (value range, minimum and maximum size), which mmdet's
``inference_detector`` runs too, are :func:`mmgrasp.models.utils.check_network_inputs`.
"""
import os.path as osp
from typing import Union

import numpy as np

from mmgrasp.models.utils.image_input_checks import conversion_advice, value_range

InputType = Union[str, np.ndarray, dict]


def colour_of(single_input: InputType) -> Union[str, np.ndarray]:
    """The colour image (path or array) of an input; an RGB-D input's ``img``."""
    return single_input['img'] if isinstance(single_input, dict) else single_input


def check_image_file(path: str, what: str = 'an image') -> None:
    """Refuse an empty file with a message naming it (OpenCV's is ``!buf.empty()``).

    A missing or undecodable file is left to the loader, whose message names it.

    Args:
        path (str): The file.
        what (str): What it should hold, for the message. Defaults to ``'an image'``.

    Raises:
        ValueError: For a file of 0 bytes.
    """
    if osp.isfile(path) and osp.getsize(path) == 0:
        raise ValueError(f'{path}: the file is empty (0 bytes), not {what}; was it copied '
                         'or written completely?')


def image_to_bgr_uint8(img: np.ndarray) -> np.ndarray:
    """Check an image array and bring it to ``(H, W, 3)`` uint8 BGR.

    Grayscale ``(H, W)`` / ``(H, W, 1)`` images are repeated into three channels and the alpha
    channel of a 4-channel (BGRA) image is dropped, as ``mmcv.imread`` does for files.

    Args:
        img (ndarray): The image, BGR as ``cv2.imread`` / ``mmcv.imread`` return it.

    Returns:
        ndarray: ``(H, W, 3)`` uint8.

    Raises:
        ValueError: For another dtype than uint8 (the message says how to convert: float images
            in [0, 1], uint16 ones...), another number of channels or an empty image.
    """
    if not isinstance(img, np.ndarray):
        raise TypeError(f'an image must be a numpy array or a path, got {type(img).__name__}')
    if img.dtype != np.uint8:
        numeric = img.size and (np.issubdtype(img.dtype, np.number) or img.dtype == bool)
        lo, hi = (float(img.min()), float(img.max())) if numeric else (0.0, 0.0)
        raise ValueError(f'an image array must be uint8 BGR (0-255, as cv2.imread returns it), '
                         f'got {img.dtype} with values in {value_range(lo, hi)}: '
                         f'{conversion_advice(str(img.dtype), lo, hi)}')
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    elif img.ndim == 3 and img.shape[2] == 4:
        img = img[..., :3]
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f'an image array must be (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), '
                         f'got shape {img.shape}')
    if min(img.shape[:2]) == 0:
        raise ValueError(f'empty image of shape {img.shape}')
    return np.ascontiguousarray(img)


def rgbd_data_info(single_input: dict) -> dict:
    """The pipeline's data info of an RGB-D input ``dict(img=..., depth=...)``.

    Args:
        single_input (dict): ``img``: a path or a BGR array; ``depth``: a path (raw units, read by
            ``LoadDepthFromFile`` with the config's ``depth_scale``) or an ``(H, W)`` array in
            metres.

    Returns:
        dict: ``img_path`` or ``img``, and ``depth_path`` or ``depth``.
    """
    unknown = set(single_input) - {'img', 'depth'}
    if 'img' not in single_input or unknown:
        raise ValueError(f'an RGB-D input is dict(img=..., depth=...), got keys '
                         f'{sorted(single_input)}')
    img, depth = single_input['img'], single_input.get('depth')
    info = {}
    if isinstance(img, str):
        check_image_file(img)
        info['img_path'] = img
    elif isinstance(img, np.ndarray):
        info['img'] = image_to_bgr_uint8(img)
    else:
        raise TypeError(f'img must be a path or an array, got {type(img).__name__}')
    if isinstance(depth, str):
        check_image_file(depth, 'a depth image')
        info['depth_path'] = depth
    elif isinstance(depth, np.ndarray):
        info['depth'] = depth
    elif depth is not None:
        raise TypeError(f'depth must be a path or an array, got {type(depth).__name__}')
    return info
