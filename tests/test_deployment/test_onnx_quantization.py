# Copyright (c) mmgrasp contributors. All rights reserved.
"""Static int8 quantization of an export: what is quantized, what is kept in float32, the
metadata, the calibration frames (training side only) and the refusals."""
import json

import cv2
import numpy as np
import onnx
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmgrasp.deployment import export_onnx
from mmgrasp.deployment.onnx_quantization import (META_INT8, QUANTIZED_OPS, quantize_export,
                                                  read_frames, training_frame_paths)
from mmgrasp.registry import DATASETS
from mmgrasp.runtime import GraspRuntime
from mmgrasp.testing import shared_data_path, tiny_scored_detector

pytest.importorskip('onnxruntime')

CONFIG = 'grasp/det_mobilenetv2_fpn_cornell.py'


@pytest.fixture(scope='module')
def fp32_export(tmp_path_factory):
    cfg, model = tiny_scored_detector(CONFIG, rpn_scale=1.0)
    out = str(tmp_path_factory.mktemp('int8') / 'fp32.onnx')
    export_onnx(model.eval(), out, (352, 352), config=cfg.to_dict(), dataset_meta={})
    return out


def _frames(n: int):
    rng = np.random.default_rng(0)
    for _ in range(n):
        img = rng.integers(0, 80, (480, 640, 3), dtype=np.uint8)
        x, y = rng.integers(150, 400), rng.integers(100, 300)
        cv2.rectangle(img, (int(x), int(y)), (int(x) + 60, int(y) + 25), (210, 190, 170), -1)
        yield img


def _int8_weight_layers(proto) -> set:
    """Names of the Conv / Gemm / MatMul nodes whose weight comes from a DequantizeLinear of
    a stored int8 initializer."""
    inits = {i.name: i for i in proto.graph.initializer}
    producers = {o: n for n in proto.graph.node for o in n.output}
    names = set()
    for node in proto.graph.node:
        if node.op_type not in QUANTIZED_OPS:
            continue
        dq = producers.get(node.input[1])
        if dq is not None and dq.op_type == 'DequantizeLinear' and dq.input[0] in inits and \
                inits[dq.input[0]].data_type == onnx.TensorProto.INT8:
            names.add(node.name)
    return names


def test_convolutions_and_fcs_become_int8_the_rest_stays(fp32_export, tmp_path):
    out = str(tmp_path / 'int8.onnx')
    info = quantize_export(fp32_export, out, _frames(4))
    fp32, int8 = onnx.load(fp32_export), onnx.load(out)
    layers = [n for n in fp32.graph.node if n.op_type in QUANTIZED_OPS]
    assert info['frames'] == 4 and info['quantized'] == len(layers) and not info['kept_fp32']
    # every quantizable layer's weight is stored as int8 and dequantized in the graph
    assert _int8_weight_layers(int8) == {n.name for n in layers}
    # the ops without multiply-adds are not touched
    for op in ('NonMaxSuppression', 'RoiAlign', 'TopK'):
        assert sum(n.op_type == op for n in fp32.graph.node) == \
            sum(n.op_type == op for n in int8.graph.node) > 0
    meta = {p.key: p.value for p in int8.metadata_props}
    for prop in fp32.metadata_props:
        assert meta[prop.key] == prop.value
    assert json.loads(meta[META_INT8]) == dict(frames=4, method='minmax', per_channel=True,
                                               reduce_range=True, kept_fp32=[])
    assert [o.name for o in int8.graph.output] == [o.name for o in fp32.graph.output]
    pred = GraspRuntime(out, num_threads=1)(next(_frames(1)))
    assert len(pred.grasps) > 0 and np.isfinite(pred.grasps).all()


def test_keep_fp32_keeps_the_named_layers(fp32_export, tmp_path):
    out = str(tmp_path / 'int8_reg.onnx')
    info = quantize_export(fp32_export, out, _frames(2), keep_fp32=['fc_reg'])
    assert info['kept_fp32'] == ['/bbox_head/fc_reg/Gemm']
    int8 = onnx.load(out)
    int8_layers = _int8_weight_layers(int8)
    assert '/bbox_head/fc_reg/Gemm' not in int8_layers and '/bbox_head/fc_cls/Gemm' in int8_layers
    assert info['quantized'] == sum(n.op_type in QUANTIZED_OPS
                                    for n in onnx.load(fp32_export).graph.node) - 1


def test_refusals(fp32_export, tmp_path):
    with pytest.raises(ValueError, match="'fc_regression' matches no quantizable layer"):
        quantize_export(fp32_export, str(tmp_path / 'a.onnx'), _frames(1),
                        keep_fp32=['fc_regression'])
    with pytest.raises(ValueError, match='no calibration frame'):
        quantize_export(fp32_export, str(tmp_path / 'b.onnx'), iter([]))
    with pytest.raises(ValueError, match='method must be one of'):
        quantize_export(fp32_export, str(tmp_path / 'c.onnx'), _frames(1), method='kl')
    with pytest.raises(ValueError, match='missing.png: cannot read this calibration image'):
        quantize_export(fp32_export, str(tmp_path / 'd.onnx'),
                        read_frames([str(tmp_path / 'missing.png')]))
    assert not list(tmp_path.glob('*.onnx'))  # nothing half written


def test_calibration_frames_come_from_the_training_side_only():
    root = shared_data_path('cornell')
    cfg = Config.fromfile('configs/grasp/det_mobilenetv2_fpn_cornell.py')
    for loader in ('train_dataloader', 'test_dataloader'):
        cfg[loader].dataset.update(data_root=root, fold=1, fold_by='object',
                                   object_map_file='01_objects.txt')
    paths = training_frame_paths(cfg, 10)
    assert len(paths) == 10 == len(set(paths))
    init_default_scope('mmgrasp')
    train = DATASETS.build(cfg.train_dataloader.dataset)
    test = DATASETS.build(cfg.test_dataloader.dataset)
    train_paths = {train.get_data_info(i)['img_path'] for i in range(len(train))}
    test_paths = {test.get_data_info(i)['img_path'] for i in range(len(test))}
    assert set(paths) <= train_paths and not set(paths) & test_paths
    # evenly spread over the training side: first and last training image included
    ordered = [train.get_data_info(i)['img_path'] for i in range(len(train))]
    assert paths[0] == ordered[0] and paths[-1] == ordered[-1]


def _input_scale(onnx_file: str) -> float:
    """The scale of the first activation QuantizeLinear (the network's normalised input)."""
    proto = onnx.load(onnx_file)
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in proto.graph.initializer}
    first = next(n for n in proto.graph.node if n.op_type == 'QuantizeLinear'
                 and n.input[0] not in inits)
    return float(inits[first.input[1]])


def test_every_calibration_frame_counts_in_strides(fp32_export, tmp_path):
    # 8 frames spanning 0-255 and one flat grey frame. Calibrated in strides (a divisor of the
    # count), the input's range is the union of all nine, i.e. the eight wide ones'. (With
    # onnxruntime's CalibMaxIntermediateOutputs=8, each full batch of 8 was dropped unused: nine
    # frames calibrated on the grey one alone, eight failed with "No data is collected".) The
    # grey frame alone has a range close to zero: the wide frames' scale is 255 / 255 / std.
    def wide(n):
        for k in range(n):
            img = np.zeros((480, 640, 3), np.uint8)
            img[:, 320:] = 255
            img[k * 10:k * 10 + 40, 100:160] = 128
            yield img
    grey = np.full((480, 640, 3), 128, np.uint8)
    scales = {}
    for name, frames in (('wide', list(wide(8))), ('all', list(wide(8)) + [grey])):
        out = str(tmp_path / f'{name}.onnx')
        assert quantize_export(fp32_export, out, iter(frames))['frames'] == len(frames)
        scales[name] = _input_scale(out)
    assert scales['all'] == pytest.approx(scales['wide'], rel=1e-6)
    # the normalised input spans (0 - mean) / std to (255 - mean) / std: about 4.4 / 255 a step
    assert scales['wide'] > 3.0 / 255


def test_calibration_stride_tiles_the_frames():
    from mmgrasp.deployment.onnx_quantization import calibration_stride
    assert [calibration_stride(n) for n in (1, 4, 8, 9, 12, 31, 32, 100)] == \
        [1, 4, 8, 3, 6, 1, 8, 5]
