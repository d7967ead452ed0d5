# Copyright (c) mmgrasp contributors. All rights reserved.
"""The cameras of the stream demo: a folder (in order, on a clock, looping, with depth), a
video file, a RealSense (faked: no device here) and open_source; bad input named."""
import os
import os.path as osp
import sys
import time
import types
import warnings

import cv2
import numpy as np
import pytest

from mmgrasp.runtime.frame_sources import FolderSource, FrameSourceWarning, VideoSource, open_source
from mmgrasp.runtime.realsense_source import RealSenseSource
from mmgrasp.testing import shared_data_path


def _frames(folder, values, names=None, size=(48, 64)):
    """Write frames of constant ``values`` (uint8) into ``folder``."""
    os.makedirs(folder, exist_ok=True)
    for i, value in enumerate(values):
        name = names[i] if names else f'frame{i}.png'
        assert cv2.imwrite(osp.join(folder, name), np.full((*size, 3), value, np.uint8))
    return str(folder)


def test_a_folder_of_cornell_frames_in_order():
    source = FolderSource(shared_data_path('cornell', '01'), pattern='pcd01*r.png')
    assert len(source.files) == 100 and not source.live
    assert [osp.basename(f) for f in source.files[:2]] == ['pcd0100r.png', 'pcd0101r.png']
    frames = []
    for frame in source.frames():
        frames.append(frame)
        if len(frames) == 3:
            break
    assert [f.index for f in frames] == [0, 1, 2]
    first = frames[0]
    assert first.bgr.shape == (480, 640, 3) and first.bgr.dtype == np.uint8
    assert first.depth is None
    np.testing.assert_array_equal(first.bgr, cv2.imread(source.files[0]))
    assert frames[0].capture_time < frames[1].capture_time <= time.perf_counter()


def test_natural_order_loop_and_the_index_going_on(tmp_path):
    folder = _frames(tmp_path, [10, 20, 30], ['f10.png', 'f2.png', 'f1.jpg'])
    source = FolderSource(folder, loop=True)
    got = []
    for frame in source.frames():
        got.append((frame.index, int(frame.bgr[0, 0, 0])))
        if len(got) == 5:
            break
    # f1.jpg, f2.png, f10.png, then again
    assert [i for i, _ in got] == [0, 1, 2, 3, 4]
    assert abs(got[0][1] - 30) <= 2 and got[1][1] == 20 and got[2][1] == 10  # f1 is a jpeg
    assert got[4][1] == 20


def test_bad_folders_are_named(tmp_path):
    missing = str(tmp_path / 'nope')
    with pytest.raises(FileNotFoundError, match=f'{missing}: no such folder'):
        FolderSource(missing)
    (tmp_path / 'notes.txt').write_text('no images here')
    with pytest.raises(ValueError, match=f'{tmp_path}: no frame files'):
        FolderSource(str(tmp_path))
    with pytest.raises(ValueError, match='rate must be a positive number'):
        FolderSource(_frames(tmp_path / 'ok', [1]), rate=0)


def test_an_undecodable_file_is_skipped_with_one_warning_naming_it(tmp_path):
    folder = _frames(tmp_path, [1, 2])
    (tmp_path / 'frame1b.png').write_bytes(b'not a png at all')
    source = FolderSource(folder, loop=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        values = []
        for frame in source.frames():
            values.append(int(frame.bgr[0, 0, 0]))
            if len(values) == 6:  # three passes over the folder
                break
    assert values == [1, 2] * 3
    messages = [str(w.message) for w in caught if w.category is FrameSourceWarning]
    assert messages == [f'{tmp_path / "frame1b.png"}: not an image OpenCV can decode; skipped']
    bad = tmp_path / 'bad'
    bad.mkdir()
    (bad / 'a.png').write_bytes(b'x')
    (bad / 'b.jpg').write_bytes(b'y')
    with pytest.warns(FrameSourceWarning), pytest.raises(ValueError,
                                                         match='none of its 2 frame files'):
        list(FolderSource(str(bad), loop=True).frames())


def test_a_folder_with_a_rate_is_a_camera_on_the_wall_clock(tmp_path):
    """At 50 frames/s the frames come 20 ms apart; a reader that takes 50 ms per frame of a
    100 frames/s camera gets every fifth frame, the others counted as skipped."""
    folder = _frames(tmp_path, range(6))
    source = FolderSource(folder, rate=50)
    assert source.live
    start = time.perf_counter()
    frames = list(source.frames())
    assert [f.index for f in frames] == list(range(6)) and source.skipped == 0
    assert 0.09 <= time.perf_counter() - start < 0.4  # paced at 50/s, not as fast as read
    np.testing.assert_allclose(np.diff([f.capture_time for f in frames]), 0.02, atol=1e-9)
    slow = FolderSource(folder, rate=100, loop=True)
    got = []
    for frame in slow.frames():
        got.append(frame)
        assert frame.capture_time <= time.perf_counter()
        if len(got) == 6:
            break
        time.sleep(0.05)
    steps = np.diff([f.index for f in got])
    assert np.all(steps >= 4) and np.all(steps <= 15), steps  # >= 50 ms of frames at 100/s
    assert slow.skipped == got[-1].index - 5


def test_depth_files_pair_with_the_frames(tmp_path):
    folder = _frames(tmp_path, [1, 2], ['a_rgb.png', 'b_rgb.png'])
    for name, mm in (('a_depth.png', 500), ('b_depth.png', 600)):
        assert cv2.imwrite(str(tmp_path / name), np.full((48, 64), mm, np.uint16))
    source = FolderSource(folder, depth_pattern='*_depth.png')
    assert [osp.basename(f) for f in source.files] == ['a_rgb.png', 'b_rgb.png']
    frames = list(source.frames())
    assert [f.depth.dtype for f in frames] == [np.uint16] * 2
    assert [int(f.depth[0, 0]) for f in frames] == [500, 600]
    (tmp_path / 'c_rgb.png').write_bytes(open(tmp_path / 'a_rgb.png', 'rb').read())
    with pytest.raises(ValueError, match='3 frames but 2 depth files'):
        FolderSource(folder, depth_pattern='*_depth.png')


def _video(path, count=10, fps=100.0):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), fps, (64, 48))
    assert writer.isOpened()
    for i in range(count):
        writer.write(np.full((48, 64, 3), i * 20, np.uint8))
    writer.release()
    return str(path)


def test_a_video_plays_at_its_own_rate(tmp_path):
    source = VideoSource(_video(tmp_path / 'clip.avi'))
    assert source.live and source.rate == 100.0
    start = time.perf_counter()
    frames = list(source.frames())
    assert 0.08 <= time.perf_counter() - start < 0.5  # paced at its 100/s
    assert [f.index for f in frames] == list(range(10))
    np.testing.assert_allclose([f.bgr[0, 0, 0] for f in frames], np.arange(10) * 20, atol=4)
    source.close()
    source.close()  # twice is fine
    late = VideoSource(str(tmp_path / 'clip.avi'), rate=100)
    got = []
    for frame in late.frames():
        got.append(frame)
        time.sleep(0.035)
    assert len(got) < 10 and late.skipped == 10 - len(got)
    assert abs(int(got[1].bgr[0, 0, 0]) - got[1].index * 20) <= 4  # the frame it says it is


def test_bad_videos_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.mp4: no such video file'):
        VideoSource(str(tmp_path / 'missing.mp4'))
    junk = tmp_path / 'junk.mp4'
    junk.write_bytes(b'nonsense' * 100)
    with pytest.raises(ValueError, match=f'{junk}: OpenCV cannot read it as a video'):
        VideoSource(str(junk))


def _fake_realsense(devices=1):
    """A pyrealsense2 stand-in: one camera streaming 500 mm everywhere."""
    rs = types.SimpleNamespace(stream=types.SimpleNamespace(color='color', depth='depth'),
                               format=types.SimpleNamespace(bgr8='bgr8', z16='z16'))
    log = dict(streams=[], stopped=0)

    class Config:
        def enable_device(self, serial):
            log['serial'] = serial

        def enable_stream(self, *args):
            log['streams'].append(args)

    def frameset():
        colour = np.full((48, 64, 3), 7, np.uint8)
        depth = np.full((48, 64), 500, np.uint16)
        return types.SimpleNamespace(
            get_color_frame=lambda: types.SimpleNamespace(get_data=lambda: colour),
            get_depth_frame=lambda: types.SimpleNamespace(get_data=lambda: depth))

    intrinsics = types.SimpleNamespace(fx=50.0, fy=51.0, ppx=32.0, ppy=24.0, width=64,
                                       height=48)
    profile = types.SimpleNamespace(
        get_device=lambda: types.SimpleNamespace(first_depth_sensor=lambda: types.
                                                 SimpleNamespace(get_depth_scale=lambda: 0.001)),
        get_stream=lambda s: types.SimpleNamespace(as_video_stream_profile=lambda: types.
                                                   SimpleNamespace(get_intrinsics=lambda:
                                                                   intrinsics)))

    class Pipeline:
        def start(self, config):
            return profile

        def wait_for_frames(self, timeout_ms):
            time.sleep(0.01)
            return frameset()

        def stop(self):
            log['stopped'] += 1

    rs.config, rs.pipeline = Config, Pipeline
    rs.context = lambda: types.SimpleNamespace(query_devices=lambda: [object()] * devices)
    rs.align = lambda to: types.SimpleNamespace(process=lambda frames: frames)
    return rs, log


def test_realsense_without_pyrealsense2_or_a_camera(monkeypatch):
    monkeypatch.setitem(sys.modules, 'pyrealsense2', None)
    with pytest.raises(ImportError, match='needs pyrealsense2: pip install pyrealsense2'):
        RealSenseSource()
    with pytest.raises(ImportError, match='pyrealsense2'):
        open_source('realsense')
    monkeypatch.setitem(sys.modules, 'pyrealsense2', _fake_realsense(devices=0)[0])
    with pytest.raises(RuntimeError, match='no RealSense camera found'):
        RealSenseSource()


def test_realsense_colour_depth_in_metres_and_intrinsics(monkeypatch):
    rs, log = _fake_realsense()
    monkeypatch.setitem(sys.modules, 'pyrealsense2', rs)
    source = open_source('RealSense', rate=15)
    assert isinstance(source, RealSenseSource) and source.live
    assert log['streams'] == [('color', 640, 480, 'bgr8', 15), ('depth', 640, 480, 'z16', 15)]
    k = source.intrinsics
    assert (k.fx, k.fy, k.cx, k.cy, k.width, k.height, k.depth_scale) == (50, 51, 32, 24, 64, 48,
                                                                          0.001)
    frames = []
    for frame in source.frames():
        frames.append(frame)
        if len(frames) == 2:
            break
    assert [f.index for f in frames] == [0, 1]
    assert frames[0].bgr.shape == (48, 64, 3) and frames[0].depth.dtype == np.float32
    np.testing.assert_allclose(frames[0].depth, 0.5)
    with source:
        pass
    source.close()
    assert log['stopped'] == 1


def test_open_source_picks_the_source(tmp_path):
    folder = _frames(tmp_path / 'frames', [1, 2, 3])
    assert isinstance(open_source(folder), FolderSource)
    glob_source = open_source(osp.join(folder, 'frame[12].png'), rate=10)
    assert len(glob_source.files) == 2 and glob_source.live and glob_source.rate == 10
    one = open_source(osp.join(folder, 'frame1.png'))
    assert [int(f.bgr[0, 0, 0]) for f in one.frames()] == [2]
    assert isinstance(open_source(_video(tmp_path / 'v.avi')), VideoSource)
    missing = str(tmp_path / 'nowhere')
    with pytest.raises(FileNotFoundError, match=f'{missing}: no such folder, video or image'):
        open_source(missing)
