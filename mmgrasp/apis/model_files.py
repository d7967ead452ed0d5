# Copyright (c) mmgrasp contributors. All rights reserved.
"""The weights file given to :class:`~mmgrasp.apis.GraspInferencer`, checked before loading.

A truncated or damaged ``.pth`` otherwise stops in ``torch.load`` with a traceback that does not
name the file; this says which file and what is wrong with it, as a
:class:`~mmgrasp.utils.CheckpointError` (``demo/image_demo.py``: one line, exit status 2). The
``.onnx`` counterpart is :func:`mmgrasp.deployment.onnx_checks.open_onnx_session`.
"""
import os.path as osp
from typing import Optional

from mmgrasp.utils.checkpoint_files import CheckpointError, check_checkpoint


def check_weights_file(weights: Optional[str]) -> None:
    """Refuse a local checkpoint that is empty, truncated or damaged, naming it.

    Uses :func:`~mmgrasp.utils.check_checkpoint` (its ``.sha256`` file when there is one, else
    the zip archive's CRCs; nothing is unpickled). URLs and other remote or prefixed paths
    (``torchvision://``, ``http://``) and missing files are left to the loader.

    Args:
        weights (str, optional): The checkpoint; nothing is checked when None.

    Raises:
        CheckpointError: For a damaged local checkpoint.
    """
    if not weights or '://' in str(weights):
        return
    path = osp.expanduser(str(weights))
    if not osp.isfile(path):
        return
    check = check_checkpoint(path)
    if check.status == 'damaged':
        raise CheckpointError(f'{weights}: damaged checkpoint, not loaded: {check.reason}. Copy '
                              'or download it again, or take another of the run\'s checkpoints.')
