# Copyright (c) mmgrasp contributors. All rights reserved.
"""A local file backend for checkpoints: atomic writes, a checksum beside each, no overwriting."""
import os
import os.path as osp
from pathlib import Path
from typing import Dict, Tuple, Union

from mmengine.fileio import LocalBackend, register_backend

from mmgrasp.utils.atomic_files import write_bytes_atomic
from mmgrasp.utils.checkpoint_files import (CheckpointError, checksum_path,
                                            refuse_overwrite_message, write_checkpoint_bytes)

BACKEND_NAME = 'mmgrasp_atomic_local'


class AtomicLocalBackend(LocalBackend):
    """mmengine's ``LocalBackend`` whose writes cannot leave a half-written file.

    mmengine's ``save_checkpoint`` serialises the checkpoint in memory and hands the bytes to
    the backend's ``put``; ``LocalBackend.put`` opens the destination and writes into it, so a run
    killed meanwhile leaves a truncated checkpoint under its final name. Here:

    - ``put`` writes ``<path>.sha256`` then ``<path>`` through temporary files
      (:func:`~mmgrasp.utils.checkpoint_files.write_checkpoint_bytes`); the checkpoint is
      published with a hard link that fails if the name exists, so a checkpoint of another run
      is never overwritten, even by a writer that started at the same moment. A file this
      process wrote, and that is still that file (same inode), may be replaced (atomically):
      mmengine's ``CheckpointHook`` saves ``epoch_N.pth`` a second time after a validation that
      found a new best, so that the checkpoint records ``best_score`` and ``best_ckpt``.
    - ``put_text`` is atomic too.
    - ``remove`` (``CheckpointHook``'s ``max_keep_ckpts``) removes the checksum file as well.

    ``CheckpointIntegrityHook`` makes ``CheckpointHook`` use it.
    """

    # absolute path -> (device, inode) of the files written by this process (mmengine caches
    # backend instances, but a class attribute does not depend on that)
    _written: Dict[str, Tuple[int, int]] = {}

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        filepath = str(filepath)
        key = osp.abspath(filepath)
        replace = False
        if osp.lexists(filepath):
            st = os.lstat(filepath)
            if self._written.get(key) != (st.st_dev, st.st_ino):
                raise CheckpointError(refuse_overwrite_message(filepath))
            replace = True
        write_checkpoint_bytes(filepath, obj, replace=replace)
        st = os.stat(filepath)
        self._written[key] = (st.st_dev, st.st_ino)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        write_bytes_atomic(str(filepath), obj.encode(encoding))

    def remove(self, filepath: Union[str, Path]) -> None:
        super().remove(filepath)
        self._written.pop(osp.abspath(str(filepath)), None)
        sidecar = checksum_path(str(filepath))
        if osp.isfile(sidecar):
            os.remove(sidecar)


register_backend(BACKEND_NAME, AtomicLocalBackend, force=True)
