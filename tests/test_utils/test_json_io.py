# Copyright (c) mmgrasp contributors. All rights reserved.
import json

import pytest

from mmgrasp.utils import atomic_files, write_json_atomic


def test_writes_and_replaces(tmp_path):
    path = tmp_path / 'sub' / 'metrics.json'
    write_json_atomic(str(path), {'a': 1.5})
    write_json_atomic(str(path), {'a': 2.5})
    assert json.loads(path.read_text()) == {'a': 2.5}
    assert [p.name for p in path.parent.iterdir()] == ['metrics.json']


def test_unserialisable_object_leaves_the_old_file(tmp_path):
    path = tmp_path / 'metrics.json'
    write_json_atomic(str(path), {'a': 1})
    with pytest.raises(TypeError):
        write_json_atomic(str(path), {'a': object()})
    assert json.loads(path.read_text()) == {'a': 1}
    assert [p.name for p in tmp_path.iterdir()] == ['metrics.json']


def test_failed_rename_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    """The failure comes after the temporary file is written in full (the rename fails), so the
    clean-up path runs: the old file stays and the temporary goes."""
    path = tmp_path / 'metrics.json'
    write_json_atomic(str(path), {'a': 1})
    seen = []

    def failing_replace(src, dst):
        seen.append(sorted(p.name for p in tmp_path.iterdir()))
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(atomic_files.os, 'replace', failing_replace)
    with pytest.raises(OSError, match='No space'):
        write_json_atomic(str(path), {'a': 2})
    assert len(seen) == 1 and len(seen[0]) == 2  # the temporary existed when the rename failed
    assert json.loads(path.read_text()) == {'a': 1}
    assert [p.name for p in tmp_path.iterdir()] == ['metrics.json']
