# Copyright (c) mmgrasp contributors. All rights reserved.
"""OCID_grasp over the release's five splits, as the paper reports it (Table V: the mean of the
five ``training_k / validation_k`` splits).

    python tools/analysis_tools/ocid_cross_validation.py CONFIG [--data-root data/OCID_grasp/] \
        [--splits 0 1 2 3 4] [--seeds 0 ...] [--minutes M] [--work-dir DIR] [--cfg-options ...]

For each split ``k`` (and seed) ``tools/train.py`` trains CONFIG on ``data_split/training_k.txt``
(its validation hold-out drawn from those sequences, as in the config) and ``tools/test.py``
tests the last checkpoint on ``data_split/validation_k.txt``; the metrics of every split and
their mean with its 95 % interval are printed and written to ``WORK_DIR/ocid_cv.json``. Every
step is skipped when its result exists, so an interrupted run resumes (a training from its newest
intact checkpoint). ``--minutes`` adds a training budget per split (a convenience: the figure then
depends on the machine's load); by default each split trains the config's fixed schedule.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional

TOOLS = osp.dirname(osp.dirname(osp.abspath(__file__)))
LOADERS = {'train_dataloader': 'training', 'val_dataloader': 'training',
           'test_dataloader': 'validation'}


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='OCID_grasp over its five splits')
    parser.add_argument('config', help='an OCID_grasp config')
    parser.add_argument('--data-root', help='OCID_grasp root (default: the config\'s)')
    parser.add_argument('--splits', type=int, nargs='+', default=[0, 1, 2, 3, 4])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--minutes', type=float, help='training budget per split')
    parser.add_argument('--work-dir', help='default: work_dirs/<config name>_ocid_cv')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='passed on to train.py and test.py')
    return parser.parse_args(argv)


def split_options(args: argparse.Namespace, split: int) -> List[str]:
    """``--cfg-options`` entries that select split ``split`` on the three dataloaders."""
    opts = []
    for loader, side in LOADERS.items():
        opts.append(f'{loader}.dataset.ann_file=data_split/{side}_{split}.txt')
        if args.data_root:
            opts.append(f'{loader}.dataset.data_root={args.data_root}')
    return opts


def check_split_files(args: argparse.Namespace, data_root: str) -> None:
    """Refuse a split whose list files are missing, naming them, before any training."""
    missing = [osp.join(data_root, 'data_split', f'{side}_{k}.txt') for k in args.splits
               for side in ('training', 'validation')
               if not osp.isfile(osp.join(data_root, 'data_split', f'{side}_{k}.txt'))]
    if missing:
        raise SystemExit(f'OCID_grasp split files not found: {missing}')


def run(cmd: List[str]) -> None:
    print('+', ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def run_split(args: argparse.Namespace, split: int, seed: int, work_dir: str) -> Dict[str, float]:
    """Train and test one split with one seed (or read its metrics from a previous run)."""
    from mmgrasp.utils.checkpoint_files import read_last_checkpoint
    run_dir = osp.join(work_dir, f'split{split}' + (f'_seed{seed}' if seed else ''))
    metrics_file = osp.join(run_dir, 'test_metrics.json')
    if not osp.exists(metrics_file):
        opts = split_options(args, split) + list(args.cfg_options)
        budget = ['--train-minutes', str(args.minutes)] if args.minutes else []
        run([sys.executable, osp.join(TOOLS, 'train.py'), args.config, '--work-dir', run_dir,
             '--seed', str(seed)] + budget + ['--resume', '--cfg-options'] + opts)
        checkpoint = read_last_checkpoint(run_dir)
        if checkpoint is None:
            raise SystemExit(f'{run_dir}: training left no checkpoint to test')
        run([sys.executable, osp.join(TOOLS, 'test.py'), args.config, checkpoint,
             '--work-dir', run_dir, '--metrics-out', metrics_file, '--cfg-options'] + opts)
    with open(metrics_file) as f:
        return json.load(f)


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    from mmengine.config import Config

    from mmgrasp.evaluation.functional.cross_validation import print_fold_summary, summarise_folds
    from mmgrasp.utils import write_json_atomic
    cfg = Config.fromfile(args.config)
    check_split_files(args, args.data_root or cfg.test_dataloader.dataset.data_root)
    name = osp.splitext(osp.basename(args.config))[0]
    work_dir = args.work_dir or osp.join('work_dirs', f'{name}_ocid_cv')
    os.makedirs(work_dir, exist_ok=True)
    per_run = {}
    for split in args.splits:
        for seed in args.seeds:
            metrics = run_split(args, split, seed, work_dir)
            per_run[f'split{split}_seed{seed}'] = {k: v for k, v in metrics.items()
                                                   if k.startswith('grasp/')}
    summary = summarise_folds(per_run)
    print_fold_summary(f'OCID_grasp, splits {args.splits}, seeds {args.seeds} (percent; the '
                       'paper reports the mean of the five splits):', summary)
    result = dict(config=args.config, splits=args.splits, seeds=args.seeds, summary=summary,
                  per_run=per_run)
    write_json_atomic(osp.join(work_dir, 'ocid_cv.json'), result)
    return result


if __name__ == '__main__':
    main()
