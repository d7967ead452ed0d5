# Copyright (c) mmgrasp contributors. All rights reserved.
"""Damaged checkpoints stop a resume with a clear message; --resume finds the newest checkpoint;
no run overwrites the checkpoints of another."""
import hashlib
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmgrasp.testing import tiny_train_config
from mmgrasp.utils import CheckpointError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def short_config(synthetic_root: str, work_dir: str, max_epochs: int):
    """Epochs of 2 iterations, no validation, a checkpoint per epoch."""
    cfg = tiny_train_config(synthetic_root, work_dir, max_epochs=max_epochs)
    cfg.train_dataloader.num_batch_per_epoch = 2
    cfg.train_cfg.val_interval = 100
    cfg.default_hooks.logger.interval = 1
    return cfg


def sha256(path: str) -> str:
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.fixture(scope='module')
def trained_dir(synthetic_root, tmp_path_factory) -> str:
    """A work dir after 2 epochs: epoch_1.pth, epoch_2.pth, their checksums, last_checkpoint."""
    work_dir = str(tmp_path_factory.mktemp('integrity') / 'run')
    Runner.from_cfg(short_config(synthetic_root, work_dir, max_epochs=2)).train()
    return work_dir


@pytest.fixture
def run_dir(trained_dir, tmp_path) -> str:
    """A private copy of the trained work dir."""
    return shutil.copytree(trained_dir, str(tmp_path / 'run'))


class StartIter(Hook):
    """Records the iteration training starts from."""

    def before_train(self, runner) -> None:
        runner.start_iter = runner.iter


def resume(synthetic_root: str, work_dir: str, max_epochs: int = 2, load_from=None) -> Runner:
    """Resume the run (train to ``max_epochs``: nothing left to train by default); the runner's
    ``start_iter`` is where training started."""
    cfg = short_config(synthetic_root, work_dir, max_epochs=max_epochs)
    cfg.resume, cfg.load_from = True, load_from
    runner = Runner.from_cfg(cfg)
    runner.register_hook(StartIter())
    runner.train()
    return runner


@pytest.mark.slow
def test_checkpoints_have_a_matching_checksum_and_no_leftovers(trained_dir):
    names = sorted(os.listdir(trained_dir))
    assert {'epoch_1.pth', 'epoch_1.pth.sha256', 'epoch_2.pth', 'epoch_2.pth.sha256',
            'last_checkpoint'} <= set(names)
    assert not [n for n in names if n.endswith('.tmp')]
    for name in ('epoch_1.pth', 'epoch_2.pth'):
        path = osp.join(trained_dir, name)
        with open(path + '.sha256') as f:
            assert f.read() == f'{sha256(path)}  {name}\n'  # the format of sha256sum


def flip_4k(path: str) -> None:
    with open(path, 'r+b') as f:
        f.seek(osp.getsize(path) // 2)
        block = f.read(4096)
        f.seek(-len(block), os.SEEK_CUR)
        f.write(bytes(b ^ 0xFF for b in block))


def truncate(path: str) -> None:
    with open(path, 'r+b') as f:
        f.truncate(osp.getsize(path) // 3)


def empty(path: str) -> None:
    open(path, 'wb').close()


def text(path: str) -> None:
    with open(path, 'w') as f:
        f.write('version https://git-lfs.github.com/spec/v1\noid sha256:0123\nsize 42\n')


@pytest.mark.slow
@pytest.mark.parametrize('damage', [flip_4k, truncate, empty, text])
def test_damaged_newest_checkpoint_stops_the_resume(synthetic_root, run_dir, damage):
    newest, intact = osp.join(run_dir, 'epoch_2.pth'), osp.join(run_dir, 'epoch_1.pth')
    damage(newest)
    with pytest.raises(CheckpointError) as err:
        resume(synthetic_root, run_dir, max_epochs=3)
    message = str(err.value)
    assert f'Cannot resume from {newest}: the file is damaged' in message
    assert f'The newest intact checkpoint in {run_dir} is {intact}' in message
    assert f'mv {newest} {newest}.damaged' in message
    assert not osp.exists(osp.join(run_dir, 'epoch_3.pth'))  # nothing was trained or saved


@pytest.mark.slow
def test_damaged_checkpoint_given_by_path(synthetic_root, run_dir):
    path = osp.join(run_dir, 'epoch_1.pth')
    flip_4k(path)
    with pytest.raises(CheckpointError, match=f'Cannot resume from {path}: the file is damaged: '
                       'its sha256 is'):
        resume(synthetic_root, run_dir, load_from=path)


@pytest.mark.slow
def test_damaged_checkpoint_as_load_from(synthetic_root, run_dir, tmp_path):
    path = osp.join(run_dir, 'epoch_2.pth')
    truncate(path)
    cfg = short_config(synthetic_root, str(tmp_path / 'finetune'), max_epochs=1)
    cfg.load_from = path
    with pytest.raises(CheckpointError, match=f'Cannot load {path}: the file is damaged'):
        Runner.from_cfg(cfg).train()


@pytest.mark.slow
def test_resume_without_last_checkpoint_takes_the_newest(synthetic_root, run_dir):
    os.remove(osp.join(run_dir, 'last_checkpoint'))
    names = ('epoch_1.pth', 'epoch_2.pth')
    before = {n: (os.stat(osp.join(run_dir, n)).st_mtime_ns, sha256(osp.join(run_dir, n)))
              for n in names}
    runner = resume(synthetic_root, run_dir, max_epochs=3)
    assert runner.start_iter == 4 and runner.iter == 6  # not started again from the first
    after = {n: (os.stat(osp.join(run_dir, n)).st_mtime_ns, sha256(osp.join(run_dir, n)))
             for n in names}
    assert after == before  # not overwritten
    assert osp.exists(osp.join(run_dir, 'epoch_3.pth'))


@pytest.mark.slow
def test_resume_with_empty_last_checkpoint(synthetic_root, run_dir):
    empty(osp.join(run_dir, 'last_checkpoint'))  # mmengine: "FileNotFoundError:  can not be found."
    runner = resume(synthetic_root, run_dir)
    assert runner.start_iter == 4 and runner.epoch == 2


@pytest.mark.slow
def test_resume_in_an_empty_work_dir_starts_from_scratch(synthetic_root, tmp_path):
    runner = resume(synthetic_root, str(tmp_path / 'new'), max_epochs=1)
    assert runner.start_iter == 0 and runner.iter == 2


@pytest.mark.slow
def test_new_run_refuses_to_overwrite_another_runs_checkpoints(synthetic_root, run_dir):
    before = sha256(osp.join(run_dir, 'epoch_1.pth'))
    with pytest.raises(CheckpointError, match='already holds checkpoints .*epoch_1.pth.*--resume'):
        Runner.from_cfg(short_config(synthetic_root, run_dir, max_epochs=2)).train()
    assert sha256(osp.join(run_dir, 'epoch_1.pth')) == before


@pytest.mark.slow
def test_resume_from_an_older_checkpoint_refuses_to_overwrite_later_ones(synthetic_root,
                                                                         run_dir):
    with pytest.raises(CheckpointError, match='also holds later checkpoints \\(epoch_2.pth\\)'):
        resume(synthetic_root, run_dir, load_from=osp.join(run_dir, 'epoch_1.pth'))


@pytest.mark.slow
def test_checkpoint_without_checksum_is_still_checked(synthetic_root, run_dir):
    """A checkpoint from before checksums: a damaged one is caught by its zip CRCs."""
    path = osp.join(run_dir, 'epoch_2.pth')
    os.remove(path + '.sha256')
    flip_4k(path)
    with pytest.raises(CheckpointError, match='fails its CRC-32 check'):
        resume(synthetic_root, run_dir)
    torch.load(path, map_location='cpu', weights_only=False)  # what torch alone would accept


@pytest.mark.slow
def test_train_script_reports_a_damaged_checkpoint_without_traceback(synthetic_root, run_dir,
                                                                     tmp_path):
    newest = osp.join(run_dir, 'epoch_2.pth')
    truncate(newest)
    cfg_file = str(tmp_path / 'short.py')
    short_config(synthetic_root, run_dir, max_epochs=3).dump(cfg_file)
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    out = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'train.py'), cfg_file,
                          '--work-dir', run_dir, '--resume'],
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 1
    assert 'Traceback' not in out.stderr, out.stderr[-3000:]
    assert out.stderr.strip().splitlines()[-1].startswith(
        f'CheckpointError: Cannot resume from {newest}: the file is damaged')


@pytest.mark.slow
def test_save_best_saves_the_epoch_twice_in_one_run(synthetic_root, tmp_path):
    """mmengine saves epoch_N.pth again after a validation with a new best score (so that it
    records best_score): that second save of this run's own file is allowed, atomically."""
    cfg = short_config(synthetic_root, str(tmp_path / 'best'), max_epochs=2)
    cfg.train_cfg.val_interval = 1
    cfg.val_dataloader.num_batch_per_epoch = 2
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1, max_keep_ckpts=3,
                                        save_best='grasp/acc_a30_iou25', rule='greater')
    Runner.from_cfg(cfg).train()
    names = set(os.listdir(tmp_path / 'best'))
    assert {'epoch_1.pth', 'epoch_2.pth'} <= names
    assert any(n.startswith('best_grasp_acc_a30_iou25_epoch_') for n in names)
    for name in ('epoch_1.pth', 'epoch_2.pth'):
        path = str(tmp_path / 'best' / name)
        with open(path + '.sha256') as f:
            assert f.read() == f'{sha256(path)}  {name}\n'
        assert 'best_score' in torch.load(path, weights_only=False)['message_hub']['runtime_info']


@pytest.mark.slow
def test_resume_in_an_empty_work_dir_starts_from_load_from(synthetic_root, trained_dir,
                                                           tmp_path):
    """tools/train.py --resume with a config load_from (a Det_Seg_Refine fine-tuning from its
    Det_Seg): with no checkpoint to resume, the run starts from load_from's weights."""
    cfg = short_config(synthetic_root, str(tmp_path / 'fresh'), max_epochs=1)
    source = osp.join(trained_dir, 'epoch_2.pth')
    cfg.resume, cfg.load_from = True, None
    cfg.load_from_if_no_checkpoint = source
    cfg.optim_wrapper.optimizer.lr = 0.0  # weights stay those loaded
    cfg.param_scheduler = []
    runner = Runner.from_cfg(cfg)
    runner.register_hook(StartIter())
    runner.train()
    assert runner.start_iter == 0  # loaded, not resumed
    loaded = torch.load(source, weights_only=False)['state_dict']
    name = 'roi_head.bbox_head.fc_cls.weight'
    assert torch.equal(runner.model.state_dict()[name], loaded[name])
    cfg.load_from_if_no_checkpoint = str(tmp_path / 'missing.pth')
    cfg.work_dir = str(tmp_path / 'fresh2')
    with pytest.raises(CheckpointError, match='missing.pth'):
        Runner.from_cfg(cfg).train()
