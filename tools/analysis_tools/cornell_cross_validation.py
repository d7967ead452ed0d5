# Copyright (c) mmgrasp contributors. All rights reserved.
"""Cornell k-fold cross-validation: train and test each fold, print the grid per fold and its mean.

    python tools/analysis_tools/cornell_cross_validation.py CONFIG \
        [--data-root data/cornell/] [--folders 01 02 ...] [--folds 5] \
        [--fold-by image|object] [--object-map processedData/z.txt] \
        [--minutes-per-fold 30] [--seeds 0 1 ...] [--work-dir DIR] [--baseline] [--robustness]
        [--retest NAME KEY=V ...] [--test-sweep KEY V1 V2 ... [--sweep-split test|train]]
        [--cfg-options ...]

Each fold runs ``tools/train.py`` and ``tools/test.py`` in a subprocess with
``fold=K`` on the three dataloaders. A fold whose metrics file exists is not run again, so an
interrupted benchmark resumes where it stopped (a fold interrupted mid-training resumes from its
last checkpoint). ``--minutes-per-fold`` adds ``TrainTimeBudgetHook``: training stops at the epoch
end after which another epoch would end past that many minutes. The summary is printed and
written to ``WORK_DIR/cross_validation.json``.

Folds are image-wise by default (the config's). ``--fold-by object`` makes them object-wise: the
objects are shuffled and cut into folds, so that a fold's test objects never appear on its
training side (nor in its validation hold-out, drawn by object too): the protocol for unseen
objects. Which object each image shows comes from ``--object-map`` (the release's
``processedData/z.txt`` format, e.g. ``../shared/data/cornell/01_objects.txt`` for folder 01;
default: ``processedData/z.txt`` under the data root); ``--object-map`` alone implies
``--fold-by object``. A work dir remembers its fold settings (``split.json``) and refuses to
resume under others; object-wise runs default to ``work_dirs/<config name>_cv_object``.

``--seeds`` trains every fold once per seed (``tools/train.py --seed``; default: seed 0, the
configs' own). Runs of seed 0 live in ``fold<K>``, the others in ``fold<K>_seed<S>``; the summary
gives the mean and its 95 % Student-t interval over every fold and seed.

Each fold's test also writes every test image's outcome at each grid point
(``fold<K>[_seed<S>]/test_per_image.json``; a fold tested before this existed is tested again from
its checkpoint), so that two configurations run on the same folds can be compared image by image:
``compare_cv_runs.py WORK_DIR_A WORK_DIR_B`` beside this file (exact sign test, one vote per image
over seeds).

``--baseline`` also scores a constant guess on each fold (``constant_guess.py`` beside this
file: one grasp at the input centre with the training labels' median size and most frequent
angle), the figure a model that learned nothing would reach.

Validation: by default each fold trains on its whole training side with no validation loop
(the fixed schedule's last checkpoint is tested; nothing needs choosing), as for the figures in
docs/results.md. ``--validate`` keeps the config's validation hold-out instead (``val_ratio`` of the
training folds, never a test image) and its ``save_best`` checkpoint; the test still uses the
last checkpoint.

``--robustness`` also tests each fold's final checkpoint under a change of light (brightness
-20 % and +20 %) and a 30 px shift in four directions (``robustness.py`` beside this file,
results in ``fold<K>/robustness.json``, also resumable) and adds the main accuracy per condition
to the summary.

``--tta`` also tests each fold's final checkpoint with test-time augmentation (``tools/test.py
--tta``: the config's ``tta_pipeline`` views merged by its ``tta_model``); the results go to
``<work dir>/tta/`` in the work dir's own layout (``split.json``, ``fold<K>[_seed<S>]/``), so
``compare_cv_runs.py WORK_DIR WORK_DIR/tta`` pairs them image by image with the plain test.

``--retest NAME KEY=V ...`` tests each fold and seed's final checkpoint again with those config
options, e.g. ``--retest local_mean model.test_cfg.rcnn.angle_decoding=local_mean`` (a test-time
setting), into ``<work dir>/NAME/`` in the same layout as ``--tta``'s, for the same paired
comparison; a result is reused only for the same weights and options.

``--test-sweep KEY V1 V2 ...`` tests each fold's final checkpoint again with a test-time setting
set to each value, e.g. ``--test-sweep model.test_cfg.rpn.max_per_img 300 200 100 50`` (the
accuracy against the number of proposals), and adds the metrics per value to the summary
(results in ``fold<K>/sweep/``, resumable). ``--sweep-split train`` runs the sweep on the fold's
own training images instead of its test images: a curve that may be used to choose a setting,
where the test fold's may not (the model has seen those images, so the curve is optimistic).
"""
import argparse
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import time
from typing import Dict, List, Optional

from mmgrasp.evaluation.functional.cross_validation import print_fold_summary as print_summary
from mmgrasp.evaluation.functional.cross_validation import summarise_folds as summarise
from mmgrasp.utils.atomic_files import write_bytes_atomic
from mmgrasp.utils.checkpoint_files import read_checksum, read_last_checkpoint, sha256_of_file

TOOLS = osp.dirname(osp.dirname(osp.abspath(__file__)))
MAIN_KEY = 'grasp/acc_a30_iou25'
PER_IMAGE_FILE = 'test_per_image.json'  # each test image's outcome, for paired comparisons
# train.py options of a fold trained on its whole training side without a validation loop
RETEST_NAME = re.compile(r'[A-Za-z0-9_-][A-Za-z0-9_.-]*')  # one folder inside the work dir
RUN_DIR_NAME = re.compile(r'fold\d+(_seed\d+)?')  # a trained run's folder
NO_VALIDATION = ['train_dataloader.dataset.val_ratio=0', 'val_dataloader=None', 'val_cfg=None',
                 'val_evaluator=None', 'default_hooks.checkpoint.save_best=None']


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Cornell k-fold cross-validation')
    parser.add_argument('config', help='a Cornell config (its datasets take `fold`)')
    parser.add_argument('--data-root', help='Cornell root (folders 01..10); default: the config')
    parser.add_argument('--folders', nargs='+',
                        help='the Cornell folder set to draw the folds from, e.g. 01 '
                        '(default: every folder under the data root)')
    parser.add_argument('--folds', type=int, default=5, help='number of folds')
    parser.add_argument('--fold-by', choices=['image', 'object'],
                        help="image-wise or object-wise folds (default: the config's, image-wise "
                        "for the shipped configs); object-wise folds never put a fold's test "
                        'objects on its training side')
    parser.add_argument('--object-map',
                        help='image-to-object map ("<image number> <object id> ..." per line, '
                        'e.g. ../shared/data/cornell/01_objects.txt); implies --fold-by object '
                        "(default: the data root's processedData/z.txt)")
    parser.add_argument('--only-folds', type=int, nargs='+', help='run only these folds')
    parser.add_argument('--minutes-per-fold', type=float,
                        help='training budget per fold in minutes (stops at an epoch end)')
    parser.add_argument('--seeds', '--seed', type=int, nargs='+', default=[0],
                        help='train each fold once per seed (default: 0)')
    parser.add_argument('--work-dir', help='default: work_dirs/<config name>_cv')
    parser.add_argument('--baseline', action='store_true',
                        help='also score the constant-guess baseline on each fold')
    parser.add_argument('--validate', action='store_true',
                        help="keep the config's validation hold-out of the training folds "
                        '(default: train on the whole training side, no validation loop)')
    parser.add_argument('--robustness', action='store_true',
                        help='also test each fold under brightness +-20 %% and 30 px shifts')
    parser.add_argument('--tta', action='store_true',
                        help='also test each fold with test-time augmentation (results in '
                        '<work dir>/tta/, comparable with compare_cv_runs.py)')
    parser.add_argument('--retest', nargs='+', metavar='NAME KEY=V',
                        help='also test each fold and seed again with these config options, '
                        'results in <work dir>/NAME/ (comparable with compare_cv_runs.py), e.g. '
                        '--retest local_mean model.test_cfg.rcnn.angle_decoding=local_mean')
    parser.add_argument('--test-sweep', nargs='+', metavar='KEY V',
                        help='test the final checkpoints again with config KEY set to each '
                        'value V, e.g. model.test_cfg.rpn.max_per_img 300 200 100 50')
    parser.add_argument('--sweep-split', choices=['test', 'train'], default='test',
                        help="the images of the sweep: the fold's test images (default) or its "
                        'training images (a curve to choose a setting on)')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='passed on to train.py and test.py')
    args = parser.parse_args(argv)
    if args.object_map is not None:
        if args.fold_by == 'image':
            parser.error('--object-map is for object-wise folds: leave out --fold-by image')
        if not osp.isfile(args.object_map):
            parser.error(f'--object-map {args.object_map}: no such file')
        args.fold_by = 'object'
        args.object_map = osp.abspath(args.object_map)  # not relative to the data root
    if args.retest is not None:
        name, options = args.retest[0], args.retest[1:]
        if (not RETEST_NAME.fullmatch(name) or name.lower() == 'tta'
                or RUN_DIR_NAME.fullmatch(name) or name.endswith('.json')):
            parser.error(f'--retest {name!r}: the name is a new folder of the work dir: letters, '
                         "digits, '_', '-' and '.', not starting with '.', not 'tta', not a "
                         "run's folder (fold<K>[_seed<S>]), not a .json file's name")
        if not options or any('=' not in o for o in options):
            parser.error('--retest NAME KEY=VALUE [KEY=VALUE ...]: at least one config option, '
                         'each KEY=VALUE')
    return args


def split_params(args: argparse.Namespace) -> Dict[str, object]:
    """What decides the folds' images beside the config: a work dir is resumed only with these."""
    return dict(folds=args.folds, fold_by=args.fold_by or 'config', object_map=args.object_map,
                data_root=args.data_root and osp.abspath(args.data_root), folders=args.folders)


def check_split_params(args: argparse.Namespace, work_dir: str) -> None:
    """Record the fold settings in ``work_dir/split.json``, or refuse to resume a work dir made
    with others (its finished folds would be read back as if they were these)."""
    path = osp.join(work_dir, 'split.json')
    params = split_params(args)
    if osp.exists(path):
        with open(path) as f:
            before = json.load(f)
        changed = {k: (before.get(k), v) for k, v in params.items() if before.get(k) != v}
        if changed:
            raise SystemExit(f'{work_dir} was made with other folds ({path}): '
                             + ', '.join(f'{k} {a!r} then, {b!r} now'
                                         for k, (a, b) in changed.items())
                             + '; use another --work-dir')
        return
    with open(path + '.tmp', 'w') as f:
        json.dump(params, f, indent=2)
    os.replace(path + '.tmp', path)


def fold_options(args: argparse.Namespace, fold: int) -> List[str]:
    """``--cfg-options`` entries that select one fold (and the data root) everywhere."""
    opts = []
    loaders = ('train_dataloader', 'val_dataloader', 'test_dataloader')
    if not args.validate:
        loaders = ('train_dataloader', 'test_dataloader')
    for loader in loaders:
        opts += [f'{loader}.dataset.fold={fold}', f'{loader}.dataset.num_folds={args.folds}']
        if args.data_root:
            opts.append(f'{loader}.dataset.data_root={args.data_root}')
        if args.folders:
            opts.append(f'{loader}.dataset.folders=[{",".join(args.folders)}]')
        if args.fold_by:
            opts.append(f'{loader}.dataset.fold_by={args.fold_by}')
        if args.object_map:
            opts.append(f'{loader}.dataset.object_map_file={args.object_map}')
    return opts


def run(cmd: List[str]) -> None:
    print('+', ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def last_checkpoint(fold_dir: str) -> str:
    """The checkpoint named by ``fold_dir/last_checkpoint`` (written by mmengine)."""
    with open(osp.join(fold_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def fold_dir_name(fold: int, seed: int = 0) -> str:
    """``fold<K>`` for seed 0 (the runs made before seeds existed), ``fold<K>_seed<S>`` else."""
    return f'fold{fold}' if seed == 0 else f'fold{fold}_seed{seed}'


def run_fold(args: argparse.Namespace, fold: int, work_dir: str,
             seed: int = 0) -> Dict[str, float]:
    """Train and test one fold with one seed (or read its metrics from a previous run)."""
    fold_dir = osp.join(work_dir, fold_dir_name(fold, seed))
    metrics_file = osp.join(fold_dir, 'test_metrics.json')
    per_image_file = osp.join(fold_dir, PER_IMAGE_FILE)
    opts = fold_options(args, fold) + list(args.cfg_options)
    test_cmd = [sys.executable, osp.join(TOOLS, 'test.py'), args.config, '--work-dir', fold_dir,
                '--metrics-out', metrics_file, '--cfg-options'] + opts + [
                    f'test_evaluator.per_image_out={per_image_file}']
    if osp.exists(metrics_file):
        if not osp.exists(per_image_file) and osp.exists(osp.join(fold_dir, 'last_checkpoint')):
            # a fold tested before per-image outcomes were kept: test its checkpoint again
            run(test_cmd[:3] + [last_checkpoint(fold_dir)] + test_cmd[3:])
        print(f'fold {fold}: done before, reading {metrics_file}')
        with open(metrics_file) as f:
            return json.load(f)
    cmd = [sys.executable, osp.join(TOOLS, 'train.py'), args.config, '--work-dir', fold_dir,
           '--seed', str(seed)]
    train_opts = [] if args.validate else NO_VALIDATION
    if args.minutes_per_fold:
        cmd += ['--train-minutes', str(args.minutes_per_fold)]
    cmd.append('--resume')  # the newest intact checkpoint of the fold, or a fresh start
    start = time.perf_counter()
    run(cmd + ['--cfg-options'] + opts + train_opts)
    minutes = (time.perf_counter() - start) / 60
    run(test_cmd[:3] + [last_checkpoint(fold_dir)] + test_cmd[3:])
    with open(metrics_file) as f:
        metrics = json.load(f)
    print(f'fold {fold}: {minutes:.1f} min of training and testing')
    return metrics


def run_fold_retest(args: argparse.Namespace, fold: int, work_dir: str, seed: int, name: str,
                    test_args: List[str], options: List[str]) -> Optional[Dict[str, float]]:
    """Test one trained fold and seed's last checkpoint again, another way (or read the result).

    ``--tta`` is ``name='tta', test_args=['--tta']``. The outputs mirror the plain test's under
    ``<work_dir>/<name>/``: ``split.json`` and
    ``fold<K>[_seed<S>]/test_metrics.json`` and ``test_per_image.json``, so that
    ``compare_cv_runs.py <work_dir> <work_dir>/<name>`` pairs them image by image. A result is
    reused only for the same weights and the same options (``checkpoint.txt`` records the
    checkpoint, its sha256, ``--cfg-options`` and ``options``; the folds are the work dir's).

    Args:
        test_args (list[str]): Extra ``tools/test.py`` arguments, e.g. ``['--tta']``.
        options (list[str]): Extra ``--cfg-options`` entries, e.g.
            ``['model.test_cfg.rcnn.angle_decoding=local_mean']``.

    Returns:
        dict | None: The metrics, or None for a fold and seed without a checkpoint.
    """
    root = osp.join(work_dir, name)
    os.makedirs(root, exist_ok=True)
    split_file = osp.join(root, 'split.json')
    if not osp.exists(split_file):
        shutil.copyfile(osp.join(work_dir, 'split.json'), split_file + '.tmp')
        os.replace(split_file + '.tmp', split_file)
    run_name = fold_dir_name(fold, seed)
    fold_dir, out_dir = osp.join(work_dir, run_name), osp.join(root, run_name)
    checkpoint = read_last_checkpoint(fold_dir)
    if checkpoint is None:
        print(f'fold {fold} seed {seed}: no last_checkpoint in {fold_dir}, no {name} test')
        return None
    metrics_file = osp.join(out_dir, 'test_metrics.json')
    # which weights, tested how: a retrained fold's checkpoint has the same name but another
    # sha256 (its checksum file, or the file's own hash without one)
    tested_file = osp.join(out_dir, 'checkpoint.txt')
    weights = f'{checkpoint} {read_checksum(checkpoint) or sha256_of_file(checkpoint)}'
    changed = list(args.cfg_options) + list(options)  # (the folder's name says the test_args)
    if changed:  # (nothing added without options: the key of the results made before them)
        weights += '\n' + ' '.join(changed)
    tested = None
    if osp.exists(tested_file):
        with open(tested_file) as f:
            tested = f.read().strip()
    if not osp.exists(metrics_file) or tested != weights:
        opts = fold_options(args, fold) + list(args.cfg_options) + list(options)
        run([sys.executable, osp.join(TOOLS, 'test.py'), args.config, checkpoint] + test_args
            + ['--work-dir', out_dir, '--metrics-out', metrics_file, '--cfg-options'] + opts
            + [f'test_evaluator.per_image_out={osp.join(out_dir, PER_IMAGE_FILE)}'])
        os.makedirs(out_dir, exist_ok=True)
        write_bytes_atomic(tested_file, (weights + '\n').encode())
    with open(metrics_file) as f:
        return json.load(f)


def run_fold_robustness(args: argparse.Namespace, fold: int,
                        work_dir: str) -> Dict[str, Dict[str, float]]:
    """Test one trained fold under the robustness conditions (or read a previous result)."""
    fold_dir = osp.join(work_dir, fold_dir_name(fold, args.seeds[0]))
    out = osp.join(fold_dir, 'robustness.json')
    if not osp.exists(out):
        opts = fold_options(args, fold) + list(args.cfg_options)
        run([sys.executable, osp.join(TOOLS, 'analysis_tools', 'robustness.py'), args.config,
             last_checkpoint(fold_dir), '--out', out, '--work-dir', fold_dir,
             '--cfg-options'] + opts)
    with open(out) as f:
        return json.load(f)


def run_fold_baseline(args: argparse.Namespace, fold: int, work_dir: str) -> Dict[str, float]:
    """The constant-guess baseline of one fold (or read a previous result)."""
    out = osp.join(work_dir, fold_dir_name(fold, args.seeds[0]), 'constant_guess.json')
    if not osp.exists(out):
        opts = fold_options(args, fold) + list(args.cfg_options)
        if not args.validate:  # fitted on the same training images as the model
            opts.append('train_dataloader.dataset.val_ratio=0')
        run([sys.executable, osp.join(TOOLS, 'analysis_tools', 'constant_guess.py'), args.config,
             '--out', out, '--cfg-options'] + opts)
    with open(out) as f:
        return json.load(f)


def run_fold_sweep(args: argparse.Namespace, fold: int,
                   work_dir: str) -> Dict[str, Dict[str, float]]:
    """Test one trained fold once per ``--test-sweep`` value (results of earlier runs are read).

    Returns:
        dict: ``{value: metrics}`` in the order of the values.
    """
    key, values = args.test_sweep[0], args.test_sweep[1:]
    fold_dir = osp.join(work_dir, fold_dir_name(fold, args.seeds[0]))
    sweep_dir = osp.join(fold_dir, 'sweep')
    os.makedirs(sweep_dir, exist_ok=True)
    opts = fold_options(args, fold) + list(args.cfg_options)
    if args.sweep_split == 'train':  # the images the fold trained on
        opts.append('test_dataloader.dataset.split=train')
        if not args.validate:  # (with --validate, its validation hold-out stays out)
            opts.append('test_dataloader.dataset.val_ratio=0')
    results = {}
    for value in values:
        out = osp.join(sweep_dir, f'{args.sweep_split}_{key}={value}.json')
        if not osp.exists(out):
            run([sys.executable, osp.join(TOOLS, 'test.py'), args.config,
                 last_checkpoint(fold_dir), '--work-dir', sweep_dir, '--metrics-out', out,
                 '--cfg-options'] + opts + [f'{key}={value}'])
        with open(out) as f:
            results[value] = json.load(f)
    return results


def summarise_robustness(per_fold: Dict[int, Dict[str, Dict[str, float]]],
                         key: str = MAIN_KEY) -> Dict[str, Dict[str, float]]:
    """Mean, std and per-fold values of ``key`` per robustness condition, in percent."""
    return summarise({fold: {name: m[key] for name, m in conditions.items()}
                      for fold, conditions in per_fold.items()})


def main() -> None:
    args = parse_args()
    name = osp.splitext(osp.basename(args.config))[0]
    suffix = '_cv_object' if args.fold_by == 'object' else '_cv'
    work_dir = args.work_dir or osp.join('work_dirs', f'{name}{suffix}')
    os.makedirs(work_dir, exist_ok=True)
    check_split_params(args, work_dir)
    folds = args.only_folds if args.only_folds else list(range(args.folds))
    if args.test_sweep is not None and len(args.test_sweep) < 2:
        raise SystemExit('--test-sweep needs a config key and at least one value, e.g. '
                         '--test-sweep model.test_cfg.rpn.max_per_img 300 100')
    per_fold, robustness, baseline, sweep, tta, retest = {}, {}, {}, {}, {}, {}
    for k in folds:
        per_fold[k] = run_fold(args, k, work_dir, args.seeds[0])
        for seed in args.seeds[1:]:
            per_fold[fold_dir_name(k, seed)] = run_fold(args, k, work_dir, seed)
        # test the trained runs again: (folder, test.py arguments, config options, results)
        again = [('tta', ['--tta'], [], tta)] if args.tta else []
        if args.retest:
            again.append((args.retest[0], [], args.retest[1:], retest))
        for name, test_args, options, results in again:
            for seed in args.seeds:
                metrics = run_fold_retest(args, k, work_dir, seed, name, test_args, options)
                if metrics is not None:
                    results[k if seed == args.seeds[0] else fold_dir_name(k, seed)] = metrics
        if args.baseline:
            baseline[k] = run_fold_baseline(args, k, work_dir)
        if args.robustness:
            robustness[k] = run_fold_robustness(args, k, work_dir)
        if args.test_sweep:
            sweep[k] = run_fold_sweep(args, k, work_dir)
    summary = summarise(per_fold)
    wise = f', {args.fold_by}-wise' if args.fold_by else ''
    print_summary(f'{len(folds)}-fold cross-validation{wise} of {name}, seeds {args.seeds} '
                  '(percent):', summary)
    result = dict(config=args.config, folds=folds, seeds=args.seeds, summary=summary,
                  split=split_params(args),
                  per_fold={str(k): v for k, v in per_fold.items()})
    if tta:
        result['tta'] = summarise(tta)
        print_summary('with test-time augmentation (percent; paired test: compare_cv_runs.py '
                      f'{work_dir} {osp.join(work_dir, "tta")}):', result['tta'])
    if retest:
        name = args.retest[0]
        result['retest'] = dict(name=name, options=args.retest[1:], summary=summarise(retest))
        print_summary(f'tested with {" ".join(args.retest[1:])} (percent; paired test: '
                      f'compare_cv_runs.py {work_dir} {osp.join(work_dir, name)}):',
                      result['retest']['summary'])
    if baseline:
        result['constant_guess'] = summarise(baseline)
        print_summary('constant-guess baseline (percent):', result['constant_guess'])
    if robustness:
        result['robustness'] = summarise_robustness(robustness)
        print_summary(f'{MAIN_KEY.split("/", 1)[-1]} under perturbations (percent):',
                      result['robustness'])
    if sweep:
        key = args.test_sweep[0]
        result['sweep'] = dict(key=key, split=args.sweep_split, values={})
        for value in args.test_sweep[1:]:
            result['sweep']['values'][value] = summarise(
                {k: runs[value] for k, runs in sweep.items()})
            print_summary(f'{key}={value}, {args.sweep_split} images of each fold (percent):',
                          result['sweep']['values'][value])
    out = osp.join(work_dir, 'cross_validation.json')
    tmp = out + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(result, f, indent=2)
    os.replace(tmp, out)
    print(f'written to {out}')


if __name__ == '__main__':
    main()
