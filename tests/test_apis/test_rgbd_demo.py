# Copyright (c) mmgrasp contributors. All rights reserved.
"""demo/rgbd_demo.py on the tiny model: the depth's unit from its dtype, a wrong --depth-scale
warned about and its grasps flagged, 8-bit depth and bad intrinsics refused before any model
is built."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from mmgrasp.testing import load_script

# a 128x96 frame, f = 500 px: a 0.5 m opening is 500 px at 0.5 m, wider than any grasp
CAMERA = dict(fx=500.0, fy=500.0, cx=64.0, cy=48.0)


def _frame(tmp_path, tiny_cfg, depth_name, depth, **camera):
    """Write the config, a random RGB frame, the depth and cam.json; the demo's argv."""
    config = str(tmp_path / 'tiny.py')
    tiny_cfg.dump(config)
    rgb = np.random.default_rng(0).integers(0, 255, (96, 128, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / 'frame.png'), rgb)
    assert cv2.imwrite(str(tmp_path / depth_name), depth)
    (tmp_path / 'cam.json').write_text(json.dumps(dict(CAMERA, **camera)))
    return [str(tmp_path / 'frame.png'), str(tmp_path / depth_name),
            str(tmp_path / 'cam.json'), config, '--out-dir', str(tmp_path / 'out')]


@pytest.mark.parametrize('name, depth, scale, unit', [
    ('depth.tiff', np.full((96, 128), 0.5, np.float32), 1.0, 'float32 depth: metres'),
    ('depth.png', np.full((96, 128), 500, np.uint16), 0.001, 'uint16 depth: millimetres'),
])
def test_the_depth_unit_follows_its_dtype(tiny_cfg, tmp_path, capsys, name, depth, scale, unit):
    """A float TIFF of 0.5 m and a uint16 PNG of 500 mm, no depth_scale in cam.json: both
    are 0.5 m; a grasp at pixel (u, v) is at ((u - 64) 0.5 / 500, (v - 48) 0.5 / 500, 0.5)."""
    demo = load_script('demo/rgbd_demo.py')
    assert demo.main(_frame(tmp_path, tiny_cfg, name, depth)) == 0
    result = json.load(open(tmp_path / 'out' / 'frame_grasps_3d.json'))
    assert sum(g['camera']['valid'] for g in result['grasps']) >= 1
    for g in result['grasps']:
        cam = g['camera']
        if not cam['valid']:  # only a centre outside the frame has no depth here
            assert cam.get('reason') == 'the centre lies outside the image'
            continue
        assert cam['position_m'][2] == pytest.approx(0.5, abs=1e-6)
        u, v = g['center'][0] - 0.5, g['center'][1] - 0.5  # the record's centre: 0.01 px
        np.testing.assert_allclose(cam['position_m'],
                                   [(u - 64) * 0.5 / 500, (v - 48) * 0.5 / 500, 0.5], atol=2e-5)
        assert cam['opening_m'] == pytest.approx(g['opening'] * 0.5 / 500, abs=1e-5)
        assert cam['reason'] is None
    assert result['depth_scale'] == scale and result['depth_unit'].startswith(unit)
    captured = capsys.readouterr()
    assert f'depth.{name.split(".")[1]}: {unit}' in captured.out
    assert 'warning' not in captured.err


def test_a_wrong_depth_scale_is_warned_about_and_its_grasps_flagged(tiny_cfg, tmp_path, capsys):
    """Millimetres with --depth-scale 1: 500 m. The demo says so, suggests 0.001, and no
    grasp is valid."""
    demo = load_script('demo/rgbd_demo.py')
    argv = _frame(tmp_path, tiny_cfg, 'depth.png', np.full((96, 128), 500, np.uint16))
    assert demo.main(argv + ['--depth-scale', '1']) == 0
    captured = capsys.readouterr()
    assert (f'warning: {argv[1]}: with depth scale 1 (uint16 depth: 1 m per unit, given '
            'explicitly) the median depth is 500 m, outside the plausible 0.1-10 m; the depth '
            'is likely 0.001 m per unit (--depth-scale 0.001, giving 0.5 m)') in captured.err
    result = json.load(open(tmp_path / 'out' / 'frame_grasps_3d.json'))
    assert result['grasps'] and result['depth_scale'] == 1.0
    reasons = [g['camera']['reason'] for g in result['grasps'] if g['camera']['reason']
               != 'the centre lies outside the image']
    assert reasons and all(r.startswith('depth 500 m outside the plausible 0.1-10 m')
                           for r in reasons)
    assert not any(g['camera']['valid'] for g in result['grasps'])
    assert 'invalid: depth 500 m outside' in captured.out  # the printed table says why


def test_an_eight_bit_depth_is_refused(tiny_cfg, tmp_path, capsys):
    demo = load_script('demo/rgbd_demo.py')
    argv = _frame(tmp_path, tiny_cfg, 'depth8.png', np.full((96, 128), 128, np.uint8))
    assert demo.main(argv) == 1
    err = capsys.readouterr().err
    assert f'error: {argv[1]}: an 8-bit (uint8) image is not a depth image' in err
    assert '--depth-scale' in err and not osp.exists(tmp_path / 'out')


@pytest.mark.parametrize('camera, message', [
    (dict(cx=-5000.0), 'cam.json: cx = -5000 lies outside {rgb} (width 128 px)'),
    (dict(cy=96.0), 'cam.json: cy = 96 lies outside {rgb} (height 96 px)'),
    (dict(fx=1e-9), 'cam.json: fx must be a focal length of at least 1 pixel, got 1e-09'),
    (dict(fx=True), 'cam.json: fx must be a finite number, got True (bool)'),
    (dict(fx='500'), "cam.json: fx must be a finite number, got '500' (str)"),
])
def test_bad_intrinsics_are_refused(tiny_cfg, tmp_path, capsys, camera, message):
    demo = load_script('demo/rgbd_demo.py')
    argv = _frame(tmp_path, tiny_cfg, 'depth.png', np.full((96, 128), 500, np.uint16), **camera)
    assert demo.main(argv) == 1
    assert message.format(rgb=argv[0]) in capsys.readouterr().err
