# Copyright (c) mmgrasp contributors. All rights reserved.
"""The suite's one rule on speed: a test that trains a model is marked ``slow``.

``bash tools/run_tests.sh -m "not slow"`` is then a quick loop, and the rule keeps itself: a test
without the mark that starts a training run fails, naming how it trained. A training run is
mmengine's ``Runner.train`` in this process, or a child process running ``tools/train.py``,
``tools/dist_train.sh`` or ``torch.distributed.run``. The guard covers the test's setup too, so a
fixture that trains (a module-scoped ``trained_dir``, say) counts for the first test that needs it.

The suite runs in two pytest-xdist workers (``tools/run_tests.sh``), one per core: each worker and
the processes it starts use one thread, so the two never fight over a core.
"""
import os
import subprocess

import pytest
from mmengine.runner import Runner

TRAINING_COMMANDS = ('tools/train.py', 'dist_train.sh', 'torch.distributed.run')


def pytest_configure(config):
    """One thread per xdist worker (and its child processes): two workers fill the two cores."""
    if os.environ.get('PYTEST_XDIST_WORKER'):
        import torch
        os.environ['OMP_NUM_THREADS'] = '1'
        torch.set_num_threads(1)


class TrainingInUnmarkedTest(AssertionError):
    """A test that trains is not marked ``slow``."""


def _refuse(what: str, test: str):
    raise TrainingInUnmarkedTest(
        f'{test} trains ({what}) but is not marked slow: add @pytest.mark.slow (tests/conftest.py)')


def _guard(item) -> pytest.MonkeyPatch:
    """Patch ``Runner.train`` and ``subprocess.Popen`` to refuse training for ``item``."""
    test = item.nodeid
    real_popen_init = subprocess.Popen.__init__

    def train(self, *args, **kwargs):
        _refuse('Runner.train', test)

    def popen_init(self, args, *rest, **kwargs):
        text = ' '.join(map(str, args)) if isinstance(args, (list, tuple)) else str(args)
        for command in TRAINING_COMMANDS:
            if command in text:
                _refuse(f'a child process running {command}', test)
        real_popen_init(self, args, *rest, **kwargs)

    patch = pytest.MonkeyPatch()
    patch.setattr(Runner, 'train', train)
    patch.setattr(subprocess.Popen, '__init__', popen_init)
    return patch


def _guarded(item):
    if item.get_closest_marker('slow') is not None:
        yield
        return
    patch = _guard(item)
    try:
        yield
    finally:
        patch.undo()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    """Fixtures of an unmarked test (of any scope, set up for it) may not train."""
    yield from _guarded(item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """An unmarked test may not train."""
    yield from _guarded(item)
