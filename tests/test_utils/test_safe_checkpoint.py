# Copyright (c) mmgrasp contributors. All rights reserved.
"""The one checkpoint loader: hostile pickles are refused unrun, plain data still loads; a config
stored in a checkpoint is read as data, never run.

The hostile files are built here, at test time: a pickle whose ``__reduce__`` would create a
marker file when unpickled."""
import collections
import os.path as osp
import random

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

from mmgrasp.utils.safe_checkpoint import (UnsafeCheckpointError, load_checkpoint_safely,
                                           load_from_local_safe, unsafe_globals)
from mmgrasp.utils.stored_config import StoredConfigError, config_from_text, stored_config


class Payload:
    """Unpickling it runs ``exec``: it creates ``marker``."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').close()", ))


def hostile_checkpoint(path: str, marker: str, legacy: bool = False) -> str:
    """A checkpoint with weights and a payload in its ``meta``."""
    torch.save(dict(state_dict={'w': torch.ones(2)}, meta=dict(note=Payload(marker))), path,
               _use_new_zipfile_serialization=not legacy)
    return path


@pytest.mark.parametrize('legacy', [False, True], ids=['zip', 'legacy'])
def test_hostile_checkpoint_is_refused_unrun(tmp_path, legacy):
    marker = str(tmp_path / 'ran')
    path = hostile_checkpoint(str(tmp_path / 'evil.pth'), marker, legacy)
    with pytest.raises(UnsafeCheckpointError) as e:
        load_checkpoint_safely(path)
    assert not osp.exists(marker)
    assert path in str(e.value) and 'builtins.exec' in str(e.value)
    # mmengine's own entry point takes the same loader for local paths
    with pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(path, map_location='cpu')
    assert not osp.exists(marker)


def test_safe_loader_is_mmengines_local_loader():
    assert CheckpointLoader._get_checkpoint_loader('/some/where/epoch_1.pth') is \
        load_from_local_safe
    assert CheckpointLoader._get_checkpoint_loader('relative/iter_2.pth') is load_from_local_safe


def test_what_our_checkpoints_hold_loads(tmp_path):
    """Tensors, containers, numpy arrays, scalars and dtypes, random states, a HistoryBuffer."""
    buffer = HistoryBuffer()
    buffer.update(0.5)
    buffer.update(np.float64(0.25))
    ckpt = dict(state_dict=collections.OrderedDict(w=torch.arange(3.)),
                meta=dict(cfg='a = 1', seed=np.int64(3), dtype=np.dtype('float32'),
                          np_state=np.random.get_state(), py_state=random.getstate(),
                          torch_state=torch.get_rng_state(), classes=('a', 'b')),
                message_hub=dict(log_scalars={'loss': buffer},
                                 runtime_info={'lr': np.float32(0.1), 'arr': np.zeros((2, 2))}))
    path = str(tmp_path / 'ok.pth')
    torch.save(ckpt, path)
    assert unsafe_globals(path) == []
    loaded = load_checkpoint_safely(path)
    assert torch.equal(loaded['state_dict']['w'], torch.arange(3.))
    assert loaded['meta']['np_state'][0] == 'MT19937'
    assert loaded['meta']['dtype'] == np.float32
    assert loaded['message_hub']['log_scalars']['loss'].mean() == pytest.approx(0.375)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_checkpoint_safely(str(tmp_path / 'nothing.pth'))


# ------------------------------------------------------------------------ stored config
def test_stored_config_is_data():
    cfg = config_from_text("model = dict(type='X', depth=18, sizes=(1, 2), neg=-1.5)\n"
                           "names = ['a', None, True]\nmapping = {'a-b': 1}\n")
    assert cfg.model.type == 'X' and cfg.model.sizes == (1, 2) and cfg.model.neg == -1.5
    assert cfg.mapping['a-b'] == 1 and cfg.names == ['a', None, True]


@pytest.mark.parametrize('text', [
    "import os\nx = 1",
    "x = __import__('os').system('true')",
    "x = open('marker', 'w')",
    "x = dict(**{'a': 1})",
    "x = [i for i in range(3)]",
    "def f():\n    pass",
    "x = 1 + 2",
    "x = y",
    "x = (lambda: 1)()",
])
def test_stored_config_code_is_refused(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoredConfigError, match='line'):
        config_from_text(text, 'ckpt.pth')
    assert not osp.exists(tmp_path / 'marker')


def test_stored_config_of_a_checkpoint(tmp_path):
    marker = str(tmp_path / 'ran')
    code = f"model = dict(type='X')\nopen({marker!r}, 'w').close()\n"
    with pytest.raises(StoredConfigError, match='pass the config file'):
        stored_config(dict(meta=dict(cfg=code)), 'x.pth')
    assert not osp.exists(marker)
    with pytest.raises(StoredConfigError, match='holds no config'):
        stored_config(dict(meta={}), 'x.pth')
    cfg = stored_config(dict(message_hub=dict(runtime_info=dict(cfg="a = dict(b=1)"))), 'x.pth')
    assert cfg.a.b == 1


def test_getattr_is_not_allowed_beyond_history_buffer_statistics(tmp_path):
    """A pickled HistoryBuffer names ``getattr(HistoryBuffer, 'mean')``; ``getattr`` on anything
    else (a way to reach any attribute of any object) is refused."""

    class Reach:

        def __reduce__(self):
            return (getattr, (HistoryBuffer, '__init__'))

    path = str(tmp_path / 'reach.pth')
    torch.save(dict(x=Reach()), path)
    with pytest.raises(UnsafeCheckpointError, match='getattr'):
        load_checkpoint_safely(path)


@pytest.mark.parametrize('order', ['mmgrasp first', 'mmengine first'])
def test_import_mmgrasp_alone_guards_mmengine_in_a_fresh_process(tmp_path, order):
    """``import mmgrasp`` imports no torch; mmengine's loader is guarded whether mmengine's
    checkpoint module is imported before or after it (mmgrasp/_safe_loading_hook.py)."""
    import subprocess
    import sys
    import textwrap
    marker = str(tmp_path / 'ran')
    path = hostile_checkpoint(str(tmp_path / 'evil.pth'), marker)
    first, second = 'import mmgrasp', 'from mmengine.runner import load_checkpoint'
    if order == 'mmengine first':
        first, second = second, first
    script = textwrap.dedent(f"""
        import sys
        {first}
        {second}
        import mmgrasp
        from mmengine.runner import load_checkpoint
        import torch
        try:
            load_checkpoint(torch.nn.Linear(2, 2), {path!r}, map_location='cpu')
        except Exception as e:
            print(type(e).__name__)
    """)
    if order == 'mmgrasp first':  # and before mmengine, mmgrasp alone: no torch
        script = 'import sys\nimport mmgrasp\nassert "torch" not in sys.modules\n' + script
    out = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                         timeout=300)
    assert out.stdout.strip().endswith('UnsafeCheckpointError'), out.stderr[-2000:]
    assert not osp.exists(marker)


@pytest.mark.parametrize('case', ['reload', 'finder first', 'finders asking each other'])
def test_safe_loader_survives_reloads_and_other_finders(tmp_path, case):
    """A reload of mmengine's checkpoint module (which puts mmengine's loader back), an import
    finder inserted before mmgrasp's, and finders that ask ``sys.meta_path`` themselves."""
    import subprocess
    import sys
    import textwrap
    marker = str(tmp_path / 'ran')
    path = hostile_checkpoint(str(tmp_path / 'evil.pth'), marker)
    setup = {
        'reload': """
            import importlib
            import mmengine.runner.checkpoint as ckpt
            import mmgrasp
            importlib.reload(ckpt)
        """,
        'finder first': """
            import importlib.machinery, sys
            import mmgrasp

            class Other:  # e.g. an import hook of a type checker, inserted later
                def find_spec(self, name, path, target=None):
                    return importlib.machinery.PathFinder.find_spec(name, path, target)

            sys.meta_path.insert(0, Other())
            import mmengine.runner.checkpoint
            import mmgrasp.registry  # what the first switch to the mmgrasp scope imports
        """,
        'finders asking each other': """
            import importlib, importlib.util, sys
            import mmgrasp, mmgrasp._safe_loading_hook as hook
            importlib.reload(hook)
            hook.install()
            assert importlib.util.find_spec('mmengine.runner.checkpoint') is not None
            import mmengine.runner.checkpoint
        """,
    }[case]
    script = textwrap.dedent(setup) + textwrap.dedent(f"""
        import torch
        from mmengine.runner.checkpoint import load_checkpoint
        try:
            load_checkpoint(torch.nn.Linear(2, 2), {path!r}, map_location='cpu')
        except Exception as e:
            print(type(e).__name__)
    """)
    out = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                         timeout=300)
    assert out.stdout.strip().endswith('UnsafeCheckpointError'), out.stderr[-2000:]
    assert not osp.exists(marker)
