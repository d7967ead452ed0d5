# Copyright (c) mmgrasp contributors. All rights reserved.
"""Helpers for tests and examples: small model configs and fake batches with real geometry."""
import importlib.util
import math
import os
import os.path as osp
from types import ModuleType
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.structures import InstanceData, PixelData

from mmgrasp.structures import GraspBoxes

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def shared_data_root() -> str:
    """Where the real Cornell / Jacquard samples live: ``$MMGRASP_SHARED_DATA`` or
    ``<repo>/../shared/data``."""
    return os.environ.get('MMGRASP_SHARED_DATA', osp.join(REPO_ROOT, '..', 'shared', 'data'))


def shared_data_path(*parts: str) -> str:
    """The folder ``parts`` of the real samples, for a test that needs it.

    When the folder is missing, the test is skipped, unless ``$MMGRASP_SHARED_DATA`` is set: then
    the samples were promised (CI sets it) and the test fails, so that a wrong path cannot turn
    the data tests into silent skips.

    Args:
        *parts (str): Path below the samples' root, e.g. ``'jacquard', 'Samples'``.

    Returns:
        str: The absolute path of an existing folder.
    """
    import pytest
    path = osp.abspath(osp.join(shared_data_root(), *parts))
    if not osp.isdir(path):
        if os.environ.get('MMGRASP_SHARED_DATA'):
            pytest.fail(f'real samples not found at {path}, but MMGRASP_SHARED_DATA is set '
                        f'({os.environ["MMGRASP_SHARED_DATA"]})')
        pytest.skip(f'real samples not found at {path} (set MMGRASP_SHARED_DATA)')
    return path


def get_config(fname: str) -> Config:
    """Load a config of the repository by its path relative to ``configs/``."""
    return Config.fromfile(osp.join(REPO_ROOT, 'configs', fname))


def get_detector_cfg(fname: str, tiny: bool = True) -> Config:
    """The ``model`` of a config without pretrained weights; with ``tiny``, a narrow-FPN version
    (a ResNet backbone becomes a ResNet-18, another one is kept), so that tests build it fast and
    offline.

    Args:
        fname (str): Config path relative to ``configs/``.
        tiny (bool): Shrink the model for CPU tests. Defaults to True.

    Returns:
        Config: The model config.
    """
    model = get_config(fname).model
    model.backbone.init_cfg = None
    if tiny:
        if model.backbone.type.split('.')[-1] == 'ResNet':
            model.backbone.depth = 18
            model.backbone.frozen_stages = -1
            model.neck.in_channels = [64, 128, 256, 512]
        model.neck.out_channels = 32
        model.rpn_head.in_channels = 32
        model.rpn_head.feat_channels = 32
        model.roi_head.bbox_roi_extractor.out_channels = 32
        model.roi_head.bbox_head.in_channels = 32
        model.roi_head.bbox_head.fc_out_channels = 64
        if model.get('semantic_head'):
            model.semantic_head.in_channels = 32
            model.semantic_head.channels = 16
        if model.get('refine_head'):
            model.refine_head.fc_channels = (32, 32)
    return model


def tiny_scored_detector(fname: str, seed: int = 0, cls_scale: float = 40.0,
                         rpn_scale: float = 40.0):
    """A tiny model of a config (:func:`get_detector_cfg`), seeded, in eval mode, whose
    classifier weights are scaled up so that its scores lie well apart (no ties for the top
    grasp): what the export and runtime tests compare backends on.

    Args:
        fname (str): Config path relative to ``configs/``.
        seed (int): Seed of the weights. Defaults to 0.
        cls_scale (float): Factor of the grasp head's ``fc_cls`` weights. Defaults to 40.
        rpn_scale (float): Factor of the RPN's ``rpn_cls`` weights. Defaults to 40.

    Returns:
        tuple[Config, nn.Module]: The config (its ``model`` the tiny one) and the model.
    """
    from mmengine.registry import init_default_scope

    from mmgrasp.registry import MODELS
    init_default_scope('mmgrasp')
    cfg = get_config(fname)
    cfg.model = get_detector_cfg(fname)
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    with torch.no_grad():
        model.roi_head.bbox_head.fc_cls.weight.mul_(cls_scale)
        model.rpn_head.rpn_cls.weight.mul_(rpn_scale)
    return cfg, model.eval()


def demo_grasp_inputs(batch_size: int = 2,
                      image_shape: Sequence[int] = (3, 128, 128),
                      num_grasps: int = 3,
                      num_sem_classes: Optional[int] = 2,
                      seed: int = 0) -> dict:
    """A fake batch as the data preprocessor receives it, with consistent grasp annotations.

    Each image holds ``num_grasps`` grasps; ``gt_instances`` carries them as ``bboxes``
    (:class:`GraspBoxes` ``(N, 5)``) with object ``labels`` (all 1), as :class:`PackGraspInputs`
    packs them; ``gt_sem_seg`` is a mask of a disc under each grasp centre (class
    1..num_sem_classes-1).

    Args:
        batch_size (int): Images in the batch. Defaults to 2.
        image_shape (Sequence[int]): ``(C, H, W)``. Defaults to ``(3, 128, 128)``.
        num_grasps (int): Grasps per image. Defaults to 3.
        num_sem_classes (int, optional): Semantic classes; None for no masks. Defaults to 2.
        seed (int): Random seed. Defaults to 0.

    Returns:
        dict: ``inputs`` (list of ``(C, H, W)`` uint8 tensors) and ``data_samples``.
    """
    rng = np.random.default_rng(seed)
    c, h, w = image_shape
    inputs: List[torch.Tensor] = []
    samples: List[DetDataSample] = []
    for _ in range(batch_size):
        img = torch.from_numpy(rng.integers(0, 255, (c, h, w), dtype=np.uint8))
        grasps = np.stack([
            rng.uniform(0.25 * w, 0.75 * w, num_grasps),
            rng.uniform(0.25 * h, 0.75 * h, num_grasps),
            rng.uniform(12, 30, num_grasps), rng.uniform(6, 16, num_grasps),
            rng.uniform(0, math.pi, num_grasps)
        ], axis=1).astype(np.float32)
        sample = DetDataSample(metainfo=dict(
            img_id=len(samples), img_path=f'fake_{len(samples)}.png', ori_shape=(h, w),
            img_shape=(h, w), scale_factor=(1.0, 1.0), pad_shape=(h, w)))
        sample.gt_instances = InstanceData(
            bboxes=GraspBoxes(grasps), labels=torch.ones(num_grasps, dtype=torch.long))
        sample.ignored_instances = InstanceData(
            bboxes=GraspBoxes(np.zeros((0, 5), np.float32)),
            labels=torch.zeros(0, dtype=torch.long))
        if num_sem_classes:
            yy, xx = np.mgrid[0:h, 0:w]
            seg = np.zeros((h, w), dtype=np.uint8)
            for k, g in enumerate(grasps):
                disc = (xx - g[0])**2 + (yy - g[1])**2 <= (g[2] / 2)**2
                seg[disc] = 1 + k % (num_sem_classes - 1)
            sample.gt_sem_seg = PixelData(sem_seg=torch.from_numpy(seg)[None].long())
        inputs.append(img)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def tiny_train_config(data_root: str, work_dir: str, refine: bool = True, max_epochs: int = 2,
                      batch_size: int = 2) -> Config:
    """A complete training config on synthetic scenes with a tiny model, for tests.

    Args:
        data_root (str): Synthetic scenes (``mmgrasp.datasets.synthetic``) in OCID layout.
        work_dir (str): Work directory of the run.
        refine (bool): Det_Seg_Refine (True) or Det_Seg. Defaults to True.
        max_epochs (int): Epochs. Defaults to 2.
        batch_size (int): Training batch size. Defaults to 2.

    Returns:
        Config: A config ``Runner.from_cfg`` accepts (single process, no workers).
    """
    cfg = get_config('grasp/det_seg_refine_r18_fpn_synthetic.py')
    cfg.model = get_detector_cfg('grasp/det_seg_refine_r18_fpn_synthetic.py')
    if not refine:
        cfg.model.refine_head = None
    cfg.work_dir = work_dir
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[name]
        loader.num_workers = 0
        loader.persistent_workers = False
        loader.dataset.data_root = data_root
    cfg.train_dataloader.batch_size = batch_size
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
    cfg.param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20)]
    cfg.default_hooks.logger.interval = 5
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1, max_keep_ckpts=3)
    cfg.visualizer = dict(type='mmdet.DetLocalVisualizer',
                          vis_backends=[dict(type='LocalVisBackend')],
                          name=f'vis_{osp.basename(work_dir)}')
    cfg.env_cfg = dict(cudnn_benchmark=False,
                       mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
                       dist_cfg=dict(backend='gloo'))
    cfg.randomness = dict(seed=0)
    return cfg


def load_script(relpath: str) -> ModuleType:
    """Import a script of the repository (``tools/...``, ``demo/...``) as a module, for tests.

    Args:
        relpath (str): Path relative to the repository root, e.g. ``'tools/test.py'``.

    Returns:
        ModuleType: The executed module (its ``main`` not run).
    """
    path = osp.join(REPO_ROOT, relpath)
    spec = importlib.util.spec_from_file_location(osp.splitext(osp.basename(relpath))[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
