# Copyright (c) mmgrasp contributors. All rights reserved.
"""Training through mmengine's Runner: resume, learning, and DDP on the CPU."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.runner import Runner
from mmengine.structures import InstanceData

from mmgrasp.evaluation import GraspJaccardMetric
from mmgrasp.testing import tiny_train_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.slow
def test_resume_continues_from_the_checkpoint(synthetic_root, tmp_path):
    cfg = tiny_train_config(synthetic_root, str(tmp_path / 'run'), max_epochs=1)
    runner = Runner.from_cfg(cfg)
    runner.train()
    iters_per_epoch = len(runner.train_dataloader)
    assert osp.exists(tmp_path / 'run' / 'epoch_1.pth')
    first_weights = {k: v.clone() for k, v in runner.model.state_dict().items()}

    cfg = tiny_train_config(synthetic_root, str(tmp_path / 'run'), max_epochs=2)
    cfg.resume = True  # mmengine >= 0.11.0rc3: torch >= 2.6 loads its checkpoints
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    assert runner.epoch == 1 and runner.iter == iters_per_epoch
    for k, v in runner.model.state_dict().items():
        torch.testing.assert_close(v, first_weights[k])
    assert len(runner.optim_wrapper.optimizer.state) > 0  # momentum buffers came back
    runner.train()
    assert runner.epoch == 2 and runner.iter == 2 * iters_per_epoch


def constant_guess_accuracy(dataset) -> float:
    """Jaccard accuracy of one fixed grasp per image: the image centre, the median training
    size, angle 0 -- the baseline a model that learned nothing can reach."""
    metric = GraspJaccardMetric()
    metric.dataset_meta = dataset.metainfo
    samples = []
    for i in range(len(dataset)):
        item = dataset[i]['data_samples']
        h, w = item.img_shape
        guess = torch.tensor([[w / 2, h / 2, 20., 10., 0.]])
        s = DetDataSample(metainfo=item.metainfo)
        s.gt_instances = item.gt_instances
        s.pred_instances = InstanceData(bboxes=guess, scores=torch.ones(1))
        samples.append(s)
    metric.process({}, samples)
    return metric.evaluate(len(samples))['grasp/acc_a30_iou25']


@pytest.mark.slow
def test_tiny_model_learns(synthetic_root, tmp_path):
    """A tiny Det_Seg_Refine: the loss falls and held-out accuracy beats a constant guess."""
    cfg = tiny_train_config(synthetic_root, str(tmp_path / 'learn'), max_epochs=8, batch_size=4)
    cfg.optim_wrapper.optimizer.lr = 0.02
    runner = Runner.from_cfg(cfg)
    runner.train()
    scalars = [json.loads(line) for line in open(
        osp.join(runner.log_dir, 'vis_data', 'scalars.json')) if '"loss"' in line]
    first = np.mean([s['loss'] for s in scalars[:2]])
    last = np.mean([s['loss'] for s in scalars[-2:]])
    assert last < 0.6 * first, f'loss {first:.3f} -> {last:.3f}'
    metrics = runner.val_loop.run()
    baseline = constant_guess_accuracy(runner.val_dataloader.dataset)
    acc = metrics['grasp/acc_a30_iou25']
    assert acc >= baseline + 0.25, f'accuracy {acc:.2f} vs constant guess {baseline:.2f}'


@pytest.mark.slow
def test_ddp_two_processes_gloo(synthetic_root, tmp_path):
    """tools/train.py under torchrun: 2 CPU processes, gloo, one epoch of the tiny model."""
    cfg = tiny_train_config(synthetic_root, str(tmp_path / 'ddp'), max_epochs=1)
    cfg.train_dataloader.sampler = dict(type='DefaultSampler', shuffle=True)
    cfg_file = str(tmp_path / 'tiny_ddp.py')
    cfg.dump(cfg_file)
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
           '--master_port=29533', osp.join(REPO, 'tools', 'train.py'), cfg_file,
           '--launcher', 'pytorch']
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    log = out.stdout + out.stderr
    assert 'Distributed training: True' in log and 'GPU number: 2' in log  # 2 processes
    assert "type='MMDistributedDataParallel'" in log and 'device_ids=None' in log
    # each process saw half of the 65 training scenes (72 of training_0.txt minus 7 held out for
    # validation): 17 iterations of 2 images
    assert 'Epoch(train) [1][15/17]' in log
    assert osp.exists(tmp_path / 'ddp' / 'epoch_1.pth')


@pytest.mark.slow
def test_ddp_two_processes_mobilenetv2(synthetic_root, tmp_path):
    """A MobileNetV2 config (frozen stages, an unused last layer) trains on 2 processes: no
    parameter that DDP registers goes without a gradient (issue 24, item 7)."""
    from mmgrasp.testing import get_config
    cfg = get_config('grasp/det_seg_mobilenetv2_fpn_synthetic.py')
    cfg.model.backbone.init_cfg = None  # no ImageNet file needed: the structure is what matters
    cfg.work_dir = str(tmp_path / 'ddp_mnv2')
    cfg.train_dataloader.dataset.data_root = synthetic_root
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    cfg.train_dataloader.batch_size = 2
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=3, val_interval=100)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False, interval=3)
    cfg.log_processor = dict(by_epoch=False)
    cfg.param_scheduler = []
    cfg_file = str(tmp_path / 'mnv2_ddp.py')
    cfg.dump(cfg_file)
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
           '--master_port=29534', osp.join(REPO, 'tools', 'train.py'), cfg_file,
           '--launcher', 'pytorch']
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    assert 'Expected to have finished reduction' not in log
    assert osp.exists(tmp_path / 'ddp_mnv2' / 'iter_3.pth')
