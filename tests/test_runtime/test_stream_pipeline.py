# Copyright (c) mmgrasp contributors. All rights reserved.
"""StreamPipeline with a predictor that sleeps: the stages overlap (throughput of the slowest
stage, not of their sum), a fast camera's stale frames are dropped with the latency bounded,
and Ctrl-C, the end of the source, max_frames and a failing stage all stop it cleanly."""
import _thread
import os
import signal
import threading
import time

import numpy as np
import pytest
from stream_fakes import FakePredictor, MemorySource, python_sigint_handler

from mmgrasp.runtime.stream_pipeline import StageError, StreamPipeline, StreamStats


def _all_joined(pipeline):
    return len(pipeline.threads) == 4 and not any(t.is_alive() for t in pipeline.threads)


def _overlap(a, b):
    return min(a[3], b[3]) - max(a[2], b[2])


def test_the_stages_overlap_throughput_of_the_slowest_stage():
    """preprocess 20 ms, infer 30 ms, postprocess 20 ms: serial would be 70 ms a frame
    (14 frames/s); overlapped it is the 30 ms of infer (33 frames/s)."""
    predictor = FakePredictor(pre_s=0.02, infer_s=0.03, post_s=0.02)
    source = MemorySource(count=40)
    pipeline = StreamPipeline(source, predictor)
    start = time.perf_counter()
    stats = pipeline.run()
    wall = time.perf_counter() - start
    assert isinstance(stats, StreamStats)
    assert (stats.captured, stats.processed, stats.dropped, stats.unfinished) == (40, 40, 0, 0)
    assert stats.stop_reason == 'end of source'
    period_ms = 1000.0 / stats.fps
    assert 29.0 <= period_ms <= 45.0, stats.summary()  # serial: 70 ms
    assert wall < 40 * 0.07 * 0.85  # 1.2 s + the first frame, not 2.8 s
    assert stats.stage_ms['infer'] == pytest.approx(30.0, abs=8.0)
    # each infer call (but the last) overlaps the preprocessing of the next frame, and (but the
    # first) the postprocessing of the one before
    calls = {name: {c[1]: c for c in predictor.log if c[0] == name}
             for name in ('preprocess', 'infer', 'postprocess')}
    assert sorted(calls['postprocess']) == list(range(40))
    for i in range(1, 39):
        assert _overlap(calls['infer'][i], calls['preprocess'][i + 1]) > 0.01
        assert _overlap(calls['infer'][i], calls['postprocess'][i - 1]) > 0.01
    assert _all_joined(pipeline) and source.closed


def test_a_fast_camera_drops_stale_frames_and_the_latency_stays_bounded():
    """A 100 frames/s camera and a 30 ms model: about two frames in three are dropped, and
    the latency (capture to sink) does not grow: no queue builds up."""
    latencies, indices = [], []

    def sink(result):
        latencies.append(time.perf_counter() - result.frame.capture_time)
        indices.append(result.frame.index)

    source = MemorySource(rate=100, loop=True)
    pipeline = StreamPipeline(source, FakePredictor(0.005, 0.03, 0.005), sink, max_frames=40)
    stats = pipeline.run()
    assert stats.processed == 40 and stats.stop_reason == 'max_frames'
    assert stats.dropped + stats.skipped >= 0.5 * (stats.captured + stats.skipped)
    assert stats.captured == stats.processed + stats.dropped + stats.unfinished
    assert np.all(np.diff(indices) >= 1) and indices[-1] - indices[0] > 80  # the newest frames
    lat_ms = np.array(latencies) * 1000
    # bounded: about infer + waiting for the running infer + pre/post, never a queue's worth
    assert lat_ms.max() < 200, lat_ms  # a queue would grow past 1 s
    assert np.median(lat_ms[-10:]) < np.median(lat_ms[:10]) + 40
    assert stats.latency_ms_max < 200 and 1000.0 / stats.fps == pytest.approx(30.0, abs=10.0)
    assert _all_joined(pipeline) and source.closed


@pytest.mark.parametrize('how', ['sigint', 'interrupt_main'])
def test_ctrl_c_stops_it_cleanly(how):
    """SIGINT in the main thread (Ctrl-C): run() returns its stats, the threads are joined and
    the camera is released."""
    source = MemorySource(rate=200, loop=True)
    pipeline = StreamPipeline(source, FakePredictor(0.002, 0.01, 0.002), max_frames=300)
    fire = ((lambda: os.kill(os.getpid(), signal.SIGINT)) if how == 'sigint' else
            _thread.interrupt_main)
    with python_sigint_handler():
        timer = threading.Timer(0.4, fire)
        timer.start()
        start = time.perf_counter()
        try:
            stats = pipeline.run()
        finally:
            timer.cancel()
    assert stats.stop_reason == 'interrupted'
    assert 0.35 < time.perf_counter() - start < 3.0
    assert stats.processed > 10
    assert _all_joined(pipeline) and source.closed


@pytest.mark.parametrize('fail, stage', [
    (('preprocess', 3), 'preprocess'),
    (('infer', 3), 'infer'),
    (('postprocess', 3), 'sink'),
])
def test_an_exception_in_a_stage_is_raised_in_the_main_thread_naming_it(fail, stage):
    source = MemorySource(rate=100, loop=True)
    pipeline = StreamPipeline(source, FakePredictor(0.002, 0.01, 0.002, fail=fail))
    start = time.perf_counter()
    with pytest.raises(StageError, match=f'the {stage} stage failed: ValueError') as info:
        pipeline.run()
    assert time.perf_counter() - start < 4.0
    assert info.value.stage == stage and isinstance(info.value.__cause__, ValueError)
    assert str(info.value.__cause__) == f'{fail[0]} broke on call 3'
    assert _all_joined(pipeline) and source.closed


def test_a_failing_camera_or_sink_is_named_too():
    source = MemorySource(count=50, fail_at=5)
    with pytest.raises(StageError, match='capture stage failed: RuntimeError: camera unplugged'):
        StreamPipeline(source, FakePredictor()).run()
    assert source.closed

    def sink(result):
        raise OSError('disk full')

    pipeline = StreamPipeline(MemorySource(count=50), FakePredictor(), sink)
    with pytest.raises(StageError, match='sink stage failed: OSError: disk full'):
        pipeline.run()
    assert _all_joined(pipeline)


def test_every_frame_of_a_folder_like_source_is_processed_in_order():
    seen = []
    pipeline = StreamPipeline(MemorySource(count=12), FakePredictor(0.001, 0.004, 0.001),
                              lambda r: seen.append(r.frame.index))
    stats = pipeline.run()
    assert seen == list(range(12))
    assert (stats.processed, stats.dropped, stats.skipped, stats.unfinished) == (12, 0, 0, 0)
    assert stats.latency_ms_median > 4 and stats.latency_ms_p90 <= stats.latency_ms_max
    assert set(stats.stage_ms) == {'read', 'preprocess', 'infer', 'postprocess', 'sink'}
    assert 'end of source' in stats.summary()


def test_status_lines_hooks_and_request_stop():
    statuses, ticks = [], []

    def on_tick():
        ticks.append(time.perf_counter())
        return len(ticks) < 40  # False: stop

    pipeline = StreamPipeline(MemorySource(rate=100, loop=True), FakePredictor(0, 0.01, 0),
                              on_status=statuses.append, status_interval_s=0.2,
                              on_tick=on_tick, tick_s=0.02)
    stats = pipeline.run()
    assert stats.stop_reason == 'stopped' and len(ticks) == 40
    assert 2 <= len(statuses) <= 6
    window = statuses[-1]
    assert window.stop_reason == '' and 25 <= window.fps <= 110  # 10 ms infer: <= 100/s
    assert window.processed <= stats.processed
    with pytest.raises(RuntimeError, match='runs once'):
        pipeline.run()
    other = StreamPipeline(MemorySource(rate=100, loop=True), FakePredictor(0, 0.01, 0))
    threading.Timer(0.2, other.request_stop).start()
    assert other.run().stop_reason == 'stopped'


def test_a_stuck_stage_is_left_behind_with_a_warning():
    source = MemorySource(rate=100, loop=True)
    pipeline = StreamPipeline(source, FakePredictor(0, 1.0, 0), max_frames=1,
                              join_timeout_s=0.2)
    threading.Timer(0.1, pipeline.request_stop).start()
    start = time.perf_counter()
    with pytest.warns(RuntimeWarning, match='stream-infer still running'):
        pipeline.run()
    assert time.perf_counter() - start < 0.95  # not the stuck stage's 1 s
