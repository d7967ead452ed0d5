# Copyright (c) mmgrasp contributors. All rights reserved.
"""Converters to the grasp JSON format (:mod:`mmgrasp.datasets.grasp_json`); the command line is
``tools/dataset_converters/to_grasp_json.py``."""
from .cvat import cvat_to_grasp_json, read_cvat_xml
from .labelme import labelme_to_grasp_json, read_labelme_file
from .native import (cornell_to_grasp_json, data_list_to_grasp_json, jacquard_to_grasp_json,
                     ocid_to_grasp_json)

__all__ = [
    'cornell_to_grasp_json', 'jacquard_to_grasp_json', 'ocid_to_grasp_json',
    'labelme_to_grasp_json', 'cvat_to_grasp_json', 'read_labelme_file', 'read_cvat_xml',
    'data_list_to_grasp_json'
]
