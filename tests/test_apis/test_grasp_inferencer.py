# Copyright (c) mmgrasp contributors. All rights reserved.
import copy
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from mmgrasp.apis import GraspInferencer, image_to_bgr_uint8
from mmgrasp.registry import MODELS
from mmgrasp.structures import grasps_to_corners

GRASP_KEYS = {'center', 'opening', 'jaw', 'angle_deg', 'corners', 'score', 'orientation_bin',
              'object', 'object_label', 'unrefined'}


@pytest.fixture
def inferencer(tiny_cfg):
    return GraspInferencer(tiny_cfg, device='cpu', show_progress=False)


def test_folder_with_bad_images(inferencer, image_dir, tmp_path):
    out = inferencer(image_dir, batch_size=2, out_dir=str(tmp_path), no_save_pred=False,
                     pred_score_thr=0.0)
    preds = out['predictions']
    assert [osp.basename(p['img_path']) for p in preds] == [
        'a.png', 'b.jpg', 'gray.png', 'rgba.png', 'zz.png']  # sorted, .txt left out
    assert 'error' in preds[4] and 'zz.png' in preds[4]['error'] and preds[4]['grasps'] == []
    for p in preds[:4]:  # grayscale and RGBA files are read as 3-channel images
        assert 'error' not in p and p['img_shape'] == [96, 128]
        assert osp.isfile(osp.join(tmp_path, 'vis', osp.splitext(osp.basename(p['img_path']))[0]
                                   + '.png'))
    saved = json.load(open(osp.join(tmp_path, 'preds', 'a.json')))
    assert saved['grasps'] == preds[0]['grasps'] and saved['img_path'] == preds[0]['img_path']
    seg = cv2.imread(saved['sem_seg_path'], cv2.IMREAD_UNCHANGED)
    assert seg.shape == (96, 128) and seg.max() < 6
    assert 'error' in json.load(open(osp.join(tmp_path, 'preds', 'zz.json')))


def test_grasp_record_format(inferencer, image_dir):
    out = inferencer(osp.join(image_dir, 'a.png'), return_datasamples=False)
    sample = inferencer(osp.join(image_dir, 'a.png'), return_datasamples=True)['predictions'][0]
    grasps = out['predictions'][0]['grasps']
    assert len(grasps) == len(sample.pred_instances) > 0
    assert set(grasps[0]) == GRASP_KEYS
    scores = [g['score'] for g in grasps]
    assert scores == sorted(scores, reverse=True)
    best = sample.pred_instances[int(sample.pred_instances.scores.argmax())]
    x, y, w, h, theta = best.bboxes[0].tolist()
    g = grasps[0]
    assert g['center'] == pytest.approx([x, y], abs=0.01)
    assert (g['opening'], g['jaw']) == pytest.approx((w, h), abs=0.01)
    assert g['angle_deg'] == pytest.approx(np.degrees(theta), abs=0.01)
    np.testing.assert_allclose(g['corners'], grasps_to_corners(best.bboxes)[0].numpy(), atol=0.01)
    seg = sample.pred_sem_seg.sem_seg[0]
    assert g['object_label'] == int(seg[int(y), int(x)])
    assert g['object'] == inferencer.model.dataset_meta['sem_classes'][g['object_label']]
    assert isinstance(out['predictions'][0]['sem_seg'], np.ndarray)  # not saved: the array
    json.dumps(grasps)


def test_arrays_and_bad_arrays(inferencer, image_dir):
    img = cv2.imread(osp.join(image_dir, 'a.png'))
    inputs = [img, img[..., 0], np.dstack([img, img[..., :1]]), img.astype(np.float32),
              np.zeros((0, 5, 3), np.uint8)]
    out = inferencer(inputs, batch_size=3, return_vis=True, pred_score_thr=0.0)
    preds = out['predictions']
    assert [('error' in p) for p in preds] == [False, False, False, True, True]
    assert 'uint8' in preds[3]['error'] and 'empty' in preds[4]['error']
    assert preds[0]['img_path'] is None and preds[0]['grasps'] == preds[2]['grasps']  # BGRA
    assert len(out['visualization']) == 3 and out['visualization'][0].shape == (96, 128, 3)


def test_image_to_bgr_uint8():
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert image_to_bgr_uint8(gray).shape == (3, 4, 3)
    assert image_to_bgr_uint8(gray[..., None]).shape == (3, 4, 3)
    with pytest.raises(ValueError, match='shape'):
        image_to_bgr_uint8(np.zeros((3, 4, 2), np.uint8))
    with pytest.raises(TypeError):
        image_to_bgr_uint8('x')


def test_best_per_object(inferencer, image_dir):
    sample = inferencer(osp.join(image_dir, 'a.png'), return_datasamples=True)['predictions'][0]
    everything = sample.pred_instances
    out = inferencer(osp.join(image_dir, 'a.png'), best_per_object=True)
    grasps = out['predictions'][0]['grasps']
    ids = [g['object_id'] for g in grasps]
    assert len(ids) == len(set(ids)) > 0
    # 6 semantic classes: an object is a class; each kept grasp is the best on its class
    seg = sample.pred_sem_seg.sem_seg[0]
    cols = everything.bboxes[:, 0].long().clamp(0, 127)
    rows = everything.bboxes[:, 1].long().clamp(0, 95)
    on_class = seg[rows, cols]
    for g in grasps:
        assert g['object_id'] == g['object_label'] != 0
        assert g['score'] == pytest.approx(float(everything.scores[on_class == g['object_id']]
                                                 .max()), abs=1e-4)


def _save_checkpoint(path, cfg, num_sem_classes=None, meta=None):
    init_default_scope('mmgrasp')
    model_cfg = copy.deepcopy(cfg.model)
    if num_sem_classes is not None:
        model_cfg.semantic_head.num_classes = num_sem_classes
    torch.manual_seed(1)
    model = MODELS.build(model_cfg)
    torch.save(dict(state_dict=model.state_dict(), meta=meta or {}), path)
    return model


def test_checkpoint(tiny_cfg, image_dir, tmp_path):
    ckpt = str(tmp_path / 'ok.pth')
    names = ('background', 'a', 'b', 'c', 'd', 'e')
    model = _save_checkpoint(ckpt, tiny_cfg, meta=dict(
        dataset_meta=dict(sem_classes=names), cfg=tiny_cfg.pretty_text))
    inferencer = GraspInferencer(tiny_cfg, ckpt, device='cpu', show_progress=False)
    assert inferencer.model.dataset_meta['sem_classes'] == names
    assert torch.equal(inferencer.model.rpn_head.rpn_conv.weight, model.rpn_head.rpn_conv.weight)
    # no config: the one saved in the checkpoint
    from_ckpt = GraspInferencer(None, ckpt, device='cpu', show_progress=False)
    a = inferencer(osp.join(image_dir, 'a.png'))['predictions'][0]['grasps']
    assert from_ckpt(osp.join(image_dir, 'a.png'))['predictions'][0]['grasps'] == a


def test_checkpoint_config_mismatch(tiny_cfg, tmp_path):
    ckpt = str(tmp_path / 'other.pth')
    _save_checkpoint(ckpt, tiny_cfg, num_sem_classes=32)  # an OCID model, a synthetic config
    with pytest.raises(ValueError, match=r'do not match.*semantic_head\.conv_seg.*config the '
                       r'checkpoint was trained with'):
        GraspInferencer(tiny_cfg, ckpt, device='cpu', show_progress=False)
    with pytest.warns(UserWarning, match='do not match'):
        GraspInferencer(tiny_cfg, ckpt, device='cpu', show_progress=False, strict=False)
