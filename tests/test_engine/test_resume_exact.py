# Copyright (c) mmgrasp contributors. All rights reserved.
"""A run killed (SIGKILL) after a checkpoint and resumed with ``--resume`` ends with exactly the
weights of a run that was never interrupted."""
import os
import os.path as osp
import signal
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from mmgrasp.testing import tiny_train_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TRAIN = osp.join(REPO, 'tools', 'train.py')


def tiny_resumable_config(synthetic_root: str, tmp_path) -> str:
    """3 epochs of 4 iterations, validation after each, a worker with random augmentation."""
    cfg = tiny_train_config(synthetic_root, str(tmp_path / 'unused'), max_epochs=3)
    cfg.randomness = dict(seed=0, deterministic=True)
    cfg.train_dataloader.num_batch_per_epoch = 4
    # the configs' default: one persistent worker, drawing the random rotations and shifts
    cfg.train_dataloader.num_workers = 1
    cfg.train_dataloader.persistent_workers = True
    cfg.val_dataloader.num_batch_per_epoch = 2
    cfg.train_cfg.val_interval = 1  # validation between the epochs must not shift the randomness
    cfg.default_hooks.logger.interval = 1
    path = str(tmp_path / 'tiny_resumable.py')
    cfg.dump(path)
    return path


def killed_after_epoch_config(cfg_file: str, epoch: int) -> str:
    """The same config with ``KillAfterCheckpointHook(epoch)``: the run SIGKILLs itself right
    after the checkpoint of ``epoch``. Resuming uses ``cfg_file`` itself (hooks are not part of
    what a resume checks)."""
    cfg = Config.fromfile(cfg_file)
    cfg.custom_imports = dict(imports=['mmgrasp.testing.kill_after_checkpoint_hook'],
                              allow_failed_imports=False)
    cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + [
        dict(type='KillAfterCheckpointHook', epoch=epoch)]
    path = cfg_file.replace('.py', f'_killed_after_epoch_{epoch}.py')
    cfg.dump(path)
    return path


def train(cfg_file: str, work_dir: str, *extra: str, killed: bool = False) -> str:
    """Run tools/train.py; ``killed``: the run must end by SIGKILL (its own hook's)."""
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', PYTHONPATH=REPO)
    cmd = [sys.executable, TRAIN, cfg_file, '--work-dir', work_dir, *extra]
    log_path = work_dir + '.log'
    with open(log_path, 'w') as log:
        proc = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=600)
    with open(log_path) as f:
        out = f.read()
    if killed:
        assert proc.returncode == -signal.SIGKILL, 'the run was not killed\n' + out[-3000:]
    else:
        assert proc.returncode == 0, out[-3000:]
    return out


@pytest.mark.slow
def test_killed_and_resumed_run_equals_uninterrupted_run(synthetic_root, tmp_path):
    cfg_file = tiny_resumable_config(synthetic_root, tmp_path)
    whole, broken = str(tmp_path / 'whole'), str(tmp_path / 'broken')
    train(cfg_file, whole)
    train(killed_after_epoch_config(cfg_file, 1), broken, killed=True)
    assert sorted(f for f in os.listdir(broken) if f.endswith('.pth')) == ['epoch_1.pth']
    log = train(cfg_file, broken, '--resume')
    assert 'resumed epoch: 1, iter: 4' in log, log[-3000:]

    a = torch.load(osp.join(whole, 'epoch_3.pth'), map_location='cpu', weights_only=False)
    b = torch.load(osp.join(broken, 'epoch_3.pth'), map_location='cpu', weights_only=False)
    assert a['meta']['iter'] == b['meta']['iter'] == 12
    assert a['state_dict'].keys() == b['state_dict'].keys()
    differ = [k for k in a['state_dict'] if not torch.equal(a['state_dict'][k], b['state_dict'][k])]
    assert not differ, f'{len(differ)} of {len(a["state_dict"])} tensors differ, e.g. {differ[:3]}'
    momenta_a = a['optimizer']['state']
    momenta_b = b['optimizer']['state']
    assert momenta_a.keys() == momenta_b.keys()
    for k in momenta_a:
        assert torch.equal(momenta_a[k]['momentum_buffer'], momenta_b[k]['momentum_buffer'])
