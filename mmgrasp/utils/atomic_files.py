# Copyright (c) mmgrasp contributors. All rights reserved.
"""Files that are never half-written: a temporary file beside the target, flushed, then renamed.

A reader sees the old file or the new one, never a part of the new one, and a process killed at
any moment leaves at most a ``.<name>.XXXX.tmp`` beside it. Every file written here gets the
permissions ``open()`` would give it (``0o666 & ~umask`` for a new file, its own for a replaced
one), not the ``0600`` of ``tempfile.mkstemp``. Checkpoints add a checksum and a no-clobber
publication on top (:mod:`mmgrasp.utils.checkpoint_files`); JSON results use
:func:`mmgrasp.utils.write_json_atomic`.
"""
import os
import os.path as osp
import stat
import tempfile


def fsync_folder(folder: str) -> None:
    """Make a rename in ``folder`` durable (best effort: not every file system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def current_umask() -> int:
    """The process's file mode creation mask.

    Read from ``/proc/self/status`` where there is one (Linux), which leaves the mask alone;
    elsewhere it is set and put back at once (``os.umask`` has no read-only form).
    """
    try:
        with open('/proc/self/status', encoding='ascii', errors='replace') as f:
            for line in f:
                if line.startswith('Umask:'):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode_for(path: str) -> int:
    """The permission bits ``open(path, 'w')`` would leave ``path`` with.

    An existing regular file keeps its own; a new file gets ``0o666 & ~umask``.

    Args:
        path (str): The file about to be (re)written.

    Returns:
        int: Permission bits, for ``os.chmod``.
    """
    try:
        st = os.lstat(path)
    except OSError:
        st = None
    if st is not None and stat.S_ISREG(st.st_mode):
        return stat.S_IMODE(st.st_mode) & 0o777
    return 0o666 & ~current_umask()


def _set_mode(fd: int, mode: int) -> None:
    """``fchmod``, where the file system allows it (some mounted ones refuse any change)."""
    try:
        os.fchmod(fd, mode)
    except OSError:
        pass


def write_temp(path: str, data: bytes) -> str:
    """Write ``data`` to a new temporary file beside ``path``, flushed to disk; its path.

    ``mkstemp`` creates the file ``0600`` whatever the umask; it is given the mode
    ``open(path, 'w')`` would give ``path`` (:func:`file_mode_for`), so that a file written
    atomically can be read by whoever could read it written plainly. The temporary file is
    removed if writing fails.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f'.{osp.basename(path)}.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            _set_mode(f.fileno(), file_mode_for(path))
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        remove_quietly(tmp)
        raise
    return tmp


def remove_quietly(path: str) -> None:
    """Remove ``path``; a file that is gone already is no error."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def write_bytes_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, rename it to ``path``.

    Args:
        path (str): Destination; its folder is created if needed.
        data (bytes): The whole content.
    """
    tmp = write_temp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        remove_quietly(tmp)
        raise
    fsync_folder(osp.dirname(osp.abspath(path)))
