# Copyright (c) mmgrasp contributors. All rights reserved.
"""Checked checkpoints: written atomically with a checksum, verified before loading, never
overwritten, and ``--resume`` that finds the newest intact one."""
import os.path as osp
from typing import List, Optional

from mmengine.dist import broadcast_object_list, is_main_process
from mmengine.hooks import CheckpointHook, Hook

from mmgrasp.registry import HOOKS
from mmgrasp.utils.checkpoint_files import OWN_NAME_TEMPLATES, CheckpointError
from mmgrasp.utils.config_fingerprint import META_KEY, fingerprint_differences, resume_fingerprint
from mmgrasp.utils.resume_checkpoint import (check_load_target, checkpoints_in_the_way,
                                             find_resume_checkpoint)
from ..atomic_local_backend import BACKEND_NAME


def _decided_on_rank0(fn):
    """Run ``fn`` on the main process and hand its result (or its CheckpointError) to every rank,
    so that all ranks take the same decision from one look at the files."""
    result = [None]
    if is_main_process():
        try:
            result[0] = fn()
        except CheckpointError as e:
            result[0] = e
    broadcast_object_list(result, src=0)
    if isinstance(result[0], CheckpointError):
        raise result[0]
    return result[0]


def _own_name_templates(runner) -> tuple:
    """The names the run's checkpoint hooks give its checkpoints (``epoch_{}.pth``...)."""
    return tuple(sorted({hook.filename_tmpl for hook in runner.hooks
                         if isinstance(hook, CheckpointHook)})) or OWN_NAME_TEMPLATES


@HOOKS.register_module()
class CheckpointIntegrityHook(Hook):
    """Make checkpoints safe to kill, to damage and to resume.

    - ``before_run``: every ``CheckpointHook`` without its own ``backend_args`` writes through
      :class:`~mmgrasp.engine.atomic_local_backend.AtomicLocalBackend`: a temporary file renamed
      into place, ``<ckpt>.sha256`` beside it, and no overwriting.
    - ``before_run``: the checkpoint to resume from or load is checked before torch unpickles it
      (:func:`~mmgrasp.utils.checkpoint_files.check_checkpoint`); a damaged one stops the run
      with its name, the reason and the newest intact checkpoint. ``--resume`` without a path
      continues from the newest numbered checkpoint of the work dir, not from whatever
      ``last_checkpoint`` says (:func:`~mmgrasp.utils.resume_checkpoint.find_resume_checkpoint`),
      and starts from scratch only when there is none. Only the run's own checkpoint names
      (``CheckpointHook.filename_tmpl``: ``epoch_N.pth``/``iter_N.pth``) are candidates.
    - ``before_save_checkpoint``: the checkpoint records the fingerprint of the config's model,
      optimizer and schedule (:mod:`mmgrasp.utils.config_fingerprint`).
    - ``after_load_checkpoint`` (before any weight or state is put in place): a resume whose
      config differs from the checkpoint's in those parts stops, listing the differing keys,
      unless the config sets ``resume_anyway=True`` (``tools/train.py --resume-anyway``).
    - ``before_train``: a run that would overwrite checkpoints already in its output folder (a
      new run in the work dir of another, or one resumed from an older checkpoint than the newest)
      stops before training, saying which files and what to do.

    The decisions are taken on rank 0 and broadcast.
    """
    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._resumed_from: Optional[str] = None

    def before_run(self, runner) -> None:
        for hook in runner.hooks:
            if not isinstance(hook, CheckpointHook):
                continue
            if hook.backend_args is None and hook.file_client_args is None:
                hook.backend_args = dict(backend=BACKEND_NAME)
            elif (hook.backend_args or {}).get('backend') != BACKEND_NAME:
                runner.logger.warning(
                    'CheckpointHook has its own backend_args or file_client_args: its '
                    'checkpoints are written by that backend, without checksums.')
        templates = _own_name_templates(runner)
        resume, load_from = runner._resume, runner._load_from  # mmengine keeps them private
        if not resume and load_from is None:
            return

        # tools/train.py --resume keeps the config's `load_from` here: the weights a run starts
        # from (a Det_Seg checkpoint for Det_Seg_Refine) when its work dir has no checkpoint yet
        fallback = runner.cfg.get('load_from_if_no_checkpoint')

        def decide():
            if resume and load_from is None:
                path, notes = find_resume_checkpoint(runner.work_dir, templates)
                if path is None and fallback:
                    notes = notes + check_load_target(fallback, 'load')
                    notes.append(f'No checkpoint in {runner.work_dir} to resume from: starting '
                                 f'from the weights of load_from={fallback}.')
                    return fallback, notes, False
                return path, notes, path is not None
            return (load_from, check_load_target(load_from, 'resume from' if resume else 'load'),
                    resume)

        path, notes, resuming = _decided_on_rank0(decide)
        for note in notes:
            runner.logger.warning(note)
        # the Runner's own choice (`find_latest_checkpoint`) trusts `last_checkpoint`; this one
        # replaces it, and an empty work dir means a fresh start (or the config's load_from)
        runner._load_from = path
        runner._resume = resuming
        self._resumed_from = path if runner._resume else None
        if runner._resume:
            runner.logger.info(f'Resuming from {path} (checked).')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        fingerprint = resume_fingerprint(runner.cfg)
        if fingerprint is not None:
            checkpoint.setdefault('meta', {})[META_KEY] = fingerprint

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        path = self._resumed_from
        current = resume_fingerprint(runner.cfg)
        if path is None or not runner._resume or current is None:
            return  # load_from: fine-tuning from another config's weights is fine
        recorded = (checkpoint.get('meta') or {}).get(META_KEY)
        if not isinstance(recorded, dict):
            runner.logger.warning(
                f'{path} records no config fingerprint (saved before mmgrasp kept one): cannot '
                'check that the model, optimizer and schedule are those it was saved with.')
            return
        differences = fingerprint_differences(recorded, current)
        if not differences:
            return
        shown = '; '.join(differences[:20]) + (
            f'; and {len(differences) - 20} more' if len(differences) > 20 else '')
        if runner.cfg.get('resume_anyway', False):
            runner.logger.warning(
                f'Resuming anyway (resume_anyway=True) from {path}, whose config differs in: '
                f'{shown}. The optimizer and schedule state (learning rate included) are the '
                'checkpoint\'s; the checkpoints saved from now on record the new config.')
            return
        raise CheckpointError(
            f'Cannot resume from {path}: the config differs from the one it was saved with, in '
            f'the parts a resume keeps (model, optimizer, schedule): {shown}. Resuming would put '
            'the checkpoint\'s optimizer and schedule back (the new values would be ignored), and '
            'the saved optimizer state does not fit another model. Start a new run from these '
            f'weights (load_from={path}, another --work-dir), or resume anyway with '
            'tools/train.py --resume-anyway (resume_anyway=True): the checkpoints saved from then '
            'on record the new config.')

    def before_train(self, runner) -> None:
        templates = _own_name_templates(runner)
        out_dirs: List[str] = []
        for hook in runner.hooks:
            if isinstance(hook, CheckpointHook):
                out_dir = hook.out_dir or runner.work_dir
                if osp.abspath(out_dir) != osp.abspath(runner.work_dir):
                    out_dir = osp.join(out_dir, osp.basename(runner.work_dir.rstrip(osp.sep)))
                out_dirs.append(out_dir)
        resumed = self._resumed_from

        def check():
            for out_dir in out_dirs:
                in_the_way = checkpoints_in_the_way(out_dir, resumed, templates)
                if not in_the_way:
                    continue
                names = ', '.join(osp.basename(p) for p in in_the_way)
                if resumed is None:
                    raise CheckpointError(
                        f'{out_dir} already holds checkpoints ({names}) that this new run would '
                        'overwrite. Continue that run with --resume, or train into another '
                        '--work-dir (or move them aside).')
                raise CheckpointError(
                    f'This run resumed from {resumed}, but {out_dir} also holds later '
                    f'checkpoints ({names}) that it would overwrite. Continue from the newest '
                    f'one with --resume (no path), or move them aside to continue from {resumed}.')

        _decided_on_rank0(check)
