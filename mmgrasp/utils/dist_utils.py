# Copyright (c) mmgrasp contributors. All rights reserved.
"""Distributed training on machines without GPUs."""
import torch
import torch.distributed as dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config) -> None:
    """Prepare ``--launcher pytorch`` for CPU-only processes.

    mmengine's pytorch launcher assumes GPUs: ``_init_dist_pytorch`` calls
    ``torch.cuda.set_device``, and the Runner wraps the model with ``device_ids=[LOCAL_RANK]``,
    which torch's DDP rejects for a CPU module. Without CUDA this initialises the gloo process
    group here (the Runner then skips its own initialisation) and sets mmengine's own
    ``MMDistributedDataParallel`` with ``device_ids=None`` (the config's value wins over the
    Runner's default). With CUDA, or without a launcher, nothing changes.

    Args:
        cfg (Config): The full config; ``cfg.launcher`` must be set. Modified in place.
    """
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    cfg.model_wrapper_cfg = dict(
        type='MMDistributedDataParallel',
        device_ids=None,
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))


def teardown_distributed() -> None:
    """End the process group cleanly at the end of a distributed run (no-op otherwise).

    Without it the gloo group is torn down by the interpreter's exit, where a rank can abort
    (``terminate called without an active exception``, SIGABRT) after its work is done, which
    turns a finished run into a failed ``torchrun``. A barrier first lets every rank finish.
    """
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
