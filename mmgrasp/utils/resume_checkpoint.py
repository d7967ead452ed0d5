# Copyright (c) mmgrasp contributors. All rights reserved.
"""Which checkpoint a run resumes from, and which existing checkpoints it would overwrite."""
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

from .checkpoint_files import (OWN_NAME_TEMPLATES, CheckpointCheck, CheckpointError,
                               check_checkpoint, checkpoint_number, list_checkpoints,
                               own_name_number, read_last_checkpoint)


def _intact_alternative(candidates: List[str], skip: str) -> Tuple[Optional[str], List[str]]:
    """The newest usable checkpoint among ``candidates`` other than ``skip``, and the damaged ones
    met on the way (newest first)."""
    damaged = []
    for path in candidates:
        if osp.abspath(path) == osp.abspath(skip):
            continue
        check = check_checkpoint(path)
        if check.usable:
            return path, damaged
        damaged.append(path)
    return None, damaged


def damaged_message(check: CheckpointCheck, what: str, folder: str) -> str:
    """The error for a damaged or missing checkpoint: what is wrong and which one is intact.

    Args:
        check (CheckpointCheck): The failed check.
        what (str): What was being done, e.g. ``'resume from'``.
        folder (str): Where to look for an intact checkpoint.

    Returns:
        str: The message.
    """
    path = check.path
    lines = [f'Cannot {what} {path}: ' + ('it does not exist.' if check.status == 'missing' else
                                          f'the file is damaged: {check.reason}.')]
    intact, damaged = _intact_alternative(list_checkpoints(folder), path)
    if damaged:
        lines.append('Also damaged: ' + ', '.join(damaged) + '.')
    if intact is None:
        lines.append(f'No intact checkpoint is left in {folder}.')
        return ' '.join(lines)
    lines.append(f'The newest intact checkpoint in {folder} is {intact}.')
    newer = [p for p in [path] + damaged if osp.exists(p)
             and (checkpoint_number(p) or 0) > (checkpoint_number(intact) or 0)]
    if newer:
        moves = '; '.join(f'mv {p} {p}.damaged' for p in newer)
        lines.append(f'To continue from it, move the damaged file(s) aside ({moves}) and run '
                     'again with --resume.')
    else:
        lines.append(f'To continue from it, run with --resume {intact}.')
    return ' '.join(lines)


def find_resume_checkpoint(
        work_dir: str,
        templates: Sequence[str] = OWN_NAME_TEMPLATES) -> Tuple[Optional[str], List[str]]:
    """The checkpoint ``--resume`` (without a path) continues from, with notes for the log.

    The newest of the run's own checkpoints in ``work_dir`` (``epoch_N.pth``/``iter_N.pth``, the
    highest N; a file copied in under another name is never a candidate), whatever
    ``last_checkpoint`` says: that file is written after the checkpoint, so a run
    stopped in between leaves it stale, empty or missing. It must pass
    :func:`~mmgrasp.utils.checkpoint_files.check_checkpoint`; if it does not, the run is refused
    rather than continued from an older checkpoint, since it would then overwrite the damaged
    one, and a damaged file is worth a look.

    Args:
        work_dir (str): The run's work dir.
        templates (Sequence[str]): The run's checkpoint names (``CheckpointHook.filename_tmpl``).
            Defaults to ``('epoch_{}.pth', 'iter_{}.pth')``.

    Returns:
        tuple: The checkpoint (None when the work dir has none: the run starts from scratch) and
        notes to log.

    Raises:
        CheckpointError: The newest checkpoint is damaged.
    """
    notes = []
    candidates = list_checkpoints(work_dir, templates)
    last_file = osp.join(work_dir, 'last_checkpoint')
    last = read_last_checkpoint(work_dir)
    if osp.isfile(last_file) and last is None:
        notes.append(f'{last_file} is empty (the run stopped while writing it): ignored.')
    elif last is not None and not osp.isfile(last):
        notes.append(f'{last_file} names {last}, which does not exist: ignored.')
    elif last is not None and not any(osp.abspath(last) == osp.abspath(c) for c in candidates):
        notes.append(f'{last_file} names {last}, which is not one of this run\'s checkpoints '
                     f'({", ".join(templates)} in {work_dir}): ignored.')
    elif last is not None and candidates and osp.abspath(last) != osp.abspath(candidates[0]):
        notes.append(f'{last_file} names {last}, but {candidates[0]} is newer.')
    if not candidates:
        notes.append(f'No checkpoint in {work_dir}: training starts from the first iteration.')
        return None, notes
    newest = candidates[0]
    check = check_checkpoint(newest)
    if not check.usable:
        raise CheckpointError(damaged_message(check, 'resume from', work_dir))
    if check.status == 'unverified':
        notes.append(f'{newest} cannot be verified ({check.reason}); its zip records are intact.')
    return newest, notes


def check_load_target(path: str, what: str) -> List[str]:
    """Check a checkpoint named by ``--resume PATH`` or ``load_from`` before it is loaded.

    Args:
        path (str): The checkpoint (a local file; URLs are left to mmengine).
        what (str): ``'resume from'`` or ``'load'``, for the message.

    Returns:
        list[str]: Notes for the log.

    Raises:
        CheckpointError: The file is missing or damaged.
    """
    if '://' in path:
        return [f'{path} is not a local file: loaded without a check.']
    check = check_checkpoint(path)
    if not check.usable:
        raise CheckpointError(damaged_message(check, what, osp.dirname(osp.abspath(path))))
    if check.status == 'unverified':
        return [f'{path} cannot be verified ({check.reason}); its zip records are intact.']
    return []


def checkpoints_in_the_way(out_dir: str, resumed: Optional[str],
                           templates: Sequence[str] = OWN_NAME_TEMPLATES) -> List[str]:
    """The checkpoints of ``out_dir`` that a run would overwrite.

    A fresh run (``resumed`` None) would overwrite any ``*.pth`` there; a resumed run, its own
    checkpoints (``templates``) and ``best_*`` copies with a higher number than its checkpoint's.
    A checkpoint copied in under another name is not in its way.

    Args:
        out_dir (str): Where the run saves its checkpoints.
        resumed (str, optional): The checkpoint the run resumed from.
        templates (Sequence[str]): The run's checkpoint names (``CheckpointHook.filename_tmpl``).
            Defaults to ``('epoch_{}.pth', 'iter_{}.pth')``.

    Returns:
        list[str]: Sorted paths.
    """
    if not osp.isdir(out_dir):
        return []
    start = None if resumed is None else checkpoint_number(resumed)
    found = []
    for name in sorted(os.listdir(out_dir)):
        path = osp.join(out_dir, name)
        if not name.endswith('.pth') or not osp.isfile(path):
            continue
        if resumed is not None and osp.abspath(path) == osp.abspath(resumed):
            continue
        if resumed is None or start is None:
            found.append(path)
            continue
        number = own_name_number(name, templates)
        if number is None and name.startswith('best_'):
            number = checkpoint_number(name)
        if number is not None and number > start:
            found.append(path)
    return found
