# Copyright (c) mmgrasp contributors. All rights reserved.
"""Keep a cross-validation run's per-image outcomes in the repository, where they outlive its
work dir.

    python tools/analysis_tools/archive_cv_run.py WORK_DIR RECORD_DIR [--note TEXT]

A 2-seed object-wise Cornell CV costs hours of two CPU cores, and its work dir (checkpoints,
logs) does not outlive the machine. What a paired comparison needs is small: the folds
(``split.json``) and every test image's outcome (``fold<K>[_seed<S>]/test_per_image.json``, a few
kB). This copies those, with each image named by its folder and file (``01/pcd0100r.png``) and the
data root by its name, plus each fold's ``test_metrics.json``, into ``RECORD_DIR`` (by convention
``docs/cv_records/<run name>/``), and writes ``record.json`` (where they came from: work dir,
commit, date, note). ``compare_cv_runs.py`` reads a record as it reads a work dir, so a lever
trained in one session is paired with a baseline trained in another, on another machine.

A record grows as folds finish: archiving the same work dir again adds the new folds. Nothing is
overwritten: a fold already in the record must be identical, a different one is refused (named),
and ``split.json`` must agree.
"""
import argparse
import json
import os
import os.path as osp
import re
import subprocess
import time
from typing import Dict, List, Optional

from mmgrasp.utils.cv_record_keys import image_key, split_key
from mmgrasp.utils.json_io import write_json_atomic

RUN_DIR = re.compile(r'^fold(\d+)(?:_seed(\d+))?$')
PER_IMAGE_FILE = 'test_per_image.json'
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


def put(path: str, obj: Dict) -> bool:
    """Write ``obj`` to ``path`` unless the same is there; refuse to change what is there.

    Returns:
        bool: Whether the file was written (False: already archived, identical).
    """
    if osp.exists(path):
        if read_json(path) == obj:
            return False
        raise SystemExit(f'{path} is already in the record with other contents: a record is '
                         'never overwritten (archive the run under another name)')
    write_json_atomic(path, obj)
    return True


def git_commit(path: str) -> Optional[str]:
    """The commit checked out where this tool runs (None outside git)."""
    try:
        out = subprocess.run(['git', '-C', path, 'rev-parse', 'HEAD'], capture_output=True,
                             text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def archive(work_dir: str, record_dir: str, note: str = '') -> List[str]:
    """Copy a run's split and per-image outcomes into a record.

    Args:
        work_dir (str): A cross-validation work dir.
        record_dir (str): The record's folder (created if needed).
        note (str): What the run is, kept in ``record.json``.

    Returns:
        list[str]: The fold folders newly archived.

    Raises:
        SystemExit: No split or no tested fold, a malformed file, or a record that would change.
    """
    split = split_key(read_json(osp.join(work_dir, 'split.json')))
    put(osp.join(record_dir, 'split.json'), split)
    added, folds = [], []
    for name in sorted(os.listdir(work_dir)):
        source = osp.join(work_dir, name, PER_IMAGE_FILE)
        if not RUN_DIR.match(name) or not osp.isfile(source):
            continue
        folds.append(name)
        if put(osp.join(record_dir, name, PER_IMAGE_FILE),
               portable_outcomes(read_json(source), source)):
            added.append(name)
        metrics = osp.join(work_dir, name, METRICS_FILE)
        if osp.isfile(metrics):
            put(osp.join(record_dir, name, METRICS_FILE), read_json(metrics))
    if not folds:
        raise SystemExit(f'{work_dir}: no fold has a {PER_IMAGE_FILE}')
    info_path = osp.join(record_dir, 'record.json')
    info = read_json(info_path) if osp.exists(info_path) else dict(archived=[])
    if added or not osp.exists(info_path):
        info['archived'].append(dict(
            folds=added, work_dir=osp.basename(osp.normpath(work_dir)),
            commit=git_commit(osp.dirname(osp.abspath(__file__))),
            date=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()), note=note))
        write_json_atomic(info_path, info)
    return added


def main(argv: Optional[List[str]] = None) -> List[str]:
    args = parse_args(argv)
    added = archive(args.work_dir, args.record_dir, args.note)
    news = f'added {", ".join(added)}' if added else 'nothing new (every fold already archived)'
    print(f'{args.record_dir}: {news}')
    return added


if __name__ == '__main__':
    main()
