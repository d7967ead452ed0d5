# Copyright (c) mmgrasp contributors. All rights reserved.
import math

import pytest
import torch
import torch.nn.functional as F

from mmgrasp.models.losses import HardPixelCrossEntropyLoss


def test_keeps_the_hardest_quarter_by_hand():
    # 8 valid pixels, 2 classes; logits give per-pixel losses we can compute exactly.
    logits = torch.zeros(1, 2, 1, 10)
    labels = torch.zeros(1, 1, 10, dtype=torch.long)
    logits[0, 0, 0] = torch.tensor([5., 4., 3., 2., 1., 0., -1., -2., 9., 9.])
    labels[0, 0, 8:] = 255  # ignored, even though they would be the easiest
    loss = HardPixelCrossEntropyLoss(top_ratio=0.25)(logits, labels)
    per_pixel = F.softplus(-logits[0, 0, 0, :8])  # CE of class 0 vs a 0 logit
    expected = per_pixel.sort(descending=True).values[:2].mean()  # 25 % of 8 = 2 pixels
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    assert loss.item() == pytest.approx((math.log1p(math.exp(2)) + math.log1p(math.exp(1))) / 2,
                                        rel=1e-6)


def test_per_image_mean_weight_and_all_ignored():
    logits = torch.randn(2, 3, 4, 4, requires_grad=True)
    labels = torch.randint(0, 3, (2, 4, 4))
    full = HardPixelCrossEntropyLoss(top_ratio=1.0, loss_weight=0.5)(logits, labels)
    ce = F.cross_entropy(logits, labels, reduction='none').flatten(1).mean(1).mean()
    assert full.item() == pytest.approx(0.5 * ce.item(), rel=1e-6)
    ignored = HardPixelCrossEntropyLoss()(logits, torch.full((2, 4, 4), 255))
    ignored.backward()
    assert ignored.item() == 0
    with pytest.raises(ValueError):
        HardPixelCrossEntropyLoss(top_ratio=0)
