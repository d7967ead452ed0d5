# Copyright (c) mmgrasp contributors. All rights reserved.
"""The torch-free runtime against the onnxruntime backend of the inference API: the same network
input bit for bit, the same grasps and semantic map, for the three variants and for both kinds
of test pipeline (Cornell's centre crop, Jacquard's resize); and a process without torch."""
import json
import os
import subprocess
import sys
import textwrap

import cv2
import numpy as np
import pytest

from mmgrasp.apis import GraspInferencer
from mmgrasp.deployment import export_onnx
from mmgrasp.runtime import GraspRuntime
from mmgrasp.testing import tiny_scored_detector

pytest.importorskip('onnxruntime')

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORNELL_DET = 'grasp/det_mobilenetv2_fpn_cornell.py'
JACQUARD_DET_SEG = 'grasp/det_seg_mobilenetv2_fpn_jacquard.py'
JACQUARD_REFINE = 'grasp/det_seg_refine_mobilenetv2_fpn_jacquard.py'


def _export(name: str, folder, input_shape) -> str:
    """A tiny model of a config (classifier logits scaled up, so scores are apart), exported."""
    cfg, model = tiny_scored_detector(name)
    out = str(folder / (name.split('/')[-1][:-3] + '.onnx'))
    export_onnx(model.eval(), out, input_shape, config=cfg.to_dict(),
                dataset_meta=dict(classes=['background', 'object']))
    return out


@pytest.fixture(scope='module')
def exports(tmp_path_factory):
    folder = tmp_path_factory.mktemp('runtime_exports')
    return {CORNELL_DET: _export(CORNELL_DET, folder, (352, 352)),
            JACQUARD_DET_SEG: _export(JACQUARD_DET_SEG, folder, (128, 128)),
            JACQUARD_REFINE: _export(JACQUARD_REFINE, folder, (128, 128))}


def _frame(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A dark table with two bright blocks and some noise."""
    rng = np.random.default_rng(seed)
    img = rng.integers(20, 60, (height, width, 3), dtype=np.uint8)
    cv2.rectangle(img, (width // 4, height // 3), (width // 4 + width // 5, height // 3 + 20),
                  (200, 180, 160), -1)
    cv2.rectangle(img, (width // 2, height // 2), (width // 2 + 25, height // 2 + width // 4),
                  (90, 200, 220), -1)
    return img


def _reference(inferencer: GraspInferencer, frame: np.ndarray):
    out = inferencer(frame, return_datasamples=True, no_save_pred=True, no_save_vis=True)
    return out['predictions'][0]


@pytest.mark.parametrize('name,shape', [(CORNELL_DET, (480, 640)), (CORNELL_DET, (300, 200)),
                                        (JACQUARD_DET_SEG, (256, 256)),
                                        (JACQUARD_DET_SEG, (250, 170)),
                                        (JACQUARD_REFINE, (256, 256))])
def test_runtime_gives_the_onnxruntime_backends_predictions(exports, name, shape):
    onnx_file = exports[name]
    runtime = GraspRuntime(onnx_file, num_threads=1)
    inferencer = GraspInferencer(None, onnx_file, backend='onnxruntime', num_threads=1,
                                 show_progress=False)
    for seed in range(2):
        frame = _frame(*shape, seed=seed)
        pred = runtime(frame)
        ref = _reference(inferencer, frame)
        inst = ref.pred_instances
        assert len(pred.grasps) == len(inst) > 0
        np.testing.assert_allclose(pred.grasps, inst.bboxes.numpy(), atol=1e-4, rtol=0)
        np.testing.assert_array_equal(pred.scores, inst.scores.numpy())
        np.testing.assert_array_equal(pred.labels, inst.labels.numpy())
        if 'bboxes_unrefined' in inst:
            np.testing.assert_allclose(pred.grasps_unrefined, inst.bboxes_unrefined.numpy(),
                                       atol=1e-4, rtol=0)
        else:
            assert pred.grasps_unrefined is None
        if 'pred_sem_seg' in ref:
            ids = ref.pred_sem_seg.sem_seg.numpy()[0]
            assert pred.sem_seg.shape == ids.shape == shape
            assert np.mean(pred.sem_seg == ids) >= 0.9999
        else:
            assert pred.sem_seg is None


@pytest.mark.parametrize('name,shape', [(CORNELL_DET, (480, 640)), (CORNELL_DET, (351, 300)),
                                        (JACQUARD_DET_SEG, (256, 256)),
                                        (JACQUARD_DET_SEG, (201, 99))])
def test_network_input_is_the_pipelines_bit_for_bit(exports, name, shape):
    """The runtime's input tensor equals the test pipeline + data preprocessor's, padded to the
    export size as the onnxruntime backend pads it."""
    from mmgrasp.apis.inference_inputs import load_input
    runtime = GraspRuntime(exports[name], num_threads=1)
    inferencer = GraspInferencer(None, exports[name], backend='onnxruntime', num_threads=1,
                                 show_progress=False)
    frame = _frame(*shape, seed=3)
    from mmengine.dataset import pseudo_collate
    data = inferencer.model.data_preprocessor(
        pseudo_collate([load_input(frame, inferencer.pipeline)[1]]), False)
    meta = data['data_samples'][0].metainfo
    h, w = meta['img_shape'][:2]
    prepared = runtime.preprocess(frame)
    np.testing.assert_array_equal(prepared.img_hw, [h, w])
    np.testing.assert_array_equal(prepared.inputs[0, :, :h, :w],
                                  data['inputs'][0, :, :h, :w].numpy())
    assert not prepared.inputs[0, :, h:, :].any() and not prepared.inputs[0, :, :, w:].any()
    np.testing.assert_allclose(np.linalg.inv(prepared.input_to_frame),
                               np.asarray(meta['homography_matrix']), atol=1e-12)


def test_bad_models_and_frames_are_named(exports, tmp_path):
    runtime = GraspRuntime(exports[CORNELL_DET], num_threads=1)
    with pytest.raises(ValueError, match=r'uint8 BGR image, got float32 \(480, 640, 3\)'):
        runtime(np.zeros((480, 640, 3), np.float32))
    with pytest.raises(ValueError, match='350x128 after the pipeline .* --shape 352 128'):
        GraspRuntime(exports[JACQUARD_DET_SEG]).preprocess(_frame(700, 256))
    empty = tmp_path / 'empty.onnx'
    empty.write_bytes(b'')
    with pytest.raises(ValueError, match='empty.onnx: the file is empty'):
        GraspRuntime(str(empty))
    with pytest.raises(FileNotFoundError, match='missing.onnx'):
        GraspRuntime(str(tmp_path / 'missing.onnx'))
    cut = tmp_path / 'cut.onnx'
    cut.write_bytes(open(exports[CORNELL_DET], 'rb').read()[:5000])
    with pytest.raises(ValueError, match='cut.onnx: not a loadable ONNX model'):
        GraspRuntime(str(cut))


def _rewrite_config(onnx_file: str, out: str, edit) -> str:
    import onnx
    proto = onnx.load(onnx_file)
    for prop in proto.metadata_props:
        if prop.key == 'mmgrasp_config':
            cfg = json.loads(prop.value)
            edit(cfg)
            prop.value = json.dumps(cfg)
    onnx.save(proto, out)
    return out


def test_unknown_pipeline_step_and_rgbd_model_are_refused(exports, tmp_path):
    def add_flip(cfg):
        cfg['test_dataloader']['dataset']['pipeline'].insert(
            2, dict(type='GraspRandomFlip', prob=0.5))

    def rgbd(cfg):
        cfg['model']['data_preprocessor']['type'] = 'RGBDDataPreprocessor'

    flip = _rewrite_config(exports[CORNELL_DET], str(tmp_path / 'flip.onnx'), add_flip)
    with pytest.raises(ValueError, match=r"flip.onnx: the test pipeline step 'GraspRandomFlip'"):
        GraspRuntime(flip)
    depth = _rewrite_config(exports[CORNELL_DET], str(tmp_path / 'rgbd.onnx'), rgbd)
    with pytest.raises(ValueError, match='rgbd.onnx: .*RGBDDataPreprocessor'):
        GraspRuntime(depth)


def test_scope_prefixed_pipeline_steps_are_the_same_steps(exports, tmp_path):
    """``mmdet.LoadImageFromFile``, ``mmgrasp.GraspCenterCrop``, ``mmdet.LoadAnnotations`` ...:
    the runtime reads a config's type names with their scope prefix as mmengine does."""
    def prefix(cfg):
        pipeline = cfg['test_dataloader']['dataset']['pipeline']
        for step in pipeline:
            step['type'] = ('mmdet.' if step['type'].startswith('Load') else 'mmgrasp.') + \
                step['type']
        pipeline.insert(1, dict(type='mmdet.LoadAnnotations', with_bbox=True))

    prefixed = _rewrite_config(exports[CORNELL_DET], str(tmp_path / 'prefixed.onnx'), prefix)
    frame = _frame(480, 640)
    a = GraspRuntime(exports[CORNELL_DET], num_threads=1)(frame)
    b = GraspRuntime(prefixed, num_threads=1)(frame)
    np.testing.assert_array_equal(a.grasps, b.grasps)
    bad = _rewrite_config(exports[CORNELL_DET], str(tmp_path / 'other.onnx'), lambda cfg: cfg[
        'test_dataloader']['dataset']['pipeline'].insert(1, dict(type='other.LoadAnnotations')))
    with pytest.raises(ValueError, match="step 'other.LoadAnnotations'"):
        GraspRuntime(bad)


def test_a_runtime_process_has_no_torch_and_stays_small(exports, tmp_path):
    """What a robot's inference process holds: no torch, mmengine, mmcv or mmdet module, and
    a peak resident set far below the 500 MiB that importing torch alone takes."""
    frame_path = str(tmp_path / 'frame.png')
    cv2.imwrite(frame_path, _frame(480, 640))
    script = textwrap.dedent(f"""
        import sys
        import cv2
        from mmgrasp.runtime import GraspRuntime
        runtime = GraspRuntime({exports[CORNELL_DET]!r}, num_threads=1)
        pred = runtime(cv2.imread({frame_path!r}))
        heavy = [m for m in ('torch', 'mmengine', 'mmcv', 'mmdet') if m in sys.modules]
        # VmHWM: this process's own peak (ru_maxrss would include the forking parent's)
        hwm = [line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM')]
        print(len(pred.grasps), heavy, hwm[0])
    """)
    out = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                         cwd=REPO, check=True).stdout.split()
    assert int(out[0]) > 0
    assert out[1] == '[]'
    assert int(out[2]) / 1024 < 250, f'peak RSS {int(out[2]) / 1024:.0f} MiB'


@pytest.mark.parametrize('name,shape', [(CORNELL_DET, (480, 640)),
                                        (JACQUARD_REFINE, (256, 256))])
def test_openvino_backend_gives_onnxruntimes_grasps(exports, name, shape, tmp_path):
    pytest.importorskip('openvino')  # requirements/deploy.txt installs it
    ort_runtime = GraspRuntime(exports[name], num_threads=1)
    ov_runtime = GraspRuntime(exports[name], backend='openvino', num_threads=1)
    for seed in range(2):
        frame = _frame(*shape, seed=seed)
        a, b = ort_runtime(frame), ov_runtime(frame)
        assert len(a.grasps) == len(b.grasps) > 0
        # the kernels differ (float rounding): the best candidates agree
        np.testing.assert_allclose(b.grasps[:3], a.grasps[:3], atol=1e-2, rtol=0)
        np.testing.assert_allclose(b.scores[:3], a.scores[:3], atol=1e-4, rtol=0)
        if a.sem_seg is not None:
            assert np.mean(a.sem_seg == b.sem_seg) >= 0.999
    with pytest.raises(ValueError, match='backend must be one of'):
        GraspRuntime(exports[name], backend='tensorrt')
    cut = tmp_path / 'cut.onnx'
    cut.write_bytes(open(exports[name], 'rb').read()[:5000])
    with pytest.raises(ValueError, match='cut.onnx: not a model OpenVINO can load'):
        GraspRuntime(str(cut), backend='openvino')
