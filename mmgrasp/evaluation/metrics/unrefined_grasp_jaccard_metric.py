# Copyright (c) mmgrasp contributors. All rights reserved.
"""The grasp metric of the candidates before refinement, beside the refined ones."""
from typing import Sequence

from mmgrasp.registry import METRICS
from .grasp_jaccard_metric import GraspJaccardMetric


@METRICS.register_module()
class UnrefinedGraspJaccardMetric(GraspJaccardMetric):
    """:class:`GraspJaccardMetric` of the candidates before refinement (``bboxes_unrefined``).

    Beside ``GraspJaccardMetric`` on one test run (another ``prefix``, e.g. ``'unrefined'``), it
    scores the same images before and after the refinement head. Only :meth:`process` differs:
    each sample's ``bboxes`` are replaced by its ``bboxes_unrefined``.

    Args:
        **kwargs: ``GraspJaccardMetric``'s arguments.
    """

    def process(self, data_batch: dict, data_samples: Sequence) -> None:
        """Score ``pred_instances.bboxes_unrefined`` in place of ``bboxes``.

        Raises:
            KeyError: A sample has no ``bboxes_unrefined`` (a model without a refinement head).
        """
        swapped = []
        for sample in data_samples:
            sample = sample.to_dict() if hasattr(sample, 'to_dict') else dict(sample)
            pred = dict(sample['pred_instances'])
            if 'bboxes_unrefined' not in pred:
                raise KeyError(f'{sample.get("img_path")}: no bboxes_unrefined in the '
                               'predictions (is there a refinement head?)')
            pred['bboxes'] = pred['bboxes_unrefined']
            swapped.append(dict(sample, pred_instances=pred))
        super().process(data_batch, swapped)
