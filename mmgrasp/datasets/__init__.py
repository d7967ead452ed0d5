# Copyright (c) mmgrasp contributors. All rights reserved.
from .base_grasp_dataset import BaseGraspDataset
from .cornell import CornellGraspDataset
from .jacquard import JacquardGraspDataset
from .ocid_grasp import OCIDGraspDataset
from .synthetic import SYNTHETIC_METAINFO, generate_synthetic_dataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'BaseGraspDataset', 'CornellGraspDataset', 'JacquardGraspDataset', 'OCIDGraspDataset',
    'SYNTHETIC_METAINFO', 'generate_synthetic_dataset'
]
