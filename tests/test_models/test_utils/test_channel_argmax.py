# Copyright (c) mmgrasp contributors. All rights reserved.
import pytest
import torch

from mmgrasp.models.utils import channel_argmax


@pytest.mark.parametrize('num_classes', [1, 2, 3, 6, 32])
def test_equals_torch_argmax_with_ties(num_classes):
    """Small integer scores make many ties: the first maximum must win, as in argmax."""
    g = torch.Generator().manual_seed(num_classes)
    for logits in (torch.randn(num_classes, 37, 53, generator=g),
                   torch.randint(0, 3, (num_classes, 37, 53), generator=g).float(),
                   torch.randn(num_classes, 37, 53, generator=g).double()):
        out = channel_argmax(logits)
        assert out.dtype == torch.int64 and out.shape == (1, 37, 53)
        assert torch.equal(out, logits.argmax(dim=0, keepdim=True))


def test_by_hand_and_nan():
    logits = torch.tensor([[[0.0, 1.0, 2.0]], [[0.0, 3.0, 2.0]], [[-1.0, 3.0, 5.0]]])  # (3, 1, 3)
    assert channel_argmax(logits).tolist() == [[[0, 1, 2]]]  # ties keep the first class
    logits[1, 0, 0] = float('nan')  # argmax treats NaN as the maximum
    assert torch.equal(channel_argmax(logits), logits.argmax(dim=0, keepdim=True))
    assert channel_argmax(logits)[0, 0, 0] == 1


def test_bad_shape():
    with pytest.raises(ValueError, match=r'\(C, H, W\)'):
        channel_argmax(torch.zeros(2, 3))
