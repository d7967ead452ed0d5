# Copyright (c) mmgrasp contributors. All rights reserved.
"""Writing result files so that no half-written file is ever left behind."""
import json
from typing import Any

from .atomic_files import write_bytes_atomic


def write_json_atomic(path: str, obj: Any) -> None:
    """Write ``obj`` as JSON to a temporary file in the same folder, then rename it to ``path``
    (:func:`~mmgrasp.utils.atomic_files.write_bytes_atomic`).

    Args:
        path (str): Destination; its folder is created if needed.
        obj (Any): A JSON-serialisable object.
    """
    write_bytes_atomic(path, json.dumps(obj, indent=2).encode('utf-8'))
