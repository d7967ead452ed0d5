# Copyright (c) mmgrasp contributors. All rights reserved.
"""Accuracy of a trained model under a change of light and a shift (issue 6's robustness check).

    python tools/analysis_tools/robustness.py CONFIG CHECKPOINT \
        [--brightness -20 20] [--shift 30] [--out robustness.json] [--cfg-options ...]

Runs the config's test set once per condition: ``plain``, brightness changed by each percentage
(the image times ``1 + pct/100``, clipped) and the image shifted by ``--shift`` pixels right,
left, down and up (``GraspTranslate``; before Cornell's centre crop, so the object moves in the
window with real image content around it). The perturbation goes right after the pipeline's
loading steps; predictions and ground truth are compared in the original image. Prints the main
accuracy per condition and its change from ``plain``; ``--out`` writes every metric per
condition as JSON (atomically).
"""
import argparse
import os.path as osp
import tempfile
import time
from typing import Dict, Optional

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmgrasp.evaluation import insert_after_loading, robustness_conditions
from mmgrasp.utils import register_all_modules, write_json_atomic

MAIN_KEY = 'grasp/acc_a30_iou25'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Accuracy under brightness changes and shifts')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--brightness', type=int, nargs='*', default=[-20, 20],
                        help='brightness changes in percent (default: -20 20)')
    parser.add_argument('--shift', type=int, default=30,
                        help='shift in pixels, in 4 directions (default: 30; 0: none)')
    parser.add_argument('--out', help='write {condition: metrics} to this JSON file')
    parser.add_argument('--work-dir', help='where the runners log (default: a temporary folder)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, e.g. test_dataloader.num_workers=0')
    return parser.parse_args()


def evaluate_conditions(cfg: Config, checkpoint: str, conditions: Dict[str, list],
                        work_dir: str) -> Dict[str, Dict[str, float]]:
    """Test ``checkpoint`` once per condition.

    Args:
        cfg (Config): The model's config (its ``test_dataloader`` and ``test_evaluator``).
        checkpoint (str): Checkpoint file.
        conditions (dict[str, list[dict]]): Name -> transforms to insert after loading.
        work_dir (str): Folder for the runners' logs.

    Returns:
        dict[str, dict[str, float]]: Metrics per condition.
    """
    dataset = cfg.test_dataloader.dataset
    if 'pipeline' not in dataset:
        raise ValueError(f'test_dataloader.dataset ({dataset.get("type")}) has no pipeline to '
                         'perturb')
    results = {}
    stamp = time.strftime('%Y%m%d_%H%M%S')
    for name, transforms in conditions.items():
        run_cfg = cfg.copy()
        run_cfg.test_dataloader.dataset.pipeline = insert_after_loading(dataset.pipeline,
                                                                        transforms)
        run_cfg.load_from = checkpoint
        run_cfg.work_dir = work_dir
        run_cfg.experiment_name = f'robustness_{stamp}_{len(results)}'
        run_cfg.default_hooks.pop('visualization', None)
        if run_cfg.get('visualizer') is not None:
            run_cfg.visualizer.name = run_cfg.experiment_name  # one instance per run
        runner = Runner.from_cfg(run_cfg)
        metrics = runner.test()
        results[name] = {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float))}
    return results


def format_table(results: Dict[str, Dict[str, float]], key: str = MAIN_KEY) -> str:
    """The main accuracy per condition and its change from ``plain``, in percent."""
    plain: Optional[float] = results.get('plain', {}).get(key)
    width = max(len(n) for n in results)
    lines = [f'{"condition":<{width}}  {key.split("/", 1)[-1]:>14}  change']
    for name, metrics in results.items():
        value = metrics.get(key, float('nan')) * 100
        change = '' if plain is None or name == 'plain' else f'{value - plain * 100:+6.2f}'
        lines.append(f'{name:<{width}}  {value:13.2f}%  {change}')
    return '\n'.join(lines)


def main() -> None:
    args = parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    conditions = robustness_conditions(args.brightness, args.shift)
    with tempfile.TemporaryDirectory() as tmp:
        results = evaluate_conditions(cfg, args.checkpoint, conditions, args.work_dir or tmp)
    print('\n' + format_table(results))
    if args.out:
        write_json_atomic(args.out, results)
        print(f'written to {args.out}')


if __name__ == '__main__':
    main()
