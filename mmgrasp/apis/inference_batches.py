# Copyright (c) mmgrasp contributors. All rights reserved.
"""Chunks of inputs for :class:`~mmgrasp.apis.GraspInferencer` in which a failure stays with its
input: an input that cannot be loaded or predicted becomes a :class:`FailedInput` (reported as
that input's ``error`` record) and the other inputs of its chunk are processed as usual."""
from typing import Callable, Iterator, List, NamedTuple, Sequence, Tuple

from mmdet.structures import DetDataSample

from .inference_inputs import InputType


class InputItem(NamedTuple):
    """An input of a chunk: its place in the call, itself, its output file stem."""
    index: int
    input: InputType
    name: str


class FailedInput(NamedTuple):
    """An input that could not be loaded or predicted, and why."""
    item: InputItem
    error: Exception


def load_chunks(inputs: Sequence[InputType], names: Sequence[str],
                load: Callable[[InputType], Tuple[InputType, dict]],
                batch_size: int = 1) -> Iterator[Tuple[List[InputItem], list]]:
    """Load the inputs ``batch_size`` at a time; a failed load gives its exception as data.

    Args:
        inputs (list): The inputs.
        names (list[str]): Their output file stems.
        load (Callable): One input to (the checked input, its packed data).
        batch_size (int): Inputs per chunk. Defaults to 1.

    Yields:
        tuple[list[InputItem], list]: The chunk's items and their packed data (or the
        exception raised while loading).
    """
    items: List[InputItem] = []
    datas: list = []
    for index, (single_input, name) in enumerate(zip(inputs, names)):
        try:
            single_input, data = load(single_input)
        except Exception as e:  # an unreadable image must not stop the others
            data = e
        items.append(InputItem(index, single_input, name))
        datas.append(data)
        if len(items) == batch_size:
            yield items, datas
            items, datas = [], []
    if items:
        yield items, datas


def forward_each(test_step: Callable[[object], list], collate: Callable[[list], object],
                 datas: list) -> list:
    """Forward packed data (or loading exceptions) as one batch; when it fails, image by image.

    Args:
        test_step (Callable): The model's ``test_step``.
        collate (Callable): The collate function.
        datas (list): Packed data, or the exceptions that stopped their loading.

    Returns:
        list: Per input, its prediction or the exception that stopped it.
    """
    outs = list(datas)
    loaded = [i for i, d in enumerate(datas) if not isinstance(d, Exception)]
    for i, out in zip(loaded, _forward_safe(test_step, collate, [datas[i] for i in loaded])):
        outs[i] = out
    return outs


def _forward_safe(test_step: Callable, collate: Callable, datas: list) -> list:
    """Forward packed data; when the batch fails, each image alone."""
    if not datas:
        return []
    try:
        return list(test_step(collate(datas)))
    except Exception as e:
        if len(datas) == 1:
            return [e]
        return [out for data in datas for out in _forward_safe(test_step, collate, [data])]


def mark_failures(inputs: Sequence, names: Sequence[str], preds: list) -> List[InputItem]:
    """Pair the chunk's predictions with their inputs, in place, for the records.

    An exception in ``preds`` becomes a :class:`FailedInput`; a prediction gets its input's name
    as ``img_name`` metainfo (the file stem of its record).

    Args:
        inputs (list): The chunk's :class:`InputItem` s (or plain inputs, named by ``names``).
        names (list[str]): File stems of plain inputs.
        preds (list): Predictions or exceptions; changed in place.

    Returns:
        list[InputItem]: The chunk's items.
    """
    items = [x if isinstance(x, InputItem) else InputItem(i, x, n)
             for i, (x, n) in enumerate(zip(inputs, names))]
    for i, (item, pred) in enumerate(zip(items, preds)):
        if isinstance(pred, Exception):
            preds[i] = FailedInput(item, pred)
        elif isinstance(pred, DetDataSample):
            pred.set_metainfo(dict(img_name=item.name))
    return items


def drawable(items: Sequence[InputItem], preds: Sequence) -> Tuple[List[InputItem], list]:
    """The items and predictions of a chunk that did not fail."""
    kept = [(item, pred) for item, pred in zip(items, preds) if not isinstance(pred, FailedInput)]
    return [k[0] for k in kept], [k[1] for k in kept]
