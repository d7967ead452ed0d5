# Copyright (c) mmgrasp contributors. All rights reserved.
"""The suite's one rule on speed: a test that trains a model is marked ``slow``.

``bash tools/run_tests.sh -m "not slow"`` is then a quick loop, and the rule keeps itself: a test
without the mark that starts a training run fails, naming how it trained. A training run is
mmengine's ``Runner.train`` in this process, or a child process running ``tools/train.py``,
``tools/dist_train.sh`` or ``torch.distributed.run``.
"""
import subprocess

import pytest
from mmengine.runner import Runner

TRAINING_COMMANDS = ('tools/train.py', 'dist_train.sh', 'torch.distributed.run')


class TrainingInUnmarkedTest(AssertionError):
    """A test that trains is not marked ``slow``."""


def _refuse(what: str, test: str):
    raise TrainingInUnmarkedTest(
        f'{test} trains ({what}) but is not marked slow: add @pytest.mark.slow (tests/conftest.py)')


@pytest.fixture(autouse=True)
def training_needs_the_slow_mark(request, monkeypatch):
    """Outside ``slow`` tests, ``Runner.train`` and training subprocesses raise."""
    if request.node.get_closest_marker('slow') is not None:
        yield
        return
    test = request.node.nodeid
    real_popen_init = subprocess.Popen.__init__

    def train(self, *args, **kwargs):
        _refuse('Runner.train', test)

    def popen_init(self, args, *rest, **kwargs):
        text = ' '.join(map(str, args)) if isinstance(args, (list, tuple)) else str(args)
        for command in TRAINING_COMMANDS:
            if command in text:
                _refuse(f'a child process running {command}', test)
        real_popen_init(self, args, *rest, **kwargs)

    monkeypatch.setattr(Runner, 'train', train)
    monkeypatch.setattr(subprocess.Popen, '__init__', popen_init)
    yield
