# Copyright (c) mmgrasp contributors. All rights reserved.
from .grasp_jaccard_metric import GraspJaccardMetric, match_grid, threshold_key
from .object_grasp_metric import JacquardObjectGraspMetric
from .refinement_effect_metric import RefinementEffectMetric

__all__ = [
    'GraspJaccardMetric', 'JacquardObjectGraspMetric', 'RefinementEffectMetric', 'match_grid',
    'threshold_key'
]
