# Copyright (c) mmgrasp contributors. All rights reserved.
"""Predict grasps on images and draw them (the mmgrasp version of mmdet's ``image_demo.py``).

    python demo/image_demo.py IMAGE_OR_FOLDER CONFIG [--weights CKPT] [--out-dir outputs]
        [--best-per-object] [--pred-score-thr 0.3] [--device cpu] [--backend onnxruntime]

With ``--backend onnxruntime``, ``--weights`` is a model exported by
``tools/deployment/pytorch2onnx.py`` and CONFIG may be ``none`` (the config saved in the file).

Writes ``OUT_DIR/vis/<name>.png`` (plates blue, opening red, semantic map in the dataset colours)
and ``OUT_DIR/preds/<name>.json`` (the grasps: centre, opening, jaw, angle in degrees, corners,
score and the object class; see :mod:`mmgrasp.apis.grasp_records`), plus
``OUT_DIR/preds/<name>_sem_seg.png`` (class ids) with a semantic head. Images that cannot be
read are reported and skipped; the exit status is 1 when any image failed, 2 when the model
could not be loaded (one ``error:`` line: a checkpoint that does not fit the config, a truncated
or damaged ``.pth`` or ``.onnx``, an ``.onnx`` exported from another variant than the config's).
"""
import sys
from argparse import ArgumentParser

from mmengine.logging import print_log

from mmgrasp.apis import GraspInferencer
from mmgrasp.utils import CheckpointError


def parse_args():
    parser = ArgumentParser(description='Grasp detection on images')
    parser.add_argument('inputs', help='an image file, a folder of images, or several files',
                        nargs='+')
    parser.add_argument('model', help='config file (or, with --weights, "none" to use the '
                        'config saved in the checkpoint)')
    parser.add_argument('--weights', help='checkpoint file (random weights without it)')
    parser.add_argument('--out-dir', default='outputs', help='output folder')
    parser.add_argument('--device', default='cpu', help='device, e.g. cpu or cuda:0')
    parser.add_argument('--threads', type=int, help='CPU threads (default: one per core; fewer '
                        'on a busy machine)')
    parser.add_argument('--backend', default='pytorch', choices=['pytorch', 'onnxruntime'],
                        help='onnxruntime: --weights is a model exported by '
                        'tools/deployment/pytorch2onnx.py (docs/deployment.md)')
    parser.add_argument('--pred-score-thr', type=float, default=0.3,
                        help='minimum score of a drawn grasp (the JSON holds all)')
    parser.add_argument('--max-grasps', type=int,
                        help='draw at most this many grasps per image (the best ones)')
    parser.add_argument('--best-per-object', action='store_true',
                        help='keep only the best grasp per object (needs a semantic head)')
    parser.add_argument('--object-mode', default='auto', choices=['auto', 'class', 'component'],
                        help='an object is a semantic class or a connected region')
    parser.add_argument('--batch-size', type=int, default=1, help='inference batch size')
    parser.add_argument('--show', action='store_true', help='show each drawing in a window')
    parser.add_argument('--no-save-vis', action='store_true', help='do not write drawings')
    parser.add_argument('--no-save-pred', action='store_true', help='do not write JSON files')
    parser.add_argument('--print-result', action='store_true', help='print the predictions')
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    model = None if args.model.lower() == 'none' else args.model
    try:
        inferencer = GraspInferencer(model, args.weights, device=args.device,
                                     object_mode=args.object_mode, backend=args.backend,
                                     num_threads=args.threads)
    except (ValueError, FileNotFoundError, CheckpointError) as e:
        # a checkpoint of another config, or one refused as unsafe (a class outside the
        # allow-list of mmgrasp.utils.safe_checkpoint, a stored config that is not plain data)
        print(f'error: {e}', file=sys.stderr)
        return 2
    if args.max_grasps is not None:
        inferencer.visualizer.max_grasps = args.max_grasps
    inputs = args.inputs[0] if len(args.inputs) == 1 else args.inputs
    out = inferencer(
        inputs,
        batch_size=args.batch_size,
        show=args.show,
        no_save_vis=args.no_save_vis,
        no_save_pred=args.no_save_pred,
        print_result=args.print_result,
        pred_score_thr=args.pred_score_thr,
        best_per_object=args.best_per_object,
        out_dir=args.out_dir)
    for p in out['predictions']:
        best = max((g['score'] for g in p['grasps']), default=None)
        if best is not None and best < args.pred_score_thr and not args.no_save_vis:
            print_log(f'{p["img_path"] or "array input"}: no grasp scores above '
                      f'--pred-score-thr {args.pred_score_thr} (best {best:.3f}), none drawn',
                      logger='current')
    failed = [p for p in out['predictions'] if 'error' in p]
    done = len(out['predictions']) - len(failed)
    if args.out_dir and not (args.no_save_vis and args.no_save_pred):
        print_log(f'{done} image(s) processed, results in {args.out_dir}', logger='current')
    for p in failed:
        print(f"failed: {p['img_path']}: {p['error']}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
