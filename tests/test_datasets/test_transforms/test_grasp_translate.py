# Copyright (c) mmgrasp contributors. All rights reserved.
"""The fixed shift of the robustness check, checked with numbers."""
import numpy as np

from mmgrasp.datasets.transforms import GraspTranslate
from mmgrasp.structures import GraspBoxes, grasps_to_original


def _results(h, w, grasps, mark):
    img = np.zeros((h, w, 3), np.uint8)
    seg = np.zeros((h, w), np.uint8)
    img[mark] = 255
    seg[mark] = 3
    grasps = np.asarray(grasps, np.float32).reshape(-1, 5)
    return dict(img=img, gt_seg_map=seg, img_shape=(h, w), gt_bboxes=GraspBoxes(grasps),
                gt_bboxes_labels=np.arange(1, len(grasps) + 1, dtype=np.int64),
                gt_ignore_flags=np.zeros(len(grasps), bool))


def test_shift_moves_image_mask_grasps_and_homography():
    # (+30, -10): pixel (row 40, col 20) -> (row 30, col 50); grasp centre (20.5, 40.5) ->
    # (50.5, 30.5), size and angle unchanged; the uncovered border is 0 / 255.
    out = GraspTranslate(offset=(30, -10))(_results(64, 96, [[20.5, 40.5, 12, 5, 0.7]], (40, 20)))
    np.testing.assert_allclose(out['gt_bboxes'].numpy(), [[50.5, 30.5, 12, 5, 0.7]], atol=1e-5)
    assert out['img'][30, 50].tolist() == [255, 255, 255] and out['img'].sum() == 3 * 255
    assert out['gt_seg_map'][30, 50] == 3
    assert (out['gt_seg_map'][:, :30] == 255).all() and (out['gt_seg_map'][-10:] == 255).all()
    np.testing.assert_allclose(out['homography_matrix'], [[1, 0, 30], [0, 1, -10], [0, 0, 1]])
    back = grasps_to_original(out['gt_bboxes'].numpy(),
                              dict(homography_matrix=out['homography_matrix']))
    np.testing.assert_allclose(np.asarray(back), [[20.5, 40.5, 12, 5, 0.7]], atol=1e-5)
    assert out['rotate_translate'] == (0.0, 30, -10)


def test_shift_is_applied_even_when_every_grasp_leaves():
    # unlike the random augmentation there is no fallback to the identity
    out = GraspTranslate(offset=(-30, 0))(_results(64, 96, [[10, 30, 8, 4, 0.0]], (30, 10)))
    assert len(out['gt_bboxes'].numpy()) == 0 and len(out['gt_bboxes_labels']) == 0
    assert out['img'].sum() == 0  # the mark at col 10 went to col -20, off the image
    np.testing.assert_allclose(out['homography_matrix'][:2, 2], [-30, 0])


def test_composes_with_an_earlier_homography():
    results = _results(64, 96, [[40, 30, 8, 4, 0.0]], (30, 40))
    results['homography_matrix'] = np.array([[2., 0, 5], [0, 2, 0], [0, 0, 1]])
    out = GraspTranslate(offset=(3, 4))(results)
    np.testing.assert_allclose(out['homography_matrix'], [[2, 0, 8], [0, 2, 4], [0, 0, 1]])
