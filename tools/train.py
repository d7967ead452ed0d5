# Copyright (c) mmgrasp contributors. All rights reserved.
"""Train a grasp detector: ``python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]]``."""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmgrasp.engine.hooks import NonFiniteLossError
from mmgrasp.utils import setup_cpu_distributed, teardown_distributed
from mmgrasp.utils.checkpoint_files import CheckpointError


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a grasp detector')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument('--amp', action='store_true', default=False,
                        help='enable automatic-mixed-precision training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr with the total batch size')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or from the latest one in the work dir')
    parser.add_argument(
        '--resume-anyway', action='store_true',
        help='resume (as --resume) even if the model, optimizer or schedule config differs from '
        'the checkpoint\'s; the optimizer and schedule state stay the checkpoint\'s')
    parser.add_argument('--train-minutes', type=float,
                        help='train at most this many minutes: stop at the epoch end after '
                        'which another epoch as long as the last would end past them')
    parser.add_argument('--train-allow-overrun', action='store_true',
                        help='with --train-minutes: stop at the first epoch end past the budget '
                        '(up to one epoch late; the rule before 2026-12-07)')
    parser.add_argument('--seed', type=int,
                        help='random seed (default: the config\'s randomness.seed, 0 in every '
                        'shipped config)')
    parser.add_argument('--deterministic', action='store_true',
                        help='also ask torch for deterministic algorithms (cuDNN); the CPU '
                        'kernels mmgrasp uses are deterministic without it')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, e.g. train_dataloader.batch_size=2')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    if args.seed is not None or args.deterministic:
        randomness = dict(cfg.get('randomness') or {})
        if args.seed is not None:
            randomness['seed'] = args.seed
        if args.deterministic:
            randomness['deterministic'] = True
        cfg.randomness = randomness

    # work_dir: CLI > segment in file > filename
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        optim_wrapper = cfg.optim_wrapper.type
        if optim_wrapper == 'AmpOptimWrapper':
            print('AMP training is already enabled in your config.')
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'

    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or 'base_batch_size' not in cfg.auto_scale_lr:
            raise RuntimeError('Can not find "auto_scale_lr" or '
                               '"auto_scale_lr.base_batch_size" in your configuration file.')
        cfg.auto_scale_lr.enable = True

    if args.train_minutes:
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
            dict(type='TrainTimeBudgetHook', minutes=args.train_minutes,
                 allow_overrun=args.train_allow_overrun)]

    if args.resume_anyway:
        cfg.resume_anyway = True
        if args.resume is None:
            args.resume = 'auto'
    if args.resume == 'auto':
        cfg.resume = True
        # kept for CheckpointIntegrityHook: the weights to start from when the work dir has no
        # checkpoint yet (a Det_Seg_Refine run starts from its Det_Seg checkpoint)
        cfg.load_from_if_no_checkpoint = cfg.get('load_from')
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    setup_cpu_distributed(cfg)  # --launcher pytorch on a machine without GPUs: gloo
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    try:
        runner.train()
    except (CheckpointError, NonFiniteLossError) as e:
        # the message says what happened and what to do: no traceback. Under torchrun the other
        # ranks are stopped by it (no teardown: they may be inside a collective)
        runner.logger.error(str(e))
        sys.exit(f'{type(e).__name__}: {e}')
    teardown_distributed()


if __name__ == '__main__':
    main()
