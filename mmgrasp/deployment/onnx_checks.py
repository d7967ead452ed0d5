# Copyright (c) mmgrasp contributors. All rights reserved.
"""An exported ``.onnx`` file, checked when it is loaded: readable, and of the config's variant.

Without these checks a truncated file stops in onnxruntime with a traceback, and the export of
one variant run with the config of another (a Detection export with a Det_Seg config) fails on
every image with ``no attribute 'semantic_head'``; here both are one message at load time that
names the file (and the config).
"""
from typing import List, Optional

from torch import nn

from mmgrasp.runtime.inference_sessions import check_model_file
from .grasp_export_module import input_channels, output_names

VARIANTS = {
    ('grasps', 'labels', 'scores'): 'Detection',
    ('grasps', 'labels', 'scores', 'seg_logits'): 'Det_Seg',
    ('grasps', 'grasps_unrefined', 'labels', 'scores', 'seg_logits'): 'Det_Seg_Refine',
}
"""The paper's variant of an export, by its sorted output names
(:func:`~mmgrasp.deployment.grasp_export_module.output_names`)."""


def variant_of(names: List[str]) -> str:
    """``'Detection'``, ``'Det_Seg'`` or ``'Det_Seg_Refine'`` for a graph's output names."""
    return VARIANTS.get(tuple(sorted(names)), 'unknown (outputs ' + ', '.join(names) + ')')


def open_onnx_session(onnx_file: str, sess_options=None):
    """An onnxruntime CPU session of ``onnx_file``; a file it cannot load is named.

    Args:
        onnx_file (str): The exported model.
        sess_options (onnxruntime.SessionOptions, optional): Defaults to None.

    Returns:
        onnxruntime.InferenceSession: The session.

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: The file is empty, truncated, damaged or no ONNX model.
    """
    import onnxruntime as ort
    check_model_file(onnx_file)
    try:
        return ort.InferenceSession(onnx_file, sess_options=sess_options,
                                    providers=['CPUExecutionProvider'])
    except Exception as e:  # onnxruntime's own exceptions (Fail, InvalidProtobuf, ...)
        if not type(e).__module__.startswith('onnxruntime'):
            raise
        reason = ' '.join(str(e).split())
        reason = reason if len(reason) <= 200 else reason[:200] + '...'
        raise ValueError(f'{onnx_file}: not a loadable ONNX model (truncated or damaged?): '
                         f'{reason}. Export it again with tools/deployment/pytorch2onnx.py, or '
                         'copy it again.') from None


def check_onnx_fits_model(session, model: nn.Module, onnx_file: str,
                          config: Optional[str] = None) -> None:
    """Refuse an export whose variant, input channels or semantic classes differ from the
    model the config builds.

    Args:
        session (onnxruntime.InferenceSession): The export's session.
        model (nn.Module): The :class:`~mmgrasp.models.GraspDetSeg` built from the config.
        onnx_file (str): The export, for the message.
        config (str, optional): The config's name, for the message. Defaults to None.

    Raises:
        ValueError: Naming the file, the config and what differs.
    """
    outputs = [o.name for o in session.get_outputs()]
    expected = list(output_names(model))
    problems = []
    if sorted(outputs) != sorted(expected):
        problems.append(f'the file is a {variant_of(outputs)} model, the config builds a '
                        f'{variant_of(expected)} model')
    channels = session.get_inputs()[0].shape[1]
    if isinstance(channels, int) and channels != input_channels(model):
        kinds = {3: 'RGB', 4: 'RGB-D'}
        problems.append(f'the file takes {kinds.get(channels, channels)} inputs, the config\'s '
                        f'model {kinds[input_channels(model)]} ones')
    seg = [o for o in session.get_outputs() if o.name == 'seg_logits']
    head = getattr(model, 'semantic_head', None)
    if seg and head is not None and isinstance(seg[0].shape[1], int) and \
            seg[0].shape[1] != int(head.num_classes):
        problems.append(f'the file has {seg[0].shape[1]} semantic classes, the config '
                        f'{int(head.num_classes)}')
    if problems:
        where = f'config {config!r}' if config else 'the config given'
        raise ValueError(f'{onnx_file} does not fit {where}: ' + '; '.join(problems) + '. Run it '
                         'with the config saved in it (GraspInferencer(None, onnx_file, '
                         "backend='onnxruntime'); CONFIG none in the demos) or with the config it "
                         'was exported from.')
