# Copyright (c) mmgrasp contributors. All rights reserved.
"""A camera loop whose reading, pre-processing and drawing overlap the model's work.

Four threads hand each frame on through single-item slots (:class:`~.latest_slot.LatestSlot`)::

    capture -> [frame] -> preprocess -> [prepared] -> infer -> [outputs] -> sink
    (decode)              (predictor.preprocess)      (predictor.infer)    (predictor.postprocess
                                                                            + your sink: draw,
                                                                            lift, write)

While ``infer`` runs on frame ``t``, ``preprocess`` prepares ``t + 1`` and ``sink`` finishes
``t - 1``: the loop runs at the pace of its slowest stage, not of their sum. Each stage takes
new work only when the next stage has taken its last result, so no frame waits in a queue:

- a *live* source (a camera, a video, a folder with a rate; :attr:`FrameSource.live`) is read
  all the time and a frame that ``preprocess`` has not taken when the next one comes is dropped
  (:attr:`StreamStats.dropped`); ``preprocess`` takes the newest frame when ``infer`` is ready
  for its next input, so the latency stays about two model steps plus the sink however fast the
  camera;
- any other source (a folder without a rate) is read one frame ahead of ``preprocess`` and
  every frame is processed, at the pace of the slowest stage (its latency includes the wait
  for the model: give the folder a rate to see a camera's latency).

:meth:`StreamPipeline.run` returns :class:`StreamStats`. It stops at the end of the source, after
``max_frames`` frames, on Ctrl-C (``KeyboardInterrupt`` in the main thread: the threads are
stopped and joined, the source closed, the stats returned) or when a stage raises (re-raised in
the main thread as :class:`StageError` naming the stage, the original as its ``__cause__``).
"""
import threading
import time
import warnings
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, List, Optional, Protocol, Tuple

import numpy as np

from .frame_sources import Frame, FrameSource
from .latest_slot import LatestSlot, SlotClosed

STAGES = ('capture', 'preprocess', 'infer', 'sink')
"""Thread names, in stream order (also the names :class:`StageError` gives)."""


class Predictor(Protocol):
    """What the pipeline calls (:class:`~mmgrasp.runtime.GraspRuntime` has it)."""

    def preprocess(self, frame_bgr: np.ndarray) -> Any:
        ...

    def infer(self, prepared: Any) -> Any:
        ...

    def postprocess(self, outputs: Any, prepared: Any) -> Any:
        ...


@dataclass
class StreamResult:
    """What the sink gets for each frame.

    Attributes:
        frame (Frame): The frame (``bgr``, ``depth``, ``index``, ``capture_time``).
        prediction: ``predictor.postprocess`` of it (a ``GraspPrediction``).
        stage_ms (dict[str, float]): Milliseconds of ``read``, ``preprocess``, ``infer`` and
            ``postprocess``.
    """
    frame: Frame
    prediction: Any
    stage_ms: Dict[str, float]


class StageError(RuntimeError):
    """A stage of the pipeline raised; the original exception is the ``__cause__``.

    Attributes:
        stage (str): One of :data:`STAGES`.
    """

    def __init__(self, stage: str, error: BaseException) -> None:
        super().__init__(f'the {stage} stage failed: {type(error).__name__}: {error}')
        self.stage = stage


@dataclass
class StreamStats:
    """Counters and timings of a run (or of its last ``window_s`` seconds).

    Attributes:
        captured (int): Frames read from the source.
        processed (int): Frames through the sink.
        dropped (int): Frames replaced by a newer one before being processed (stale).
        skipped (int): Frames a live source's clock passed before they were read.
        unfinished (int): Frames in the pipeline when it stopped.
        elapsed_s (float): Seconds since :meth:`StreamPipeline.run` started.
        fps (float): Frames processed per second (steady state: over the span from the first
            frame done to the last; in a window, frames done in it per second).
        latency_ms_median (float): Capture to sink done, milliseconds (NaN without frames).
        latency_ms_p90 (float): Its 90th percentile.
        latency_ms_max (float): Its maximum.
        stage_ms (dict[str, float]): Median milliseconds per stage step.
        stop_reason (str): ``'end of source'``, ``'max_frames'``, ``'interrupted'``,
            ``'stopped'``, ``'error in <stage>'``; ``''`` while running.
    """
    captured: int
    processed: int
    dropped: int
    skipped: int
    unfinished: int
    elapsed_s: float
    fps: float
    latency_ms_median: float
    latency_ms_p90: float
    latency_ms_max: float
    stage_ms: Dict[str, float] = field(default_factory=dict)
    stop_reason: str = ''

    def summary(self) -> str:
        """One line of the counters and timings."""
        stages = ', '.join(f'{k} {v:.1f}' for k, v in self.stage_ms.items())
        line = (f'{self.processed} frames processed of {self.captured} captured '
                f'({self.dropped} dropped stale, {self.skipped} skipped, {self.unfinished} '
                f'unfinished) in {self.elapsed_s:.1f} s: {self.fps:.1f} frames/s, latency '
                f'median {self.latency_ms_median:.1f} ms, p90 {self.latency_ms_p90:.1f} ms, '
                f'max {self.latency_ms_max:.1f} ms; stage medians [ms]: {stages}')
        return line + (f'; stopped: {self.stop_reason}' if self.stop_reason else '')

    __str__ = summary


class _Work:
    """A frame on its way through the stages."""
    __slots__ = ('frame', 'prepared', 'outputs', 'stage_ms')

    def __init__(self, frame: Frame, read_ms: float) -> None:
        self.frame = frame
        self.prepared = None
        self.outputs = None
        self.stage_ms = {'read': read_ms}


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


class StreamPipeline:
    """Run ``predictor`` on the frames of ``source`` with the stages overlapped.

    Args:
        source (FrameSource): The camera (:mod:`~.frame_sources`).
        predictor (Predictor): ``preprocess(bgr) -> prepared``, ``infer(prepared) -> outputs``
            (should release the GIL, as onnxruntime does), ``postprocess(outputs, prepared) ->
            prediction``.
        sink (callable, optional): Called in the sink thread with each :class:`StreamResult`
            after ``postprocess`` (draw, lift to metres, write). Defaults to None.
        max_frames (int, optional): Stop after this many frames processed. Defaults to None.
        on_status (callable, optional): Called in the main thread every ``status_interval_s``
            with :meth:`stats` of the last interval. Defaults to None.
        status_interval_s (float): Defaults to 1.0.
        on_tick (callable, optional): Called in the main thread every ``tick_s`` (e.g. to show
            the latest drawing with ``cv2.imshow``, which wants the main thread); returning
            ``False`` stops the pipeline. Defaults to None.
        tick_s (float): Defaults to 0.02.
        join_timeout_s (float): Longest wait for the threads when stopping (a second Ctrl-C
            does not cut it short: a thread left inside onnxruntime can abort the interpreter
            at exit); a thread still running after it is left behind (daemon) with a warning.
            Defaults to 5.0.
        history (int): Frames whose timings the statistics keep. Defaults to 100000.
    """

    def __init__(self,
                 source: FrameSource,
                 predictor: Predictor,
                 sink: Optional[Callable[[StreamResult], Any]] = None,
                 max_frames: Optional[int] = None,
                 on_status: Optional[Callable[[StreamStats], Any]] = None,
                 status_interval_s: float = 1.0,
                 on_tick: Optional[Callable[[], Optional[bool]]] = None,
                 tick_s: float = 0.02,
                 join_timeout_s: float = 5.0,
                 history: int = 100000) -> None:
        if max_frames is not None and max_frames < 1:
            raise ValueError(f'max_frames must be at least 1, got {max_frames}')
        self.source = source
        self.predictor = predictor
        self.sink = sink
        self.max_frames = max_frames
        self.on_status, self.status_interval_s = on_status, status_interval_s
        self.on_tick, self.tick_s = on_tick, tick_s
        self.join_timeout_s = join_timeout_s
        self.slots = {name: LatestSlot(name) for name in ('frame', 'prepared', 'outputs')}
        self.threads: List[threading.Thread] = []
        self._stop = threading.Event()
        self._finished = threading.Event()  # the sink thread ended
        self._lock = threading.Lock()
        self._error: Optional[Tuple[str, BaseException]] = None
        self._stop_reason = ''
        # (done time, latency ms, stage ms) of the last `history` frames
        self._records: Deque[Tuple[float, float, Dict[str, float]]] = deque(maxlen=history)
        self._captured = 0
        self._processed = 0
        self._first_done: Optional[float] = None
        self._last_done: Optional[float] = None
        self._t0: Optional[float] = None
        self._t_end: Optional[float] = None

    # -- the stages (each in its own thread) -------------------------------------------------
    def _capture(self) -> None:
        frames = self.source.frames(self._stop)
        slot = self.slots['frame']
        while True:
            if not self.source.live:
                slot.wait_empty(stop=self._stop)  # read one file ahead, drop none
            frame = next(frames, None)
            if frame is None:
                return
            work = _Work(frame, _ms(frame.capture_time))
            with self._lock:
                self._captured += 1
            slot.put(work)  # a live frame replaces the unread one

    def _preprocess(self) -> None:
        source, target = self.slots['frame'], self.slots['prepared']
        while True:
            target.wait_empty(stop=self._stop)  # infer took the last one: prepare the next
            work = source.get(stop=self._stop)
            start = time.perf_counter()
            work.prepared = self.predictor.preprocess(work.frame.bgr)
            work.stage_ms['preprocess'] = _ms(start)
            target.put(work)

    def _infer(self) -> None:
        source, target = self.slots['prepared'], self.slots['outputs']
        while True:
            target.wait_empty(stop=self._stop)
            work = source.get(stop=self._stop)
            start = time.perf_counter()
            work.outputs = self.predictor.infer(work.prepared)
            work.stage_ms['infer'] = _ms(start)
            target.put(work)

    def _sink(self) -> None:
        source = self.slots['outputs']
        while True:
            work = source.get(stop=self._stop)
            start = time.perf_counter()
            prediction = self.predictor.postprocess(work.outputs, work.prepared)
            work.stage_ms['postprocess'] = _ms(start)
            start = time.perf_counter()
            if self.sink is not None:
                self.sink(StreamResult(work.frame, prediction, work.stage_ms))
            done = time.perf_counter()
            work.stage_ms['sink'] = (done - start) * 1000.0
            with self._lock:
                self._records.append((done, (done - work.frame.capture_time) * 1000.0,
                                      work.stage_ms))
                self._processed += 1
                self._first_done = self._first_done or done
                self._last_done = done
                if self.max_frames is not None and self._processed >= self.max_frames:
                    self._stop_reason = self._stop_reason or 'max_frames'
                    self._stop.set()
                    return

    def _run_stage(self, name: str, loop: Callable[[], None],
                   output: Optional[LatestSlot]) -> None:
        try:
            loop()
        except SlotClosed:
            pass  # stopped, or the stage before ended and was drained
        except BaseException as e:  # handed to the main thread, re-raised there
            with self._lock:
                if self._error is None:
                    self._error = (name, e)
                    self._stop_reason = self._stop_reason or f'error in {name}'
            self._stop.set()
        finally:
            if output is not None:
                output.close()  # the next stage drains what is left, then ends
            if name == 'capture':
                self.source.close()
            if name == 'sink':
                self._finished.set()

    # -- the main thread ---------------------------------------------------------------------
    def request_stop(self) -> None:
        """Stop soon (from any thread); :meth:`run` then returns with ``'stopped'``."""
        with self._lock:
            self._stop_reason = self._stop_reason or 'stopped'
        self._stop.set()

    def run(self) -> StreamStats:
        """Run until the source ends, ``max_frames``, Ctrl-C, :meth:`request_stop` or an error.

        Returns:
            StreamStats: Of the whole run.

        Raises:
            StageError: A stage raised (the original exception is its ``__cause__``); the
                threads are stopped and the source closed first.
        """
        if self.threads:
            raise RuntimeError('a StreamPipeline runs once; make a new one')
        loops = dict(capture=self._capture, preprocess=self._preprocess, infer=self._infer,
                     sink=self._sink)
        outputs = dict(capture='frame', preprocess='prepared', infer='outputs', sink=None)
        self._t0 = time.perf_counter()
        for name in STAGES:
            output = self.slots[outputs[name]] if outputs[name] else None
            self.threads.append(
                threading.Thread(target=self._run_stage, args=(name, loops[name], output),
                                 name=f'stream-{name}', daemon=True))
        for thread in self.threads:
            thread.start()
        try:
            self._supervise()
        except KeyboardInterrupt:
            with self._lock:
                self._stop_reason = self._stop_reason or 'interrupted'
        finally:
            self._shutdown()
        if self._error is not None:
            stage, error = self._error
            raise StageError(stage, error) from error
        return self.stats()

    def _supervise(self) -> None:
        """Wait in the main thread (Ctrl-C arrives here), calling the hooks."""
        next_status = self._t0 + self.status_interval_s
        while not self._finished.is_set() and not self._stop.is_set():
            self._finished.wait(self.tick_s)
            if self.on_tick is not None and self.on_tick() is False:
                self.request_stop()
            now = time.perf_counter()
            if self.on_status is not None and now >= next_status:
                self.on_status(self.stats(window_s=self.status_interval_s))
                next_status = max(next_status + self.status_interval_s, now)

    def _shutdown(self) -> None:
        self._stop.set()
        for slot in self.slots.values():
            slot.close(drain=False)
        deadline = time.perf_counter() + self.join_timeout_s
        while True:
            try:
                for thread in self.threads:
                    thread.join(max(0.0, deadline - time.perf_counter()))
                break
            except KeyboardInterrupt:  # Ctrl-C again: still wait, join_timeout_s at most
                with self._lock:
                    self._stop_reason = self._stop_reason or 'interrupted'
        alive = [t.name for t in self.threads if t.is_alive()]
        if alive:
            warnings.warn(f'{", ".join(alive)} still running {self.join_timeout_s:g} s after the '
                          'stop (stuck in a call); left behind as daemon threads', RuntimeWarning)
        if not self.threads[0].is_alive():
            self.source.close()
        with self._lock:
            self._stop_reason = self._stop_reason or 'end of source'
            self._t_end = time.perf_counter()

    def stats(self, window_s: Optional[float] = None) -> StreamStats:
        """The counters and timings so far.

        Args:
            window_s (float, optional): Timings of the frames done in the last ``window_s``
                seconds only (the counters are always of the whole run). Defaults to None.

        Returns:
            StreamStats: The statistics.
        """
        with self._lock:
            now = self._t_end or time.perf_counter()
            records = list(self._records)
            captured, processed = self._captured, self._processed
            first, last = self._first_done, self._last_done
            reason = self._stop_reason if self._t_end is not None else ''
        if window_s is not None:
            records = [r for r in records if r[0] >= now - window_s]
            fps = len(records) / window_s
        else:
            fps = ((processed - 1) / (last - first) if processed >= 2 and last > first else
                   float(processed > 0) / max(now - (self._t0 or now), 1e-9))
        latency = np.array([r[1] for r in records], dtype=np.float64)
        if len(latency):
            median, p90, worst = np.percentile(latency, [50, 90, 100])
        else:
            median = p90 = worst = float('nan')
        names = ('read', 'preprocess', 'infer', 'postprocess', 'sink')
        stage_ms = {k: float(np.median([r[2][k] for r in records])) for k in names
                    if records and k in records[0][2]}
        dropped = sum(slot.dropped for slot in self.slots.values())
        return StreamStats(captured=captured, processed=processed, dropped=dropped,
                           skipped=self.source.skipped,
                           unfinished=max(captured - processed - dropped, 0),
                           elapsed_s=now - (self._t0 or now), fps=float(fps),
                           latency_ms_median=float(median), latency_ms_p90=float(p90),
                           latency_ms_max=float(worst), stage_ms=stage_ms, stop_reason=reason)
