# Copyright (c) mmgrasp contributors. All rights reserved.
"""The camera loop's modules and demo import neither torch nor the OpenMMLab packages: each is
imported in a fresh interpreter and its sys.modules checked."""
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
FORBIDDEN = ('torch', 'mmcv', 'mmdet', 'mmengine', 'mmrotate')
CHECK = ('import sys\n{imports}\n'
         'print(",".join(m for m in {forbidden!r} if m in sys.modules) or "clean")')


@pytest.mark.parametrize('imports', [
    'import mmgrasp.runtime.latest_slot',
    'import mmgrasp.runtime.frame_sources',
    'import mmgrasp.runtime.realsense_source',
    'import mmgrasp.runtime.stream_pipeline',
    'import mmgrasp.runtime.grasp_drawing_np',
    'from mmgrasp.runtime.grasp_lifting_np import grasps_to_camera_frame',
    # the demo, loaded as a module (its main not run)
    'import runpy; runpy.run_path("demo/camera_demo.py", run_name="camera_demo")',
])
def test_no_torch(imports):
    out = subprocess.run([sys.executable, '-c', CHECK.format(imports=imports,
                                                             forbidden=FORBIDDEN)],
                         cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == 'clean', (
        f'`{imports}` imported {out.stdout.strip()}')
