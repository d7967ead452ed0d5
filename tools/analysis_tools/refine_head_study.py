# Copyright (c) mmgrasp contributors. All rights reserved.
"""Does the refinement head refine? Both forms x both losses, trained to convergence on cached
inputs, per image paired on the Jacquard folds (issue 23; docs/refinement_head.md, "The study").

    python tools/analysis_tools/refine_head_study.py \
        [--data-root ../shared/data/jacquard/Samples/] [--folds 5] [--only-folds K ...] \
        [--det-seg-config configs/grasp/det_seg_mobilenetv2_fpn_jacquard_48e.py] \
        [--forms aligned inplace] [--losses eq9 mmgrasp] [--seeds 0 1 2] [--val-ratio 0.25] \
        [--val-interval 100] [--patience 10] [--chunk-iters 1000] [--max-iters 8000] \
        [--steps detseg cache train test report] [--work-dir work_dirs/refine_study]

Per fold (object-wise, ``jacquard_cross_validation.py``'s folds):

1. ``detseg``: one seeded Det_Seg on the whole training side, the config's fixed schedule
   (``jacquard_cross_validation.py --variants det_seg``, no minute budget), tested on the fold.
2. ``cache``: the Det_Seg's weights in a Det_Seg_Refine model, everything frozen, the test
   pipeline (no augmentation: the paper's Jacquard recipe): the head's inputs are computed once
   (``GraspDetSeg.refine_inputs``) for the training side minus a validation hold-out of
   ``--val-ratio`` of its objects (the candidates of training), for that hold-out and for the
   test scenes (the candidates of inference): ``fold<K>/cache/{train,val,test}.pt``.
3. ``train``: each form (``aligned``: ``GraspRefineHead``; ``inplace``: the paper's Fig. 3 on the
   128x128 map) x each loss (``eq9``: as printed; ``mmgrasp``: target stds and beta 1/9) x each
   seed trains ``CachedRefineHead`` (SGD lr 0.008, batch 4, paper VI-C; burn-in then constant),
   validated every ``--val-interval`` iterations, in chunks of ``--chunk-iters`` until the
   validation loss has not improved for ``--patience`` validations (or ``--max-iters``).
4. ``test``: the checkpoint of lowest validation loss, on the validation and the test caches:
   per image the top grasp before and after refinement (``top_grasp_records``).
5. ``report``: per form and loss, pooled over folds, one vote per image (the majority over
   seeds): gained / lost and the exact sign test at 30/10/5 degrees, the top grasp's angle and
   centre error before and after with 95 % intervals, the variant the validation rule chooses,
   and the learning curves (``--plot``).

The default variant is chosen on the validation hold-outs by the rule fixed before any test figure
(docs/refinement_head.md): the largest net gain (gained - lost images, summed over folds and seeds)
at 5 degrees, ties broken at 10, then 30 degrees, then by fewer parameters.

Everything resumes: a step whose output exists is skipped, a training resumes from its newest
checkpoint to the same weights, a cache made from another checkpoint or config is refused.
"""
import argparse
import copy
import glob
import hashlib
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional

import numpy as np

TOOLS = osp.dirname(osp.dirname(osp.abspath(__file__)))
REPO = osp.dirname(TOOLS)
FORMS = {
    'aligned': osp.join(REPO, 'configs', 'grasp', 'det_seg_refine_eq9_mobilenetv2_fpn_jacquard.py'),
    'inplace': osp.join(REPO, 'configs', 'grasp',
                        'det_seg_refine_inplace_eq9_mobilenetv2_fpn_jacquard.py'),
}
# the loss as printed is the configs' own; mmgrasp's named variant sets the target stds and the
# smaller beta (`mmgrasp_bbox_coder` / `mmgrasp_loss_refine` of
# configs/_base_/models/grasp_refine_head.py, the default before this study chose Eq. 9)
LOSSES = {
    'eq9': {},
    'mmgrasp': dict(bbox_coder=dict(target_stds=(0.1, 0.1, 0.2, 0.2, 0.05)),
                    loss_refine=dict(beta=1.0 / 9.0)),
}
ANGLES = (30, 10, 5)
STEPS = ('detseg', 'cache', 'train', 'test', 'report')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='The refinement head study on Jacquard folds')
    parser.add_argument('--data-root', default=osp.join(REPO, '..', 'shared', 'data', 'jacquard',
                                                        'Samples'))
    parser.add_argument('--folds', type=int, default=5)
    parser.add_argument('--only-folds', type=int, nargs='+')
    parser.add_argument('--det-seg-config', default=osp.join(
        REPO, 'configs', 'grasp', 'det_seg_mobilenetv2_fpn_jacquard_48e.py'))
    parser.add_argument('--forms', nargs='+', default=list(FORMS), choices=list(FORMS))
    parser.add_argument('--losses', nargs='+', default=list(LOSSES), choices=list(LOSSES))
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--val-ratio', type=float, default=0.25,
                        help="fraction of the training side's objects held out for validation")
    parser.add_argument('--batch-size', type=int, default=4, help='paper VI-C: 4')
    parser.add_argument('--lr', type=float, default=0.008, help='paper VI-C: 0.008')
    parser.add_argument('--val-interval', type=int, default=100)
    parser.add_argument('--patience', type=int, default=10,
                        help='validations without a lower validation loss before stopping')
    parser.add_argument('--chunk-iters', type=int, default=1000)
    parser.add_argument('--max-iters', type=int, default=8000)
    parser.add_argument('--steps', nargs='+', default=list(STEPS), choices=STEPS)
    parser.add_argument('--plot', help='write the learning curves to this PNG')
    parser.add_argument('--work-dir', default=osp.join('work_dirs', 'refine_study'))
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='passed on to the Det_Seg training (jacquard_cross_validation.py)')
    return parser.parse_args(argv)


# ------------------------------------------------------------------------------------------------
def read_json(path: str):
    with open(path) as f:
        return json.load(f)


def variant_names(args: argparse.Namespace) -> List[str]:
    return [f'{form}-{loss}' for form in args.forms for loss in args.losses]


def det_seg_dir(args: argparse.Namespace, fold: int) -> str:
    return osp.join(args.work_dir, 'det_seg_cv', f'fold{fold}', 'det_seg')


def run_det_seg(args: argparse.Namespace, fold: int) -> str:
    """Train and test the fold's Det_Seg (resumable); return its checkpoint."""
    done = osp.join(det_seg_dir(args, fold), 'train_done.json')
    tested = osp.join(det_seg_dir(args, fold), 'test_metrics.json')
    if not (osp.exists(done) and osp.exists(tested)):
        cmd = [sys.executable, osp.join(TOOLS, 'analysis_tools', 'jacquard_cross_validation.py'),
               '--data-root', args.data_root, '--folds', str(args.folds), '--only-folds',
               str(fold), '--variants', 'det_seg', '--config', f'det_seg={args.det_seg_config}',
               '--composites', '0', '--seeds', '0', '--work-dir',
               osp.join(args.work_dir, 'det_seg_cv')]
        if args.cfg_options:
            cmd += ['--cfg-options'] + list(args.cfg_options)
        print('+', ' '.join(cmd), flush=True)
        subprocess.run(cmd, check=True)
    return read_json(done)['checkpoint']


# ------------------------------------------------------------------------------------------------
def refine_config(args: argparse.Namespace, form: str, loss: str):
    """The Det_Seg_Refine config of a form and loss (mmengine Config)."""
    from mmengine.config import Config
    cfg = Config.fromfile(FORMS[form])
    head = cfg.model.refine_head
    for key, value in LOSSES[loss].items():
        head[key] = dict(head[key], **value)
    return cfg


def split_dataset_cfg(args: argparse.Namespace, cfg, fold: int, split: str) -> dict:
    """The fold's dataset of a split (train / val / test), with the test pipeline."""
    ds = copy.deepcopy(cfg.test_dataloader.dataset)
    ds.update(data_root=args.data_root, fold=fold, num_folds=args.folds, fold_by='object',
              split=split, test_mode=split != 'train', filter_cfg=None)
    if split in ('train', 'val'):
        ds['val_ratio'] = args.val_ratio
    else:
        ds.pop('val_ratio', None)
    return ds.to_dict()


def build_caches(args: argparse.Namespace, fold: int, checkpoint: str) -> Dict[str, str]:
    """The fold's three caches (made once; a cache of another checkpoint or config is refused)."""
    import torch
    from mmengine.runner import Runner, load_checkpoint

    from mmgrasp.datasets import load_refine_cache, save_refine_cache
    from mmgrasp.models.utils.refine_cache_builder import compute_refine_cache
    from mmgrasp.registry import MODELS
    from mmgrasp.utils.checkpoint_files import sha256_of_file
    cfg = refine_config(args, args.forms[0], 'eq9')  # the inputs do not depend on the head
    cache_dir = osp.join(args.work_dir, f'fold{fold}', 'cache')
    os.makedirs(cache_dir, exist_ok=True)
    model = None
    paths = {}
    for split in ('train', 'val', 'test'):
        ds_cfg = split_dataset_cfg(args, cfg, fold, split)
        what = dict(checkpoint=sha256_of_file(checkpoint), split=split, dataset=ds_cfg,
                    rpn_proposal=cfg.model.train_cfg.rpn_proposal.to_dict(),
                    test_cfg=cfg.model.test_cfg.to_dict(),
                    refine=cfg.model.train_cfg.refine.to_dict())
        fingerprint = hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode())
        fingerprint = fingerprint.hexdigest()
        path = osp.join(cache_dir, f'{split}.pt')
        paths[split] = path
        if osp.exists(path):
            if load_refine_cache(path)['fingerprint'] != fingerprint:
                raise SystemExit(f'{path} was computed from another checkpoint, data or config: '
                                 'remove it (or use another --work-dir)')
            continue
        if model is None:
            model = MODELS.build(cfg.model)
            load_checkpoint(model, checkpoint, map_location='cpu', strict=False)
            model.eval()
        loader = Runner.build_dataloader(dict(
            batch_size=1, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=ds_cfg))
        with torch.no_grad():
            cache = compute_refine_cache(model, loader, 'train' if split == 'train' else 'eval',
                                         fingerprint)
        save_refine_cache(cache, path)
        print(f'fold {fold}: cached {split} ({len(cache["img_paths"])} images, '
              f'{int(cache["pos"].sum())} of {len(cache["pos"])} candidates matched) in {path}',
              flush=True)
    return paths


# ------------------------------------------------------------------------------------------------
def run_dir_of(args: argparse.Namespace, fold: int, variant: str, seed: int) -> str:
    return osp.join(args.work_dir, f'fold{fold}', variant, f'seed{seed}')


def head_run_config(args: argparse.Namespace, form: str, loss: str, seed: int,
                    caches: Dict[str, str], run_dir: str, max_iters: int):
    """The Runner config that trains the head of one form, loss and seed on the caches."""
    from mmengine.config import Config
    cfg = refine_config(args, form, loss)
    head = copy.deepcopy(cfg.model.refine_head)
    head['train_cfg'] = copy.deepcopy(cfg.model.train_cfg.refine)

    def loader(split: str, batch_size: int, shuffle: bool) -> dict:
        # training: an endless seeded shuffle (mmengine's DefaultSampler under an iteration loop
        # sleeps 2 s at every restart of the loader, every ~9 iterations of a 38-image fold)
        sampler = (dict(type='InfiniteSampler', shuffle=True, seed=seed) if shuffle else
                   dict(type='DefaultSampler', shuffle=False))
        return dict(batch_size=batch_size, num_workers=0, sampler=sampler,
                    collate_fn=dict(type='mmgrasp.refine_input_collate'),
                    dataset=dict(type='RefineInputDataset', cache_file=caches[split]))

    optimizer = dict(cfg.optim_wrapper.optimizer, lr=args.lr)
    return Config(dict(
        default_scope='mmgrasp',
        work_dir=run_dir,
        model=dict(type='CachedRefineHead', refine_head=head),
        train_dataloader=loader('train', args.batch_size, True),
        val_dataloader=loader('val', 8, False),
        val_evaluator=dict(type='CachedRefineMetric', angle_thrs=ANGLES),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters,
                       val_interval=args.val_interval),
        val_cfg=dict(type='ValLoop'),
        optim_wrapper=dict(type='OptimWrapper', optimizer=optimizer,
                           clip_grad=cfg.optim_wrapper.get('clip_grad')),
        # the burn-in of the Det_Seg_Refine config (paper VI-C's lr), then a constant lr: the run
        # length is decided by the validation loss, not fixed in advance
        param_scheduler=[dict(type='LinearLR', start_factor=0.333, by_epoch=False, begin=0,
                              end=10)],
        default_hooks=dict(
            timer=dict(type='IterTimerHook'),
            logger=dict(type='LoggerHook', interval=args.val_interval),
            param_scheduler=dict(type='ParamSchedulerHook'),
            checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=args.val_interval,
                            max_keep_ckpts=1, save_best='refine/val_loss', rule='less'),
            checkpoint_integrity=dict(type='CheckpointIntegrityHook'),
            random_state=dict(type='RandomStateHook'),
            non_finite_loss=dict(type='NonFiniteLossHook')),
        custom_hooks=[dict(type='ValHistoryHook')],
        log_processor=dict(by_epoch=False, window_size=args.val_interval),
        randomness=dict(seed=seed),
        env_cfg=dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'),
                     mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0)),
        visualizer=dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')],
                        name=f'refine_study_{run_dir}_{max_iters}_{time.time_ns()}'),
        log_level='WARNING',
        load_from=None,
        resume=False))


def converged(history: Dict[str, Dict[str, float]], args: argparse.Namespace) -> bool:
    """Whether the validation loss has not improved for ``--patience`` validations."""
    if not history:
        return False
    iters = sorted(int(k) for k in history)
    losses = [history[str(i)]['refine/val_loss'] for i in iters]
    best = iters[int(np.nanargmin(losses))]
    return iters[-1] >= args.max_iters or iters[-1] - best >= args.patience * args.val_interval


def train_head(args: argparse.Namespace, fold: int, form: str, loss: str, seed: int,
               caches: Dict[str, str]) -> str:
    """Train one head to convergence in resumable chunks; return its best checkpoint."""
    from mmengine.runner import Runner

    from mmgrasp.engine.hooks import read_val_history
    from mmgrasp.utils.checkpoint_files import list_checkpoints
    run_dir = run_dir_of(args, fold, f'{form}-{loss}', seed)
    history_file = osp.join(run_dir, 'val_history.json')
    while not converged(read_val_history(history_file), args):
        history = read_val_history(history_file)
        last = max((int(k) for k in history), default=0)
        target = min(args.max_iters, (last // args.chunk_iters + 1) * args.chunk_iters)
        cfg = head_run_config(args, form, loss, seed, caches, run_dir, target)
        if list_checkpoints(run_dir):
            cfg.resume = True
        print(f'fold {fold} {form}-{loss} seed {seed}: training to iteration {target}',
              flush=True)
        Runner.from_cfg(cfg).train()
    best = sorted(glob.glob(osp.join(run_dir, 'best_refine_val_loss_iter_*.pth')))
    if not best:
        raise RuntimeError(f'{run_dir}: no best checkpoint after training')
    return best[-1]


def test_head(args: argparse.Namespace, fold: int, form: str, loss: str, seed: int,
              caches: Dict[str, str], checkpoint: str) -> Dict:
    """Per-image records of the best checkpoint on the validation and test caches."""
    import torch
    from mmengine.runner import Runner, load_checkpoint

    from mmgrasp.evaluation import CachedRefineMetric
    from mmgrasp.evaluation.functional.refinement_effect import top_grasp_records
    from mmgrasp.registry import MODELS
    from mmgrasp.utils import write_json_atomic
    run_dir = run_dir_of(args, fold, f'{form}-{loss}', seed)
    out = osp.join(run_dir, 'records.json')
    if osp.exists(out):
        return read_json(out)
    cfg = head_run_config(args, form, loss, seed, caches, run_dir, args.max_iters)
    model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu')
    model.eval()
    history = read_json(osp.join(run_dir, 'val_history.json'))
    result = dict(checkpoint=osp.basename(checkpoint), trained_iters=max(int(k) for k in history),
                  params=sum(p.numel() for p in model.parameters()))
    for split in ('val', 'test'):
        outputs = []
        loader = Runner.build_dataloader(dict(cfg.val_dataloader, dataset=dict(
            type='RefineInputDataset', cache_file=caches[split])))
        with torch.no_grad():
            for batch in loader:
                data = model.data_preprocessor(batch, False)
                outputs += model(**data, mode='predict')
        records = top_grasp_records(
            [dict(bboxes=o['bboxes'].numpy(), bboxes_unrefined=o['bboxes_unrefined'].numpy(),
                  scores=o['scores'].numpy()) for o in outputs],
            [o['gts'].numpy() for o in outputs], ANGLES)
        metric = CachedRefineMetric(angle_thrs=ANGLES)
        metric.process({}, outputs)
        result[split] = dict(
            img_paths=[o['img_path'] for o in outputs],
            metrics=metric.compute_metrics(metric.results),
            **{k: np.asarray(v).tolist() for k, v in records.items()})
    write_json_atomic(out, result)
    return json.loads(json.dumps(result))


# ------------------------------------------------------------------------------------------------
def _interval(values: np.ndarray) -> List[float]:
    from mmgrasp.evaluation.functional import mean_interval
    return list(mean_interval(values))


def summarise(args: argparse.Namespace, records: Dict) -> Dict:
    """Per variant: val rule inputs and the paired test figures (see the module docstring)."""
    from mmgrasp.evaluation.functional import majority_vote, paired_counts, wilson_interval
    summary = {}
    for variant in variant_names(args):
        per_fold = {k: v for k, v in records.items() if variant in v}
        if not per_fold:
            continue
        entry: Dict = dict(folds=sorted(per_fold), seeds=list(args.seeds))
        # the validation rule: net gains summed over folds and seeds
        val_net = {}
        for j, angle in enumerate(ANGLES):
            net = 0
            for runs in per_fold.values():
                for r in runs[variant].values():
                    b, a = np.array(r['val']['before'])[:, j], np.array(r['val']['after'])[:, j]
                    net += int((~b & a).sum()) - int((b & ~a).sum())
            val_net[str(angle)] = net
        entry['val_net_gain'] = val_net
        entry['params'] = next(iter(next(iter(per_fold.values()))[variant].values()))['params']
        entry['trained_iters'] = [r['trained_iters'] for runs in per_fold.values()
                                  for r in runs[variant].values()]
        # test: one vote per image, the majority over seeds, pooled over folds
        before, after, angle_err, centre_err, per_seed = [], [], [], [], []
        for runs in per_fold.values():
            seeds = [runs[variant][s] for s in sorted(runs[variant])]
            b = np.array(seeds[0]['test']['before'], dtype=bool)
            votes = np.stack([np.array(r['test']['after'], dtype=bool) for r in seeds])
            before.append(b)
            after.append(np.stack([majority_vote(votes[:, :, j]) for j in range(len(ANGLES))],
                                  axis=1))
            per_seed.append(votes)
            errs = np.stack([np.array(r['test']['angle_error'], dtype=float) for r in seeds])
            angle_err.append(np.concatenate([errs[0][:, :1], errs[:, :, 1:].mean(0)], axis=1))
            errs = np.stack([np.array(r['test']['centre_error'], dtype=float) for r in seeds])
            centre_err.append(np.concatenate([errs[0][:, :1], errs[:, :, 1:].mean(0)], axis=1))
        before, after = np.concatenate(before), np.concatenate(after)
        n = len(before)
        entry['test_images'] = n
        for j, angle in enumerate(ANGLES):
            counts = paired_counts(before[:, j], after[:, j])
            counts['acc_before'] = 100 * counts['before'] / n
            counts['acc_after'] = 100 * counts['after'] / n
            counts['wilson_before'] = [100 * v for v in wilson_interval(counts['before'], n)]
            counts['wilson_after'] = [100 * v for v in wilson_interval(counts['after'], n)]
            # every seed separately (not a vote): the spread behind the majority
            b_all = before[:, j]
            seeds_after = np.concatenate(per_seed, axis=1)[:, :, j]  # (S, N)
            counts['per_seed_gained_lost'] = [
                [int((~b_all & a).sum()), int((b_all & ~a).sum())] for a in seeds_after]
            entry[f'a{angle}'] = counts
        for name, errs in (('angle_error_deg', angle_err), ('centre_error_px', centre_err)):
            e = np.concatenate(errs)
            e = e[~np.isnan(e).any(axis=1)]
            entry[name] = dict(images=int(len(e)), before=_interval(e[:, 0]),
                               after=_interval(e[:, 1]), after_minus_before=_interval(
                                   e[:, 1] - e[:, 0]))
        summary[variant] = entry
    return summary


def choose_by_validation(summary: Dict) -> Optional[str]:
    """The validation rule: largest net gain at 5, then 10, then 30 degrees, then fewer params."""
    if not summary:
        return None
    return max(summary, key=lambda v: (summary[v]['val_net_gain']['5'],
                                       summary[v]['val_net_gain']['10'],
                                       summary[v]['val_net_gain']['30'], -summary[v]['params']))


def print_summary(summary: Dict, chosen: Optional[str]) -> None:
    print('\nrefinement head, test folds pooled, one vote per image (majority over seeds):')
    print(f'{"variant":<18} {"images":>6} ' + ' '.join(
        f'{f"a{a}: before->after gained/lost p":>36}' for a in ANGLES))
    for variant, e in summary.items():
        cells = []
        for a in ANGLES:
            c = e[f'a{a}']
            cells.append(f'{c["acc_before"]:5.1f} ->{c["acc_after"]:5.1f}  '
                         f'{c["gained"]:3d}/{c["lost"]:<3d} p={c["p"]:.3f}')
        print(f'{variant:<18} {e["test_images"]:>6} ' + ' '.join(f'{c:>36}' for c in cells))
    for variant, e in summary.items():
        for name in ('angle_error_deg', 'centre_error_px'):
            d = e[name]
            print(f'  {variant:<16} {name:<16} before {d["before"][0]:6.2f}  after '
                  f'{d["after"][0]:6.2f}  change {d["after_minus_before"][0]:+6.2f} '
                  f'[{d["after_minus_before"][1]:+.2f}, {d["after_minus_before"][2]:+.2f}] '
                  f'({d["images"]} images)')
        print(f'  {variant:<16} validation net gain (30/10/5): '
              f'{e["val_net_gain"]["30"]}/{e["val_net_gain"]["10"]}/{e["val_net_gain"]["5"]}, '
              f'iterations {e["trained_iters"]}')
    print(f'chosen on validation: {chosen}')


def plot_curves(args: argparse.Namespace, path: str) -> None:
    """Validation loss against iteration, one panel per variant, a line per fold and seed."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    variants = variant_names(args)
    fig, axes = plt.subplots(1, len(variants), figsize=(4.5 * len(variants), 3.4), squeeze=False)
    folds = args.only_folds or list(range(args.folds))
    for ax, variant in zip(axes[0], variants):
        for fold in folds:
            for seed in args.seeds:
                f = osp.join(run_dir_of(args, fold, variant, seed), 'val_history.json')
                if not osp.exists(f):
                    continue
                h = read_json(f)
                it = sorted(int(k) for k in h)
                ax.plot(it, [h[str(i)]['refine/val_loss'] for i in it], color=f'C{fold}',
                        lw=1, alpha=0.8, label=f'fold {fold}' if seed == args.seeds[0] else None)
        ax.set_title(variant)
        ax.set_xlabel('iteration')
        ax.set_ylabel('validation loss (Eq. 9)')
        ax.set_yscale('log')
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    print(f'curves written to {path}')


# ------------------------------------------------------------------------------------------------
def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    from mmgrasp.utils import register_all_modules, write_json_atomic
    register_all_modules()
    os.makedirs(args.work_dir, exist_ok=True)
    folds = args.only_folds or list(range(args.folds))
    records: Dict = {}
    for fold in folds:
        if 'detseg' in args.steps:
            checkpoint = run_det_seg(args, fold)
        else:
            done = osp.join(det_seg_dir(args, fold), 'train_done.json')
            if not osp.exists(done):
                continue
            checkpoint = read_json(done)['checkpoint']
        if not ({'cache', 'train', 'test', 'report'} & set(args.steps)):
            continue
        caches = build_caches(args, fold, checkpoint)
        for form in args.forms:
            for loss in args.losses:
                variant = f'{form}-{loss}'
                for seed in args.seeds:
                    run_dir = run_dir_of(args, fold, variant, seed)
                    if 'train' in args.steps:
                        best = train_head(args, fold, form, loss, seed, caches)
                    else:
                        best = sorted(glob.glob(osp.join(run_dir, 'best_*.pth')))
                        best = best[-1] if best else None
                    if best is None or not ({'test', 'report'} & set(args.steps)):
                        continue
                    if 'test' in args.steps or osp.exists(osp.join(run_dir, 'records.json')):
                        records.setdefault(fold, {}).setdefault(variant, {})[seed] = test_head(
                            args, fold, form, loss, seed, caches, best)
    if 'report' not in args.steps:
        return {}
    summary = summarise(args, records)
    chosen = choose_by_validation(summary)
    print_summary(summary, chosen)
    det_seg = {fold: read_json(osp.join(det_seg_dir(args, fold), 'test_metrics.json'))
               for fold in records if osp.exists(osp.join(det_seg_dir(args, fold),
                                                          'test_metrics.json'))}
    result = dict(folds=sorted(records), seeds=args.seeds, det_seg_config=args.det_seg_config,
                  val_ratio=args.val_ratio, patience=args.patience,
                  val_interval=args.val_interval, chosen_on_validation=chosen,
                  summary=summary, det_seg_test=det_seg)
    out = osp.join(args.work_dir, 'refine_study.json')
    write_json_atomic(out, result)
    print(f'written to {out}')
    if args.plot:
        plot_curves(args, args.plot)
    return result


if __name__ == '__main__':
    main()
