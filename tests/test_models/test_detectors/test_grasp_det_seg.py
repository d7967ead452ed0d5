# Copyright (c) mmgrasp contributors. All rights reserved.
import copy
import math

import pytest
import torch
from mmengine.registry import init_default_scope

from mmgrasp.registry import MODELS
from mmgrasp.structures import angle_to_bin, bin_to_angle
from mmgrasp.testing import demo_grasp_inputs, get_config, get_detector_cfg

BASE = '_base_/models/grasp_det_seg_r50_fpn.py'  # Det_Seg
REFINE = '_base_/models/grasp_refine_head.py'  # what the det_seg_refine configs add


def with_refine_head(cfg):
    """Add the refinement head block the way the det_seg_refine configs do (narrowed)."""
    block = get_config(REFINE)
    cfg.refine_head = block.refine_head
    cfg.refine_head.fc_channels = (32, 32)
    cfg.train_cfg.refine = block.refine_train_cfg
    return cfg


def build(variant: str):
    init_default_scope('mmgrasp')
    cfg = get_detector_cfg(BASE)
    if variant == 'detection':
        cfg.semantic_head = None
    elif variant.startswith('det_seg_refine'):
        with_refine_head(cfg)
        if variant == 'det_seg_refine_paper':  # the paper's form of the head
            cfg.refine_head.type = 'InPlaceGraspRefineHead'
            cfg.refine_head.map_size = (16, 16)
    torch.manual_seed(0)
    return MODELS.build(cfg)


class TestGraspDetSeg:

    @pytest.mark.parametrize('variant',
                             ['detection', 'det_seg', 'det_seg_refine', 'det_seg_refine_paper'])
    def test_loss_mode(self, variant):
        model = build(variant)
        assert model.with_semantic_head == (variant != 'detection')
        assert model.with_refine_head == variant.startswith('det_seg_refine')
        data = model.data_preprocessor(demo_grasp_inputs(batch_size=2, num_sem_classes=2), True)
        losses = model(**data, mode='loss')
        expected = {'rpn_loss_cls', 'rpn_loss_bbox', 'loss_cls', 'loss_bbox', 'acc'}
        if variant != 'detection':
            expected.add('loss_seg')
        if variant.startswith('det_seg_refine'):
            expected |= {'loss_refine', 'refine_pos_frac'}
        assert expected <= set(losses)
        total, log_vars = model.parse_losses(losses)
        assert torch.isfinite(total)
        total.backward()
        # gradients reach the backbone (its first unfrozen stage) and every head
        grads = {name: p.grad for name, p in model.named_parameters() if p.requires_grad}
        assert grads['backbone.layer1.0.conv1.weight'].abs().sum() > 0
        assert grads['roi_head.bbox_head.fc_cls.weight'].abs().sum() > 0
        if variant != 'detection':
            assert grads['semantic_head.conv_seg.weight'].abs().sum() > 0

    @pytest.mark.parametrize('variant',
                             ['detection', 'det_seg', 'det_seg_refine', 'det_seg_refine_paper'])
    def test_predict_mode(self, variant):
        model = build(variant).eval()
        model.test_cfg.rcnn.score_thr = 0.0  # random weights: keep every candidate
        inputs = demo_grasp_inputs(batch_size=2, image_shape=(3, 96, 128))
        for s in inputs['data_samples']:
            s.set_metainfo(dict(scale_factor=(0.5, 0.5), ori_shape=(192, 256)))
        data = model.data_preprocessor(inputs, False)
        with torch.no_grad():
            results = model.predict(data['inputs'], copy.deepcopy(data['data_samples']))
            in_input_frame = model.predict(data['inputs'], copy.deepcopy(data['data_samples']),
                                           rescale=False)
        assert len(results) == 2
        for res, raw in zip(results, in_input_frame):
            pred = res.pred_instances
            assert len(pred) > 0 and pred.bboxes.shape[1] == 5
            assert len(pred.scores) == len(pred.labels) == len(pred.bboxes)
            assert torch.all(pred.scores[:-1] >= pred.scores[1:])  # sorted by score
            # The detection branch's angle is the centre of the predicted bin (paper IV-B); the
            # refinement head moves it, its candidate keeps it, and the label is then the bin of
            # the refined angle.
            if variant.startswith('det_seg_refine'):
                unrefined = pred.bboxes_unrefined[:, 4]
                torch.testing.assert_close(unrefined, bin_to_angle(angle_to_bin(unrefined)).float(),
                                           atol=1e-5, rtol=0)
                assert torch.equal(pred.labels, angle_to_bin(pred.bboxes[:, 4]))
            else:
                torch.testing.assert_close(pred.bboxes[:, 4], bin_to_angle(pred.labels).float(),
                                           atol=1e-5, rtol=0)
            assert torch.all((pred.bboxes[:, 4] >= 0) & (pred.bboxes[:, 4] < math.pi))
            # rescale maps the input-frame grasps to the original image: x, y, w, h times 2.
            expected = raw.pred_instances.bboxes.clone()
            expected[:, :4] *= 2
            torch.testing.assert_close(pred.bboxes, expected, atol=1e-4, rtol=1e-5)
            if variant != 'detection':
                assert res.pred_sem_seg.sem_seg.shape == (1, 192, 256)
                assert raw.pred_sem_seg.sem_seg.shape == (1, 96, 128)
            else:
                assert 'pred_sem_seg' not in res

    def test_tensor_mode(self):
        model = build('det_seg_refine').eval()
        data = model.data_preprocessor(demo_grasp_inputs(batch_size=1), False)
        with torch.no_grad():
            outs = model(**data, mode='tensor')
        assert len(outs) == 2 and outs[1].shape[1] == 2

    def test_refine_needs_semantic_head(self):
        init_default_scope('mmgrasp')
        cfg = with_refine_head(get_detector_cfg(BASE))
        cfg.semantic_head = None
        with pytest.raises(ValueError, match='semantic_head'):
            MODELS.build(cfg)

    def test_semantic_head_needs_masks(self):
        model = build('det_seg')
        data = model.data_preprocessor(demo_grasp_inputs(batch_size=1, num_sem_classes=None), True)
        with pytest.raises(ValueError, match='gt_sem_seg'):
            model(**data, mode='loss')
