# Copyright (c) mmgrasp contributors. All rights reserved.
"""Fakes for the camera-loop tests: an in-memory camera and a predictor that sleeps."""
import contextlib
import signal
import threading
import time
from dataclasses import dataclass
from typing import Iterator, List, Optional, Tuple

import numpy as np

from mmgrasp.runtime.frame_sources import Frame, FrameSource, _Clock


@dataclass
class FakePrediction:
    """The fields of ``GraspPrediction`` the demo reads."""
    grasps: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    sem_seg: Optional[np.ndarray] = None


class MemorySource(FrameSource):
    """``count`` frames of ``(48, 64, 3)`` (the index in pixel (0, 0)); live with a ``rate``.

    Args:
        count (int): Frames before the end (or before starting again with ``loop``).
        rate (float, optional): A camera clock of this many frames/s; None: not live.
        loop (bool): Never end.
        fail_at (int, optional): Raise RuntimeError when reading this frame.
    """

    def __init__(self, count: int = 10, rate: Optional[float] = None, loop: bool = False,
                 fail_at: Optional[int] = None, shape=(48, 64)) -> None:
        super().__init__('memory', rate)
        self.live = rate is not None
        self.count, self.loop, self.fail_at = count, loop, fail_at
        self.shape = shape

    def frames(self, stop: Optional[threading.Event] = None) -> Iterator[Frame]:
        clock = _Clock(self.rate) if self.rate else None
        k = 0
        while (self.loop or k < self.count) and (stop is None or not stop.is_set()):
            if clock is not None:
                due, capture_time = clock.next(k, stop)
                self.skipped += due - k
                k = due
            else:
                capture_time = time.perf_counter()
            if k == self.fail_at:
                raise RuntimeError(f'camera unplugged at frame {k}')
            bgr = np.zeros((*self.shape, 3), np.uint8)
            bgr[0, 0] = k % 256
            yield Frame(k, capture_time, bgr, None)
            k += 1


class FakePredictor:
    """Sleeps ``pre_s``, ``infer_s`` and ``post_s``; logs ``(step, index, start, end)``.

    ``fail`` = ``(step, n)`` raises ValueError in the ``n``-th call of that step.
    """

    def __init__(self, pre_s: float = 0.0, infer_s: float = 0.0, post_s: float = 0.0,
                 fail: Optional[Tuple[str, int]] = None) -> None:
        self.pre_s, self.infer_s, self.post_s = pre_s, infer_s, post_s
        self.fail = fail
        self.log: List[Tuple[str, int, float, float]] = []
        self._calls = {'preprocess': 0, 'infer': 0, 'postprocess': 0}

    def _step(self, name: str, seconds: float, index: int) -> None:
        self._calls[name] += 1
        if self.fail is not None and self.fail == (name, self._calls[name]):
            raise ValueError(f'{name} broke on call {self._calls[name]}')
        start = time.perf_counter()
        time.sleep(seconds)
        self.log.append((name, index, start, time.perf_counter()))

    def preprocess(self, frame_bgr: np.ndarray) -> dict:
        index = int(frame_bgr[0, 0, 0])
        self._step('preprocess', self.pre_s, index)
        return dict(index=index, frame_shape=frame_bgr.shape[:2])

    def infer(self, prepared: dict) -> dict:
        self._step('infer', self.infer_s, prepared['index'])
        return dict(index=prepared['index'])

    def postprocess(self, outputs: dict, prepared: dict) -> FakePrediction:
        self._step('postprocess', self.post_s, prepared['index'])
        h, w = prepared['frame_shape']
        grasps = np.array([[w / 2, h / 2, w / 4, h / 8, 0.3], [w / 3, h / 3, 10, 5, 1.2]],
                          np.float32)
        return FakePrediction(grasps, np.array([0.9, 0.5], np.float32),
                              np.array([3, 7], np.int64))


@contextlib.contextmanager
def python_sigint_handler():
    """Python's own SIGINT handler (KeyboardInterrupt) for the block.

    A process started in the background of a non-interactive shell inherits SIGINT ignored,
    and then neither a SIGINT nor ``_thread.interrupt_main`` raises anything.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
