# Copyright (c) mmgrasp contributors. All rights reserved.
"""Writing result files so that no half-written file is ever left behind."""
import json
import os
import os.path as osp
import tempfile
from typing import Any


def write_json_atomic(path: str, obj: Any) -> None:
    """Write ``obj`` as JSON to a temporary file in the same folder, then rename it to ``path``.

    Args:
        path (str): Destination; its folder is created if needed.
        obj (Any): A JSON-serialisable object.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with tempfile.NamedTemporaryFile('w', dir=folder, suffix='.tmp', delete=False) as f:
        try:
            json.dump(obj, f, indent=2)
        except BaseException:
            f.close()
            os.unlink(f.name)
            raise
    os.replace(f.name, path)
