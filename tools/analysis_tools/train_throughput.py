# Copyright (c) mmgrasp contributors. All rights reserved.
"""Training throughput of a config: images per second and where an iteration's time goes.

    python tools/analysis_tools/train_throughput.py CONFIG [--iters 20] [--warmup 3]
        [--threads 2] [--workers N] [--data-batches 20] [--transform-images 8] [--no-data]
        [--checkpoint CKPT] [--cfg-options ...]

The training side is built as ``tools/train.py`` builds it: ``Runner.from_cfg`` (in a temporary
work dir, removed at the end: nothing is written into the repository), then the Runner's own
``train_loop`` (its dataloader, with the config's sampler, pipeline, collate and workers),
``build_optim_wrapper``, ``scale_lr``, ``build_param_scheduler``, the model's ``init_weights``
and ``load_or_resume`` (``--checkpoint``; the config's ``load_from`` is ignored, so a config
that starts from another run's checkpoint runs without it). Each iteration then does what
``BaseModel.train_step`` does, with a clock between the parts:

- ``data``: the wait for the next batch from the dataloader (with workers, only the part of the
  decoding and pipeline that the prefetching does not hide);
- ``preprocess``: the model's data preprocessor (normalisation, padding, batching);
- ``forward+loss``: ``model(..., mode='loss')`` and ``parse_losses``;
- ``backward``: ``optim_wrapper.backward`` of the scaled loss;
- ``optimizer step``: ``optim_wrapper.step`` (gradient clipping included) and ``zero_grad``;
- ``other``: the rest of the iteration (the iteration-based learning-rate schedulers, the loop).

Hooks (logging, checkpoints, validation) are not run. The sampler's epoch is set at each epoch
start and the epoch-based schedulers stepped at its end, as the hooks do, so the timed
iterations cross epochs as training does (the first batch of an epoch waits for the workers).
``--warmup`` iterations run first, untimed. The Runner seeds everything from the config's
``randomness`` (``--cfg-options randomness.seed=N``), so two runs with the same arguments
compute the same losses (printed, for checking that a speed-up keeps the results).

Then, unless ``--no-data``, the dataloader alone: ``--data-batches`` batches from a fresh
dataloader with the config's ``num_workers`` and with 0 (images per second of decoding, pipeline
and collate), and the time of each pipeline transform on ``--transform-images`` images in this
process.

On a busy machine the figures are slower and noisier: the report prints the load average. With
``num_workers > 0`` on a machine with few cores, the workers take CPU from the training step
itself: compare the total time per iteration with ``--workers 0``.
"""
import argparse
import copy
import os
import statistics
import sys
import tempfile
import time
import uuid
from typing import Dict, List, Optional

import torch
from mmengine.config import Config, ConfigDict, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

PARTS = ('data', 'preprocess', 'forward+loss', 'backward', 'optimizer step', 'other')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Images per second of a config\'s training, '
                                     'and the time in data loading against compute')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--iters', type=int, default=20, help='timed training iterations')
    parser.add_argument('--warmup', type=int, default=3, help='untimed iterations first')
    parser.add_argument('--threads', type=int, default=2, help='torch CPU threads')
    parser.add_argument('--workers', type=int,
                        help='dataloader workers (default: the config\'s num_workers)')
    parser.add_argument('--data-batches', type=int, default=20,
                        help='batches of the dataloader-only measurement')
    parser.add_argument('--transform-images', type=int, default=8,
                        help='images of the per-transform timing')
    parser.add_argument('--no-data', action='store_true',
                        help='time the training iterations only')
    parser.add_argument('--checkpoint', help='weights to start from (default: none; the '
                        'config\'s load_from is ignored)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, e.g. train_dataloader.dataset.data_root=...')
    return parser.parse_args(argv)


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """The config as ``tools/train.py`` reads it (file, then ``--cfg-options``)."""
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def _set_workers(loader_cfg: ConfigDict, workers: Optional[int]) -> ConfigDict:
    """A copy of a dataloader config with ``workers`` processes (None: the config's)."""
    loader_cfg = copy.deepcopy(loader_cfg)
    if workers is not None:
        loader_cfg.num_workers = workers
    if loader_cfg.get('num_workers', 0) == 0:
        loader_cfg.persistent_workers = False  # torch refuses it without workers
    return loader_cfg


def _machine() -> Dict[str, object]:
    return dict(load=os.getloadavg(), threads=torch.get_num_threads(), cpus=os.cpu_count())


def time_train_steps(cfg: Config, iters: int = 20, warmup: int = 3, threads: Optional[int] = 2,
                     workers: Optional[int] = None, checkpoint: Optional[str] = None) -> Dict:
    """Run ``warmup + iters`` training iterations of ``cfg`` and time the parts of each.

    Args:
        cfg (Config): A full training config (not modified).
        iters (int): Timed iterations. Defaults to 20.
        warmup (int): Untimed iterations first. Defaults to 3.
        threads (int, optional): torch CPU threads; None keeps torch's. Defaults to 2.
        workers (int, optional): Dataloader workers; None keeps the config's. Defaults to None.
        checkpoint (str, optional): Weights to load before training. Defaults to None.

    Returns:
        dict: ``times`` (part name -> list of ``iters`` seconds, in :data:`PARTS` order),
        ``total`` (seconds of each iteration), ``images`` (images of each batch), ``losses``
        (the total loss of every iteration, warm-up included), ``images_per_s``,
        ``data_percent``, ``batch_size``, ``num_workers``, ``epochs_started`` (during the timed
        iterations), ``iters_per_epoch`` and the machine's ``load``, ``threads`` and ``cpus``.
    """
    if threads is not None:
        torch.set_num_threads(threads)
    cfg = copy.deepcopy(cfg)
    cfg.train_dataloader = _set_workers(cfg.train_dataloader, workers)
    cfg.load_from = checkpoint
    cfg.resume = False
    cfg.launcher = 'none'
    cfg.log_level = 'WARNING'  # no environment and config dump
    cfg.experiment_name = f'train_throughput_{uuid.uuid4().hex[:8]}'
    # no drawings are made: a visualizer without backends saves the config's third dump
    cfg.visualizer = dict(type='Visualizer', name=cfg.experiment_name, vis_backends=None)
    with tempfile.TemporaryDirectory(prefix='train_throughput_') as work_dir:
        cfg.work_dir = work_dir
        runner = Runner.from_cfg(cfg)  # seeds Python, NumPy and torch from cfg.randomness
        # the order of Runner.train
        loop = runner.train_loop
        loader = loop.dataloader
        optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
        runner.scale_lr(optim_wrapper, runner.auto_scale_lr)
        runner.optim_wrapper = optim_wrapper
        schedulers = []
        if runner.param_schedulers is not None:
            schedulers = runner.build_param_scheduler(runner.param_schedulers)
        if isinstance(schedulers, dict):
            schedulers = [s for group in schedulers.values() for s in group]
        model = runner.model
        if hasattr(model, 'init_weights'):
            model.init_weights()
        runner.load_or_resume()
        optim_wrapper.initialize_count_status(model, 0, loop.max_iters)
        model.train()
        try:
            result = _run_iterations(model, optim_wrapper, schedulers, loader, iters, warmup)
        finally:
            del loader, loop, runner
    result.update(batch_size=cfg.train_dataloader.batch_size,
                  num_workers=cfg.train_dataloader.get('num_workers', 0), **_machine())
    return result


def _run_iterations(model, optim_wrapper, schedulers, loader, iters: int, warmup: int) -> Dict:
    """The training iterations of :func:`time_train_steps`, timed after ``warmup``."""
    times: Dict[str, List[float]] = {part: [] for part in PARTS}
    total: List[float] = []
    images: List[int] = []
    losses: List[float] = []
    epoch = 0
    epochs_started = 0

    def start_epoch():
        for sampler in (loader.sampler, getattr(loader.batch_sampler, 'sampler', None)):
            if hasattr(sampler, 'set_epoch'):  # DistSamplerSeedHook.before_train_epoch
                sampler.set_epoch(epoch)
        return iter(loader)

    batches = start_epoch()
    for i in range(warmup + iters):
        t0 = time.perf_counter()
        try:
            data_batch = next(batches)
        except StopIteration:
            for scheduler in schedulers:  # ParamSchedulerHook.after_train_epoch
                if scheduler.by_epoch:
                    scheduler.step()
            epoch += 1
            epochs_started += i >= warmup
            batches = start_epoch()
            data_batch = next(batches)
        t1 = time.perf_counter()
        # BaseModel.train_step, part by part
        with optim_wrapper.optim_context(model):
            data = model.data_preprocessor(data_batch, True)
            t2 = time.perf_counter()
            loss_dict = model(**data, mode='loss')
        loss, _ = model.parse_losses(loss_dict)
        t3 = time.perf_counter()
        optim_wrapper.backward(optim_wrapper.scale_loss(loss))  # update_params, split
        t4 = time.perf_counter()
        if optim_wrapper.should_update():
            optim_wrapper.step()
            optim_wrapper.zero_grad()
        t5 = time.perf_counter()
        for scheduler in schedulers:  # ParamSchedulerHook.after_train_iter
            if not scheduler.by_epoch:
                scheduler.step()
        t6 = time.perf_counter()
        losses.append(float(loss.detach()))
        if i < warmup:
            continue
        for part, seconds in zip(PARTS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)):
            times[part].append(seconds)
        total.append(t6 - t0)
        images.append(len(data_batch['inputs']))
    return dict(times=times, total=total, images=images, losses=losses,
                images_per_s=sum(images) / sum(total) if total else 0.0,
                data_percent=100.0 * sum(times['data']) / sum(total) if total else 0.0,
                epochs_started=epochs_started, iters_per_epoch=len(loader))


def time_data(cfg: Config, batches: int = 20, workers: Optional[int] = None) -> Dict:
    """Images per second of the training dataloader alone (decoding, pipeline, collate).

    A fresh dataloader is built with the Runner's ``build_dataloader`` and the config's seed.
    Its first batch (worker start-up) is timed apart; the rate is that of the following
    ``batches`` batches, taken across epochs when the dataset is shorter.

    Args:
        cfg (Config): A full training config (not modified).
        batches (int): Timed batches after the first. Defaults to 20.
        workers (int, optional): Dataloader workers; None keeps the config's. Defaults to None.

    Returns:
        dict: ``num_workers``, ``first_batch_s``, ``wait`` (seconds of each timed batch),
        ``images`` and ``images_per_s``.
    """
    init_default_scope(cfg.get('default_scope', 'mmgrasp'))
    loader_cfg = _set_workers(cfg.train_dataloader, workers)
    seed = (cfg.get('randomness') or {}).get('seed')
    loader = Runner.build_dataloader(loader_cfg, seed=seed)
    wait: List[float] = []
    images = 0
    first = None
    epoch = 0
    while len(wait) < batches:
        for sampler in (loader.sampler, getattr(loader.batch_sampler, 'sampler', None)):
            if hasattr(sampler, 'set_epoch'):
                sampler.set_epoch(epoch)
        it = iter(loader)
        got = len(wait) + (first is not None)
        while len(wait) < batches:
            t0 = time.perf_counter()
            try:
                data_batch = next(it)
            except StopIteration:
                break
            seconds = time.perf_counter() - t0
            if first is None:
                first = seconds
                continue
            wait.append(seconds)
            images += len(data_batch['inputs'])
        del it
        if len(wait) + (first is not None) == got:  # an epoch without a batch
            raise ValueError('the training dataloader gives no batch (a dataset smaller than '
                             'a batch with drop_last?)')
        epoch += 1
    del loader
    return dict(num_workers=loader_cfg.get('num_workers', 0), first_batch_s=first, wait=wait,
                images=images, images_per_s=images / sum(wait) if wait else 0.0)


def time_transforms(cfg: Config, num_images: int = 8) -> Dict[str, List[float]]:
    """Seconds of each transform of the training pipeline on ``num_images`` images, here.

    Args:
        cfg (Config): A full training config.
        num_images (int): Images, the first of the dataset. Defaults to 8.

    Returns:
        dict: Transform name (in pipeline order; repeated names numbered) -> seconds per image.
    """
    from mmengine.registry import DATASETS
    init_default_scope(cfg.get('default_scope', 'mmgrasp'))
    dataset = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    transforms = dataset.pipeline.transforms
    names = []
    for t in transforms:
        name = type(t).__name__
        names.append(name if name not in names else f'{name}#{len(names)}')
    out: Dict[str, List[float]] = {name: [] for name in names}
    for idx in range(min(num_images, len(dataset))):
        results = dataset.get_data_info(idx)
        for name, t in zip(names, transforms):
            t0 = time.perf_counter()
            results = t(results)
            out[name].append(time.perf_counter() - t0)
            if results is None:
                break
    return out


def _ms(seconds: List[float]) -> str:
    return f'{1000 * statistics.median(seconds):9.1f}' if seconds else '        -'


def format_report(config: str, train: Dict, data: Optional[List[Dict]] = None,
                  transforms: Optional[Dict[str, List[float]]] = None) -> str:
    """The printed report of :func:`time_train_steps`, :func:`time_data` and
    :func:`time_transforms`."""
    total = sum(train['total'])
    lines = [
        f'{config}',
        f'machine: load {", ".join(f"{x:.2f}" for x in train["load"])} on {train["cpus"]} CPUs, '
        f'{train["threads"]} torch threads',
        f'dataloader: batch {train["batch_size"]}, num_workers {train["num_workers"]}, '
        f'{train["iters_per_epoch"]} iterations per epoch; {len(train["total"])} timed '
        f'iterations ({train["epochs_started"]} epoch starts among them)',
        '',
        f'{"part":16s} {"median ms":>9s} {"mean ms":>9s} {"% of time":>9s}',
    ]
    for part in PARTS:
        seconds = train['times'][part]
        share = 100.0 * sum(seconds) / total if total else 0.0
        lines.append(f'{part:16s} {_ms(seconds)} {1000 * statistics.fmean(seconds):9.1f} '
                     f'{share:9.1f}')
    lines.append(f'{"iteration":16s} {_ms(train["total"])} '
                 f'{1000 * statistics.fmean(train["total"]):9.1f} {100.0:9.1f}')
    lines += [
        '',
        f'training: {train["images_per_s"]:.2f} images/s; {train["data_percent"]:.1f} % of the '
        f'time waiting for data',
        'losses: ' + ' '.join(f'{x:.6g}' for x in train['losses']),
    ]
    for d in data or []:
        lines.append(f'dataloader alone, num_workers {d["num_workers"]}: '
                     f'{d["images_per_s"]:.2f} images/s over {d["images"]} images '
                     f'(first batch {1000 * d["first_batch_s"]:.0f} ms)')
    if transforms:
        lines += ['', f'{"transform (this process)":28s} {"median ms/image":>15s}']
        for name, seconds in transforms.items():
            lines.append(f'{name:28s} {_ms(seconds):>15s}')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from mmgrasp.utils import register_all_modules
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    train = time_train_steps(cfg, args.iters, args.warmup, args.threads, args.workers,
                             args.checkpoint)
    data, transforms = None, None
    if not args.no_data:
        workers = {train['num_workers'], 0}
        data = [time_data(cfg, args.data_batches, w) for w in sorted(workers, reverse=True)]
        transforms = time_transforms(cfg, args.transform_images)
    print(format_report(args.config, train, data, transforms))
    return 0


if __name__ == '__main__':
    sys.exit(main())
