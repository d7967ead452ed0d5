# Copyright (c) mmgrasp contributors. All rights reserved.
"""Which images every shipped config and cross-validation tool puts on each side, pinned.

Every dataset of ``configs/_base_/datasets/*.py`` and ``configs/grasp/*.py`` (train, val and test
loaders), every fold of the cross-validation tools as they set it (``cornell_cross_validation.py``
with and without ``--validate``, ``jacquard_cross_validation.py`` with ``--fold-by object`` and
``image``, ``refine_head_study.py``'s ``split_dataset_cfg``, ``ocid_cross_validation.py``) and a
few library-level combinations (object-wise Cornell folds from a map, the grasp JSON folds) is
built on the data at hand: the real Cornell folder 01 (with ``01_objects.txt``) and Jacquard
samples of ``../shared/data``, 20 generated synthetic scenes, the OCID_grasp fixture with a second
training sequence, and grasp JSON files converted from them. The sorted image ids of each side are
reduced to their count and a sha256 prefix and compared with ``tests/data/split_membership.json``,
which was written from the code before the split logic was unified (issue 25): a refactoring of
the splits must leave every side exactly as it was.

When a change of membership is intended (a new config, a new case), rewrite the file with::

    python tests/test_datasets/test_split_membership.py --write

and say why in the commit. ``--dump FILE`` writes the ids themselves.
"""
import argparse
import copy
import glob
import hashlib
import importlib.util
import json
import os.path as osp
import shutil
import sys
import tempfile
from typing import Dict, Iterator, List, Optional, Tuple

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
FINGERPRINT_FILE = osp.join(REPO_ROOT, 'tests', 'data', 'split_membership.json')
OCID_FIXTURE = osp.join(REPO_ROOT, 'tests', 'data', 'ocid')
PHASES = ('train', 'val', 'test')
NUM_FOLDS = 5


def _configs(pattern: str) -> List[str]:
    return sorted(glob.glob(osp.join(REPO_ROOT, 'configs', pattern)))


def _rel(path: str) -> str:
    return osp.relpath(path, REPO_ROOT)


def _tool(name: str):
    """A module of ``tools/analysis_tools`` (they are scripts, not a package)."""
    path = osp.join(REPO_ROOT, 'tools', 'analysis_tools', f'{name}.py')
    spec = importlib.util.spec_from_file_location(f'_membership_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _with_options(cfg, options: List[str]):
    """``cfg`` with ``--cfg-options`` entries applied as ``tools/train.py`` applies them."""
    from mmengine.config import DictAction
    cfg = copy.deepcopy(cfg)
    cfg.merge_from_dict(
        {key: DictAction._parse_iterable(value)
         for key, value in (option.split('=', 1) for option in options)})
    return cfg


# ------------------------------------------------------------------------------------------------
# the data
def make_roots(tmp_dir: str, cornell_root: str, jacquard_root: str) -> Dict[str, str]:
    """The roots the cases are built on; the fixtures are written under ``tmp_dir``.

    Args:
        tmp_dir (str): An empty folder.
        cornell_root (str): The shared Cornell folder (``01/`` and ``01_objects.txt``).
        jacquard_root (str): The shared Jacquard samples (``<objectID>/...``).

    Returns:
        dict[str, str]: ``cornell``, ``jacquard``, ``synthetic`` and ``ocid`` roots, and the
        grasp JSON files ``own`` (the OCID fixture, its lists as image splits, sequences as
        groups), ``jacquard_json`` (objects as groups) and ``cornell_json`` (folder 01, objects
        of ``01_objects.txt`` as groups).
    """
    from mmgrasp.datasets import generate_synthetic_dataset
    from mmgrasp.datasets.converters import (cornell_to_grasp_json, jacquard_to_grasp_json,
                                             ocid_to_grasp_json)
    synthetic = osp.join(tmp_dir, 'synthetic')
    generate_synthetic_dataset(synthetic, num=20, size=64, seed=0)
    # the OCID fixture with a second training sequence (a copy of the first), so that a whole
    # sequence can be held out as in the release
    ocid = osp.join(tmp_dir, 'ocid')
    shutil.copytree(OCID_FIXTURE, ocid)
    shutil.copytree(osp.join(ocid, 'ARID20/table/top/seq08'),
                    osp.join(ocid, 'ARID20/table/top/seq09'))
    split = osp.join(ocid, 'data_split', 'training_0.txt')
    with open(split) as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    with open(split, 'w') as f:
        f.write('\n'.join(lines + [line.replace('seq08', 'seq09') for line in lines]) + '\n')
    own = osp.join(ocid, 'grasps.json')
    ocid_to_grasp_json(ocid, own, {'train': 'data_split/training_0.txt',
                                   'test': 'data_split/validation_0.txt'})
    jacquard_json = osp.join(tmp_dir, 'jacquard.json')
    jacquard_to_grasp_json(jacquard_root, jacquard_json, root=jacquard_root)
    cornell_json = osp.join(tmp_dir, 'cornell.json')
    cornell_to_grasp_json(cornell_root, cornell_json, folders=['01'],
                          object_map_file='01_objects.txt', root=cornell_root)
    return dict(cornell=cornell_root, jacquard=jacquard_root, synthetic=synthetic, ocid=ocid,
                own=own, jacquard_json=jacquard_json, cornell_json=cornell_json)


def _localise(dataset_cfg: dict, roots: Dict[str, str]) -> dict:
    """A config's dataset pointed at the data at hand."""
    cfg = copy.deepcopy(dict(dataset_cfg))
    kind = cfg['type']
    if kind == 'CornellGraspDataset':
        cfg['data_root'] = roots['cornell']
    elif kind == 'JacquardGraspDataset':
        cfg['data_root'] = roots['jacquard']
    elif kind == 'OCIDGraspDataset':
        cfg['data_root'] = roots['synthetic' if 'synthetic' in cfg['data_root'] else 'ocid']
    elif kind == 'GraspJsonDataset':
        if not osp.isabs(cfg.get('ann_file', '')):
            cfg['ann_file'], cfg['data_root'] = roots['own'], None
    else:
        raise ValueError(f'no data at hand for {kind}')
    return cfg


# ------------------------------------------------------------------------------------------------
# the cases: (name, dataset config)
def config_cases(roots: Dict[str, str]) -> Iterator[Tuple[str, dict]]:
    """The three loaders of every shipped config."""
    from mmengine.config import Config
    for path in _configs(osp.join('_base_', 'datasets', '*.py')) + _configs('grasp/*.py'):
        cfg = Config.fromfile(path)
        if cfg.get('own_data') is not None:  # own_grasp.py: the own-objects configs' sides
            for phase in PHASES:
                yield (f'config/{_rel(path)}/{phase}',
                       _localise(dict(cfg.own_data, split=phase,
                                      test_mode=phase != 'train'), roots))
            continue
        for phase in PHASES:
            loader = cfg.get(f'{phase}_dataloader')
            if loader:
                yield f'config/{_rel(path)}/{phase}', _localise(loader.dataset, roots)


def cornell_tool_cases(roots: Dict[str, str]) -> Iterator[Tuple[str, dict]]:
    """``cornell_cross_validation.py``: each fold as its train.py and test.py runs see it."""
    from mmengine.config import Config
    tool = _tool('cornell_cross_validation')
    for path in _configs('grasp/*cornell*.py'):
        cfg = Config.fromfile(path)
        for mode in ('default', 'validate'):
            argv = ['cornell_cross_validation.py', path, '--data-root', roots['cornell']]
            if mode == 'validate':
                argv.append('--validate')
            saved, sys.argv = sys.argv, argv
            try:
                args = tool.parse_args()
            finally:
                sys.argv = saved
            for fold in range(NUM_FOLDS):
                opts = tool.fold_options(args, fold)
                name = f'tool/cornell_cross_validation/{_rel(path)}/{mode}/fold{fold}'
                trained = _with_options(cfg, opts + ([] if args.validate else tool.NO_VALIDATION))
                yield f'{name}/train', dict(trained.train_dataloader.dataset)
                if args.validate:
                    yield f'{name}/val', dict(trained.val_dataloader.dataset)
                tested = _with_options(cfg, opts)
                yield f'{name}/test', dict(tested.test_dataloader.dataset)
                sweep = opts + ['test_dataloader.dataset.split=train']
                if not args.validate:
                    sweep.append('test_dataloader.dataset.val_ratio=0')
                yield (f'{name}/sweep_train',
                       dict(_with_options(cfg, sweep).test_dataloader.dataset))


def jacquard_tool_cases(roots: Dict[str, str]) -> Iterator[Tuple[str, dict]]:
    """``jacquard_cross_validation.py``: each fold, object- and image-wise, of every variant's
    config and of the refinement study's Det_Seg config."""
    from mmengine.config import Config
    tool = _tool('jacquard_cross_validation')
    paths = sorted(set(tool.VARIANTS.values())
                   | set(_configs('grasp/det_seg_mobilenetv2_fpn_jacquard_48e.py')))
    for path in paths:
        cfg = Config.fromfile(path)
        for fold_by in ('object', 'image'):
            args = tool.parse_args(['--data-root', roots['jacquard'], '--fold-by', fold_by])
            for fold in range(NUM_FOLDS):
                opts = tool.fold_options(args, fold)
                name = f'tool/jacquard_cross_validation/{_rel(path)}/{fold_by}/fold{fold}'
                trained = _with_options(cfg, opts + tool.NO_VALIDATION)
                yield f'{name}/train', dict(trained.train_dataloader.dataset)
                yield f'{name}/test', dict(_with_options(cfg, opts).test_dataloader.dataset)


def refine_study_cases(roots: Dict[str, str]) -> Iterator[Tuple[str, dict]]:
    """``refine_head_study.py``: the three cached sides of each fold."""
    tool = _tool('refine_head_study')
    args = tool.parse_args(['--data-root', roots['jacquard']])
    cfg = tool.refine_config(args, args.forms[0], 'eq9')
    for fold in range(NUM_FOLDS):
        for split in PHASES:
            yield (f'tool/refine_head_study/fold{fold}/{split}',
                   tool.split_dataset_cfg(args, cfg, fold, split))


def ocid_tool_cases(roots: Dict[str, str]) -> Iterator[Tuple[str, dict]]:
    """``ocid_cross_validation.py``: split 0 (the only one of the fixture)."""
    from mmengine.config import Config
    tool = _tool('ocid_cross_validation')
    for path in _configs('grasp/*_ocid.py'):
        cfg = Config.fromfile(path)
        args = tool.parse_args([path, '--data-root', roots['ocid']])
        opts = tool.split_options(args, 0)
        for phase in PHASES:
            loader = _with_options(cfg, opts).get(f'{phase}_dataloader')
            yield (f'tool/ocid_cross_validation/{_rel(path)}/split0/{phase}',
                   dict(loader.dataset))


def library_cases(roots: Dict[str, str]) -> Iterator[Tuple[str, dict]]:
    """Combinations no config ships but users write (the spellings of before issue 25)."""
    cornell = dict(type='CornellGraspDataset', data_root=roots['cornell'], pipeline=[])
    for fold in range(NUM_FOLDS):
        for split in ('train', 'val', 'trainval', 'test'):
            yield (f'lib/cornell/object_map/fold{fold}/{split}',
                   dict(cornell, fold=fold, split=split, val_ratio=0.1,
                        object_map_file='01_objects.txt', test_mode=split != 'train'))
    for split in PHASES:
        yield (f'lib/cornell/object_map/seed1/fold2/{split}',
               dict(cornell, fold=2, split=split, val_ratio=0.2, split_seed=1,
                    object_map_file='01_objects.txt'))
        yield (f'lib/cornell/image/3folds/seed1/fold2/{split}',
               dict(cornell, fold=2, num_folds=3, split=split, val_ratio=0.2, split_seed=1))
        yield (f'lib/cornell/folders01/fold4/{split}',
               dict(cornell, fold=4, split=split, val_ratio=0.1, folders=['01']))
    jacquard = dict(type='JacquardGraspDataset', data_root=roots['jacquard'], pipeline=[])
    for split in PHASES + ('trainval', 'all'):
        yield (f'lib/jacquard/ratio/val0.25/{split}',
               dict(jacquard, split=split, val_ratio=0.25))
        yield (f'lib/jacquard/ratio/test0.2/seed3/{split}',
               dict(jacquard, split=split, test_ratio=0.2, split_seed=3, val_ratio=0.1))
    for fold_by in ('object', 'image'):
        for fold in (0, 3):
            for split in PHASES:
                yield (f'lib/jacquard/{fold_by}/val0.25/seed2/fold{fold}/{split}',
                       dict(jacquard, fold=fold, fold_by=fold_by, split=split, val_ratio=0.25,
                            split_seed=2))
    grasp_json_folds = [('jacquard_json', 'group', 3), ('jacquard_json', 'image', 0)]
    grasp_json_folds += [('cornell_json', fold_by, fold) for fold_by in ('group', 'image')
                         for fold in (1, 4)]
    for key, fold_by, fold in grasp_json_folds:
        for split in PHASES:
            yield (f'lib/grasp_json/{key}/{fold_by}/fold{fold}/{split}',
                   dict(type='GraspJsonDataset', ann_file=roots[key], pipeline=[], fold=fold,
                        fold_by=fold_by, split=split, val_ratio=0.25))
    own = dict(type='GraspJsonDataset', ann_file=roots['own'], pipeline=[])
    for split in PHASES + ('trainval', 'all'):
        yield (f'lib/grasp_json/own/fields/group/val0.5/{split}',
               dict(own, split=split, fold_by='group', val_ratio=0.5))
        yield (f'lib/grasp_json/own/fields/image/val0.5/seed4/{split}',
               dict(own, split=split, val_ratio=0.5, split_seed=4))
    ocid = dict(type='OCIDGraspDataset', data_root=roots['ocid'], pipeline=[],
                ann_file='data_split/training_0.txt')
    for split in ('train', 'val', 'trainval', 'all'):
        for val_group in ('sequence', 'image'):
            yield (f'lib/ocid/{val_group}/val0.5/{split}',
                   dict(ocid, split=split, val_ratio=0.5, val_group=val_group))


CASES = (config_cases, cornell_tool_cases, jacquard_tool_cases, refine_study_cases,
         ocid_tool_cases, library_cases)


# ------------------------------------------------------------------------------------------------
def compute_membership(roots: Dict[str, str]) -> Dict[str, List[str]]:
    """The sorted image ids of every case (each distinct dataset config is built once).

    Args:
        roots (dict[str, str]): From :func:`make_roots`.

    Returns:
        dict[str, list[str]]: Case name -> sorted ids.
    """
    from mmengine.registry import init_default_scope

    from mmgrasp.registry import DATASETS
    init_default_scope('mmgrasp')
    built: Dict[str, List[str]] = {}
    membership: Dict[str, List[str]] = {}
    for cases in CASES:
        for name, dataset_cfg in cases(roots):
            if name in membership:
                raise ValueError(f'case {name} twice')
            key = json.dumps(dataset_cfg, sort_keys=True, default=str)
            if key not in built:  # (serialising the data list would only cost time here)
                dataset = DATASETS.build(dict(copy.deepcopy(dataset_cfg), serialize_data=False))
                built[key] = sorted(str(info['img_id']) for info in dataset.data_list)
            membership[name] = built[key]
    return membership


def fingerprint(membership: Dict[str, List[str]]) -> Dict[str, List]:
    """``{case: [count, sha256 prefix of the sorted ids joined by newlines]}``."""
    return {name: [len(ids), hashlib.sha256('\n'.join(ids).encode()).hexdigest()[:16]]
            for name, ids in sorted(membership.items())}


def _differences(expected: Dict[str, List], actual: Dict[str, List]) -> List[str]:
    lines = [f'missing case {n}' for n in sorted(set(expected) - set(actual))]
    lines += [f'new case {n} (rewrite the fingerprints if intended)'
              for n in sorted(set(actual) - set(expected))]
    lines += [f'{n}: {expected[n][0]} ids {expected[n][1]} before, {actual[n][0]} ids '
              f'{actual[n][1]} now' for n in sorted(set(expected) & set(actual))
              if expected[n] != actual[n]]
    return lines


def test_split_membership_is_pinned(cornell_root, jacquard_root, tmp_path):
    roots = make_roots(str(tmp_path), cornell_root, jacquard_root)
    actual = fingerprint(compute_membership(roots))
    with open(FINGERPRINT_FILE) as f:
        expected = json.load(f)['cases']
    differences = _differences(expected, actual)
    assert not differences, (f'{len(differences)} side(s) changed:\n'
                             + '\n'.join(differences[:40]))
    assert all(count > 0 for count, _ in actual.values()), 'an empty side'


def _main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--write', action='store_true',
                        help=f'rewrite {_rel(FINGERPRINT_FILE)} from the current code')
    parser.add_argument('--dump', help='write the ids of every case to this JSON file')
    args = parser.parse_args(argv)
    sys.path.insert(0, REPO_ROOT)
    from mmgrasp.testing._utils import shared_data_root
    shared = shared_data_root()
    with tempfile.TemporaryDirectory() as tmp:
        roots = make_roots(tmp, osp.join(shared, 'cornell'),
                           osp.join(shared, 'jacquard', 'Samples'))
        membership = compute_membership(roots)
    prints = fingerprint(membership)
    if args.dump:
        with open(args.dump, 'w') as f:
            json.dump(membership, f, indent=1, sort_keys=True)
        print(f'ids of {len(membership)} cases written to {args.dump}')
    if args.write:
        with open(FINGERPRINT_FILE, 'w') as f:
            f.write('{\n "about": "count and sha256[:16] of the sorted image ids of each side: '
                    'tests/test_datasets/test_split_membership.py",\n "cases": {\n')
            f.write(',\n'.join(f'  {json.dumps(n)}: {json.dumps(v)}' for n, v in prints.items()))
            f.write('\n }\n}\n')
        print(f'{len(prints)} fingerprints written to {FINGERPRINT_FILE}')
    elif osp.isfile(FINGERPRINT_FILE):
        with open(FINGERPRINT_FILE) as f:
            differences = _differences(json.load(f)['cases'], prints)
        print('\n'.join(differences) or f'all {len(prints)} sides as pinned')


if __name__ == '__main__':
    _main()
