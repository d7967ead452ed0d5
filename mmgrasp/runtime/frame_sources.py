# Copyright (c) mmgrasp contributors. All rights reserved.
"""Cameras for a grasp detection loop: a folder of frames or a video file (a RealSense:
:mod:`.realsense_source`).

Each source yields :class:`Frame` s ``(index, capture_time, bgr, depth)``. ``capture_time`` is
``time.perf_counter()`` seconds, the clock :class:`~.stream_pipeline.StreamPipeline` measures
latency with.

A *live* source (:attr:`FrameSource.live`) runs on its own clock, like a camera: frame ``i`` is
captured at ``t0 + i / rate`` whether or not anyone reads it, and a reader that is late gets the
newest frame, the ones it missed counted in :attr:`FrameSource.skipped`. A folder without a
``rate`` is not live: it gives its frames one after the other as fast as they are read, and a
pipeline reads each one (nothing is dropped).

:func:`open_source` picks a source from a string: ``'realsense'``, a folder, a glob of images
(``'data/01/pcd01*r.png'``), an image file (one frame) or a video file.
"""
import glob
import os
import os.path as osp
import re
import threading
import time
import warnings
from typing import Iterator, List, NamedTuple, Optional, Tuple

import cv2
import numpy as np

from .grasp_lifting_np import CameraIntrinsics

IMAGE_EXTENSIONS = ('.bmp', '.jpeg', '.jpg', '.png', '.ppm', '.tif', '.tiff', '.webp')
"""File endings :class:`FolderSource` takes for frames (case-insensitive)."""


class FrameSourceWarning(UserWarning):
    """A frame could not be read and was skipped."""


class Frame(NamedTuple):
    """One camera frame.

    Attributes:
        index (int): Frame number on the camera's clock (it goes on counting over skipped
            frames and, for a looping folder, over the loops).
        capture_time (float): ``time.perf_counter()`` seconds when it was captured.
        bgr (ndarray): ``(H, W, 3)`` uint8 colour image, BGR.
        depth (ndarray, optional): ``(H, W)`` depth aligned to ``bgr``: float32 metres from a
            RealSense; as stored (uint16 raw units or float metres) from a folder; None
            without depth.
    """
    index: int
    capture_time: float
    bgr: np.ndarray
    depth: Optional[np.ndarray]


class _Clock:
    """The schedule of a camera at ``rate`` frames/s: frame ``k`` at ``t0 + k / rate``, with
    ``t0`` the first call to :meth:`next`."""

    def __init__(self, rate: float) -> None:
        self.rate = float(rate)
        self.t0: Optional[float] = None

    def next(self, k: int, stop: Optional[threading.Event] = None) -> Tuple[int, float]:
        """The frame to read now, ``k`` or later, and its capture time.

        Waits until frame ``k`` is captured; a reader that is late skips to the newest frame.
        """
        now = time.perf_counter()
        if self.t0 is None:
            self.t0 = now
        newest = int((now - self.t0) * self.rate)
        if newest >= k:
            return newest, self.t0 + newest / self.rate
        delay = self.t0 + k / self.rate - now
        if stop is not None:
            stop.wait(delay)
        else:
            time.sleep(delay)
        return k, self.t0 + k / self.rate


def _check_rate(rate: Optional[float]) -> Optional[float]:
    if rate is not None and not (np.isfinite(rate) and rate > 0):
        raise ValueError(f'rate must be a positive number of frames per second, got {rate!r}')
    return None if rate is None else float(rate)


class FrameSource:
    """Base class: iterate over :meth:`frames`, then :meth:`close` (or use ``with``).

    Attributes:
        name (str): What it reads, for messages.
        live (bool): Frames come on a clock and are lost when not read in time.
        rate (float, optional): Frames per second of the clock (None: as fast as read).
        intrinsics (CameraIntrinsics, optional): Of the depth (aligned to the colour image).
        skipped (int): Frames the clock produced that were never read.
    """
    live = False

    def __init__(self, name: str, rate: Optional[float] = None) -> None:
        self.name = name
        self.rate = _check_rate(rate)
        self.intrinsics: Optional[CameraIntrinsics] = None
        self.skipped = 0
        self.closed = False

    def frames(self, stop: Optional[threading.Event] = None) -> Iterator[Frame]:
        """The frames, until the source ends or ``stop`` is set."""
        raise NotImplementedError

    def __iter__(self) -> Iterator[Frame]:
        return self.frames()

    def close(self) -> None:
        """Release the camera or file (safe to call twice)."""
        self.closed = True

    def __enter__(self) -> 'FrameSource':
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.name!r}, rate={self.rate})'


def _natural_key(path: str) -> list:
    """``frame2.png`` before ``frame10.png``."""
    return [int(s) if s.isdigit() else s.lower() for s in re.split(r'(\d+)', osp.basename(path))]


def _list_images(folder: str, pattern: Optional[str]) -> List[str]:
    if pattern is not None:
        files = [osp.join(folder, f) for f in glob.glob(pattern, root_dir=folder)]
    else:
        files = [osp.join(folder, f) for f in os.listdir(folder)
                 if f.lower().endswith(IMAGE_EXTENSIONS)]
    return sorted((f for f in files if osp.isfile(f)), key=_natural_key)


def read_depth(path: str) -> Optional[np.ndarray]:
    """An ``(H, W)`` depth image as stored (16-bit PNG, float TIFF or ``.npy``); None when it
    cannot be decoded."""
    if path.lower().endswith('.npy'):
        try:
            depth = np.load(path)
        except (OSError, ValueError):
            return None
    else:
        depth = cv2.imread(path, cv2.IMREAD_ANYDEPTH)
    if depth is None or depth.ndim != 2:
        return None
    return depth


class FolderSource(FrameSource):
    """The image files of a folder in natural order (``2.png`` before ``10.png``).

    Args:
        folder (str): The folder.
        rate (float, optional): Frames per second of a simulated camera (the source is then
            live, see the module docstring); None gives each frame as fast as it is read.
            Defaults to None.
        loop (bool): Start again after the last file. Defaults to False.
        pattern (str, optional): Glob of the frame files in the folder (``'pcd01*r.png'``).
            Defaults to every file ending in :data:`IMAGE_EXTENSIONS`.
        depth_pattern (str, optional): Glob of depth files, paired with the frames in sorted
            order (:func:`read_depth`). Defaults to no depth.

    Raises:
        FileNotFoundError: The folder does not exist.
        ValueError: No frame files in it, a bad ``rate``, or depth files that do not pair with
            the frames; each message names the folder.

    A file that cannot be decoded is skipped with one :class:`FrameSourceWarning` naming it;
    when none of them can be, :meth:`frames` raises ValueError.
    """

    def __init__(self, folder: str, rate: Optional[float] = None, loop: bool = False,
                 pattern: Optional[str] = None, depth_pattern: Optional[str] = None) -> None:
        super().__init__(folder, rate)
        if not osp.isdir(folder):
            raise FileNotFoundError(f'{folder}: no such folder')
        self.live = self.rate is not None
        self.loop = loop
        self.files = _list_images(folder, pattern)
        self.depth_files: Optional[List[str]] = None
        if depth_pattern is not None:
            self.depth_files = _list_images(folder, depth_pattern)
            depth_set = set(self.depth_files)
            self.files = [f for f in self.files if f not in depth_set]
            if len(self.depth_files) != len(self.files):
                raise ValueError(f'{folder}: {len(self.files)} frames but '
                                 f'{len(self.depth_files)} depth files match {depth_pattern!r}')
        if not self.files:
            what = repr(pattern) if pattern else f'images ({", ".join(IMAGE_EXTENSIONS)})'
            raise ValueError(f'{folder}: no frame files: nothing matches {what}')
        self._bad = set()

    def _read(self, i: int) -> Optional[Tuple[np.ndarray, Optional[np.ndarray]]]:
        """Frame file ``i`` and its depth, or None (warned once per file) when undecodable."""
        if i in self._bad:
            return None
        path = self.files[i]
        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
        depth = None
        if bgr is not None and self.depth_files is not None:
            depth = read_depth(self.depth_files[i])
            if depth is None:
                path = self.depth_files[i]
            elif depth.shape != bgr.shape[:2]:
                warnings.warn(f'{self.depth_files[i]}: depth of {depth.shape[1]}x'
                              f'{depth.shape[0]} px for a {bgr.shape[1]}x{bgr.shape[0]} px frame '
                              f'({self.files[i]}); skipped', FrameSourceWarning, stacklevel=2)
                self._bad.add(i)
                return None
        if bgr is None or (self.depth_files is not None and depth is None):
            warnings.warn(f'{path}: not an image OpenCV can decode; skipped', FrameSourceWarning,
                          stacklevel=2)
            self._bad.add(i)
            return None
        return bgr, depth

    def frames(self, stop: Optional[threading.Event] = None) -> Iterator[Frame]:
        n = len(self.files)
        clock = _Clock(self.rate) if self.rate is not None else None
        k = 0
        while (self.loop or k < n) and (stop is None or not stop.is_set()):
            if len(self._bad) == n:
                raise ValueError(f'{self.name}: none of its {n} frame files can be decoded')
            if clock is not None:
                due, capture_time = clock.next(k, stop)
                if not self.loop:
                    due = min(due, n)
                self.skipped += due - k
                k = due
                if k >= n and not self.loop:
                    break
            else:
                capture_time = time.perf_counter()
            read = self._read(k % n)
            if read is not None:
                yield Frame(k, capture_time, read[0], read[1])
            k += 1
        if len(self._bad) == n:
            raise ValueError(f'{self.name}: none of its {n} frame files can be decoded')


class VideoSource(FrameSource):
    """A video file through ``cv2.VideoCapture``, played on the wall clock (live).

    Args:
        path (str): The video file.
        rate (float, optional): Frames per second to play it at. Defaults to the file's own
            frame rate (30 when the file does not say).

    Raises:
        FileNotFoundError: No such file.
        ValueError: OpenCV cannot open it or decode its first frame (the message names it).
    """
    live = True

    def __init__(self, path: str, rate: Optional[float] = None) -> None:
        super().__init__(path, rate)
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: no such video file')
        self._cap = cv2.VideoCapture(path)
        ok, first = self._cap.read() if self._cap.isOpened() else (False, None)
        if not ok:
            self._cap.release()
            raise ValueError(f'{path}: OpenCV cannot read it as a video (no frame decoded)')
        self._first: Optional[np.ndarray] = first
        if self.rate is None:
            fps = self._cap.get(cv2.CAP_PROP_FPS)
            if not (np.isfinite(fps) and fps > 0):
                warnings.warn(f'{path}: no frame rate in the file; playing it at 30 frames/s',
                              FrameSourceWarning, stacklevel=2)
                fps = 30.0
            self.rate = float(fps)

    def _decode(self, skip: int) -> Tuple[Optional[np.ndarray], int]:
        """Pass over ``skip`` frames, then decode one: the frame (None at the end) and the
        number of frames passed over."""
        passed = 0
        if self._first is not None:
            first, self._first = self._first, None
            if skip == 0:
                return first, 0
            passed, skip = 1, skip - 1
        for _ in range(skip):
            if not self._cap.grab():
                return None, passed
            passed += 1
        ok, bgr = self._cap.read()
        return (bgr if ok else None), passed

    def frames(self, stop: Optional[threading.Event] = None) -> Iterator[Frame]:
        clock = _Clock(self.rate)
        k = 0
        while not self.closed and (stop is None or not stop.is_set()):
            due, capture_time = clock.next(k, stop)
            bgr, passed = self._decode(due - k)
            self.skipped += passed
            if bgr is None:
                return
            yield Frame(due, capture_time, bgr, None)
            k = due + 1

    def close(self) -> None:
        if not self.closed:
            self._cap.release()
        super().close()


def open_source(spec: str, rate: Optional[float] = None, loop: bool = False,
                depth_pattern: Optional[str] = None) -> FrameSource:
    """A source from a string.

    Args:
        spec (str): ``'realsense'``; a folder; a glob of frame files (``'dir/pcd01*r.png'``);
            an image file (a source of one frame); or a video file.
        rate (float, optional): Frames per second (a folder: a simulated camera, a video: its
            playing rate, a RealSense: its fps). Defaults to None (each source's default).
        loop (bool): Loop a folder. Defaults to False.
        depth_pattern (str, optional): Glob of a folder's depth files
            (:class:`FolderSource`).

    Returns:
        FrameSource: The opened source.

    Raises:
        FileNotFoundError: ``spec`` is none of these (naming it).
    """
    if spec.lower() == 'realsense':
        from .realsense_source import RealSenseSource
        return RealSenseSource(fps=int(rate) if rate else 30)
    if osp.isdir(spec):
        return FolderSource(spec, rate, loop, depth_pattern=depth_pattern)
    if any(c in osp.basename(spec) for c in '*?['):
        return FolderSource(osp.dirname(spec) or '.', rate, loop, osp.basename(spec),
                            depth_pattern)
    if osp.isfile(spec):
        if spec.lower().endswith(IMAGE_EXTENSIONS):
            return FolderSource(osp.dirname(spec) or '.', rate, loop,
                                glob.escape(osp.basename(spec)))
        return VideoSource(spec, rate)
    raise FileNotFoundError(f'{spec}: no such folder, video or image file (use "realsense" for '
                            'a RealSense camera)')
