# Copyright (c) mmgrasp contributors. All rights reserved.
import torch
from mmdet.structures import DetDataSample
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

from mmgrasp.models.layers import box_filter
from mmgrasp.registry import MODELS


def test_box_filter_equals_padded_average_pool():
    x = torch.randn(2, 3, 9, 11)
    for size in (1, 3, 4, 64):
        kh, kw = min(size, 9), min(size, 11)
        top, left = (kh - 1) // 2, (kw - 1) // 2
        padded = torch.nn.functional.pad(x, (left, kw - 1 - left, top, kh - 1 - top),
                                         mode='replicate')
        ref = torch.nn.functional.avg_pool2d(padded, (kh, kw), stride=1)
        torch.testing.assert_close(box_filter(x, size), ref, atol=1e-5, rtol=1e-5)


def test_forward_loss_predict():
    init_default_scope('mmgrasp')
    head = MODELS.build(dict(type='MiniDeepLabHead', num_classes=3, in_channels=8, channels=4,
                             pool_size=8))
    feats = tuple(torch.randn(2, 8, 32 // 2**i, 32 // 2**i, requires_grad=True) for i in range(5))
    out = head(feats)
    assert out['seg_preds'].shape == (2, 3, 32, 32)
    samples = []
    for _ in range(2):
        s = DetDataSample(metainfo=dict(batch_input_shape=(128, 128), img_shape=(120, 128),
                                        ori_shape=(60, 64)))
        s.gt_sem_seg = PixelData(sem_seg=torch.randint(0, 3, (1, 128, 128)))
        samples.append(s)
    losses = head.loss(feats, samples)
    assert set(losses) == {'loss_seg'} and losses['loss_seg'] > 0
    losses['loss_seg'].backward()
    assert all(f.grad is not None and f.grad.abs().sum() > 0 for f in feats[:4])
    assert feats[4].grad is None  # P6 is not used
    preds = head.predict(feats, [s.metainfo for s in samples], rescale=True)
    assert preds[0].shape == (3, 60, 64)


def test_class_count_mismatch_is_named():
    """A mask with more classes than the head predicts stops with the option to set, not with
    torch's 'Target out of bounds'."""
    import pytest
    import torch

    from mmgrasp.models.seg_heads import MiniDeepLabHead
    labels = torch.tensor([[[0, 1], [3, 255]]])
    with pytest.raises(ValueError, match='set model.semantic_head.num_classes'):
        MiniDeepLabHead.check_labels(labels, num_classes=2)
    MiniDeepLabHead.check_labels(labels, num_classes=4)  # 255 is ignored
