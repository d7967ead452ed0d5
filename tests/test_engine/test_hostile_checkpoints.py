# Copyright (c) mmgrasp contributors. All rights reserved.
"""No checkpoint runs code, whatever the entry point: tools/test.py, ``mmdet.apis.init_detector``,
demo/image_demo.py, the Runner's ``load_from=`` and ``--resume``, and the config a checkpoint
stores (demo CONFIG ``none``); a checkpoint written by today's code still loads everywhere.

The hostile files are built at test time from a real checkpoint: a pickle whose ``__reduce__``
would create a marker file when unpickled, or a stored config whose text would. Each test
asserts the marker was NOT created.
"""
import glob
import hashlib
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmgrasp.testing import tiny_train_config
from mmgrasp.utils.safe_checkpoint import (UnsafeCheckpointError, load_checkpoint_safely,
                                           unsafe_globals)
from mmgrasp.utils.stored_config import stored_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ENV = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', PYTHONPATH=REPO)


class Payload:
    """Unpickling it runs ``exec``: it creates ``marker``."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').close()", ))


def short_config(synthetic_root: str, work_dir: str, max_epochs: int = 1):
    """Epochs of 2 iterations, no validation, a checkpoint per epoch."""
    cfg = tiny_train_config(synthetic_root, work_dir, max_epochs=max_epochs)
    cfg.train_dataloader.num_batch_per_epoch = 2
    cfg.train_cfg.val_interval = 100
    return cfg


@pytest.fixture(scope='module')
def trained(synthetic_root, tmp_path_factory):
    """A tiny run of 1 epoch (2 iterations) by today's code: its config file and work dir."""
    root = tmp_path_factory.mktemp('hostile')
    work_dir = str(root / 'run')
    cfg = short_config(synthetic_root, work_dir)
    config = str(root / 'tiny.py')
    cfg.dump(config)
    Runner.from_cfg(cfg).train()
    return config, work_dir


def hostile_copy(checkpoint: str, path: str, marker: str) -> str:
    """``checkpoint`` with a payload in its ``meta``, and a matching ``.sha256`` beside it (the
    attacker supplies that too)."""
    ckpt = load_checkpoint_safely(checkpoint)
    ckpt['meta']['note'] = Payload(marker)
    torch.save(ckpt, path)
    with open(path, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    with open(path + '.sha256', 'w') as f:
        f.write(f'{digest}  {osp.basename(path)}\n')
    return path


def run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], env=ENV, capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


def an_image(synthetic_root: str) -> str:
    return sorted(glob.glob(osp.join(synthetic_root, '**', '*.png'), recursive=True))[0]


@pytest.mark.slow
def test_todays_checkpoint_loads_safely(trained):
    config, work_dir = trained
    path = osp.join(work_dir, 'epoch_1.pth')
    assert unsafe_globals(path) == []  # nothing beyond the allow-list
    ckpt = load_checkpoint_safely(path)
    assert ckpt['meta']['epoch'] == 1 and ckpt['state_dict']
    cfg = stored_config(ckpt, path)  # the stored config reads as data
    assert cfg.model == Config.fromfile(config).model


@pytest.mark.slow
def test_todays_checkpoint_with_stored_config_in_the_inferencer(trained, synthetic_root):
    from mmgrasp.apis import GraspInferencer
    _, work_dir = trained
    inferencer = GraspInferencer(None, osp.join(work_dir, 'epoch_1.pth'), device='cpu',
                                 show_progress=False)
    out = inferencer(an_image(synthetic_root), no_save_vis=True, no_save_pred=True)
    assert len(out['predictions']) == 1


@pytest.mark.slow
def test_todays_checkpoint_resumes(trained, synthetic_root, tmp_path):
    _, work_dir = trained
    run_dir = shutil.copytree(work_dir, str(tmp_path / 'run'))
    cfg = short_config(synthetic_root, run_dir, max_epochs=1)
    cfg.resume = True
    runner = Runner.from_cfg(cfg)
    runner.train()  # nothing left to train: only the resume
    assert runner.iter == 2


@pytest.mark.slow
def test_tools_test_refuses_a_hostile_checkpoint(trained, tmp_path):
    config, work_dir = trained
    marker = str(tmp_path / 'ran')
    evil = hostile_copy(osp.join(work_dir, 'epoch_1.pth'), str(tmp_path / 'evil.pth'), marker)
    proc = run(osp.join(REPO, 'tools', 'test.py'), config, evil, '--work-dir',
               str(tmp_path / 'work'))
    assert not osp.exists(marker), 'the payload ran'
    assert proc.returncode != 0
    assert 'builtins.exec' in proc.stderr and evil in proc.stderr, proc.stderr[-3000:]


@pytest.mark.slow
def test_init_detector_refuses_a_hostile_checkpoint(trained, tmp_path):
    """Through mmdet's API in a fresh process that never imports mmgrasp itself: the config's
    default scope does, and that registers the loader."""
    config, work_dir = trained
    marker = str(tmp_path / 'ran')
    evil = hostile_copy(osp.join(work_dir, 'epoch_1.pth'), str(tmp_path / 'evil.pth'), marker)
    code = ('from mmdet.apis import init_detector\n'
            f'init_detector({config!r}, {evil!r}, device="cpu")\n')
    proc = run('-c', code)
    assert not osp.exists(marker), 'the payload ran'
    assert proc.returncode != 0
    assert 'UnsafeCheckpointError' in proc.stderr and 'builtins.exec' in proc.stderr, \
        proc.stderr[-3000:]


@pytest.mark.slow
def test_image_demo_refuses_a_hostile_checkpoint(trained, synthetic_root, tmp_path):
    config, work_dir = trained
    marker = str(tmp_path / 'ran')
    evil = hostile_copy(osp.join(work_dir, 'epoch_1.pth'), str(tmp_path / 'evil.pth'), marker)
    proc = run(osp.join(REPO, 'demo', 'image_demo.py'), an_image(synthetic_root), config,
               '--weights', evil, '--out-dir', str(tmp_path / 'out'))
    assert not osp.exists(marker), 'the payload ran'
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert 'builtins.exec' in proc.stderr and 'Traceback' not in proc.stderr


@pytest.mark.slow
def test_image_demo_does_not_run_a_stored_config(trained, synthetic_root, tmp_path):
    """CONFIG ``none``: the config stored in a (pickle-safe) checkpoint is code: not run."""
    _, work_dir = trained
    marker = str(tmp_path / 'ran')
    ckpt = load_checkpoint_safely(osp.join(work_dir, 'epoch_1.pth'))
    code = ckpt['meta']['cfg'] + f"\nopen({marker!r}, 'w').close()\n"
    ckpt['meta']['cfg'] = code
    ckpt['message_hub']['runtime_info']['cfg'] = code
    path = str(tmp_path / 'stored.pth')
    torch.save(ckpt, path)
    proc = run(osp.join(REPO, 'demo', 'image_demo.py'), an_image(synthetic_root), 'none',
               '--weights', path, '--out-dir', str(tmp_path / 'out'))
    assert not osp.exists(marker), 'the stored config ran'
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert 'pass the config file' in proc.stderr


@pytest.mark.slow
def test_load_from_refuses_a_hostile_checkpoint(trained, synthetic_root, tmp_path):
    _, work_dir = trained
    marker = str(tmp_path / 'ran')
    evil = hostile_copy(osp.join(work_dir, 'epoch_1.pth'), str(tmp_path / 'evil.pth'), marker)
    cfg = short_config(synthetic_root, str(tmp_path / 'new'))
    cfg.load_from = evil
    with pytest.raises(UnsafeCheckpointError, match='builtins.exec'):
        Runner.from_cfg(cfg).train()
    assert not osp.exists(marker), 'the payload ran'


@pytest.mark.slow
def test_resume_refuses_a_hostile_checkpoint(trained, synthetic_root, tmp_path):
    """A hostile newest checkpoint in the work dir, with a checksum that matches it."""
    _, work_dir = trained
    run_dir = shutil.copytree(work_dir, str(tmp_path / 'run'))
    marker = str(tmp_path / 'ran')
    hostile_copy(osp.join(run_dir, 'epoch_1.pth'), osp.join(run_dir, 'epoch_2.pth'), marker)
    cfg = short_config(synthetic_root, run_dir, max_epochs=3)
    cfg.resume = True
    with pytest.raises(UnsafeCheckpointError, match='builtins.exec'):
        Runner.from_cfg(cfg).train()
    assert not osp.exists(marker), 'the payload ran'
