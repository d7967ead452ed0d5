# Copyright (c) mmgrasp contributors. All rights reserved.
"""Checkpoint files that are never half-written and can be checked before they are loaded.

A checkpoint ``epoch_3.pth`` gets a checksum file ``epoch_3.pth.sha256`` beside it, in the format
of ``sha256sum`` (``<64 hex digits>  epoch_3.pth``), so ``sha256sum -c epoch_3.pth.sha256``
checks it by hand too. Both are written to a temporary file in the same folder, then the checksum
is renamed into place and the checkpoint is published with a hard link that fails if the name
exists (no rename that could replace another run's file): a run killed at any moment leaves either
no ``epoch_3.pth`` (an orphan checksum file at most, ignored) or a complete one with its checksum.

The temporary files are :mod:`mmgrasp.utils.atomic_files`'s: they get the permissions ``open()``
would give the checkpoint, not the ``0600`` of ``tempfile.mkstemp``.
"""
import hashlib
import os
import os.path as osp
import re
import zipfile
from dataclasses import dataclass
from typing import List, Optional, Sequence

from .atomic_files import fsync_folder, remove_quietly, write_bytes_atomic, write_temp

CHECKSUM_SUFFIX = '.sha256'
_NUMBERED = re.compile(r'(\d+)\.pth$')
# the names CheckpointHook gives a run's own checkpoints (its default ``filename_tmpl``)
OWN_NAME_TEMPLATES = ('epoch_{}.pth', 'iter_{}.pth')
# the temporary files of write_bytes_atomic / write_checkpoint_bytes: ``.<name>.<random>.tmp``
TEMP_NAME = re.compile(r'^\..+\.[A-Za-z0-9_]+\.tmp$')
_CHUNK = 1 << 20


class CheckpointError(RuntimeError):
    """A checkpoint is missing, damaged, or would be overwritten; the message says what to do."""


@dataclass
class CheckpointCheck:
    """What :func:`check_checkpoint` found out about one file.

    Attributes:
        path (str): The checkpoint.
        status (str): ``'ok'`` (its checksum matches), ``'unverified'`` (no checksum file, but a
            readable torch zip archive whose CRCs match), ``'damaged'`` or ``'missing'``.
        reason (str): Why it is damaged or unverified; empty when ok.
    """
    path: str
    status: str
    reason: str = ''

    @property
    def usable(self) -> bool:
        """True for ``'ok'`` and ``'unverified'``."""
        return self.status in ('ok', 'unverified')


def checksum_path(path: str) -> str:
    """The checksum file of a checkpoint: ``<path>.sha256``."""
    return path + CHECKSUM_SUFFIX


def sha256_of_file(path: str) -> str:
    """The sha256 of a file's content, as 64 hex digits (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(_CHUNK), b''):
            digest.update(chunk)
    return digest.hexdigest()


def refuse_overwrite_message(path: str) -> str:
    """The error for a checkpoint that exists already and is not this process's."""
    return (f'Refusing to overwrite {path}: it exists already (saved by another run, or by this '
            'one before it was resumed from an older checkpoint). Nothing was written. Move it '
            'aside, or train into another --work-dir.')


def publish_no_clobber(tmp: str, path: str) -> None:
    """Give the complete file ``tmp`` the name ``path`` unless ``path`` exists; ``tmp`` goes.

    ``os.link`` fails when the target exists, where a rename would replace it: of two writers of
    one name, the second fails and the first's file stays. On a file system without hard links,
    an existence check then a rename is used instead (not atomic against a concurrent writer).

    Args:
        tmp (str): A complete file in the folder of ``path``.
        path (str): The name to publish it under.

    Raises:
        CheckpointError: ``path`` exists (``tmp`` is removed, nothing changed).
    """
    try:
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise CheckpointError(refuse_overwrite_message(path)) from None
        except OSError:  # no hard links here (EPERM, ENOTSUP, ...)
            if osp.lexists(path):
                raise CheckpointError(refuse_overwrite_message(path)) from None
            os.rename(tmp, path)
    finally:
        remove_quietly(tmp)
    fsync_folder(osp.dirname(osp.abspath(path)))


def write_checkpoint_bytes(path: str, data: bytes, replace: bool = False) -> str:
    """Write a serialised checkpoint and its checksum file, checksum first.

    Both are written to temporary files beside ``path`` first. The checksum file is renamed into
    place (one left without its checkpoint by a killed run is an orphan, replaced here), then the
    checkpoint is published with :func:`publish_no_clobber`: an existing checkpoint is never
    replaced, unless ``replace`` (this process's own file, saved again). If that fails, the
    checksum file is put back as it was. A failed write (disk full, ``ulimit -f``) raises a
    :class:`CheckpointError` that names the checkpoint, and leaves no temporary file.

    Args:
        path (str): The checkpoint's path.
        data (bytes): What ``torch.save`` wrote.
        replace (bool): Replace an existing ``path`` atomically. Defaults to False.

    Returns:
        str: The sha256 of ``data``.

    Raises:
        CheckpointError: ``path`` exists and ``replace`` is False, or the write failed.
    """
    digest = hashlib.sha256(data).hexdigest()
    sidecar = checksum_path(path)
    if not replace and osp.lexists(path):
        raise CheckpointError(refuse_overwrite_message(path))
    temps: List[str] = []
    try:
        temps.append(write_temp(sidecar, f'{digest}  {osp.basename(path)}\n'.encode()))
        temps.append(write_temp(path, data))
    except OSError as e:
        for tmp in temps:
            remove_quietly(tmp)
        raise CheckpointError(
            f'Could not save the checkpoint {path}: {e}. Nothing of it was left behind (its '
            'temporary files were removed); the checkpoints saved before are intact.') from e
    except BaseException:
        for tmp in temps:
            remove_quietly(tmp)
        raise
    sidecar_tmp, ckpt_tmp = temps
    if replace:
        os.replace(sidecar_tmp, sidecar)
        os.replace(ckpt_tmp, path)
        fsync_folder(osp.dirname(osp.abspath(path)))
        return digest
    previous = None
    if osp.isfile(sidecar):
        with open(sidecar, 'rb') as f:
            previous = f.read()
    os.replace(sidecar_tmp, sidecar)
    try:
        publish_no_clobber(ckpt_tmp, path)
    except BaseException:  # another writer came first: its checksum file as it was
        if previous is None:
            remove_quietly(sidecar)
        else:
            write_bytes_atomic(sidecar, previous)
        raise
    return digest


def read_checksum(path: str) -> Optional[str]:
    """The sha256 recorded for checkpoint ``path``; None without a well-formed checksum file."""
    sidecar = checksum_path(path)
    if not osp.isfile(sidecar):
        return None
    with open(sidecar, encoding='utf-8', errors='replace') as f:
        fields = f.read().split()
    if not fields or not re.fullmatch(r'[0-9a-f]{64}', fields[0]):
        return None
    return fields[0]


def _zip_problem(path: str) -> Optional[str]:
    """Why ``path`` is not an intact torch zip archive (None if its CRCs all match).

    ``torch.load`` does not check the CRC-32 of the archive's records, so flipped bytes load
    silently; ``zipfile.testzip`` reads every record and checks them.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        return f'not a readable torch zip archive ({e})'
    if bad is not None:
        return f'record {bad!r} fails its CRC-32 check'
    return None


def check_checkpoint(path: str) -> CheckpointCheck:
    """Check a checkpoint before loading it, without unpickling anything.

    With a checksum file, the file's sha256 must match it. Without one (a checkpoint written
    before checksums existed, or by another tool), the file must be a torch zip archive whose
    records pass their CRC-32 check: that catches empty, truncated and text files and most
    flipped bytes, but not all damage, so it is only ``'unverified'``.

    Args:
        path (str): The checkpoint.

    Returns:
        CheckpointCheck: Its status and the reason.
    """
    if not osp.isfile(path):
        return CheckpointCheck(path, 'missing', 'no such file')
    size = osp.getsize(path)
    if size == 0:
        return CheckpointCheck(path, 'damaged', 'the file is empty')
    expected = read_checksum(path)
    if expected is not None:
        actual = sha256_of_file(path)
        if actual == expected:
            return CheckpointCheck(path, 'ok')
        return CheckpointCheck(
            path, 'damaged', f'its sha256 is {actual[:16]}..., not {expected[:16]}... as recorded '
            f'in {checksum_path(path)} when it was saved ({size} bytes now)')
    if zipfile.is_zipfile(path):
        problem = _zip_problem(path)
        if problem:
            return CheckpointCheck(path, 'damaged', problem)
        return CheckpointCheck(path, 'unverified', f'no checksum file {checksum_path(path)}')
    with open(path, 'rb') as f:
        head = f.read(2)
    if head[:1] == b'\x80' and size > 64:  # torch's legacy (pre-1.6) pickle format: no CRCs
        return CheckpointCheck(path, 'unverified',
                               'no checksum file and a legacy (non-zip) torch format')
    return CheckpointCheck(path, 'damaged',
                           f'not a torch checkpoint ({size} bytes, neither a zip archive nor a '
                           'pickle; truncated, or another kind of file)')


def checkpoint_number(path: str) -> Optional[int]:
    """The epoch or iteration in a checkpoint's name (``epoch_3.pth`` -> 3), or None."""
    match = _NUMBERED.search(osp.basename(path))
    return int(match.group(1)) if match else None


def own_name_number(name: str, templates: Sequence[str] = OWN_NAME_TEMPLATES) -> Optional[int]:
    """The number in ``name`` if it is one of a run's own checkpoint names, else None.

    Args:
        name (str): A file name.
        templates (Sequence[str]): ``CheckpointHook.filename_tmpl`` values, ``{}`` for the number.
            Defaults to ``('epoch_{}.pth', 'iter_{}.pth')``.
    """
    for template in templates:
        head, _, tail = template.partition('{}')
        match = re.fullmatch(re.escape(head) + r'(\d+)' + re.escape(tail), name)
        if match:
            return int(match.group(1))
    return None


def list_checkpoints(folder: str,
                     templates: Sequence[str] = OWN_NAME_TEMPLATES) -> List[str]:
    """The run's own checkpoints in a work dir (``epoch_N.pth``, ``iter_N.pth``), newest first.

    Only the names a run's ``CheckpointHook`` writes count: a checkpoint copied in under another
    name (``det_seg_epoch_48.pth``) is not where this run continues from, and ``best_*.pth``
    copies repeat a numbered checkpoint's state.

    Args:
        folder (str): A work dir.
        templates (Sequence[str]): The run's checkpoint names (``CheckpointHook.filename_tmpl``).
            Defaults to ``('epoch_{}.pth', 'iter_{}.pth')``.

    Returns:
        list[str]: Paths, the highest number first (the later modification time among equals).
    """
    if not osp.isdir(folder):
        return []
    found = []
    for name in os.listdir(folder):
        path = osp.join(folder, name)
        number = own_name_number(name, templates)
        if number is None or not osp.isfile(path):
            continue
        found.append((number, osp.getmtime(path), path))
    return [path for _, _, path in sorted(found, reverse=True)]


def leftover_temporaries(folder: str) -> List[str]:
    """Temporary files of interrupted atomic writes in ``folder`` (``.epoch_2.pth.x1y2.tmp``).

    Only the run that holds the work dir's lock may remove them: another run's may be in use.
    """
    if not osp.isdir(folder):
        return []
    return sorted(osp.join(folder, n) for n in os.listdir(folder)
                  if TEMP_NAME.match(n) and osp.isfile(osp.join(folder, n)))


def read_last_checkpoint(folder: str) -> Optional[str]:
    """The path that a work dir's ``last_checkpoint`` names, or None when absent or empty."""
    path = osp.join(folder, 'last_checkpoint')
    if not osp.isfile(path):
        return None
    with open(path, encoding='utf-8', errors='replace') as f:
        name = f.read().strip()
    return name or None
