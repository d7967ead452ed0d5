# Copyright (c) mmgrasp contributors. All rights reserved.
"""Accuracy of int8 exports against float32, fold by fold.

    python tools/analysis_tools/int8_accuracy.py --model FOLD_CONFIG CHECKPOINT \
        [--model FOLD_CONFIG CHECKPOINT ...] [--out-dir work_dirs/int8] [--calib-images 32] \
        [--method minmax] [--keep-fp32 fc_reg ...] [--json FILE]

For each trained fold (the config a cross-validation tool wrote into the fold's work dir, which
names the fold's training and test sides, and the fold's checkpoint): the model is exported to
ONNX, quantized to int8 (:func:`mmgrasp.deployment.onnx_quantization.quantize_export`) with
``--calib-images`` frames of the fold's **training** side, and the fold's test images are scored
by the config's own metric (``GraspJaccardMetric``, top-1) three times: PyTorch, the float32
export and the int8 export, both through the torch-free runtime (:class:`GraspRuntime`). Also
printed: the int8 top grasp's drift from the float32 one (median / 95th percentile, pixels and
degrees) and how often the two pick the same grasp. Nothing is chosen on the test images.

Given several seeds of the same folds (models whose configs test the same images), it also
prints int8's effect beside float32's seed-to-seed spread on those images
(:func:`mmgrasp.evaluation.functional.seed_spread.int8_against_seed_spread`): how many images
change outcome between two seeds and between a model's float32 and int8 exports. Each model's
figures are kept in ``OUT_DIR/modelK/result.json`` (with its checkpoint's sha256 and the
quantization settings) and reused by a rerun with the same inputs, so a killed run resumes.
"""
import argparse
import os
import os.path as osp
import sys

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData, PixelData

from mmgrasp.evaluation.functional.seed_spread import int8_against_seed_spread, top_drift
from mmgrasp.evaluation.functional.significance import paired_counts, sign_test

ACCURACY_KEYS = ('acc_a30_iou25', 'acc_a10_iou25', 'acc_a5_iou25')
SHORT = {'acc_a30_iou25': '30', 'acc_a10_iou25': '10', 'acc_a5_iou25': '5'}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='int8 exports against float32, per fold')
    parser.add_argument('--model', nargs=2, action='append', required=True,
                        metavar=('CONFIG', 'CHECKPOINT'), help='a fold\'s config and checkpoint')
    parser.add_argument('--out-dir', default='work_dirs/int8_accuracy', help='exports go here')
    parser.add_argument('--calib-images', type=int, default=32,
                        help='calibration frames, evenly spaced over the training side')
    parser.add_argument('--method', default='minmax', choices=['minmax', 'entropy', 'percentile'])
    parser.add_argument('--keep-fp32', nargs='*', default=[],
                        help='node-name substrings of layers to keep in float32, e.g. fc_reg')
    parser.add_argument('--full-range', action='store_true',
                        help='8-bit weights (default: 7-bit, onnxruntime\'s advice for AVX2)')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--backend', default='onnxruntime', choices=['onnxruntime', 'openvino'],
                        help='the runtime that runs both exports')
    parser.add_argument('--json', help='write the figures to this JSON file')
    return parser.parse_args(argv)


def export_shape(test_dataset, divisor: int) -> tuple:
    """The padded input size of the largest test image after the pipeline."""
    h = w = 0
    for i in range(len(test_dataset)):
        ih, iw = test_dataset[i]['data_samples'].metainfo['img_shape'][:2]
        h, w = max(h, ih), max(w, iw)
    return -(-h // divisor) * divisor, -(-w // divisor) * divisor


def evaluate_fold(config: str, checkpoint: str, out_dir: str, args) -> dict:
    """Export, quantize and score one fold; returns its figures."""
    from mmdet.apis import init_detector

    from mmgrasp.deployment import export_onnx
    from mmgrasp.deployment.onnx_quantization import (quantize_export, read_frames,
                                                      training_frame_paths)
    from mmgrasp.evaluation.metrics import GraspJaccardMetric
    from mmgrasp.registry import DATASETS
    from mmgrasp.runtime import GraspRuntime
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmgrasp'))
    model = init_detector(cfg, checkpoint, device='cpu')
    test_dataset = DATASETS.build(cfg.test_dataloader.dataset)
    divisor = int(cfg.model.data_preprocessor.get('pad_size_divisor', 1) or 1)
    os.makedirs(out_dir, exist_ok=True)
    fp32, int8 = osp.join(out_dir, 'fp32.onnx'), osp.join(out_dir, 'int8.onnx')
    export_onnx(model, fp32, export_shape(test_dataset, divisor), config=cfg.to_dict(),
                dataset_meta=model.dataset_meta)
    calib = training_frame_paths(cfg, args.calib_images)
    quant = quantize_export(fp32, int8, read_frames(calib), args.keep_fp32,
                            args.method, reduce_range=not args.full_range)
    runtimes = dict(fp32=GraspRuntime(fp32, args.backend, num_threads=args.threads),
                    int8=GraspRuntime(int8, args.backend, num_threads=args.threads))
    metrics = {name: GraspJaccardMetric(mode='top1') for name in ('pytorch', 'fp32', 'int8')}
    for metric in metrics.values():
        metric.dataset_meta = test_dataset.metainfo
    images, top_grasps = [], dict(fp32=[], int8=[])
    for i in range(len(test_dataset)):
        item = test_dataset[i]
        with torch.no_grad():
            torch_sample = model.test_step(pseudo_collate([item]))[0]
        metrics['pytorch'].process({}, [torch_sample])
        images.append(item['data_samples'].img_path)
        frame = cv2.imread(item['data_samples'].img_path)
        for name, runtime in runtimes.items():
            pred = runtime(frame)
            sample = item['data_samples'].clone()
            sample.pred_instances = InstanceData(bboxes=torch.from_numpy(pred.grasps),
                                                 scores=torch.from_numpy(pred.scores),
                                                 labels=torch.from_numpy(pred.labels))
            if pred.sem_seg is not None:
                sample.pred_sem_seg = PixelData(
                    sem_seg=torch.from_numpy(pred.sem_seg.astype(np.int64))[None])
            metrics[name].process({}, [sample])
            top_grasps[name].append([float(v) for v in pred.grasps[0]]
                                    if len(pred.grasps) else None)
    result = dict(config=config, checkpoint=checkpoint, test_images=len(test_dataset),
                  calibration_images=len(calib), quantization=quant,
                  recipe=training_recipe(cfg))
    for name, metric in metrics.items():
        result[name] = metric.compute_metrics(metric.results)
    result['paired'] = paired_effect(metrics['fp32'], metrics['int8'])
    result['images'] = images
    result['correct'] = {name: per_image_correct(metrics[name]) for name in ('fp32', 'int8')}
    result['tops'] = top_grasps
    drift = top_drift(top_grasps['fp32'], top_grasps['int8'])
    px, deg = np.array(drift['px']), np.array(drift['deg'])
    if len(px) == 0:  # no image with grasps from both models
        px = deg = np.array([np.nan])
    result['drift'] = dict(px_median=float(np.median(px)), px_p95=float(np.percentile(px, 95)),
                           deg_median=float(np.median(deg)),
                           deg_p95=float(np.percentile(deg, 95)),
                           same_top=float(np.mean((px < 0.5) & (deg < 0.5))))
    return result


def training_recipe(cfg: Config) -> str:
    """A fingerprint of what a model was trained with, its seed aside (the cross-validation
    tools give the seed on the command line): model, training data and pipeline, schedule and
    optimizer. Models of one fold with the same recipe are seeds of each other."""
    import hashlib
    import json
    parts = {key: cfg.get(key) for key in ('model', 'train_dataloader', 'train_cfg',
                                           'param_scheduler', 'optim_wrapper')}
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def per_image_correct(metric) -> dict:
    """``{key: (N,) bool}``: per test image, whether the top grasp is correct at each key."""
    out = {}
    for key in ACCURACY_KEYS:
        j = metric.grid.index((float(key.split('_a')[1].split('_')[0]), 0.25))
        out[key] = [bool(r['correct'][0, j]) for r in metric.results]
    return out


def cached_fold(config: str, checkpoint: str, out_dir: str, args) -> dict:
    """:func:`evaluate_fold`, or its stored result when the inputs and settings are the same."""
    import json

    from mmgrasp.utils.checkpoint_files import sha256_of_file
    from mmgrasp.utils.json_io import write_json_atomic
    record = osp.join(out_dir, 'result.json')
    inputs = dict(config=osp.abspath(config), config_sha256=sha256_of_file(config),
                  checkpoint_sha256=sha256_of_file(checkpoint),
                  calib_images=args.calib_images, method=args.method,
                  keep_fp32=list(args.keep_fp32), full_range=bool(args.full_range),
                  backend=args.backend)
    if osp.isfile(record):
        with open(record) as f:
            stored = json.load(f)
        if stored.get('inputs') == inputs:
            print(f'{checkpoint}: reusing {record}')
            return stored['result']
    result = evaluate_fold(config, checkpoint, out_dir, args)
    result['checkpoint_sha256'] = inputs['checkpoint_sha256']
    write_json_atomic(record, dict(inputs=inputs, result=result))
    return result


def print_seed_spread(results: list) -> dict:
    """Print int8's per-image effect beside float32's seed-to-seed spread (same folds)."""
    spread = int8_against_seed_spread(results, ACCURACY_KEYS)
    if not spread['seed_pairs']:
        print('one model per fold: no seed-to-seed spread to compare with')
        return spread
    print(f'int8 against float32\'s seed-to-seed spread, on the folds with >= 2 seeds '
          f'({spread["runs"]} models, {spread["folds"]} folds, {spread["seed_pairs"]} seed pairs;'
          f' a description of point estimates, not a test):')
    for key in ACCURACY_KEYS:
        s, q = spread[key]['seed'], spread[key]['int8']
        print(f'  {SHORT[key]:>2} deg: seeds change {s["changes"]} of {s["images"]} outcomes '
              f'({s["flip_rate"] * 100:.1f} %, fold accuracy |change| {s["mean_abs_change"]:.1f} '
              f'points); int8 changes {q["changes"]} of {q["images"]} ({q["flip_rate"] * 100:.1f} '
              f'%, {q["gained"]} gained / {q["lost"]} lost, p = {q["p"]:.3f}; accuracy change '
              f'{q["change_mean"]:+.1f} [{q["change_low"]:+.1f}, {q["change_high"]:+.1f}] points,'
              f' |change| {q["mean_abs_change"]:.1f})'
              f': {"within" if spread[key]["within"] else "outside"} the spread')
    for name, label in (('int8', 'int8 against its float32'),
                        ('seed', 'float32 seed against seed')):
        d = spread['drift'][name]
        print(f'  top grasp drift, {label}, median / p95: {d["px"]["median"]:.1f} / '
              f'{d["px"]["p95"]:.1f} px, {d["deg"]["median"]:.1f} / {d["deg"]["p95"]:.1f} deg')
    return spread


def paired_effect(before, after) -> dict:
    """Per image, float32 -> int8 at 30 / 10 / 5 degrees (IoU 0.25): images gained and lost
    and the exact two-sided sign test (:func:`~mmgrasp.evaluation.functional.paired_counts`)."""
    a, b = per_image_correct(before), per_image_correct(after)
    return {key: paired_counts(a[key], b[key]) for key in ACCURACY_KEYS}


def _accuracy(metrics: dict, key: str) -> float:
    return metrics.get(key, float('nan')) * 100


def main(argv=None) -> int:
    args = parse_args(argv)
    results = []
    for k, (config, checkpoint) in enumerate(args.model):
        results.append(cached_fold(config, checkpoint, osp.join(args.out_dir, f'model{k}'),
                                   args))
    print(f'{"model":<8}{"images":>7}  ' + '  '.join(
        f'{name + " " + SHORT[key]:>10}' for name in ('pytorch', 'fp32', 'int8')
        for key in ACCURACY_KEYS) + '  drift px (med/p95)  deg (med/p95)  same top')
    for k, r in enumerate(results):
        cells = '  '.join(f'{_accuracy(r[name], key):>10.1f}'
                          for name in ('pytorch', 'fp32', 'int8') for key in ACCURACY_KEYS)
        d = r['drift']
        print(f'{k:<8}{r["test_images"]:>7}  {cells}  {d["px_median"]:>8.2f}/{d["px_p95"]:<8.2f}'
              f'  {d["deg_median"]:>5.2f}/{d["deg_p95"]:<6.2f}  {d["same_top"] * 100:>6.0f} %')
    print('float32 -> int8 per image (gained / lost, sign test p), all models pooled:')
    for key in ACCURACY_KEYS:
        gained = sum(r['paired'][key]['gained'] for r in results)
        lost = sum(r['paired'][key]['lost'] for r in results)
        print(f'  {SHORT[key]:>2} deg: {gained} / {lost}, p = {sign_test(gained, lost):.3f}')
    spread = print_seed_spread(results)
    if args.json:
        from mmgrasp.utils.json_io import write_json_atomic
        write_json_atomic(args.json, dict(args=vars(args), results=results, seed_spread=spread))
    return 0


if __name__ == '__main__':
    sys.exit(main())
