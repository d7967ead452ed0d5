# Copyright (c) mmgrasp contributors. All rights reserved.
from .base_grasp_dataset import BaseGraspDataset
from .cornell import CornellGraspDataset
from .grasp_json import load_grasp_json
from .grasp_json_dataset import GraspJsonDataset
from .jacquard import JacquardGraspDataset
from .ocid_grasp import OCIDGraspDataset
from .refine_input_dataset import (RefineInputDataset, load_refine_cache, refine_input_collate,
                                   save_refine_cache)
from .synthetic import SYNTHETIC_METAINFO, generate_synthetic_dataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'BaseGraspDataset', 'CornellGraspDataset', 'GraspJsonDataset', 'load_grasp_json',
    'JacquardGraspDataset', 'OCIDGraspDataset', 'RefineInputDataset', 'load_refine_cache',
    'refine_input_collate', 'save_refine_cache',
    'SYNTHETIC_METAINFO', 'generate_synthetic_dataset'
]
