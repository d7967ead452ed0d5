# Copyright (c) mmgrasp contributors. All rights reserved.
"""Test-time perturbations for the robustness check (issue 6): a change of light and a shift.

A condition is a list of transforms inserted into a test pipeline right after its loading
steps, so it acts on the original image before any crop or resize, and geometric ones compose
``homography_matrix`` (predictions and the metric's ground truth map back to the original image).
"""
import copy
from typing import Dict, List, Sequence

ConditionDict = Dict[str, List[dict]]

#: Direction names of the shift conditions and their unit offsets ``(dx, dy)`` (+y is down).
SHIFT_DIRECTIONS = {'right': (1, 0), 'left': (-1, 0), 'down': (0, 1), 'up': (0, -1)}


def robustness_conditions(brightness: Sequence[int] = (-20, 20),
                          shift: int = 30) -> ConditionDict:
    """The conditions of the robustness check, by name.

    Args:
        brightness (Sequence[int]): Brightness changes in percent; each gives a condition
            ``'brightness+20%'`` that multiplies the image by ``1 + pct / 100`` (clipped to
            0-255, mmdet's ``Brightness``). Defaults to (-20, 20).
        shift (int): Shift in pixels; gives four conditions ``'shift30px_right'`` etc. 0 gives
            none. Defaults to 30.

    Returns:
        dict[str, list[dict]]: ``'plain'`` (no transform) first, then the perturbations.
    """
    conditions: ConditionDict = {'plain': []}
    for pct in brightness:
        factor = round(1.0 + pct / 100.0, 4)
        if factor <= 0:
            raise ValueError(f'brightness change {pct}% leaves a black image')
        conditions[f'brightness{pct:+d}%'] = [
            dict(type='mmdet.Brightness', prob=1.0, min_mag=factor, max_mag=factor)]
    if shift:
        for name, (ux, uy) in SHIFT_DIRECTIONS.items():
            conditions[f'shift{shift}px_{name}'] = [
                dict(type='GraspTranslate', offset=(ux * shift, uy * shift))]
    return conditions


def _is_loading(step: dict) -> bool:
    return str(step.get('type', '')).split('.')[-1].startswith('Load')


def insert_after_loading(pipeline: Sequence[dict], transforms: Sequence[dict]) -> List[dict]:
    """A copy of ``pipeline`` with ``transforms`` right after its last leading ``Load*`` step.

    Args:
        pipeline (Sequence[dict]): A test pipeline (configs of transforms).
        transforms (Sequence[dict]): Transforms to insert.

    Returns:
        list[dict]: The new pipeline; ``pipeline`` is not modified.

    Raises:
        ValueError: If the pipeline does not start with a loading step.
    """
    steps = [copy.deepcopy(dict(s)) for s in pipeline]
    end = 0
    while end < len(steps) and _is_loading(steps[end]):
        end += 1
    if end == 0:
        types = [s.get('type') for s in steps]
        raise ValueError(f'the test pipeline must start with a Load* step to insert a '
                         f'perturbation after, got {types}')
    return steps[:end] + [copy.deepcopy(dict(t)) for t in transforms] + steps[end:]
