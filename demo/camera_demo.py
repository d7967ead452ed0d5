# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasps on a camera stream with the torch-free runtime, the stages of each frame overlapped.

    python demo/camera_demo.py MODEL.onnx --source FOLDER|GLOB|IMAGE|VIDEO|realsense
        [--rate 30] [--loop] [--depth-pattern GLOB] [--threads 2] [--backend openvino]
        [--out-dir DIR] [--show]
        [--max-frames N] [--intrinsics FILE.json] [--top-k 5] [--score-thr 0.0]

- ``MODEL.onnx``: an export of ``tools/deployment/pytorch2onnx.py`` (an RGB model), run by
  :class:`mmgrasp.runtime.GraspRuntime` on ``--threads`` CPU threads.
- ``--source``: a folder of frames (or a glob such as ``'data/cornell/01/pcd01*r.png'``, or one
  image), a video file or ``realsense`` (pyrealsense2: colour, depth aligned to it, the
  camera's intrinsics). ``--rate R`` plays a folder as a camera of ``R`` frames/s (frames the
  model is too slow for are dropped, as with a real camera) and a video at ``R`` instead of
  its own rate; a folder without ``--rate`` is processed frame by frame, none dropped.
- ``--depth-pattern``: a glob of depth files in the folder, paired with the frames in sorted
  order; with ``--intrinsics`` (a JSON file of ``fx, fy, cx, cy``, docs/inference.md) the kept
  grasps are lifted into metres in the camera frame (a RealSense brings its own intrinsics;
  ``--intrinsics`` replaces them).

Reading and pre-processing of frame ``t + 1`` and drawing, lifting and writing of frame
``t - 1`` run while the model works on frame ``t``
(:class:`mmgrasp.runtime.stream_pipeline.StreamPipeline`). Prints a status line every second
(frames per second, latency from capture to drawing) and the statistics of the run at the end.
``--out-dir`` gets ``frames/<index>.jpg`` (the drawings) and ``grasps.jsonl`` (one line per
frame: its ``--top-k`` grasps in pixels and, with depth, in metres); ``--show`` shows the
drawings (``q`` or Esc stops). Ctrl-C stops cleanly (exit status 0). Exit status 1 when the
source or the intrinsics cannot be read or a stage fails, 2 when the model cannot be loaded.
"""
import json
import os
import os.path as osp
import sys
import warnings
from argparse import ArgumentParser
from typing import Optional, TextIO

import cv2
import numpy as np

from mmgrasp.runtime.frame_sources import FrameSource, open_source
from mmgrasp.runtime.grasp_drawing_np import draw_grasps_np, draw_text_np, overlay_sem_seg_np
from mmgrasp.runtime.grasp_lifting_np import CameraIntrinsics, grasps_to_camera_frame
from mmgrasp.runtime.realsense_source import RealSenseSource
from mmgrasp.runtime.stream_pipeline import StageError, StreamPipeline, StreamResult, StreamStats

WINDOW = 'mmgrasp camera demo'


def parse_args(argv=None):
    parser = ArgumentParser(description='Grasp detection on a camera stream (torch-free)')
    parser.add_argument('model', help='exported model (.onnx)')
    parser.add_argument('--source', required=True,
                        help='folder, glob of frames, image, video file or "realsense"')
    parser.add_argument('--rate', type=float, help='frames/s of the simulated camera (folder) '
                        'or of the video; a RealSense\'s fps')
    parser.add_argument('--loop', action='store_true', help='loop a folder')
    parser.add_argument('--depth-pattern', help='glob of the folder\'s depth files')
    parser.add_argument('--intrinsics', help='JSON file: fx, fy, cx, cy [, depth_scale]')
    parser.add_argument('--threads', type=int, default=2, help='CPU threads of the model')
    parser.add_argument('--backend', default='onnxruntime', choices=['onnxruntime', 'openvino'],
                        help='the runtime of the model (docs/deployment.md)')
    parser.add_argument('--out-dir', help='write the drawings and grasps.jsonl here')
    parser.add_argument('--show', action='store_true', help='show the drawings in a window')
    parser.add_argument('--max-frames', type=int, help='stop after this many frames')
    parser.add_argument('--top-k', type=int, default=5, help='grasps drawn, lifted and written')
    parser.add_argument('--score-thr', type=float, default=0.0, help='lowest score kept')
    return parser.parse_args(argv)


def build_runtime(model: str, threads: Optional[int], backend: str = 'onnxruntime'):
    """The predictor: :class:`mmgrasp.runtime.GraspRuntime` on ``model``."""
    from mmgrasp.runtime import GraspRuntime
    return GraspRuntime(model, backend=backend, num_threads=threads)


class GraspSink:
    """The sink of the pipeline: the best grasps of a frame drawn, lifted and written.

    Args:
        top_k (int): Grasps kept per frame, best first.
        score_thr (float): Lowest score kept.
        intrinsics (CameraIntrinsics, optional): Lift grasps of frames with depth into metres.
        out_dir (str, optional): Where ``frames/`` and ``grasps.jsonl`` go.
        palette (list, optional): RGB colours of the semantic classes.
        keep_latest (bool): Keep the last drawing in :attr:`latest` (for ``--show``).
    """

    def __init__(self, top_k: int = 5, score_thr: float = 0.0,
                 intrinsics: Optional[CameraIntrinsics] = None, out_dir: Optional[str] = None,
                 palette: Optional[list] = None, keep_latest: bool = False) -> None:
        self.top_k, self.score_thr = top_k, score_thr
        self.intrinsics, self.out_dir, self.palette = intrinsics, out_dir, palette
        self.keep_latest = keep_latest
        self.status = ''  # the last status line, written on the drawings
        self.latest: Optional[np.ndarray] = None
        self.latest_index = -1
        self._jsonl: Optional[TextIO] = None
        if out_dir:
            os.makedirs(osp.join(out_dir, 'frames'), exist_ok=True)
            self._jsonl = open(osp.join(out_dir, 'grasps.jsonl'), 'w')

    def close(self) -> None:
        if self._jsonl is not None:
            self._jsonl.close()
            self._jsonl = None

    def __call__(self, result: StreamResult) -> None:
        frame, pred = result.frame, result.prediction
        scores = np.asarray(pred.scores, dtype=np.float64)
        keep = np.nonzero(scores >= self.score_thr)[0]
        keep = keep[np.argsort(-scores[keep], kind='stable')][:self.top_k]
        grasps = np.asarray(pred.grasps, dtype=np.float64).reshape(-1, 5)[keep]
        img = frame.bgr.copy()
        if getattr(pred, 'sem_seg', None) is not None:
            img = overlay_sem_seg_np(img, pred.sem_seg, palette=self.palette)
        draw_grasps_np(img, grasps[1:], thickness=1)
        draw_grasps_np(img, grasps[:1], thickness=2)  # the best one
        draw_text_np(img, f'frame {frame.index}  {self.status}')
        records = [dict(x=g[0], y=g[1], w=g[2], h=g[3], theta=g[4], score=float(scores[k]))
                   for g, k in zip(grasps.tolist(), keep)]
        if frame.depth is not None and self.intrinsics is not None and len(grasps):
            poses = grasps_to_camera_frame(grasps, frame.depth, self.intrinsics)
            for record, camera in zip(records, poses.to_records()):
                record['camera'] = camera
        if self._jsonl is not None:
            cv2.imwrite(osp.join(self.out_dir, 'frames', f'{frame.index:06d}.jpg'), img)
            self._jsonl.write(json.dumps(dict(frame=frame.index, grasps=records)) + '\n')
            self._jsonl.flush()
        if self.keep_latest:
            self.latest, self.latest_index = img, frame.index


def status_line(stats: StreamStats) -> str:
    """The per-second line: the last second's rate and latency, the counters so far."""
    return (f'{stats.elapsed_s:7.1f} s  {stats.fps:5.1f} frames/s  latency '
            f'{stats.latency_ms_median:6.1f} ms (p90 {stats.latency_ms_p90:6.1f})  '
            f'processed {stats.processed}  dropped {stats.dropped}')


def _shower(sink: GraspSink):
    """An ``on_tick`` hook: show the newest drawing; False (stop) on q / Esc / a closed window."""
    shown = [-1]

    def tick() -> bool:
        if sink.latest is not None and sink.latest_index != shown[0]:
            shown[0] = sink.latest_index
            cv2.imshow(WINDOW, sink.latest)
        key = cv2.waitKey(1) & 0xFF
        if key in (27, ord('q')):
            return False
        return shown[0] < 0 or cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) >= 1

    return tick


def _open(args) -> FrameSource:
    """The source, with the intrinsics of ``--intrinsics`` when given (ValueError etc.)."""
    source = open_source(args.source, args.rate, args.loop, args.depth_pattern)
    if args.intrinsics:
        source.intrinsics = CameraIntrinsics.from_json(args.intrinsics)
    has_depth = (isinstance(source, RealSenseSource)
                 or getattr(source, 'depth_files', None) is not None)
    if has_depth and source.intrinsics is None:
        print('note: the frames have depth but no --intrinsics was given: grasps stay in pixels')
    elif args.intrinsics and not has_depth:
        print(f'note: {args.source} has no depth (--depth-pattern): grasps stay in pixels')
    return source


def _print_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f'warning: {message}', file=sys.stderr)


def main(argv=None) -> int:
    args = parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _print_warning
        try:
            source = _open(args)
        except (FileNotFoundError, ValueError, ImportError, RuntimeError) as e:
            print(f'error: {e}', file=sys.stderr)
            return 1
        sink = None
        try:
            try:
                runtime = build_runtime(args.model, args.threads, args.backend)
            except (FileNotFoundError, ValueError, ImportError) as e:
                print(f'error: {e}', file=sys.stderr)
                return 2
            sink = GraspSink(args.top_k, args.score_thr, source.intrinsics, args.out_dir,
                             (getattr(runtime, 'dataset_meta', None) or {}).get('sem_palette'),
                             keep_latest=args.show)

            def on_status(stats: StreamStats) -> None:
                sink.status = f'{stats.fps:.1f} frames/s  {stats.latency_ms_median:.0f} ms'
                print(status_line(stats), flush=True)

            pipeline = StreamPipeline(source, runtime, sink, max_frames=args.max_frames,
                                      on_status=on_status,
                                      on_tick=_shower(sink) if args.show else None)
            print(f'{args.source} -> {args.model} ({type(source).__name__}'
                  + (f', {source.rate:g} frames/s' if source.rate else '') + '); Ctrl-C stops',
                  flush=True)
            stats = pipeline.run()
        except (StageError, cv2.error) as e:
            print(f'error: {e}', file=sys.stderr)
            return 1
        except KeyboardInterrupt:  # a second Ctrl-C while stopping
            print('interrupted', file=sys.stderr)
            return 0
        finally:
            source.close()
            if sink is not None:
                sink.close()
            if args.show:
                cv2.destroyAllWindows()
    print(stats.summary())
    if args.out_dir:
        print(f'drawings in {osp.join(args.out_dir, "frames")}, grasps in '
              f'{osp.join(args.out_dir, "grasps.jsonl")}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
