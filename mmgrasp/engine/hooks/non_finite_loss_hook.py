# Copyright (c) mmgrasp contributors. All rights reserved.
"""Stop training at the first non-finite loss; never save non-finite weights."""
from typing import Dict, Iterator, List, Optional, Tuple

import torch
from mmengine.dist import get_rank, get_world_size
from mmengine.hooks import Hook

from mmgrasp.registry import HOOKS


class NonFiniteLossError(RuntimeError):
    """A loss or a tensor about to be saved is NaN or infinite."""


def _image_ids(data_batch) -> List[str]:
    """``img_id`` (and the file) of each image of a batch, as printable strings."""
    samples = data_batch.get('data_samples', []) if isinstance(data_batch, dict) else []
    ids = []
    for sample in samples or []:
        meta = getattr(sample, 'metainfo', {})
        text = str(meta.get('img_id', '?'))
        if meta.get('img_path'):
            text += f' ({meta["img_path"]})'
        ids.append(text)
    return ids


def _tensors(tree, prefix: str) -> Iterator[Tuple[str, torch.Tensor]]:
    """Every floating-point tensor in nested dicts/lists, with a dotted name."""
    if isinstance(tree, torch.Tensor):
        if tree.is_floating_point() or tree.is_complex():
            yield prefix, tree
    elif isinstance(tree, dict):
        for key, value in tree.items():
            yield from _tensors(value, f'{prefix}.{key}' if prefix else str(key))
    elif isinstance(tree, (list, tuple)):
        for i, value in enumerate(tree):
            yield from _tensors(value, f'{prefix}.{i}')


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Raise :class:`NonFiniteLossError` at the first non-finite loss, and before a checkpoint
    with a non-finite weight or optimizer state is written.

    ``after_train_iter`` looks at every logged value whose name contains ``loss`` (the parts
    mmengine sums into the loss). It runs before ``LoggerHook`` and ``CheckpointHook``
    (priority ``ABOVE_NORMAL``), so the iteration that produced the NaN is neither logged as
    usual nor saved. The message names the iteration, the losses and the images of the batch
    (``img_id`` and file of each data sample), and the last checkpoint saved before it.

    The optimizer has already stepped with that loss's gradients when the hook sees it, so the
    weights in memory are not usable; nothing writes them. Under DDP, the rank that finds the
    NaN raises, and torchrun stops the other ranks.

    ``before_save_checkpoint`` is the second line: whatever made them so (a NaN that no loss
    showed, a learning rate that diverged to inf), non-finite tensors in the state dict or the
    optimizer state stop the save before a byte is written.
    """
    priority = 'ABOVE_NORMAL'

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[Dict] = None) -> None:
        if not outputs:
            return
        bad = {}
        for name, value in outputs.items():
            if 'loss' not in name:
                continue
            value = torch.as_tensor(value).detach()
            if not bool(torch.isfinite(value).all()):
                bad[name] = value.float().mean().item()
        if not bad:
            return
        parts = {k: v for k, v in bad.items() if k != 'loss'} or bad
        losses = ', '.join(f'{k}={v}' for k, v in parts.items())
        images = _image_ids(data_batch)
        where = f'iteration {runner.iter + 1}'
        if hasattr(runner.train_loop, 'max_epochs') and runner.max_epochs > 1:
            where += (f' (epoch {runner.epoch + 1}, batch {batch_idx + 1} of '
                      f'{len(runner.train_dataloader)})')
        if get_world_size() > 1:
            where += f' on rank {get_rank()}'
        last = runner.message_hub.get_info('last_ckpt')
        raise NonFiniteLossError(
            f'Non-finite loss at {where}: {losses}. Images of the batch (img_id): '
            f'{"; ".join(images) or "unknown"}. Training stopped; these weights are not saved. '
            + (f'The last checkpoint, saved before this, is {last}.' if last else
               'No checkpoint was saved before this.'))

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        bad = []
        for part in ('state_dict', 'optimizer'):
            for name, tensor in _tensors(checkpoint.get(part, {}), part):
                if not bool(torch.isfinite(tensor).all()):
                    bad.append(name)
        if bad:
            shown = ', '.join(bad[:5]) + (f' and {len(bad) - 5} more' if len(bad) > 5 else '')
            raise NonFiniteLossError(
                f'Refusing to save the checkpoint of iteration '
                f'{checkpoint.get("meta", {}).get("iter", runner.iter)}: {len(bad)} '
                f'tensor(s) hold NaN or inf ({shown}). Nothing was written.')
