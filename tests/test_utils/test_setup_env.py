# Copyright (c) mmgrasp contributors. All rights reserved.
"""The installed stack: versions, registration, scope, and mmcv's compiled ops on the CPU."""
import mmcv
import pytest
import torch
from mmengine.registry import DefaultScope, init_default_scope


def test_import_registers_modules():
    import mmgrasp
    from mmgrasp.registry import METRICS, TASK_UTILS
    assert mmgrasp.__version__
    assert TASK_UTILS.get('DeltaXYWHTGraspCoder') is not None
    assert METRICS.get('GraspJaccardMetric') is not None


def test_default_scope_resolves_through_locations():
    from mmgrasp.utils import register_all_modules
    register_all_modules()
    assert DefaultScope.get_current_instance().scope_name == 'mmgrasp'
    from mmengine.registry import METRICS
    init_default_scope('mmgrasp')
    # Built through mmengine's root registry: the scope leads to mmgrasp's child.
    metric = METRICS.build(dict(type='GraspJaccardMetric'))
    assert type(metric).__name__ == 'GraspJaccardMetric'


def test_mmcv_has_compiled_ops():
    from mmcv.ops import RoIAlignRotated, batched_nms, box_iou_rotated, nms_rotated  # noqa: F401
    assert mmcv.__version__ == '2.1.0'


def test_roi_align_rotated_forward_backward_on_cpu():
    from mmcv.ops import RoIAlignRotated
    feat = torch.arange(2 * 1 * 8 * 8, dtype=torch.float32).reshape(2, 1, 8, 8).requires_grad_()
    # (batch index, cx, cy, w, h, theta): a 4x2 window in image 1, and the same turned by 90 deg.
    rois = torch.tensor([[1, 4., 4., 4., 2., 0.], [1, 4., 4., 4., 2., torch.pi / 2]])
    op = RoIAlignRotated((2, 4), spatial_scale=1.0, sampling_ratio=2, aligned=True, clockwise=True)
    out = op(feat, rois)
    assert out.shape == (2, 1, 2, 4)
    # Unrotated: the mean over the window equals the feature at its centre (the map is linear).
    centre = 64 + 8 * 3.5 + 3.5  # value at (row, col) = (3.5, 3.5): aligned shifts by -0.5
    assert out[0].mean().item() == pytest.approx(centre, abs=1e-4)
    # Turned by 90 degrees clockwise the window's x axis runs down the image: steps of 8.
    row = out[1, 0, 0]
    assert (row[1:] - row[:-1]).mean().item() == pytest.approx(8.0, abs=1e-4)
    out.sum().backward()
    assert feat.grad is not None and feat.grad[1].sum().item() == pytest.approx(16.0, abs=1e-4)
    assert feat.grad[0].abs().sum().item() == 0
