# Copyright (c) mmgrasp contributors. All rights reserved.
"""Robustness conditions: their transforms, where they go, and what they do to a real image."""
import numpy as np
import pytest
from mmcv.transforms import Compose

from mmgrasp.evaluation import insert_after_loading, robustness_conditions
from mmgrasp.structures import grasps_to_original
from mmgrasp.testing import get_config, shared_data_path
from mmgrasp.utils import register_all_modules

register_all_modules()


def test_conditions_by_name():
    conditions = robustness_conditions((-20, 20), 30)
    assert list(conditions) == ['plain', 'brightness-20%', 'brightness+20%', 'shift30px_right',
                                'shift30px_left', 'shift30px_down', 'shift30px_up']
    assert conditions['plain'] == []
    assert conditions['brightness-20%'][0]['min_mag'] == conditions['brightness-20%'][0][
        'max_mag'] == 0.8
    assert conditions['shift30px_up'] == [dict(type='GraspTranslate', offset=(0, -30))]
    assert list(robustness_conditions((), 0)) == ['plain']
    with pytest.raises(ValueError, match='black'):
        robustness_conditions((-100, ), 0)


def test_insert_after_the_loading_steps():
    pipeline = [dict(type='LoadImageFromFile'), dict(type='mmgrasp.LoadGraspAnnotations'),
                dict(type='GraspCenterCrop', crop_size=351), dict(type='PackGraspInputs')]
    out = insert_after_loading(pipeline, [dict(type='GraspTranslate', offset=(30, 0))])
    assert [s['type'] for s in out] == ['LoadImageFromFile', 'mmgrasp.LoadGraspAnnotations',
                                        'GraspTranslate', 'GraspCenterCrop', 'PackGraspInputs']
    assert len(pipeline) == 4  # the original is untouched
    with pytest.raises(ValueError, match='Load'):
        insert_after_loading(pipeline[2:], [])


@pytest.fixture(scope='module')
def cornell_sample():
    """The first image of Cornell folder 01 through the Cornell test pipeline's loading steps."""
    import os.path as osp
    root = osp.dirname(shared_data_path('cornell', '01'))
    from mmgrasp.datasets import CornellGraspDataset
    cfg = get_config('grasp/det_r18_fpn_cornell.py')
    dataset = CornellGraspDataset(data_root=root, fold=0, num_folds=5, split='test',
                                  test_mode=True, pipeline=[])
    return cfg.test_dataloader.dataset.pipeline, dataset.get_data_info(0)


def _run(pipeline, info):
    return Compose(pipeline)(dict(info))


def test_brightness_on_a_real_image(cornell_sample):
    pipeline, info = cornell_sample
    conditions = robustness_conditions((-20, 20), 0)
    plain = _run(pipeline, info)['inputs'].numpy().astype(np.float64)
    for name, factor in (('brightness-20%', 0.8), ('brightness+20%', 1.2)):
        out = _run(insert_after_loading(pipeline, conditions[name]), info)
        img = out['inputs'].numpy().astype(np.float64)
        expected = np.clip(plain * factor, 0, 255)
        assert np.abs(img - expected).max() <= 1.0  # rounding to uint8
        np.testing.assert_allclose(out['data_samples'].gt_instances.bboxes.tensor,
                                   _run(pipeline, info)['data_samples'].gt_instances.bboxes.tensor)


def test_shift_before_the_crop_keeps_real_content_and_maps_back(cornell_sample):
    pipeline, info = cornell_sample
    plain = _run(pipeline, info)
    out = _run(insert_after_loading(pipeline, robustness_conditions((), 30)['shift30px_right']),
               info)
    # the 351x351 crop window now shows the scene 30 px further right, with no filled border:
    # crop column c + 30 of the shifted image is crop column c of the plain one
    a, b = plain['inputs'].numpy(), out['inputs'].numpy()
    np.testing.assert_array_equal(b[:, :, 30:], a[:, :, :-30])
    assert (b[:, :, :30] > 0).any()
    gt_plain = plain['data_samples'].gt_instances.bboxes.tensor
    gt = out['data_samples'].gt_instances.bboxes.tensor
    np.testing.assert_allclose(gt[:, 0], gt_plain[:, 0] + 30, atol=1e-4)
    # both map back to the same original annotation, which is what the metric compares with
    original = np.array([inst['grasp'] for inst in info['instances']])
    for sample, grasps in ((plain, gt_plain), (out, gt)):
        back = np.asarray(grasps_to_original(grasps, sample['data_samples'].metainfo))
        np.testing.assert_allclose(back[:, :4], original[:, :4], atol=1e-3)
