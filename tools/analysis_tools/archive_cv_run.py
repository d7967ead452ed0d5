# Copyright (c) mmgrasp contributors. All rights reserved.
"""Keep a cross-validation run's per-image outcomes in the repository, where they outlive its
work dir.

    python tools/analysis_tools/archive_cv_run.py WORK_DIR RECORD_DIR [--note TEXT]

A 2-seed object-wise Cornell CV costs hours of two CPU cores, and its work dir (checkpoints,
logs) does not outlive the machine. What a paired comparison needs is small: the folds
(``split.json``) and every test image's outcome (``fold<K>[_seed<S>]/test_per_image.json``, a few
kB). This copies those, with each image named by its folder and file (``01/pcd0100r.png``) and the
data root by its name, plus each fold's ``test_metrics.json``, into ``RECORD_DIR`` (by convention
``docs/cv_records/<run name>/``), and writes ``record.json``: the run (its work dir's name and
config files) and, per archiving, the folds added, the commit checked out when they were
archived, the date and a note. ``compare_cv_runs.py`` reads a record as it reads a work dir, so
a lever trained in one session is paired with a baseline trained in another, on another machine.

A record grows as folds finish: archiving the same run again adds the new folds. Nothing is
overwritten and nothing is half-archived: a fold already in the record must be identical, a
different one is refused (named), ``split.json`` must agree, another run (work dir name or
config) is refused, and every check passes before the first file is written.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import time
from typing import Dict, List, Optional

from mmgrasp.utils.cv_record_keys import PER_IMAGE_FILE, RUN_DIR, image_key, split_key
from mmgrasp.utils.json_io import write_json_atomic

METRICS_FILE = 'test_metrics.json'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('work_dir', help='a cornell_cross_validation.py work dir (or a --retest '
                        'subfolder of one)')
    parser.add_argument('record_dir', help='where the record goes, e.g. docs/cv_records/NAME')
    parser.add_argument('--note', default='', help='what the run is (config, options)')
    return parser.parse_args(argv)


def read_json(path: str) -> Dict:
    """A JSON file, or a SystemExit naming it."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise SystemExit(f'{path}: cannot read it as JSON ({e})')


def portable_outcomes(data: Dict, path: str) -> Dict:
    """A per-image file with each ``img_path`` reduced to ``folder/file`` (checked)."""
    try:
        images = [dict(img_path=image_key(im['img_path']), correct=im['correct'])
                  for im in data['images']]
        grid = list(data['grid'])
    except (KeyError, TypeError) as e:
        raise SystemExit(f'{path}: not a per-image outcome file ({e!r})')
    names = [im['img_path'] for im in images]
    if len(set(names)) != len(names):
        raise SystemExit(f'{path}: two images share a folder and file name')
    return dict(grid=grid, images=images)


def differs(path: str, obj: Dict) -> bool:
    """Whether ``obj`` is new at ``path`` (False: the same is there); refuse a change."""
    if osp.exists(path):
        if read_json(path) == obj:
            return False
        raise SystemExit(f'{path} is already in the record with other contents: a record is '
                         'never overwritten (archive the run under another name)')
    return True


def git_commit(path: str) -> Optional[str]:
    """The commit checked out where this tool runs (None outside git)."""
    try:
        out = subprocess.run(['git', '-C', path, 'rev-parse', 'HEAD'], capture_output=True,
                             text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def run_identity(work_dir: str, folds: List[str]) -> Dict:
    """What a run is: its work dir's name and the config files its folds were trained with."""
    configs = sorted({name for fold in folds for name in os.listdir(osp.join(work_dir, fold))
                      if name.endswith('.py')})
    return dict(work_dir=osp.basename(osp.normpath(work_dir)), configs=configs)


def archive(work_dir: str, record_dir: str, note: str = '') -> List[str]:
    """Copy a run's split and per-image outcomes into a record.

    Every file is read and checked against the record first; only then is anything written, so
    a refused archive leaves the record as it was.

    Args:
        work_dir (str): A cross-validation work dir.
        record_dir (str): The record's folder (created if needed).
        note (str): What the run is, kept in ``record.json``.

    Returns:
        list[str]: The fold folders newly archived.

    Raises:
        SystemExit: No split or no tested fold, a malformed file, a record of another run
            (another work dir name or config), or a file of the record that would change.
    """
    split = split_key(read_json(osp.join(work_dir, 'split.json')))
    folds = [name for name in sorted(os.listdir(work_dir)) if RUN_DIR.match(name)
             and osp.isfile(osp.join(work_dir, name, PER_IMAGE_FILE))]
    if not folds:
        raise SystemExit(f'{work_dir}: no fold has a {PER_IMAGE_FILE}')
    identity = run_identity(work_dir, folds)
    info_path = osp.join(record_dir, 'record.json')
    info = read_json(info_path) if osp.exists(info_path) else dict(run=identity, archived=[])
    if not isinstance(info.get('archived'), list) or 'run' not in info:
        raise SystemExit(f'{info_path}: not a record file (no "run" and "archived")')
    if info['run'] != identity:
        raise SystemExit(f'{record_dir} holds another run ({info["run"]}), not {identity}: '
                         'archive this one under another name')
    writes = []  # (path, object), all checked before the first is written
    if differs(osp.join(record_dir, 'split.json'), split):
        writes.append((osp.join(record_dir, 'split.json'), split))
    added = []
    for name in folds:
        source = osp.join(work_dir, name, PER_IMAGE_FILE)
        target = osp.join(record_dir, name, PER_IMAGE_FILE)
        outcomes = portable_outcomes(read_json(source), source)
        if differs(target, outcomes):
            writes.append((target, outcomes))
            added.append(name)
        metrics_file = osp.join(work_dir, name, METRICS_FILE)
        if osp.isfile(metrics_file):
            target, metrics = osp.join(record_dir, name, METRICS_FILE), read_json(metrics_file)
            if differs(target, metrics):
                writes.append((target, metrics))
    if added or not osp.exists(info_path):
        info['archived'].append(dict(
            folds=added, archived_at_commit=git_commit(osp.dirname(osp.abspath(__file__))),
            date=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()), note=note))
        writes.append((info_path, info))  # last: it lists what the others hold
    for path, obj in writes:
        write_json_atomic(path, obj)
    return added


def main(argv: Optional[List[str]] = None) -> List[str]:
    args = parse_args(argv)
    added = archive(args.work_dir, args.record_dir, args.note)
    news = f'added {", ".join(added)}' if added else 'nothing new (every fold already archived)'
    print(f'{args.record_dir}: {news}')
    return added


if __name__ == '__main__':
    main()
