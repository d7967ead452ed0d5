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


def _angle_deg(a: float, b: float) -> float:
    d = abs(a - b) % np.pi
    return float(np.degrees(min(d, np.pi - d)))


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
    drift_px, drift_deg = [], []
    for i in range(len(test_dataset)):
        item = test_dataset[i]
        with torch.no_grad():
            torch_sample = model.test_step(pseudo_collate([item]))[0]
        metrics['pytorch'].process({}, [torch_sample])
        frame = cv2.imread(item['data_samples'].img_path)
        tops = {}
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
            tops[name] = pred.grasps[0] if len(pred.grasps) else None
        if tops['fp32'] is not None and tops['int8'] is not None:
            a, b = tops['fp32'], tops['int8']
            drift_px.append(float(np.hypot(a[0] - b[0], a[1] - b[1])))
            drift_deg.append(_angle_deg(a[4], b[4]))
    result = dict(config=config, checkpoint=checkpoint, test_images=len(test_dataset),
                  calibration_images=len(calib), quantization=quant)
    for name, metric in metrics.items():
        result[name] = metric.compute_metrics(metric.results)
    result['paired'] = paired_effect(metrics['fp32'], metrics['int8'])
    px, deg = np.array(drift_px), np.array(drift_deg)
    if len(px) == 0:  # no image with grasps from both models
        px = deg = np.array([np.nan])
    result['drift'] = dict(px_median=float(np.median(px)), px_p95=float(np.percentile(px, 95)),
                           deg_median=float(np.median(deg)),
                           deg_p95=float(np.percentile(deg, 95)),
                           same_top=float(np.mean((px < 0.5) & (deg < 0.5))))
    return result


def paired_effect(before, after) -> dict:
    """Per image, float32 -> int8 at 30 / 10 / 5 degrees (IoU 0.25): images gained and lost
    and the exact two-sided sign test (:func:`~mmgrasp.evaluation.functional.paired_counts`)."""
    keys = [before.grid.index((float(k.split('_a')[1].split('_')[0]), 0.25))
            for k in ACCURACY_KEYS]
    out = {}
    for key, j in zip(ACCURACY_KEYS, keys):
        a = [bool(r['correct'][0, j]) for r in before.results]
        b = [bool(r['correct'][0, j]) for r in after.results]
        out[key] = paired_counts(a, b)
    return out


def _accuracy(metrics: dict, key: str) -> float:
    return metrics.get(key, float('nan')) * 100


def main(argv=None) -> int:
    args = parse_args(argv)
    results = []
    for k, (config, checkpoint) in enumerate(args.model):
        results.append(evaluate_fold(config, checkpoint, osp.join(args.out_dir, f'model{k}'),
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
    if args.json:
        from mmgrasp.utils.json_io import write_json_atomic
        write_json_atomic(args.json, dict(args=vars(args), results=results))
    return 0


if __name__ == '__main__':
    sys.exit(main())
