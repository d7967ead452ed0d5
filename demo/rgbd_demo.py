# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasps an arm can execute: predict on an RGB image, then lift the grasps into metres with the
aligned depth image and the camera intrinsics.

    python demo/rgbd_demo.py RGB DEPTH INTRINSICS CONFIG [--weights CKPT] [--out-dir outputs]
        [--top-k 5] [--best-per-object] [--approach ray|normal] [--plate-depth surface|measured]
        [--window 9] [--depth-scale S] [--device cpu] [--backend pytorch|onnxruntime]

- ``DEPTH``: a 16-bit PNG, a float TIFF or a ``.npy`` array, aligned to the RGB image
  (``rs.align(rs.stream.color)``). Its unit (:func:`mmgrasp.structures.depth_scale_for`):
  ``--depth-scale S`` if given (any dtype), else a float image is metres (Jacquard's
  ``perfect_depth.tiff``) and an integer one is in units of the intrinsics' ``depth_scale``,
  millimetres (RealSense ``z16``, 0.001) without one. An 8-bit image is not a depth image and is
  refused unless ``--depth-scale`` is given. A median depth outside 0.1-10 m prints a warning
  naming the file, the scale, the median and the likely scale.
- ``INTRINSICS``: a JSON file with ``fx, fy, cx, cy`` (or pyrealsense2's ``ppx, ppy``, or a ROS
  ``K``) and optionally ``depth_scale, width, height`` (docs/inference.md, "Grasps in metres").
  Numbers only (``true`` and ``"500"`` are refused), focal lengths of 1 px or more, the
  principal point inside the RGB image.

Prints the depth's unit and the best grasps (position in the camera frame, approach, opening and
jaw in metres, or why a grasp is invalid) and writes ``OUT_DIR/<name>_grasps_3d.json``
(``depth_scale`` used and ``depth_unit`` (why), and every kept grasp: the pixel grasp fields of
``image_demo.py`` plus ``camera``: ``valid``, ``reason``, ``position_m``, ``approach``,
``closing``, ``rotation`` (columns: closing axis, along the plates, approach), ``opening_m``,
``jaw_m``, ``depth_m``; an invalid grasp (a hole in the depth, depth outside 0.1-10 m, opening
or jaw over 0.5 m) has ``valid: false``, its ``reason`` and None for the rest), and the drawing
in ``OUT_DIR/vis/``. The geometry is :func:`mmgrasp.structures.grasps_to_camera_frame`. With an
RGB-D model (an ``*_rgbd_*`` config) the depth, in metres, is also the model's fourth input
channel. Exit status 1 when an input cannot be read, 2 when the model cannot be loaded.
"""
import os
import os.path as osp
import sys
import warnings
from argparse import ArgumentParser
from typing import Optional, Tuple

import cv2
import numpy as np

from mmgrasp.apis import GraspInferencer, grasp_records
from mmgrasp.structures import (CameraIntrinsics, DepthUnitWarning, depth_scale_for,
                                grasps_to_camera_frame)
from mmgrasp.utils import write_json_atomic


def parse_args(argv=None):
    parser = ArgumentParser(description='Grasp detection on an RGB-D frame, grasps in metres')
    parser.add_argument('rgb', help='colour image')
    parser.add_argument('depth', help='depth image aligned to it (.png 16-bit, .tiff, .npy)')
    parser.add_argument('intrinsics', help='JSON file: fx, fy, cx, cy [, depth_scale]')
    parser.add_argument('model', help='config file (or "none" with --weights)')
    parser.add_argument('--weights', help='checkpoint file (random weights without it)')
    parser.add_argument('--out-dir', default='outputs', help='output folder')
    parser.add_argument('--device', default='cpu', help='device, e.g. cpu or cuda:0')
    parser.add_argument('--backend', default='pytorch', choices=['pytorch', 'onnxruntime'],
                        help='onnxruntime: --weights is an exported .onnx model')
    parser.add_argument('--top-k', type=int, default=5, help='grasps printed (JSON: all kept)')
    parser.add_argument('--best-per-object', action='store_true',
                        help='keep only the best grasp per object (needs a semantic head)')
    parser.add_argument('--approach', choices=['ray', 'normal'], default='ray',
                        help='approach along the viewing ray or the surface normal')
    parser.add_argument('--plate-depth', choices=['surface', 'measured'], default='surface',
                        help='plates on the surface at the centre, or at their own depth')
    parser.add_argument('--window', type=int, default=9, help='depth window side (odd, pixels)')
    parser.add_argument('--depth-scale', type=float,
                        help='metres per depth unit, for any depth dtype (default: float '
                        'depth is metres, integer depth the intrinsics\' depth_scale or mm)')
    return parser.parse_args(argv)


def read_depth(path: str) -> np.ndarray:
    """An ``(H, W)`` depth image from a PNG/TIFF (any bit depth) or a ``.npy`` file."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such depth file')
    if path.lower().endswith('.npy'):
        depth = np.load(path)
    else:
        depth = cv2.imread(path, cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR)
        if depth is None:
            raise ValueError(f'{path}: not an image OpenCV can read')
    if depth.ndim == 3:
        if depth.shape[2] != 1:
            raise ValueError(f'{path}: a depth image has one channel, this one has '
                             f'{depth.shape[2]}')
        depth = depth[..., 0]
    return depth


def depth_metres(depth: np.ndarray, path: str, intrinsics: CameraIntrinsics,
                 explicit_scale: Optional[float]) -> Tuple[np.ndarray, float, str]:
    """The depth image in metres (float64), its scale and why; warnings go to stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always', DepthUnitWarning)
        scale, reason = depth_scale_for(depth, path, explicit_scale=explicit_scale,
                                        intrinsics_scale=intrinsics.depth_scale)
    for warning in caught:
        print(f'warning: {warning.message}', file=sys.stderr)
    return depth.astype(np.float64) * scale, scale, reason


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        intrinsics = CameraIntrinsics.from_json(args.intrinsics)
        depth = read_depth(args.depth)
        rgb = cv2.imread(args.rgb, cv2.IMREAD_COLOR)
        if rgb is None:
            raise ValueError(f'{args.rgb}: not an image OpenCV can read')
        if rgb.shape[:2] != depth.shape[:2]:
            raise ValueError(f'{args.depth} is {depth.shape[1]}x{depth.shape[0]} but {args.rgb} '
                             f'is {rgb.shape[1]}x{rgb.shape[0]}: align the depth to the colour '
                             'stream first')
        intrinsics.check_image_size(rgb.shape[1], rgb.shape[0], source=args.intrinsics,
                                    image=args.rgb)
        depth_m, scale, unit = depth_metres(depth, args.depth, intrinsics, args.depth_scale)
    except (ValueError, FileNotFoundError, OSError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    print(f'{args.depth}: {unit}')
    model: Optional[str] = None if args.model.lower() == 'none' else args.model
    try:
        inferencer = GraspInferencer(model, args.weights, device=args.device,
                                     backend=args.backend)
    except (ValueError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    inferencer.visualizer.max_grasps = args.top_k  # the drawing shows the printed grasps
    inputs = args.rgb
    if inferencer.needs_depth:  # an RGB-D model reads the depth too, in metres
        inputs = dict(img=args.rgb, depth=depth_m.astype(np.float32))
    out = inferencer(inputs, out_dir=args.out_dir, no_save_pred=True, pred_score_thr=0.0,
                     best_per_object=args.best_per_object, return_datasamples=True)
    sample = out['predictions'][0]
    if isinstance(sample, dict):  # the image could not be processed
        print(f'error: {args.rgb}: {sample.get("error")}', file=sys.stderr)
        return 1
    records = grasp_records(sample, (inferencer.model.dataset_meta or {}).get('sem_classes'))
    if not records:
        print(f'{args.rgb}: no grasp predicted')
        return 0
    preds = sample.pred_instances.cpu()
    # the order of grasp_records: by score, best first, ties in prediction order
    grasps = preds.bboxes[preds.scores.argsort(descending=True, stable=True)].double().numpy()
    try:
        poses = grasps_to_camera_frame(grasps, depth_m, intrinsics, window=args.window,
                                       approach=args.approach, plate_depth=args.plate_depth)
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    for record, camera in zip(records, poses.to_records()):
        record['camera'] = camera
    os.makedirs(args.out_dir, exist_ok=True)
    name = osp.splitext(osp.basename(args.rgb))[0]
    path = osp.join(args.out_dir, f'{name}_grasps_3d.json')
    write_json_atomic(path, dict(image=args.rgb, depth=args.depth,
                                 intrinsics=intrinsics.to_dict(), depth_scale=scale,
                                 depth_unit=unit, approach=args.approach,
                                 plate_depth=args.plate_depth, window=args.window,
                                 grasps=records))
    print(f'{"#":>2} {"score":>6} {"object":>12} {"x [m]":>8} {"y [m]":>8} {"z [m]":>7} '
          f'{"opening [m]":>11} {"jaw [m]":>8}  approach')
    for i, record in enumerate(records[:args.top_k]):
        cam = record['camera']
        obj = str(record.get('object', '-'))[:12]
        if not cam['valid']:
            print(f'{i:>2} {record["score"]:>6.3f} {obj:>12}  invalid: {cam["reason"]}')
            continue
        x, y, z = cam['position_m']
        print(f'{i:>2} {record["score"]:>6.3f} {obj:>12} {x:>8.4f} {y:>8.4f} {z:>7.4f} '
              f'{cam["opening_m"]:>11.4f} {cam["jaw_m"]:>8.4f}  '
              + ' '.join(f'{a:+.3f}' for a in cam['approach']))
    n_valid = sum(record['camera']['valid'] for record in records)
    print(f'{len(records)} grasps in metres ({n_valid} valid): {path}; drawing in '
          f'{osp.join(args.out_dir, "vis")}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
