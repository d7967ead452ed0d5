# Copyright (c) mmgrasp contributors. All rights reserved.
"""Fine-tune the refinement head in each form on a trained Det_Seg and compare the forms.

    python tools/analysis_tools/compare_refine_heads.py CONFIG CHECKPOINT \
        [--forms aligned paper] [--map-size 32 32] [--iters 2000] [--minutes M] \
        [--lr 0.008] [--batch-size 4] [--split val] [--work-dir DIR] [--cfg-options ...]

CONFIG is a Det_Seg (or Det_Seg_Refine) config and CHECKPOINT its trained weights. For each form
(``aligned``: ``GraspRefineHead``, the rotated crop; ``paper``: ``InPlaceGraspRefineHead``, the
candidate cut out in place, paper Fig. 3) the config gets ``model.refine_head=dict(type=...)`` and
``load_from=CHECKPOINT``; ``--cfg-options`` are merged after that, so they can change the heads
(e.g. ``model.refine_head.fc_channels=[128,128]``). Everything but the refinement head is frozen
(no gradient, norm layers in eval mode; stricter than paper VI-C, which freezes backbone and FPN
only, so that both forms refine the very same candidates), SGD at ``--lr`` 0.008, batch
``--batch-size`` 4, for ``--iters`` iterations or ``--minutes`` of training, whichever ends first.

Both forms are then tested on the same images (the config's ``val`` side by default, the
hold-out of the training side on which the form is chosen; ``--split test`` then reports the test
figures of the same fine-tuned weights without training again), with the split's own evaluator
(``per_class`` and ``score_thr`` on OCID_grasp): grasp
accuracy at 30/20/15/10/5 degrees (IoU 0.25) of the unrefined candidates (``bboxes_unrefined``,
the same for both forms, since the detector is frozen) and of the refined grasps; the refinement
head's time per image (median), parameters, the largest fc input it built and, on a GPU, its peak
memory. Results go to ``WORK_DIR/<form>/result_<split>.json`` and
``WORK_DIR/comparison_<split>.json`` (written atomically); a form whose result exists is not run
again, a form whose training was interrupted resumes from its newest checkpoint.
"""
import argparse
import copy
import json
import os.path as osp
import statistics
import time
from typing import Dict, List, Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.evaluator import Evaluator
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from mmgrasp.engine.hooks import FreezeAllButRefineHook
from mmgrasp.evaluation import GraspJaccardMetric, UnrefinedGraspJaccardMetric
from mmgrasp.utils import register_all_modules, write_json_atomic
from mmgrasp.utils.checkpoint_files import list_checkpoints

ANGLES = (30, 20, 15, 10, 5)
IOU = 0.25
FORMS = {
    'aligned': dict(type='GraspRefineHead', roi_size=(16, 16)),
    'paper': dict(type='InPlaceGraspRefineHead'),
}


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Compare the two refinement head forms')
    parser.add_argument('config', help='Det_Seg config')
    parser.add_argument('checkpoint', help='its trained checkpoint')
    parser.add_argument('--forms', nargs='+', default=list(FORMS), choices=list(FORMS))
    parser.add_argument('--map-size', type=int, nargs=2, default=[32, 32],
                        help='map_size (h w) of the paper form (default: 32 32)')
    parser.add_argument('--iters', type=int, default=2000, help='fine-tuning iterations')
    parser.add_argument('--minutes', type=float, help='stop fine-tuning after this many minutes')
    parser.add_argument('--lr', type=float, default=0.008, help='learning rate (paper: 0.008)')
    parser.add_argument('--batch-size', type=int, default=4, help='batch size (paper: 4)')
    parser.add_argument('--checkpoint-interval', type=int, default=500,
                        help='iterations between checkpoints (for resuming)')
    parser.add_argument('--split', default='val', choices=['val', 'test'],
                        help="the config's dataloader to evaluate on (default: val, the hold-out "
                        'of the training side: choose the form there; --split test afterwards '
                        'reports the test figures of the same fine-tuned weights)')
    parser.add_argument('--work-dir', help='default: work_dirs/<config name>_refine_heads')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, merged after the head')
    return parser.parse_args(argv)


def form_config(cfg: Config, form: str, args: argparse.Namespace, work_dir: str) -> Config:
    """The config of one form's fine-tuning and test run.

    Args:
        cfg (Config): The Det_Seg config.
        form (str): A key of ``FORMS``.
        args (Namespace): Command-line arguments.
        work_dir (str): The form's work directory.

    Returns:
        Config: With the form's refinement head, ``load_from``, the schedule, the frozen-model
        hooks' settings, and ``test_dataloader`` set to the evaluated split.
    """
    cfg = copy.deepcopy(cfg)
    head = dict(FORMS[form])
    if form == 'paper':
        head['map_size'] = tuple(args.map_size)
    cfg.model.refine_head = head
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.model.get('semantic_head') is None:
        raise ValueError(f'{args.config} has no semantic_head: the refinement head crops its map')
    cfg.work_dir = work_dir
    cfg.load_from = args.checkpoint
    cfg.resume = False
    cfg.train_dataloader.batch_size = args.batch_size
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=args.iters,
                         val_interval=args.iters + 1)
    cfg.optim_wrapper.optimizer.lr = args.lr
    cfg.pop('auto_scale_lr', None)
    cfg.param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
                                end=max(1, min(100, args.iters // 10)))]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False,
                                        interval=args.checkpoint_interval, max_keep_ckpts=1)
    cfg.default_hooks.pop('visualization', None)
    cfg.log_processor = dict(by_epoch=False)
    if cfg.get(f'{args.split}_dataloader') is None:
        raise ValueError(f'{args.config} has no {args.split}_dataloader to evaluate on')
    cfg.test_dataloader = cfg[f'{args.split}_dataloader']
    cfg.test_cfg = dict(type='TestLoop')
    # the split's own evaluator (per_class and score_thr on OCID_grasp), on the angle grid
    evaluator = dict(cfg.get(f'{args.split}_evaluator') or dict(type='GraspJaccardMetric'))
    evaluator.update(angle_thrs=ANGLES, iou_thrs=(IOU, ))
    cfg.test_evaluator = evaluator
    return cfg


def _named_runner(cfg: Config, name: str) -> Runner:
    """A Runner whose logger and visualizer instances are its own (mmengine keys them by name)."""
    cfg = copy.deepcopy(cfg)
    cfg.experiment_name = name
    if cfg.get('visualizer') is not None:
        cfg.visualizer.name = f'{name}_{time.time_ns()}'
    return Runner.from_cfg(cfg)


def fine_tune(cfg: Config, minutes: Optional[float]) -> str:
    """Fine-tune the refinement head (resuming if a checkpoint exists); return the weights' path."""
    final = osp.join(cfg.work_dir, 'refine_final.pth')
    if osp.exists(final):
        return final
    cfg = copy.deepcopy(cfg)
    if list_checkpoints(cfg.work_dir):
        # an interrupted fine-tuning: continue from its newest intact checkpoint
        # (CheckpointIntegrityHook finds it; `last_checkpoint` may lag behind)
        cfg.resume, cfg.load_from = True, None
    runner = _named_runner(cfg, f'{osp.basename(cfg.work_dir)}_train')
    runner.register_hook(FreezeAllButRefineHook(minutes))
    runner.train()
    # The final weights, saved under a name the periodic checkpoints never use.
    runner.save_checkpoint(cfg.work_dir, 'refine_final.pth', save_optimizer=False,
                           save_param_scheduler=False)
    with open(osp.join(cfg.work_dir, 'trained_iters.txt'), 'w') as f:
        f.write(str(runner.iter))
    return final


class RefineProbe:
    """Time the refinement head's ``predict`` and record its largest fc input and memory.

    The fc input is ``K x 2 x h x w`` floats, ``(h, w) = head.input_size``: the planes
    ``build_input`` makes (the in-place form's ``forward`` computes the fc layers without
    building them, so its size is recorded from ``forward``'s candidates).

    Args:
        head (nn.Module): The refinement head; its ``predict`` and ``forward`` are wrapped.
        device (torch.device): Where it runs.
    """

    def __init__(self, head: torch.nn.Module, device: torch.device) -> None:
        self.device = device
        self.ms_per_image: List[float] = []
        self.max_input_mb = 0.0
        self.peak_mb = 0.0
        predict, forward = head.predict, head.forward

        def timed_predict(seg_logits, candidates, batch_img_metas):
            self._sync()
            if device.type == 'cuda':
                torch.cuda.reset_peak_memory_stats(device)
                base = torch.cuda.memory_allocated(device)
            start = time.perf_counter()
            out = predict(seg_logits, candidates, batch_img_metas)
            self._sync()
            self.ms_per_image.append((time.perf_counter() - start) * 1000 / len(batch_img_metas))
            if device.type == 'cuda':
                peak = (torch.cuda.max_memory_allocated(device) - base) / 2**20
                self.peak_mb = max(self.peak_mb, peak)
            return out

        def recorded_forward(fg_prob, rois, *args, **kwargs):
            h, w = head.input_size
            size_mb = rois.shape[0] * 2 * h * w * fg_prob.element_size() / 2**20
            self.max_input_mb = max(self.max_input_mb, size_mb)
            return forward(fg_prob, rois, *args, **kwargs)

        head.predict = timed_predict
        head.forward = recorded_forward

    def _sync(self) -> None:
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)


def evaluate(cfg: Config, weights: str) -> Dict[str, object]:
    """Test the fine-tuned weights: accuracy before and after refinement, time and size."""
    cfg = copy.deepcopy(cfg)
    cfg.load_from = weights
    cfg.resume = False
    runner = _named_runner(cfg, f'{osp.basename(cfg.work_dir)}_test')
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    head = model.refine_head
    device = next(head.parameters()).device
    probe = RefineProbe(head, device)
    loop = runner.test_loop
    options = {k: v for k, v in dict(cfg.test_evaluator).items() if k != 'type'}
    loop.evaluator = Evaluator([
        GraspJaccardMetric(**options),
        UnrefinedGraspJaccardMetric(**options, prefix='unrefined'),
    ])
    loop.evaluator.dataset_meta = loop.dataloader.dataset.metainfo
    metrics = runner.test()
    key = 'acc_a{}_iou25'
    return dict(
        before={str(a): float(metrics[f'unrefined/{key.format(a)}']) for a in ANGLES},
        after={str(a): float(metrics[f'grasp/{key.format(a)}']) for a in ANGLES},
        ms_per_image=statistics.median(probe.ms_per_image) if probe.ms_per_image else None,
        images=len(probe.ms_per_image),
        params=sum(p.numel() for p in head.parameters()),
        param_mb=sum(p.numel() * p.element_size() for p in head.parameters()) / 2**20,
        max_fc_input_mb=probe.max_input_mb,
        peak_cuda_mb=probe.peak_mb if device.type == 'cuda' else None,
        device=str(device))


def run_form(cfg: Config, form: str, args: argparse.Namespace, work_dir: str) -> Dict[str, object]:
    """Fine-tune and test one form, or read its result from a previous run."""
    form_dir = osp.join(work_dir, form)
    out = osp.join(form_dir, f'result_{args.split}.json')
    if osp.exists(out):
        print(f'{form}: done before, reading {out}')
        with open(out) as f:
            return json.load(f)
    form_cfg = form_config(cfg, form, args, form_dir)
    start = time.perf_counter()
    weights = fine_tune(form_cfg, args.minutes)
    train_minutes = (time.perf_counter() - start) / 60
    result = dict(form=form, refine_head=form_cfg.model.refine_head.to_dict(),
                  checkpoint=args.checkpoint, split=args.split, weights=weights,
                  minutes_this_session=round(train_minutes, 2))
    iters_file = osp.join(form_dir, 'trained_iters.txt')
    if osp.exists(iters_file):
        with open(iters_file) as f:
            result['trained_iters'] = int(f.read())
    result.update(evaluate(form_cfg, weights))
    write_json_atomic(out, result)
    return json.loads(json.dumps(result))  # the same types as a result read back


def format_table(results: Dict[str, Dict[str, object]]) -> str:
    """One line per form: size, time, and accuracy (percent) before -> after per angle."""
    head = f'{"form":<8} {"params":>10} {"ms/img":>8}  ' + '  '.join(
        f'{f"a{a} before->after":>19}' for a in ANGLES)
    lines = [head]
    for form, r in results.items():
        ms = r.get('ms_per_image')
        cells = '  '.join(
            f'{r["before"][str(a)] * 100:8.2f} ->{r["after"][str(a)] * 100:7.2f}' for a in ANGLES)
        lines.append(f'{form:<8} {r["params"]:>10,d} {ms if ms is not None else float("nan"):8.2f}'
                     f'  {cells}')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> Dict[str, Dict[str, object]]:
    args = parse_args(argv)
    register_all_modules()
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    cfg = Config.fromfile(args.config)
    name = osp.splitext(osp.basename(args.config))[0]
    work_dir = args.work_dir or osp.join('work_dirs', f'{name}_refine_heads')
    results = {}
    for form in args.forms:
        results[form] = run_form(cfg, form, args, work_dir)
    print('\naccuracy (percent) at IoU 0.25 of the candidates before -> after refinement:')
    print(format_table(results))
    out = osp.join(work_dir, f'comparison_{args.split}.json')
    write_json_atomic(out, results)
    print(f'written to {out}')
    return results


if __name__ == '__main__':
    main()
