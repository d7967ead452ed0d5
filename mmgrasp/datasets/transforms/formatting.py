# Copyright (c) mmgrasp contributors. All rights reserved.
"""Pack a grasp sample into ``inputs`` and a ``DetDataSample``: mmdet's ``PackDetInputs``."""
from typing import Sequence

import numpy as np
import torch
from mmdet.datasets.transforms import PackDetInputs

from mmgrasp.registry import TRANSFORMS
from .grasp_geometry import get_grasps


@TRANSFORMS.register_module()
class PackGraspInputs(PackDetInputs):
    """mmdet's ``PackDetInputs`` with a depth channel, int64 semantic maps and a last check of
    the grasps.

    The grasps travel as they are, in ``gt_bboxes`` (:class:`GraspBoxes`), packed by mmdet into
    ``gt_instances.bboxes`` with the grasped object's class (``gt_bboxes_labels``) as
    ``gt_instances.labels``; grasps with ``gt_ignore_flags`` go to ``ignored_instances``. The
    detection targets (unrotated-frame boxes and orientation bins) are not packed: the detector
    derives them (:func:`mmgrasp.structures.detection_target_samples`, docs/conventions.md
    section 2).

    What differs from mmdet's:

    - with a ``depth`` (:class:`LoadDepthFromFile`), ``inputs`` is ``(4, H, W)`` float32: the
      colour channels as loaded, then the depth in metres (mmdet packs the image only);
    - ``gt_sem_seg.sem_seg`` is ``(1, H, W)`` int64 (the class ids the semantic head's loss and
      the metrics index with), not the map's own dtype;
    - ``gt_bboxes_labels`` (0) and ``gt_ignore_flags`` (False) are filled in when a step left
      them out, so ``gt_instances`` and ``ignored_instances`` always have both fields;
    - a grasp with a NaN or infinite value or a zero (or negative) opening or jaw would make the
      detection loss NaN; the loaders and :class:`GraspResize` drop grasps below 1 px
      (docs/bad_data.md), so such a grasp here comes from a custom step: it is an error that
      names the image and the values, raised before the model sees the sample.

    Args:
        meta_keys (Sequence[str]): Keys copied into the data sample's metainfo when present.
            Defaults to mmdet's and ``homography_matrix``, ``pad_shape``.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = ('img_id', 'img_path', 'ori_shape', 'img_shape',
                                             'scale_factor', 'flip', 'flip_direction',
                                             'homography_matrix', 'pad_shape')) -> None:
        super().__init__(meta_keys=tuple(meta_keys))

    @staticmethod
    def _check_grasps(grasps: np.ndarray, results: dict) -> None:
        """Raise if a grasp is not finite or has a zero or negative opening or jaw."""
        g = np.asarray(grasps, dtype=np.float64).reshape(-1, 5)
        bad = ~np.isfinite(g).all(axis=1) | (g[:, 2] <= 0) | (g[:, 3] <= 0)
        if bad.any():
            shown = '; '.join(f'grasp {i}: {np.round(g[i], 3).tolist()}'
                              for i in np.flatnonzero(bad)[:5])
            raise ValueError(f'{results.get("img_path", results.get("img_id"))}: '
                             f'{int(bad.sum())} ground-truth grasp(s) (x, y, w, h, theta) are not '
                             f'finite or have a zero opening or jaw after the pipeline: {shown}')

    def transform(self, results: dict) -> dict:
        """Pack.

        Args:
            results (dict): Transform results.

        Returns:
            dict: ``dict(inputs=Tensor, data_samples=DetDataSample)``.
        """
        if 'gt_bboxes' in results:
            num = len(results['gt_bboxes'])
            self._check_grasps(get_grasps(results), results)
            results.setdefault('gt_bboxes_labels', np.zeros(num, dtype=np.int64))
            results.setdefault('gt_ignore_flags', np.zeros(num, dtype=bool))
            results['gt_bboxes_labels'] = np.asarray(results['gt_bboxes_labels'], np.int64)
            results['gt_ignore_flags'] = np.asarray(results['gt_ignore_flags'], bool)
        packed = super().transform(results)
        data_sample = packed['data_samples']
        if 'gt_bboxes' not in results:  # an image to predict on: no ground truth to pack
            del data_sample.gt_instances
            del data_sample.ignored_instances
        if 'inputs' in packed and results.get('depth') is not None:
            depth = torch.from_numpy(np.ascontiguousarray(results['depth'], np.float32))
            packed['inputs'] = torch.cat([packed['inputs'].float(), depth[None]], dim=0)
        if 'gt_sem_seg' in data_sample:
            data_sample.gt_sem_seg.sem_seg = data_sample.gt_sem_seg.sem_seg.long()
        return packed

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
