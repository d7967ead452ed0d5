# Copyright (c) mmgrasp contributors. All rights reserved.
"""ONNX export and the onnxruntime backend, on small models: the exported graph gives the PyTorch
model's grasps (top grasp identical, scores equal) and semantic map, through the same inference
API; what cannot be exported says so."""
import os.path as osp
import re
import sys
from unittest.mock import patch

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from mmgrasp.apis import GraspInferencer
from mmgrasp.registry import MODELS
from mmgrasp.structures import bin_to_angle
from mmgrasp.testing import get_config, get_detector_cfg, load_script, tiny_scored_detector

pytest.importorskip('onnxruntime')

DET_SEG = 'grasp/det_seg_mobilenetv2_fpn_jacquard.py'
DET = 'grasp/det_mobilenetv2_fpn_jacquard.py'
REFINE = 'grasp/det_seg_refine_mobilenetv2_fpn_jacquard.py'


def _images(tmp_path):
    """Two 256x256 scenes with a bright block on a dark table (128x128 after the 0.5 resize)."""
    paths = []
    for i, (x, y) in enumerate([(60, 90), (140, 40)]):
        img = np.full((256, 256, 3), 40, np.uint8)
        cv2.rectangle(img, (x, y), (x + 70, y + 30), (200, 180, 160), -1)
        path = str(tmp_path / f'scene{i}.png')
        cv2.imwrite(path, img)
        paths.append(path)
    return paths


def _checkpoint(name, tmp_path, angle_decoding=None, bin_score=None):
    """A tiny model whose classifiers are scaled up, so that its scores are well apart (no ties
    for the top grasp), saved as a checkpoint with its config (``angle_decoding``, ``bin_score``:
    its ``test_cfg.rcnn`` options, the default's when None)."""
    cfg, model = tiny_scored_detector(name)
    if angle_decoding is not None:
        cfg.model.test_cfg.rcnn.angle_decoding = angle_decoding
    if bin_score is not None:
        cfg.model.test_cfg.rcnn.bin_score = bin_score
    path = str(tmp_path / 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    cfg_path = str(tmp_path / 'tiny.py')
    cfg.dump(cfg_path)
    return cfg_path, path


@pytest.mark.parametrize('name,angle_decoding,bin_score',
                         [(DET_SEG, None, None), (DET, None, None), (REFINE, None, None),
                          (DET, 'local_mean', None), (DET, 'local_mean', 'neighbourhood')])
def test_export_round_trip(name, angle_decoding, bin_score, tmp_path):
    config, ckpt = _checkpoint(name, tmp_path, angle_decoding, bin_score)
    images = _images(tmp_path)
    out = str(tmp_path / 'tiny.onnx')
    tool = load_script('tools/deployment/pytorch2onnx.py')
    assert tool.main([config, ckpt, '--out', out, '--verify', *images]) == 0
    assert osp.isfile(out)
    torch_inf = GraspInferencer(config, ckpt, device='cpu', show_progress=False)
    ort_inf = GraspInferencer(None, out, backend='onnxruntime', show_progress=False)
    for path in images:
        a = torch_inf(path, return_datasamples=True, no_save_pred=True)['predictions'][0]
        b = ort_inf(path, return_datasamples=True, no_save_pred=True)['predictions'][0]
        pa, pb = a.pred_instances, b.pred_instances
        assert len(pa) > 0 and len(pb) > 0
        torch.testing.assert_close(pb.bboxes[0], pa.bboxes[0], atol=1e-3, rtol=0)
        torch.testing.assert_close(pb.scores[0], pa.scores[0], atol=1e-5, rtol=0)
        # further down, NMS decisions at the IoU threshold may differ between implementations
        torch.testing.assert_close(pb.scores[:5], pa.scores[:5], atol=1e-3, rtol=0)
        assert pb.labels[0] == pa.labels[0]
        centre = float(bin_to_angle(pa.labels[0]))
        if angle_decoding == 'local_mean':  # the graph computes the moved angle too
            # moved off the centre (this model's top grasp: 1.1e-3 rad by bin score, 4.2e-4 by
            # neighbourhood score)
            moved = 2e-4 if bin_score == 'neighbourhood' else 5e-4
            assert abs(pa.bboxes[0, 4].item() - centre) > moved
            torch.testing.assert_close(pb.bboxes[0, 4], pa.bboxes[0, 4], atol=1e-5, rtol=0)
            # and to the same detections further down (both kept: same bin, box and score)
            same = [(i, j) for i in range(min(10, len(pa))) for j in range(min(10, len(pb)))
                    if pa.labels[i] == pb.labels[j]
                    and (pa.bboxes[i, :4] - pb.bboxes[j, :4]).abs().max() < 1e-3
                    and abs(pa.scores[i] - pb.scores[j]) < 1e-5]
            assert len(same) >= 5
            for i, j in same:
                torch.testing.assert_close(pb.bboxes[j, 4], pa.bboxes[i, 4], atol=1e-5, rtol=0)
        elif 'bboxes_unrefined' not in pa:
            assert abs(pa.bboxes[0, 4].item() - centre) < 1e-6
        if 'bboxes_unrefined' in pa:  # Det_Seg_Refine: the candidate and its refinement
            torch.testing.assert_close(pb.bboxes_unrefined[0], pa.bboxes_unrefined[0],
                                       atol=1e-3, rtol=0)
            assert not torch.equal(pa.bboxes[0], pa.bboxes_unrefined[0])
        if 'pred_sem_seg' in a:
            agree = (a.pred_sem_seg.sem_seg == b.pred_sem_seg.sem_seg).float().mean()
            assert agree > 0.999
        else:
            assert 'pred_sem_seg' not in b
    # the config saved in the file is data (JSON), not code that would run on loading
    from mmgrasp.deployment import read_onnx_metadata
    assert isinstance(read_onnx_metadata(out)['config'], dict)
    # the same classes as the PyTorch model's
    assert list(ort_inf.model.dataset_meta['classes']) == \
        list(torch_inf.model.dataset_meta['classes'])


@pytest.fixture(scope='module')
def det_onnx(tmp_path_factory) -> str:
    """A Detection model exported for 64x64 inputs (small and quick)."""
    root = tmp_path_factory.mktemp('det_onnx')
    config, ckpt = _checkpoint(DET, root)
    out = str(root / 'small.onnx')
    tool = load_script('tools/deployment/pytorch2onnx.py')
    assert tool.main([config, ckpt, '--out', out, '--shape', '64', '64']) == 0
    return out


def test_larger_input_is_refused_with_advice(det_onnx, tmp_path):
    ort_inf = GraspInferencer(None, det_onnx, backend='onnxruntime', show_progress=False)
    images = _images(tmp_path)
    small = str(tmp_path / 'tiny.png')
    cv2.imwrite(small, np.zeros((20, 20, 3), np.uint8))
    result, tiny = ort_inf([images[0], small], no_save_pred=True)['predictions']
    assert 'export again with --shape 128 128' in result['error']
    # the PyTorch model's input checks (mmgrasp.models.utils.check_network_inputs) run too
    assert 'tiny.png: the network input is 10x10 px' in tiny['error']


def test_export_of_another_variant_is_refused_at_load(det_onnx, tmp_path):
    """A Detection export with a Det_Seg config: one message naming both when it is loaded
    (before: ``no attribute 'semantic_head'`` on every image)."""
    cfg = get_config(DET_SEG)
    cfg.model = get_detector_cfg(DET_SEG)
    config = str(tmp_path / 'det_seg.py')
    cfg.dump(config)
    with pytest.raises(ValueError, match=re.escape(
            f"{det_onnx} does not fit config '{config}': the file is a Detection model, the "
            'config builds a Det_Seg model')):
        GraspInferencer(config, det_onnx, backend='onnxruntime', show_progress=False)


@pytest.mark.parametrize('what', ['truncated', 'empty'])
def test_damaged_onnx_is_named(det_onnx, tmp_path, capsys, what):
    data = open(det_onnx, 'rb').read()
    damaged = str(tmp_path / f'{what}.onnx')
    with open(damaged, 'wb') as f:
        f.write(data[:len(data) // 2] if what == 'truncated' else b'')
    with pytest.raises(ValueError, match=re.escape(damaged) + ': (not a loadable ONNX model|the '
                       'file is empty)'):
        GraspInferencer(None, damaged, backend='onnxruntime', show_progress=False)
    # the demo: one line and status 2 (before: onnxruntime's traceback and status 1)
    demo = load_script('demo/image_demo.py')
    argv = ['image_demo.py', _images(tmp_path)[0], 'none', '--weights', damaged, '--backend',
            'onnxruntime', '--out-dir', str(tmp_path / 'out')]
    with patch.object(sys, 'argv', argv):
        assert demo.main() == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith('error:')]
    assert len(errors) == 1 and damaged in errors[0] and 'Traceback' not in err


def test_rotated_roi_align_as_grid_sample_equals_mmcv():
    """The export's rotated RoIAlign gives mmcv's samples, RoIs across the border included."""
    import math

    from mmcv.ops import RoIAlignRotated

    from mmgrasp.models.utils import roi_align_rotated_grid
    torch.manual_seed(0)
    feats = torch.rand(2, 3, 40, 50)
    k = 300
    rois = torch.stack([torch.randint(0, 2, (k, )).float(), torch.rand(k) * 220 - 10,
                        torch.rand(k) * 180 - 10, torch.rand(k) * 80 + 2, torch.rand(k) * 40 + 2,
                        torch.rand(k) * 2 * math.pi - math.pi], dim=1)
    ref = RoIAlignRotated((8, 6), spatial_scale=0.25, sampling_ratio=2, aligned=True,
                          clockwise=True)(feats, rois)
    out = roi_align_rotated_grid(feats, rois, (8, 6), 0.25, sampling_ratio=2)
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=0)


def test_inplace_refinement_head_is_not_exported_silently():
    init_default_scope('mmgrasp')
    name = 'grasp/det_seg_refine_inplace_mobilenetv2_fpn_jacquard.py'
    model = MODELS.build(get_detector_cfg(name)).eval()
    from mmgrasp.deployment import GraspExportModule
    with pytest.raises(NotImplementedError, match='in-place refinement head'):
        GraspExportModule(model, (64, 64))


def test_backend_needs_an_onnx_file():
    with pytest.raises(ValueError, match='weights must be the .onnx file'):
        GraspInferencer(DET, 'model.pth', backend='onnxruntime')
    with pytest.raises(ValueError, match='backend must be one of'):
        GraspInferencer(DET, None, backend='tensorrt')


class _RoIFeats(torch.nn.Module):
    """``GraspExportModule._roi_feats`` alone, for export: FPN maps and proposals in."""

    def __init__(self, module) -> None:
        super().__init__()
        self.module = module

    def forward(self, p0, p1, p2, p3, proposals):
        return self.module._roi_feats((p0, p1, p2, p3), proposals)


def test_roi_features_follow_any_count_of_rois_per_level(tmp_path):
    """Traced with one RoI on the finest level, run with none, one and three there: mmdet's
    ``SingleRoIExtractor`` features every time (the traced ``feats[inds] = ...`` of before
    fixed the traced count in a Reshape, and real Cornell frames failed in onnxruntime)."""
    import onnxruntime as ort

    from mmgrasp.deployment import GraspExportModule
    init_default_scope('mmgrasp')
    cfg = get_detector_cfg(DET)
    cfg.backbone.init_cfg = None
    model = MODELS.build(cfg).eval()
    module = _RoIFeats(GraspExportModule(model, (128, 128)))
    extractor = model.roi_head.bbox_roi_extractor
    torch.manual_seed(0)
    feats = [torch.randn(1, 32, 32 // 2**i, 32 // 2**i) for i in range(4)]

    def boxes(small: int, large: int) -> torch.Tensor:  # sides 20 px -> level 0, 120 -> 1
        rows = [[4 + 3 * k, 5 + 2 * k, 24 + 3 * k, 25 + 2 * k] for k in range(small)]
        rows += [[2 + k, 3, 122 + k, 123] for k in range(large)]
        return torch.tensor(rows, dtype=torch.float32)

    path = str(tmp_path / 'roi_feats.onnx')
    with torch.no_grad():
        torch.onnx.export(module, (*feats, boxes(1, 2)), path, dynamo=False, opset_version=17,
                          input_names=['p0', 'p1', 'p2', 'p3', 'proposals'],
                          output_names=['feats'], dynamic_axes={'proposals': {0: 'n'}})
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    for small, large in [(0, 2), (1, 2), (3, 1), (2, 0)]:
        props = boxes(small, large)
        got = session.run(None, dict(p0=feats[0].numpy(), p1=feats[1].numpy(),
                                     p2=feats[2].numpy(), p3=feats[3].numpy(),
                                     proposals=props.numpy()))[0]
        rois = torch.cat([props.new_zeros(len(props), 1), props], dim=1)
        with torch.no_grad():
            want = extractor(tuple(feats), rois)
        np.testing.assert_allclose(got, want.numpy(), atol=1e-5, rtol=0)
