# Copyright (c) mmgrasp contributors. All rights reserved.
import json

import pytest

from mmgrasp.utils import write_json_atomic


def test_writes_and_replaces(tmp_path):
    path = tmp_path / 'sub' / 'metrics.json'
    write_json_atomic(str(path), {'a': 1.5})
    write_json_atomic(str(path), {'a': 2.5})
    assert json.loads(path.read_text()) == {'a': 2.5}
    assert [p.name for p in path.parent.iterdir()] == ['metrics.json']


def test_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / 'metrics.json'
    write_json_atomic(str(path), {'a': 1})
    with pytest.raises(TypeError):
        write_json_atomic(str(path), {'a': object()})
    assert json.loads(path.read_text()) == {'a': 1}
    assert [p.name for p in tmp_path.iterdir()] == ['metrics.json']
