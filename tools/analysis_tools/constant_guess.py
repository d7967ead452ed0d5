# Copyright (c) mmgrasp contributors. All rights reserved.
"""Score the constant-guess baseline on a config's test set.

    python tools/analysis_tools/constant_guess.py CONFIG [--out baseline.json] [--cfg-options ...]

One grasp per test image at the centre of the network input, with the median size and the most
frequent angle of the config's training labels: the accuracy of a model that learned nothing about
the image. Prints the guess and the metric grid; ``--out`` writes the grid as JSON (atomically).
"""
import argparse
import math

from mmengine.config import Config, DictAction

from mmgrasp.evaluation.functional.constant_guess import constant_guess, constant_guess_metrics
from mmgrasp.registry import DATASETS
from mmgrasp.utils import register_all_modules, write_json_atomic


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Constant-guess baseline of a grasp test set')
    parser.add_argument('config', help='config file (its train and test datasets)')
    parser.add_argument('--out', help='write the metrics to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, e.g. test_dataloader.dataset.fold=1')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    train = DATASETS.build(cfg.train_dataloader.dataset)
    test = DATASETS.build(cfg.test_dataloader.dataset)
    w, h, theta = constant_guess(train)
    metrics = constant_guess_metrics(train, test)
    print(f'constant guess: w={w:.1f} h={h:.1f} theta={math.degrees(theta):.1f} deg at the '
          f'input centre, {len(test)} test images')
    for key, value in metrics.items():
        print(f'  {key.split("/", 1)[-1]:<16} {value * 100:6.2f} %')
    if args.out:
        write_json_atomic(args.out, metrics)


if __name__ == '__main__':
    main()
