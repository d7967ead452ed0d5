# Copyright (c) mmgrasp contributors. All rights reserved.
"""tests/conftest.py: a test that trains without the ``slow`` mark fails, naming how it trained."""
import subprocess
import sys

import pytest
from mmengine.runner import Runner


def test_runner_train_outside_a_slow_test_fails():
    with pytest.raises(AssertionError, match=r'outside.*Runner\.train.*not marked slow'):
        Runner.train(object())


@pytest.mark.parametrize('command', [
    [sys.executable, 'tools/train.py', 'cfg.py'],
    'bash tools/dist_train.sh cfg.py 2',
    [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2', 'x.py'],
])
def test_training_subprocess_outside_a_slow_test_fails(command):
    with pytest.raises(AssertionError, match='child process running.*not marked slow'):
        subprocess.run(command, shell=isinstance(command, str))


def test_other_subprocesses_run():
    out = subprocess.run([sys.executable, '-c', 'print(6 * 7)'], capture_output=True, text=True)
    assert out.stdout.strip() == '42'


@pytest.mark.slow
def test_a_slow_test_may_train(monkeypatch):
    called = []
    monkeypatch.setattr(subprocess.Popen, '__init__', lambda self, *a, **k: called.append(a))
    subprocess.Popen([sys.executable, 'tools/train.py', 'cfg.py'])
    assert called  # the guard let it through to (a stand-in for) Popen
