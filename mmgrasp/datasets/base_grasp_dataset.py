# Copyright (c) mmgrasp contributors. All rights reserved.
"""Base class of the grasp datasets: the data-info layout every loader returns.

Each ``load_data_list()`` entry is a dict (see :class:`BaseGraspDataset`)::

    dict(img_path=str, img_id=str, height=int, width=int,
         seg_map_path=str,               # only where the dataset has a mask
         label_map=dict,                 # optional: mask value -> class id (Jacquard 255 -> 1)
         instances=[dict(grasp=[x, y, w, h, theta],   # DESIGN.md section 1, theta in [0, pi)
                         bbox_label=int,              # orientation bin of theta (18 bins)
                         obj_label=int,               # semantic class of the grasped object
                         ignore_flag=0), ...])
"""
import logging
from typing import List

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from mmgrasp.structures import NUM_ORIENTATION_BINS, angle_to_bin, wrap_angle
from .utils import ORIENTATION_BIN_NAMES, orientation_bin_palette


class BaseGraspDataset(BaseDataset):
    """Common base of :class:`CornellGraspDataset`, :class:`JacquardGraspDataset` and
    :class:`OCIDGraspDataset`.

    ``METAINFO['classes']`` are the 18 orientation bins of the detection head (DESIGN.md section 2;
    bin ``k`` holds ``[k*10, (k+1)*10)`` degrees), not object classes: mmdet code that reads
    ``classes`` (samplers, visualizers) then sees the detector's classes. The semantic classes of
    the segmentation branch live under ``sem_classes`` / ``sem_palette``.

    Subclasses implement ``load_data_list()`` with the layout of the module docstring, building the
    instances with :meth:`make_instances`.

    Args:
        filter_cfg (dict, optional): ``dict(filter_empty_gt=True)`` drops images without any grasp
            from the training side (never in ``test_mode``) and logs how many. Defaults to None.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    METAINFO = {
        'classes': ORIENTATION_BIN_NAMES,
        'palette': orientation_bin_palette(NUM_ORIENTATION_BINS),
        'sem_classes': ('background', 'object'),
        'sem_palette': [(0, 0, 0), (0, 200, 120)],
    }

    @staticmethod
    def make_instances(grasps: np.ndarray, obj_labels=None) -> List[dict]:
        """Build the ``instances`` list of one image.

        Args:
            grasps (ndarray): ``(N, 5)`` grasps ``(x, y, w, h, theta)``; theta is wrapped into
                ``[0, pi)`` here.
            obj_labels (ndarray | int, optional): ``(N,)`` semantic class of the grasped object,
                or one class for all. Defaults to 0 (unknown).

        Returns:
            list[dict]: One dict per grasp with keys ``grasp``, ``bbox_label``, ``obj_label`` and
            ``ignore_flag``.
        """
        grasps = np.asarray(grasps, dtype=np.float64).reshape(-1, 5).copy()
        grasps[:, 4] = wrap_angle(grasps[:, 4])
        if obj_labels is None:
            obj_labels = 0
        obj_labels = np.broadcast_to(np.asarray(obj_labels, dtype=np.int64), (len(grasps), ))
        bins = angle_to_bin(grasps[:, 4], NUM_ORIENTATION_BINS)
        return [
            dict(grasp=[float(v) for v in g], bbox_label=int(b), obj_label=int(o), ignore_flag=0)
            for g, b, o in zip(grasps, bins, obj_labels)
        ]

    def filter_data(self) -> List[dict]:
        """Drop images without grasps when ``filter_cfg=dict(filter_empty_gt=True)``.

        Only on the training side (``test_mode=False``); the number dropped is logged, so that no
        image goes missing unnoticed. Without the option every image is kept.

        Returns:
            list[dict]: The kept data infos.
        """
        if self.test_mode or not self.filter_cfg or not self.filter_cfg.get('filter_empty_gt'):
            return self.data_list
        kept = [info for info in self.data_list if len(info['instances']) > 0]
        dropped = len(self.data_list) - len(kept)
        if dropped:
            print_log(f'{type(self).__name__}: filter_empty_gt dropped {dropped} of '
                      f'{len(self.data_list)} images without grasps', logger='current',
                      level=logging.WARNING)
        return kept

    def get_cat_ids(self, idx: int) -> List[int]:
        """Orientation bins of the grasps of image ``idx`` (for class-aware samplers).

        Args:
            idx (int): Index of the image.

        Returns:
            list[int]: The orientation bin of each grasp.
        """
        return [inst['bbox_label'] for inst in self.get_data_info(idx)['instances']]
