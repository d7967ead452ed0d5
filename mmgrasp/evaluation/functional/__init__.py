# Copyright (c) mmgrasp contributors. All rights reserved.
from .significance import (majority_vote, mean_interval, paired_counts, sign_test, t_quantile_975,
                           wilson_interval)

__all__ = ['majority_vote', 'mean_interval', 'paired_counts', 'sign_test', 't_quantile_975',
           'wilson_interval']
