# Copyright (c) mmgrasp contributors. All rights reserved.
"""Every run is seeded: the same command twice gives bit-identical weights, another seed others."""
import glob
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from mmgrasp.testing import tiny_train_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def train(cfg_file: str, work_dir: str, *extra: str) -> None:
    """``tools/train.py`` in a subprocess, as a user runs it (one thread)."""
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', PYTHONPATH=REPO)
    proc = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'train.py'), cfg_file,
                           '--work-dir', work_dir, *extra], env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]


def test_every_shipped_config_is_seeded():
    configs = sorted(glob.glob(osp.join(REPO, 'configs', 'grasp', '*.py')))
    assert configs
    unseeded = [osp.basename(c) for c in configs
                if (Config.fromfile(c).get('randomness') or {}).get('seed') is None]
    assert not unseeded, f'configs without randomness.seed: {unseeded}'


def _weights(work_dir: str) -> dict:
    ckpt = torch.load(osp.join(work_dir, 'epoch_1.pth'), map_location='cpu', weights_only=False)
    return ckpt['state_dict']


@pytest.mark.slow
def test_same_command_same_weights_other_seed_other_weights(synthetic_root, tmp_path):
    cfg = tiny_train_config(synthetic_root, str(tmp_path / 'unused'), max_epochs=1)
    # the default runtime's seed, as a config that sets none inherits it
    cfg.randomness = Config.fromfile(
        osp.join(REPO, 'configs', '_base_', 'default_runtime.py')).randomness
    assert cfg.randomness == dict(seed=0)
    cfg.train_dataloader.num_batch_per_epoch = 3
    cfg.train_dataloader.num_workers = 1  # augmentation drawn in a worker process
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_cfg.val_interval = 10
    cfg_file = str(tmp_path / 'tiny.py')
    cfg.dump(cfg_file)
    a, b, c = (str(tmp_path / name) for name in ('a', 'b', 'c'))
    train(cfg_file, a)
    train(cfg_file, b)
    train(cfg_file, c, '--seed', '1')
    wa, wb, wc = _weights(a), _weights(b), _weights(c)
    differ = [k for k in wa if not torch.equal(wa[k], wb[k])]
    assert not differ, f'{len(differ)} tensors differ between two identical runs: {differ[:3]}'
    assert any(not torch.equal(wa[k], wc[k]) for k in wa), '--seed 1 changed nothing'
