# Copyright (c) mmgrasp contributors. All rights reserved.
"""The grasp version of mmrotate's ``RotLocalVisualizer``: only the drawing of instances (grasps)
and of the semantic map differ; mmdet's ``add_datasample`` lays the drawings out."""
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import get_box_tensor
from mmengine.dist import master_only
from mmengine.structures import InstanceData, PixelData
from mmrotate.visualization import RotLocalVisualizer

from mmgrasp.registry import VISUALIZERS
from mmgrasp.structures import best_grasp_per_object, grasps_to_original
from .grasp_drawing import (OPENING_RGB, PLATE_RGB, auto_line_width, default_sem_palette,
                            draw_grasps, draw_label, overlay_sem_seg)


@VISUALIZERS.register_module()
class GraspLocalVisualizer(RotLocalVisualizer):
    """Draw grasps and semantic maps of :class:`~mmdet.structures.DetDataSample` s.

    Grasps are drawn as in the paper's Fig. 1: the two plates (``h`` sides) blue, the opening
    (``w`` sides) red; higher scores on top. Semantic maps (``gt_sem_seg``, ``pred_sem_seg``)
    are overlaid in the dataset's ``sem_palette``. With ``best_per_object`` only the best grasp
    whose centre lies on each object is drawn (:func:`mmgrasp.structures.best_grasp_per_object`),
    labelled with the object class and its score.

    Used by mmdet's ``DetVisualizationHook`` (``tools/test.py --show-dir``: ground truth left,
    prediction right) and by :class:`mmgrasp.apis.GraspInferencer`. Images are RGB, as everywhere
    in mmengine visualizers. ``dataset_meta`` (set by the runner or the inferencer) provides
    ``sem_classes`` and ``sem_palette``.

    Coordinates: ``pred_instances.bboxes`` and ``pred_sem_seg`` are expected at the size of the
    image drawn (the original image, as :class:`mmgrasp.models.GraspDetSeg` returns them);
    ``gt_instances.bboxes`` (grasps) and ``gt_sem_seg`` are in the frame of the network input and
    are mapped back with the sample's ``scale_factor`` when the image has another size.

    Args:
        name (str): Instance name. Defaults to ``'visualizer'``.
        image (ndarray, optional): Image to draw on. Defaults to None.
        vis_backends (list, optional): Visual backend configs. Defaults to None.
        save_dir (str, optional): Save directory of the backends. Defaults to None.
        plate_color (tuple): RGB colour of the plates. Defaults to blue ``(0, 0, 255)``.
        opening_color (tuple): RGB colour of the opening sides. Defaults to red ``(255, 0, 0)``.
        line_width (int, optional): Line width; None for 1 px per 300 px of the image's short
            side. Defaults to None.
        alpha (float): Opacity of the semantic overlay. Defaults to 0.45.
        max_grasps (int, optional): Draw at most this many predicted grasps (the best ones);
            None for all above the score threshold. Defaults to None.
        best_per_object (bool): Draw only the best grasp per object (needs ``pred_sem_seg``;
            without it, the single best grasp). Defaults to False.
        object_mode (str): What an object is for ``best_per_object``: ``'class'``,
            ``'component'`` or ``'auto'`` (see :func:`mmgrasp.structures.best_grasp_per_object`).
            Defaults to ``'auto'``.
        draw_sem_seg (bool): Overlay the semantic maps. Defaults to True.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 image: Optional[np.ndarray] = None,
                 vis_backends: Optional[Sequence[dict]] = None,
                 save_dir: Optional[str] = None,
                 plate_color: Tuple[int, int, int] = PLATE_RGB,
                 opening_color: Tuple[int, int, int] = OPENING_RGB,
                 line_width: Optional[int] = None,
                 alpha: float = 0.45,
                 max_grasps: Optional[int] = None,
                 best_per_object: bool = False,
                 object_mode: str = 'auto',
                 draw_sem_seg: bool = True) -> None:
        super().__init__(name=name, image=image, vis_backends=vis_backends, save_dir=save_dir,
                         line_width=line_width or 1, alpha=alpha)
        self.plate_color = tuple(plate_color)
        self.opening_color = tuple(opening_color)
        self.auto_width = line_width is None
        self.max_grasps = max_grasps
        self.best_per_object = best_per_object
        self.object_mode = object_mode
        self.draw_sem_seg = draw_sem_seg
        self._redraw_on_top = None

    # ------------------------------------------------------------------------------------------
    def _sem_meta(self, max_label: int = 0) -> Tuple[list, list]:
        """``sem_classes`` and ``sem_palette`` of ``dataset_meta``, completed to ``max_label``."""
        classes = list(self.dataset_meta.get('sem_classes') or [])
        palette = list(self.dataset_meta.get('sem_palette') or [])
        num = max(len(classes), len(palette), max_label + 1)
        classes += [f'class {k}' for k in range(len(classes), num)]
        palette += default_sem_palette(num)[len(palette):]
        return classes, palette

    def _width(self, image: np.ndarray) -> int:
        return auto_line_width(*image.shape[:2]) if self.auto_width else int(self.line_width)

    def _draw_grasp_set(self, image: np.ndarray, grasps: torch.Tensor,
                        scores: Optional[torch.Tensor] = None) -> np.ndarray:
        if scores is not None and len(scores):
            grasps = grasps[scores.argsort()]  # ascending: the best drawn last, on top
        return draw_grasps(image, grasps, self._width(image), 'rgb', self.plate_color,
                           self.opening_color)

    def _draw_objects(self, image: np.ndarray, objects: InstanceData) -> np.ndarray:
        """Best grasps per object, each labelled ``<class> <score>``."""
        classes, _ = self._sem_meta(int(objects.obj_labels.max()) if len(objects) else 0)
        image = self._draw_grasp_set(image, objects.bboxes, objects.scores)
        for grasp, label, score in zip(objects.bboxes.tolist(), objects.obj_labels.tolist(),
                                       objects.scores.tolist()):
            draw_label(image, f'{classes[label]} {score:.2f}', (grasp[0] + 4, grasp[1] - 4),
                       font_scale=0.35 * self._width(image), channel_order='rgb')
        return image

    def select_predictions(self, data_sample: DetDataSample, pred_score_thr: float = 0.3,
                           best_per_object: Optional[bool] = None) -> InstanceData:
        """The predicted grasps that get drawn.

        Args:
            data_sample (DetDataSample): With ``pred_instances`` and maybe ``pred_sem_seg``.
            pred_score_thr (float): Minimum score. Defaults to 0.3.
            best_per_object (bool, optional): Override of the instance setting.
                Defaults to None.

        Returns:
            InstanceData: The grasps; with ``best_per_object`` also ``obj_labels``, ``obj_ids``.
        """
        per_object = self.best_per_object if best_per_object is None else best_per_object
        preds = data_sample.pred_instances
        preds = preds[preds.scores > pred_score_thr]
        if per_object:
            if 'pred_sem_seg' in data_sample:
                num_classes = len(self.dataset_meta.get('sem_classes') or []) or None
                return best_grasp_per_object(preds, data_sample.pred_sem_seg.sem_seg,
                                             self.object_mode, num_classes)
            preds = preds[preds.scores.argsort(descending=True)[:1]]  # no map: the best grasp
        elif self.max_grasps is not None:
            preds = preds[preds.scores.argsort(descending=True)[:self.max_grasps]]
        return preds

    @staticmethod
    def _gt_grasps(data_sample: DetDataSample, image: np.ndarray) -> torch.Tensor:
        """Ground-truth grasps mapped from the network input to the drawn image: through the
        sample's ``homography_matrix`` (crops included; ``scale_factor`` without one), as the
        metric maps them, when the drawn image is not the network input."""
        grasps = get_box_tensor(data_sample.gt_instances.bboxes).reshape(-1, 5).float().clone()
        img_shape = data_sample.metainfo.get('img_shape')
        if img_shape is not None and tuple(img_shape[:2]) != image.shape[:2]:
            grasps = torch.as_tensor(grasps_to_original(grasps, data_sample.metainfo)).float()
        return grasps

    def _overlay(self, image: np.ndarray, sem_seg: torch.Tensor) -> np.ndarray:
        if not self.draw_sem_seg:
            return image
        seg = sem_seg.cpu().numpy()
        valid = seg[seg != 255]
        _, palette = self._sem_meta(int(valid.max()) if valid.size else 0)
        return overlay_sem_seg(image, seg, palette, self.alpha, channel_order='rgb')

    # ---------------------------------------------------------- the two drawings that differ
    def _draw_instances(self, image: np.ndarray, instances: InstanceData,
                        classes: Optional[Sequence[str]], palette: Optional[Sequence]
                        ) -> np.ndarray:
        """Draw grasps, not boxes.

        Overrides mmrotate's ``RotLocalVisualizer._draw_instances``, which draws a rotated box
        with a class label: a grasp is drawn with its two plates blue and its opening sides red
        (paper Fig. 1), best score on top, and, for a best-per-object selection, labelled with
        its object class (the detector's ``classes`` are orientation bins, not objects).
        Both ``gt_instances`` (:class:`GraspBoxes`) and ``pred_instances`` (a ``(N, 5)``
        tensor) carry their grasps in ``bboxes``.

        Args:
            image (ndarray): ``(H, W, 3)`` RGB image (not modified).
            instances (InstanceData): Grasps to draw.
            classes, palette: The detector's (unused, see above).

        Returns:
            ndarray: The drawing.
        """
        if 'bboxes' not in instances:  # e.g. an image without annotations
            return image.copy()
        grasps = torch.as_tensor(get_box_tensor(instances.bboxes)).reshape(-1, 5).float()
        if 'obj_ids' in instances:
            def redraw(img: np.ndarray) -> np.ndarray:
                return self._draw_objects(img, instances)
        else:
            scores = instances.get('scores')

            def redraw(img: np.ndarray) -> np.ndarray:
                return self._draw_grasp_set(img, grasps, scores)
        self._redraw_on_top = redraw
        return redraw(image.copy())

    def _draw_sem_seg(self, image: np.ndarray, sem_seg: PixelData,
                      classes: Optional[Sequence[str]], palette: Optional[Sequence]
                      ) -> np.ndarray:
        """Overlay a semantic map under the grasps.

        Overrides mmdet's ``DetLocalVisualizer._draw_sem_seg``: the colours are the dataset's
        ``sem_palette`` (``classes`` / ``palette`` are the orientation bins), and the grasps
        that :meth:`_draw_instances` drew just before on this image are drawn again on top, so
        that the overlay does not dim them.

        Args:
            image (ndarray): ``(H, W, 3)`` RGB image.
            sem_seg (PixelData): ``sem_seg`` ``(1, H, W)`` class ids.
            classes, palette: The detector's (unused).

        Returns:
            ndarray: The drawing.
        """
        out = self._overlay(image, sem_seg.sem_seg[0] if sem_seg.sem_seg.dim() == 3
                            else sem_seg.sem_seg)
        redraw, self._redraw_on_top = self._redraw_on_top, None
        return redraw(out) if redraw is not None else out

    # ------------------------------------------------------------------------------------------
    @master_only
    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[DetDataSample] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       pred_score_thr: float = 0.3,
                       step: int = 0,
                       best_per_object: Optional[bool] = None) -> None:
        """Choose what to draw, then let mmdet's ``add_datasample`` draw it (ground truth left,
        prediction right; shown, written to ``out_file`` or added to the backends).

        What is added to mmdet's: the predictions drawn are :meth:`select_predictions` (best
        per object, ``max_grasps``), and the ground-truth grasps, which are in the network
        input's frame, are mapped into the drawn image's (``homography_matrix``).

        Args:
            name (str): Image identifier.
            image (ndarray): ``(H, W, 3)`` RGB image (the original image of the sample).
            data_sample (DetDataSample, optional): Annotations and/or predictions.
                Defaults to None.
            draw_gt (bool): Draw the ground truth. Defaults to True.
            draw_pred (bool): Draw the prediction. Defaults to True.
            show (bool): Show the drawing in a window. Defaults to False.
            wait_time (float): Seconds to show it. Defaults to 0.
            out_file (str, optional): Write the drawing here (instead of the backends).
                Defaults to None.
            pred_score_thr (float): Minimum score of a drawn grasp. Defaults to 0.3.
            step (int): Global step for the backends. Defaults to 0.
            best_per_object (bool, optional): Override of the instance setting.
                Defaults to None.
        """
        self._redraw_on_top = None
        if data_sample is not None:
            data_sample = data_sample.cpu().clone()
            if draw_pred and 'pred_instances' in data_sample:
                data_sample.pred_instances = self.select_predictions(
                    data_sample, pred_score_thr, best_per_object)
            if 'gt_instances' in data_sample and 'bboxes' in data_sample.gt_instances:
                gt = data_sample.gt_instances.clone()
                gt.bboxes = self._gt_grasps(data_sample, image)
                data_sample.gt_instances = gt
        super().add_datasample(name, image, data_sample, draw_gt, draw_pred, show, wait_time,
                               out_file, pred_score_thr, step)
