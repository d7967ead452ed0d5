# Copyright (c) mmgrasp contributors. All rights reserved.
"""``--resume`` takes only the run's own checkpoints, and refuses a config whose model, optimizer
or schedule differs from the checkpoint's unless told to resume anyway; a failed save names the
checkpoint and leaves no temporary file."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmgrasp.testing import tiny_train_config
from mmgrasp.utils import CheckpointError, load_checkpoint_safely
from mmgrasp.utils.checkpoint_files import write_checkpoint_bytes
from mmgrasp.utils.config_fingerprint import META_KEY
from mmgrasp.utils.resume_checkpoint import find_resume_checkpoint

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LR_KEY = 'optim_wrapper.optimizer.lr'


def short_config(synthetic_root: str, work_dir: str, max_epochs: int):
    """Epochs of 2 iterations, no validation, a checkpoint per epoch."""
    cfg = tiny_train_config(synthetic_root, work_dir, max_epochs=max_epochs)
    cfg.train_dataloader.num_batch_per_epoch = 2
    cfg.train_cfg.val_interval = 100
    return cfg


@pytest.fixture(scope='module')
def trained_dir(synthetic_root, tmp_path_factory) -> str:
    work_dir = str(tmp_path_factory.mktemp('resume_config') / 'run')
    Runner.from_cfg(short_config(synthetic_root, work_dir, max_epochs=2)).train()
    return work_dir


@pytest.fixture
def run_dir(trained_dir, tmp_path) -> str:
    return shutil.copytree(trained_dir, str(tmp_path / 'run'))


class StartIter(Hook):

    def before_train(self, runner) -> None:
        runner.start_iter = runner.iter


def resume(cfg) -> Runner:
    cfg.resume, cfg.load_from = True, None
    runner = Runner.from_cfg(cfg)
    runner.register_hook(StartIter())
    runner.train()
    return runner


@pytest.mark.slow
def test_the_checkpoint_records_the_config_fingerprint(trained_dir):
    meta = load_checkpoint_safely(osp.join(trained_dir, 'epoch_2.pth'))['meta']
    keys = meta[META_KEY]['keys']
    assert keys[LR_KEY] == '0.02' and 'model.roi_head.bbox_head.fc_out_channels' in keys
    assert not [k for k in keys if 'init_cfg' in k]


def test_a_foreign_checkpoint_name_is_not_a_candidate(tmp_path):
    for name in ('epoch_2.pth', 'det_seg_epoch_48.pth', 'best_acc_epoch_9.pth'):
        write_checkpoint_bytes(str(tmp_path / name), b'not read here')
    path, _ = find_resume_checkpoint(str(tmp_path))
    assert path == str(tmp_path / 'epoch_2.pth')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'det_seg_epoch_48.pth'))
    path, notes = find_resume_checkpoint(str(tmp_path))
    assert path == str(tmp_path / 'epoch_2.pth')
    assert any('is not one of this run\'s checkpoints' in n for n in notes)
    for name in ('iter_3.pth', 'ckpt_7.pth'):
        write_checkpoint_bytes(str(tmp_path / name), b'not read here')
    path, _ = find_resume_checkpoint(str(tmp_path), ('ckpt_{}.pth', ))
    assert path == str(tmp_path / 'ckpt_7.pth')


@pytest.mark.slow
def test_resume_ignores_a_copied_in_checkpoint(synthetic_root, run_dir):
    shutil.copy(osp.join(run_dir, 'epoch_1.pth'), osp.join(run_dir, 'det_seg_epoch_48.pth'))
    runner = resume(short_config(synthetic_root, run_dir, max_epochs=3))
    assert runner.start_iter == 4 and runner.iter == 6  # from epoch_2.pth, its own


@pytest.mark.parametrize('change,key', [
    (lambda cfg: cfg.optim_wrapper.optimizer.update(lr=0.05), f'{LR_KEY}: 0.02 -> 0.05'),
    (lambda cfg: cfg.model.roi_head.bbox_head.update(fc_out_channels=128),
     'model.roi_head.bbox_head.fc_out_channels: 64 -> 128'),
])
@pytest.mark.slow
def test_resume_with_another_config_is_refused(synthetic_root, run_dir, change, key):
    cfg = short_config(synthetic_root, run_dir, max_epochs=3)
    change(cfg)
    with pytest.raises(CheckpointError) as err:
        resume(cfg)
    message = str(err.value)
    assert message.startswith(f'Cannot resume from {osp.join(run_dir, "epoch_2.pth")}: the config '
                              'differs'), message
    assert key in message and '--resume-anyway' in message
    assert not osp.exists(osp.join(run_dir, 'epoch_3.pth'))  # nothing trained


@pytest.mark.slow
def test_resume_anyway_records_the_new_config(synthetic_root, run_dir):
    leftover = osp.join(run_dir, '.epoch_3.pth.k2x9q1.tmp')  # a save interrupted by SIGKILL
    with open(leftover, 'wb') as f:
        f.write(b'\0' * 1000)
    cfg = short_config(synthetic_root, run_dir, max_epochs=3)
    cfg.optim_wrapper.optimizer.lr = 0.05
    cfg.resume_anyway = True
    runner = resume(cfg)
    assert runner.start_iter == 4 and runner.iter == 6
    meta = load_checkpoint_safely(osp.join(run_dir, 'epoch_3.pth'))['meta']
    assert meta[META_KEY]['keys'][LR_KEY] == '0.05'
    assert not osp.exists(leftover)


@pytest.mark.slow
def test_train_script_resume_anyway_flag(synthetic_root, run_dir, tmp_path):
    cfg = short_config(synthetic_root, run_dir, max_epochs=3)
    cfg.optim_wrapper.optimizer.lr = 0.05
    cfg_file = str(tmp_path / 'short.py')
    cfg.dump(cfg_file)
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', PYTHONPATH=REPO)
    cmd = [sys.executable, osp.join(REPO, 'tools', 'train.py'), cfg_file, '--work-dir', run_dir]
    out = subprocess.run(cmd + ['--resume'], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 1 and 'Traceback' not in out.stderr, out.stderr[-3000:]
    assert f'{LR_KEY}: 0.02 -> 0.05' in out.stderr.strip().splitlines()[-1]
    out = subprocess.run(cmd + ['--resume-anyway'], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert osp.exists(osp.join(run_dir, 'epoch_3.pth'))


def test_a_failed_save_names_the_checkpoint_and_leaves_no_temporary(tmp_path):
    """``ulimit -f`` (the file size limit): the write fails half-way (EFBIG), as on a full
    disk."""
    path = str(tmp_path / 'epoch_1.pth')
    script = f"""
import resource
from mmgrasp.utils.checkpoint_files import write_checkpoint_bytes
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
write_checkpoint_bytes({path!r}, b'x' * 100000)
"""
    out = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=REPO), timeout=120)
    assert out.returncode == 1
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith(f'mmgrasp.utils.checkpoint_files.CheckpointError: Could not save the '
                           f'checkpoint {path}: '), last
    assert 'File too large' in last
    assert os.listdir(tmp_path) == []
