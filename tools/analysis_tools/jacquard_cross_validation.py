# Copyright (c) mmgrasp contributors. All rights reserved.
"""Jacquard k-fold cross-validation of Detection, Det_Seg and Det_Seg_Refine, with a grasp per
object.

    python tools/analysis_tools/jacquard_cross_validation.py \
        [--data-root ../shared/data/jacquard/Samples/] [--folds 5] [--fold-by object] \
        [--variants det det_seg det_seg_refine] [--seeds 0 1 ...] [--minutes M] \
        [--refine-minutes M] \
        [--composites 4] [--work-dir work_dirs/jacquard_cv] [--cfg-options ...]

The counterpart of ``cornell_cross_validation.py`` for the paper's own benchmark (Tables II-IV),
on a Jacquard scene set (the published samples: 48 scenes of 10 objects). Folds are object-wise by
default (the sorted objects shuffled with seed 0 and cut into ``--folds`` folds: no object on both
sides); ``--fold-by image`` makes image-wise folds. Images are halved to 512x512 (paper VI-C).

Per fold, each variant (``VARIANTS``, in this order) is trained with ``tools/train.py`` on the
whole training side (no validation loop; the fixed schedule's last checkpoint is tested) and
tested with ``tools/test.py`` on the fold's test scenes:

- ``det``: Detection, ``det_seg``: Det_Seg, both from ImageNet MobileNetV2 weights;
- ``det_seg_refine``: the refinement head fine-tuned from the *same fold's* Det_Seg with backbone
  and FPN frozen (paper VI-C), aligned form; ``det_seg_refine_inplace``: the same with the paper's
  in-place form (docs/refinement_head.md). Either needs ``det_seg`` before it.

Reported per variant: the metric grid (30/25/20/15/10/5 degrees at IoU 0.25, IoU 0.25/0.30/0.35 at
30 degrees), both segmentation IoUs, per fold and their mean; for the segmentation variants a grasp
per object (``JacquardObjectGraspMetric``) on the test scenes and on composites of 2-4 test
scenes' objects pasted side by side (``mmgrasp.datasets.jacquard_composites``, ``--composites``
per size); for the refinement variants the paired effect of refinement on the same images and
candidates (``RefinementEffectMetric``: images gained and lost at 30/10/5 degrees, mean angle error
of the top grasp before and after).

Every run is seeded (``tools/train.py --seed``); ``--seeds`` repeats every fold once per seed
(seed 0 in ``fold<K>``, the others in ``fold<K>_seed<S>``, the refinement variants fine-tuned from
the Det_Seg of the same fold and seed) and the summary's interval covers folds and seeds. By
default each variant trains its config's fixed schedule (epochs of a fixed number of iterations:
the figure does not depend on the machine's load). ``--minutes`` adds a training budget per fold
and variant (``TrainTimeBudgetHook``: training stops before an epoch that would end past it), a
convenience that makes the result depend on the machine; ``--refine-minutes`` overrides it for the
refinement variants.
Every step writes its result file atomically and is skipped when that file exists, so an
interrupted benchmark resumes where it stopped (a training run resumes from its newest intact
checkpoint); ``WORK_DIR/params.json`` records the data, folds and configs, and a work dir made
with other ones is refused rather than read back. The summary is printed and written to
``WORK_DIR/jacquard_cv.json``.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional

from mmgrasp.utils import write_json_atomic

TOOLS = osp.dirname(osp.dirname(osp.abspath(__file__)))
REPO = osp.dirname(TOOLS)
VARIANTS = {
    name: osp.join(REPO, 'configs', 'grasp', f'{config}_mobilenetv2_fpn_jacquard.py')
    for name, config in [('det', 'det'), ('det_seg', 'det_seg'),
                         ('det_seg_refine', 'det_seg_refine'),
                         ('det_seg_refine_inplace', 'det_seg_refine_inplace')]
}
REFINE_VARIANTS = ('det_seg_refine', 'det_seg_refine_inplace')
SEG_VARIANTS = ('det_seg',) + REFINE_VARIANTS
# train.py options of a run on the whole training side without a validation loop
NO_VALIDATION = ['train_dataloader.dataset.val_ratio=0', 'val_dataloader=None', 'val_cfg=None',
                 'val_evaluator=None', 'default_hooks.checkpoint.save_best=None']
MAIN_KEY = 'grasp/acc_a30_iou25'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Jacquard k-fold cross-validation')
    parser.add_argument('--data-root', default=osp.join(REPO, '..', 'shared', 'data', 'jacquard',
                                                        'Samples'),
                        help='Jacquard root (<objectID>/<k>_<objectID>_*); default: the shared '
                        'samples beside the checkout')
    parser.add_argument('--folds', type=int, default=5, help='number of folds')
    parser.add_argument('--fold-by', choices=['object', 'image'], default='object',
                        help='object-wise (default) or image-wise folds')
    parser.add_argument('--only-folds', type=int, nargs='+', help='run only these folds')
    parser.add_argument('--variants', nargs='+', default=['det', 'det_seg', 'det_seg_refine'],
                        choices=list(VARIANTS), help='variants to run, in this order')
    parser.add_argument('--config', nargs='+', default=[], metavar='VARIANT=PATH',
                        help='use another config for a variant, e.g. det=configs/grasp/x.py')
    parser.add_argument('--seeds', '--seed', type=int, nargs='+', default=[0],
                        help='train every fold and variant once per seed (default: 0)')
    parser.add_argument('--minutes', type=float,
                        help='training budget per fold and variant in minutes (default: none, '
                        "the config's fixed schedule)")
    parser.add_argument('--refine-minutes', type=float,
                        help='training budget of the refinement variants (default: --minutes)')
    parser.add_argument('--composites', type=int, default=4,
                        help='composites per size (2, 3 and 4 objects) from each fold\'s test '
                        'scenes; 0 for none')
    parser.add_argument('--work-dir', default=osp.join('work_dirs', 'jacquard_cv'))
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='passed on to train.py and test.py of every variant')
    args = parser.parse_args(argv)
    args.configs = dict(VARIANTS)
    for item in args.config:
        name, _, path = item.partition('=')
        if name not in VARIANTS or not path:
            parser.error(f'--config takes VARIANT=PATH with VARIANT in {list(VARIANTS)}, '
                         f'got {item!r}')
        args.configs[name] = path
    for v in args.variants:
        if v in REFINE_VARIANTS and (
                'det_seg' not in args.variants
                or args.variants.index('det_seg') > args.variants.index(v)):
            parser.error(f'{v} is fine-tuned from the fold\'s det_seg: list det_seg before it')
    return args


def fold_options(args: argparse.Namespace, fold: int) -> List[str]:
    """``--cfg-options`` entries that select one fold and the data root on both loaders."""
    opts = []
    for loader in ('train_dataloader', 'test_dataloader'):
        opts += [f'{loader}.dataset.data_root={args.data_root}',
                 f'{loader}.dataset.fold={fold}', f'{loader}.dataset.num_folds={args.folds}',
                 f'{loader}.dataset.fold_by={args.fold_by}']
    return opts


def composite_options(root: str) -> List[str]:
    """``--cfg-options`` entries that test on every scene under ``root`` (the composites)."""
    return [f'test_dataloader.dataset.data_root={root}', 'test_dataloader.dataset.fold=None',
            'test_dataloader.dataset.split=all']


def run(cmd: List[str]) -> None:
    print('+', ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def read_json(path: str) -> dict:
    with open(path) as f:
        return json.load(f)


def last_checkpoint(run_dir: str) -> str:
    """The checkpoint named by ``run_dir/last_checkpoint`` (written by mmengine)."""
    with open(osp.join(run_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def fold_dir_name(fold: int, seed: int = 0) -> str:
    """``fold<K>`` for seed 0 (the runs made before seeds existed), ``fold<K>_seed<S>`` else."""
    return f'fold{fold}' if seed == 0 else f'fold{fold}_seed{seed}'


def train_variant(args: argparse.Namespace, fold: int, variant: str, fold_dir: str,
                  seed: int = 0) -> str:
    """Train one variant of one fold (resuming if interrupted); return its final checkpoint."""
    run_dir = osp.join(fold_dir, variant)
    done = osp.join(run_dir, 'train_done.json')
    if osp.exists(done):
        return read_json(done)['checkpoint']
    minutes = args.minutes
    opts = fold_options(args, fold) + NO_VALIDATION
    if variant in REFINE_VARIANTS:
        minutes = args.refine_minutes or args.minutes
        opts.append('load_from='
                    f'{read_json(osp.join(fold_dir, "det_seg", "train_done.json"))["checkpoint"]}')
    budget = ['--train-minutes', str(minutes)] if minutes else []
    start = time.perf_counter()
    run([sys.executable, osp.join(TOOLS, 'train.py'), args.configs[variant], '--work-dir', run_dir,
         '--seed', str(seed)] + budget + ['--resume', '--cfg-options'] + opts
        + list(args.cfg_options))
    checkpoint = last_checkpoint(run_dir)
    write_json_atomic(done, dict(checkpoint=checkpoint,
                                 wall_minutes_this_run=(time.perf_counter() - start) / 60))
    return checkpoint


def test_variant(args: argparse.Namespace, fold: int, variant: str, checkpoint: str,
                 out: str, extra: List[str]) -> Dict[str, float]:
    """Test a trained variant (or read a previous result) and return its metrics."""
    if not osp.exists(out):
        run([sys.executable, osp.join(TOOLS, 'test.py'), args.configs[variant], checkpoint,
             '--work-dir', osp.dirname(out), '--metrics-out', out, '--cfg-options']
            + fold_options(args, fold) + extra + list(args.cfg_options))
    return read_json(out)


def fold_test_scenes(args: argparse.Namespace, fold: int) -> List[str]:
    """Path prefixes of the fold's test scenes: the test dataset of the Det_Seg config with the
    same options as its test run (so a ``--cfg-options`` change of the split is followed)."""
    from mmengine.config import Config, DictAction

    from mmgrasp.registry import DATASETS
    from mmgrasp.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(args.configs['det_seg'])
    opts = fold_options(args, fold) + list(args.cfg_options)
    parser = argparse.ArgumentParser()
    parser.add_argument('--o', nargs='+', action=DictAction)
    cfg.merge_from_dict(parser.parse_args(['--o'] + opts).o)
    ds_cfg = cfg.test_dataloader.dataset.copy()
    ds_cfg.update(pipeline=[], lazy_init=False)
    ds = DATASETS.build(ds_cfg)
    return [ds.get_data_info(i)['img_path'][:-len('_RGB.png')] for i in range(len(ds))]


def make_fold_composites(args: argparse.Namespace, fold: int, fold_dir: str) -> Optional[str]:
    """The fold's composites folder, made once from its test scenes (None: too few scenes)."""
    from mmgrasp.datasets.jacquard_composites import make_jacquard_composites
    root = osp.join(fold_dir, 'composites')
    if not osp.exists(root):
        made = make_jacquard_composites(fold_test_scenes(args, fold), root,
                                        per_size=args.composites, seed=fold)
        print(f'fold {fold}: {len(made)} composites in {root}')
        if not made:
            return None
    return root


def check_params(args: argparse.Namespace) -> None:
    """Refuse to resume a work dir made with other folds, data or configs: its finished steps
    would be read back as if they were this run's."""
    params = dict(data_root=osp.abspath(args.data_root), folds=args.folds, fold_by=args.fold_by,
                  configs={v: osp.abspath(args.configs[v]) for v in args.variants},
                  composites=args.composites, cfg_options=list(args.cfg_options))
    path = osp.join(args.work_dir, 'params.json')
    if osp.exists(path):
        old = read_json(path)
        old_configs = old.get('configs', {})
        clash = {k: (old.get(k), v) for k, v in params.items()
                 if k != 'configs' and old.get(k) != v}
        clash.update({f'configs.{v}': (old_configs[v], c) for v, c in params['configs'].items()
                      if v in old_configs and old_configs[v] != c})
        if clash:
            raise SystemExit(f'{args.work_dir} holds a benchmark run with other settings '
                             f'(was, now): {clash}; use another --work-dir')
        params['configs'] = {**old_configs, **params['configs']}
    write_json_atomic(path, params)


def run_fold(args: argparse.Namespace, fold: int,
             seed: int = 0) -> Dict[str, Dict[str, Dict[str, float]]]:
    """All variants of one fold and seed: ``{variant: {'test': metrics, 'composites': ...}}``."""
    fold_dir = osp.join(args.work_dir, fold_dir_name(fold, seed))
    os.makedirs(fold_dir, exist_ok=True)
    results = {}
    for variant in args.variants:
        checkpoint = train_variant(args, fold, variant, fold_dir, seed)
        run_dir = osp.join(fold_dir, variant)
        res = dict(test=test_variant(args, fold, variant, checkpoint,
                                     osp.join(run_dir, 'test_metrics.json'), []))
        root = None
        if variant in SEG_VARIANTS and args.composites > 0:
            root = make_fold_composites(args, fold, fold_dir)
        if root is not None:
            res['composites'] = test_variant(args, fold, variant, checkpoint,
                                             osp.join(run_dir, 'composite_metrics.json'),
                                             composite_options(root))
        results[variant] = res
    return results


def summarise_variant(per_fold: Dict[int, Dict[str, Dict[str, float]]]) -> Dict:
    """Per-fold figures and their mean: rates in percent, refinement counts summed over folds."""
    from mmgrasp.evaluation.functional.cross_validation import summarise_folds
    out = {}
    for part in ('test', 'composites'):
        folds = {k: r[part] for k, r in per_fold.items() if part in r}
        if not folds:
            continue
        rates = {k: {key: v for key, v in m.items()
                     if key.startswith(('grasp/', 'object/')) and key != 'object/num_objects'}
                 for k, m in folds.items()}
        out[part] = summarise_folds(rates)
        counts = {}
        for key in next(iter(folds.values())):
            if key.startswith('refine/') or key == 'object/num_objects':
                values = [m[key] for m in folds.values()]
                total = (sum(values) if 'angle_err_before' not in key
                         and 'angle_err_after' not in key else None)
                counts[key] = dict(folds=[round(float(v), 2) for v in values])
                if total is not None:
                    counts[key]['total'] = float(total)
                else:  # a mean angle error: weight each fold by its images
                    n = [m['refine/angle_err_images'] for m in folds.values()]
                    pairs = [(v, w) for v, w in zip(values, n) if w > 0]  # NaN where w == 0
                    counts[key]['mean'] = (sum(v * w for v, w in pairs) / sum(w for _, w in pairs)
                                           if pairs else float('nan'))
        if counts:
            out[part + '_counts'] = counts
    return out


def print_results(args: argparse.Namespace, summary: Dict) -> None:
    from mmgrasp.evaluation.functional.cross_validation import print_fold_summary
    for variant, parts in summary.items():
        for part in ('test', 'composites'):
            if part in parts:
                print_fold_summary(f'{variant}, {part} ({args.fold_by}-wise folds, percent):',
                                   parts[part])
            counts = parts.get(part + '_counts', {})
            for key, c in counts.items():
                agg = f'total {c["total"]:g}' if 'total' in c else f'mean {c["mean"]:.2f}'
                print(f'  {key:<28} {agg:<14} folds {" ".join(f"{v:g}" for v in c["folds"])}')


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    check_params(args)
    folds = args.only_folds if args.only_folds else list(range(args.folds))
    per_fold = {fold_dir_name(k, s): run_fold(args, k, s) for k in folds for s in args.seeds}
    summary = {v: summarise_variant({k: r[v] for k, r in per_fold.items()}) for v in args.variants}
    print_results(args, summary)
    result = dict(data_root=args.data_root, fold_by=args.fold_by, folds=folds, seeds=args.seeds,
                  minutes=args.minutes, refine_minutes=args.refine_minutes or args.minutes,
                  configs={v: args.configs[v] for v in args.variants}, summary=summary,
                  per_fold={str(k): v for k, v in per_fold.items()})
    out = osp.join(args.work_dir, 'jacquard_cv.json')
    write_json_atomic(out, result)
    print(f'written to {out}')


if __name__ == '__main__':
    main()
