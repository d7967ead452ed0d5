# Copyright (c) mmgrasp contributors. All rights reserved.
"""File names from annotation files: kept inside their root, regular files only, of bounded size.

An annotation file (a grasp JSON file, an OCID split list, a labelme or CVAT export) is data
from someone else, and the names it holds must not reach files outside its dataset
(``../../../../etc/passwd``, ``/home/me/.ssh/id_rsa``), nor block or exhaust the loader
(``/dev/zero`` is read until memory runs out, a FIFO blocks forever). So:

- :func:`path_inside` joins a name to its root and refuses a name that is absolute or that
  leaves the root (``..`` components), naming the entry. The check is on the name as written:
  symbolic links that the owner of the data put *inside* the root (a ``data/own/images`` link to
  another disk) are followed as usual.
- :func:`check_regular_file` refuses a path that is not a regular file (a FIFO, a device, a
  socket, a folder) or that is larger than :data:`MAX_FILE_BYTES`, from its ``stat``, before
  anything is read.
"""
import os
import os.path as osp
import stat
from typing import Optional

MAX_FILE_BYTES = 100 * 1024**2
"""Largest image, mask or depth file a dataset reads: 100 MiB. A 4K 16-bit PNG is about 50 MB;
a bigger file is refused before it is read (``check_regular_file``)."""


class UnsafePathError(ValueError):
    """A name from an annotation file leaves its root, or names a file that must not be read."""


def path_inside(root: str, name: str, where: str) -> str:
    """Join a relative name from an annotation file to ``root``, refusing one that leaves it.

    Args:
        root (str): The folder the names are relative to.
        name (str): The name as the file gives it.
        where (str): The file and entry, for the message (``'grasps.json: images[3] (id 7)'``).

    Returns:
        str: ``normpath(join(root, name))``.

    Raises:
        UnsafePathError: ``name`` is empty, absolute, holds a NUL byte, or leaves ``root``.
    """
    if not isinstance(name, str) or not name or '\x00' in name:
        raise UnsafePathError(f'{where}: {name!r} is not a file name')
    if osp.isabs(name) or name.startswith('\\') or (len(name) > 1 and name[1] == ':'):
        raise UnsafePathError(f'{where}: {name!r} is an absolute path; names must be relative '
                              f'to {root} and stay inside it')
    path = osp.normpath(osp.join(root, name))
    base = osp.normpath(osp.abspath(root))
    if osp.commonpath([osp.abspath(path), base]) != base:
        raise UnsafePathError(f'{where}: {name!r} leaves {root} (the folder the names are '
                              'relative to); move the files inside it, or link them there')
    return path


def _kind(mode: int) -> str:
    for test, what in ((stat.S_ISDIR, 'folder'), (stat.S_ISFIFO, 'FIFO'),
                       (stat.S_ISCHR, 'character device'), (stat.S_ISBLK, 'block device'),
                       (stat.S_ISSOCK, 'socket')):
        if test(mode):
            return what
    return 'special file'


def check_regular_file(path: str, where: str, max_bytes: int = MAX_FILE_BYTES) -> int:
    """Refuse a path that is not a regular file or is too large, without opening it.

    Args:
        path (str): The file (symbolic links are followed).
        where (str): The file and entry that name it, for the message.
        max_bytes (int): The largest size accepted. Defaults to :data:`MAX_FILE_BYTES`.

    Returns:
        int: The file's size in bytes.

    Raises:
        FileNotFoundError: It does not exist.
        UnsafePathError: It is a FIFO, a device, a socket or a folder, or it is larger than
            ``max_bytes``.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f'{where}: {path} not found') from None
    if not stat.S_ISREG(st.st_mode):
        raise UnsafePathError(f'{where}: {path} is a {_kind(st.st_mode)}, not a regular file; '
                              'only regular files are read')
    if st.st_size > max_bytes:
        raise UnsafePathError(f'{where}: {path} is {st.st_size / 1024**2:.0f} MiB, over the '
                              f'{max_bytes / 1024**2:.0f} MiB limit of an image, mask or depth '
                              'file (mmgrasp.datasets.safe_paths.MAX_FILE_BYTES); not read')
    return st.st_size


def check_if_present(path: str, where: str, max_bytes: int = MAX_FILE_BYTES) -> None:
    """:func:`check_regular_file` for a path that exists (or is a broken link); a missing file
    is left to the step that reads it, which names it."""
    if osp.lexists(path):
        check_regular_file(path, where, max_bytes)


def check_before_get(path: str, backend_args: Optional[dict], what: str) -> None:
    """:func:`check_regular_file` before ``mmengine.fileio.get`` reads a local file (a URL or
    another storage backend is left alone).

    Args:
        path (str): The file.
        backend_args (dict, optional): The transform's ``backend_args``.
        what (str): What the file is, for the message (``'mask'``, ``'depth image'``).
    """
    if '://' in str(path) or (backend_args or {}).get('backend', 'local') != 'local':
        return
    check_regular_file(path, what)
