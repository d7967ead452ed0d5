# Copyright (c) mmgrasp contributors. All rights reserved.
"""End-to-end latency, frames per second and memory of deployed grasp detectors, side by side.

    python tools/analysis_tools/deploy_benchmark.py --images 'data/frames/*.png' \
        [--pytorch CONFIG CHECKPOINT] [--inferencer-ort MODEL.onnx] \
        [--runtime MODEL.onnx [MODEL_INT8.onnx ...]] [--openvino MODEL.onnx ...] \
        [--threads 2] [--warmup 5] [--rounds 6] [--passes 5]

Each model runs in its own process (so that its peak resident memory is its own), loaded once;
the parent makes them take turns, ``--passes`` frames each per round (after ``--turn-warmup``
untimed ones: the steady state of a camera loop, not the wake-up after a pause), so that a
change of the machine's load hits every model alike. A pass is timed from a decoded BGR frame
in memory (what a camera gives) to grasps in that frame's pixels, pre- and post-processing
included:

- ``pytorch``: ``mmdet.apis.inference_detector`` with the checkpoint (today's PyTorch path);
- ``inferencer-ort``: ``GraspInferencer(backend='onnxruntime')`` (the export inside the mmdet
  pipeline and a torch process);
- ``runtime``: :class:`mmgrasp.runtime.GraspRuntime` with onnxruntime (numpy and OpenCV, no
  torch), for each ``.onnx`` given (e.g. float32 and int8);
- ``openvino``: the same runtime with OpenVINO.

Printed per model: median and 90th percentile latency, frames per second (1000 / median), the
process's peak resident memory (``VmHWM``), and the top grasp's drift from the first model on
each frame (median / 95th percentile, pixels and degrees), with the load average before and
after and the thread count.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time
from typing import List

import numpy as np

HERE = os.path.abspath(__file__)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Deployed grasp detectors side by side')
    parser.add_argument('--images', nargs='+', required=True,
                        help='frames (files or glob patterns); decoded once, before timing')
    parser.add_argument('--pytorch', nargs=2, metavar=('CONFIG', 'CHECKPOINT'),
                        help='the PyTorch model through mmdet.apis.inference_detector')
    parser.add_argument('--inferencer-ort', nargs='+', default=[], metavar='MODEL.onnx',
                        help='exports through GraspInferencer(backend="onnxruntime")')
    parser.add_argument('--runtime', nargs='+', default=[], metavar='MODEL.onnx',
                        help='exports through the torch-free GraspRuntime (onnxruntime)')
    parser.add_argument('--openvino', nargs='+', default=[], metavar='MODEL.onnx',
                        help='exports through GraspRuntime(backend="openvino")')
    parser.add_argument('--threads', type=int, default=2, help='threads of every model')
    parser.add_argument('--warmup', type=int, default=5, help='untimed passes per model')
    parser.add_argument('--rounds', type=int, default=6, help='turns per model')
    parser.add_argument('--passes', type=int, default=5, help='timed frames per turn')
    parser.add_argument('--turn-warmup', type=int, default=1,
                        help='untimed frames at the start of each turn (a camera loop runs '
                        'without pauses; the first frame after one wakes the threads)')
    parser.add_argument('--json', help='also write the figures to this JSON file')
    parser.add_argument('--worker', nargs='+', help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def expand_images(patterns: List[str]) -> List[str]:
    files = []
    for pattern in patterns:
        hits = sorted(glob.glob(pattern)) if any(c in pattern for c in '*?[') else [pattern]
        files += hits
    missing = [f for f in files if not os.path.isfile(f)]
    if not files or missing:
        raise SystemExit(f'error: no frames at {patterns}' if not files else
                         f'error: frame not found: {missing[0]}')
    return files


def peak_rss_mib() -> float:
    """This process's peak resident set (``VmHWM``; ``ru_maxrss`` would count the parent's
    memory at the fork)."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM'):
                return int(line.split()[1]) / 1024
    return float('nan')


# ---------------------------------------------------------------- worker side
def _predictor(kind: str, args: List[str], threads: int):
    """A function frame -> (K, 5) grasps in the frame's pixels, best first."""
    if kind == 'pytorch':
        import torch
        torch.set_num_threads(threads)
        from mmdet.apis import inference_detector, init_detector
        model = init_detector(args[0], args[1], device='cpu')
        return lambda frame: inference_detector(model, frame).pred_instances.bboxes.numpy()
    if kind == 'inferencer-ort':
        from mmgrasp.apis import GraspInferencer
        inferencer = GraspInferencer(None, args[0], backend='onnxruntime', num_threads=threads,
                                     show_progress=False)

        def run(frame):
            out = inferencer(frame, return_datasamples=True, no_save_pred=True,
                             no_save_vis=True)
            return out['predictions'][0].pred_instances.bboxes.numpy()
        return run
    from mmgrasp.runtime import GraspRuntime
    backend = 'openvino' if kind == 'openvino' else 'onnxruntime'
    runtime = GraspRuntime(args[0], backend=backend, num_threads=threads)
    return lambda frame: runtime(frame).grasps


def worker(spec: List[str], images: List[str], threads: int) -> None:
    """Serve ``run N``, ``top`` and ``quit`` requests on stdin, one JSON line each on stdout."""
    os.environ.setdefault('OMP_NUM_THREADS', str(threads))
    import cv2
    cv2.setNumThreads(1)
    predict = _predictor(spec[0], spec[1:], threads)
    frames = [cv2.imread(p) for p in images]
    index = 0
    print(json.dumps(dict(ready=True)), flush=True)
    for line in sys.stdin:
        words = line.split()
        if words[0] == 'run':
            times = []
            for _ in range(int(words[1])):
                frame = frames[index % len(frames)]
                index += 1
                start = time.perf_counter()
                predict(frame)
                times.append((time.perf_counter() - start) * 1000)
            print(json.dumps(dict(ms=times)), flush=True)
        elif words[0] == 'top':
            tops = []
            for frame in frames:
                grasps = np.asarray(predict(frame)).reshape(-1, 5)
                tops.append(grasps[0].tolist() if len(grasps) else None)
            print(json.dumps(dict(top=tops)), flush=True)
        else:
            print(json.dumps(dict(peak_rss_mib=peak_rss_mib())), flush=True)
            return


# ---------------------------------------------------------------- parent side
class Worker:
    """One model in its own process."""

    def __init__(self, name: str, spec: List[str], images: List[str], threads: int) -> None:
        self.name = name
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        cmd = [sys.executable, HERE, '--images', *images, '--threads', str(threads),
               '--worker', *spec]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=env)
        self.times: List[float] = []
        self._read()

    def _read(self) -> dict:
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit(f'error: the {self.name} worker stopped (see its messages)')
            if line.startswith('{'):
                return json.loads(line)

    def ask(self, request: str) -> dict:
        self.proc.stdin.write(request + '\n')
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> float:
        peak = self.ask('quit')['peak_rss_mib']
        self.proc.wait(timeout=60)
        return peak


def _drift(tops: List, ref: List) -> dict:
    """Top grasp of each frame against the reference model's: centre px, angle degrees."""
    px, deg = [], []
    for a, b in zip(tops, ref):
        if a is None or b is None:
            continue
        px.append(float(np.hypot(a[0] - b[0], a[1] - b[1])))
        d = abs(a[4] - b[4]) % np.pi
        deg.append(float(np.degrees(min(d, np.pi - d))))
    if not px:
        return {}
    return dict(px_median=float(np.median(px)), px_p95=float(np.percentile(px, 95)),
                deg_median=float(np.median(deg)), deg_p95=float(np.percentile(deg, 95)),
                same_top=float(np.mean(np.array(px) < 0.5)))


def main(argv=None) -> int:
    args = parse_args(argv)
    images = expand_images(args.images)
    if args.worker:
        worker(args.worker, images, args.threads)
        return 0
    specs = []
    if args.pytorch:
        specs.append(('pytorch', ['pytorch', *args.pytorch]))
    specs += [(f'inferencer-ort {os.path.basename(f)}', ['inferencer-ort', f])
              for f in args.inferencer_ort]
    specs += [(f'runtime ort {os.path.basename(f)}', ['runtime', f]) for f in args.runtime]
    specs += [(f'runtime openvino {os.path.basename(f)}', ['openvino', f])
              for f in args.openvino]
    if not specs:
        raise SystemExit('error: give at least one model (--pytorch, --runtime, ...)')
    load_before = os.getloadavg()
    workers = [Worker(name, spec, images, args.threads) for name, spec in specs]
    for w in workers:
        w.ask(f'run {args.warmup}')
    for _ in range(args.rounds):
        for w in workers:
            times = w.ask(f'run {args.turn_warmup + args.passes}')['ms']
            w.times += times[args.turn_warmup:]
    tops = [w.ask('top')['top'] for w in workers]
    load_after = os.getloadavg()
    rows = []
    for w, top in zip(workers, tops):
        ms = np.array(w.times)
        rows.append(dict(model=w.name, median_ms=float(np.median(ms)),
                         p90_ms=float(np.percentile(ms, 90)), fps=1000 / float(np.median(ms)),
                         peak_rss_mib=w.close(), drift=_drift(top, tops[0])))
    print(f'{len(images)} frames {tuple(int(v) for v in _shape(images[0]))}, '
          f'{args.threads} threads, {args.rounds} x {args.passes} passes per model, load '
          f'average {load_before[0]:.2f} before, {load_after[0]:.2f} after '
          f'({os.cpu_count()} CPUs)')
    print(f'{"model":<44}{"median ms":>10}{"p90 ms":>9}{"fps":>7}{"peak MiB":>10}'
          f'  top-grasp drift vs {rows[0]["model"]} (px median/p95, deg median/p95)')
    for row in rows:
        d = row['drift']
        drift = (f'{d["px_median"]:.2f}/{d["px_p95"]:.2f} px, {d["deg_median"]:.2f}/'
                 f'{d["deg_p95"]:.2f} deg, same top {d["same_top"] * 100:.0f} %') if d else '-'
        print(f'{row["model"][:43]:<44}{row["median_ms"]:>10.1f}{row["p90_ms"]:>9.1f}'
              f'{row["fps"]:>7.1f}{row["peak_rss_mib"]:>10.0f}  {drift}')
    if args.json:
        from mmgrasp.utils.json_io import write_json_atomic
        write_json_atomic(args.json, dict(images=images, threads=args.threads,
                                          load=[load_before[0], load_after[0]], rows=rows))
    return 0


def _shape(path: str):
    import cv2
    return cv2.imread(path).shape


if __name__ == '__main__':
    sys.exit(main())
