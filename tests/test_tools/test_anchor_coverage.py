# Copyright (c) mmgrasp contributors. All rights reserved.
"""tools/analysis_tools/anchor_coverage.py reads the detection targets the detector trains on."""
import numpy as np

from mmgrasp.datasets import OCIDGraspDataset
from mmgrasp.datasets.synthetic import generate_synthetic_dataset
from mmgrasp.testing import load_script, tiny_train_config


def test_coverage_of_the_unrotated_frame_boxes(tmp_path):
    generate_synthetic_dataset(str(tmp_path / 'data'), num=6, size=128, seed=2, val_ratio=0.0)
    cfg = tiny_train_config(str(tmp_path / 'data'), str(tmp_path / 'work'))
    tool = load_script('tools/analysis_tools/anchor_coverage.py')
    res = tool.anchor_coverage(cfg, 'test', max_images=3)

    # By hand: a grasp's unrotated-frame box is w x h, so the box sizes are the grasps' own
    # openings and jaws (the test pipeline keeps the 128 px scenes at their size).
    ds_cfg = cfg.test_dataloader.dataset.copy()
    ds_cfg.pop('type')
    ds_cfg.pipeline = []
    infos = OCIDGraspDataset(**ds_cfg)
    grasps = np.concatenate([np.array([inst['grasp'] for inst in infos.get_data_info(i)['instances']
                                       if not inst['ignore_flag']]).reshape(-1, 5)
                             for i in range(min(3, len(infos)))])
    assert res['boxes'] == len(grasps)
    lower_median = np.sort(grasps, axis=0)[(len(grasps) - 1) // 2]  # torch.median's
    np.testing.assert_allclose(res['median_w'], lower_median[2], rtol=1e-5)
    np.testing.assert_allclose(res['median_h'], lower_median[3], rtol=1e-5)
    np.testing.assert_allclose(res['min_side'], grasps[:, 2:4].min(), rtol=1e-5)
    np.testing.assert_allclose(res['max_side'], grasps[:, 2:4].max(), rtol=1e-5)
    assert 0 <= res['cover_iou70'] <= res['cover_iou50'] <= 1
