# Copyright (c) mmgrasp contributors. All rights reserved.
from .train_time_budget_hook import TrainTimeBudgetHook

__all__ = ['TrainTimeBudgetHook']
