# Copyright (c) mmgrasp contributors. All rights reserved.
"""Training stops at the first non-finite loss, names it and its images, and saves no NaN."""
import math
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmgrasp.engine.hooks import NonFiniteLossError
from mmgrasp.testing import tiny_train_config


class PoisonRegression(Hook):
    """Before iteration ``at`` (1-based), make the box regression layer output NaN, as a
    zero-size grasp does through the log of its size; record the batch's image ids."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.img_ids = None

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if runner.iter + 1 == self.at:
            runner.model.roi_head.bbox_head.fc_reg.bias.data[:] = math.nan
            self.img_ids = [s.metainfo['img_id'] for s in data_batch['data_samples']]


@pytest.mark.slow
def test_stops_at_the_first_non_finite_loss_and_saves_nothing_after(synthetic_root, tmp_path):
    work_dir = str(tmp_path / 'nan')
    # Det_Seg: NaN boxes in the refinement head's RoIAlignRotated would raise before any loss
    cfg = tiny_train_config(synthetic_root, work_dir, refine=False, max_epochs=3)
    cfg.train_dataloader.num_batch_per_epoch = 2
    cfg.train_cfg.val_interval = 100
    runner = Runner.from_cfg(cfg)
    poison = PoisonRegression(at=3)  # the first iteration of epoch 2
    runner.register_hook(poison)
    with pytest.raises(NonFiniteLossError) as err:
        runner.train()
    message = str(err.value)
    assert message.startswith('Non-finite loss at iteration 3 (epoch 2, batch 1 of 2): ')
    assert 'loss_bbox=nan' in message and 'loss_cls' not in message  # the culprit only
    assert 'Images of the batch (img_id): ' in message
    for img_id in poison.img_ids:
        assert str(img_id) in message
    assert f'The last checkpoint, saved before this, is {osp.join(work_dir, "epoch_1.pth")}' \
        in message
    assert runner.iter == 2  # stopped inside iteration 3
    assert not osp.exists(osp.join(work_dir, 'epoch_2.pth'))
    state = torch.load(osp.join(work_dir, 'epoch_1.pth'), map_location='cpu', weights_only=False)
    assert all(torch.isfinite(v).all() for v in state['state_dict'].values()
               if v.is_floating_point())

    # whoever tries to save these weights is stopped before a byte is written
    with pytest.raises(NonFiniteLossError, match=r'Refusing to save .* tensor\(s\) hold NaN or '
                       r'inf \(state_dict\.backbone\.'):
        runner.save_checkpoint(work_dir, 'nan.pth')
    assert not osp.exists(osp.join(work_dir, 'nan.pth'))
