# Copyright (c) mmgrasp contributors. All rights reserved.
"""Training the refinement head on cached inputs against the uncached fine-tuning: speed, memory.

    python tools/analysis_tools/benchmark_refine_cache.py [CHECKPOINT] \
        [--data-root ../shared/data/jacquard/Samples/] [--form inplace|aligned] \
        [--iters 20] [--cached-iters 200] [--threads 2]

Both paths train the head of ``FORMS[form]`` (refine_head_study.py; ``inplace`` is the paper's
form on the 128x128 map) at batch 4 on all scenes under the data root, the test pipeline (no
augmentation), everything else frozen: the uncached path is the whole Det_Seg_Refine model under
``FreezeAllButRefineHook`` (as ``compare_refine_heads.py`` trains it), the cached one
``CachedRefineHead`` on inputs computed once. Printed: iterations per CPU minute (process time,
both cores counted) and per wall minute of each path and their ratio (issue 23's target: >= 20x),
the time to compute the cache once, the cache's size, and the peak resident memory of the process
after each phase, with the machine's load average. CHECKPOINT is a Det_Seg(_Refine) checkpoint
(default: random weights, which time the same work).
"""
import argparse
import copy
import os
import os.path as osp
import resource
import sys
import tempfile
import time
from typing import List, Optional

from mmengine.hooks import Hook

TOOLS = osp.dirname(osp.dirname(osp.abspath(__file__)))
REPO = osp.dirname(TOOLS)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Cached against uncached head training')
    parser.add_argument('checkpoint', nargs='?', help='Det_Seg checkpoint (default: random)')
    parser.add_argument('--data-root', default=osp.join(REPO, '..', 'shared', 'data', 'jacquard',
                                                        'Samples'))
    parser.add_argument('--form', choices=['aligned', 'inplace'], default='inplace')
    parser.add_argument('--iters', type=int, default=20, help='uncached iterations timed')
    parser.add_argument('--cached-iters', type=int, default=200, help='cached iterations timed')
    parser.add_argument('--threads', type=int, default=2)
    return parser.parse_args(argv)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Clock:
    """Wall and CPU (process) seconds of a block."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    from mmengine.runner import Runner
    from mmengine.runner.checkpoint import load_checkpoint

    from mmgrasp.datasets import save_refine_cache
    from mmgrasp.engine.hooks import FreezeAllButRefineHook
    from mmgrasp.models.utils.refine_cache_builder import compute_refine_cache
    from mmgrasp.registry import MODELS
    from mmgrasp.testing import load_script
    from mmgrasp.utils import register_all_modules
    register_all_modules()
    study = load_script('tools/analysis_tools/refine_head_study.py')
    cfg = study.refine_config(argparse.Namespace(), args.form, 'eq9')
    work = tempfile.mkdtemp(prefix='refine_cache_bench_')
    dataset = copy.deepcopy(cfg.test_dataloader.dataset)
    dataset.update(data_root=args.data_root, split='all', fold=None, test_mode=False,
                   filter_cfg=None)
    dataset.pop('val_ratio', None)
    checkpoint = args.checkpoint
    if checkpoint is None:
        model = MODELS.build(cfg.model)
        checkpoint = osp.join(work, 'random.pth')
        torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    load = os.getloadavg()
    print(f'load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; '
          f'{args.threads} threads; form {args.form}')

    # ---- uncached: the whole model, everything but the head frozen -----------------------------
    full = copy.deepcopy(cfg)
    full.work_dir = osp.join(work, 'uncached')
    full.load_from = checkpoint
    full.train_dataloader = dict(batch_size=4, num_workers=0, dataset=dataset,
                                 sampler=dict(type='InfiniteSampler', shuffle=True, seed=0))
    full.train_cfg = dict(type='IterBasedTrainLoop', max_iters=args.iters + 2,
                          val_interval=10**9)
    full.val_dataloader = full.val_cfg = full.val_evaluator = None
    full.test_dataloader = full.test_cfg = full.test_evaluator = None
    full.param_scheduler = []
    full.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10**9, by_epoch=False)
    full.default_hooks.pop('visualization', None)
    full.log_level = 'WARNING'
    full.log_processor = dict(by_epoch=False)
    runner = Runner.from_cfg(full)
    runner.register_hook(FreezeAllButRefineHook())
    timer = TimedIters(skip=2)
    runner.register_hook(timer)
    runner.train()
    uncached = timer.result(args.iters)
    rss_uncached = peak_rss_mb()

    # ---- the cache, once ----------------------------------------------------------------------
    model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu', strict=False)
    loader = Runner.build_dataloader(dict(batch_size=1, num_workers=0, dataset=dataset,
                                          sampler=dict(type='DefaultSampler', shuffle=False)))
    with Clock() as build:
        cache = compute_refine_cache(model, loader, 'train')
    cache_file = osp.join(work, 'train.pt')
    save_refine_cache(cache, cache_file)
    size_mb = osp.getsize(cache_file) / 2**20
    del model

    # ---- cached: the head alone ---------------------------------------------------------------
    head_cfg = study.head_run_config(
        argparse.Namespace(batch_size=4, lr=0.008, val_interval=10**9), args.form, 'eq9', 0,
        dict(train=cache_file, val=cache_file), osp.join(work, 'cached'), args.cached_iters + 2)
    head_cfg.val_dataloader = head_cfg.val_cfg = head_cfg.val_evaluator = None
    head_cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10**9,
                                             by_epoch=False)
    head_cfg.custom_hooks = []
    runner = Runner.from_cfg(head_cfg)
    timer = TimedIters(skip=2)
    runner.register_hook(timer)
    runner.train()
    cached = timer.result(args.cached_iters)
    load = os.getloadavg()

    result = dict(form=args.form, images=len(cache['img_paths']),
                  map_size=list(cache['fg_prob'].shape[-2:]), uncached=uncached, cached=cached,
                  ratio_cpu=cached['iters_per_cpu_min'] / uncached['iters_per_cpu_min'],
                  ratio_wall=cached['iters_per_wall_min'] / uncached['iters_per_wall_min'],
                  cache_build_wall_s=build.wall, cache_mb=size_mb,
                  peak_rss_mb_after_uncached=rss_uncached, peak_rss_mb_after_all=peak_rss_mb(),
                  load_after=list(load))
    print(f'{result["images"]} scenes, map {result["map_size"]}, form {args.form}')
    for name in ('uncached', 'cached'):
        r = result[name]
        print(f'  {name:<9} {r["iters"]:5d} iterations: {r["iters_per_cpu_min"]:9.1f} per CPU '
              f'minute, {r["iters_per_wall_min"]:9.1f} per wall minute')
    print(f'  cached / uncached: {result["ratio_cpu"]:.1f}x per CPU minute, '
          f'{result["ratio_wall"]:.1f}x per wall minute (target >= 20x)')
    print(f'  cache: computed once in {build.wall:.1f} s, {size_mb:.1f} MB on disk')
    print(f'  peak resident memory: {rss_uncached:.0f} MB after the uncached run, '
          f'{result["peak_rss_mb_after_all"]:.0f} MB at the end')
    print(f'load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}')
    return result


class TimedIters(Hook):
    """A hook timing training iterations after ``skip`` warm-up ones (wall and CPU time)."""
    priority = 'VERY_LOW'

    def __init__(self, skip: int = 2) -> None:
        self.skip = skip
        self.count = 0
        self.start = None

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if self.count == self.skip:
            self.start = (time.perf_counter(), time.process_time())

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self.count += 1

    def result(self, iters: int) -> dict:
        wall = time.perf_counter() - self.start[0]
        cpu = time.process_time() - self.start[1]
        n = self.count - self.skip
        return dict(iters=n, wall_s=wall, cpu_s=cpu, iters_per_wall_min=60 * n / wall,
                    iters_per_cpu_min=60 * n / cpu)


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
