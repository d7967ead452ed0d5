# Copyright (c) mmgrasp contributors. All rights reserved.
"""tools/test.py end to end: ``--out`` dumps the predictions the metrics were computed from,
``--metrics-out`` writes those metrics, ``--show-dir`` draws every test image; and
tools/train.py ``--train-minutes`` stops a run after its first epoch when one epoch is longer
than the budget."""
import json
import os
import os.path as osp
import pickle
import subprocess
import sys

import cv2
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmgrasp.datasets.synthetic import generate_synthetic_dataset
from mmgrasp.testing import tiny_train_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ENV = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', PYTHONPATH=REPO)


@pytest.fixture(scope='module')
def tiny_test_run(tmp_path_factory):
    """A tiny Det_Seg_Refine config (8 synthetic test scenes), a random-weight checkpoint, and
    the outputs of one ``tools/test.py --out --metrics-out --show-dir`` run of it."""
    from mmgrasp.registry import MODELS
    root = tmp_path_factory.mktemp('test_tool')
    generate_synthetic_dataset(str(root / 'data'), num=16, size=128, seed=2, val_ratio=0.5)
    cfg = tiny_train_config(str(root / 'data'), str(root / 'work'))
    cfg.visualizer = dict(type='GraspLocalVisualizer', vis_backends=[dict(type='LocalVisBackend')],
                          name='vis_test_tool')
    cfg.model.test_cfg.rcnn.score_thr = 0.0  # random weights: keep the candidates
    config = str(root / 'tiny.py')
    cfg.dump(config)
    init_default_scope('mmgrasp')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    checkpoint = str(root / 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    out = dict(pkl=str(root / 'preds.pkl'), metrics=str(root / 'metrics.json'),
               show='vis')
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'test.py'), config, checkpoint, '--work-dir',
         str(root / 'work'), '--out', out['pkl'], '--metrics-out', out['metrics'],
         '--show-dir', out['show']],
        env=ENV, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return config, root, out, proc.stdout + proc.stderr


def test_out_holds_the_predictions_the_metrics_came_from(tiny_test_run):
    """Scoring the dumped predictions offline against the dataset gives --metrics-out exactly."""
    from mmgrasp.registry import DATASETS, METRICS
    config, root, out, _ = tiny_test_run
    with open(out['pkl'], 'rb') as f:
        dumped = pickle.load(f)
    with open(out['metrics']) as f:
        metrics = json.load(f)
    cfg = Config.fromfile(config)
    init_default_scope('mmgrasp')
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    assert len(dumped) == len(dataset) == 8
    by_path = {d['img_path']: d for d in dumped}
    for d in dumped:
        assert d['pred_instances']['bboxes'].shape[1] == 5
        assert len(d['pred_instances']['bboxes']) > 0
        assert 'gt_instances' not in d  # mmdet's dump drops the ground truth
    metric = METRICS.build(cfg.test_evaluator)
    metric.dataset_meta = dataset.metainfo
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples'].to_dict()
        pred = by_path[sample['img_path']]
        sample['pred_instances'] = pred['pred_instances']
        sample['pred_sem_seg'] = pred['pred_sem_seg']
        metric.process({}, [sample])
    offline = metric.evaluate(len(dataset))
    assert set(offline) == set(metrics)
    for key, value in offline.items():
        assert value == pytest.approx(metrics[key], abs=1e-9), key
    assert 0 < metrics['grasp/seg_mIoU'] <= 1  # a real number, not a default


def test_show_dir_draws_every_test_image(tiny_test_run):
    config, root, out, _ = tiny_test_run
    found = []
    for dirpath, _, files in os.walk(str(root / 'work')):
        if osp.basename(dirpath) == out['show']:
            found += [osp.join(dirpath, f) for f in files if f.endswith('.png')]
    assert len(found) == 8
    image = cv2.imread(sorted(found)[0])
    h, w = image.shape[:2]
    # the visualizer draws the prediction beside (or over) the 128x128 scene
    assert h >= 128 and w >= 128 and image.std() > 0


def test_out_must_be_a_pickle(tiny_test_run, tmp_path):
    config, root, _, _ = tiny_test_run
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'test.py'), config, str(root / 'tiny.pth'),
         '--work-dir', str(tmp_path), '--out', str(tmp_path / 'preds.json')],
        env=ENV, capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0 and '--out must be a .pkl' in proc.stderr


@pytest.mark.slow
def test_train_minutes_stops_at_the_first_epoch_end(tiny_test_run, tmp_path):
    """A budget far below one epoch: the run trains epoch 1 of 3, saves it, and stops."""
    config, _, _, _ = tiny_test_run
    cfg = Config.fromfile(config)
    cfg.train_cfg.max_epochs = 3
    cfg.train_cfg.val_interval = 3
    cfg.train_dataloader.num_batch_per_epoch = 2
    small = str(tmp_path / 'three_epochs.py')
    cfg.dump(small)
    work = str(tmp_path / 'work')
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'train.py'), small, '--work-dir', work,
         '--train-minutes', '0.0001'], env=ENV, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    saved = sorted(f for f in os.listdir(work) if f.startswith('epoch_') and f.endswith('.pth'))
    assert saved == ['epoch_1.pth']
    with open(osp.join(work, 'last_checkpoint')) as f:
        assert f.read().strip().endswith('epoch_1.pth')
    meta = torch.load(osp.join(work, 'epoch_1.pth'), map_location='cpu', weights_only=False)['meta']
    assert meta['epoch'] == 1 and meta['iter'] == 2


def test_tta_wraps_the_model_and_swaps_the_pipeline():
    """--tta: the model becomes the config's tta_model around the detector and the test loader
    reads the tta_pipeline; a config without them is refused by name."""
    from mmgrasp.testing import load_script
    tool = load_script('tools/test.py')
    path = osp.join(REPO, 'configs', 'grasp', 'det_mobilenetv2_fpn_cornell.py')
    cfg = Config.fromfile(path)
    detector = cfg.model.copy()
    cfg = tool.use_tta(cfg, path)
    assert cfg.model.type == 'GraspTTAModel' and cfg.model.module == detector
    assert cfg.model.tta_cfg == dict(iou_thr=0.5, angle_thr=15, per_view=20, max_per_img=100)
    assert cfg.test_dataloader.dataset.pipeline[-1].type == 'TestTimeAug'
    bare = Config(dict(model=dict(type='GraspDetSeg')))
    with pytest.raises(ValueError, match='bare.py: --tta needs tta_model and tta_pipeline'):
        tool.use_tta(bare, 'bare.py')
    # the own-objects config tests whole images: the Cornell views (a 351 crop) are refused
    own = osp.join(REPO, 'configs', 'grasp', 'det_mobilenetv2_fpn_own_objects.py')
    with pytest.raises(ValueError, match=r"steps before TestTimeAug .* are not the test "
                                         r"pipeline's"):
        tool.use_tta(Config.fromfile(own), own)
