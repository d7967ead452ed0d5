# Copyright (c) mmgrasp contributors. All rights reserved.
"""demo/camera_demo.py with a fake runtime: drawings and grasps.jsonl written, grasps lifted
into metres with depth and intrinsics, Ctrl-C exits 0, bad sources and models named."""
import _thread
import json
import os.path as osp
import threading

import cv2
import numpy as np
import pytest
from stream_fakes import FakePredictor, python_sigint_handler

from mmgrasp.testing import load_script, shared_data_path


@pytest.fixture
def demo(monkeypatch):
    module = load_script('demo/camera_demo.py')
    monkeypatch.setattr(module, 'build_runtime',
                        lambda model, threads, backend: FakePredictor(0.002, 0.01, 0.002))
    return module


def _rgbd_folder(tmp_path, count=3):
    for i in range(count):
        cv2.imwrite(str(tmp_path / f'{i}_rgb.png'), np.full((48, 64, 3), 90, np.uint8))
        cv2.imwrite(str(tmp_path / f'{i}_depth.png'), np.full((48, 64), 500, np.uint16))
    (tmp_path / 'cam.json').write_text(json.dumps(dict(fx=50.0, fy=50.0, cx=32.0, cy=24.0)))
    return str(tmp_path)


def test_frames_drawn_and_grasps_written(demo, tmp_path, capsys):
    cornell = shared_data_path('cornell', '01')
    folder = osp.join(cornell, 'pcd010*r.png')
    out = tmp_path / 'out'
    assert demo.main(['fake.onnx', '--source', folder, '--out-dir', str(out),
                      '--max-frames', '4', '--top-k', '1']) == 0
    lines = [json.loads(line) for line in open(out / 'grasps.jsonl')]
    assert [line['frame'] for line in lines] == [0, 1, 2, 3]
    best = lines[0]['grasps']
    assert len(best) == 1 and best[0]['score'] == pytest.approx(0.9)
    assert best[0]['x'] == pytest.approx(320) and best[0]['w'] == pytest.approx(160)
    assert 'camera' not in best[0]  # no depth
    drawing = cv2.imread(str(out / 'frames' / '000000.jpg'))
    assert drawing.shape == (480, 640, 3)
    assert not np.array_equal(drawing, cv2.imread(osp.join(cornell, 'pcd0100r.png')))
    printed = capsys.readouterr().out
    assert '4 frames processed of' in printed and 'stopped: max_frames' in printed


def test_grasps_lifted_to_metres(demo, tmp_path, capsys):
    folder = _rgbd_folder(tmp_path)
    assert demo.main(['fake.onnx', '--source', folder, '--depth-pattern', '*_depth.png',
                      '--intrinsics', osp.join(folder, 'cam.json'), '--out-dir',
                      str(tmp_path / 'out')]) == 0
    lines = [json.loads(line) for line in open(tmp_path / 'out' / 'grasps.jsonl')]
    assert len(lines) == 3
    camera = lines[0]['grasps'][0]['camera']
    # centre (32, 24) in mmgrasp pixels = OpenCV (31.5, 23.5); 0.5 m at f = 50 px
    assert camera['valid'] is True
    np.testing.assert_allclose(camera['position_m'], [-0.005, -0.005, 0.5], atol=1e-9)
    assert camera['opening_m'] == pytest.approx(16 * 0.5 / 50)
    assert 'stopped: end of source' in capsys.readouterr().out


def test_ctrl_c_exits_0(demo, tmp_path, capsys):
    folder = _rgbd_folder(tmp_path)
    with python_sigint_handler():
        timer = threading.Timer(0.5, _thread.interrupt_main)
        timer.start()
        try:
            code = demo.main(['fake.onnx', '--source', folder, '--rate', '50', '--loop',
                              '--max-frames', '200'])  # 4 s: a bound, never reached
        finally:
            timer.cancel()
    assert code == 0
    assert 'stopped: interrupted' in capsys.readouterr().out


def test_bad_source_model_and_stage_errors(demo, tmp_path, capsys, monkeypatch):
    missing = str(tmp_path / 'nowhere')
    assert demo.main(['fake.onnx', '--source', missing]) == 1
    assert f'error: {missing}: no such folder' in capsys.readouterr().err
    folder = _rgbd_folder(tmp_path)
    assert demo.main(['fake.onnx', '--source', folder, '--intrinsics',
                      str(tmp_path / 'nope.json')]) == 1
    assert 'nope.json' in capsys.readouterr().err
    real = load_script('demo/camera_demo.py')  # the real GraspRuntime
    assert real.main([str(tmp_path / 'missing.onnx'), '--source', folder]) == 2
    assert 'missing.onnx' in capsys.readouterr().err
    monkeypatch.setattr(demo, 'build_runtime', lambda model, threads, backend: FakePredictor(
        fail=('infer', 2)))
    assert demo.main(['fake.onnx', '--source', folder]) == 1
    assert 'error: the infer stage failed: ValueError: infer broke' in capsys.readouterr().err
