# Copyright (c) mmgrasp contributors. All rights reserved.
"""Checks of the images a detector is asked to predict on, before its data preprocessor.

:meth:`GraspDetSeg.test_step <mmgrasp.models.GraspDetSeg.test_step>` and
:meth:`ORTGraspDetector.test_step <mmgrasp.deployment.ORTGraspDetector.test_step>` run
:func:`check_network_inputs` on the packed inputs, so every way in (mmdet's
``inference_detector``, :class:`~mmgrasp.apis.GraspInferencer`, the demos, ``tools/test.py``)
refuses what would otherwise give silent garbage (docs/inference.md, "What an input must be"):

- **Values.** uint8 images (0-255, BGR, as ``cv2.imread`` returns them) are the contract;
  floating-point images are taken when their values are in [0, 255] (mmdet's
  ``LoadImageFromFile(to_float32=True)``), refused when they look scaled to [0, 1], lie outside
  [0, 255] (already normalised) or are not finite. Any other dtype (uint16, int32, bool) is
  refused. The message says how to convert.
- **Size**, of the network input (the image after the config's test pipeline): a side below
  :data:`MIN_INPUT_SIDE` px is refused; more than :data:`MAX_INPUT_PIXELS` pixels warns.
"""
import math
import warnings
from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor

MIN_INPUT_SIDE = 32
"""Smallest network input side (px): the stride of the backbone's last stage (ResNet and
MobileNetV2 alike). A smaller image does not fill one cell of that stage; a 1x1 image gave 76
grasps of 0.58 px."""
MAX_INPUT_PIXELS = 2048 * 2048
"""Network inputs above this many pixels (4.2 Mpx, 14 times OCID_grasp's 640x480) warn: a
6000x6000 image took 110 s and 6.3 GB on a CPU, and objects that large are far from the scale the
model was trained at (:data:`TRAINING_INPUTS`)."""
TRAINING_INPUTS = ('256x256 (synthetic), 351x351 (Cornell, centre crops), 512x512 (Jacquard, '
                   '1024x1024 halved by the test pipeline) and 640x480 (OCID_grasp)')
"""The network input sizes mmgrasp's configs are trained at (each dataset's images after its
pipeline); a config does not record its training image size, so the messages quote these."""


def value_range(lo: float, hi: float) -> str:
    """``'[lo, hi]'``, whole numbers as such (``[0, 65535]``), others with 3 digits."""
    def fmt(v: float) -> str:
        return f'{v:.0f}' if math.isfinite(v) and float(v).is_integer() else f'{v:.3g}'

    return f'[{fmt(lo)}, {fmt(hi)}]'


def conversion_advice(dtype: str, lo: float, hi: float) -> str:
    """How to turn an image array that is not uint8 into the uint8 BGR image a model takes.

    Args:
        dtype (str): The array's dtype, e.g. ``'float32'``, ``'uint16'``.
        lo (float): Its smallest value.
        hi (float): Its largest value.

    Returns:
        str: A sentence naming the conversion.
    """
    if dtype.startswith(('float', 'bfloat')):
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return 'values that are not finite (NaN or inf): pass the uint8 image itself'
        if 0 <= lo and hi <= 1:
            return ('an image scaled to [0, 1]: pass (img * 255).round().astype(np.uint8), in '
                    'BGR order (img[..., ::-1] for an RGB image)')
        if lo < 0 or hi > 255:
            return ('values outside 0-255 (already normalised?): pass the raw uint8 image; the '
                    'model normalises it with its own mean and std')
        return 'pass img.round().astype(np.uint8)'
    if dtype == 'uint16':
        return ('pass (img // 257).astype(np.uint8) for a 16-bit colour image; a 16-bit depth '
                'map is the depth of an RGB-D model: dict(img=..., depth=...)')
    return 'pass it as uint8 with values 0-255 (img.astype(np.uint8) if it has them)'


def colour_problem(colour: Tensor) -> Optional[str]:
    """Why the colour channels of one packed image are no image a model can take, or None.

    Args:
        colour (Tensor): ``(3, H, W)`` as packed: uint8, or float for the
            pipelines that convert (mmdet's ``to_float32``, RGB-D packing).

    Returns:
        str | None: ``'<dtype> ...: <advice>'``, or None for an acceptable image.
    """
    if colour.dtype == torch.uint8:
        return None
    dtype = str(colour.dtype).replace('torch.', '')
    if colour.numel() == 0:
        return None  # the size check names it
    values = colour.detach()
    if not values.is_floating_point():
        values = values.double()
    lo, hi = float(values.min()), float(values.max())
    finite = math.isfinite(lo) and math.isfinite(hi)  # min and max carry a NaN or an inf
    if colour.is_floating_point() and finite and 0 <= lo and hi <= 255 and not 0 < hi <= 1:
        return None
    return f'{dtype} with values in {value_range(lo, hi)}: {conversion_advice(dtype, lo, hi)}'


def input_name(meta: dict, shape: Sequence[int]) -> str:
    """The image's path, or ``'an array input (H, W)'``."""
    path = meta.get('img_path')
    if path:
        return str(path)
    h, w = meta.get('ori_shape', shape)[:2]
    return f'an array input ({h}x{w})'


def size_problem(hw: Tuple[int, int], ori_hw: Tuple[int, int], name: str) -> Optional[str]:
    """The refusal of a network input smaller than :data:`MIN_INPUT_SIDE`, or None.

    Args:
        hw (tuple[int, int]): The network input ``(H, W)`` (after the test pipeline).
        ori_hw (tuple[int, int]): The image as loaded ``(H, W)``.
        name (str): The image, for the message.

    Returns:
        str | None: The message.
    """
    if min(hw) >= MIN_INPUT_SIDE:
        return None
    return (f'{name}: the network input is {hw[0]}x{hw[1]} px (the {ori_hw[0]}x{ori_hw[1]} '
            f'image after the config\'s test pipeline), below the minimum of {MIN_INPUT_SIDE} px '
            'a side (the stride of the backbone\'s last stage: a smaller image does not fill one '
            'cell of it, and its grasps would be noise). Pass a larger image; mmgrasp\'s models '
            f'are trained at {TRAINING_INPUTS}.')


def size_warning(hw: Tuple[int, int], ori_hw: Tuple[int, int], name: str) -> Optional[str]:
    """The warning for a network input above :data:`MAX_INPUT_PIXELS`, or None (same args as
    :func:`size_problem`)."""
    if hw[0] * hw[1] <= MAX_INPUT_PIXELS:
        return None
    return (f'{name}: the network input is {hw[0]}x{hw[1]} px ({hw[0] * hw[1] / 1e6:.1f} Mpx, '
            f'the {ori_hw[0]}x{ori_hw[1]} image after the config\'s test pipeline), above the '
            f'{MAX_INPUT_PIXELS / 1e6:.1f} Mpx (2048x2048) at which mmgrasp warns: time and memory '
            'grow with the pixels (a 6000x6000 image takes about 110 s and 6.3 GB on a CPU), and '
            'objects this large are far from the scale the model was trained at (mmgrasp\'s '
            f'configs: {TRAINING_INPUTS}). Downscale the image (e.g. cv2.resize) so that the '
            'objects have about their training size.')


def check_network_inputs(data: dict) -> None:
    """Refuse images a model cannot predict on; warn about very large ones.

    Args:
        data (dict): What the test pipeline packs and ``test_step`` takes: ``inputs`` (a list of
            ``(C, H, W)`` tensors, or a ``(B, C, H, W)`` tensor; channels 0-2 the BGR image, a
            4th one the depth of RGB-D models) and ``data_samples`` (with ``img_path``,
            ``ori_shape`` and ``img_shape`` in their metainfo).

    Raises:
        ValueError: For an image whose values are no uint8-like image (:func:`colour_problem`)
            or whose network input has a side below :data:`MIN_INPUT_SIDE`; the message names
            the image and says what to pass.
    """
    if not isinstance(data, dict) or 'inputs' not in data:
        return
    inputs = data['inputs']
    samples = data.get('data_samples') or []
    for i, img in enumerate(inputs):
        if not isinstance(img, Tensor) or img.dim() != 3:
            continue
        meta = samples[i].metainfo if i < len(samples) and hasattr(samples[i], 'metainfo') \
            else {}
        hw = tuple(int(v) for v in meta.get('img_shape', img.shape[-2:])[:2])
        ori_hw = tuple(int(v) for v in meta.get('ori_shape', hw)[:2])
        name = input_name(meta, hw)
        problem = colour_problem(img[:3])
        if problem:
            raise ValueError(f'{name}: the image is {problem}. mmgrasp models take uint8 BGR '
                             'images (0-255, as cv2.imread returns them).')
        problem = size_problem(hw, ori_hw, name)
        if problem:
            raise ValueError(problem)
        warning = size_warning(hw, ori_hw, name)
        if warning:
            warnings.warn(warning)
