# Copyright (c) mmgrasp contributors. All rights reserved.
"""The installed stack: versions, registration, scope, and mmcv's compiled ops on the CPU."""
import subprocess
import sys
import textwrap

import pytest
import torch
from mmengine.registry import DefaultScope, Registry


def test_import_registers_modules():
    import mmgrasp
    from mmgrasp.registry import METRICS, TASK_UTILS
    assert mmgrasp.__version__
    assert TASK_UTILS.get('DeltaXYWHTGraspCoder') is not None
    assert METRICS.get('GraspJaccardMetric') is not None


def _registered_names() -> dict:
    """{registry attribute name: [type names]} of every mmgrasp registry, all modules imported."""
    import mmgrasp.registry as reg
    from mmgrasp.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    return {
        attr: sorted(getattr(reg, attr).module_dict)
        for attr in dir(reg)
        if isinstance(getattr(reg, attr), Registry) and getattr(reg, attr).scope == 'mmgrasp'
        and getattr(reg, attr).module_dict
    }


def test_every_type_resolves_through_locations_alone():
    """A fresh process that imports only ``mmgrasp.registry`` finds every registered type.

    Nothing but the registries' ``locations`` can import the registering modules there, so a
    wrong or missing location fails (``import mmgrasp`` does not import the sub-packages).
    """
    names = _registered_names()
    assert {'DATASETS', 'HOOKS', 'METRICS', 'MODELS', 'TASK_UTILS', 'TRANSFORMS',
            'VISUALIZERS'} <= set(names)
    assert sum(map(len, names.values())) >= 25
    assert 'GraspJaccardMetric' in names['METRICS'] and 'GraspDetSeg' in names['MODELS']
    script = textwrap.dedent(f"""
        import sys
        import mmgrasp.registry as reg
        eager = [m for m in ('mmgrasp.datasets', 'mmgrasp.models', 'mmgrasp.evaluation',
                             'mmgrasp.engine', 'mmgrasp.visualization', 'mmgrasp.apis')
                 if m in sys.modules]
        assert not eager, f'imported eagerly: {{eager}}'
        missing = [(r, n) for r, ns in {names!r}.items() for n in ns
                   if getattr(reg, r).get(n) is None]
        assert not missing, f'not found through locations: {{missing}}'
        # and through mmengine's root registry under the default scope, as a Runner builds
        from mmengine.registry import METRICS, init_default_scope
        init_default_scope('mmgrasp')
        metric = METRICS.build(dict(type='GraspJaccardMetric'))
        assert type(metric).__module__.startswith('mmgrasp.evaluation'), type(metric)
    """)
    proc = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_register_all_modules_sets_the_scope():
    from mmgrasp.utils import register_all_modules
    register_all_modules()
    assert DefaultScope.get_current_instance().scope_name == 'mmgrasp'


def test_mmcv_has_compiled_ops():
    """mmcv's C++ ops run on the CPU and give hand-computed results."""
    from mmcv.ops import box_iou_rotated, nms_rotated
    from mmcv.utils import ext_loader
    ext_loader.load_ext('_ext', ['nms_rotated', 'box_iou_rotated', 'roi_align_rotated_forward'])
    # Two 4x4 squares whose centres are 2 apart overlap by 8 of 24: IoU 1/3; turned by 90 deg
    # a square is itself.
    a = torch.tensor([[0., 0., 4., 4., 0.]])
    b = torch.tensor([[2., 0., 4., 4., 0.], [0., 0., 4., 4., torch.pi / 2]])
    assert box_iou_rotated(a, b)[0].tolist() == pytest.approx([1 / 3, 1.0], abs=1e-5)
    # NMS at 0.5 keeps the best of the two coincident boxes and the one that overlaps by 1/3.
    boxes = torch.cat([a, b[[1, 0]]])
    scores = torch.tensor([0.9, 0.95, 0.8])
    dets, keep = nms_rotated(boxes, scores, iou_threshold=0.5)
    assert keep.tolist() == [1, 2]
    assert dets[:, 5].tolist() == pytest.approx([0.95, 0.8])


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
