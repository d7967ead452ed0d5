# Copyright (c) mmgrasp contributors. All rights reserved.
"""Speed of a grasp detector, stage by stage, on the CPU or a GPU.

    python tools/analysis_tools/benchmark.py CONFIG [CHECKPOINT] [--shape 351 351]
        [--device cpu] [--warmup 3] [--num-iters 10] [--threads N] [--flops]
        [--versus CONFIG [CHECKPOINT]] [--onnx MODEL.onnx] [--target P] [--op-target P]
        [--cfg-options ...]

The stages are run in the order of :meth:`mmgrasp.models.GraspDetSeg.predict`, each one timed
with ``time.perf_counter`` (after ``torch.cuda.synchronize`` on a GPU) under ``torch.no_grad``,
after ``--warmup`` untimed passes; the median over ``--num-iters`` passes is reported:

- ``backbone+FPN``: ``model.extract_feat``;
- ``RPN``: the RPN convolutions and its proposals (decoding and NMS);
- ``grasp head``: RoIAlign of the proposals and the grasp head's fully connected layers;
- ``semantic head``: the Mini-DeepLab branch (logits at 1/4 of the input);
- ``refinement head``: the rotated crops of the probability map, the MLP and the decoding;
- ``post-processing``: grasp decoding and class-wise NMS of the grasp head, upsampling and
  argmax of the semantic map, rescaling to the original image.

The whole ``model.predict`` is timed as well (images per second), in passes that alternate with
the staged ones, and the peak memory is reported (``torch.cuda.max_memory_allocated`` on a GPU,
the process's peak resident set size on the CPU). ``--flops`` adds the multiply-adds of each
stage's layers, a measure that does not depend on the machine or its load, and the rate they
run at (GFLOP/s of the layers' time) beside the rate of a dense 3x3 convolution measured in the
same run, the practical limit of this machine. ``--versus`` times another model's
``model.predict`` in the same passes (e.g. Det_Seg_Refine against Detection on one backbone),
``--onnx`` an export of this model with onnxruntime. ``--tta`` times the config's test-time
augmentation (``tta_model`` around the model, one pass per view of its ``tta_pipeline``, then the
merge) against the plain ``test_step`` of the same image, both with the data preprocessor.

Two verdicts close the report: the heads' time against ``--target`` % of backbone+FPN (by default
issue 14's target for the model: 50 for Detection, 70 for a ResNet-101 Det_Seg(_Refine),
100 otherwise), and each operation without multiply-adds (proposals, RoIAlign, grasp NMS, semantic
map) against ``--op-target`` % (default 15).

Without a checkpoint the model has random weights; the backbone's ``init_cfg`` is removed so that
nothing is downloaded. The time of the NMS steps depends on how many candidates pass the score
threshold, so numbers from random weights are an upper bound for those steps. On a CPU shared
with other work, ``--threads 1`` gives steadier numbers: two threads contending for two busy
cores can be many times slower than one.
"""
import argparse
import copy
import os
import resource
import statistics
import time
from collections import OrderedDict
from typing import Callable, Dict, List, Tuple

import numpy as np
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import bbox2roi
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from mmgrasp.models.utils import channel_argmax
from mmgrasp.registry import MODELS

HEAD_STAGES = ('RPN', 'grasp head', 'semantic head', 'refinement head', 'post-processing')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Time a grasp detector stage by stage')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint (random weights without it)')
    parser.add_argument('--shape', type=int, nargs='+', default=[351, 351],
                        help='input image height and width (one value for a square)')
    parser.add_argument('--batch-size', type=int, default=1, help='images per forward pass')
    parser.add_argument('--device', default='cpu', help='cpu, cuda or cuda:N')
    parser.add_argument('--warmup', type=int, default=3, help='untimed passes first')
    parser.add_argument('--num-iters', type=int, default=10, help='timed passes')
    parser.add_argument('--threads', type=int, help='torch CPU threads (default: torch\'s own)')
    parser.add_argument('--target', type=float,
                        help='the heads may take at most this percentage of backbone+FPN '
                        '(default: issue 14\'s target for the model: 50 for Detection, 70 for '
                        'a ResNet-101 Det_Seg(_Refine), 100 otherwise)')
    parser.add_argument('--op-target', type=float, default=15.0,
                        help='each operation without multiply-adds (proposals, RoIAlign, NMS, '
                        'semantic map) may take at most this percentage of backbone+FPN')
    parser.add_argument('--versus', nargs='+', metavar='CONFIG [CHECKPOINT]',
                        help='another model (e.g. the Detection variant of the same backbone): '
                        'its end-to-end time is measured in the same passes and the ratio '
                        'printed; --cfg-options apply to it as well')
    parser.add_argument('--seed', type=int, default=0, help='seed of the weights and the image')
    parser.add_argument('--flops', action='store_true',
                        help='also count the multiply-adds of each stage (mmengine.analysis)')
    parser.add_argument('--onnx', help='an export of the same model (tools/deployment/'
                        'pytorch2onnx.py): time onnxruntime beside PyTorch')
    parser.add_argument('--tta', action='store_true',
                        help="also time the config's test-time augmentation (tta_model, one "
                        'pass per tta_pipeline view) against the plain test_step')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. model.test_cfg.rpn.max_per_img=300')
    return parser.parse_args()


def build_model(cfg: Config, checkpoint: str = None, device: str = 'cpu') -> torch.nn.Module:
    """Build the detector of ``cfg`` for timing, offline.

    Args:
        cfg (Config): The config (``default_scope`` is set from it).
        checkpoint (str, optional): Weights to load; random weights without.
        device (str): Device. Defaults to ``'cpu'``.

    Returns:
        nn.Module: The model in eval mode.
    """
    init_default_scope(cfg.get('default_scope', 'mmgrasp'))
    cfg.model.backbone.init_cfg = None  # offline: no pretrained download
    model = MODELS.build(cfg.model)
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu')
    return model.to(device).eval()


def make_batch(model: torch.nn.Module, height: int, width: int, batch_size: int,
               seed: int = 0) -> dict:
    """A preprocessed batch of random images with the metainfo of the test pipeline.

    Args:
        model (nn.Module): The detector (its ``data_preprocessor`` normalises and pads).
        height (int): Image height.
        width (int): Image width.
        batch_size (int): Images in the batch.
        seed (int): Seed of the pixels. Defaults to 0.

    Returns:
        dict: ``inputs`` ``(B, 3, H', W')`` and ``data_samples`` as ``model.predict`` gets them.
    """
    from mmgrasp.deployment.grasp_export_module import input_channels
    channels = input_channels(model)
    rng = np.random.default_rng(seed)
    inputs, samples = [], []
    for i in range(batch_size):
        img = torch.from_numpy(rng.integers(0, 256, (3, height, width), dtype=np.uint8))
        if channels == 4:  # RGB-D: a depth plane in metres after the colour
            depth = torch.from_numpy(rng.uniform(0.5, 0.7, (1, height, width)).astype(np.float32))
            img = torch.cat([img.float(), depth])
        inputs.append(img)
        samples.append(DetDataSample(metainfo=dict(
            img_id=i, ori_shape=(height, width), img_shape=(height, width),
            scale_factor=(1.0, 1.0))))
    return model.data_preprocessor(dict(inputs=inputs, data_samples=samples), False)


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


class StageTimer:
    """Collect per-stage wall times of repeated passes.

    Args:
        device (torch.device): Synchronised before each reading on a GPU.
    """

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.times: Dict[str, List[float]] = OrderedDict()
        self.enabled = True

    def __call__(self, name: str, fn: Callable, *args, **kwargs):
        _sync(self.device)
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        _sync(self.device)
        if self.enabled:
            self.times.setdefault(name, []).append((time.perf_counter() - start) * 1000.0)
        return out

    def medians(self) -> Dict[str, float]:
        """dict: median milliseconds per stage."""
        return OrderedDict((k, statistics.median(v)) for k, v in self.times.items())


@torch.no_grad()
def staged_predict(model: torch.nn.Module, batch: dict, timer: StageTimer) -> None:
    """One pass of ``GraspDetSeg.predict``, split into timed stages.

    The sub-stage names contain a ``/``: ``RPN/forward`` and ``RPN/proposals``,
    ``grasp head/RoIAlign`` and ``grasp head/fcs``, ``post-processing/grasp NMS``,
    ``post-processing/semantic map`` and ``post-processing/rescale``.

    Args:
        model (nn.Module): A :class:`GraspDetSeg` (detection-only models skip the missing heads).
        batch (dict): Output of :func:`make_batch`.
        timer (StageTimer): Where the times go.
    """
    from mmgrasp.structures import grasps_to_original

    inputs, samples = batch['inputs'], batch['data_samples']
    metas = [s.metainfo for s in samples]

    x = timer('backbone+FPN', model.extract_feat, inputs)

    rpn_outs = timer('RPN/forward', model.rpn_head, x)
    proposals = timer('RPN/proposals', model.rpn_head.predict_by_feat, *rpn_outs,
                      batch_img_metas=metas, rescale=False)

    roi_head = model.roi_head
    rois = bbox2roi([p.bboxes for p in proposals])
    feats = timer('grasp head/RoIAlign', roi_head.bbox_roi_extractor,
                  x[:roi_head.bbox_roi_extractor.num_inputs], rois)
    cls_score, bbox_pred = timer('grasp head/fcs', roi_head.bbox_head, feats)
    counts = tuple(len(p) for p in proposals)
    results = timer('post-processing/grasp NMS', roi_head.bbox_head.predict_by_feat,
                    rois=rois.split(counts), cls_scores=cls_score.split(counts),
                    bbox_preds=bbox_pred.split(counts), batch_img_metas=metas,
                    rcnn_test_cfg=roi_head.test_cfg, rescale=False)

    if getattr(model, 'with_semantic_head', False):
        seg_logits = timer('semantic head', lambda: model.semantic_head(x)['seg_preds'])
        if getattr(model, 'with_refine_head', False):
            results = timer('refinement head', model.refine_head.predict, seg_logits, results,
                            metas)
        timer('post-processing/semantic map',
              lambda: [channel_argmax(m)
                       for m in model.semantic_head.predict_by_feat(seg_logits, metas, True)])

    def rescale():
        for sample, res in zip(samples, results):
            if len(res):
                res.bboxes = grasps_to_original(res.bboxes, sample.metainfo)

    timer('post-processing/rescale', rescale)


class _Call(torch.nn.Module):
    """Wrap ``fn(module, *inputs)`` as a module, for :class:`mmengine.analysis.FlopAnalyzer`."""

    def __init__(self, module: torch.nn.Module, fn: Callable) -> None:
        super().__init__()
        self.module = module
        self.fn = fn

    def forward(self, *inputs):
        return self.fn(self.module, *inputs)


@torch.no_grad()
def count_gmacs(model: torch.nn.Module, batch: dict) -> Dict[str, float]:
    """Multiply-adds (10^9) of the network layers of each stage, by ``FlopAnalyzer``.

    Only the layers count: RoIAlign, the rotated crops and NMS (mmcv ops) are left out.

    Args:
        model (nn.Module): The detector.
        batch (dict): Output of :func:`make_batch`.

    Returns:
        dict: GMACs of ``backbone+FPN``, ``RPN``, ``grasp head``, ``semantic head`` and
        ``refinement head`` (those the model has).
    """
    from mmengine.analysis import FlopAnalyzer

    def gmacs(module, inputs):
        analyzer = FlopAnalyzer(module, inputs)
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        return analyzer.total() / 1e9

    inputs, samples = batch['inputs'], batch['data_samples']
    x = model.extract_feat(inputs)
    out = OrderedDict()
    out['backbone+FPN'] = gmacs(_Call(model, lambda m, i: m.extract_feat(i)), (inputs, ))
    out['RPN'] = gmacs(model.rpn_head, (x, ))
    proposals = model.rpn_head.predict(x, samples, rescale=False)
    rois = bbox2roi([p.bboxes for p in proposals])
    feats = model.roi_head.bbox_roi_extractor(x[:model.roi_head.bbox_roi_extractor.num_inputs],
                                              rois)
    out['grasp head'] = gmacs(model.roi_head.bbox_head, (feats, ))
    if getattr(model, 'with_semantic_head', False):
        out['semantic head'] = gmacs(
            _Call(model.semantic_head, lambda m, f: m(f)['seg_preds']), (x, ))
        if getattr(model, 'with_refine_head', False):
            head = model.refine_head
            results = model.roi_head.predict(x, proposals, samples, rescale=False)
            num = max(sum(len(r) for r in results), 1)
            flat = torch.zeros(num, 2 * head.input_size[0] * head.input_size[1])  # fc input
            out['refinement head'] = gmacs(
                _Call(head, lambda m, f: m.fc_delta(m.mlp(f))), (flat, ))
    return out


def summarise(medians: Dict[str, float]) -> 'OrderedDict[str, float]':
    """Sum the sub-stages (``'stage/part'``) into their stages.

    Args:
        medians (dict): Median milliseconds per (sub-)stage.

    Returns:
        OrderedDict: Milliseconds per stage, in pipeline order.
    """
    stages: 'OrderedDict[str, float]' = OrderedDict()
    for name in ('backbone+FPN', ) + HEAD_STAGES:
        parts = [v for k, v in medians.items() if k == name or k.startswith(name + '/')]
        if parts:
            stages[name] = sum(parts)
    return stages


def peak_memory_mb(device: torch.device) -> float:
    """Peak memory in MiB: CUDA allocations on a GPU, the peak resident set on the CPU."""
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


# Operations without multiply-adds, each held to --op-target; the sub-stage that carries a
# stage's multiply-adds (for its GFLOP/s)
NO_MAC_OPS = ('RPN/proposals', 'grasp head/RoIAlign', 'post-processing/grasp NMS',
              'post-processing/semantic map')
MAC_PARTS = {'RPN': 'RPN/forward', 'grasp head': 'grasp head/fcs'}


def dense_conv_rate(device: torch.device, channels: int = 256, size: int = 44,
                    num_iters: int = 5) -> float:
    """GFLOP/s of a dense 3x3 convolution on this machine, now: the practical limit of the
    network layers (``channels`` in and out, ``size`` x ``size``, 1.14 GMACs an image; one image
    on the CPU, 16 on a GPU, where one would measure the launch overhead).

    Args:
        device (torch.device): Where to run.
        channels (int): Input and output channels. Defaults to 256.
        size (int): Feature-map side. Defaults to 44.
        num_iters (int): Timed passes (median) after one warm-up. Defaults to 5.

    Returns:
        float: 2 x multiply-adds per second, in 10^9.
    """
    conv = torch.nn.Conv2d(channels, channels, 3, padding=1, bias=False).to(device).eval()
    batch = 16 if device.type == 'cuda' else 1
    x = torch.randn(batch, channels, size, size, device=device)
    times = []
    with torch.no_grad():
        for i in range(num_iters + 1):
            _sync(device)
            start = time.perf_counter()
            conv(x)
            _sync(device)
            if i:
                times.append(time.perf_counter() - start)
    return 2 * batch * channels * channels * 9 * size * size / statistics.median(times) / 1e9


def default_target(model: torch.nn.Module) -> Tuple[float, str]:
    """Issue 14's target for the heads, in % of backbone+FPN time, and what it is for."""
    if not getattr(model, 'with_semantic_head', False):
        return 50.0, 'Detection'
    if getattr(model.backbone, 'depth', None) == 101:
        return 70.0, 'ResNet-101 Det_Seg(_Refine)'
    return 100.0, 'Det_Seg(_Refine)'


def timed_predict(model, batch: dict, device: torch.device) -> float:
    """Milliseconds of one ``model.predict`` of ``batch`` (a copy of its data samples, made
    before the clock starts): a PyTorch model or an :class:`ORTGraspDetector`."""
    samples = copy.deepcopy(batch['data_samples'])
    with torch.no_grad():
        _sync(device)
        start = time.perf_counter()
        model.predict(batch['inputs'], samples, rescale=True)
        _sync(device)
    return (time.perf_counter() - start) * 1000.0


def tta_views(cfg: Config) -> int:
    """Number of views of ``cfg.tta_pipeline``: the product of its ``TestTimeAug`` choices."""
    views = 1
    for step in cfg.tta_pipeline:
        if str(step['type']).endswith('TestTimeAug'):
            for choices in step['transforms']:
                views *= len(choices)
    return views


def time_tta(cfg: Config, model: torch.nn.Module, height: int, width: int, warmup: int,
             num_iters: int, seed: int,
             device: torch.device = torch.device('cpu')) -> Tuple[float, float, int]:
    """Median milliseconds of the TTA model's and the plain model's ``test_step`` on one image.

    Every view is the same random image (each view costs one network pass whatever its
    pixels); the passes alternate so that a change of load affects both alike.

    Returns:
        tuple[float, float, int]: TTA ms, plain ms and the number of views.
    """
    if 'tta_model' not in cfg or 'tta_pipeline' not in cfg:
        raise SystemExit('--tta: the config has no tta_model / tta_pipeline')
    views = tta_views(cfg)
    tta = MODELS.build(dict(**cfg.tta_model, module=model,
                            data_preprocessor=model.data_preprocessor)).eval()
    rng = np.random.default_rng(seed)
    img = torch.from_numpy(rng.integers(0, 256, (3, height, width), dtype=np.uint8))
    meta = dict(img_id=0, ori_shape=(height, width), img_shape=(height, width),
                scale_factor=(1.0, 1.0))
    tta_ms, plain_ms = [], []
    with torch.no_grad():
        for i in range(warmup + num_iters):
            # mmengine's TTA layout: one list per view, each a batch (here of one image)
            data = dict(inputs=[[img] for _ in range(views)],
                        data_samples=[[DetDataSample(metainfo=meta)] for _ in range(views)])
            _sync(device)
            start = time.perf_counter()
            tta.test_step(data)
            _sync(device)
            middle = time.perf_counter()
            model.test_step(dict(inputs=[img], data_samples=[DetDataSample(metainfo=meta)]))
            _sync(device)
            end = time.perf_counter()
            if i >= warmup:
                tta_ms.append((middle - start) * 1000.0)
                plain_ms.append((end - middle) * 1000.0)
    return statistics.median(tta_ms), statistics.median(plain_ms), views


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    height, width = (args.shape * 2)[:2] if len(args.shape) == 1 else args.shape[:2]
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    device = torch.device(args.device)
    model = build_model(cfg, args.checkpoint, args.device)
    batch = make_batch(model, height, width, args.batch_size, args.seed)
    versus = None
    if args.versus:
        versus_cfg = Config.fromfile(args.versus[0])
        if args.cfg_options:
            versus_cfg.merge_from_dict(args.cfg_options)
        versus = build_model(versus_cfg, (args.versus[1:] or [None])[0], args.device)
        versus_batch = make_batch(versus, height, width, args.batch_size, args.seed)
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)

    # Staged and end-to-end passes alternate, so that a change of the machine's load affects
    # both alike.
    timer = StageTimer(device)
    totals, ort_totals, versus_totals = [], [], []
    ort_model = None
    if args.onnx:
        from mmgrasp.deployment import ORTGraspDetector
        ort_model = ORTGraspDetector(model, args.onnx, num_threads=args.threads)
    for i in range(args.warmup + args.num_iters):
        timer.enabled = i >= args.warmup
        staged_predict(model, batch, timer)
        total_ms = timed_predict(model, batch, device)
        versus_ms = timed_predict(versus, versus_batch, device) if versus is not None else 0.0
        ort_ms = timed_predict(ort_model, batch, device) if ort_model is not None else 0.0
        if i >= args.warmup:
            totals.append(total_ms)
            versus_totals.append(versus_ms)
            ort_totals.append(ort_ms)
    total = statistics.median(totals)

    medians = timer.medians()
    stages = summarise(medians)
    macs = count_gmacs(model, batch) if args.flops else {}
    rate = dense_conv_rate(device) if args.flops else 0.0
    base = stages['backbone+FPN']
    heads = sum(v for k, v in stages.items() if k != 'backbone+FPN')
    print(f'\nmodel {cfg.model.type} from {args.config}, '
          f'{"checkpoint " + args.checkpoint if args.checkpoint else "random weights"}')
    print(f'input {args.batch_size} x {batch["inputs"].shape[1]} x {height} x {width} (padded to '
          f'{tuple(batch["inputs"].shape[-2:])}), device {device}, '
          f'{torch.get_num_threads()} threads, median of {args.num_iters} passes '
          f'after {args.warmup} warm-up passes\n')
    print(f'{"stage":<32}{"ms":>10}{"% of backbone+FPN":>20}'
          + (f'{"GMACs":>10}{"% GMACs":>10}{"GFLOP/s":>10}{"% dense":>10}' if macs else ''))

    def rate_columns(name: str, ms: float) -> str:
        """GMACs, their share, GFLOP/s of the layers' time and its share of the dense rate."""
        if name not in macs:
            return ''
        ms = medians.get(MAC_PARTS.get(name, name), ms)
        gflops = 2 * macs[name] / (ms / 1000.0)
        return (f'{macs[name]:>10.2f}{100 * macs[name] / macs["backbone+FPN"]:>9.1f}%'
                f'{gflops:>10.1f}{100 * gflops / rate:>9.1f}%')

    for name, ms in stages.items():
        print(f'{name:<32}{ms:>10.1f}{100 * ms / base:>19.1f}%{rate_columns(name, ms)}')
        for sub, sub_ms in medians.items():
            if sub.startswith(name + '/'):
                print(f'  {sub.split("/", 1)[1]:<30}{sub_ms:>10.1f}{100 * sub_ms / base:>19.1f}%')
    extra = ''
    if macs:
        head_macs = sum(v for k, v in macs.items() if k != 'backbone+FPN')
        extra = f'{head_macs:>10.2f}{100 * head_macs / macs["backbone+FPN"]:>9.1f}%'
    print(f'{"all after backbone+FPN":<32}{heads:>10.1f}{100 * heads / base:>19.1f}%{extra}')
    print(f'{"sum of stages":<32}{base + heads:>10.1f}')
    print(f'{"model.predict (end to end)":<32}{total:>10.1f}')
    if ort_model is not None:
        ort_total = statistics.median(ort_totals)
        print(f'{"onnxruntime (end to end)":<32}{ort_total:>10.1f}   '
              f'{total / ort_total:.2f}x PyTorch eager ({args.onnx})')
    if versus is not None:
        versus_total = statistics.median(versus_totals)
        print(f'{"versus: model.predict":<32}{versus_total:>10.1f}   this model takes '
              f'{total / versus_total:.2f}x its time ({" ".join(args.versus)})')
    if macs:
        print(f'\ndense 3x3 conv rate measured now (256 channels, 44x44, the practical limit '
              f'of the layers): {rate:.1f} GFLOP/s; the stages\' GFLOP/s count their layers\' '
              'time only for the RPN (its forward) and the grasp head (its fcs), the whole '
              'stage otherwise')
    if args.tta:
        tta_ms, plain_ms, views = time_tta(cfg, model, height, width, args.warmup,
                                           args.num_iters, args.seed, device)
        print(f'{"test-time augmentation":<32}{tta_ms:>10.1f}   {views} views, '
              f'{tta_ms / plain_ms:.2f}x the plain test_step ({plain_ms:.1f} ms) of one image')
    print(f'\nimages per second: {1000.0 * args.batch_size / total:.2f}; '
          f'latency per batch: {total:.1f} ms')
    load = os.getloadavg()[0] if hasattr(os, 'getloadavg') else float('nan')
    print(f'machine load (1 min average): {load:.1f} on {os.cpu_count()} CPUs; other work on the '
          'machine slows the passes unevenly, compare splits taken under similar load')
    print(f'peak memory: {peak_memory_mb(device):.0f} MiB '
          f'({"CUDA allocated" if device.type == "cuda" else "process peak RSS"}'
          f'{", with the --versus model" if versus is not None else ""})')
    target, what = (args.target, 'given') if args.target is not None else default_target(model)
    verdict = 'met' if 100 * heads / base <= target else 'NOT met'
    print(f'target (heads <= {target:g} % of backbone+FPN, {what}): {verdict} '
          f'({100 * heads / base:.1f} %)')
    over = [f'{k} {100 * medians[k] / base:.1f} %' for k in NO_MAC_OPS
            if k in medians and 100 * medians[k] / base > args.op_target]
    print(f'target (each operation without multiply-adds <= {args.op_target:g} %): '
          + ('NOT met (' + ', '.join(over) + ')' if over else 'met'))


if __name__ == '__main__':
    main()
