# Copyright (c) mmgrasp contributors. All rights reserved.
"""Where an exported model spends its time: OpenVINO's per-layer counters, summed by part.

    python tools/analysis_tools/deploy_profile.py MODEL.onnx --images 'frames/*.png' \
        [--threads 2] [--warmup 3] [--rounds 3] [--json FILE]

The export runs on OpenVINO (CPU) with ``PERF_COUNT`` on, frames prepared by the runtime's own
pre-processing (:class:`mmgrasp.runtime.GraspRuntime`). Each layer's time is summed per part of
the network, the first component of its ONNX node name, i.e. the module the export calls
(``backbone``, ``neck``, ``rpn_head``, ``semantic_head``, ``bbox_head`` for the grasp head's
fcs, ``mlp`` for the refinement head's MLP); layers outside any module (the proposals' top-k and
NMS, RoIAlign, the refinement head's rotated RoIAlign (``GridSample``) and last layer, the glue
of the export) are summed by their operation type (``op:TYPE``). Printed per part: mean
milliseconds per frame and share of the layers' total, with the total's wall-clock median beside
it (the counters include no waiting, so their sum can differ from the wall clock), the thread
count and the load average. A guide to what to
make faster, not a benchmark: use ``deploy_benchmark.py`` for latency.
"""
import argparse
import glob
import os
import sys
import time
from collections import defaultdict
from typing import Dict, List

import numpy as np


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Per-part time of an export on OpenVINO')
    parser.add_argument('onnx', help='an export of tools/deployment/pytorch2onnx.py')
    parser.add_argument('--images', nargs='+', required=True, help='frames (files or globs)')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=3, help='untimed passes first')
    parser.add_argument('--rounds', type=int, default=3, help='passes over the frames')
    parser.add_argument('--json', help='write the figures to this JSON file')
    return parser.parse_args(argv)


def part_of(node_name: str, node_type: str) -> str:
    """The part a layer belongs to: its module (first component of ``/module/...``), else
    ``op:TYPE``. A layout reorder (``SRC_abcd_acdb_/DST``) counts for the layer it feeds."""
    if node_type == 'Reorder' and '_/' in node_name:
        node_name = '/' + node_name.split('_/', 1)[1]
    pieces = node_name.split('/')
    if len(pieces) > 2 and pieces[1]:
        return pieces[1]
    return f'op:{node_type}'


def sum_by_part(infos: List) -> Dict[str, float]:
    """Milliseconds per part over one run's ``ProfilingInfo`` records (executed layers)."""
    total: Dict[str, float] = defaultdict(float)
    for info in infos:
        ms = info.real_time.total_seconds() * 1e3
        if ms > 0:
            total[part_of(info.node_name, info.node_type)] += ms
    return dict(total)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.rounds < 1 or args.warmup < 0 or args.threads < 1:
        raise ValueError(f'--rounds and --threads must be >= 1 and --warmup >= 0, got '
                         f'{args.rounds}, {args.threads}, {args.warmup}')
    import cv2

    from mmgrasp.runtime import GraspRuntime
    from mmgrasp.runtime.inference_sessions import OpenVinoSession
    paths = sorted({p for pattern in args.images for p in (glob.glob(pattern) or [pattern])})
    missing = [p for p in paths if not os.path.isfile(p)]
    if not paths or missing:
        raise FileNotFoundError(f'--images: no such file: {missing or args.images}')
    frames = [cv2.imread(p) for p in paths]
    unreadable = [p for p, f in zip(paths, frames) if f is None]
    if unreadable:
        raise ValueError(f'--images: OpenCV cannot read {unreadable}')
    # the runtime prepares the frames exactly as in deployment; a counting session runs them
    runtime = GraspRuntime(args.onnx, 'openvino', num_threads=1)
    session = OpenVinoSession(args.onnx, args.threads, profile=True)
    prepared = [runtime.preprocess(f) for f in frames]
    for k in range(args.warmup):
        session.run(prepared[k % len(prepared)].inputs, prepared[k % len(prepared)].img_hw)
    load_before = os.getloadavg()[0]
    sums: Dict[str, List[float]] = defaultdict(list)
    walls = []
    runs = 0
    for _ in range(args.rounds):
        for p in prepared:
            start = time.perf_counter()
            session.run(p.inputs, p.img_hw)
            walls.append((time.perf_counter() - start) * 1e3)
            for part, ms in sum_by_part(session.profiling_info()).items():
                sums[part].append(ms)
            runs += 1
    load_after = os.getloadavg()[0]
    means = {part: float(np.sum(v)) / runs for part, v in sums.items()}
    layers = sum(means.values())
    print(f'{args.onnx}: {len(frames)} frames x {args.rounds} rounds, OpenVINO, '
          f'{args.threads} threads, load {load_before:.2f} -> {load_after:.2f}')
    print(f'{"part":<32}{"ms/frame":>10}{"share":>8}')
    for part, ms in sorted(means.items(), key=lambda kv: -kv[1]):
        print(f'{part:<32}{ms:>10.2f}{ms / layers * 100:>7.1f}%')
    print(f'{"all layers":<32}{layers:>10.2f}   (wall clock median {np.median(walls):.2f} ms)')
    if args.json:
        from mmgrasp.utils.json_io import write_json_atomic
        write_json_atomic(args.json, dict(
            onnx=args.onnx, images=paths, threads=args.threads, rounds=args.rounds,
            load=[load_before, load_after], parts_ms=means, layers_ms=layers,
            wall_median_ms=float(np.median(walls))))
    return 0


if __name__ == '__main__':
    sys.exit(main())
