# Copyright (c) mmgrasp contributors. All rights reserved.
"""GraspInferencer with an RGB-D model: dict(img=..., depth=...) inputs reach the network's depth
channel; an image without its depth is reported, not crashed on."""
import numpy as np
import pytest
import torch

from mmgrasp.apis import GraspInferencer
from mmgrasp.testing import get_config, get_detector_cfg

NAME = 'grasp/det_mobilenetv2_fpn_rgbd_jacquard.py'


@pytest.fixture(scope='module')
def inferencer():
    cfg = get_config(NAME)
    cfg.model = get_detector_cfg(NAME)
    torch.manual_seed(0)
    return GraspInferencer(cfg, device='cpu', show_progress=False)


def test_depth_reaches_the_network(inferencer):
    assert inferencer.needs_depth
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (128, 160, 3), dtype=np.uint8)
    flat = np.full((128, 160), 0.8, np.float32)
    step = flat.copy()
    step[40:90, 50:110] = 0.7  # an object 10 cm above the table
    outs = [inferencer(dict(img=img, depth=d), return_datasamples=True, no_save_pred=True,
                       no_save_vis=True)['predictions'][0] for d in (flat, step)]
    scores = [o.pred_instances.scores for o in outs]
    assert len(scores[0]) and len(scores[1])
    assert not (len(scores[0]) == len(scores[1]) and torch.equal(scores[0], scores[1]))
    # a constant offset of the whole scene is no information: the depth is centred per image
    lifted = inferencer(dict(img=img, depth=flat + 0.3), return_datasamples=True,
                        no_save_pred=True, no_save_vis=True)['predictions'][0]
    torch.testing.assert_close(lifted.pred_instances.scores, scores[0])


def test_image_without_depth_is_reported(inferencer):
    img = np.zeros((64, 64, 3), np.uint8)
    out = inferencer(img, no_save_pred=True, no_save_vis=True)['predictions'][0]
    assert 'needs its depth image' in out['error'] and out['grasps'] == []
    with pytest.raises(ValueError, match=r'dict\(img=..., depth=...\)'):
        from mmgrasp.apis.grasp_inferencer import rgbd_data_info
        rgbd_data_info(dict(image=img))
    # through the inferencer: that input's error, not a KeyError stopping the whole call
    bad, good = inferencer([dict(image=img), dict(img=img, depth=np.full((64, 64), 0.8))],
                           no_save_pred=True, no_save_vis=True)['predictions']
    assert bad == dict(img_path=None, grasps=[], error="ValueError: an RGB-D input is "
                       "dict(img=..., depth=...), got keys ['image']")
    assert 'error' not in good
