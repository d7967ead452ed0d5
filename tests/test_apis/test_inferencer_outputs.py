# Copyright (c) mmgrasp contributors. All rights reserved.
"""GraspInferencer's outputs on fixed inputs against references computed without the inferencer.

The prediction of reference is mmdet's ``inference_detector`` on the inferencer's own (seeded,
random) model; the record of reference is written out here from the module docstring of
``mmgrasp.apis.grasp_records``; the drawing of reference is a fresh visualizer of the config's.
The written files must be exactly ``json.dumps(record, indent=1)``, the semantic map and the
drawing the same pixels. Guards the split of the inferencer into its modules (issue 25).
"""
import itertools
import json
import math
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmdet.apis import inference_detector
from mmengine.dataset import pseudo_collate

from mmgrasp.apis import GraspInferencer
from mmgrasp.registry import VISUALIZERS
from mmgrasp.structures import best_grasp_per_object, grasp_centre_labels, grasps_to_corners
from mmgrasp.testing import get_config, get_detector_cfg

SEM_CLASSES = ('background', 'box', 'bar', 'disc', 'ellipse', 'triangle')  # synthetic scenes
_visualizer_ids = itertools.count()


def _fields(g):
    x, y, w, h, theta = g
    return dict(center=[round(x, 2), round(y, 2)], opening=round(w, 2), jaw=round(h, 2),
                angle_deg=round(math.degrees(theta) % 180.0, 2))


def _expected_record(sample, img_path):
    """The record of the format description, from a reference prediction."""
    preds = sample.pred_instances
    order = sorted(range(len(preds)), key=lambda i: -float(preds.scores[i]))  # stable: ties
    grasps = preds.bboxes[order].float()
    if 'obj_labels' in preds:
        labels = preds.obj_labels[order].numpy()
    elif 'pred_sem_seg' in sample:
        labels = grasp_centre_labels(grasps, sample.pred_sem_seg.sem_seg)
    else:  # no semantic head: no object
        labels = None
    corners = grasps_to_corners(grasps).tolist()
    records = []
    for k, i in enumerate(order):
        rec = _fields(grasps[k].tolist())
        rec['corners'] = [[round(x, 2), round(y, 2)] for x, y in corners[k]]
        rec['score'] = round(float(preds.scores[i]), 4)
        rec['orientation_bin'] = int(preds.labels[i])
        if labels is not None:
            rec['object'], rec['object_label'] = SEM_CLASSES[int(labels[k])], int(labels[k])
        if 'obj_ids' in preds:
            rec['object_id'] = int(preds.obj_ids[i])
        if 'bboxes_unrefined' in preds:
            rec['unrefined'] = _fields(preds.bboxes_unrefined[i].float().tolist())
        records.append(rec)
    return dict(img_path=img_path, img_shape=list(sample.ori_shape), grasps=records)


def _reference_drawing(inferencer, rgb, sample, thr):
    cfg = dict(inferencer.cfg.visualizer)  # default_runtime.py's: max_grasps=5
    assert cfg['type'] == 'GraspLocalVisualizer'
    cfg.update(name=f'ref_{next(_visualizer_ids)}', vis_backends=None)
    visualizer = VISUALIZERS.build(cfg)
    visualizer.dataset_meta = inferencer.model.dataset_meta
    visualizer.add_datasample('ref', rgb, sample, draw_gt=False, pred_score_thr=thr,
                              best_per_object=False)
    return visualizer.get_image()


def _check_written(out_dir, name, record, sample=None, drawing=None):
    """The JSON file holds the record as ``json.dumps(indent=1)``; the semantic map and the
    drawing files hold the same pixels."""
    written = dict(record)
    if sample is not None and 'pred_sem_seg' in sample:
        seg_path = osp.join(out_dir, 'preds', f'{name}_sem_seg.png')
        written['sem_seg_path'] = seg_path
        np.testing.assert_array_equal(cv2.imread(seg_path, cv2.IMREAD_UNCHANGED),
                                      sample.pred_sem_seg.sem_seg[0].numpy().astype(np.uint8))
    with open(osp.join(out_dir, 'preds', f'{name}.json')) as f:
        assert f.read() == json.dumps(written, indent=1)
    if drawing is not None:
        np.testing.assert_array_equal(cv2.imread(osp.join(out_dir, 'vis', f'{name}.png'))[
            ..., ::-1], drawing)


@pytest.fixture
def inferencer(tiny_cfg):
    return GraspInferencer(tiny_cfg, device='cpu', show_progress=False)


def test_files_arrays_and_errors(inferencer, image_dir, tmp_path):
    assert tuple(inferencer.model.dataset_meta['sem_classes']) == SEM_CLASSES
    a, zz = osp.join(image_dir, 'a.png'), osp.join(image_dir, 'zz.png')
    img = cv2.imread(a)
    out_dir = str(tmp_path)
    out = inferencer([a, zz, img, img.astype(np.float32)], out_dir=out_dir, no_save_pred=False,
                     return_vis=True, pred_score_thr=0.05)
    preds, vis = out['predictions'], out['visualization']
    assert len(preds) == 4 and len(vis) == 2  # failed inputs are not drawn
    for i, (single_input, name, path) in enumerate([(a, 'a', a), (img, '00000002', None)]):
        ref = inference_detector(inferencer.model, single_input)
        assert len(ref.pred_instances) > 0
        record = _expected_record(ref, path)
        assert {k: v for k, v in preds[2 * i].items() if k != 'sem_seg_path'} == record
        drawing = _reference_drawing(inferencer, img[..., ::-1], ref, 0.05)
        np.testing.assert_array_equal(vis[i], drawing)
        _check_written(out_dir, name, record, ref, drawing)
    for i, (path, name, start) in enumerate([(zz, 'zz', f'ValueError: {zz}: not an image'),
                                             (None, '00000003', 'ValueError: an image array')]):
        record = preds[2 * i + 1]
        assert set(record) == {'img_path', 'error', 'grasps'} and record['grasps'] == []
        assert record['img_path'] == path and record['error'].startswith(start)
        _check_written(out_dir, name, record)
    assert inferencer.num_visualized_imgs == 2 and inferencer.num_predicted_imgs == 4


def test_best_per_object(inferencer, image_dir, tmp_path):
    a = osp.join(image_dir, 'a.png')
    out = inferencer(a, best_per_object=True, out_dir=str(tmp_path), no_save_pred=False,
                     return_vis=True, pred_score_thr=0.0)
    ref = inference_detector(inferencer.model, a)
    ref.pred_instances = best_grasp_per_object(ref.pred_instances, ref.pred_sem_seg.sem_seg,
                                               'auto', len(SEM_CLASSES))
    record = _expected_record(ref, a)
    assert record['grasps'] and all('object_id' in g for g in record['grasps'])
    assert {k: v for k, v in out['predictions'][0].items() if k != 'sem_seg_path'} == record
    drawing = _reference_drawing(inferencer, cv2.imread(a)[..., ::-1], ref, 0.0)
    np.testing.assert_array_equal(out['visualization'][0], drawing)
    _check_written(str(tmp_path), 'a', record, ref, drawing)


def test_rgbd_pair(tmp_path):
    name = 'grasp/det_mobilenetv2_fpn_rgbd_jacquard.py'
    cfg = get_config(name)
    cfg.model = get_detector_cfg(name)
    torch.manual_seed(0)
    inferencer = GraspInferencer(cfg, device='cpu', show_progress=False)
    img = np.random.default_rng(1).integers(0, 255, (128, 160, 3), dtype=np.uint8)
    depth = np.full((128, 160), 0.8, np.float32)
    depth[40:90, 50:110] = 0.7
    out = inferencer([dict(img=img, depth=depth), img], out_dir=str(tmp_path),
                     no_save_pred=False, return_vis=True, pred_score_thr=0.0)
    with torch.no_grad():
        ref = inferencer.model.test_step(pseudo_collate(
            [inferencer.pipeline(dict(img=img, depth=depth))]))[0]
    record = _expected_record(ref, None)
    assert len(record['grasps']) > 0 and 'object' not in record['grasps'][0]  # no semantic head
    assert out['predictions'][0] == record
    drawing = _reference_drawing(inferencer, img[..., ::-1], ref, 0.0)
    np.testing.assert_array_equal(out['visualization'][0], drawing)
    _check_written(str(tmp_path), '00000000', record, None, drawing)
    assert 'needs its depth image' in out['predictions'][1]['error']
