# Copyright (c) mmgrasp contributors. All rights reserved.
"""Export a trained grasp detector (Detection, Det_Seg or Det_Seg_Refine) to ONNX, and check it.

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --out model.onnx \
        [--shape H W] [--verify IMAGE ...] [--tolerance-px 0.5] [--tolerance-deg 0.5]
        [--int8 model_int8.onnx [--calib-images 32] [--calib-method minmax]
         [--keep-fp32 NAME ...]] [--cfg-options KEY=VALUE ...]

The graph uses standard ONNX operators only (RoiAlign, NonMaxSuppression, TopK...): onnxruntime
runs it without a custom operator library. ``--shape`` is the padded network input (the test
pipeline's output rounded up to the preprocessor's ``pad_size_divisor``, to which a given
shape is rounded up too); without it, the largest input of the ``--verify`` images is used.
Smaller inputs are padded at run time (docs/deployment.md, "Input size").

``--verify`` runs every given image through PyTorch and through onnxruntime
(``GraspInferencer(backend='onnxruntime')``) and prints, per image, the top grasp's difference
in pixels and degrees; the exit status is 1 when one exceeds the tolerances or an image fails
in either backend. For an RGB-D model give each image with its depth: ``IMAGE,DEPTH``. The
exported model then runs with ``demo/image_demo.py --backend onnxruntime`` or
``GraspInferencer(None, 'model.onnx', backend='onnxruntime')`` (docs/deployment.md).

``--int8 FILE`` also writes a static int8 version (onnxruntime's quantization: convolutions and
fully connected layers in int8, the rest float32), calibrated on ``--calib-images`` images of
the config's **training** side (``--cfg-options`` picks a fold); ``--keep-fp32`` keeps layers
whose node names contain the given strings in float32 (e.g. ``fc_reg``, the box regression).
With ``--verify``, the int8 model's top grasp is compared with the float32 one and printed;
int8 moves grasps, so this comparison does not set the exit status: measure its accuracy with
``tools/analysis_tools/int8_accuracy.py`` (docs/deployment.md, "int8").
"""
import argparse
import math
import sys
from typing import List, Optional, Tuple

from mmengine.config import DictAction


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Export a grasp detector to ONNX')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='the .onnx file to write')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        help='padded network input size (default: from --verify images)')
    parser.add_argument('--verify', nargs='+', default=[], help='images to compare PyTorch and '
                        'onnxruntime on (IMAGE,DEPTH for an RGB-D model)')
    parser.add_argument('--tolerance-px', type=float, default=0.5)
    parser.add_argument('--tolerance-deg', type=float, default=0.5)
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--int8', metavar='FILE', help='also write a static int8 export here')
    parser.add_argument('--calib-images', type=int, default=32,
                        help='training-side images to calibrate int8 on')
    parser.add_argument('--calib-method', default='minmax',
                        choices=['minmax', 'entropy', 'percentile'])
    parser.add_argument('--keep-fp32', nargs='+', default=[], metavar='NAME',
                        help='keep the layers whose node names contain NAME in float32')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings (e.g. the fold of the training side)')
    return parser.parse_args(argv)


def _round_up(shape, divisor: int) -> Tuple[int, int]:
    return tuple(int(math.ceil(v / divisor) * divisor) for v in shape)


def _input_shape(inferencer, inputs: list, divisor: int) -> Tuple[int, int]:
    """The largest padded network input of ``inputs`` through the test pipeline."""
    h = w = 0
    for single_input in inputs:
        _, data = inferencer._load_one(single_input)
        h, w = max(h, data['inputs'].shape[-2]), max(w, data['inputs'].shape[-1])
    return _round_up((h, w), divisor)


def verify_inputs(items: List[str], needs_depth: bool) -> list:
    """``--verify`` items as inference inputs: paths, or ``dict(img, depth)`` for RGB-D."""
    inputs = []
    for item in items:
        img, sep, depth = item.partition(',')
        if needs_depth and not sep:
            raise ValueError(f'--verify {item!r}: an RGB-D model needs IMAGE,DEPTH')
        inputs.append(dict(img=img, depth=depth) if needs_depth else item)
    return inputs


def top_grasp_difference(a: dict, b: dict) -> Optional[Tuple[float, float]]:
    """Pixels (the largest of centre, opening and jaw differences) and degrees between the top
    grasps of two ``GraspInferencer`` results; None when either has none."""
    if not a['grasps'] or not b['grasps']:
        return None if bool(a['grasps']) == bool(b['grasps']) else (math.inf, math.inf)
    ga, gb = a['grasps'][0], b['grasps'][0]
    px = max(abs(ga['center'][0] - gb['center'][0]), abs(ga['center'][1] - gb['center'][1]),
             abs(ga['opening'] - gb['opening']), abs(ga['jaw'] - gb['jaw']))
    deg = abs(ga['angle_deg'] - gb['angle_deg']) % 180
    return px, min(deg, 180 - deg)


def quantize(cfg, args) -> None:
    """Write the int8 export of ``args.out`` to ``args.int8``, calibrated on training images."""
    from mmgrasp.deployment.onnx_quantization import (quantize_export, read_frames,
                                                      training_frame_paths)
    paths = training_frame_paths(cfg, args.calib_images)
    info = quantize_export(args.out, args.int8, read_frames(paths),
                           keep_fp32=args.keep_fp32, method=args.calib_method)
    kept = f', kept in float32: {", ".join(info["kept_fp32"])}' if info['kept_fp32'] else ''
    print(f'{args.int8}: {info["bytes"] / 1e6:.1f} MB, {info["quantized"]} layers in int8, '
          f'calibrated on {info["frames"]} training images ({args.calib_method}){kept}')


def report_int8_drift(fp32_file: str, int8_file: str, images: List[str]) -> None:
    """Print the int8 top grasp's distance from the float32 one on each image."""
    import cv2
    import numpy as np

    from mmgrasp.runtime import GraspRuntime
    fp32, int8 = GraspRuntime(fp32_file), GraspRuntime(int8_file)
    for path in images:
        frame = cv2.imread(path)
        a, b = fp32(frame).grasps, int8(frame).grasps
        if len(a) == 0 or len(b) == 0:
            print(f'{path}: int8 {len(b)} grasps, float32 {len(a)}')
            continue
        deg = abs(float(np.degrees(a[0, 4] - b[0, 4]))) % 180
        print(f'{path}: int8 top grasp {float(np.hypot(*(a[0, :2] - b[0, :2]))):.2f} px and '
              f'{min(deg, 180 - deg):.2f} deg from the float32 one')


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmengine.config import Config

    from mmgrasp.apis import GraspInferencer
    from mmgrasp.deployment import export_onnx

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    torch_inf = GraspInferencer(cfg, args.checkpoint, device='cpu', show_progress=False)
    model = torch_inf.model
    divisor = int(getattr(model.data_preprocessor, 'pad_size_divisor', 1) or 1)
    if args.int8 and torch_inf.needs_depth:
        print('error: --int8 takes RGB models (the torch-free runtime calibrates it); this '
              'config feeds depth to the network', file=sys.stderr)
        return 2
    try:
        inputs = verify_inputs(args.verify, torch_inf.needs_depth)
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    if args.shape:
        shape = _round_up(args.shape, divisor)
        if shape != tuple(args.shape):
            print(f'--shape {args.shape[0]} {args.shape[1]} rounded up to {shape[0]} {shape[1]} '
                  f'(pad_size_divisor {divisor})')
    elif inputs:
        shape = _input_shape(torch_inf, inputs, divisor)
    else:
        print('error: give --shape H W (the padded network input) or --verify images',
              file=sys.stderr)
        return 2
    info = export_onnx(model, args.out, shape, config=cfg.to_dict(),
                       dataset_meta=model.dataset_meta, opset=args.opset)
    print(f'{args.out}: {info["bytes"] / 1e6:.1f} MB, input {shape[0]}x{shape[1]}, outputs '
          f'{", ".join(info["outputs"])}')
    if args.int8:
        quantize(cfg, args)
    if not args.verify:
        return 0
    ort_inf = GraspInferencer(cfg, args.out, backend='onnxruntime', show_progress=False)
    worst, failed = (0.0, 0.0), 0
    for item, single_input in zip(args.verify, inputs):
        kw = dict(no_save_pred=True, no_save_vis=True)
        a = torch_inf(single_input, **kw)['predictions'][0]
        b = ort_inf(single_input, **kw)['predictions'][0]
        errors = [f'{name}: {r["error"]}' for name, r in (('PyTorch', a), ('onnxruntime', b))
                  if 'error' in r]
        if errors:
            failed += 1
            print(f'{item}: FAILED ({"; ".join(errors)})')
            continue
        diff = top_grasp_difference(a, b)
        if diff is None:
            print(f'{item}: no grasp from either backend')
            continue
        worst = (max(worst[0], diff[0]), max(worst[1], diff[1]))
        print(f'{item}: top grasp differs by {diff[0]:.4f} px, {diff[1]:.4f} deg '
              f'(scores {a["grasps"][0]["score"]:.4f} / {b["grasps"][0]["score"]:.4f})')
    if args.int8 and not torch_inf.needs_depth:
        report_int8_drift(args.out, args.int8, [i for i in inputs if isinstance(i, str)])
    ok = worst[0] <= args.tolerance_px and worst[1] <= args.tolerance_deg and not failed
    if failed:
        print(f'{failed} of {len(inputs)} image(s) failed in a backend')
    print(f'largest difference {worst[0]:.4f} px, {worst[1]:.4f} deg: '
          f'{"within" if ok else "OUTSIDE"} the tolerances ({args.tolerance_px} px, '
          f'{args.tolerance_deg} deg)')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
