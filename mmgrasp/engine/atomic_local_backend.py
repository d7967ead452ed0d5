# Copyright (c) mmgrasp contributors. All rights reserved.
"""A local file backend for checkpoints: atomic writes, a checksum beside each, no overwriting."""
import os
import os.path as osp
from pathlib import Path
from typing import Set, Union

from mmengine.fileio import LocalBackend, register_backend

from mmgrasp.utils.checkpoint_files import (CheckpointError, checksum_path, write_bytes_atomic,
                                            write_checkpoint_bytes)

BACKEND_NAME = 'mmgrasp_atomic_local'


class AtomicLocalBackend(LocalBackend):
    """mmengine's ``LocalBackend`` whose writes cannot leave a half-written file.

    mmengine's ``save_checkpoint`` serialises the checkpoint in memory and hands the bytes to
    the backend's ``put``; ``LocalBackend.put`` opens the destination and writes into it, so a run
    killed meanwhile leaves a truncated checkpoint under its final name. Here:

    - ``put`` writes ``<path>.sha256`` then ``<path>``, each through a temporary file renamed into
      place (:func:`~mmgrasp.utils.checkpoint_files.write_checkpoint_bytes`), and refuses to
      replace an existing file that this process did not write: a checkpoint of another run is
      never overwritten. A file this process wrote may be replaced (atomically): mmengine's
      ``CheckpointHook`` saves ``epoch_N.pth`` a second time after a validation that found a new
      best, so that the checkpoint records ``best_score`` and ``best_ckpt`` for resuming.
    - ``put_text`` is atomic too.
    - ``remove`` (``CheckpointHook``'s ``max_keep_ckpts``) removes the checksum file as well.

    ``CheckpointIntegrityHook`` makes ``CheckpointHook`` use it.
    """

    # absolute paths of the files written by this process (mmengine caches backend instances, but
    # a class attribute does not depend on that)
    _written: Set[str] = set()

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        filepath = str(filepath)
        if osp.exists(filepath) and osp.abspath(filepath) not in self._written:
            raise CheckpointError(
                f'Refusing to overwrite {filepath}: it exists already (saved by another run, or '
                'by this one before it was resumed from an older checkpoint). Nothing was written. '
                'Move it aside, or train into another --work-dir.')
        write_checkpoint_bytes(filepath, obj)
        self._written.add(osp.abspath(filepath))

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        write_bytes_atomic(str(filepath), obj.encode(encoding))

    def remove(self, filepath: Union[str, Path]) -> None:
        super().remove(filepath)
        sidecar = checksum_path(str(filepath))
        if osp.isfile(sidecar):
            os.remove(sidecar)


register_backend(BACKEND_NAME, AtomicLocalBackend, force=True)
