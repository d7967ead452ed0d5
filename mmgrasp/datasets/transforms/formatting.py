# Copyright (c) mmgrasp contributors. All rights reserved.
"""Pack a grasp sample into ``inputs`` and a ``DetDataSample`` (the grasp ``PackDetInputs``)."""
from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import HorizontalBoxes
from mmengine.structures import InstanceData, PixelData

from mmgrasp.registry import TRANSFORMS
from mmgrasp.structures import NUM_ORIENTATION_BINS, grasp_to_hbox
from .grasp_geometry import get_grasps


@TRANSFORMS.register_module()
class PackGraspInputs(BaseTransform):
    """Pack the image and the annotations for a grasp detector.

    The detection targets are made here, after all geometric augmentations (docs/conventions.md
    section 2): each grasp's box in its own unrotated frame ``(x - w/2, y - h/2, x + w/2, y + h/2)``
    and its orientation bin, from :func:`mmgrasp.structures.grasp_to_hbox`.

    The packed dict has:

    - ``inputs`` (Tensor): ``(3, H, W)`` uint8 image, channel order as loaded (BGR from
      ``LoadImageFromFile``), as in mmdet ``PackDetInputs``; with a ``depth``
      (:class:`LoadDepthFromFile`), ``(4, H, W)`` float32: the colour channels, then the depth
      in metres.
    - ``data_samples`` (:obj:`DetDataSample`):

      - ``gt_instances`` (grasps not ignored) and ``ignored_instances`` (grasps with
        ``ignore_flag``), each an :obj:`InstanceData` with ``bboxes`` (:obj:`HorizontalBoxes`,
        ``(N, 4)`` unrotated-frame boxes), ``labels`` (``(N,)`` int64 bins in ``[0, 18)``),
        ``grasps`` (``(N, 5)`` float32 ``(x, y, w, h, theta)``) and ``obj_labels``
        (``(N,)`` int64 semantic class of the grasped object);
      - ``gt_sem_seg`` (:obj:`PixelData`), when the sample has a mask: ``sem_seg`` ``(1, H, W)``
        int64;
      - metainfo: the ``meta_keys`` present in the results.

    A grasp with a NaN or infinite value or a zero (or negative) opening or jaw would make the
    detection loss NaN; the loaders and :class:`GraspResize` drop grasps below 1 px
    (docs/bad_data.md), so such a grasp here comes from a custom step: it is an error that names
    the image and the values, raised before the model sees the sample.

    Args:
        meta_keys (Sequence[str]): Keys copied into the data sample's metainfo when present.
            Defaults to ``('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor',
            'flip', 'flip_direction', 'homography_matrix', 'pad_shape')``.
        num_bins (int): Number of orientation bins. Defaults to 18.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = ('img_id', 'img_path', 'ori_shape', 'img_shape',
                                             'scale_factor', 'flip', 'flip_direction',
                                             'homography_matrix',
                                             'pad_shape'),
                 num_bins: int = NUM_ORIENTATION_BINS) -> None:
        self.meta_keys = tuple(meta_keys)
        self.num_bins = num_bins

    def _instances(self, grasps: np.ndarray, obj_labels: np.ndarray) -> InstanceData:
        grasps_t = torch.as_tensor(np.asarray(grasps, dtype=np.float32).reshape(-1, 5))
        hboxes, bins = grasp_to_hbox(grasps_t, self.num_bins)  # (N, 4), (N,)
        instances = InstanceData()
        instances.bboxes = HorizontalBoxes(hboxes.float())
        instances.labels = bins.long()
        instances.grasps = grasps_t
        instances.obj_labels = torch.as_tensor(np.asarray(obj_labels, dtype=np.int64))
        return instances

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
        packed = {}
        if 'img' in results:
            img = results['img']
            if img.ndim < 3:
                img = img[..., None]
            packed['inputs'] = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
            if results.get('depth') is not None:  # RGB-D: (4, H, W) float32, depth in metres
                depth = torch.from_numpy(np.ascontiguousarray(results['depth'], np.float32))
                packed['inputs'] = torch.cat([packed['inputs'].float(), depth[None]], dim=0)

        data_sample = DetDataSample()
        if 'gt_bboxes' in results:
            grasps = get_grasps(results)
            self._check_grasps(grasps, results)
            obj_labels = np.asarray(results.get('gt_bboxes_labels',
                                                np.zeros(len(grasps), dtype=np.int64)))
            ignore = results.get('gt_ignore_flags', np.zeros(len(grasps), dtype=bool))
            ignore = np.asarray(ignore, dtype=bool)
            data_sample.gt_instances = self._instances(grasps[~ignore], obj_labels[~ignore])
            data_sample.ignored_instances = self._instances(grasps[ignore], obj_labels[ignore])
        if 'gt_seg_map' in results:
            sem_seg = torch.from_numpy(np.ascontiguousarray(results['gt_seg_map'])[None]).long()
            data_sample.gt_sem_seg = PixelData(sem_seg=sem_seg)

        data_sample.set_metainfo({k: results[k] for k in self.meta_keys if k in results})
        packed['data_samples'] = data_sample
        return packed

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys}, num_bins={self.num_bins})'
