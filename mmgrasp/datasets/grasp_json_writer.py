# Copyright (c) mmgrasp contributors. All rights reserved.
"""Writing the grasp JSON format (:mod:`mmgrasp.datasets.grasp_json`): what the converters use."""
import json
from typing import List, Optional, Sequence

import numpy as np

from mmgrasp.structures import wrap_angle
from mmgrasp.utils.atomic_files import write_bytes_atomic
from .grasp_json import (GRASP_JSON_FORMAT, GRASP_JSON_VERSION, ImageId, exact_degrees,
                         parse_grasp_json)


def grasp_annotation(ann_id: ImageId, image_id: ImageId, grasp: Sequence[float],
                     category_id: int = 0) -> dict:
    """The JSON annotation of one grasp ``(x, y, w, h, theta)`` (theta in radians).

    The angle is written in degrees such that reading it back gives ``theta`` (bit for bit where
    ``theta`` came from degrees, else within one unit in the last place: :func:`exact_degrees`).

    Args:
        ann_id (int | str): The annotation id.
        image_id (int | str): The image id.
        grasp (Sequence[float]): ``(5,)`` the grasp, theta in ``[0, pi)``.
        category_id (int): The grasped object's class; 0 for unknown. Defaults to 0.

    Returns:
        dict: The annotation.
    """
    x, y, w, h, theta = (float(v) for v in grasp)
    return dict(id=ann_id, image_id=image_id, category_id=int(category_id),
                grasp=[x, y, w, h, exact_degrees(float(wrap_angle(np.float64(theta))))])


def dump_grasp_json(path: str, images: List[dict], annotations: List[dict],
                    categories: List[dict], info: Optional[dict] = None) -> None:
    """Write a grasp JSON file atomically (a temporary file renamed into place), one image,
    annotation or category a line, so that a diff shows what changed.

    The document is checked with :func:`parse_grasp_json` before anything is written.

    Args:
        path (str): Destination; its folder is created if needed.
        images (list[dict]): The images (module docstring).
        annotations (list[dict]): The annotations.
        categories (list[dict]): The categories, ids ``1..K``.
        info (dict, optional): Extra ``info`` fields (``format`` and ``version`` are set here).
    """
    info = dict(info or {}, format=GRASP_JSON_FORMAT, version=GRASP_JSON_VERSION)
    doc = dict(info=info, categories=categories, images=images, annotations=annotations)
    parse_grasp_json(json.loads(json.dumps(doc)), path, warn=False)

    def block(key: str) -> str:
        rows = ',\n'.join('    ' + json.dumps(e, ensure_ascii=False) for e in doc[key])
        return f'  "{key}": [\n{rows}\n  ]' if rows else f'  "{key}": []'

    text = '{\n  "info": ' + json.dumps(info, ensure_ascii=False) + ',\n' + ',\n'.join(
        block(k) for k in ('categories', 'images', 'annotations')) + '\n}\n'
    write_bytes_atomic(path, text.encode('utf-8'))
