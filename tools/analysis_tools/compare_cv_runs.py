# Copyright (c) mmgrasp contributors. All rights reserved.
"""Compare two cross-validation runs on the same folds, image by image.

    python tools/analysis_tools/compare_cv_runs.py WORK_DIR_A WORK_DIR_B \
        [--angles 30 10 5] [--out FILE]

``WORK_DIR_A`` and ``WORK_DIR_B`` are work dirs of ``cornell_cross_validation.py`` (e.g. the
shipped config and a change to it), or records of such runs kept in the repository
(``archive_cv_run.py``, ``docs/cv_records/``), run with the same folds (their ``split.json`` must
agree, but for the data root, and the object map by name, so a run made on another machine
pairs) and the same seeds. Images are paired by their folder and file name
(``01/pcd0100r.png``), not by the path they were read from. Each fold's ``test_per_image.json``
holds every test image's outcome; A is read as "before", B as "after". Printed and written
(``--out``, JSON), at each angle (IoU 0.25):

- **one vote per image** (the majority over the seeds both runs share; a tie is a failure), pooled
  over folds: accuracy before and after, gained (wrong -> correct) and lost images, and the exact
  two-sided sign test p of gained against lost (docs/evaluation_protocol.md, "Significance");
- **per seed**, the same gained / lost counts (how stable the effect is);
- the **accuracy difference per run** (fold x seed, in points), its mean and 95 % Student-t
  interval: the figure to compare with the seed-to-seed spread.

A change is adopted only where the vote's sign test supports it (p < 0.05) and the interval of the
difference excludes zero; otherwise the two are "not separable on this data".
"""
import argparse
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmgrasp.evaluation.functional.significance import majority_vote, mean_interval, paired_counts
from mmgrasp.utils.cv_record_keys import PER_IMAGE_FILE, RUN_DIR, image_key, split_key
from mmgrasp.utils.json_io import write_json_atomic

# (fold, seed) -> {img_path: (grid,) bool}
Runs = Dict[Tuple[int, int], Dict[str, np.ndarray]]


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('work_dir_a', help='the "before" run (e.g. the shipped config)')
    parser.add_argument('work_dir_b', help='the "after" run (the change)')
    parser.add_argument('--angles', type=float, nargs='+', default=[30, 10, 5],
                        help='angle thresholds in degrees, at IoU 0.25 (default: 30 10 5)')
    parser.add_argument('--out', help='also write the comparison to this JSON file')
    return parser.parse_args(argv)


def angle_key(angle: float) -> str:
    """The metric's grid key of an angle at IoU 0.25, e.g. ``acc_a10_iou25``."""
    return f'acc_a{angle:g}_iou25'


def load_runs(work_dir: str) -> Tuple[List[str], Runs]:
    """Every tested fold and seed of a cross-validation work dir.

    Args:
        work_dir (str): A ``cornell_cross_validation.py`` work dir.

    Returns:
        tuple: The grid keys and ``{(fold, seed): {img_path: (len(grid),) bool}}``.

    Raises:
        SystemExit: No run has a per-image file, two runs disagree on the grid, an image appears
            twice in one run, or a file is not what the metric writes (named).
    """
    grid: Optional[List[str]] = None
    runs: Runs = {}
    names = sorted(os.listdir(work_dir)) if osp.isdir(work_dir) else []
    for name in names:
        match = RUN_DIR.match(name)
        path = osp.join(work_dir, name, PER_IMAGE_FILE)
        if not match or not osp.isfile(path):
            continue
        try:
            with open(path) as f:
                data = json.load(f)
            keys, images = list(data['grid']), data['images']
            outcomes = {}
            for im in images:
                name = image_key(im['img_path'])
                if name in outcomes:
                    raise SystemExit(f'{path}: image {name} is listed twice')
                rows = np.asarray(im['correct'], dtype=bool)
                if rows.shape != (1, len(keys)):
                    raise SystemExit(f'{path}: {im["img_path"]} has outcome rows of shape '
                                     f'{rows.shape}, expected (1, {len(keys)}) (top-1 mode)')
                outcomes[name] = rows[0]
        except (ValueError, KeyError, TypeError) as e:
            raise SystemExit(f'{path}: not a per-image outcome file ({e!r})')
        if grid is not None and keys != grid:
            raise SystemExit(f'{path}: grid {keys} differs from the other folds\' {grid}')
        grid = keys
        runs[(int(match.group(1)), int(match.group(2) or 0))] = outcomes
    if not runs:
        raise SystemExit(f'{work_dir}: no fold has a {PER_IMAGE_FILE} (run '
                         'cornell_cross_validation.py on it again: it tests the trained folds)')
    return grid, runs


def check_same_split(work_dir_a: str, work_dir_b: str) -> None:
    """Refuse two work dirs whose ``split.json`` (folds, fold_by, object map, folders) differ
    (all but the data root, the object map by name: :func:`split_key`)."""
    params = []
    for work_dir in (work_dir_a, work_dir_b):
        path = osp.join(work_dir, 'split.json')
        if not osp.isfile(path):
            raise SystemExit(f'{path} is missing: not a cross-validation work dir')
        with open(path) as f:
            params.append(split_key(json.load(f)))
    differ = sorted(k for k in set(params[0]) | set(params[1])
                    if params[0].get(k) != params[1].get(k))
    if differ:
        raise SystemExit('the two runs used different folds: ' + ', '.join(
            f'{k} {params[0].get(k)!r} vs {params[1].get(k)!r}' for k in differ))


def compare(runs_a: Runs, runs_b: Runs, keys: Sequence[str], grid: Sequence[str]) -> Dict:
    """Paired comparison of two runs on the folds and seeds they share.

    Args:
        runs_a (Runs): The "before" runs (:func:`load_runs`).
        runs_b (Runs): The "after" runs.
        keys (Sequence[str]): Grid keys to compare, e.g. ``['acc_a30_iou25']``.
        grid (Sequence[str]): The grid of both runs (column order of the outcome rows).

    Returns:
        dict: ``folds``, ``seeds`` (per fold), ``images``, and per key ``vote`` (paired counts
        of the majority votes, pooled over folds), ``per_seed`` (``{seed: counts}``) and
        ``difference`` (mean and 95 % interval of the per-run accuracy difference, in points).

    Raises:
        SystemExit: No fold in common, or a fold's test images differ between the runs.
    """
    shared = sorted(set(runs_a) & set(runs_b))
    folds = sorted({fold for fold, _ in shared})
    if not folds:
        raise SystemExit('the two runs have no tested fold and seed in common')
    seeds = {fold: sorted(seed for f, seed in shared if f == fold) for fold in folds}
    columns = [list(grid).index(k) for k in keys]
    result = dict(folds=folds, seeds={str(f): s for f, s in seeds.items()}, images=0, keys={})
    votes_a: List[np.ndarray] = []
    votes_b: List[np.ndarray] = []
    per_seed: Dict[int, List[Tuple[np.ndarray, np.ndarray]]] = {}
    differences: List[np.ndarray] = []
    for fold in folds:
        images = sorted(runs_a[(fold, seeds[fold][0])])
        for seed in seeds[fold]:
            for side, runs in (('A', runs_a), ('B', runs_b)):
                if sorted(runs[(fold, seed)]) != images:
                    raise SystemExit(f'fold {fold} seed {seed}: run {side} tested other images '
                                     'than the first run of the fold; compare runs of one split')
        stack_a = np.stack([[runs_a[(fold, s)][im][columns] for im in images]
                            for s in seeds[fold]])  # (S, N, K)
        stack_b = np.stack([[runs_b[(fold, s)][im][columns] for im in images]
                            for s in seeds[fold]])
        votes_a.append(np.stack([majority_vote(stack_a[:, :, k]) for k in range(len(keys))], 1))
        votes_b.append(np.stack([majority_vote(stack_b[:, :, k]) for k in range(len(keys))], 1))
        for i, seed in enumerate(seeds[fold]):
            per_seed.setdefault(seed, []).append((stack_a[i], stack_b[i]))
            differences.append(100.0 * (stack_b[i].mean(0) - stack_a[i].mean(0)))  # (K,)
        result['images'] += len(images)
    va, vb = np.concatenate(votes_a), np.concatenate(votes_b)  # (N, K)
    diff = np.stack(differences)  # (runs, K)
    for k, key in enumerate(keys):
        entry = dict(vote=paired_counts(va[:, k], vb[:, k]), per_seed={})
        entry['vote']['acc_before'] = 100.0 * float(va[:, k].mean())
        entry['vote']['acc_after'] = 100.0 * float(vb[:, k].mean())
        for seed, pairs in sorted(per_seed.items()):
            a = np.concatenate([p[0][:, k] for p in pairs])
            b = np.concatenate([p[1][:, k] for p in pairs])
            entry['per_seed'][str(seed)] = paired_counts(a, b)
        mean, low, high = mean_interval(diff[:, k])
        entry['difference'] = dict(mean=mean, ci95=[low, high], runs=diff[:, k].tolist())
        result['keys'][key] = entry
    return result


def format_table(result: Dict) -> str:
    """The comparison as a text table (one row per angle)."""
    lines = [f'{result["images"]} test images, folds {result["folds"]}, seeds per fold '
             f'{result["seeds"]}; one vote per image = majority over seeds',
             f'{"threshold":<14} {"before":>7} {"after":>7} {"gained":>6} {"lost":>5} '
             f'{"p":>7}  {"per-run difference, points [95 %]":<36} per seed gained/lost']
    for key, e in result['keys'].items():
        v, d = e['vote'], e['difference']
        seeds = ', '.join(f'{s}: {c["gained"]}/{c["lost"]}' for s, c in e['per_seed'].items())
        lines.append(f'{key:<14} {v["acc_before"]:7.1f} {v["acc_after"]:7.1f} {v["gained"]:6d} '
                     f'{v["lost"]:5d} {v["p"]:7.3f}  {d["mean"]:+6.1f} [{d["ci95"][0]:+6.1f}, '
                     f'{d["ci95"][1]:+6.1f}]{"":<17} {seeds}')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    check_same_split(args.work_dir_a, args.work_dir_b)
    grid_a, runs_a = load_runs(args.work_dir_a)
    grid_b, runs_b = load_runs(args.work_dir_b)
    if grid_a != grid_b:
        raise SystemExit(f'the runs were scored on different grids: {grid_a} vs {grid_b}')
    keys = [angle_key(a) for a in args.angles]
    missing = [k for k in keys if k not in grid_a]
    if missing:
        raise SystemExit(f'{missing} not in the metric grid {grid_a}')
    result = compare(runs_a, runs_b, keys, grid_a)
    result.update(before=args.work_dir_a, after=args.work_dir_b)
    print(f'A (before) = {args.work_dir_a}\nB (after)  = {args.work_dir_b}')
    print(format_table(result))
    if args.out:
        write_json_atomic(args.out, result)
        print(f'written to {args.out}')
    return result


if __name__ == '__main__':
    main()
