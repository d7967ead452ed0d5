# Copyright (c) mmgrasp contributors. All rights reserved.
from .grasp_jaccard_metric import GraspJaccardMetric, match_grid, threshold_key

__all__ = ['GraspJaccardMetric', 'match_grid', 'threshold_key']
