# Copyright (c) mmgrasp contributors. All rights reserved.
"""A camera frame to the exported network's input, with numpy and OpenCV only.

:class:`FramePreprocessor` does what the config's test pipeline and data preprocessor do to a
BGR frame (the steps a deployed model needs: :class:`GraspCenterCrop`, :class:`GraspResize`, then
mmdet's ``DetDataPreprocessor``: BGR -> RGB, ``(x - mean) / std``, zero padding), without torch,
mmcv or mmdet, and records the map from the input back to the frame. The same pixels as the
PyTorch path, bit for bit (``tests/test_runtime/test_grasp_runtime.py``). A pipeline step
it does not know is refused when the runtime is built, naming the step.
"""
from dataclasses import dataclass
from typing import List, Mapping, Optional, Sequence, Tuple

import cv2
import numpy as np

LOAD_STEPS = ('LoadImageFromFile', 'LoadImageFromNDArray', 'LoadGraspAnnotations',
              'LoadAnnotations', 'PackGraspInputs', 'PackDetInputs')
"""Pipeline steps with nothing to do on a decoded frame (loading, annotations, packing), by
name without the scope prefix (``mmdet.``, ``mmgrasp.``)."""

INTERPOLATIONS = {'nearest': cv2.INTER_NEAREST, 'bilinear': cv2.INTER_LINEAR,
                  'bicubic': cv2.INTER_CUBIC, 'area': cv2.INTER_AREA,
                  'lanczos': cv2.INTER_LANCZOS4}
"""mmcv's interpolation names (``mmcv.imresize`` with the cv2 backend)."""


@dataclass
class PreparedFrame:
    """A frame ready for the network.

    Attributes:
        inputs (ndarray): ``(1, 3, H, W)`` float32 normalised image, zero-padded to the export's
            input size.
        img_hw (ndarray): ``(2,)`` float32 ``(h, w)`` of the image inside the padding.
        frame_shape (tuple[int, int]): ``(height, width)`` of the frame.
        input_to_frame (ndarray): ``(3, 3)`` float64 map from input pixels to frame pixels.
    """
    inputs: np.ndarray
    img_hw: np.ndarray
    frame_shape: Tuple[int, int]
    input_to_frame: np.ndarray


def _rescale_size(size: Tuple[int, int], scale: Sequence[int]) -> Tuple[int, int]:
    """``mmcv.rescale_size``: ``(w, h)`` scaled to fit ``scale`` (long and short edge)."""
    w, h = size
    long_edge, short_edge = max(scale), min(scale)
    factor = min(long_edge / max(h, w), short_edge / min(h, w))
    return int(w * float(factor) + 0.5), int(h * float(factor) + 0.5)


class _CenterCrop:
    """:class:`~mmgrasp.datasets.transforms.GraspCenterCrop` on an image."""

    def __init__(self, crop_size) -> None:
        if isinstance(crop_size, int):
            crop_size = (crop_size, crop_size)
        self.crop_w, self.crop_h = (int(v) for v in crop_size)

    def __call__(self, img: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        height, width = img.shape[:2]
        crop_w, crop_h = min(self.crop_w, width), min(self.crop_h, height)
        x0, y0 = (width - crop_w) // 2, (height - crop_h) // 2
        return img[y0:y0 + crop_h, x0:x0 + crop_w], np.array(
            [[1.0, 0.0, -x0], [0.0, 1.0, -y0], [0.0, 0.0, 1.0]])


class _Resize:
    """:class:`~mmgrasp.datasets.transforms.GraspResize` (mmdet's ``Resize``) on an image."""

    def __init__(self, scale=None, scale_factor=None, keep_ratio: bool = False,
                 interpolation: str = 'bilinear', backend: str = 'cv2', **unused) -> None:
        if backend != 'cv2':
            raise ValueError(f'GraspResize backend {backend!r}: the runtime resizes with cv2')
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f'GraspResize interpolation {interpolation!r} is not one of '
                             f'{sorted(INTERPOLATIONS)}')
        if isinstance(scale, int):
            scale = (scale, scale)
        if isinstance(scale_factor, (int, float)):
            scale_factor = (float(scale_factor), float(scale_factor))
        if (scale is None) == (scale_factor is None):
            raise ValueError('GraspResize needs exactly one of scale and scale_factor')
        self.scale, self.scale_factor = scale, scale_factor
        self.keep_ratio = keep_ratio
        self.interpolation = INTERPOLATIONS[interpolation]

    def new_size(self, height: int, width: int) -> Tuple[int, int]:
        """``(new_w, new_h)`` as :meth:`GraspResize._new_size` computes it."""
        if self.scale is not None:
            target = tuple(self.scale)
        else:
            sx, sy = self.scale_factor
            target = (int(width * sx + 0.5), int(height * sy + 0.5))
        return _rescale_size((width, height), target) if self.keep_ratio else target

    def __call__(self, img: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        height, width = img.shape[:2]
        new_w, new_h = self.new_size(height, width)
        out = cv2.resize(img, (new_w, new_h), interpolation=self.interpolation)
        return out, np.diag([new_w / width, new_h / height, 1.0])


STEPS = {'GraspCenterCrop': _CenterCrop, 'GraspResize': _Resize}
"""Pipeline steps the runtime computes, by config type name."""


def _normalisation(data_preprocessor: Mapping) -> Tuple[np.ndarray, np.ndarray, bool, int]:
    kind = str(data_preprocessor.get('type', 'mmdet.DetDataPreprocessor'))
    if kind.split('.')[-1] != 'DetDataPreprocessor':
        raise ValueError(f'the model\'s data preprocessor is {kind}: the runtime takes RGB models '
                         '(mmdet.DetDataPreprocessor); run RGB-D exports with '
                         'GraspInferencer(backend="onnxruntime")')
    mean = np.asarray(data_preprocessor.get('mean') or [0.0, 0.0, 0.0], np.float32)
    std = np.asarray(data_preprocessor.get('std') or [1.0, 1.0, 1.0], np.float32)
    return (mean, std, bool(data_preprocessor.get('bgr_to_rgb', False)),
            int(data_preprocessor.get('pad_size_divisor', 1) or 1))


class FramePreprocessor:
    """The test pipeline and the data preprocessor of an exported model's config.

    Args:
        pipeline (list[dict]): The config's ``test_dataloader.dataset.pipeline``.
        data_preprocessor (dict): The config's ``model.data_preprocessor``.
        input_shape (tuple[int, int]): ``(H, W)`` of the export's padded input.

    Raises:
        ValueError: A pipeline step the runtime does not compute, or a non-RGB model.
    """

    def __init__(self, pipeline: List[dict], data_preprocessor: Mapping,
                 input_shape: Tuple[int, int]) -> None:
        self.steps = []
        for step in pipeline:
            kind = str(step.get('type'))
            name = kind.split('.')[-1]
            if name in LOAD_STEPS and kind in (name, f'mmdet.{name}', f'mmgrasp.{name}',
                                               f'mmcv.{name}'):
                continue
            if kind.startswith('mmgrasp.'):
                kind = name
            if kind not in STEPS:
                raise ValueError(f'the test pipeline step {kind!r} is not one the runtime '
                                 f'computes ({", ".join(sorted(STEPS))}); run this model with '
                                 'GraspInferencer(backend="onnxruntime")')
            self.steps.append(STEPS[kind](**{k: v for k, v in step.items() if k != 'type'}))
        mean, std, self.bgr_to_rgb, self.pad_divisor = _normalisation(data_preprocessor)
        self.mean, self.std = mean.reshape(3, 1, 1), std.reshape(3, 1, 1)
        self.input_shape = (int(input_shape[0]), int(input_shape[1]))

    def __call__(self, frame: np.ndarray, out: Optional[np.ndarray] = None) -> PreparedFrame:
        """Prepare one BGR frame.

        Args:
            frame (ndarray): ``(H, W, 3)`` uint8 BGR image (what ``cv2.imread`` and cameras
                give).
            out (ndarray, optional): A ``(1, 3, H, W)`` float32 buffer of the input shape to
                write into (its padding must be zeros). Defaults to a new array.

        Returns:
            PreparedFrame: The network input and the map back to the frame.

        Raises:
            ValueError: A frame that is not ``(H, W, 3)`` uint8, or larger than the export
                after the pipeline (naming the ``--shape`` to export with).
        """
        frame = np.asarray(frame)
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f'a frame must be an (H, W, 3) uint8 BGR image, got '
                             f'{frame.dtype} {tuple(frame.shape)}')
        img, to_input = frame, np.eye(3)
        for step in self.steps:
            img, matrix = step(img)
            to_input = matrix @ to_input
        h, w = img.shape[:2]
        eh, ew = self.input_shape
        div = self.pad_divisor
        need = (-(-h // div) * div, -(-w // div) * div)
        if need[0] > eh or need[1] > ew:
            raise ValueError(f'the frame is {h}x{w} after the pipeline but the model was '
                             f'exported for {eh}x{ew}: export again with --shape {need[0]} '
                             f'{need[1]} (or larger)')
        if h < 32 or w < 32:
            raise ValueError(f'the frame is {h}x{w} after the pipeline; the network needs at '
                             'least 32 px a side')
        if out is None:
            out = np.zeros((1, 3, eh, ew), np.float32)
        chw = img.transpose(2, 0, 1)
        if self.bgr_to_rgb:
            chw = chw[::-1]
        np.subtract(chw, self.mean, out=out[0, :, :h, :w], dtype=np.float32)
        np.divide(out[0, :, :h, :w], self.std, out=out[0, :, :h, :w])
        return PreparedFrame(inputs=out, img_hw=np.array([h, w], np.float32),
                             frame_shape=(frame.shape[0], frame.shape[1]),
                             input_to_frame=np.linalg.inv(to_input))
