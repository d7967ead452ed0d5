# Copyright (c) mmgrasp contributors. All rights reserved.
"""Make mmgrasp's safe checkpoint loader mmengine's local loader, without importing torch.

``import mmgrasp`` must not import torch (500 MiB of resident memory): the torch-free runtime
(:mod:`mmgrasp.runtime`, numpy + onnxruntime) lives in this package. The promise of
:mod:`mmgrasp.utils.safe_checkpoint` still holds: every local checkpoint that mmengine loads in a
process that imported mmgrasp goes through the safe loader. When ``import mmgrasp`` runs,

- if ``mmengine.runner.checkpoint`` is already imported, the loader is registered at once;
- a finder first on ``sys.meta_path`` registers the loader right after that module runs, before
  anything can call it: on its first import, and again on an ``importlib.reload`` (which would
  put mmengine's own loader back).

``mmgrasp/registry.py`` calls :func:`install` again (mmengine imports it on every switch to the
mmgrasp scope, before a Runner or ``init_detector`` loads anything): a finder inserted before
ours since is passed again, and a registration that a reload undid is redone.

What is registered first is a thin function that imports :mod:`mmgrasp.utils.safe_checkpoint`
on its first call and hands over (that import also registers the full loader, under the same
name). It is thin because it runs while ``mmengine.runner`` is half imported, where importing
mmgrasp's utilities could fail.
"""
import importlib.abc
import sys
import threading
from types import ModuleType
from typing import Optional, Sequence

CHECKPOINT_MODULE = 'mmengine.runner.checkpoint'


def load_from_local_safe(filename: str, map_location=None) -> dict:
    """mmengine's loader of local paths until :mod:`mmgrasp.utils.safe_checkpoint` is
    imported: imports it (which registers the full loader) and loads through it.

    The name makes mmengine log the "local_safe" backend, as the full loader does.
    """
    from mmgrasp.utils.safe_checkpoint import load_checkpoint_safely
    return load_checkpoint_safely(filename, map_location)


def register_on(module: ModuleType) -> None:
    """Register :func:`load_from_local_safe` for every local path (prefix ``''``) unless the
    full loader is registered already."""
    loader = module.CheckpointLoader
    current = loader._schemes.get('')
    if getattr(current, '__module__', '') != 'mmgrasp.utils.safe_checkpoint':
        loader.register_scheme(prefixes='', loader=load_from_local_safe, force=True)


class _RegisterAfterExec(importlib.abc.Loader):
    """The real loader of ``mmengine.runner.checkpoint``, then :func:`register_on`."""

    def __init__(self, loader) -> None:
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        register_on(module)

    def __getattr__(self, name: str):  # get_source, get_filename, ... for inspect/linecache
        if name == '_loader':  # copy / unpickle ask before __init__ has run
            raise AttributeError(name)
        return getattr(self._loader, name)


class CheckpointModuleFinder(importlib.abc.MetaPathFinder):
    """Finds ``mmengine.runner.checkpoint`` with the other finders and wraps its loader."""

    _busy = threading.local()

    def find_spec(self, fullname: str, path: Optional[Sequence[str]], target=None):
        if fullname != CHECKPOINT_MODULE or getattr(self._busy, 'on', False):
            return None  # re-entered (another finder asking sys.meta_path): not ours to answer
        self._busy.on = True
        try:
            for finder in sys.meta_path:
                if isinstance(finder, CheckpointModuleFinder) or \
                        not hasattr(finder, 'find_spec'):
                    continue
                spec = finder.find_spec(fullname, path, target)
                if spec is not None:
                    if spec.loader is not None and not isinstance(spec.loader,
                                                                  _RegisterAfterExec):
                        spec.loader = _RegisterAfterExec(spec.loader)
                    return spec
            return None
        finally:
            self._busy.on = False


def install() -> None:
    """Register now if ``mmengine.runner.checkpoint`` is imported, and keep the finder first on
    ``sys.meta_path`` for a later import or reload (idempotent)."""
    module = sys.modules.get(CHECKPOINT_MODULE)
    if module is not None and hasattr(module, 'CheckpointLoader'):
        register_on(module)
    finders = [f for f in sys.meta_path if isinstance(f, CheckpointModuleFinder)]
    if not finders or sys.meta_path[0] is not finders[0]:
        for finder in finders:
            sys.meta_path.remove(finder)
        sys.meta_path.insert(0, finders[0] if finders else CheckpointModuleFinder())
