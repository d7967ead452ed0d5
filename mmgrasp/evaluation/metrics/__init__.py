# Copyright (c) mmgrasp contributors. All rights reserved.
from .cached_refine_metric import CachedRefineMetric
from .grasp_jaccard_metric import GraspJaccardMetric, match_grid, threshold_key
from .object_grasp_metric import JacquardObjectGraspMetric
from .refinement_effect_metric import RefinementEffectMetric
from .unrefined_grasp_jaccard_metric import UnrefinedGraspJaccardMetric

__all__ = [
    'CachedRefineMetric', 'GraspJaccardMetric', 'JacquardObjectGraspMetric',
    'RefinementEffectMetric', 'UnrefinedGraspJaccardMetric', 'match_grid', 'threshold_key'
]
