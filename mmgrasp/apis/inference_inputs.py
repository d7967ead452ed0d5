# Copyright (c) mmgrasp contributors. All rights reserved.
"""The inputs of :class:`~mmgrasp.apis.GraspInferencer`, checked before its test pipeline.

What an input must be (docs/inference.md, "What an input must be"): an image file (not empty),
a uint8 BGR array (grayscale and BGRA converted), or for RGB-D models
``dict(img=..., depth=...)``. A refused input gets a message naming it and saying what to pass;
the inferencer reports it as that input's ``error`` and goes on with the others. The checks of
the network input itself (value range, minimum and maximum size), which mmdet's
``inference_detector`` runs too, are :func:`mmgrasp.models.utils.check_network_inputs`.

**RGB-D models** (``*_rgbd_*`` configs, whose test pipeline has ``LoadDepthFromFile``) take an
input as ``dict(img=<path or BGR array>, depth=<path or array>)``: a depth file is read as the
config says (raw units times its ``depth_scale``), a depth array is taken in metres. An RGB-D
model given an image alone reports that image as an error naming the missing depth.

Annotations are never loaded: the config's test pipeline is used as it is, and
``LoadGraspAnnotations`` passes a data info without annotations through unchanged (see its
docstring). The first loading step becomes mmdet's ``InferencerLoader`` (paths and arrays).
"""
import os.path as osp
from typing import Callable, List, Mapping, Sequence, Tuple, Union

import numpy as np

from mmgrasp.models.utils.image_input_checks import conversion_advice, value_range

InputType = Union[str, np.ndarray, dict]


def colour_of(single_input: InputType) -> Union[str, np.ndarray, None]:
    """The colour image (path or array) of an input; an RGB-D input's ``img`` (None for a dict
    without one, which :func:`rgbd_data_info` refuses as that input's error)."""
    return single_input.get('img') if isinstance(single_input, dict) else single_input


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


def input_names(inputs: Sequence[InputType], first_number: int = 0) -> List[str]:
    """Output file stems: a file's name without extension, made unique; numbers for arrays.

    Args:
        inputs (list): Paths, arrays or RGB-D dicts (named by their ``img``).
        first_number (int): Number of the first input, for arrays (zero-padded to 8 digits).
            Defaults to 0.

    Returns:
        list[str]: One stem per input; a repeated name gets ``_<index>`` appended.
    """
    names, seen = [], set()
    for i, single_input in enumerate(inputs):
        single_input = colour_of(single_input)
        if isinstance(single_input, str):
            name = osp.splitext(osp.basename(single_input.rstrip('/')))[0] or f'{i:08d}'
        else:
            name = f'{first_number + i:08d}'
        if name in seen:
            name = f'{name}_{i}'
        seen.add(name)
        names.append(name)
    return names


def load_input(single_input: InputType, pipeline: Callable) -> Tuple[InputType, dict]:
    """Check an input and run the test pipeline on it.

    Args:
        single_input (str | ndarray | dict): An image path, an image array or an RGB-D dict.
        pipeline (Callable): The inferencer's test pipeline.

    Returns:
        tuple: The checked input (an array brought to BGR uint8) and the packed data.

    Raises:
        TypeError | ValueError: For an input that is none of these or fails the checks.
    """
    if isinstance(single_input, np.ndarray):
        single_input = image_to_bgr_uint8(single_input)
    elif isinstance(single_input, dict):
        info = rgbd_data_info(single_input)
        if 'img' in info:
            single_input = dict(single_input, img=info['img'])
        return single_input, pipeline(info)
    elif not isinstance(single_input, str):
        raise TypeError('an input must be an image path, a numpy array or an RGB-D '
                        f'dict(img=..., depth=...), got {type(single_input).__name__}')
    else:
        check_image_file(single_input)
    return single_input, pipeline(single_input)


def pipeline_needs_depth(cfg: Mapping) -> bool:
    """Whether a config's test pipeline loads depth (``LoadDepthFromFile``: an RGB-D model)."""
    pipeline = cfg.get('test_dataloader', {}).get('dataset', {}).get('pipeline', [])
    return any(str(step.get('type', '')).split('.')[-1] == 'LoadDepthFromFile'
               for step in pipeline)
