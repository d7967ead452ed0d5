# Copyright (c) mmgrasp contributors. All rights reserved.
"""GraspJaccardMetric on cases worked out by hand."""
import math

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData, PixelData

from mmgrasp.evaluation import GraspJaccardMetric
from mmgrasp.structures import GraspBoxes, grasp_iou_shapely

GT = [100., 100., 40., 20., 0.]


def sample(preds, scores, gts, obj_labels=None, pred_seg=None, gt_seg=None, scale_factor=(1., 1.)):
    s = DetDataSample(
        metainfo=dict(img_path='x.png', scale_factor=scale_factor, ori_shape=(200, 200)))
    s.pred_instances = InstanceData(bboxes=torch.tensor(preds, dtype=torch.float32).reshape(-1, 5),
                                    scores=torch.tensor(scores, dtype=torch.float32))
    gt = InstanceData(bboxes=GraspBoxes(torch.tensor(gts, dtype=torch.float32).reshape(-1, 5)))
    if obj_labels is not None:
        gt.labels = torch.tensor(obj_labels)
    s.gt_instances = gt
    if pred_seg is not None:
        s.pred_sem_seg = PixelData(sem_seg=torch.as_tensor(pred_seg)[None])
    if gt_seg is not None:
        s.gt_sem_seg = PixelData(sem_seg=torch.as_tensor(gt_seg)[None])
    return s


def evaluate(samples, **kwargs):
    metric = GraspJaccardMetric(**kwargs)
    metric.dataset_meta = {}
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_keys_are_the_paper_grid():
    res = evaluate([sample([GT], [1.], [GT])])
    assert list(res) == ['grasp/acc_a30_iou25', 'grasp/acc_a25_iou25', 'grasp/acc_a20_iou25',
                         'grasp/acc_a15_iou25', 'grasp/acc_a10_iou25', 'grasp/acc_a5_iou25',
                         'grasp/acc_a30_iou30', 'grasp/acc_a30_iou35']
    assert all(v == 1.0 for v in res.values())


def test_29_vs_31_degrees():
    p29 = GT[:4] + [math.radians(29)]
    p31 = GT[:4] + [math.radians(31)]
    assert grasp_iou_shapely(p31, GT) > 0.35  # the IoU is not what fails
    r29 = evaluate([sample([p29], [1.], [GT])])
    r31 = evaluate([sample([p31], [1.], [GT])])
    assert r29['grasp/acc_a30_iou25'] == 1 and r31['grasp/acc_a30_iou25'] == 0
    assert r29['grasp/acc_a25_iou25'] == 0
    assert r29['grasp/acc_a30_iou35'] == 1


def test_iou_just_under_and_over_025():
    # Two 40x20 boxes shifted by d along x: IoU = 20(40-d) / (1600 - 20(40-d)); 0.25 at d = 24.
    over = [GT[0] + 23.9] + GT[1:]
    under = [GT[0] + 24.1] + GT[1:]
    assert 0.2519 < grasp_iou_shapely(over, GT) < 0.2520
    assert 0.2480 < grasp_iou_shapely(under, GT) < 0.2481
    res = evaluate([sample([over], [1.], [GT]), sample([under], [1.], [GT])])
    assert res['grasp/acc_a30_iou25'] == 0.5
    assert res['grasp/acc_a30_iou30'] == 0.0


def test_179_and_1_degrees_are_2_degrees_apart():
    gt = GT[:4] + [math.radians(179)]
    pred = GT[:4] + [math.radians(1)]
    res = evaluate([sample([pred], [1.], [gt])])
    assert res['grasp/acc_a5_iou25'] == 1.0


def test_correct_grasp_that_is_not_top1_and_image_without_predictions():
    wrong = GT[:4] + [math.radians(90)]
    s1 = sample([wrong, GT], [0.9, 0.8], [GT])  # the correct one is second: a failure
    s2 = sample([GT, wrong], [0.8, 0.7], [GT])  # correct
    s3 = sample(np.zeros((0, 5)), [], [GT])  # no prediction: a failure that still counts
    res = evaluate([s1, s2, s3])
    assert res['grasp/acc_a30_iou25'] == pytest.approx(1 / 3)


def test_any_ground_truth_may_match():
    other = [10., 10., 30., 10., 1.0]
    res = evaluate([sample([GT], [1.], [other, GT])])
    assert res['grasp/acc_a30_iou25'] == 1.0


def test_ground_truth_in_the_resized_frame_is_mapped_back():
    half = [50., 50., 20., 10., 0.]  # GT after a 0.5 resize; predictions are at full resolution
    res = evaluate([sample([GT], [1.], [half], scale_factor=(0.5, 0.5))])
    assert res['grasp/acc_a30_iou25'] == 1.0
    res = evaluate([sample([half], [1.], [half], scale_factor=(0.5, 0.5))])
    assert res['grasp/acc_a30_iou25'] == 0.0


def test_per_class_uses_the_predicted_mask():
    seg = np.zeros((200, 200), dtype=np.int64)
    seg[80:120, 60:140] = 3  # object 3 under GT's centre (100, 100)
    seg[0:40, 0:40] = 5  # object 5 in the corner
    gt5 = [20., 20., 20., 10., 0.]
    off_mask = [150.] + GT[1:]  # centre (150, 100) is background
    # Image 1: class 3 -> best on-mask prediction is GT (score .5; the .9 one is off the mask):
    # correct. Class 5 -> no prediction on its mask: failure.
    s1 = sample([off_mask, GT], [0.9, 0.5], [GT, gt5], obj_labels=[3, 5], pred_seg=seg)
    # Image 2: the only prediction matching class 3's grasp has its centre off the mask: failure.
    seg2 = seg.copy()
    seg2[80:120, 60:140] = 0
    s2 = sample([GT], [0.9], [GT], obj_labels=[3], pred_seg=seg2)
    res = evaluate([s1, s2], mode='per_class')
    assert res['grasp/acc_a30_iou25'] == pytest.approx(1 / 3)


def test_per_class_needs_a_predicted_mask():
    with pytest.raises(ValueError, match='pred_sem_seg'):
        evaluate([sample([GT], [1.], [GT], obj_labels=[1])], mode='per_class')


def test_segmentation_iou_by_hand():
    gt = np.zeros((4, 4), dtype=np.int64)
    gt[:2, :2] = 1  # 4 foreground pixels
    gt[3, 3] = 255  # ignored
    pred = np.zeros((4, 4), dtype=np.int64)
    pred[:2, :3] = 1  # 6 predicted, 4 right
    pred[3, 3] = 1  # on an ignored pixel: does not count
    res = evaluate([sample([GT], [1.], [GT], pred_seg=pred, gt_seg=gt)])
    # class 1: inter 4, union 6; class 0: inter 9, union 11 (15 valid pixels)
    assert res['grasp/seg_fg_IoU'] == pytest.approx(4 / 6)
    assert res['grasp/seg_mIoU'] == pytest.approx((4 / 6 + 9 / 11) / 2)


def test_bad_mode():
    with pytest.raises(ValueError, match='mode'):
        GraspJaccardMetric(mode='top5')


def test_segmentation_ground_truth_of_a_crop_is_not_stretched():
    """GT labels of a centre crop are compared with the prediction at the crop's place in the
    original image; the pixels the crop cut away are ignored."""
    pred = np.zeros((8, 8), dtype=np.int64)
    pred[2:6, 2:6] = 1  # a 4x4 object in the middle of the original image
    gt_crop = np.ones((4, 4), dtype=np.int64)  # the 4x4 centre crop: all object
    s = sample([GT], [1.], [GT], pred_seg=pred, gt_seg=gt_crop)
    s.set_metainfo(dict(ori_shape=(8, 8), homography_matrix=np.array(
        [[1., 0., -2.], [0., 1., -2.], [0., 0., 1.]])))
    res = evaluate([s])
    assert res['grasp/seg_fg_IoU'] == 1.0  # a stretched 4x4 -> 8x8 GT would give 16/64


def test_score_floor_of_the_authors_script():
    """score_thr=0.05: the best grasp scoring 0.04 is ignored, the next one (0.06) is top-1."""
    wrong = [GT[0] + 60.] + GT[1:]
    s = sample([wrong, GT], [0.04, 0.03], [GT])
    assert evaluate([s])['grasp/acc_a30_iou25'] == 0  # best (wrong, 0.04) is taken
    s = sample([wrong, GT], [0.04, 0.06], [GT])
    assert evaluate([s], score_thr=0.05)['grasp/acc_a30_iou25'] == 1
    s = sample([GT], [0.05], [GT])  # "above 0.05": 0.05 itself is ignored, the image a miss
    assert evaluate([s], score_thr=0.05)['grasp/acc_a30_iou25'] == 0


def test_per_image_segmentation_iou_of_the_authors_script():
    """seg_img_IoU: per image, predicted object classes of >= 100 px, background excluded."""
    gt = np.zeros((20, 20), dtype=np.int64)
    gt[0:10, 0:10] = 1  # class 1: 100 px
    gt[10:20, 10:20] = 2  # class 2: 100 px
    pred = np.zeros((20, 20), dtype=np.int64)
    pred[0:10, 0:12] = 1  # 120 px, 100 right: IoU 100 / 120
    pred[15:20, 10:20] = 2  # 50 px < 100: not counted by the per-image IoU
    pred[19, 0:5] = 3  # 5 px of a class not in the ground truth: not counted either
    s1 = sample([GT], [1.], [GT], pred_seg=pred, gt_seg=gt)
    # image 2: class 2 predicted on 100 px, exactly right: IoU 1; class 1 missed (not predicted)
    pred2 = np.zeros((20, 20), dtype=np.int64)
    pred2[10:20, 10:20] = 2
    s2 = sample([GT], [1.], [GT], pred_seg=pred2, gt_seg=gt)
    # image 3: nothing predicted: no class to average, scores 0
    s3 = sample([GT], [1.], [GT], pred_seg=np.zeros((20, 20), dtype=np.int64), gt_seg=gt)
    res = evaluate([s1, s2, s3], num_sem_classes=4)
    assert res['grasp/seg_img_IoU'] == pytest.approx((100 / 120 + 1.0 + 0.0) / 3)
    # the dataset-level mIoU is another figure: intersections and unions summed over the images
    # (class 0: 175+200+200 / 250+300+400; 1: 100 / 120+100+100; 2: 50+100 / 100+100+100; 3: 0/5)
    assert res['grasp/seg_mIoU'] == pytest.approx((575 / 950 + 100 / 320 + 150 / 300 + 0) / 4)


def test_empty_evaluation_is_an_error():
    metric = GraspJaccardMetric()
    metric.dataset_meta = {}
    with pytest.raises(ValueError, match='no samples'):
        metric.compute_metrics([])
    no_gt = sample([GT], [1.], np.zeros((0, 5)), obj_labels=[], pred_seg=np.zeros((200, 200)))
    with pytest.raises(ValueError, match='ground-truth'):
        evaluate([no_gt], mode='per_class')


def test_per_image_outcomes_are_written(tmp_path):
    """Image 1: exact (all 8 grid points); image 2: 7 degrees off (fails at 5 only); image 3: no
    prediction (fails everywhere). The file holds these rows in the grid's order."""
    import json
    off7 = GT[:4] + [math.radians(7)]
    samples = [sample([GT], [1.], [GT]), sample([off7], [1.], [GT]), sample([], [], [GT])]
    for s, name in zip(samples, ('a.png', 'b.png', 'c.png')):
        s.set_metainfo(dict(img_path=name))
    out = tmp_path / 'sub' / 'per_image.json'
    res = evaluate(samples, per_image_out=str(out))
    data = json.loads(out.read_text())
    assert ['grasp/' + k for k in data['grid']] == list(res)
    assert [im['img_path'] for im in data['images']] == ['a.png', 'b.png', 'c.png']
    rows = np.array([im['correct'][0] for im in data['images']])
    assert rows.shape == (3, 8)
    a5 = data['grid'].index('acc_a5_iou25')
    assert rows[0].all() and not rows[2].any()
    assert rows[1].sum() == 7 and not rows[1][a5]
    np.testing.assert_allclose(rows.mean(axis=0), [res['grasp/' + k] for k in data['grid']])
    assert list(out.parent.iterdir()) == [out]  # no temporary file left behind
