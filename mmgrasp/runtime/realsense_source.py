# Copyright (c) mmgrasp contributors. All rights reserved.
"""An Intel RealSense camera as a frame source (pyrealsense2, imported when opened)."""
import threading
import time
from typing import Iterator, Optional

import numpy as np

from .frame_sources import Frame, FrameSource
from .grasp_lifting_np import CameraIntrinsics


class RealSenseSource(FrameSource):
    """An Intel RealSense camera: colour, depth aligned to it in metres, and its intrinsics.

    Args:
        width (int): Stream width in pixels. Defaults to 640.
        height (int): Stream height. Defaults to 480.
        fps (int): Frames per second. Defaults to 30.
        serial (str, optional): The camera's serial number when several are plugged in.
        timeout_s (float): Longest wait for a frame before giving up. Defaults to 5.

    Raises:
        ImportError: pyrealsense2 is not installed.
        RuntimeError: No RealSense camera is connected, or it cannot stream this mode.
    """
    live = True

    def __init__(self, width: int = 640, height: int = 480, fps: int = 30,
                 serial: Optional[str] = None, timeout_s: float = 5.0) -> None:
        super().__init__(f'realsense {width}x{height}@{fps}', fps)
        try:
            import pyrealsense2 as rs
        except ImportError:
            raise ImportError('a RealSense source needs pyrealsense2: pip install pyrealsense2 '
                              '(or give a folder or a video file as the source)') from None
        if len(rs.context().query_devices()) == 0:
            raise RuntimeError('no RealSense camera found: plug one in (USB 3) or give a folder '
                               'or a video file as the source')
        self._rs, self.timeout_s = rs, timeout_s
        config = rs.config()
        if serial:
            config.enable_device(serial)
        config.enable_stream(rs.stream.color, width, height, rs.format.bgr8, fps)
        config.enable_stream(rs.stream.depth, width, height, rs.format.z16, fps)
        self._pipeline = rs.pipeline()
        try:
            profile = self._pipeline.start(config)
        except RuntimeError as e:
            raise RuntimeError(f'RealSense: cannot stream {width}x{height} at {fps} frames/s '
                               f'({e})') from None
        self.depth_scale = float(profile.get_device().first_depth_sensor().get_depth_scale())
        colour = profile.get_stream(rs.stream.color).as_video_stream_profile()
        self.intrinsics = CameraIntrinsics.from_realsense(colour.get_intrinsics(),
                                                          self.depth_scale)
        self._align = rs.align(rs.stream.color)

    def frames(self, stop: Optional[threading.Event] = None) -> Iterator[Frame]:
        k = 0
        while not self.closed and (stop is None or not stop.is_set()):
            try:
                frames = self._pipeline.wait_for_frames(int(self.timeout_s * 1000))
            except RuntimeError as e:
                raise RuntimeError(f'RealSense: no frame within {self.timeout_s:g} s ({e})'
                                   ) from None
            capture_time = time.perf_counter()
            frames = self._align.process(frames)
            colour, depth = frames.get_color_frame(), frames.get_depth_frame()
            if not colour or not depth:
                self.skipped += 1
                continue
            bgr = np.asanyarray(colour.get_data()).copy()
            depth_m = np.asanyarray(depth.get_data()).astype(np.float32) * self.depth_scale
            yield Frame(k, capture_time, bgr, depth_m)
            k += 1

    def close(self) -> None:
        if not self.closed:
            self._pipeline.stop()
        super().close()
