# Copyright (c) mmgrasp contributors. All rights reserved.
"""demo/image_demo.py and tools/analysis_tools/benchmark.py, run in-process on the tiny model."""
import json
import os.path as osp
import sys
from unittest.mock import patch

import pytest
import torch

from mmgrasp.testing import load_script


def test_image_demo(tiny_cfg, image_dir, tmp_path):
    config = str(tmp_path / 'tiny.py')
    tiny_cfg.dump(config)
    demo = load_script('demo/image_demo.py')
    out = str(tmp_path / 'out')
    argv = ['image_demo.py', osp.join(image_dir, 'a.png'), osp.join(image_dir, 'zz.png'), config,
            '--out-dir', out, '--pred-score-thr', '0', '--best-per-object']
    with patch.object(sys, 'argv', argv):
        status = demo.main()
    assert status == 1  # zz.png is not an image: reported, the other one is processed
    assert osp.isfile(osp.join(out, 'vis', 'a.png'))
    pred = json.load(open(osp.join(out, 'preds', 'a.json')))
    assert pred['grasps'] and all('object_id' in g for g in pred['grasps'])
    assert 'error' in json.load(open(osp.join(out, 'preds', 'zz.json')))
    # a model that cannot be loaded: a message and status 2, no traceback
    argv = ['image_demo.py', osp.join(image_dir, 'a.png'), config, '--weights',
            str(tmp_path / 'missing.pth'), '--out-dir', out, '--max-grasps', '3']
    with patch.object(sys, 'argv', argv):
        assert demo.main() == 2


@pytest.mark.parametrize('what', ['truncated', 'empty'])
def test_image_demo_damaged_checkpoint(tiny_cfg, image_dir, tmp_path, capsys, what):
    """A truncated or empty .pth: one line naming it and status 2, as for any model that cannot
    be loaded (before: torch's traceback and status 1)."""
    config = str(tmp_path / 'tiny.py')
    tiny_cfg.dump(config)
    whole, ckpt = tmp_path / 'whole.pth', tmp_path / f'{what}.pth'
    torch.save(dict(state_dict={'w': torch.zeros(4096)}, meta={}), str(whole))
    data = whole.read_bytes()
    ckpt.write_bytes(data[:len(data) // 2] if what == 'truncated' else b'')
    demo = load_script('demo/image_demo.py')
    argv = ['image_demo.py', osp.join(image_dir, 'a.png'), config, '--weights', str(ckpt),
            '--out-dir', str(tmp_path / 'out')]
    with patch.object(sys, 'argv', argv):
        assert demo.main() == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith('error:')]
    assert len(errors) == 1 and f'{ckpt}: damaged checkpoint' in errors[0]
    assert 'Traceback' not in err


def test_benchmark_stages_match_predict(tiny_cfg):
    bench = load_script('tools/analysis_tools/benchmark.py')
    model = bench.build_model(tiny_cfg)
    batch = bench.make_batch(model, 96, 128, batch_size=1)
    timer = bench.StageTimer(torch.device('cpu'))
    bench.staged_predict(model, batch, timer)
    stages = bench.summarise(timer.medians())
    assert list(stages) == ['backbone+FPN', 'RPN', 'grasp head', 'semantic head',
                            'refinement head', 'post-processing']
    assert all(v > 0 for v in stages.values())
    # the stages are GraspDetSeg.predict cut in pieces: same grasps
    captured = {}

    def keep(name, fn, *args, **kwargs):
        out = fn(*args, **kwargs)
        captured[name] = out
        return out

    with torch.no_grad():
        bench.staged_predict(model, batch, keep)
        reference = model.predict(batch['inputs'], batch['data_samples'], rescale=True)
    refined = captured['refinement head'][0]
    assert torch.allclose(refined.bboxes, reference[0].pred_instances.bboxes)
    assert torch.equal(refined.scores, reference[0].pred_instances.scores)
    gmacs = bench.count_gmacs(model, batch)
    assert set(gmacs) == set(stages) - {'post-processing'}
    assert gmacs['backbone+FPN'] > gmacs['RPN'] > 0


def test_benchmark_cli(tiny_cfg, tmp_path, capsys):
    config = str(tmp_path / 'tiny.py')
    tiny_cfg.dump(config)
    bench = load_script('tools/analysis_tools/benchmark.py')
    argv = ['benchmark.py', config, '--shape', '64', '--warmup', '1', '--num-iters', '1',
            '--flops', '--versus', config]
    with patch.object(sys, 'argv', argv):
        bench.main()
    printed = capsys.readouterr().out
    for word in ('backbone+FPN', 'RPN', 'grasp head', 'semantic head', 'refinement head',
                 'post-processing', 'images per second', 'peak memory', 'GFLOP/s',
                 'dense 3x3 conv rate', 'versus: model.predict',
                 'target (heads <= 100 % of backbone+FPN, Det_Seg(_Refine))',
                 'target (each operation without multiply-adds <= 15 %)'):
        assert word in printed, word


def test_benchmark_dense_rate_and_targets(tiny_cfg):
    bench = load_script('tools/analysis_tools/benchmark.py')
    rate = bench.dense_conv_rate(torch.device('cpu'), channels=32, size=16, num_iters=2)
    assert 0.01 < rate < 1e5  # GFLOP/s: a CPU core does 1-200
    model = bench.build_model(tiny_cfg)
    assert bench.default_target(model) == (100.0, 'Det_Seg(_Refine)')
    model.backbone.depth = 101
    assert bench.default_target(model) == (70.0, 'ResNet-101 Det_Seg(_Refine)')
    model.semantic_head = None
    assert bench.default_target(model) == (50.0, 'Detection')
    with pytest.raises(SystemExit):
        with patch.object(sys, 'argv', ['benchmark.py']):
            bench.main()


def test_rgbd_demo_writes_grasps_in_metres(tiny_cfg, tmp_path, capsys):
    """The tiny model on a 96x128 frame with a flat depth of 0.6 m (uint16 millimetres): every
    kept grasp gets a camera-frame pose whose depth is 0.6 m and whose opening in metres is its
    opening in pixels times z / f."""
    import cv2
    import numpy as np
    config = str(tmp_path / 'tiny.py')
    tiny_cfg.dump(config)
    rgb = np.random.default_rng(0).integers(0, 255, (96, 128, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / 'frame.png'), rgb)
    cv2.imwrite(str(tmp_path / 'depth.png'), np.full((96, 128), 600, np.uint16))
    (tmp_path / 'cam.json').write_text(json.dumps(dict(fx=100.0, fy=100.0, ppx=64.0, ppy=48.0,
                                                       depth_scale=0.001)))
    demo = load_script('demo/rgbd_demo.py')
    out = str(tmp_path / 'out')
    argv = [str(tmp_path / 'frame.png'), str(tmp_path / 'depth.png'), str(tmp_path / 'cam.json'),
            config, '--out-dir', out, '--top-k', '3']
    assert demo.main(argv) == 0
    result = json.load(open(osp.join(out, 'frame_grasps_3d.json')))
    assert result['intrinsics']['cx'] == 64.0 and result['grasps']
    for g in result['grasps']:
        cam = g['camera']
        if not cam['valid']:  # a centre outside the frame has no depth
            continue
        assert cam['position_m'][2] == pytest.approx(0.6, abs=1e-6)
        assert cam['depth_m'] == pytest.approx(0.6)
        assert cam['opening_m'] == pytest.approx(g['opening'] * 0.6 / 100, abs=1e-4)
        assert cam['jaw_m'] == pytest.approx(g['jaw'] * 0.6 / 100, abs=1e-4)
        u = g['center'][0] - 0.5  # mmgrasp pixel centres are at +0.5
        assert cam['position_m'][0] == pytest.approx((u - 64.0) * 0.6 / 100, abs=1e-4)
    assert sum(g['camera']['valid'] for g in result['grasps']) >= 1
    assert osp.isfile(osp.join(out, 'vis', 'frame.png'))
    printed = capsys.readouterr().out
    assert 'opening [m]' in printed and 'grasps in metres' in printed
    # a depth image of another size is refused with both names in the message
    cv2.imwrite(str(tmp_path / 'small.png'), np.full((48, 64), 600, np.uint16))
    argv[1] = str(tmp_path / 'small.png')
    assert demo.main(argv) == 1
    assert 'align the depth to the colour' in capsys.readouterr().err


def test_benchmark_tta(tiny_cfg, tmp_path, capsys):
    """--tta times the config's tta_model over its tta_pipeline's views (2 x 2 here)."""
    cfg = tiny_cfg.copy()
    cfg.tta_model = dict(type='GraspTTAModel', tta_cfg=dict())
    cfg.tta_pipeline = [dict(type='LoadImageFromFile'), dict(type='TestTimeAug', transforms=[
        [dict(type='GraspRandomFlip', prob=0.0), dict(type='GraspRandomFlip', prob=1.0)],
        [dict(type='GraspRandomRotateTranslate', rotate_range=(a, a), max_translate=0)
         for a in (0, 180)], [dict(type='PackGraspInputs')]])]
    config = str(tmp_path / 'tiny_tta.py')
    cfg.dump(config)
    bench = load_script('tools/analysis_tools/benchmark.py')
    assert bench.tta_views(cfg) == 4
    argv = ['benchmark.py', config, '--shape', '64', '--warmup', '1', '--num-iters', '1', '--tta']
    with patch.object(sys, 'argv', argv):
        bench.main()
    line = [ln for ln in capsys.readouterr().out.splitlines()
            if ln.startswith('test-time augmentation')]
    assert len(line) == 1 and '4 views' in line[0] and 'the plain test_step' in line[0]
