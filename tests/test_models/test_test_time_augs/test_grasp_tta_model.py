# Copyright (c) mmgrasp contributors. All rights reserved.
"""GraspTTAModel: the views' vote worked out by hand, the Cornell TTA views mapped back exactly,
and the wrapper end to end on a real image."""
import copy
import math

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mmgrasp.models import GraspTTAModel
from mmgrasp.structures import angle_to_bin, grasps_to_original
from mmgrasp.testing import get_config, shared_data_path, tiny_scored_detector

CONFIG = 'grasp/det_mobilenetv2_fpn_cornell.py'


def view(bboxes, scores, **meta) -> DetDataSample:
    sample = DetDataSample(metainfo=meta)
    bboxes = torch.tensor(bboxes, dtype=torch.float32).reshape(-1, 5)
    sample.pred_instances = InstanceData(bboxes=bboxes, scores=torch.tensor(scores),
                                         labels=torch.zeros(len(bboxes), dtype=torch.long))
    return sample


class NoModel(torch.nn.Module):
    """A stand-in detector: merging never calls it."""

    def test_step(self, data):
        raise AssertionError('not called')


def merge(samples, **tta_cfg):
    model = GraspTTAModel(module=NoModel(), tta_cfg=tta_cfg)
    return model.merge_preds([samples])[0].pred_instances


def test_views_vote_hand_worked():
    """View A: g1 0.9, g2 0.8; view B: g3 0.95, g2b 0.7 where g2b matches g2 (same rectangle
    shifted 1 px, 5 degrees turned). Votes (mean over 2 views of each view's best match):
    g1 (0.9 + 0) / 2 = 0.45, g2 and g2b (0.8 + 0.7) / 2 = 0.75, g3 (0 + 0.95) / 2 = 0.475.
    Kept by vote: g2 (first of the tie), which suppresses g2b, then g3, then g1."""
    g1 = [20., 20., 30., 10., 0.0]
    g2 = [100., 60., 40., 12., 1.0]
    g2b = [101., 60., 40., 12., 1.0 + math.radians(5)]
    g3 = [200., 150., 30., 10., 2.0]
    out = merge([view([g1, g2], [0.9, 0.8], img_id=7), view([g2b, g3], [0.7, 0.95])])
    torch.testing.assert_close(out.bboxes, torch.tensor([g2, g3, g1]))
    torch.testing.assert_close(out.scores, torch.tensor([0.75, 0.475, 0.45]))
    assert torch.equal(out.labels, angle_to_bin(out.bboxes[:, 4]))


def test_single_view_keeps_order_and_scores():
    """One view: every grasp matches only itself, so the vote is its own score."""
    grasps = [[20., 20., 30., 10., 0.0], [80., 80., 30., 10., 0.5], [150., 50., 30., 10., 2.5]]
    out = merge([view(grasps, [0.2, 0.9, 0.5])])
    torch.testing.assert_close(out.bboxes, torch.tensor(grasps)[[1, 2, 0]])
    torch.testing.assert_close(out.scores, torch.tensor([0.9, 0.5, 0.2]))


def test_angles_match_across_pi_and_thresholds_hold():
    """179 and 1 degrees are 2 degrees apart: they vote for each other. 20 degrees apart they
    do not (angle_thr 15), nor do two rectangles with IoU below iou_thr."""
    a = [50., 50., 40., 10., math.radians(179)]
    b = [50., 50., 40., 10., math.radians(1)]
    out = merge([view([a], [0.6]), view([b], [0.4])])
    assert len(out) == 1
    torch.testing.assert_close(out.scores, torch.tensor([0.5]))
    c = [50., 50., 40., 10., math.radians(179 + 20 - 180)]
    out = merge([view([a], [0.6]), view([c], [0.4])])
    torch.testing.assert_close(out.scores, torch.tensor([0.3, 0.2]))
    far = [70., 50., 40., 10., math.radians(179)]  # IoU 20 / 60 = 1 / 3 with a
    out = merge([view([a], [0.6]), view([far], [0.4])])
    assert len(out) == 2
    out = merge([view([a], [0.6]), view([far], [0.4])], iou_thr=0.3)
    assert len(out) == 1


def test_per_view_and_max_per_img():
    grasps = [[10. + 40 * i, 20., 30., 10., 0.0] for i in range(5)]
    out = merge([view(grasps, [0.5, 0.4, 0.3, 0.2, 0.1])], per_view=3, max_per_img=2)
    torch.testing.assert_close(out.scores, torch.tensor([0.5, 0.4]))


def test_empty_views_and_bad_cfg():
    out = merge([view([], []), view([], [])])
    assert len(out) == 0
    with pytest.raises(ValueError, match='unknown tta_cfg'):
        GraspTTAModel(module=NoModel(), tta_cfg=dict(nms=0.5))
    with pytest.raises(ValueError, match='angle_thr'):
        GraspTTAModel(module=NoModel(), tta_cfg=dict(angle_thr=0))


def cornell_views(tta: bool = True):
    """The Cornell config's tta_pipeline (or its plain test pipeline) on one real image."""
    from mmgrasp.registry import DATASETS
    init_default_scope('mmgrasp')
    cfg = get_config(CONFIG)
    dataset_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
    dataset_cfg.update(data_root=shared_data_path('cornell'), folders=['01'])
    if tta:
        dataset_cfg.update(pipeline=cfg.tta_pipeline)
    return DATASETS.build(dataset_cfg)[0]


def test_cornell_views_map_back_to_the_original_exactly():
    """Every view is an exact pixel permutation of the crop, and its ground truth mapped through
    its homography_matrix lands on the identity view's, in the original image's pixels."""
    views = cornell_views()
    inputs, samples = views['inputs'], views['data_samples']
    assert len(inputs) == 8
    ident = inputs[0].numpy()
    plain = cornell_views(tta=False)  # the first view is the plain test's input, exactly
    assert np.array_equal(ident, plain['inputs'].numpy())
    np.testing.assert_allclose(samples[0].homography_matrix,
                               plain['data_samples'].homography_matrix, atol=1e-12)
    expected = grasps_to_original(samples[0].gt_instances.bboxes.tensor, samples[0].metainfo)
    seen = set()
    for img, sample in zip(inputs, samples):
        img = img.numpy()
        matches = [k for k in range(4) for flip in (False, True)
                   if np.array_equal(img, np.rot90(ident[:, :, ::-1] if flip else ident, k,
                                                   axes=(1, 2)))]
        assert matches, 'a view is not a flip / quarter turn of the crop'
        seen.add((sample.flip, ) + tuple(matches))
        back = grasps_to_original(sample.gt_instances.bboxes.tensor, sample.metainfo)
        assert back.shape == expected.shape
        torch.testing.assert_close(back[:, :4], expected[:, :4], atol=1e-3, rtol=0)
        dtheta = torch.remainder(back[:, 4] - expected[:, 4] + math.pi / 2, math.pi) - math.pi / 2
        assert dtheta.abs().max() < 1e-4
    assert len(seen) == 8


def test_tta_of_identical_views_is_the_plain_prediction():
    """Eight copies of the identity view: every grasp gets its own score back, so the merged top
    grasp is the detector's own; the Cornell views run end to end through test_step."""
    cfg, detector = tiny_scored_detector(CONFIG)
    views = cornell_views()
    tta = GraspTTAModel(module=detector, data_preprocessor=detector.data_preprocessor,
                        tta_cfg=cfg.tta_model.tta_cfg)
    # mmengine's TTA layout: one list per view, each holding the batch (one image here)
    same = dict(inputs=[[views['inputs'][0]] for _ in range(8)],
                data_samples=[[copy.deepcopy(views['data_samples'][0])] for _ in range(8)])
    with torch.no_grad():
        same = tta.test_step(same)
        merged = same[0].pred_instances
        plain = detector.test_step(dict(inputs=[views['inputs'][0]],
                                        data_samples=[views['data_samples'][0]]))[0]
        everything = tta.test_step(dict(inputs=[[v] for v in views['inputs']],
                                        data_samples=[[s] for s in views['data_samples']]))
        per_view = [detector.test_step(dict(inputs=[v], data_samples=[copy.deepcopy(s)]))[0]
                    for v, s in zip(views['inputs'], views['data_samples'])]
    assert len(same) == len(everything) == 1  # one image, its 8 views merged
    everything = everything[0].pred_instances
    top = plain.pred_instances.scores.argmax()
    torch.testing.assert_close(merged.bboxes[0], plain.pred_instances.bboxes[top])
    torch.testing.assert_close(merged.scores[0], plain.pred_instances.scores[top])
    # a vote is a mean over the views of a score each view gave: at most the mean of their maxima
    assert len(everything) > 0
    bound = torch.stack([p.pred_instances.scores.max() for p in per_view]).mean()
    assert everything.scores.max() <= bound + 1e-6
