# Copyright (c) mmgrasp contributors. All rights reserved.
"""One training run per work dir: an exclusive lock file holding the owner's PID and host.

Two runs in one work dir write the same checkpoint names: each file holds one run's weights, each
with a valid checksum, and neither run can be resumed. The lock ``<work_dir>/train.lock`` is
created with ``O_CREAT | O_EXCL`` (the file system decides who is first) and holds, as JSON, the
PID, host, start time and command of the run that owns the work dir. A second run finds it and is
refused with that run's details. A lock left by a run that died (SIGKILL, a crash, a reboot) on
this host is taken over with a warning: its PID no longer runs, or runs another program (the
process start time recorded in the lock differs). A lock from another host cannot be checked
from here and is never taken over.
"""
import datetime
import json
import os
import os.path as osp
import socket
import sys
import time
import uuid
from typing import Dict, List, Optional

from .checkpoint_files import CheckpointError

LOCK_NAME = 'train.lock'
# a lock file without readable content younger than this is being written by its creator
_UNREADABLE_GRACE_S = 10.0


class WorkDirBusyError(CheckpointError):
    """Another training run owns the work dir; the message names it."""


def _process_start(pid: int) -> Optional[str]:
    """The start time of process ``pid`` in clock ticks since boot (Linux ``/proc``), or None.

    With the PID, it tells a live owner from a later process that got the same PID.
    """
    try:
        with open(f'/proc/{pid}/stat', encoding='ascii', errors='replace') as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat.rsplit(')', 1)[-1].split()
    return fields[19] if len(fields) > 19 else None  # field 22 of proc(5)


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    except (OverflowError, ValueError):
        return False
    return True


def _read(path: str) -> Optional[Dict]:
    try:
        with open(path, encoding='utf-8') as f:
            info = json.load(f)
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) and isinstance(info.get('pid'), int) else None


def describe(info: Dict) -> str:
    """``PID 123 on host, started 2024-...`` (and its command) for a lock's content."""
    text = f"PID {info.get('pid')} on {info.get('host')}, started {info.get('started')}"
    if info.get('command'):
        text += f" ({info['command']})"
    return text


class WorkDirLock:
    """The lock of one work dir, for one process.

    Args:
        work_dir (str): The work dir (created if missing).
    """

    def __init__(self, work_dir: str) -> None:
        self.work_dir = work_dir
        self.path = osp.join(work_dir, LOCK_NAME)
        self.info: Optional[Dict] = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self.info is not None

    def _stale_reason(self, info: Optional[Dict]) -> Optional[str]:
        """Why a lock with content ``info`` is left over (None: its owner may be running)."""
        if info is None:
            try:
                age = time.time() - os.stat(self.path).st_mtime
            except FileNotFoundError:
                return 'it was removed meanwhile'
            if age < _UNREADABLE_GRACE_S:
                return None
            return 'it is empty or unreadable (its run stopped while creating it)'
        if info.get('host') != socket.gethostname():
            return None
        pid = info['pid']
        if pid == os.getpid():
            return ('it was taken by this process, by an earlier run that stopped with an '
                    'exception')
        if not _pid_running(pid):
            return f'process {pid} no longer runs'
        start = info.get('proc_start')
        if start is not None and _process_start(pid) not in (None, start):
            return f'process {pid} is another program now (the PID was reused)'
        return None

    def _create(self) -> bool:
        """Create the lock file exclusively with this process's details; False if it exists."""
        os.makedirs(self.work_dir, exist_ok=True)
        info = dict(pid=os.getpid(), host=socket.gethostname(),
                    started=datetime.datetime.now().astimezone().isoformat(timespec='seconds'),
                    command=' '.join([osp.basename(sys.executable)] + sys.argv)[:500],
                    proc_start=_process_start(os.getpid()), token=uuid.uuid4().hex)
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            json.dump(info, f)
            f.flush()
            os.fsync(f.fileno())
        self.info = info
        return True

    def _take_over(self, seen: Optional[Dict]) -> bool:
        """Move a stale lock aside, if it is still the one judged stale; True when moved."""
        aside = f'{self.path}.stale-{os.getpid()}-{uuid.uuid4().hex[:8]}'
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return True  # another run removed it: try to create it again
        if _read(aside) != seen:  # another run took it over meanwhile: give theirs back
            os.rename(aside, self.path)
            return False
        os.remove(aside)
        return True

    def acquire(self) -> List[str]:
        """Take the lock, or raise :class:`WorkDirBusyError` naming the run that holds it.

        Returns:
            list[str]: Warnings for the log (a stale lock taken over).
        """
        notes = []
        for _ in range(3):
            if self._create():
                return notes
            info = _read(self.path)
            reason = self._stale_reason(info)
            if reason is None:
                owner = describe(info) if info else 'a run that is creating the lock right now'
                where = '' if info is None or info.get('host') == socket.gethostname() else (
                    ' It runs on another host, so it cannot be checked from here: if that run is '
                    f'gone, remove {self.path}.')
                raise WorkDirBusyError(
                    f'{self.work_dir} is in use by another training run: {owner}. Two runs in one '
                    'work dir overwrite each other\'s checkpoints, so this one stops before '
                    'training. Wait for that run to finish, or train into another --work-dir.'
                    + where)
            if self._take_over(info):
                notes.append(f'Took over the lock {self.path} of an earlier run'
                             + (f' ({describe(info)})' if info else '') + f': {reason}.')
        raise WorkDirBusyError(f'Could not take the lock {self.path}: other runs keep taking it.')

    def release(self) -> None:
        """Remove the lock file if it is still this process's (idempotent)."""
        if self.info is None:
            return
        if _read(self.path) == self.info:
            try:
                os.remove(self.path)
            except FileNotFoundError:
                pass
        self.info = None
