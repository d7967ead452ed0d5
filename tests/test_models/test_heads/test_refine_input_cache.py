# Copyright (c) mmgrasp contributors. All rights reserved.
"""Cached refinement inputs: training the head on them gives the weights of the uncached
fine-tuning (everything before the head frozen, no augmentation), and the cached predictions
are the detector's own."""
import copy

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmgrasp.datasets import (RefineInputDataset, load_refine_cache, refine_input_collate,
                              save_refine_cache)
from mmgrasp.datasets.synthetic import generate_synthetic_dataset
from mmgrasp.engine.hooks import FreezeAllButRefineHook
from mmgrasp.models.utils.refine_cache_builder import compute_refine_cache
from mmgrasp.registry import MODELS
from mmgrasp.testing import tiny_train_config


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    """A tiny Det_Seg_Refine on 8 synthetic scenes, its weights, and a training config without
    augmentation (the test pipeline), sampler seeded."""
    root = tmp_path_factory.mktemp('refine_cache')
    generate_synthetic_dataset(str(root / 'data'), num=8, size=128, seed=5, val_ratio=0.25)
    cfg = tiny_train_config(str(root / 'data'), str(root / 'unused'), refine=True, batch_size=2)
    cfg.train_dataloader.dataset.pipeline = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    cfg.train_dataloader.sampler = dict(type='DefaultSampler', shuffle=True, seed=3)
    cfg.model.refine_head.fc_channels = (16, 16)
    init_default_scope('mmgrasp')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    checkpoint = str(root / 'det_seg_refine.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    return cfg, checkpoint, root


def _common(cfg, work_dir, iters, batch_size):
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = work_dir
    cfg.train_dataloader.batch_size = batch_size
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=iters + 1)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.optim_wrapper = dict(type='OptimWrapper', optimizer=dict(
        type='SGD', lr=0.008, momentum=0.9, nesterov=True, weight_decay=1e-4),
        clip_grad=dict(max_norm=35, norm_type=2))
    cfg.param_scheduler = [dict(type='LinearLR', start_factor=0.333, by_epoch=False, begin=0,
                                end=3)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1000, by_epoch=False)
    cfg.log_processor = dict(by_epoch=False)
    cfg.pop('custom_hooks', None)
    return cfg


def _train_cache(cfg, checkpoint, path):
    model = MODELS.build(cfg.model)
    model.load_state_dict(torch.load(checkpoint, map_location='cpu')['state_dict'])
    ds = copy.deepcopy(cfg.train_dataloader.dataset)
    loader = Runner.build_dataloader(dict(batch_size=1, num_workers=0, dataset=ds,
                                          sampler=dict(type='DefaultSampler', shuffle=False)))
    cache = compute_refine_cache(model, loader, 'train', fingerprint='test')
    save_refine_cache(cache, path)
    return cache


# Batch 1: the cached maps are the very ones the detector computes (no batch to pad or to run
# together), so the weights agree to float rounding over every iteration. Batch 2: the detector
# runs two images together and its maps differ from the single-image cache by ~1e-7 (batched
# convolution); training amplifies any such difference a little each step, so two steps are
# compared.
@pytest.mark.slow
@pytest.mark.parametrize('batch_size,iters,atol', [(1, 5, 1e-6), (2, 2, 1e-5)])
def test_cached_training_equals_uncached(setup, batch_size, iters, atol):
    cfg, checkpoint, root = setup
    root = root / f'b{batch_size}'
    root.mkdir()
    init_default_scope('mmgrasp')
    # uncached: the whole detector, everything but the head frozen (compare_refine_heads.py)
    full = _common(cfg, str(root / 'uncached'), iters, batch_size)
    full.load_from = checkpoint
    full.visualizer.name = f'vis_uncached_{batch_size}'
    runner = Runner.from_cfg(full)
    runner.register_hook(FreezeAllButRefineHook())
    runner.train()
    uncached = {k: v.clone() for k, v in runner.model.refine_head.state_dict().items()}
    num_train = len(runner.train_dataloader.dataset)

    # cached: the head alone on the inputs computed once
    cache_file = str(root / 'train_cache.pt')
    cache = _train_cache(cfg, checkpoint, cache_file)
    assert cache['pos'].any() and len(cache['img_paths']) == num_train
    cached_cfg = _common(cfg, str(root / 'cached'), iters, batch_size)
    cached_cfg.model = dict(type='CachedRefineHead', refine_head=dict(
        cfg.model.refine_head, train_cfg=cfg.model.train_cfg.refine))
    cached_cfg.train_dataloader = dict(
        batch_size=batch_size, num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=True, seed=3),
        collate_fn=dict(type='mmgrasp.refine_input_collate'),
        dataset=dict(type='RefineInputDataset', cache_file=cache_file))
    cached_cfg.load_from = checkpoint  # the same initial head (refine_head.* keys)
    cached_cfg.visualizer.name = f'vis_cached_{batch_size}'
    runner = Runner.from_cfg(cached_cfg)
    runner.train()
    cached = runner.model.refine_head.state_dict()

    assert uncached.keys() == cached.keys()
    initial = torch.load(checkpoint, map_location='cpu', weights_only=False)['state_dict']
    moved = [k for k in cached if not torch.equal(cached[k], initial['refine_head.' + k])]
    assert moved, 'the head did not train'
    for k in uncached:
        torch.testing.assert_close(cached[k], uncached[k], rtol=1e-5, atol=atol, msg=k)


def test_cached_predictions_are_the_detectors(setup, tmp_path):
    """The eval cache through CachedRefineHead gives the refined grasps of GraspDetSeg.predict."""
    cfg, checkpoint, root = setup
    init_default_scope('mmgrasp')
    model = MODELS.build(cfg.model)
    model.load_state_dict(torch.load(checkpoint, map_location='cpu')['state_dict'])
    model.eval()
    ds = copy.deepcopy(cfg.test_dataloader.dataset)
    loader = Runner.build_dataloader(dict(batch_size=1, num_workers=0, dataset=ds,
                                          sampler=dict(type='DefaultSampler', shuffle=False)))
    cache_file = str(tmp_path / 'test_cache.pt')
    save_refine_cache(compute_refine_cache(model, loader, 'eval'), cache_file)
    dataset = RefineInputDataset(cache_file)
    head = MODELS.build(dict(type='CachedRefineHead', refine_head=cfg.model.refine_head))
    head.refine_head.load_state_dict(model.refine_head.state_dict())
    head.eval()
    with torch.no_grad():
        for i, data in enumerate(loader):
            data = model.data_preprocessor(data, False)
            sample = model.predict(data['inputs'], data['data_samples'], rescale=False)[0]
            pred = sample.pred_instances
            out = head(**refine_input_collate([dataset[i]]), mode='predict')[0]
            top = int(pred.scores.argmax())
            # the cached top candidate is the detector's, refined the same way
            torch.testing.assert_close(out['bboxes_unrefined'][0], pred.bboxes_unrefined[top])
            torch.testing.assert_close(out['bboxes'][0], pred.bboxes[top], rtol=1e-5, atol=1e-4)


def test_cache_file_is_checked(setup, tmp_path):
    bad = str(tmp_path / 'bad.pt')
    torch.save(dict(version=1, img_paths=['a']), bad)
    with pytest.raises(ValueError, match='bad.pt'):
        load_refine_cache(bad)
    with pytest.raises(FileNotFoundError):
        load_refine_cache(str(tmp_path / 'missing.pt'))
