# Copyright (c) mmgrasp contributors. All rights reserved.
"""Evaluate a grasp detector: ``python tools/test.py CONFIG CHECKPOINT [--out results.pkl]``."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmgrasp.utils import setup_cpu_distributed, teardown_distributed, write_json_atomic


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a grasp detector')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the directory to save the evaluation metrics')
    parser.add_argument('--out', type=str,
                        help='dump predictions to a pickle file (.pkl) for offline evaluation')
    parser.add_argument('--metrics-out', type=str,
                        help='also write the metrics to this JSON file (written atomically)')
    parser.add_argument('--show', action='store_true', help='show prediction results')
    parser.add_argument('--show-dir',
                        help='directory where painted images will be saved (inside work_dir)')
    parser.add_argument('--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument('--tta', action='store_true',
                        help="test-time augmentation: the config's tta_pipeline views, merged "
                        'by its tta_model (docs/evaluation_protocol.md)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, e.g. test_dataloader.batch_size=2')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def trigger_visualization_hook(cfg: Config, args: argparse.Namespace) -> Config:
    """Turn on the grasp visualization hook for --show / --show-dir."""
    default_hooks = cfg.default_hooks
    if 'visualization' not in default_hooks:
        raise RuntimeError('--show/--show-dir need a "visualization" entry in default_hooks '
                           '(e.g. dict(type="mmdet.DetVisualizationHook") with the '
                           'GraspLocalVisualizer) '
                           'in the config')
    hook = default_hooks['visualization']
    hook['draw'] = True
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        hook['test_out_dir'] = args.show_dir
    return cfg


def use_tta(cfg: Config, config_path: str) -> Config:
    """Wrap the model in the config's ``tta_model`` and test on its ``tta_pipeline`` views."""
    missing = [k for k in ('tta_model', 'tta_pipeline') if not cfg.get(k)]
    if missing:
        raise ValueError(f'{config_path}: --tta needs {" and ".join(missing)} in the config '
                         '(see configs/_base_/datasets/cornell_grasp.py)')
    # the views must be views of what the plain test sees: the steps before TestTimeAug are the
    # test pipeline's steps before its packing (a config that inherits another dataset's
    # tta_pipeline would otherwise be tested on other images)
    test_steps = list(cfg.test_dataloader.dataset.pipeline)
    tta_steps = [s for s in cfg.tta_pipeline if not str(s['type']).endswith('TestTimeAug')]
    if [dict(s) for s in tta_steps] != [dict(s) for s in test_steps[:-1]]:
        raise ValueError(f'{config_path}: --tta: the tta_pipeline\'s steps before TestTimeAug '
                         f'{[s["type"] for s in tta_steps]} are not the test pipeline\'s '
                         f'{[s["type"] for s in test_steps[:-1]]}: write a tta_pipeline for '
                         'this config')
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    cfg.model = dict(**cfg.tta_model, module=cfg.model)
    return cfg


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])

    cfg.load_from = args.checkpoint
    if args.tta:
        cfg = use_tta(cfg, args.config)
    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)

    setup_cpu_distributed(cfg)  # --launcher pytorch on a machine without GPUs: gloo
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out must be a .pkl or .pickle file, got {args.out}')
        from mmdet.evaluation import DumpDetResults
        runner.test_evaluator.metrics.append(DumpDetResults(out_file_path=args.out))
    metrics = runner.test()
    teardown_distributed()
    print_summary(metrics)
    if args.metrics_out:
        write_json_atomic(args.metrics_out, {k: float(v) for k, v in metrics.items()})


def print_summary(metrics: dict) -> None:
    """Print the metrics as a small table: rates in percent, counts and degrees as they are.

    Rates are the ``grasp/`` and ``object/`` keys (but ``object/num_objects``); the
    ``refine/`` keys of ``RefinementEffectMetric`` are numbers of images and degrees.
    """
    rows = []
    for key, value in (metrics or {}).items():
        if not isinstance(value, (int, float)):
            continue
        name = key.split('/', 1)[-1]
        if key.startswith(('grasp/', 'object/')) and name != 'num_objects':
            rows.append((name, f'{value * 100:6.2f} %'))
        else:
            rows.append((key, f'{value:6.2f}'))
    if not rows:
        return
    width = max(len(k) for k, _ in rows)
    print('\n'.join(['', 'Results:'] + [f'  {k:<{width}}  {v}' for k, v in rows]))


if __name__ == '__main__':
    main()
