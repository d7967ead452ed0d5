# Copyright (c) mmgrasp contributors. All rights reserved.
import copy
from unittest.mock import patch

import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope

from mmgrasp.models.dense_heads import top_scores
from mmgrasp.registry import MODELS
from mmgrasp.testing import get_detector_cfg

CONFIG = 'grasp/det_mobilenetv2_fpn_cornell.py'


def _heads():
    """The config's RPN head and mmdet's RPNHead with the same weights."""
    init_default_scope('mmgrasp')
    cfg = get_detector_cfg(CONFIG)
    rpn = copy.deepcopy(cfg.rpn_head)
    rpn.update(train_cfg=cfg.train_cfg.rpn, test_cfg=cfg.test_cfg.rpn)
    assert rpn.type == 'FastRPNHead'
    torch.manual_seed(0)
    fast = MODELS.build(rpn).eval()
    ref = MODELS.build(dict(rpn, type='mmdet.RPNHead')).eval()
    ref.load_state_dict(fast.state_dict())
    return fast, ref


def _features(seed, channels, size=352, batch=2):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(batch, channels, size // s, size // s, generator=g)
            for s in (4, 8, 16, 32, 64)]


def _proposals(fast, ref, seed, max_per_img, distinct):
    """Both heads' proposals for the RPN outputs of random features (2 images).

    With ``distinct``, the class logits are replaced by ones whose sigmoid scores are all
    different (evenly spaced probabilities, shuffled)."""
    metas = [dict(img_shape=(351, 351), scale_factor=(1.0, 1.0))] * 2
    cfg = ConfigDict(fast.test_cfg, max_per_img=max_per_img)
    with torch.no_grad():
        cls_scores, bbox_preds = fast(_features(seed, fast.in_channels))
        if distinct:
            g = torch.Generator().manual_seed(seed)
            sizes = [c.numel() for c in cls_scores]
            probs = torch.linspace(0.05, 0.95, sum(sizes))[torch.randperm(sum(sizes), generator=g)]
            assert probs.logit().sigmoid().unique().numel() == sum(sizes)
            cls_scores = [p.view_as(c) for p, c in zip(probs.logit().split(sizes), cls_scores)]
        mine = fast.predict_by_feat(cls_scores, bbox_preds, batch_img_metas=metas, cfg=cfg,
                                    rescale=False)
        theirs = ref.predict_by_feat(cls_scores, bbox_preds, batch_img_metas=metas, cfg=cfg,
                                     rescale=False)
    return mine, theirs


@pytest.mark.parametrize('seed', range(3))
@pytest.mark.parametrize('max_per_img', [300, 1000, 100000])
def test_same_proposals_as_mmdet(seed, max_per_img):
    """All anchor scores different: mmdet's proposals, bit for bit."""
    fast, ref = _heads()
    for a, b in zip(*_proposals(fast, ref, seed, max_per_img, distinct=True)):
        assert len(a) == len(b) > 0
        assert torch.equal(a.bboxes, b.bboxes)
        assert torch.equal(a.scores, b.scores)
        assert torch.equal(a.labels, b.labels)


@pytest.mark.parametrize('seed', range(3))
def test_equal_scores_same_proposals(seed):
    """The RPN's own float32 scores of random features repeat (about 2 % of them): mmdet leaves
    the order among equal scores to a non-stable sort. The proposals and their scores are the
    same; where the order differs, the scores are equal."""
    fast, ref = _heads()
    for a, b in zip(*_proposals(fast, ref, seed, 1000, distinct=False)):
        assert torch.equal(a.scores, b.scores)
        assert sorted(map(tuple, a.bboxes.tolist())) == sorted(map(tuple, b.bboxes.tolist()))


def test_top_scores_hand_case_and_ties():
    scores = torch.tensor([3.0, 1.0, 2.0, 2.5, 5.0])
    values, indices = top_scores(scores, 3)
    assert values.tolist() == [5.0, 3.0, 2.5] and indices.tolist() == [4, 0, 3]
    # ties: equal scores in index order (a stable sort's), the same values as torch's sort
    scores = torch.tensor([1.0, 2.0, 2.0, 0.5, 2.0, 2.0, 3.0])
    values, indices = top_scores(scores, 4)
    assert values.tolist() == [3.0, 2.0, 2.0, 2.0] and indices.tolist() == [6, 1, 2, 4]
    g = torch.Generator().manual_seed(0)
    for _ in range(20):
        scores = torch.randint(0, 30, (5000, ), generator=g).float() / 7
        values, indices = top_scores(scores, 500)
        ref_values, ref_indices = scores.sort(descending=True, stable=True)
        assert torch.equal(values, scores.sort(descending=True).values[:500])
        assert torch.equal(indices, ref_indices[:500])
    # distinct scores: torch's (non-stable) sort, index for index
    scores = torch.rand(90000, generator=g)
    assert torch.equal(top_scores(scores, 500)[1], scores.sort(descending=True)[1][:500])


def test_top_scores_non_finite_hand_cases():
    """Worked by hand: a descending sort puts NaN first, then +inf, ..., -inf last; k values
    come back (the equal-score path alone would drop the NaN and return fewer)."""
    nan, inf = float('nan'), float('inf')
    values, indices = top_scores(torch.tensor([0.1, nan, 0.3, 0.2]), 2)
    assert indices.tolist() == [1, 2]
    assert torch.isnan(values[0]) and values[1].item() == pytest.approx(0.3)
    values, indices = top_scores(torch.tensor([0.1, inf, 0.3, -inf, 0.3]), 3)
    assert indices.tolist()[0] == 1 and sorted(indices.tolist()[1:]) == [2, 4]
    assert values.tolist() == [inf, pytest.approx(0.3), pytest.approx(0.3)]
    values, indices = top_scores(torch.tensor([-inf, 0.5, -inf, -inf]), 2)
    assert indices.tolist()[0] == 1 and len(indices) == 2 and values[1].item() == -inf


def test_fast_paths_taken():
    """Neither a sort of all anchors of a level nor the NMS of all candidates runs (300
    proposals): the sorts are those of the candidates only."""
    fast, _ = _heads()
    sort = torch.Tensor.sort

    def small_sort(self, *args, **kwargs):
        assert self.numel() <= 5 * 501, f'a sort of {self.numel()} scores'
        return sort(self, *args, **kwargs)

    metas = [dict(img_shape=(351, 351), scale_factor=(1.0, 1.0))]
    with torch.no_grad():
        outs = fast(_features(0, fast.in_channels, batch=1))
        with patch('mmgrasp.models.layers.prefix_batched_nms.batched_nms',
                   side_effect=AssertionError('NMS of all candidates')), \
                patch.object(torch.Tensor, 'sort', small_sort):
            proposals = fast.predict_by_feat(*outs, batch_img_metas=metas,
                                             cfg=ConfigDict(fast.test_cfg, max_per_img=300),
                                             rescale=False)
    assert len(proposals[0]) == 300


def test_training_proposals_are_mmdets():
    """In training mode the proposals that train the RoI head are mmdet's, equal scores and
    all (the RPN's own float32 scores of random features repeat).

    Run on one thread: the order torch's sorts give equal scores depends on the thread count,
    and the last check (eval mode orders these ties otherwise) holds for one thread, the
    suite's (tests/conftest.py); before, it passed or failed with the tests run before it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _training_proposals_are_mmdets()
    finally:
        torch.set_num_threads(threads)


def _training_proposals_are_mmdets():
    fast, ref = _heads()
    fast.train()
    ref.train()
    mine, theirs = _proposals(fast, ref, 3, 1000, distinct=False)
    for a, b in zip(mine, theirs):
        assert torch.equal(a.bboxes, b.bboxes) and torch.equal(a.scores, b.scores)
    # the same input in eval mode: equal scores in another order (what the test would miss)
    fast.eval()
    ref.eval()
    mine, theirs = _proposals(fast, ref, 3, 1000, distinct=False)
    assert not all(torch.equal(a.bboxes, b.bboxes) for a, b in zip(mine, theirs))
