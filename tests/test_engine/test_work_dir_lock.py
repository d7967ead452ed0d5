# Copyright (c) mmgrasp contributors. All rights reserved.
"""One training run per work dir: a second run is refused with the first's details, a stale lock
is taken over, and a checkpoint is never published over an existing file."""
import hashlib
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmgrasp.testing import tiny_train_config
from mmgrasp.utils import checkpoint_files
from mmgrasp.utils.checkpoint_files import CheckpointError, publish_no_clobber
from mmgrasp.utils.work_dir_lock import LOCK_NAME, WorkDirBusyError, WorkDirLock, _process_start

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ENV = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', PYTHONPATH=REPO)


def write_lock(work_dir, pid, host=None, proc_start=None) -> None:
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, LOCK_NAME), 'w') as f:
        json.dump(dict(pid=pid, host=host or socket.gethostname(), started='2024-01-02T03:04:05',
                       command='python tools/train.py other.py', proc_start=proc_start,
                       token='x'), f)


@pytest.fixture
def live_process():
    proc = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])
    yield proc
    proc.kill()
    proc.wait()


def test_a_live_run_holds_the_work_dir(tmp_path, live_process):
    work_dir = str(tmp_path / 'run')
    write_lock(work_dir, live_process.pid, proc_start=_process_start(live_process.pid))
    with pytest.raises(WorkDirBusyError) as err:
        WorkDirLock(work_dir).acquire()
    message = str(err.value)
    assert (f'{work_dir} is in use by another training run: PID {live_process.pid} on '
            f'{socket.gethostname()}, started 2024-01-02T03:04:05') in message
    assert 'python tools/train.py other.py' in message
    assert json.load(open(osp.join(work_dir, LOCK_NAME)))['pid'] == live_process.pid  # untouched


def test_a_lock_from_another_host_is_never_taken_over(tmp_path):
    work_dir = str(tmp_path / 'run')
    write_lock(work_dir, 1, host='some-other-node')
    with pytest.raises(WorkDirBusyError, match='another host.*remove .*train.lock'):
        WorkDirLock(work_dir).acquire()


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    work_dir = str(tmp_path / 'run')
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait()
    write_lock(work_dir, dead.pid)
    lock = WorkDirLock(work_dir)
    notes = lock.acquire()
    assert len(notes) == 1 and f'(PID {dead.pid} on' in notes[0]
    assert f'process {dead.pid} no longer runs' in notes[0]
    assert json.load(open(lock.path))['pid'] == os.getpid()
    assert sorted(os.listdir(work_dir)) == [LOCK_NAME]  # nothing moved aside is left
    lock.release()
    assert not osp.exists(lock.path)


def test_a_reused_pid_is_not_the_owner(tmp_path, live_process):
    work_dir = str(tmp_path / 'run')
    write_lock(work_dir, live_process.pid, proc_start='1')  # the owner started at another time
    assert 'the PID was reused' in WorkDirLock(work_dir).acquire()[0]


def test_the_lock_is_released_when_a_run_stops_with_an_exception(tmp_path):
    work_dir = str(tmp_path / 'run')
    script = f"""
from types import SimpleNamespace
from mmengine.logging import MMLogger
from mmengine.runner import BaseLoop
from mmgrasp.engine.hooks import WorkDirLockHook
class Loop(BaseLoop):
    def run(self):
        pass
runner = SimpleNamespace(work_dir={work_dir!r}, _train_loop=object.__new__(Loop),
                         logger=MMLogger.get_instance('lock_test'))
WorkDirLockHook().before_run(runner)
assert __import__('os').path.exists({work_dir!r} + '/train.lock')
raise RuntimeError('training failed')
"""
    out = subprocess.run([sys.executable, '-c', script], env=ENV, capture_output=True, text=True,
                         timeout=120)
    assert 'RuntimeError: training failed' in out.stderr, out.stderr[-2000:]
    assert not osp.exists(osp.join(work_dir, LOCK_NAME))


def sha256(path: str) -> str:
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


class SecondRun(Hook):
    """Starts ``tools/train.py`` in the same work dir while this run trains."""

    def __init__(self, cfg_file: str) -> None:
        self.cfg_file = cfg_file
        self.result = None

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if self.result is None:
            self.result = subprocess.run(
                [sys.executable, osp.join(REPO, 'tools', 'train.py'), self.cfg_file,
                 '--work-dir', runner.work_dir], env=ENV, capture_output=True, text=True,
                timeout=300)


@pytest.mark.slow
def test_two_runs_in_one_work_dir(synthetic_root, tmp_path):
    work_dir = str(tmp_path / 'run')
    cfg = tiny_train_config(synthetic_root, work_dir, max_epochs=2)
    cfg.train_dataloader.num_batch_per_epoch = 2
    cfg.train_cfg.val_interval = 100
    cfg_file = str(tmp_path / 'cfg.py')
    cfg.dump(cfg_file)
    second = SecondRun(cfg_file)
    runner = Runner.from_cfg(cfg)
    runner.register_hook(second)
    runner.train()

    out = second.result
    assert out.returncode == 1, out.stderr[-3000:]
    assert 'Traceback' not in out.stderr, out.stderr[-3000:]
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith(f'WorkDirBusyError: {work_dir} is in use by another training run: '
                           f'PID {os.getpid()} on {socket.gethostname()}, started '), last
    # the first run finished intact: its own checkpoints, each with its checksum, and no lock
    for name in ('epoch_1.pth', 'epoch_2.pth'):
        path = osp.join(work_dir, name)
        assert open(path + '.sha256').read() == f'{sha256(path)}  {name}\n'
    assert runner.iter == 4
    assert not osp.exists(osp.join(work_dir, LOCK_NAME))
    assert not [n for n in os.listdir(work_dir) if n.endswith('.tmp')]


def test_publish_refuses_to_replace_an_existing_file(tmp_path):
    target, tmp = tmp_path / 'epoch_1.pth', tmp_path / '.epoch_1.pth.abc.tmp'
    target.write_bytes(b'first')
    tmp.write_bytes(b'second')
    with pytest.raises(CheckpointError, match='Refusing to overwrite .*epoch_1.pth'):
        publish_no_clobber(str(tmp), str(target))
    assert target.read_bytes() == b'first' and not tmp.exists()


def test_a_writer_that_comes_second_replaces_nothing(tmp_path, monkeypatch):
    """Another run creates the checkpoint between this writer's check and its publication: the
    other run's file and checksum stay (a rename would have replaced them)."""
    path = str(tmp_path / 'iter_2.pth')
    real = checkpoint_files.write_temp

    def racing(dest, data):
        tmp = real(dest, data)
        if dest == path:  # the other run publishes meanwhile
            with open(path, 'wb') as f:
                f.write(b'other run')
            with open(path + '.sha256', 'w') as f:
                f.write('theirs')
        return tmp

    monkeypatch.setattr(checkpoint_files, 'write_temp', racing)
    with pytest.raises(CheckpointError, match='Refusing to overwrite'):
        checkpoint_files.write_checkpoint_bytes(path, b'this run')
    assert open(path, 'rb').read() == b'other run'
    assert open(path + '.sha256').read() == 'theirs'
    assert sorted(os.listdir(tmp_path)) == ['iter_2.pth', 'iter_2.pth.sha256']
