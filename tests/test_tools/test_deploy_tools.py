# Copyright (c) mmgrasp contributors. All rights reserved.
"""tools/analysis_tools/deploy_benchmark.py and int8_accuracy.py on a tiny model: the figures
they print are the ones they measured (a model against itself drifts by nothing; a float32
export scores what PyTorch scores on the same fold)."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmgrasp.deployment import export_onnx
from mmgrasp.testing import load_script, shared_data_path, tiny_scored_detector

pytest.importorskip('onnxruntime')

CONFIG = 'grasp/det_mobilenetv2_fpn_cornell.py'


def _tiny_model():
    return tiny_scored_detector(CONFIG, rpn_scale=1.0)


def test_deploy_benchmark_reports_its_own_measurements(tmp_path):
    cfg, model = _tiny_model()
    onnx_file = str(tmp_path / 'tiny.onnx')
    export_onnx(model, onnx_file, (352, 352), config=cfg.to_dict(), dataset_meta={})
    frames = []
    for i in range(2):
        img = np.full((480, 640, 3), 30 + 20 * i, np.uint8)
        cv2.rectangle(img, (250, 200), (330, 230), (220, 200, 180), -1)
        frames.append(str(tmp_path / f'f{i}.png'))
        cv2.imwrite(frames[-1], img)
    out = str(tmp_path / 'bench.json')
    tool = load_script('tools/analysis_tools/deploy_benchmark.py')
    assert tool.main(['--images', str(tmp_path / 'f*.png'), '--runtime', onnx_file, onnx_file,
                      '--threads', '1', '--warmup', '1', '--rounds', '2', '--passes', '2',
                      '--json', out]) == 0
    report = json.load(open(out))
    assert report['images'] == sorted(frames) and report['threads'] == 1
    assert len(report['rows']) == 2
    for row in report['rows']:
        assert 0 < row['median_ms'] <= row['p90_ms']
        assert row['fps'] == pytest.approx(1000 / row['median_ms'])
        assert 30 < row['peak_rss_mib'] < 400  # a torch-free process
        assert row['drift']['px_median'] == 0 and row['drift']['same_top'] == 1.0


@pytest.mark.slow  # exports, quantizes and scores a fold: about a minute
def test_int8_accuracy_scores_the_fp32_export_as_pytorch(tmp_path):
    cfg, model = _tiny_model()
    root = shared_data_path('cornell')
    for loader in ('train_dataloader', 'test_dataloader'):
        cfg[loader].dataset.update(data_root=root, fold=2, fold_by='object',
                                   object_map_file='01_objects.txt')
    config = str(tmp_path / 'fold2.py')
    cfg.dump(config)
    ckpt = str(tmp_path / 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    out = str(tmp_path / 'int8.json')
    tool = load_script('tools/analysis_tools/int8_accuracy.py')
    assert tool.main(['--model', config, ckpt, '--out-dir', str(tmp_path / 'exports'),
                      '--calib-images', '4', '--threads', '1', '--json', out]) == 0
    result = json.load(open(out))['results'][0]
    assert result['calibration_images'] == 4
    assert osp.isfile(tmp_path / 'exports' / 'model0' / 'int8.onnx')
    test_images = result['test_images']
    assert 10 <= test_images <= 30
    for key in ('acc_a30_iou25', 'acc_a10_iou25', 'acc_a5_iou25'):
        assert result['fp32'][key] == result['pytorch'][key]  # the same grasps
        paired = result['paired'][key]
        assert paired['n'] == test_images
        assert paired['after'] - paired['before'] == paired['gained'] - paired['lost']
        assert paired['after'] == round(result['int8'][key] * test_images)
    assert 0 <= result['drift']['same_top'] <= 1
    assert Config.fromfile(config).test_dataloader.dataset.fold == 2
    # the per-image record behind the seed-spread comparison agrees with the counts
    assert len(result['images']) == len(result['tops']['int8']) == test_images
    for key in ('acc_a30_iou25', 'acc_a5_iou25'):
        assert sum(result['correct']['fp32'][key]) == result['paired'][key]['before']
        assert sum(result['correct']['int8'][key]) == result['paired'][key]['after']
    # a rerun with the same inputs reuses the stored fold (a killed run resumes), the same figures
    stored = tmp_path / 'exports' / 'model0' / 'result.json'
    assert stored.is_file()
    (tmp_path / 'exports' / 'model0' / 'int8.onnx').unlink()
    assert tool.main(['--model', config, ckpt, '--out-dir', str(tmp_path / 'exports'),
                      '--calib-images', '4', '--threads', '1', '--json', out]) == 0
    assert not osp.isfile(tmp_path / 'exports' / 'model0' / 'int8.onnx')  # not re-exported
    assert json.load(open(out))['results'][0] == result


def test_deploy_profile_sums_openvino_layers_by_part(tmp_path):
    pytest.importorskip('openvino')  # requirements/deploy.txt installs it
    tool = load_script('tools/analysis_tools/deploy_profile.py')
    assert tool.part_of('/backbone/conv1/conv/Conv/WithoutBiases', 'Convolution') == 'backbone'
    assert tool.part_of('inputs_abcd_acdb_/backbone/conv1/conv/Conv', 'Reorder') == 'backbone'
    assert tool.part_of('/Gather_52_abcd_aBcd8b_/bbox_head/pool/AveragePool',
                        'Reorder') == 'bbox_head'
    assert tool.part_of('/Concat_11_acdb_abcd_/Gather_52', 'Reorder') == 'op:Reorder'
    assert tool.part_of('/RoiAlign', 'ROIAlign') == 'op:ROIAlign'
    cfg, model = _tiny_model()
    onnx_file = str(tmp_path / 'tiny.onnx')
    export_onnx(model, onnx_file, (352, 352), config=cfg.to_dict(), dataset_meta={})
    frame = str(tmp_path / 'f.png')
    cv2.imwrite(frame, np.full((480, 640, 3), 90, np.uint8))
    out = str(tmp_path / 'profile.json')
    assert tool.main([onnx_file, '--images', frame, '--threads', '1', '--warmup', '1',
                      '--rounds', '2', '--json', out]) == 0
    report = json.load(open(out))
    parts = report['parts_ms']
    assert {'backbone', 'neck', 'rpn_head'} <= set(parts)
    assert sum(parts.values()) == pytest.approx(report['layers_ms'])
    assert 0 < report['layers_ms'] and 0 < report['wall_median_ms']


def test_deploy_profile_refuses_zero_rounds():
    tool = load_script('tools/analysis_tools/deploy_profile.py')
    with pytest.raises(ValueError, match='rounds'):
        tool.main(['model.onnx', '--images', 'x.png', '--rounds', '0'])
